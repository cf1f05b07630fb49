package toolcall

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

// variant is a registered env: one domain, or any (Mixed).
type variant struct {
	dom *domain // nil: Mixed
}

func (v variant) title() string {
	if v.dom == nil {
		return "Mixed"
	}
	return v.dom.title
}

func (v variant) id() string { return "toolcall/" + v.title() + "-v0" }

// Register adds the toolcall envs to r: toolcall/Bank-v0, Calendar-v0,
// Shop-v0, Travel-v0, Files-v0, Contacts-v0, Utility-v0 and Mixed-v0.
func Register(r *dojo.Registry) error {
	allTools() // compile the schemas once, up front
	vs := make([]variant, 0, len(domains)+1)
	for _, d := range domains {
		vs = append(vs, variant{d})
	}
	vs = append(vs, variant{nil})
	for _, v := range vs {
		if err := r.Register(v.spec(10), func(o dojo.Options) (dojo.Env, error) { return newEnv(v, o) }); err != nil {
			return err
		}
	}
	return nil
}

func (v variant) options() []dojo.Option {
	return []dojo.Option{
		{Name: "kind", Type: dojo.OptString, Default: kindMixed, Choices: append(append([]string(nil), kinds...), kindMixed),
			Description: "task kind: single (one call), parallel (independent calls in one turn), multi (a lookup whose result feeds the next call, hops times), irrelevance (no tool applies: answer without calling), recovery (the first natural call fails and must be corrected), or mixed (drawn per seed)"},
		dojo.Option{Name: "distractors", Type: dojo.OptInt, Default: 2,
			Description: "tools of other domains shown besides the task's own"}.Range(0, 20),
		dojo.Option{Name: "hops", Type: dojo.OptInt, Default: 1,
			Description: "multi tasks: dependent sub-requests (each a lookup feeding an action) in one request"}.Range(1, 3),
		dojo.Option{Name: "max_turns", Type: dojo.OptInt, Default: 10,
			Description: "assistant turns before the episode is truncated"}.Range(1, 100),
		{Name: "invalid_action", Type: dojo.OptString, Default: "penalize", Choices: []string{"penalize", "terminate"},
			Description: "penalize: an invalid call returns an error result and scores invalid=-1; terminate: as penalize, and the episode terminates as a failure once max_invalid calls were invalid"},
		dojo.Option{Name: "max_invalid", Type: dojo.OptInt, Default: 1,
			Description: "with invalid_action=terminate, the number of invalid calls that terminates the episode"}.Range(1, 1000),
		{Name: dojo.RewardOption, Type: dojo.OptReward,
			Description: "reward profile: shaped (default), sparse, toolrl (ToolRL's format + correctness on the final step), or an object of component weights"},
	}
}

func (v variant) spec(maxTurns int) dojo.Spec {
	all, _ := allTools()
	var tools []dojo.Tool
	for _, t := range all {
		if v.dom == nil || t.domain == v.dom.name {
			tools = append(tools, t.Tool)
		}
	}
	what := "any of the bank, calendar, shop, travel, files, contacts and utility tool worlds"
	if v.dom != nil {
		what = "the " + v.dom.name + " tool world"
	}
	return dojo.Spec{
		ID:          v.id(),
		Description: "generated multi-turn tool-use tasks on " + what + ": a user request, tools with JSON Schemas (plus distractors), stateful simulated back ends; success is the gold end state plus the required facts in the final answer",
		Observation: dojo.Space{Kind: dojo.KindNone, Description: "Messages: the system prompt (call format and the task's tools as JSON) and the user request, then one tool message per call; on Reset, Obs.Tools (and Info.Extra[\"tools\"]) list the task's tools"},
		ObsText:     true,
		Action: dojo.Space{Kind: dojo.KindToolCalls, Tools: tools,
			Description: "an assistant message with tool_calls (OpenAI format) or text with <tool_call>{\"name\", \"arguments\"}</tool_call> blocks; a reply without calls is the final answer. Spec.Action.Tools lists every tool of the env; each task shows a subset (its domain's tools plus distractors), listed in the system message and in the first observation's Tools (and Info.Extra[\"tools\"]); calls of tools not shown are invalid"},
		MaxSteps:       maxTurns,
		Rewards:        components,
		Profiles:       map[string]map[string]float64{"toolrl": {"toolrl_format": 1, "toolrl_correctness": 1}},
		DefaultProfile: "shaped",
		Options:        v.options(),
		Tags:           []string{"toolcall", "llm", "tool-use", "task-generator", "ToolRL", "BFCL"},
	}
}

