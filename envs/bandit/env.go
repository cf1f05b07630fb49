package bandit

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/envs/state"
	"github.com/dojo-rl/dojo/reward"
)

// Seed streams of the two random sources derived from the Reset seed.
const (
	worldStream = 0x62616e6469742d77 // "bandit-w"
	noiseStream = 0x62616e6469742d6e // "bandit-n"
)

// weights are the profile's weights of the reward components.
type weights struct{ success, payout, regret, invalid float64 }

// The interfaces a bandit implements besides dojo.Env.
var (
	_ dojo.Oracle = (*Env)(nil)
	_ dojo.Stater = (*Env)(nil)
)

// Env is a bandit env. Make it with a registry to which Register added the
// bandit envs.
type Env struct {
	spec dojo.Spec
	kind kind
	k    int // arms
	dim  int // features (Linear)

	horizon  int
	window   int // success looks at the last window steps
	text     bool
	policy   family.Policy
	gap      float64
	bestMean float64
	sigma    float64
	drift    float64

	worldSrc, noiseSrc rand.PCG
	world, noise       *rand.Rand

	parts     *reward.Parts
	w         weights      // the profile's weights of the parts
	metrics   dojo.Metrics // metricArr[:]
	metricArr *[numMetrics]dojo.Metric
	value     any // Obs.Value: boxed once

	mu    []float64 // expected reward of each arm at the current step
	theta []float64 // Linear: the hidden parameter
	feat  []float64 // Linear: K×d features of the current step
	best  int       // argmax mu, lowest index on ties
	muMax float64
	muMin float64

	life      family.Lifecycle
	t         int // steps taken
	invalids  int
	cumRegret float64
	inWindow  int // steps of the window that pulled a best arm
	pulls     []int
	sums      []float64
	lastArm   int     // the arm pulled by the last step, -1 for none
	lastPay   float64 // what it paid

	txt textState
}

func newEnv(v variant, o dojo.Options) (*Env, error) {
	e := &Env{
		kind:     v.kind,
		k:        v.arms,
		horizon:  o.Int("horizon"),
		text:     o.Bool(family.TextOption),
		policy:   family.NewPolicy(o),
		gap:      o.Float("gap"),
		bestMean: o.Float("best_mean"),
		sigma:    o.Float("sigma"),
		drift:    o.Float("drift"),
		dim:      o.Int("dim"),
	}
	if e.horizon < 1 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"horizon\" is %d, want at least 1", v.id(), e.horizon).WithField("options.horizon")
	}
	if v.kind == kindBernoulli && e.gap > e.bestMean {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"gap\" %v is larger than best_mean %v, which would give negative means; want gap ≤ best_mean (raise best_mean or lower gap)", v.id(), e.gap, e.bestMean).WithField("options.gap")
	}
	if v.kind == kindLinear && e.dim < 1 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"dim\" is %d, want at least 1", v.id(), e.dim).WithField("options.dim")
	}
	e.window = (e.horizon + 9) / 10
	e.spec = v.spec(config{horizon: e.horizon, text: e.text, dim: e.dim})
	parts, err := reward.New(&e.spec, o)
	if err != nil {
		return nil, err
	}
	e.parts = parts
	e.w = weights{success: parts.Weight(cSuccess), payout: parts.Weight(cPayout),
		regret: parts.Weight(cRegret), invalid: parts.Weight(cInvalid)}
	e.metricArr = new([numMetrics]dojo.Metric)
	for i, n := range metricNames {
		e.metricArr[i].Name = n
	}
	e.metrics = e.metricArr[:]
	e.world = rand.New(&e.worldSrc)
	e.noise = rand.New(&e.noiseSrc)
	e.mu = make([]float64, e.k)
	e.pulls = make([]int, e.k)
	e.sums = make([]float64, e.k)
	e.value = 0
	if e.kind == kindLinear {
		e.theta = make([]float64, e.dim)
		e.feat = make([]float64, e.k*e.dim)
		e.value = e.feat
	}
	if e.text {
		e.txt.init(e)
	}
	return e, nil
}

// Spec describes the env as configured.
func (e *Env) Spec() dojo.Spec { return e.spec }

// Means returns a copy of the arms' expected rewards at the current step
// (for Linear, x_{t,a}·θ), the hidden truth that regret is measured against.
func (e *Env) Means() []float64 { return append([]float64(nil), e.mu...) }

