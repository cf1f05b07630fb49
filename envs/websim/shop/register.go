package shop

import (
	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
)

// ID is the id of the simulated shop.
const ID = "websim/Shop-v0"

// components are the reward components of the shop, in Spec.Rewards order.
var components = [...]dojo.Component{
	{Name: dojo.SuccessComponent, Shaped: 0, Description: "1 on the Buy Now step iff WebShop's score of the purchase is 1, else 0"},
	{Name: "webshop", Shaped: 1, Description: "on the Buy Now step, WebShop's score r_type·(attribute matches + option matches + [price ≤ bound])/(|attributes| + |options| + 1) in [0, 1]; 0 on other steps"},
	{Name: "progress", Shaped: 0.1, Description: "potential-based shaping Φ(s') − Φ(s) (γ = 1) with Φ 0.25 on results holding the target, 0.5 + 0.5·(share of goal options chosen) on the target's pages, 0 elsewhere, after buying and on the step that ends the episode otherwise (truncated, or by the invalid-action policy): sums to 0 over every episode"},
	{Name: "invalid", Shaped: 0.1, Description: "−1 per invalid action (unparseable, a click on something not on the page, a search without a search box)"},
	{Name: "step_cost", Shaped: 0, Description: "−1 per action (weight 0.01 in shaped+cost; not in shaped: it can change the optimal policy)"},
}

// numComponents is the number of reward components.
const numComponents = len(components)

// Indices of the reward components in Spec.Rewards, looked up by name.
var (
	cSuccess  = family.MustIndex(components[:], dojo.SuccessComponent)
	cWebShop  = family.MustIndex(components[:], "webshop")
	cProgress = family.MustIndex(components[:], "progress")
	cInvalid  = family.MustIndex(components[:], "invalid")
	cStepCost = family.MustIndex(components[:], "step_cost")
)

var shopProfiles = map[string]map[string]float64{
	// WebShop's own reward: the score of the purchase, given on Buy Now.
	"webshop": {"webshop": 1},
	// shaped with a step cost (the shaped of earlier versions).
	"shaped+cost": {"webshop": 1, "progress": 0.1, "invalid": 0.1, "step_cost": 0.01},
}

func shopOptions() []dojo.Option {
	opts := []dojo.Option{
		dojo.Option{Name: "products", Type: dojo.OptInt, Default: 1000,
			Description: "products in the generated catalog (WebShop's num_products; its small settings are 100 and 1000)"}.Range(50, 100000),
		dojo.Option{Name: "variants", Type: dojo.OptInt, Default: 2,
			Description: "near-duplicate listings per product: the same brand and type with one attribute swapped, one option's values redrawn or a higher price"}.Range(0, 5),
		dojo.Option{Name: "catalog_seed", Type: dojo.OptInt, Default: 0,
			Description: "seed of the catalog; the episode seed selects the instruction"}.Range(0, 999999),
		dojo.Option{Name: "goal_attributes", Type: dojo.OptInt, Default: 0,
			Description: "attributes an instruction asks for: 1 to 3, or 0 to draw 1 to 3 per seed (at most the target's)"}.Range(0, 3),
		dojo.Option{Name: "paraphrase", Type: dojo.OptFloat, Default: 0.5,
			Description: "the chance that an instruction names an option value by a paraphrase (\"size m\" for medium, \"navy blue\" for navy) rather than as the page shows it"}.Range(0, 1),
		dojo.Option{Name: "max_steps", Type: dojo.OptInt, Default: 15,
			Description: "actions before the episode is truncated"}.Range(1, 500),
		{Name: "observation", Type: dojo.OptString, Default: "text", Choices: []string{"text", "simple"},
			Description: "text: one line per row of the page, buttons in [brackets]; simple: WebShop's text mode, the page's elements joined by \" [SEP] \""},
		{Name: "action_format", Type: dojo.OptString, Default: "text", Choices: []string{"text", "tools"},
			Description: "the action space the spec announces: text (search[query] and click[button], as WebShop) or tools (tool calls of search {query} and click {button}); both are accepted either way"},
		{Name: "show_attrs", Type: dojo.OptBool, Default: false,
			Description: "show an Attributes button on item pages listing the product's attributes (WebShop's show_attrs)"},
		family.MaxCalls(),
	}
	opts = append(opts, family.InvalidOptions(family.InvalidText{
		Penalize:  "an invalid action changes nothing and scores invalid=-1",
		Terminate: "once max_invalid actions were invalid",
		Counted:   "invalid actions",
		Max:       1000,
	})...)
	return append(opts, dojo.Option{Name: dojo.RewardOption, Type: dojo.OptReward,
		Description: "reward profile: webshop (default: WebShop's score on Buy Now), sparse (success), shaped (score with progress and invalid terms), shaped+cost (shaped with a step cost), or an object of component weights"})
}

func shopSpec(tools bool, maxSteps int) dojo.Spec {
	act := dojo.Space{Kind: dojo.KindText, Tools: shopTools, MaxLength: 1 << 16,
		Description: "WebShop's actions as text: search[query] on the search page, click[button] with a button of the page (think[...] is a no-op); the last action of the text counts; tool calls of search/click and an index into Obs.Value.clickables are accepted too"}
	if tools {
		act = dojo.Space{Kind: dojo.KindToolCalls, Tools: shopTools,
			Description: "tool calls: search {query} on the search page, click {button} with a button of the page; several calls run in order, one action each; text actions search[...]/click[...] are accepted too"}
	}
	return dojo.Spec{
		ID:          ID,
		Description: "a WebShop-style simulated shop over a generated catalog: find the product an instruction describes by searching and clicking, choose its options, and buy it; scored by WebShop's attribute/option/price reward",
		Observation: dojo.Space{Kind: dojo.KindDict, Description: "Text: the page (WebShop's text mode); Messages: a system message with the rules and the page on Reset, then the page as a user message (a tool message per call); Value: WebShop's available actions",
			Fields: []dojo.Field{
				{Name: "page", Space: dojo.Space{Kind: dojo.KindText, Description: "search, results, item, item_sub or done"}},
				{Name: "has_search_bar", Space: dojo.Space{Kind: dojo.KindDiscrete, N: 2, Description: "whether search[...] is possible"}},
				{Name: "clickables", Space: dojo.Space{Kind: dojo.KindText, Description: "the page's clickables in lower case: buttons, product ids, option values"}},
			}},
		ObsText:        true,
		Action:         act,
		MaxSteps:       maxSteps,
		Rewards:        components[:],
		Profiles:       shopProfiles,
		DefaultProfile: "webshop",
		Options:        shopOptions(),
		Tags:           []string{"websim", "llm", "web", "shopping", "WebShop", "task-generator"},
	}
}

// Register adds websim/Shop-v0 to r.
func Register(r *dojo.Registry) error {
	return r.Register(shopSpec(false, 15), func(o dojo.Options) (dojo.Env, error) { return newEnv(o) })
}
