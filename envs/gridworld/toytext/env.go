package toytext

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

// Register registers the toy-text worlds in r.
func Register(r *dojo.Registry) error {
	for _, e := range []struct {
		spec dojo.Spec
		f    dojo.Factory
	}{
		{frozenLakeSpec("gridworld/FrozenLake-v1", "4x4"), newFrozenLake("gridworld/FrozenLake-v1")},
		{frozenLakeSpec("gridworld/FrozenLake8x8-v1", "8x8"), newFrozenLake("gridworld/FrozenLake8x8-v1")},
		{cliffWalkingSpec(), newCliffWalking},
		{taxiSpec(), newTaxi},
	} {
		if err := r.Register(e.spec, e.f); err != nil {
			return err
		}
	}
	return nil
}

// Reward component indices, in the order of toyRewards.
const (
	toySuccess = iota
	toyGym
	toyPotential
	toyStepCost
	toyInvalid
	toyNumParts
)

func toyRewards(gymDoc string) []dojo.Component {
	return []dojo.Component{
		{Name: dojo.SuccessComponent, Shaped: 1, Description: "1 on the step that ends the episode successfully, else 0"},
		{Name: "gym", Shaped: 0, Description: "Gymnasium's native reward for the transition: " + gymDoc + "; 0 for an invalid action"},
		{Name: "potential", Shaped: 1, Description: "potential-based shaping γΦ(s')−Φ(s) (Ng et al. 1999), Φ(s) = −d(s)/(D+1), d the shortest-path distance to success in the deterministic map graph, D its largest finite value; Φ(s')=0 when the step terminates"},
		{Name: "step_cost", Shaped: 0.01, Description: "−1 on every step"},
		{Name: "invalid", Shaped: 0.1, Description: "−1 when the action is invalid (out of range or an unknown word), else 0"},
	}
}

// toyProfiles returns the named reward presets: "gym" weighs Gymnasium's
// reward alone.
func toyProfiles() map[string]map[string]float64 {
	return map[string]map[string]float64{"gym": {"gym": 1}}
}

func toyTags() []string { return []string{"gymnasium", "toy-text", "tabular"} }

// toyOptions returns the options the three worlds share.
func toyOptions(maxSteps, minSteps int, maxStepsDoc string) []dojo.Option {
	return []dojo.Option{
		dojo.Option{Name: "max_steps", Type: dojo.OptInt, Default: maxSteps, Description: maxStepsDoc}.Range(float64(minSteps), 1e7),
		dojo.Option{Name: "gamma", Type: dojo.OptFloat, Default: 0.99, Description: "discount γ of the potential shaping γΦ(s')−Φ(s)"}.Range(0, 1),
		{Name: "text", Type: dojo.OptBool, Default: false, Description: "also observe the map as text (Obs.Text and one user message), as Gymnasium's ansi render draws it, with a legend and the action words"},
		{Name: "instructions", Type: dojo.OptBool, Default: false, Description: "with text=true, start the Reset observation with a system message for language agents: the task and its rules, the step limit, each action word and what it does, and the reply format (the word alone, its number, or <answer>word</answer>); needs text=true"},
		{Name: "invalid_action", Type: dojo.OptString, Default: "penalize", Choices: []string{"penalize", "terminate"}, Description: "what an invalid action does: penalize (invalid component −1, state unchanged, episode goes on) or terminate (also end the episode, unsuccessfully, after max_invalid invalid actions)"},
		dojo.Option{Name: "max_invalid", Type: dojo.OptInt, Default: 1, Description: "with invalid_action=terminate, the number of invalid actions that ends the episode"}.Range(1, 1e9),
		{Name: dojo.RewardOption, Type: dojo.OptReward, Description: "reward profile: gym (default: Gymnasium's rewards), sparse, shaped, or an object of component weights"},
	}
}

// toyOutcome is one entry of P[s][a], with its reward components.
type toyOutcome struct {
	prob float64
	cum  float64 // cumulative probability within P[s][a], as numpy's cumsum
	gym  float64 // Gymnasium's reward
	pot  float64 // potential shaping, filled in by newToyWorld
	// success and step are the values of the success and step_cost
	// components, and dist the "distance" metric after the step (0 on
	// success), filled in by newToyWorld.
	success, step, dist float64
	next                int32
	move                int8 // the move actually made (slip or rain), -1 for none
	term                bool
	succ                bool
}