// Env is a toolcall env. Make it with a registry to which Register added the
// toolcall envs.
type Env struct {
	spec       dojo.Spec
	v          variant
	cfg        genConfig
	maxTurns   int
	terminate  bool
	maxInvalid int
	parts      *reward.Parts
	metrics    dojo.Metrics
	opts       dojo.Options // the resolved options, carried by tasks

	// the gold of the last verified task, reused while a trainer scores a
	// group of responses to the same task
	lastVerify []byte
	lastGold   *gold

	seed      uint64
	g         *gold
	tools     []dojo.Tool
	prompt    []dojo.Message
	ep        *episode
	everReset bool
	running   bool
}

func newEnv(v variant, o dojo.Options) (*Env, error) {
	e := &Env{
		v:          v,
		opts:       o.Clone(),
		cfg:        genConfig{domain: v.dom, kind: o.String("kind"), distractors: o.Int("distractors"), hops: o.Int("hops")},
		maxTurns:   o.Int("max_turns"),
		terminate:  o.String("invalid_action") == "terminate",
		maxInvalid: max(1, o.Int("max_invalid")),
	}
	if e.maxTurns < 1 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"max_turns\" is %d, want at least 1", v.id(), e.maxTurns).WithField("options.max_turns")
	}
	if e.cfg.hops < 1 {
		e.cfg.hops = 1
	}
	e.spec = v.spec(e.maxTurns)
	p, err := reward.New(&e.spec, o)
	if err != nil {
		return nil, err
	}
	e.parts = p
	e.metrics = dojo.Metrics{{Name: "turn"}, {Name: "calls"}, {Name: "invalid_calls"}, {Name: "gold_calls"}, {Name: "progress"}}
	return e, nil
}

// Spec describes the env as configured.
func (e *Env) Spec() dojo.Spec { return e.spec }

// task builds the dojo.Task of seed.
func (e *Env) task(seed uint64) (dojo.Task, *gold, error) {
	g, req, tools, err := generate(e.cfg, seed)
	if err != nil {
		return dojo.Task{}, nil, err
	}
	verify, err := json.Marshal(g)
	if err != nil {
		return dojo.Task{}, nil, dojo.Errorf(dojo.CodeInternal, "toolcall: encoding the gold: %v", err)
	}
	t := dojo.Task{
		ID:      fmt.Sprintf("%s/%s/d%d/h%d/%d", e.spec.ID, e.cfg.kind, e.cfg.distractors, e.cfg.hops, seed),
		Env:     e.spec.ID,
		Seed:    seed,
		Prompt:  []dojo.Message{{Role: "system", Content: systemPrompt(tools)}, {Role: "user", Content: req}},
		Tools:   tools,
		Verify:  verify,
		Options: e.opts,
		Meta: map[string]any{"kind": g.Kind, "domains": g.Domains, "gold_calls": len(g.calls()), "gold_turns": len(g.Turns),
			"tools_shown": len(tools), "state_changes": len(changes(g.Initial, g.End))},
	}
	return t, g, nil
}

// GenerateTask returns the task of seed, its gold in Verify.
func (e *Env) GenerateTask(ctx context.Context, seed uint64) (dojo.Task, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Task{}, err
	}
	t, _, err := e.task(seed)
	return t, err
}