// Reset draws the instance of seed and starts an episode.
func (e *Env) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	e.worldSrc.Seed(seed, worldStream)
	e.noiseSrc.Seed(seed, noiseStream)
	switch e.kind {
	case kindBernoulli:
		if e.gap > 0 {
			b := e.world.IntN(e.k)
			for a := range e.mu {
				e.mu[a] = e.bestMean - e.gap
			}
			e.mu[b] = e.bestMean
		} else {
			for a := range e.mu {
				e.mu[a] = e.world.Float64()
			}
		}
	case kindGaussian:
		for a := range e.mu {
			e.mu[a] = e.world.NormFloat64()
		}
	case kindDrifting:
		for a := range e.mu {
			e.mu[a] = e.world.Float64()
		}
	case kindLinear:
		unitVector(e.world, e.theta)
		e.drawFeatures()
	}
	e.findBest()
	e.life.Begin()
	e.t, e.invalids, e.cumRegret, e.inWindow = 0, 0, 0, 0
	clear(e.pulls)
	clear(e.sums)
	e.lastArm, e.lastPay = -1, 0
	e.parts.Reset()
	e.metrics[mRegret].Value = 0
	e.metrics[mCumRegret].Value = 0
	e.metrics[mBestArm].Value = float64(e.best)
	e.metrics[mPayout].Value = 0
	e.metrics[mOptimal].Value = 0
	obs := dojo.Obs{Value: e.value}
	if e.text {
		e.txt.reset(e)
		obs.Text, obs.Messages = e.txt.render(e, -1, 0, "")
	}
	return obs, dojo.Info{Parts: e.parts.Parts(), Metrics: e.metrics}, nil
}

// Step pulls the arm a names. The observation, parts and metrics stay valid
// until the next Step or Reset.
func (e *Env) Step(ctx context.Context, a dojo.Action) (st dojo.Step, err error) {
	if err := e.life.Step(ctx); err != nil {
		return st, err
	}
	var arm int // the arm pulled, or -1
	if a.Kind == dojo.ActIndex && uint(a.Index) < uint(e.k) {
		arm = a.Index
	} else {
		arm = e.decode(a)
	}
	e.t++
	var (
		regret, payout, optimal, invalid float64
		errMsg                           string
	)
	if arm < 0 {
		e.invalids++
		regret = e.muMax - e.muMin
		errMsg = e.invalidMessage(a)
		invalid = -1
	} else {
		m := e.mu[arm]
		if e.kind == kindBernoulli || e.kind == kindDrifting {
			// rand.Float64 on the concrete source, without the interface
			// call: the hot path.
			if float64(e.noiseSrc.Uint64()<<11>>11)/(1<<53) < m {
				payout = 1
			}
		} else {
			payout = e.pay(arm)
		}
		regret = e.muMax - m
		if m == e.muMax {
			optimal = 1
			if e.t > e.horizon-e.window {
				e.inWindow++
			}
		}
		e.pulls[arm]++
		e.sums[arm] += payout
	}
	e.lastArm, e.lastPay = arm, payout
	e.cumRegret += regret
	terminated := arm < 0 && e.policy.Ends(e.invalids)
	truncated := e.t >= e.horizon
	var success float64
	if truncated && !terminated && 2*e.inWindow > e.window {
		success = 1
	}
	negRegret := 0.0 // not -0 in JSON
	if regret != 0 {
		negRegret = -regret
	}
	e.parts.Set(cSuccess, success)
	e.parts.Set(cPayout, payout)
	e.parts.Set(cRegret, negRegret)
	e.parts.Set(cInvalid, invalid)
	// The weighted sum of the parts in Spec.Rewards order, as dojo.Sum
	// computes it (unfused multiply-adds, the same bits on every
	// architecture), unrolled.
	var r float64
	r += float64(success * e.w.success)
	r += float64(payout * e.w.payout)
	r += float64(negRegret * e.w.regret)
	r += float64(invalid * e.w.invalid)
	m := e.metricArr
	m[mRegret].Value = regret
	m[mCumRegret].Value = e.cumRegret
	m[mBestArm].Value = float64(e.best)
	m[mPayout].Value = payout
	m[mOptimal].Value = optimal
	if terminated || truncated {
		e.life.End()
	} else if e.kind >= kindDrifting {
		e.advance()
	}
	st.Obs.Value = e.value
	if e.text {
		st.Obs.Text, st.Obs.Messages = e.txt.render(e, arm, payout, errMsg)
	}
	st.Reward = r
	st.Terminated = terminated
	st.Truncated = truncated
	st.Info.Success = success == 1
	st.Info.Parts = e.parts.Parts()
	st.Info.Invalid = arm < 0
	st.Info.Error = errMsg
	st.Info.Metrics = e.metrics
	return st, nil
}

