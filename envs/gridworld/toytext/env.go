package toytext

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/reward"
)

// Env implements dojo.Env and these optional interfaces.
var (
	_ dojo.Env        = (*Env)(nil)
	_ dojo.Oracle     = (*Env)(nil)
	_ dojo.Model      = (*Env)(nil)
	_ dojo.PartsModel = (*Env)(nil)
	_ dojo.Stater     = (*Env)(nil)
)

// Env is a toy-text env: a toyWorld and the state of one episode.
type Env struct {
	w     *toyWorld
	spec  dojo.Spec
	parts *reward.Parts

	maxSteps int
	policy   family.Policy
	text     bool
	system   string // the system message of option instructions, or ""

	pcg      rand.PCG
	s        int
	last     int
	steps    int
	invalids int
	life     family.Lifecycle

	metrics dojo.Metrics
	msg     [2]dojo.Message
	tbuf    []byte
	pv      []dojo.Part // parts.Parts(), the buffer the parts live in
	oracle  []int       // the oracle's policy on stochastic worlds, computed once
	rewards []float64   // the reward of each outcome of w.out under the profile
}

// newEnv makes an env of world w; spec is the registered spec, adjusted
// here to the options.
func newEnv(w *toyWorld, spec dojo.Spec, opts dojo.Options, maxSteps int) (*Env, error) {
	spec.MaxSteps = maxSteps
	spec.Stochastic = w.stochastic
	spec.ObsText = opts.Bool(family.TextOption)
	spec.Observation.N = w.nS
	if opts.Bool("instructions") && !spec.ObsText {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"instructions\" needs text=true: the instructions are the first message of the text observation", spec.ID).WithField("options.instructions")
	}
	parts, err := reward.New(&spec, opts)
	if err != nil {
		return nil, err
	}
	e := &Env{
		w: w, spec: spec, parts: parts,
		maxSteps: maxSteps,
		policy:   family.NewPolicy(opts),
		text:     spec.ObsText,
		last:     -1,
	}
	if opts.Bool("instructions") {
		e.system = toyInstructions(w, maxSteps)
	}
	e.metrics = append(dojo.Metrics{{Name: "prob"}, {Name: "distance"}}, w.extraNames...)
	e.pv = parts.Parts()
	var weights [numComponents]float64
	for i := range weights {
		weights[i] = parts.Weight(i)
	}
	e.rewards = make([]float64, len(w.out))
	for i := range w.out {
		e.rewards[i] = toyReward(&weights, &w.out[i])
	}
	return e, nil
}

// Spec describes the env as configured.
func (e *Env) Spec() dojo.Spec { return e.spec }

// toySeedStream is the PCG stream of every toy-text env.
const toySeedStream = 0x746f792d74657874 // "toy-text"

func (e *Env) float64() float64 {
	return float64(e.pcg.Uint64()<<11>>11) / (1 << 53)
}

// Reset starts an episode in a state drawn from Gymnasium's initial
// distribution.
func (e *Env) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Obs{}, dojo.Info{}, dojo.CheckContext(ctx)
	}
	e.pcg.Seed(seed, toySeedStream)
	w := e.w
	i := 0
	if len(w.initStates) > 1 {
		u := e.float64()
		for i < len(w.initCum)-1 && !(w.initCum[i] > u) {
			i++
		}
	}
	e.s = int(w.initStates[i])
	e.last, e.steps, e.invalids = -1, 0, 0
	e.life.Begin()
	e.parts.Reset()
	e.setMetrics(1, w.dist[e.s])
	obs := dojo.Obs{Value: w.boxed[e.s]}
	if e.text {
		obs = e.textObs(toyEvent{prev: e.s, state: e.s, action: -1, last: -1})
		if e.system != "" {
			e.msg[1] = e.msg[0]
			e.msg[0] = dojo.Message{Role: "system", Content: e.system}
			obs.Messages = e.msg[:2]
			obs.Text = e.system + "\n\n" + obs.Text
		}
	}
	return obs, dojo.Info{Parts: e.parts.Parts(), Metrics: e.metrics}, nil
}

