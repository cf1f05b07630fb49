package shop

import (
	"context"
	"math/rand/v2"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

// ID is the id of the simulated shop.
const ID = "websim/Shop-v0"

// Reward components of the shop, in Spec.Rewards order.
const (
	cShopSuccess = iota
	cShopWebShop
	cShopProgress
	cShopInvalid
	cShopStepCost
	numShopComponents
)

var shopComponents = []dojo.Component{
	{Name: dojo.SuccessComponent, Shaped: 0, Description: "1 on the Buy Now step iff WebShop's score of the purchase is 1, else 0"},
	{Name: "webshop", Shaped: 1, Description: "on the Buy Now step, WebShop's score r_type·(attribute matches + option matches + [price ≤ bound])/(|attributes| + |options| + 1) in [0, 1]; 0 on other steps"},
	{Name: "progress", Shaped: 0.1, Description: "potential-based shaping Φ(s') − Φ(s) (γ = 1) with Φ 0.25 on results holding the target, 0.5 + 0.5·(share of goal options chosen) on the target's pages, 0 elsewhere and after buying: sums to 0 over a finished episode"},
	{Name: "invalid", Shaped: 0.1, Description: "−1 per invalid action (unparseable, a click on something not on the page, a search without a search box)"},
	{Name: "step_cost", Shaped: 0.01, Description: "−1 per action"},
}

var shopProfiles = map[string]map[string]float64{
	// WebShop's own reward: the score of the purchase, given on Buy Now.
	"webshop": {"webshop": 1},
}

func shopOptions() []dojo.Option {
	return []dojo.Option{
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
		{Name: "invalid_action", Type: dojo.OptString, Default: "penalize", Choices: []string{"penalize", "terminate"},
			Description: "penalize: an invalid action changes nothing and scores invalid=-1; terminate: as penalize, and the episode terminates as a failure once max_invalid actions were invalid"},
		dojo.Option{Name: "max_invalid", Type: dojo.OptInt, Default: 1,
			Description: "with invalid_action=terminate, the number of invalid actions that terminates the episode"}.Range(1, 1000),
		{Name: dojo.RewardOption, Type: dojo.OptReward,
			Description: "reward profile: webshop (default: WebShop's score on Buy Now), sparse (success), shaped (score with progress, invalid and step-cost terms), or an object of component weights"},
	}
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
		Rewards:        shopComponents,
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

// shopView is Obs.Value: WebShop's available actions (get_available_actions)
// and the page's kind. The env owns it until the next Step or Reset.
type shopView struct {
	Page         string   `json:"page"`
	HasSearchBar bool     `json:"has_search_bar"`
	Clickables   []string `json:"clickables"`
}

// CloneValue copies the view (see dojo.CloneValue).
func (v *shopView) CloneValue() any {
	c := *v
	c.Clickables = append([]string(nil), v.Clickables...)
	return &c
}

// Env is websim/Shop-v0. Make it with a registry to which Register
// added the websim envs.
type Env struct {
	spec       dojo.Spec
	opts       dojo.Options
	catCfg     catalogConfig
	goalCfg    goalConfig
	maxSteps   int
	simple     bool
	tools      bool
	showAttrs  bool
	terminate  bool
	maxInvalid int
	parts      *reward.Parts
	metrics    dojo.Metrics

	c         *shopCatalog
	seed      uint64
	g         *shopGoal
	rank      int
	ep        *shopEpisode
	view      shopView
	w         shopWriter
	acts      []decodedAction
	everReset bool
	running   bool

	// baseline policies' state (see BaselineAction)
	baseRNG   *rand.Rand
	baseClick int
}

func newEnv(o dojo.Options) (*Env, error) {
	e := &Env{
		opts:       o.Clone(),
		catCfg:     catalogConfig{Products: o.Int("products"), Variants: o.Int("variants"), Seed: uint64(o.Int("catalog_seed"))},
		goalCfg:    goalConfig{attributes: o.Int("goal_attributes"), paraphrase: o.Float("paraphrase")},
		maxSteps:   o.Int("max_steps"),
		simple:     o.String("observation") == "simple",
		tools:      o.String("action_format") == "tools",
		showAttrs:  o.Bool("show_attrs"),
		terminate:  o.String("invalid_action") == "terminate",
		maxInvalid: max(1, o.Int("max_invalid")),
	}
	if err := checkCatalogConfig(ID, e.catCfg); err != nil {
		return nil, err
	}
	if e.maxSteps < 1 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"max_steps\" is %d, want at least 1", ID, e.maxSteps).WithField("options.max_steps")
	}
	e.spec = shopSpec(e.tools, e.maxSteps)
	p, err := reward.New(&e.spec, o)
	if err != nil {
		return nil, err
	}
	e.parts = p
	e.metrics = dojo.Metrics{{Name: "steps"}, {Name: "invalid_actions"}, {Name: "searches"}}
	return e, nil
}