// Reset starts the task of seed.
func (e *Env) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	g, req, tools, err := generate(e.cfg, seed)
	if err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	e.seed, e.g, e.tools = seed, g, tools
	e.prompt = []dojo.Message{{Role: "system", Content: systemPrompt(tools)}, {Role: "user", Content: req}}
	e.ep = newEpisode(g)
	e.everReset, e.running = true, true
	e.parts.Reset()
	e.setMetrics()
	obs := dojo.Obs{Messages: e.prompt, Text: renderText(e.prompt), Tools: e.tools}
	info := dojo.Info{Parts: e.parts.Parts(), Metrics: e.metrics,
		Extra: map[string]any{"tools": e.tools, "kind": g.Kind, "domains": g.Domains}}
	return obs, info, nil
}

func renderText(ms []dojo.Message) string {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("[")
		b.WriteString(m.Role)
		if m.Name != "" {
			b.WriteString(" " + m.Name)
		}
		if m.ToolCallID != "" {
			b.WriteString(" " + m.ToolCallID)
		}
		b.WriteString("] ")
		b.WriteString(m.Content)
	}
	return b.String()
}

func (e *Env) setMetrics() {
	e.metrics[0].Value = float64(e.ep.turns)
	e.metrics[1].Value = float64(len(e.ep.calls))
	e.metrics[2].Value = float64(e.ep.invalid)
	e.metrics[3].Value = float64(len(e.ep.goldAll))
	p := 1.0
	if len(e.ep.changes) > 0 {
		p = float64(e.ep.achieved) / float64(len(e.ep.changes))
	}
	e.metrics[4].Value = p
}

// Step plays one assistant turn.
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
	res := e.ep.step(a)
	var st dojo.Step
	if res.malformed {
		e.parts.Set(cFormat, -1)
	}
	e.parts.Set(cCorrectness, res.dMatch)
	e.parts.Set(cProgress, res.dProgress)
	e.parts.Set(cInvalid, -float64(res.invalid))
	e.parts.Set(cEfficiency, -float64(res.extra))
	var errs []string
	errs = append(errs, res.errs...)
	if res.invalid > 0 {
		errs = append(errs, fmt.Sprintf("%d call(s) named an unknown tool or had arguments failing the tool's schema (see the tool results)", res.invalid))
	}
	if len(errs) > 0 {
		st.Info.Invalid = true
		st.Info.Error = strings.Join(errs, "; ")
	}
	switch {
	case res.final:
		st.Terminated = true
		st.Info.Success = e.ep.success(res.answer)
		st.Obs = dojo.Obs{Text: "The episode is over: the final answer was given."}
	case e.terminate && e.ep.invalid >= e.maxInvalid:
		st.Terminated = true
		st.Obs = dojo.Obs{Messages: res.messages, Text: renderText(res.messages)}
	default:
		st.Obs = dojo.Obs{Messages: res.messages, Text: renderText(res.messages)}
		if e.ep.turns >= e.maxTurns {
			st.Truncated = true
		}
	}
	if st.Done() {
		e.running = false
		f, c := e.ep.toolrl()
		e.parts.Set(cToolRLFormat, f)
		e.parts.Set(cToolRLCorrectness, c)
		if st.Info.Success {
			e.parts.Set(cSuccess, 1)
		}
	}
	e.setMetrics()
	st.Info.Parts = e.parts.Parts()
	st.Info.Metrics = e.metrics
	st.Reward = e.parts.Sum()
	return st, nil
}

// OracleAction plays the gold: the gold turns in order, then the gold
// final answer in ToolRL's <think>/<response> form.
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if !e.everReset {
		return dojo.Action{}, dojo.ErrNotReset
	}
	if !e.running {
		return dojo.Action{}, dojo.ErrEnded
	}
	return oracleAction(e.g, e.ep.turns), nil
}

func oracleAction(g *gold, turn int) dojo.Action {
	if turn < len(g.Turns) {
		return dojo.MessageAction("", g.Turns[turn]...)
	}
	return dojo.MessageAction(oracleAnswer(g))
}

func oracleAnswer(g *gold) string {
	return "<think>The tool results give me everything the user asked for.</think>\n<response>" + g.Answer + "</response>"
}