// toyGame is what differs between the worlds beyond their tables: the
// text observation and extra metrics.
type toyGame interface {
	// appendText appends the text observation for ev.
	appendText(b []byte, ev toyEvent) []byte
	// metrics appends the family's metrics for state s to m; their names
	// must not depend on s.
	metrics(m dojo.Metrics, s int) dojo.Metrics
	// state describes state s for dojo.Stater.
	state(s int) any
	// task describes the task and its rules for the system message of
	// option instructions, in sentences ending with a space.
	task() string
	// meanings says what each action does, in action order.
	meanings() []string
}

// toyEvent is what a text observation describes.
type toyEvent struct {
	prev, state int
	action      int         // the action of this step; -1 after a reset or an invalid action
	last        int         // Gymnasium's lastaction: the last valid action, -1 for none
	out         *toyOutcome // the outcome drawn; nil after a reset or an invalid action
	invalid     string      // the error of an invalid action
	truncated   bool
	ended       bool // the episode ended by the invalid-action policy
}

// toyBuild is what a family builds: Gymnasium's P (and the deterministic
// variant when P is stochastic), the initial distribution and the absorbing
// terminal states.
type toyBuild struct {
	game      toyGame
	labels    []string
	P         [][][]toyOutcome
	det       [][][]toyOutcome // nil when P is deterministic
	init      []float64
	absorbing []bool
}

// toyWorld is the immutable model of one configured env.
type toyWorld struct {
	game       toyGame
	labels     []string
	nS, nA     int
	off        []int32 // outcomes of (s, a) are out[off[s*nA+a]:off[s*nA+a+1]]
	out        []toyOutcome
	cum        []float64 // out[i].cum, packed for the sampling loop
	init       []float64
	initStates []int32   // states with positive initial probability
	initCum    []float64 // their cumulative probabilities
	absorbing  []bool
	dist       []int32 // fewest actions to success in the deterministic graph, -1 if none
	distNext   []int32 // for each (s, a) of the deterministic graph: next state, or -2 on success, -3 on failure
	phi        []float64
	stochastic bool
	boxed      []any // boxed states, so Obs.Value does not allocate
	validList  string
	extraNames dojo.Metrics // the family's metrics, values zero
	extra      []float64    // their values, len(extraNames) per state
}

// toyWorlds shares the read-only worlds of envs made with the same map and
// dynamics, so that many envs (a vector of 64 FrozenLakes, thousands of
// served episodes) use one copy of the tables and stay in the CPU's cache.
// It keeps at most toyWorldsMax worlds; past that, envs build their own.
var toyWorlds struct {
	sync.Mutex
	m map[string]*toyWorld
}

const toyWorldsMax = 256

// sharedToyWorld returns the world cached under key, building it with build
// on a miss. key must determine everything build reads.
func sharedToyWorld(key string, build func() *toyWorld) *toyWorld {
	toyWorlds.Lock()
	w, ok := toyWorlds.m[key]
	toyWorlds.Unlock()
	if ok {
		return w
	}
	w = build()
	toyWorlds.Lock()
	defer toyWorlds.Unlock()
	if old, ok := toyWorlds.m[key]; ok {
		return old // built concurrently: keep one
	}
	if toyWorlds.m == nil {
		toyWorlds.m = map[string]*toyWorld{}
	}
	if len(toyWorlds.m) < toyWorldsMax {
		toyWorlds.m[key] = w
	}
	return w
}

