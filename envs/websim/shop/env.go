package shop

import (
	"context"
	"io"
	"math/rand/v2"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/reward"
)

// view is Obs.Value: WebShop's available actions (get_available_actions)
// and the page's kind. The env owns it until the next Step or Reset.
type view struct {
	Page         string   `json:"page"`
	HasSearchBar bool     `json:"has_search_bar"`
	Clickables   []string `json:"clickables"`
}

// CloneValue copies the view (see dojo.CloneValue).
func (v *view) CloneValue() any {
	c := *v
	c.Clickables = append([]string(nil), v.Clickables...)
	return &c
}

// Env is websim/Shop-v0. Make it with a registry to which Register (or
// websim.Register) added it.
type Env struct {
	spec      dojo.Spec
	opts      dojo.Options
	catCfg    catalogConfig
	goalCfg   goalConfig
	maxSteps  int
	maxCalls  int
	simple    bool
	tools     bool
	showAttrs bool
	policy    family.Policy
	parts     *reward.Parts
	metrics   dojo.Metrics

	c    *catalog
	seed uint64
	g    *goal
	rank int
	ep   *episode
	view view
	w    pageWriter
	acts []decodedAction
	life family.Lifecycle

	// baseline policies' state (see BaselineAction)
	baseRNG   *rand.Rand
	baseClick int
}

// Env implements these optional interfaces.
var (
	_ dojo.Oracle        = (*Env)(nil)
	_ dojo.Baseliner     = (*Env)(nil)
	_ dojo.TaskGenerator = (*Env)(nil)
	_ dojo.TaskVerifier  = (*Env)(nil)
	_ io.Closer          = (*Env)(nil)
)

func newEnv(o dojo.Options) (*Env, error) {
	e := &Env{
		opts:      o.Clone(),
		catCfg:    catalogConfig{Products: o.Int("products"), Variants: o.Int("variants"), Seed: uint64(o.Int("catalog_seed"))},
		goalCfg:   goalConfig{attributes: o.Int("goal_attributes"), paraphrase: o.Float("paraphrase")},
		maxSteps:  o.Int("max_steps"),
		maxCalls:  o.Int(family.MaxCallsOption),
		simple:    o.String("observation") == "simple",
		tools:     o.String("action_format") == "tools",
		showAttrs: o.Bool("show_attrs"),
		policy:    family.NewPolicy(o),
	}
	if err := checkCatalogConfig(ID, e.catCfg); err != nil {
		return nil, err
	}
	if e.maxSteps < 1 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"max_steps\" is %d, want at least 1", ID, e.maxSteps).WithField("options.max_steps")
	}
	if e.maxCalls < 1 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"%s\" is %d, want at least 1", ID, family.MaxCallsOption, e.maxCalls).WithField("options." + family.MaxCallsOption)
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
func (e *Env) catalog() *catalog {
	if e.c == nil {
		e.c = openCatalog(e.catCfg)
	}
	return e.c
}

// Reset starts the session of seed: the seed selects the instruction.
func (e *Env) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	c := e.catalog()
	g, rank, _, err := generateGoal(c, e.goalCfg, seed)
	if err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	e.seed, e.g, e.rank = seed, g, rank
	if e.ep == nil {
		e.ep = newEpisode(c, g, e.showAttrs)
	} else {
		e.ep.reset(g)
	}
	e.baseRNG = rand.New(rand.NewPCG(seed, streamBaseline))
	e.baseClick = 0
	e.life.Begin()
	e.parts.Reset()
	e.setMetrics()
	page := e.renderPage("")
	obs := dojo.Obs{Text: page, Value: e.setView(), Messages: []dojo.Message{
		{Role: "system", Content: systemPrompt(e.tools)},
		{Role: "user", Content: page},
	}}
	if e.tools {
		obs.Tools = shopTools
	}
	info := dojo.Info{Parts: e.parts.Parts(), Metrics: e.metrics,
		Extra: map[string]any{"instruction": g.Instruction}}
	return obs, info, nil
}

// systemPrompt tells a language agent how to shop.
func systemPrompt(tools bool) string {
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

func (e *Env) setView() *view {
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
	if err := e.life.Step(ctx); err != nil {
		return dojo.Step{}, err
	}
	e.parts.Reset()
	e.acts = decodeAction(a, e.view.Clickables, e.acts[:0])
	var vals [numComponents]float64
	var errs []string
	var msgs []dojo.Message
	page := ""
	if len(e.acts) > e.maxCalls {
		errs = append(errs, family.Refusals(len(e.acts), e.maxCalls))
	}
	for i, d := range e.acts {
		if i >= e.maxCalls { // refused, unrun
			e.ep.invalid++
			vals[cInvalid]--
			msgs = append(msgs, dojo.Message{Role: "tool", ToolCallID: d.callID, Name: d.act.verb, Content: "Invalid action: " + family.Refusal(i, len(e.acts), e.maxCalls)})
			continue
		}
		if e.ep.done() || e.ep.steps >= e.maxSteps || e.policy.Ends(e.ep.invalid) {
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
	if !e.ep.done() && (e.ep.steps >= e.maxSteps || e.policy.Ends(e.ep.invalid)) {
		// The episode ends without a purchase (truncated, or by the
		// invalid-action policy): Φ(s') = 0 as after buying, so that the
		// progress terms sum to 0 over every episode.
		vals[cProgress] -= e.ep.potential()
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
	case e.policy.Ends(e.ep.invalid):
		st.Terminated = true
	case e.ep.steps >= e.maxSteps:
		st.Truncated = true
	}
	if st.Done() {
		e.life.End()
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
func (ep *episode) take(d decodedAction) stepResult {
	if d.err != nil {
		ep.steps++
		ep.invalid++
		return stepResult{invalid: d.err.Error()}
	}
	return ep.act(d.act)
}

// addTo adds the action's reward components to vals.
func (res stepResult) addTo(vals *[numComponents]float64) {
	vals[cStepCost]--
	if res.invalid != "" {
		vals[cInvalid]--
	}
	vals[cProgress] += res.progress
	if res.bought {
		vals[cWebShop] += res.score
		if res.success {
			vals[cSuccess] = 1
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

// actionOf writes a as the env's action format expects: text, or a tool
// call.
func (e *Env) actionOf(a action) dojo.Action {
	if !e.tools {
		return dojo.TextAction(a.String())
	}
	return dojo.MessageAction("", toolCallOf(a, "call_"+itoa(e.ep.steps)))
}
