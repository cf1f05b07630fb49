package toolcall

import (
	"context"
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/reward"
)

// The interfaces a toolcall env implements besides dojo.Env.
var (
	_ dojo.Oracle        = (*Env)(nil)
	_ dojo.TaskGenerator = (*Env)(nil)
	_ dojo.TaskVerifier  = (*Env)(nil)
)

// Env is a toolcall env. Make it with a registry to which Register added the
// toolcall envs.
type Env struct {
	spec     dojo.Spec
	v        variant
	cfg      genConfig
	maxTurns int
	maxCalls int
	policy   family.Policy
	parts    *reward.Parts
	metrics  dojo.Metrics
	opts     dojo.Options // the resolved options, carried by tasks

	// the gold of the last verified task, reused while a trainer scores a
	// group of responses to the same task
	lastVerify []byte
	lastGold   *gold

	seed   uint64
	g      *gold
	tools  []dojo.Tool
	prompt []dojo.Message
	ep     *episode
	life   family.Lifecycle
}

func newEnv(v variant, o dojo.Options) (*Env, error) {
	e := &Env{
		v:        v,
		opts:     o.Clone(),
		cfg:      genConfig{domain: v.dom, kind: o.String("kind"), distractors: o.Int("distractors"), hops: o.Int("hops")},
		maxTurns: o.Int("max_turns"),
		maxCalls: o.Int(family.MaxCallsOption),
		policy:   family.NewPolicy(o),
	}
	if e.maxCalls < 1 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"%s\" is %d, want at least 1", v.id(), family.MaxCallsOption, e.maxCalls).WithField("options." + family.MaxCallsOption)
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

// Reset starts the task of seed.
func (e *Env) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	g, req, tools, err := generate(e.cfg, seed)
	if err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	e.seed, e.g, e.tools = seed, g, tools
	e.prompt = []dojo.Message{{Role: "system", Content: systemPrompt(tools)}, {Role: "user", Content: req}}
	e.ep = newEpisode(g)
	e.ep.maxCalls = e.maxCalls
	e.life.Begin()
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
	if err := e.life.Step(ctx); err != nil {
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
	if n := res.invalid - res.refused; n > 0 {
		errs = append(errs, fmt.Sprintf("%d call(s) named an unknown tool or had arguments failing the tool's schema (see the tool results)", n))
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
	case e.policy.Ends(e.ep.invalid):
		st.Terminated = true
		st.Obs = dojo.Obs{Messages: res.messages, Text: renderText(res.messages)}
	default:
		st.Obs = dojo.Obs{Messages: res.messages, Text: renderText(res.messages)}
		if e.ep.turns >= e.maxTurns {
			st.Truncated = true
		}
	}
	if st.Done() {
		e.life.End()
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