// Spec describes the env as configured.
func (e *Env) Spec() dojo.Spec { return e.spec }

// Close does nothing: catalogs are shared by every env of the process.
func (e *Env) Close() error { return nil }

// catalog returns the env's catalog, generated (or found in the cache) on
// first use.
func (e *Env) catalog() *shopCatalog {
	if e.c == nil {
		e.c = openCatalog(e.catCfg)
	}
	return e.c
}

// Reset starts the session of seed: the seed selects the instruction.
func (e *Env) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	c := e.catalog()
	g, rank, _, err := generateGoal(c, e.goalCfg, seed)
	if err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	e.seed, e.g, e.rank = seed, g, rank
	if e.ep == nil {
		e.ep = newShopEpisode(c, g, e.showAttrs)
	} else {
		e.ep.reset(g)
	}
	e.baseRNG = rand.New(rand.NewPCG(seed, streamBaseline))
	e.baseClick = 0
	e.everReset, e.running = true, true
	e.parts.Reset()
	e.setMetrics()
	page := e.renderPage("")
	obs := dojo.Obs{Text: page, Value: e.setView(), Messages: []dojo.Message{
		{Role: "system", Content: shopSystemPrompt(e.tools)},
		{Role: "user", Content: page},
	}}
	if e.tools {
		obs.Tools = shopTools
	}
	info := dojo.Info{Parts: e.parts.Parts(), Metrics: e.metrics,
		Extra: map[string]any{"instruction": g.Instruction}}
	return obs, info, nil
}

// shopSystemPrompt tells a language agent how to shop.
func shopSystemPrompt(tools bool) string {
	var b strings.Builder
	b.WriteString("You are shopping in WebShop, a simulated online store, for the instruction shown on the page. ")
	if tools {
		b.WriteString("Act with the tools: search with a query on the search page, or click a button of the page (a product id on a results page, an option value, Next >, < Prev, Back to Search, Description, Features, Reviews, Buy Now). ")
	} else {
		b.WriteString("Act with one action per reply: search[your query] on the search page, or click[button] with a button of the page, shown in [brackets] (a product id on a results page, an option value, Next >, < Prev, Back to Search, Description, Features, Reviews, Buy Now). You may reason first; the last action in your reply is the one taken. ")
	}
	b.WriteString("On a product's page, click the values of its options that the instruction asks for, then Buy Now. Buying ends the session and is scored from 0 to 1 on how well the product matches the instruction: its type, attributes, options and price.")
	return b.String()
}

func (e *Env) renderPage(note string) string {
	e.w.reset(e.simple)
	e.ep.render(&e.w, note)
	return e.w.String()
}

func (e *Env) setView() *shopView {
	e.view.Page = e.ep.page.String()
	e.view.HasSearchBar = e.ep.page == pageSearch
	e.view.Clickables = e.ep.clickables(e.view.Clickables[:0])
	return &e.view
}

func (e *Env) setMetrics() {
	e.metrics[0].Value = float64(e.ep.steps)
	e.metrics[1].Value = float64(e.ep.invalid)
	e.metrics[2].Value = float64(e.ep.searches)
}