// State describes the current state (dojo.Stater), a *state.Bandit. The
// slices are the env's buffers, valid until the next Step or Reset.
func (e *Env) State() any {
	return &state.Bandit{Kind: state.KindBandit, Means: e.mu, Best: e.best, Pulls: e.pulls, Sums: e.sums, Arm: e.lastArm, Payout: e.lastPay}
}

// decode returns the arm a names, or -1.
func (e *Env) decode(a dojo.Action) int {
	switch a.Kind {
	case dojo.ActIndex:
		if a.Index >= 0 && a.Index < e.k {
			return a.Index
		}
	case dojo.ActText:
		if i, ok := parseArm(a.Text, e.k); ok {
			return i
		}
	case dojo.ActMessage:
		if len(a.ToolCalls) > 0 {
			return -1
		}
		if i, ok := parseArm(a.Text, e.k); ok {
			return i
		}
	}
	return -1
}

func (e *Env) invalidMessage(a dojo.Action) string {
	valid := e.validArms()
	switch a.Kind {
	case dojo.ActIndex:
		return fmt.Sprintf("arm index %d is out of range: valid arms are %s (indices 0 to %d)", a.Index, valid, e.k-1)
	case dojo.ActMessage:
		if len(a.ToolCalls) > 0 {
			return fmt.Sprintf("this env has no tools (got a call of %q): answer with the name of an arm, one of %s", a.ToolCalls[0].Name, valid)
		}
	}
	return fmt.Sprintf("%s does not name an arm: answer with one of %s, e.g. <answer>arm0</answer> (indices 0 to %d are accepted too)", quoteShort(a.Text), valid, e.k-1)
}

func (e *Env) validArms() string {
	var b strings.Builder
	for i := range e.k {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(armName(i))
	}
	return b.String()
}

func quoteShort(s string) string {
	const max = 60
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

// pay draws the reward of pulling arm.
func (e *Env) pay(arm int) float64 {
	switch e.kind {
	case kindBernoulli, kindDrifting:
		if e.noise.Float64() < e.mu[arm] {
			return 1
		}
		return 0
	}
	// Gaussian and Linear: the conversion keeps the multiply from fusing
	// with the add, so results agree across architectures.
	return e.mu[arm] + float64(e.sigma*e.noise.NormFloat64())
}

// advance moves the world to the next step.
func (e *Env) advance() {
	switch e.kind {
	case kindDrifting:
		if e.drift == 0 {
			return
		}
		for a, m := range e.mu {
			e.mu[a] = reflect(m + float64(e.drift*e.world.NormFloat64()))
		}
		e.findBest()
	case kindLinear:
		e.drawFeatures()
		e.findBest()
	}
}

// reflect folds x into [0,1], reflecting at both walls.
func reflect(x float64) float64 {
	if x >= 0 && x <= 1 {
		return x
	}
	x = math.Mod(x, 2)
	if x < 0 {
		x += 2
	}
	if x > 1 {
		x = 2 - x
	}
	return x
}

// drawFeatures draws each arm's unit feature vector and its expected reward.
func (e *Env) drawFeatures() {
	for a := range e.k {
		x := e.feat[a*e.dim : (a+1)*e.dim]
		unitVector(e.world, x)
		e.mu[a] = dot(x, e.theta)
	}
}

// unitVector fills x with a direction uniform on the unit sphere.
func unitVector(r *rand.Rand, x []float64) {
	for {
		var n float64
		for i := range x {
			x[i] = r.NormFloat64()
			n += float64(x[i] * x[i])
		}
		if n > 1e-300 {
			n = math.Sqrt(n)
			for i := range x {
				x[i] /= n
			}
			return
		}
	}
}

func dot(x, y []float64) float64 {
	var s float64
	for i := range x {
		s += float64(x[i] * y[i])
	}
	return s
}

func (e *Env) findBest() {
	best, lo := 0, e.mu[0]
	for a, m := range e.mu {
		if m > e.mu[best] {
			best = a
		}
		if m < lo {
			lo = m
		}
	}
	e.best, e.muMax, e.muMin = best, e.mu[best], lo
}
