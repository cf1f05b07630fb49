// Package shop is websim/Shop-v0: WebShop (Yao et al., "WebShop: Towards
// Scalable Real-World Web Interaction with Grounded Language Agents",
// NeurIPS 2022) over a generated catalog: an instruction ("i need a waterproof rain
// jacket in navy, size m, and price lower than 120.00 dollars") describes a
// target product; the agent searches, opens products, chooses their
// options and buys one, and the purchase is scored by WebShop's reward.
//
// # Catalog
//
// A catalog is made from options products (50 to 100000; default 1000),
// variants (0 to 5; default 2) and catalog_seed, with the env's own random
// source, and shared read only by every episode of the same three (a
// process-wide cache of 4 catalogs, least recently used evicted first,
// each with its bm25.Index). Products belong to 29 types in WebShop's five
// categories (fashion, electronics, home, beauty, grocery): rain jackets,
// hiking boots, wireless earbuds, office chairs, shampoos, coffee beans, ... Each product has WebShop's fields: an
// ASIN ("B0" and 8 characters), a title (brand, one or two attributes, the
// type, a suffix: "Veron Packable Rain Jacket with Adjustable Hood"), a
// price, 3 to 5 attributes from its type's 6 to 10 ("waterproof", "quick
// drying", "long battery life"), options with 2 to 9 values each (color,
// size, scent, flavor, roast, pack, switch), features (one per attribute,
// and lines of the type), a description, 0 to 3 reviews and their rating,
// its query ("rain jackets") and product category ("Clothing, Shoes &
// Jewelry › Rain Jackets"). Brands belong to one type. Every product is
// followed by variants near-duplicate listings: the same brand, type, texts
// and reviews with one attribute swapped, one option's values redrawn, or a
// higher price; the catalog is then shuffled. A product's search document
// is, as in WebShop, its title, description, first feature and options
// ("color: black, navy, and size: small, medium").
//
// # Instructions
//
// The episode seed selects the instruction, as a person writes one looking
// at a product: a target product, 1 to 3 of its attributes (option
// goal_attributes fixes the number), one value of each of its options, and
// WebShop's price bound: of the multiples of 10 from 10 to 990 above the
// price, the larger of two drawn from the first four. Each option value is
// named by a paraphrase with probability paraphrase (default 0.5): "size m"
// for medium, "navy blue" for navy, "12 oz" for 12 ounce; the page shows
// the value itself. The search for the instruction must show the target
// among its top 50 results; when other results satisfy the goal too (could
// score 1), the instruction is refined to tell the target apart (one more
// of its attributes, or another of its option values), or the target is
// redrawn. On the default catalog about 97% of the goals are unique among
// the instruction's results (TestShopGoals); the others, and in catalogs of many thousands
// of products those whose instruction does not find the target (the gold
// search is then the target's title), are satisfiable but not unique.
//
// # Pages and actions
//
// The pages and buttons are WebShop's: the search page (the instruction
// and a search box), results (10 to a page of the top 50, with "Back to
// Search", "< Prev" and "Next >"), a product's page ("Back to Search",
// "< Prev", each option's values as buttons, the title, price and rating,
// "Description", "Features", "Reviews", "Attributes" with option
// show_attrs, and "Buy Now"), its sub-pages ("Back to Search", "< Prev"),
// and the end after Buy Now, which shows the score. As in WebShop, showing
// results forgets the options chosen on a product's page, and going back
// from a sub-page keeps them. Obs.Text is the page (option observation:
// text, one line per row with buttons in [brackets] and the chosen values
// noted "(selected: navy)"; simple, WebShop's text mode: the page's
// elements joined by " [SEP] "), with the instruction on every page.
// Obs.Messages is, on Reset, a system message with the rules and the page
// as a user message (with action_format=tools, Obs.Tools holds the search
// and click tools the rules name); then the page as a user message, or one
// tool message per tool call. Obs.Value is WebShop's available actions
// (get_available_actions): {page, has_search_bar, clickables}, the
// clickables in lower case; it is owned by the env until the next Step.
//
// Actions are WebShop's, as text: search[query] on the search page and
// click[button] with a button of the page (a product's ASIN, an option
// value, a navigation button, Buy Now), matched ignoring case and extra
// white space, as WebShop lower-cases its arguments; think[...] (ReAct's
// thought) changes nothing. The last action of the text counts (reasoning
// may come first), read after dojo.Answer; brackets or quotes around a
// button copied from the page are forgiven (click[[Buy Now]]). The same
// actions come as tools for function-calling agents: search {query} and
// click {button} (MCP-style inputSchema; option action_format=tools makes
// them the spec's action space); several calls in a turn run in order, one
// action each, and those after the end are not run. <tool_call> blocks in
// text and an index into Obs.Value's clickables are accepted too. An action
// not possible on the page (text without an action, a click on something
// the page does not show, a search where there is no search box, an empty
// query, bad tool arguments) is invalid: the page stays as it was, and the
// observation starts with "Invalid action:" and says what was wrong.
// Unlike WebShop, which searches from any page, search needs the search
// page. The tool calls of a turn past max_calls_per_turn (default 32) are
// refused, unrun, each an invalid action named in its result. After
// max_steps actions (default 15) the episode is truncated;
// with invalid_action=terminate it terminates as a failure after
// max_invalid invalid actions.
//
// # Reward
//
// Buy Now scores the purchase as WebShop's get_reward does:
//
//	r = r_type · (N_att + N_opt + [price ≤ bound]) / (|U_att| + |U_opt| + 1)
//
// where N_att counts the goal attributes that match (token_set_ratio above
// 85 with one of the product's attributes, or else a substring of its
// lower-cased title, features or description), N_opt the chosen options
// that match (color-normalized; size exactly one of the goal's values, the
// others token_set_ratio above 85 with one of them; or else a substring of
// the texts), capped at |U_opt|, and r_type the type match: 1 if the
// product has the goal's query, or 2 breadcrumb levels in common, or more
// than 0.2 of the goal title's nouns in its title; else 0.5; and 0.1 when
// that noun share is below 0.1, 0 when it is 0. token_set_ratio is
// thefuzz's with full processing (characters U+0080–U+00FF dropped, letters
// and digits lower-cased, the rest spaces; rounded half to even);
// normalize_color maps a value to the first color of an alphabetical list
// it contains ("navy blue" to "blue"). Where this differs from WebShop:
// title nouns come from how the generator wrote the title, not from spaCy's
// tagger; N_opt is capped (WebShop's count can exceed |U_opt| and r exceed
// 1); the color list is the catalog's colors and other common ones, not
// WebShop's; a product has one price, not a range drawn from. The catalog
// is built so that this fuzzy matching is exact (TestShopScoreIsExact):
// attributes of a type, and option values of an option, are pairwise at
// most 85 apart, no product's texts mention its option values or
// attributes it lacks, and products of different types share no title
// noun, query or category. So r = 1 exactly when the product is of the
// goal's type, has the goal's attributes, the goal's option values were
// chosen and the price is within the bound.
//
// Components, each step:
//
//	success    1 on Buy Now iff r = 1
//	webshop    r on Buy Now, else 0
//	progress   Φ(s') − Φ(s), potential-based shaping (Ng, Harada and Russell 1999, γ = 1): Φ is 0.25 on
//	           results that hold the target, 0.5 + 0.5·(share of goal options chosen) on the target's
//	           page or its sub-pages, 0 elsewhere, after the purchase and on the step that ends the
//	           episode without one (truncated, or by the invalid-action policy), so it sums to 0 over
//	           every episode
//	invalid    −1 per invalid action
//	step_cost  −1 per action
//
// Profiles: webshop (the default: WebShop's own reward, r on Buy Now);
// sparse (success); shaped (webshop 1, progress 0.1, invalid 0.1);
// shaped+cost (shaped with step_cost 0.01, the shaped of earlier
// versions).
//
// What shaped keeps of the sparse task's optimum (undiscounted, γ = 1, as
// the progress term): progress sums to 0 over every episode whatever the
// policy, so it changes no policy's return. The invalid penalty lowers
// only actions that change nothing. The term that can change the optimum
// is webshop, WebShop's partial credit r in [0, 1]: it pays for a purchase
// that matches some but not all of the goal, so a policy that surely buys
// a near match (r = 0.9) beats one that finds the exact product half of
// the time and otherwise buys nothing (0.5), while the sparse task prefers
// the second. It stays in shaped because it is WebShop's own reward, the
// one the shop's published results use, and it agrees with success at the
// top: r = 1 exactly when the purchase succeeds, so a policy that always
// succeeds is optimal under both. A step cost is not in shaped: it rewards
// buying early over searching longer for the exact product. Info.Extra after Buy Now holds the product bought, the
// options chosen, the target and the score's parts (WebShop's verbose
// info); Info.Metrics holds steps, invalid_actions and searches.
//
// # Oracle and baselines
//
// OracleAction plays the gold path from any page: the gold search, pages
// to the target, opens it, chooses the goal's option values and buys (1.0
// on every seed: TestShopOracleAndProbes plays thousands). BaselineAction
// plays reference policies, found by the agents package's baseline agent:
// top-result (WebShop's rule baseline, which buys the instruction's first
// result, choosing the option values the instruction names as the page
// shows them), random-click, and the hack probes first-result (buy the
// first result of the first search), click-all (click every option value
// and sub-page, then buy), cheapest (buy the cheapest result). On the
// default catalog top-result succeeds about half the time, the probes
// almost never: first-result and cheapest never (they choose no options),
// click-all by luck in 5 to 9% of episodes (when its last clicks happen to
// be the goal's values on the target); TestShopOracleAndProbes bounds
// each.
//
// # Tasks
//
// GenerateTask returns the seed's task: the system message and the search
// page as the prompt, the tools (action_format=tools), and in Verify the
// catalog config with its hash and the goal. VerifyTask replays a response
// on a fresh session: Response.Messages as the assistant's turns (as Step
// reads them), Response.Text as a plan (every search[...] and click[...]
// of it in order); it stops at Buy Now or max_steps, and sums the
// components over the actions. A verify block whose catalog does not hash
// as recorded (another generator version) is an error.
package shop