// Step takes the turn's actions: the text's action, an index into the
// clickables, or each tool call in order (one action each, until the
// session ends or the step limit is reached).
func (e *Env) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	if !e.everReset {
		return dojo.Step{}, dojo.ErrNotReset
	}
	if !e.running {
		return dojo.Step{}, dojo.ErrEnded
	}
	if err := ctx.Err(); err != nil {
		return dojo.Step{}, err
	}
	e.parts.Reset()
	e.acts = decodeShopAction(a, e.view.Clickables, e.acts[:0])
	var vals [numShopComponents]float64
	var errs []string
	var msgs []dojo.Message
	page := ""
	for _, d := range e.acts {
		if e.ep.done() || e.ep.steps >= e.maxSteps || e.terminate && e.ep.invalid >= e.maxInvalid {
			msgs = append(msgs, dojo.Message{Role: "tool", ToolCallID: d.callID, Name: d.act.verb, Content: "Not run: the session ended before this call."})
			continue
		}
		res := e.ep.take(d)
		note := ""
		if res.invalid != "" {
			errs = append(errs, res.invalid)
			note = "Invalid action: " + res.invalid
		} else if res.thought {
			note = "OK."
		}
		res.addTo(&vals)
		page = e.renderPage(note)
		if d.tool {
			msgs = append(msgs, dojo.Message{Role: "tool", ToolCallID: d.callID, Name: d.act.verb, Content: page})
		}
	}
	if len(e.acts) == 0 || !e.acts[0].tool {
		msgs = []dojo.Message{{Role: "user", Content: page}}
	}
	var st dojo.Step
	for i, v := range vals {
		e.parts.Set(i, v)
	}
	if len(errs) > 0 {
		st.Info.Invalid = true
		st.Info.Error = strings.Join(errs, "; ")
	}
	switch {
	case e.ep.done():
		st.Terminated = true
		st.Info.Success = e.ep.score.Total == 1
		st.Info.Extra = e.purchaseInfo()
	case e.terminate && e.ep.invalid >= e.maxInvalid:
		st.Terminated = true
	case e.ep.steps >= e.maxSteps:
		st.Truncated = true
	}
	if st.Done() {
		e.running = false
	}
	e.setMetrics()
	st.Obs = dojo.Obs{Text: page, Messages: msgs, Value: e.setView()}
	st.Info.Parts = e.parts.Parts()
	st.Info.Metrics = e.metrics
	st.Reward = e.parts.Sum()
	return st, nil
}

// take applies one decoded action: an undecodable one is an invalid
// action that changes nothing.
func (ep *shopEpisode) take(d decodedAction) stepResult {
	if d.err != nil {
		ep.steps++
		ep.invalid++
		return stepResult{invalid: d.err.Error()}
	}
	return ep.act(d.act)
}

// addTo adds the action's reward components to vals.
func (res stepResult) addTo(vals *[numShopComponents]float64) {
	vals[cShopStepCost]--
	if res.invalid != "" {
		vals[cShopInvalid]--
	}
	vals[cShopProgress] += res.progress
	if res.bought {
		vals[cShopWebShop] += res.score
		if res.success {
			vals[cShopSuccess] = 1
		}
	}
}

// purchaseInfo is Info.Extra after Buy Now: what was bought, the target,
// and the parts of WebShop's score (its verbose info).
func (e *Env) purchaseInfo() map[string]any {
	p := &e.c.products[e.ep.bought]
	opts := append([]chosenOption{}, e.ep.boughtOptions...)
	return map[string]any{"asin": p.ASIN, "options": opts, "target": e.g.ASIN, "score": e.ep.score}
}

// OracleAction returns the gold action from the current page: the gold
// search (the instruction, or in large catalogs the target's title), page
// to the target in the results, open it, choose the
// goal's option values, and buy. From any other page it heads back there
// (< Prev from a sub-page or another product, Back to Search from results
// without the target).
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if !e.everReset {
		return dojo.Action{}, dojo.ErrNotReset
	}
	if !e.running {
		return dojo.Action{}, dojo.ErrEnded
	}
	return e.actionOf(e.ep.oracle()), nil
}

// actionOf writes a as the env's action format expects: text, or a tool
// call.
func (e *Env) actionOf(a shopAction) dojo.Action {
	if !e.tools {
		return dojo.TextAction(a.String())
	}
	return dojo.MessageAction("", toolCallOf(a, "call_"+itoa(e.ep.steps)))
}