func newToyWorld(b toyBuild, gamma float64) *toyWorld {
	nS, nA := len(b.P), len(b.P[0])
	w := &toyWorld{game: b.game, labels: b.labels, nS: nS, nA: nA, init: b.init, absorbing: b.absorbing}
	w.off = make([]int32, nS*nA+1)
	for s := range nS {
		for a := range nA {
			outs := b.P[s][a]
			cum, positive := 0.0, 0
			for _, o := range outs {
				cum += o.prob
				o.cum = cum
				if o.prob > 0 {
					positive++
				}
				w.out = append(w.out, o)
			}
			if positive > 1 {
				w.stochastic = true
			}
			w.off[s*nA+a+1] = int32(len(w.out))
		}
	}
	cum := 0.0
	for s, p := range b.init {
		if p > 0 {
			cum += p
			w.initStates = append(w.initStates, int32(s))
			w.initCum = append(w.initCum, cum)
		}
	}
	w.cum = make([]float64, len(w.out))
	for i := range w.out {
		w.cum[i] = w.out[i].cum
	}
	det := b.det
	if det == nil {
		det = b.P
	}
	w.distances(det)
	for s := range nS {
		for i := w.off[s*nA]; i < w.off[(s+1)*nA]; i++ {
			o := &w.out[i]
			if !w.absorbing[s] {
				o.pot = reward.Potential(gamma, w.phi[s], w.phi[o.next], o.term)
				o.step = -1
			}
			if o.succ && !w.absorbing[s] {
				o.success = 1
			}
			o.dist = float64(w.dist[o.next])
			if o.succ {
				o.dist = 0
			}
		}
	}
	w.boxed = make([]any, nS)
	for s := range nS {
		w.boxed[s] = s
		m := w.game.metrics(nil, s)
		if s == 0 {
			for _, x := range m {
				w.extraNames = append(w.extraNames, dojo.Metric{Name: x.Name})
			}
		}
		for _, x := range m {
			w.extra = append(w.extra, x.Value)
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "valid actions are 0..%d or the words ", nA-1)
	sb.WriteString(strings.Join(w.labels, ", "))
	w.validList = sb.String()
	return w
}

// distances computes, by breadth-first search backwards in the
// deterministic graph det, the fewest actions from each state to a
// successful transition, and the potential Φ from them.
func (w *toyWorld) distances(det [][][]toyOutcome) {
	nS, nA := w.nS, w.nA
	w.dist = make([]int32, nS)
	w.distNext = make([]int32, nS*nA)
	preds := make([][]int32, nS)
	var queue []int32
	for s := range nS {
		w.dist[s] = -1
		for a := range nA {
			o := det[s][a][0]
			for _, x := range det[s][a] {
				if x.prob > 0 {
					o = x
					break
				}
			}
			switch {
			case w.absorbing[s]:
				w.distNext[s*nA+a] = -3
			case o.succ:
				w.distNext[s*nA+a] = -2
			case o.term:
				w.distNext[s*nA+a] = -3
			default:
				w.distNext[s*nA+a] = o.next
				preds[o.next] = append(preds[o.next], int32(s))
			}
		}
	}
	for s := range nS {
		for a := range nA {
			if w.distNext[s*nA+a] == -2 && w.dist[s] < 0 {
				w.dist[s] = 1
				queue = append(queue, int32(s))
			}
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, p := range preds[s] {
			if w.dist[p] < 0 {
				w.dist[p] = w.dist[s] + 1
				queue = append(queue, p)
			}
		}
	}
	// An absorbing state entered by a successful transition (FrozenLake's
	// G) is at distance 0.
	for s := range nS {
		for a := range nA {
			for _, o := range det[s][a] {
				if o.succ && w.absorbing[o.next] {
					w.dist[o.next] = 0
				}
			}
		}
	}
	maxD := int32(0)
	for s, d := range w.dist {
		if w.absorbing[s] {
			continue
		}
		maxD = max(maxD, d)
	}
	w.phi = make([]float64, nS)
	for s, d := range w.dist {
		switch {
		case w.absorbing[s]:
			w.phi[s] = 0
		case d < 0:
			w.phi[s] = -1
		default:
			w.phi[s] = -float64(d) / float64(maxD+1)
		}
	}
}

// outcomes returns P[s][a].
func (w *toyWorld) outcomes(s, a int) []toyOutcome {
	i := s*w.nA + a
	return w.out[w.off[i]:w.off[i+1]]
}

// mdp returns the exact model with each outcome's reward computed by
// value.
func (w *toyWorld) mdp(value func(o *toyOutcome) float64) *dojo.MDP {
	m := &dojo.MDP{NS: w.nS, NA: w.nA, P: make([][][]dojo.Outcome, w.nS), InitialStateDistrib: append([]float64(nil), w.init...)}
	for s := range w.nS {
		m.P[s] = make([][]dojo.Outcome, w.nA)
		for a := range w.nA {
			outs := w.outcomes(s, a)
			row := make([]dojo.Outcome, len(outs))
			for i := range outs {
				o := &outs[i]
				row[i] = dojo.Outcome{Prob: o.prob, Next: int(o.next), Reward: value(o), Terminated: o.term}
			}
			m.P[s][a] = row
		}
	}
	return m
}

// Env is a toy-text env: a toyWorld and the state of one episode.
type Env struct {
	w     *toyWorld
	spec  dojo.Spec
	parts *reward.Parts

	maxSteps   int
	maxInvalid int
	terminate  bool // invalid_action=terminate
	text       bool
	system     string // the system message of option instructions, or ""

	pcg      rand.PCG
	s        int
	last     int
	steps    int
	invalids int
	started  bool
	done     bool

	metrics dojo.Metrics
	msg     [2]dojo.Message
	tbuf    []byte
	pv      []dojo.Part // parts.Parts(), the buffer the parts live in
	policy  []int       // the oracle's policy on stochastic worlds, computed once
	rewards []float64   // the reward of each outcome of w.out under the profile
}

// newEnv makes an env of world w; spec is the registered spec, adjusted
// here to the options.
func newEnv(w *toyWorld, spec dojo.Spec, opts dojo.Options, maxSteps int) (*Env, error) {
	spec.MaxSteps = maxSteps
	spec.Stochastic = w.stochastic
	spec.ObsText = opts.Bool("text")
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
		maxSteps:   maxSteps,
		maxInvalid: max(1, opts.Int("max_invalid")),
		terminate:  opts.String("invalid_action") == "terminate",
		text:       spec.ObsText,
		last:       -1,
	}
	if opts.Bool("instructions") {
		e.system = toyInstructions(w, maxSteps)
	}
	e.metrics = append(dojo.Metrics{{Name: "prob"}, {Name: "distance"}}, w.extraNames...)
	e.pv = parts.Parts()
	var weights [toyNumParts]float64
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
	e.started, e.done = true, false
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
	if err := ctx.Err(); err != nil {
		return dojo.Step{}, dojo.CheckContext(ctx)
	}
	if !e.started {
		return dojo.Step{}, dojo.ErrNotReset
	}
	if e.done {
		return dojo.Step{}, dojo.ErrEnded
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
	var reward float64
	if bad != "" {
		e.invalids++
		p.Set(toySuccess, 0)
		p.Set(toyGym, 0)
		p.Set(toyPotential, 0)
		p.Set(toyStepCost, -1)
		p.Set(toyInvalid, -1)
		st.Info.Invalid, st.Info.Error = true, bad
		st.Terminated = e.terminate && e.invalids >= e.maxInvalid
		reward = p.Sum()
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
		reward = e.rewards[i]
		pv := e.pv[:toyNumParts]
		pv[toySuccess].Value = o.success
		pv[toyGym].Value = o.gym
		pv[toyPotential].Value = o.pot
		pv[toyStepCost].Value = o.step
		pv[toyInvalid].Value = 0
		e.s, e.last = int(o.next), act
		st.Terminated = o.term
		st.Info.Success = o.succ
		m := e.metrics[:2]
		m[0].Value = o.prob
		m[1].Value = o.dist
		e.setExtraMetrics()
	}
	st.Truncated = e.steps >= e.maxSteps
	e.done = st.Terminated || st.Truncated
	if e.text {
		st.Obs = e.textObs(toyEvent{
			prev: prev, state: e.s, action: act, last: e.last, out: o, invalid: bad,
			truncated: st.Truncated && !st.Terminated, ended: bad != "" && st.Terminated,
		})
	} else {
		st.Obs.Value = w.boxed[e.s]
	}
	st.Reward = reward
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

// toyInstructions returns the system message of option instructions: the
// task and rules of w's game, the step limit, each action word with what it
// does, and the reply format toyParseWord accepts.
func toyInstructions(w *toyWorld, maxSteps int) string {
	var b strings.Builder
	b.WriteString(w.game.task())
	fmt.Fprintf(&b, "You have %d steps. Each turn, answer with one action:\n", maxSteps)
	for i, m := range w.game.meanings() {
		fmt.Fprintf(&b, "%s: %s\n", w.labels[i], m)
	}
	fmt.Fprintf(&b, "Answer with the action word alone (or its number, 0 to %d) or as <answer>%s</answer>.", w.nA-1, w.labels[0])
	return b.String()
}

// toyQuote quotes s for an error message, shortened when long.
func toyQuote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return strconv.Quote(s)
}

// toyParseWord reads an action given as text: one of labels (ignoring case
// and the spaces, underscores and hyphens inside it) or a decimal index,
// with surrounding spaces and one trailing period tolerated, read through
// dojo.Answer (the last <answer>...</answer> block counts). It returns the index (possibly out of range for a
// number) and whether the text was a word or a number.
func toyParseWord(s string, labels []string) (int, bool) {
	s = dojo.Answer(s)
	if strings.HasSuffix(s, ".") {
		s = strings.TrimSpace(s[:len(s)-1])
	}
	if s == "" {
		return 0, false
	}
	if n, ok := toyDigits(s); ok {
		return n, true
	}
	for i, l := range labels {
		if strings.EqualFold(s, l) || toyEqualLoose(s, l) {
			return i, true
		}
	}
	return 0, false
}

// toyDigits parses a short run of decimal digits.
func toyDigits(s string) (int, bool) {
	if len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// toyEqualLoose reports whether s spells the lower-case ASCII word l,
// ignoring case and the separators ' ', '_' and '-' between letters.
func toyEqualLoose(s, l string) bool {
	j := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '_' || c == '-' {
			if i == 0 || i == len(s)-1 {
				return false
			}
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if j >= len(l) || l[j] != c {
			return false
		}
		j++
	}
	return j == len(l)
}

// MDP returns Gymnasium's transition table P with rewards under the env's
// reward profile. Invalid actions are not in the model; absorbing terminal
// states keep Gymnasium's (1, s, 0, true) self-loop with reward 0.
func (e *Env) MDP() *dojo.MDP {
	var weights [toyNumParts]float64
	for i := range weights {
		weights[i] = e.parts.Weight(i)
	}
	return e.w.mdp(func(o *toyOutcome) float64 { return toyReward(&weights, o) })
}

// toyReward is the weighted sum of o's components, computed as
// reward.Parts.Sum computes it, so that the rewards of steps, of the model
// and of the parts agree exactly.
func toyReward(weights *[toyNumParts]float64, o *toyOutcome) float64 {
	var parts [toyNumParts]dojo.Part
	for i := range parts {
		parts[i].Weight = weights[i]
	}
	parts[toySuccess].Value = o.success
	parts[toyGym].Value = o.gym
	parts[toyPotential].Value = o.pot
	parts[toyStepCost].Value = o.step
	return dojo.Sum(parts[:])
}

// toyOracleGamma is the discount of the success-probability MDP the oracle
// solves on stochastic worlds.
const toyOracleGamma = 0.999

// OracleAction returns a shortest-path action on deterministic worlds, and
// the greedy action of value iteration on the success-probability MDP on
// stochastic ones.
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Action{}, dojo.CheckContext(ctx)
	}
	if !e.started {
		return dojo.Action{}, dojo.ErrNotReset
	}
	if e.done {
		return dojo.Action{}, dojo.ErrEnded
	}
	w := e.w
	if w.stochastic {
		if e.policy == nil {
			_, e.policy = w.successMDP().ValueIteration(toyOracleGamma, 1e-10)
		}
		return dojo.IndexAction(e.policy[e.s]), nil
	}
	a := w.shortestAction(e.s)
	if a < 0 {
		return dojo.Action{}, dojo.Errorf(dojo.CodeInvalid, "%s: no path leads from state %d to the goal: the oracle cannot solve this map", e.spec.ID, e.s)
	}
	return dojo.IndexAction(a), nil
}

// shortestAction returns the first action on a shortest path to success
// from s in the deterministic graph, or -1 if there is none.
func (w *toyWorld) shortestAction(s int) int {
	best, bestD := -1, int32(math.MaxInt32)
	for a := range w.nA {
		var d int32
		switch n := w.distNext[s*w.nA+a]; {
		case n == -2:
			d = 1
		case n < 0 || w.dist[n] < 0:
			continue
		default:
			d = w.dist[n] + 1
		}
		if d < bestD {
			best, bestD = a, d
		}
	}
	return best
}

// successMDP returns the model with reward 1 on successful transitions and
// 0 elsewhere.
func (w *toyWorld) successMDP() *dojo.MDP {
	return w.mdp(func(o *toyOutcome) float64 { return o.success })
}

// toyAppendRC appends "row R, column C (state S)".
func toyAppendRC(b []byte, row, col, s int) []byte {
	b = append(b, "row "...)
	b = strconv.AppendInt(b, int64(row), 10)
	b = append(b, ", column "...)
	b = strconv.AppendInt(b, int64(col), 10)
	b = append(b, " (state "...)
	b = strconv.AppendInt(b, int64(s), 10)
	return append(b, ')')
}

// toyAppendEnd appends the sentence saying how the step ended the
// episode, if it did.
func toyAppendEnd(b []byte, ev toyEvent) []byte {
	switch {
	case ev.ended:
		b = append(b, " Too many invalid actions: the episode is over."...)
	case ev.truncated:
		b = append(b, " The step limit is reached: the episode is over."...)
	}
	return b
}

// toyAppendInvalid appends the line describing an invalid action.
func toyAppendInvalid(b []byte, ev toyEvent) []byte {
	b = append(b, "Invalid action: "...)
	b = append(b, ev.invalid...)
	return append(b, ". Nothing happened."...)
}
