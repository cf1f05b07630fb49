// Package websim simulates the web for agents, on CPU and offline, with
// verifiable rewards and difficulty knobs: a search engine over generated
// worlds (or a corpus of your own) for multi-hop question answering in the
// style of Search-R1 (Jin et al., "Search-R1: Training LLMs to Reason and
// Leverage Search Engines with Reinforcement Learning", 2025), and a
// simulated shop in the style of WebShop (Yao et al., NeurIPS 2022).
//
// # Environments
//
//	websim/SearchQA-v0              mixed questions (option kind), tools by default
//	websim/SearchQA-Bridge-v0       bridge questions only
//	websim/SearchQA-Comparison-v0   comparison questions only
//	websim/SearchQA-Aggregation-v0  aggregation questions only
//	websim/SearchR1-v0              Search-R1's setting: text mode and the searchr1 reward by default
//	websim/Corpus-v0                a JSONL corpus and QA pairs of your own (options corpus, qa)
//	websim/Shop-v0                  WebShop over a generated catalog (see Shop below)
//
// # Worlds
//
// NewWorld maps (size, noise, seed) to a world, deterministically (its own
// PCG streams; the same options give the same bytes): countries, cities,
// organisations (companies of eleven industries, universities), people,
// works (novels, films, albums) and events, about size of them in all, with
// attributes (years, populations, staff, visitors, occupations, industries,
// genres) and functional relations: a person's birthplace, employer and
// university; an organisation's founder and city; a work's creator and
// publisher; an event's city, organiser and winner; a city's country; a
// country's capital. Names are invented from syllables, so no model knows a
// world's facts before it searches; names and aliases (a full name with a
// middle name, a legal form such as "Ltd") are unique after SQuAD
// normalization.
//
// Each entity has a page: a title (its name), a text stating its facts in
// varied sentences (and its backlinks as complete lists: the people born in
// a city, the works of a person, the organisations based in a city), links,
// and an id (the title's slug). Every sentence that states a fact records
// its page as evidence of that fact. Option noise (0..1) adds noise·size
// distractors, a third of each kind: entities with near-duplicate names
// (one vowel or an ending changed, another given name, another suffix:
// full entities with their own facts and a "Not to be confused with" note),
// dated archive pages describing an entity as it was (a former city,
// employer, staff or population, "as it was in 1979"), and pages of
// refuted claims ("A widely shared post claims … The claim is false",
// "An unverified forum post says …"). Organisations moved from a former
// city with probability noise, which their page says ("Until 1988 it was
// based in …"). Distractors never state a current fact unmarked, so they do
// not make a gold answer wrong; they are never evidence.
//
// # Search engine
//
// Index is an in-memory inverted index ranked by BM25 exactly as SQLite
// FTS5's bm25() ranks a (title, text) table with the unicode61 tokenizer
// and a query of the terms joined by OR (k1 = 1.2, b = 0.75, FTS5's IDF
// with its 1e-6 floor, the same tokens): the same documents in the same
// order, with the same scores but for the last bit of an IDF (FTS5 takes
// its logarithm from musl). Search finds the top k by seeding the heap
// with each weighty term's best postings, then MaxScore (Turtle and Flood
// 1995) with block-max skipping (Ding and Suel 2011); its bounds are summed
// in query order, as scores are, so by the monotonicity of floating-point
// addition they bound the scores exactly and ties break by document as
// Search promises. Snippet cuts the window of 30 words that holds the most
// query terms. One Index serves any number of concurrent searches; worlds
// and corpora are built once per process and shared read-only (a cache
// bounded to 1.5 million pages, least recently used first).
//
// # Questions
//
// World.Question maps (kind, hops, seed) to a question of 1 to 4 hops, each
// hop a fact read from a page, with its gold answer and aliases, and per
// hop the pages that state its fact:
//
//	bridge       a chain of relations from a named entity, then the last entity's name or one of its
//	             attributes: "In what year was the founder of the publisher of The Glass Orchard born?"
//	comparison   which of two entities (each named, or reached by a chain) was first or is larger:
//	             "Who was born first, the founder of Kalvane Press or Mara Stenholt?" (2 to 4 hops)
//	aggregation  the length of a complete list on a page ("How many works has Idris Kalvane
//	             created?"), or the years between two dates ("How many years passed between the
//	             founding of X and the release of Y?")
//
// Relations are functional and names unique, compared values differ, and a
// bridge's or count's answer is never written in its question. Option hops
// 0 draws 1..4 per seed (at least 2 for comparisons); kind mixed draws the
// kind. A seed selects its world (world seed = seed / questions_per_world)
// and its question; a question one of whose hops no search surfaces within
// topk results is drawn again from the next question seed (rare: a few in
// ten thousand at topk 1), so that the gold search path always exists.
//
// # Observation
//
// Obs.Messages (and Obs.Text). Tools mode, on Reset: a system message (the
// world is invented, the tools and the call format, the tools as JSON) and
// the question, and Obs.Tools holds those tools in the same order; after a
// turn, one tool message per call with its JSON
// result; Obs.Text is the contents, each tool result headed "name: ". Text
// mode (Search-R1): one user message, Search-R1's instruction ending
// "Question: …?" (its data_process/nq_search.py prompt); after a search,
// Obs.Text is "\n\n<information>Doc 1(Title: …) text\nDoc 2…</information>\n\n"
// (Search-R1's passages: each result's whole text), to append to the
// completion, and Messages holds it as a user message. The final step has
// a closing Text only. Info.Extra on Reset: kind and hops.
//
// # Actions
//
// Tool calls (dojo.ActMessage ToolCalls, or text with <tool_call>{"name":
// …, "arguments": {…}}</tool_call> blocks read with reward.ParseToolCalls),
// validated against each tool's inputSchema (MCP's shape; a call with an
// unknown tool, a missing, unknown, mistyped or out-of-range argument is an
// invalid action, not an error, and its tool message names the problem):
//
//	search  {"query": string (1..500 chars), "k": integer 1..10 (default topk)}
//	        {"query", "results": [{"page": id, "title", "snippet"}], "note"}
//	open    {"page": id or exact title}      {"page", "title", "text", "links": [ids]}, or {"error"} for no such page
//	find    {"text": string (1..200)}        {"page", "text", "count", "matches": [sentences]} in the open page
//	answer  {"text": string (0..1000)}       ends the episode
//
// Calls of a turn run in order; answer ends the turn. Search-R1's text
// actions work in both modes: a completion is cut after its first
// </search>, else its first </answer> (as Search-R1's rollout stops
// there), and its action is the first <search>…</search> or
// <answer>…</answer> block, content trimmed (an optional <think> first).
// A turn without calls or tags is, in tools mode, the final answer
// (dojo.Answer of the text after a leading <think> block); in text mode it
// is invalid, and the env answers Search-R1's "My previous action is
// invalid. …". After max_turns turns the episode is truncated;
// invalid_action=terminate ends it as a failure after max_invalid invalid
// calls or turns.
//
// # Success
//
// The episode succeeds on its final answer iff the answer matches a gold
// exactly after SQuAD normalization (reward.ExactMatch) and every hop was
// read: one of the pages stating its fact was returned by a search or
// opened. A right answer without the supporting pages does not count (a
// comparison's answer is one of two names in the question). Corpus
// questions without supporting page ids succeed on exact match alone.
//
// # Rewards
//
// Components, each step (zero but on the final answer unless said; R_t
// and O_t are the fractions of hops read and of hops whose page was
// opened after step t):
//
//	success           1 iff the episode succeeds
//	em                1 iff the answer matches a gold exactly (SQuAD normalization)
//	f1                SQuAD token F1 of the answer against the best gold (reward.TokenF1)
//	format            −1 for a malformed turn: only broken <tool_call> blocks, no action in text
//	                  mode, an empty answer
//	retrieval         R_t − R_{t−1} (so an episode sums to R_T): supporting pages surfaced or opened
//	opened            O_t − O_{t−1}
//	search_cost       −1 per search
//	invalid           −1 per invalid call
//	sr1_structure     on the last step, with S = reward.SearchR1 of the episode's text (its turns as
//	sr1_final_format  cut, and the information and invalid-action messages between them):
//	sr1_retrieval     +1 / −1 / 0, 1 / 0 and 1 / 0, so that em + 0.2·sr1_structure +
//	                  0.1·sr1_final_format + 0.1·sr1_retrieval is S.Reward, Search-R1's
//	                  format-aware reward: 1 for a match in a valid format, 0.8 for a match in an
//	                  invalid one, 0.3 or 0.2 for a valid format without a match (with or without
//	                  a gold in an <information> block), 0.1 for an answer in an invalid format,
//	                  else 0 (see reward.SearchR1)
//
// Profiles: shaped (the default but for SearchR1-v0): success 1, f1 0.2,
// format 0.1, retrieval 0.2, opened 0.1, search_cost 0.01, invalid 0.1, the
// rest 0; sparse: success 1; searchr1 (SearchR1-v0's default): em 1,
// sr1_structure 0.2, sr1_final_format 0.1, sr1_retrieval 0.1 — Search-R1's
// qa_em_format.py compute_score_em, scoring the episode's text as
// Search-R1 scores a response (in tools mode, turns of structured calls
// hold no tags, so only em pays); em: em 1 — Search-R1's outcome reward
// (qa_em.py). success never depends on the profile.
//
// Metrics (Info.Metrics, owned by the env): turn, searches, opens, invalid,
// hops, hops_read.
//
// # Tasks and verification
//
// GenerateTask returns the prompt messages, the tools (tools mode), and in
// Verify {question, answers, kind, hops, evidence (per hop, page ids),
// targets, world {Size, Noise, Seed} and world_hash} (a corpus task:
// index and corpus_hash instead of world); Meta holds kind and hops.
// VerifyTask rebuilds the world from Verify (checking world_hash), or
// regenerates the task from Task.Seed when Verify is empty, and replays the
// response: Response.Messages as assistant turns (tool results recomputed,
// other roles ignored), or Response.Text as a whole Search-R1 response,
// its <information> blocks dropped (the searches run again) and its turns
// ending at each </search>, </answer> and </tool_call>. The score's parts
// are the episode's, summed over its turns; the sr1 parts score the
// replayed text with the recomputed information. OracleAction plays the
// gold search path — for the first hop not yet read, a search whose top k
// holds one of its pages (the page's title, else longer queries from its
// text) and, in tools mode, the opening of its page; then the gold answer
// (text mode: "<think>…</think>\n<answer>gold</answer>") — and succeeds on
// every generated task, with Search-R1's maximum reward 1 in text mode.
//
// # External corpora
//
// websim/Corpus-v0 reads option corpus, a file of JSON lines {"id",
// "title", "text"} (or Search-R1's and FlashRAG's {"id", "contents"}, the
// title in quotes on the first line), and option qa, JSON lines
// {"question", "answers"} ("golden_answers" or "answer" also do) with
// optional "id" and "supporting" (page ids: each a hop); a seed selects
// question seed mod their number. Errors name the file and the line (for
// example "qa.jsonl:12: no \"answers\""). With neither option it serves a
// sample built in: a world of 40 entities exported with World.WriteCorpus
// and World.WriteQA.
//
// # Search QA options
//
// kind (SearchQA-v0 and SearchR1-v0; "mixed"), hops (0: any), size (150;
// 20..200000 entities), noise (0.3), questions_per_world (32), corpus and
// qa (Corpus-v0), mode ("tools", or "text" for SearchR1-v0), topk (3: the
// default k of search and the k of text mode), max_turns (10),
// invalid_action ("penalize" or "terminate"), max_invalid (1), reward.
//
// # Shop
//
// websim/Shop-v0 is WebShop (Yao et al., "WebShop: Towards Scalable
// Real-World Web Interaction with Grounded Language Agents", NeurIPS 2022)
// over a generated catalog: an instruction ("i need a waterproof rain
// jacket in navy, size m, and price lower than 120.00 dollars") describes a
// target product; the agent searches, opens products, chooses their
// options and buys one, and the purchase is scored by WebShop's reward.
//
// # Shop catalog
//
// A catalog is made from options products (50 to 100000; default 1000),
// variants (0 to 5; default 2) and catalog_seed, with the env's own random
// source, and shared read only by every episode of the same three (a
// process-wide cache of 4 catalogs, each with its Index). Products belong to
// 29 types in WebShop's five categories (fashion, electronics, home,
// beauty, grocery): rain jackets, hiking boots, wireless earbuds, office
// chairs, shampoos, coffee beans, ... Each product has WebShop's fields: an
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
// # Shop instructions
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
// # Shop pages and actions
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
// page. After max_steps actions (default 15) the episode is truncated;
// with invalid_action=terminate it terminates as a failure after
// max_invalid invalid actions.
//
// # Shop reward
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
//	           page or its sub-pages, 0 elsewhere and after the purchase, so it sums to 0 over a
//	           finished episode
//	invalid    −1 per invalid action
//	step_cost  −1 per action
//
// Profiles: webshop (the default: WebShop's own reward, r on Buy Now);
// sparse (success); shaped (webshop 1, progress 0.1, invalid 0.1,
// step_cost 0.01). Info.Extra after Buy Now holds the product bought, the
// options chosen, the target and the score's parts (WebShop's verbose
// info); Info.Metrics holds steps, invalid_actions and searches.
//
// # Shop oracle and baselines
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
// # Shop tasks
//
// GenerateTask returns the seed's task: the system message and the search
// page as the prompt, the tools (action_format=tools), and in Verify the
// catalog config with its hash and the goal. VerifyTask replays a response
// on a fresh session: Response.Messages as the assistant's turns (as Step
// reads them), Response.Text as a plan (every search[...] and click[...]
// of it in order); it stops at Buy Now or max_steps, and sums the
// components over the actions. A verify block whose catalog does not hash
// as recorded (another generator version) is an error.
package websim