// Step applies an action: a discrete index, its word, or an assistant
// message holding the word.
func (e *Env) Step(ctx context.Context, a dojo.Action) (st dojo.Step, err error) {
	if !e.life.Ready(ctx) {
		return dojo.Step{}, e.life.Step(ctx)
	}
	e.steps++
	w := e.w
	act, bad := a.Index, ""
	if a.Kind != dojo.ActIndex || uint(act) >= uint(w.nA) {
		act, bad = e.action(a)
	}
	p := e.parts
	prev := e.s
	var o *toyOutcome
	var rew float64
	if bad != "" {
		e.invalids++
		p.Set(cSuccess, 0)
		p.Set(cGym, 0)
		p.Set(cStepCost, -1)
		p.Set(cInvalid, -1)
		st.Info.Invalid, st.Info.Error = true, bad
		st.Terminated = e.policy.Ends(e.invalids)
		// An invalid action stays in s: γΦ(s)−Φ(s), or −Φ(s) when the step
		// ends the episode (terminated, or truncated by the step limit).
		phi := w.phi[e.s]
		p.Set(cPotential, reward.Potential(w.gamma, phi, phi, st.Terminated || e.steps >= e.maxSteps))
		rew = p.Sum()
		e.setMetrics(1, w.dist[e.s])
	} else {
		k := e.s*w.nA + act
		i, end := w.off[k], w.off[k+1]-1
		if i < end {
			// The first outcome whose cumulative probability exceeds u, as
			// numpy's argmax(cumsum(p) > u): since the sums never decrease,
			// its index counts the sums not above u, which a loop without
			// data-dependent branches finds.
			u := float64(e.pcg.Uint64()<<11>>11) / (1 << 53)
			j := i
			for _, c := range w.cum[i:end] {
				if c <= u {
					j++
				}
			}
			i = j
		}
		o = &w.out[i]
		rew = e.rewards[i]
		pv := e.pv[:numComponents]
		pv[cSuccess].Value = o.success
		pv[cGym].Value = o.gym
		pv[cPotential].Value = o.pot
		pv[cStepCost].Value = o.step
		pv[cInvalid].Value = 0
		e.s, e.last = int(o.next), act
		st.Terminated = o.term
		st.Info.Success = o.succ
		m := e.metrics[:2]
		m[0].Value = o.prob
		m[1].Value = o.dist
		e.setExtraMetrics()
	}
	st.Truncated = e.steps >= e.maxSteps
	if st.Truncated && !st.Terminated && o != nil && !w.absorbing[prev] {
		// The step limit ends the episode: Φ(s') = 0 as on a terminal step,
		// so that the shaping sums to −Φ(s0) over every episode.
		p.Set(cPotential, reward.Potential(w.gamma, w.phi[prev], 0, true))
		rew = p.Sum()
	}
	if st.Terminated || st.Truncated {
		e.life.End()
	}
	if e.text {
		st.Obs = e.textObs(toyEvent{
			prev: prev, state: e.s, action: act, last: e.last, out: o, invalid: bad,
			truncated: st.Truncated && !st.Terminated, ended: bad != "" && st.Terminated,
		})
	} else {
		st.Obs.Value = w.boxed[e.s]
	}
	st.Reward = rew
	st.Info.Parts = p.Parts()
	st.Info.Metrics = e.metrics
	return st, nil
}

// setMetrics fills the metrics: Gymnasium's info "prob", the distance to
// success and the family's own, precomputed for each state.
func (e *Env) setMetrics(prob float64, dist int32) {
	m := e.metrics[:2]
	m[0].Value = prob
	m[1].Value = float64(dist)
	e.setExtraMetrics()
}

// setExtraMetrics fills the family's metrics of the current state.
func (e *Env) setExtraMetrics() {
	if k := len(e.metrics) - 2; k > 0 {
		m := e.metrics[2:]
		for i, v := range e.w.extra[e.s*k : (e.s+1)*k] {
			m[i].Value = v
		}
	}
}

// textObs renders the text observation of ev into the env's buffers.
func (e *Env) textObs(ev toyEvent) dojo.Obs {
	if ev.invalid != "" {
		ev.action = -1
	}
	e.tbuf = e.w.game.appendText(e.tbuf[:0], ev)
	text := string(e.tbuf)
	e.msg[0] = dojo.Message{Role: "user", Content: text}
	return dojo.Obs{Text: text, Messages: e.msg[:1], Value: e.w.boxed[e.s]}
}

// action returns the action index, or an error message for an invalid
// action.
func (e *Env) action(a dojo.Action) (int, string) {
	w := e.w
	switch a.Kind {
	case dojo.ActIndex:
		if a.Index >= 0 && a.Index < w.nA {
			return a.Index, ""
		}
		return -1, fmt.Sprintf("action %d is out of range: %s", a.Index, w.validList)
	case dojo.ActMessage:
		if len(a.ToolCalls) > 0 {
			return -1, fmt.Sprintf("tool calls are not accepted here (got a call of %q): answer with one word; %s", a.ToolCalls[0].Name, w.validList)
		}
	case dojo.ActText:
	default:
		return -1, fmt.Sprintf("unknown action kind %d: %s", a.Kind, w.validList)
	}
	i, ok := toyParseWord(a.Text, w.labels)
	switch {
	case !ok:
		return -1, fmt.Sprintf("unknown action %s: %s", toyQuote(a.Text), w.validList)
	case i < 0 || i >= w.nA:
		return -1, fmt.Sprintf("action %d is out of range: %s", i, w.validList)
	}
	return i, ""
}