// VerifyTask scores a response to a task without an episode. The task's
// gold is read from t.Verify, or regenerated from t.Seed when Verify is
// empty. Response.Messages is the assistant side of a multi-turn exchange:
// each assistant message is a turn (its tool_calls, or <tool_call> blocks
// in its content), replayed in order on the initial world; other roles are
// ignored (the tool results are recomputed). Response.Text is one
// completion: its calls run, then its text outside the blocks, if any, is
// the final answer (a completion of calls only is an unfinished episode:
// no success, no format penalty for a missing answer). The parts are the episode's components summed over its turns.
func (e *Env) VerifyTask(ctx context.Context, t dojo.Task, r dojo.Response) (dojo.Score, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Score{}, err
	}
	var g *gold
	if len(t.Verify) > 0 {
		if e.lastGold != nil && bytes.Equal(t.Verify, e.lastVerify) {
			g = e.lastGold
		} else {
			g = new(gold)
			if err := json.Unmarshal(t.Verify, g); err != nil {
				return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "toolcall: task %s: verify block: %v (want the object GenerateTask writes)", t.ID, err)
			}
			e.lastVerify, e.lastGold = append(e.lastVerify[:0], t.Verify...), g
		}
	} else {
		if t.Env != "" && t.Env != e.spec.ID {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "toolcall: task %s is for %s, not %s", t.ID, t.Env, e.spec.ID)
		}
		var err error
		if g, _, _, err = generate(e.cfg, t.Seed); err != nil {
			return dojo.Score{}, err
		}
	}
	return scoreResponse(g, r, e.parts.Parts()), nil
}

// scoreResponse replays r on g and scores it with the weights of w.
func scoreResponse(g *gold, r dojo.Response, w []dojo.Part) dojo.Score {
	ep := newEpisode(g)
	var vals [numComponents]float64
	success := false
	var errs []string
	play := func(a dojo.Action) bool {
		res := ep.step(a)
		if res.malformed {
			vals[cFormat]--
			errs = append(errs, res.errs...)
		}
		vals[cCorrectness] += res.dMatch
		vals[cProgress] += res.dProgress
		vals[cInvalid] -= float64(res.invalid)
		vals[cEfficiency] -= float64(res.extra)
		if res.final {
			success = ep.success(res.answer)
		}
		return res.final
	}
	switch {
	case len(r.Messages) > 0:
		for _, m := range r.Messages {
			if m.Role != "assistant" {
				continue
			}
			if play(dojo.MessageAction(m.Content, m.ToolCalls...)) {
				break
			}
		}
	default:
		calls, rest, perrs := reward.ParseToolCalls(r.Text)
		if len(calls) > 0 || len(perrs) > 0 {
			// the completion's calls are its one call turn; ToolRL's format
			// pattern for a call turn applies to the whole text
			play(dojo.TextAction(r.Text))
			if strings.TrimSpace(rest) != "" {
				play(dojo.MessageAction(rest)) // the final answer; without one the episode is unfinished
			}
		} else {
			play(dojo.TextAction(r.Text))
		}
	}
	vals[cToolRLFormat], vals[cToolRLCorrectness] = ep.toolrl()
	if len(r.Messages) == 0 {
		// a single completion is exactly ToolRL's setting: its format
		// pattern is the ground truth's (calls when the gold has calls, a
		// response when it has none)
		hasCalls := len(ep.goldAll) > 0
		vals[cToolRLFormat] = reward.ToolRLFormat(r.Text, hasCalls, !hasCalls)
	}
	if success {
		vals[cSuccess] = 1
	}
	parts := make([]dojo.Part, numComponents)
	for i := range parts {
		parts[i] = dojo.Part{Name: components[i].Name, Value: vals[i], Weight: w[i].Weight}
	}
	s := dojo.Score{Reward: dojo.Sum(parts), Success: success, Parts: parts}
	if len(errs) > 0 {
		s.Error = strings.Join(errs, "; ")
	}
	return s
}
