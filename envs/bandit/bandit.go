package bandit

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/state"
	"github.com/dojo-rl/dojo/reward"
)

// kind is the kind of a bandit.
type kind uint8

// Kinds of bandit.
const (
	kindBernoulli kind = iota // arms pay Bernoulli(μ_a)
	kindGaussian              // arms pay N(μ_a, sigma²)
	kindDrifting              // Bernoulli arms with means on a reflected random walk
	kindLinear                // linear contextual bandit with a shared θ
)

func (k kind) String() string {
	switch k {
	case kindBernoulli:
		return "Bernoulli"
	case kindGaussian:
		return "Gaussian"
	case kindDrifting:
		return "Drifting"
	case kindLinear:
		return "Linear"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

type variant struct {
	kind kind
	arms int
}

func (v variant) id() string { return fmt.Sprintf("bandit/%v-%d-v0", v.kind, v.arms) }

// variants are the registered envs, in registration order.
var variants = []variant{
	{kindBernoulli, 2}, {kindBernoulli, 5}, {kindBernoulli, 10}, {kindBernoulli, 20},
	{kindGaussian, 10},
	{kindDrifting, 10},
	{kindLinear, 10},
}

// Register adds the bandit envs to r.
func Register(r *dojo.Registry) error {
	for _, v := range variants {
		spec := v.spec(defaultConfig(v))
		if err := r.Register(spec, func(o dojo.Options) (dojo.Env, error) { return newEnv(v, o) }); err != nil {
			return err
		}
	}
	return nil
}

// Indices of the reward components in Spec.Rewards.
const (
	cSuccess = iota
	cPayout
	cRegret
	cInvalid
)

// Indices of the metrics in Info.Metrics.
const (
	mRegret = iota
	mCumRegret
	mBestArm
	mPayout
	mOptimal
	numMetrics
)

var metricNames = [numMetrics]string{"regret", "cumulative_regret", "best_arm", "payout", "optimal"}

// config is the part of the options that shapes the spec.
type config struct {
	horizon int
	text    bool
	dim     int
}

func defaultConfig(v variant) config { return config{horizon: 1000, dim: 5} }

func (v variant) options() []dojo.Option {
	opts := []dojo.Option{
		dojo.Option{Name: "horizon", Type: dojo.OptInt, Default: 1000,
			Description: "pulls per episode (max_steps); the episode is truncated after the last one"}.Range(1, 10_000_000),
		{Name: "text", Type: dojo.OptBool, Default: false,
			Description: "add Text and Messages for language agents: the per-arm history, the step count and how to answer"},
		{Name: "invalid_action", Type: dojo.OptString, Default: "penalize", Choices: []string{"penalize", "terminate"},
			Description: "penalize: an invalid action pulls nothing, counts as a step and scores invalid=-1; terminate: as penalize, and the episode terminates as a failure at the max_invalid-th invalid action"},
		dojo.Option{Name: "max_invalid", Type: dojo.OptInt, Default: 1,
			Description: "with invalid_action=terminate, the number of invalid actions that terminates the episode"}.Range(1, 1_000_000),
	}
	switch v.kind {
	case kindBernoulli:
		opts = append(opts,
			dojo.Option{Name: "gap", Type: dojo.OptFloat, Default: 0.0,
				Description: "0: arm means uniform in [0,1]; > 0: one best arm (chosen by the seed) with mean best_mean, every other arm best_mean-gap"}.Range(0, 1),
			dojo.Option{Name: "best_mean", Type: dojo.OptFloat, Default: 0.5,
				Description: "the best arm's mean when gap > 0 (must be at least gap)"}.Range(0, 1),
		)
	case kindGaussian:
		opts = append(opts, dojo.Option{Name: "sigma", Type: dojo.OptFloat, Default: 1.0,
			Description: "standard deviation of the reward noise"}.Range(0, 100))
	case kindDrifting:
		opts = append(opts, dojo.Option{Name: "drift", Type: dojo.OptFloat, Default: 0.01,
			Description: "standard deviation of each arm mean's Gaussian step per pull (the walk is reflected into [0,1])"}.Range(0, 1))
	case kindLinear:
		opts = append(opts,
			dojo.Option{Name: "dim", Type: dojo.OptInt, Default: 5,
				Description: "dimension d of the features and of θ"}.Range(1, 64),
			dojo.Option{Name: "sigma", Type: dojo.OptFloat, Default: 0.1,
				Description: "standard deviation of the reward noise"}.Range(0, 100),
		)
	}
	return append(opts, dojo.Option{Name: dojo.RewardOption, Type: dojo.OptReward,
		Description: "reward profile: native (payout, the default), sparse, shaped, or an object of component weights"})
}

func (v variant) spec(c config) dojo.Spec {
	labels := make([]string, v.arms)
	for i := range labels {
		labels[i] = armName(i)
	}
	var desc string
	obs := dojo.Space{Kind: dojo.KindDiscrete, N: 1,
		Description: "always 0: a multi-armed bandit has a single state (with text=true, Text and Messages summarise the history)"}
	tags := []string{"bandit"}
	switch v.kind {
	case kindBernoulli:
		desc = fmt.Sprintf("%d-armed Bernoulli bandit: arm a pays 1 with probability μ_a, else 0; μ_a uniform in [0,1] per seed (or a gap instance)", v.arms)
		tags = append(tags, "multi-armed", "stationary")
	case kindGaussian:
		desc = fmt.Sprintf("%d-armed Gaussian bandit: arm a pays N(μ_a, sigma²), μ_a ~ N(0,1) per seed", v.arms)
		tags = append(tags, "multi-armed", "stationary")
	case kindDrifting:
		desc = fmt.Sprintf("%d-armed non-stationary Bernoulli bandit: every mean follows a Gaussian random walk reflected into [0,1] (Slivkins and Upfal 2008); regret against the current best arm", v.arms)
		tags = append(tags, "multi-armed", "non-stationary")
	case kindLinear:
		desc = fmt.Sprintf("linear contextual bandit with %d arms: each step arm a shows features x_a on the unit sphere of R^d, reward x_a·θ + N(0, sigma²) with a hidden unit θ per seed (shared-parameter LinUCB setting)", v.arms)
		tags = append(tags, "contextual", "linear")
		obs = dojo.Space{Kind: dojo.KindBox, Shape: []int{v.arms, c.dim}, Low: -1, High: 1, DType: "float64",
			Description: "the K×d features of the coming step: row a is arm a's unit feature vector x_{t,a}, row-major"}
	}
	return dojo.Spec{
		ID:          v.id(),
		Description: desc,
		Observation: obs,
		ObsText:     c.text,
		Action: dojo.Space{Kind: dojo.KindDiscrete, N: v.arms, Labels: labels,
			Description: "pull arm a; text may name the arm (arm3, ARM3, 3, <answer>arm3</answer>)"},
		MaxSteps: c.horizon,
		Rewards: []dojo.Component{
			{Name: dojo.SuccessComponent, Shaped: 1,
				Description: "1 on the last step of the horizon iff more than half of the last ⌈horizon/10⌉ steps pulled a best arm of their step, else 0"},
			{Name: "payout", Shaped: 0,
				Description: "the realised reward of the pull (0 for an invalid action)"},
			{Name: "regret", Shaped: 1,
				Description: "−(μ* − μ_a): minus the pull's pseudo-regret; an invalid action counts as the worst arm"},
			{Name: "invalid", Shaped: 1,
				Description: "−1 for an invalid action, else 0"},
		},
		Profiles:       map[string]map[string]float64{"native": {"payout": 1}},
		DefaultProfile: "native",
		Options:        v.options(),
		Tags:           tags,
	}
}

// Seed streams of the two random sources derived from the Reset seed.
const (
	worldStream = 0x62616e6469742d77 // "bandit-w"
	noiseStream = 0x62616e6469742d6e // "bandit-n"
)

// Env is a bandit env. Make it with a registry to which Register added the
// bandit envs.
type Env struct {
	spec dojo.Spec
	kind kind
	k    int // arms
	dim  int // features (Linear)

	horizon    int
	window     int // success looks at the last window steps
	text       bool
	terminate  bool
	maxInvalid int
	gap        float64
	bestMean   float64
	sigma      float64
	drift      float64

	worldSrc, noiseSrc rand.PCG
	world, noise       *rand.Rand

	parts     *reward.Parts
	w         [4]float64   // the profile's weights, indexed like the parts
	metrics   dojo.Metrics // metricArr[:]
	metricArr *[numMetrics]dojo.Metric
	value     any // Obs.Value: boxed once

	mu    []float64 // expected reward of each arm at the current step
	theta []float64 // Linear: the hidden parameter
	feat  []float64 // Linear: K×d features of the current step
	best  int       // argmax mu, lowest index on ties
	muMax float64
	muMin float64

	everReset bool
	running   bool
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
		kind:       v.kind,
		k:          v.arms,
		horizon:    o.Int("horizon"),
		text:       o.Bool("text"),
		terminate:  o.String("invalid_action") == "terminate",
		maxInvalid: o.Int("max_invalid"),
		gap:        o.Float("gap"),
		bestMean:   o.Float("best_mean"),
		sigma:      o.Float("sigma"),
		drift:      o.Float("drift"),
		dim:        o.Int("dim"),
	}
	if e.horizon < 1 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"horizon\" is %d, want at least 1", v.id(), e.horizon).WithField("options.horizon")
	}
	if e.maxInvalid < 1 {
		e.maxInvalid = 1
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
	for i := range e.w {
		e.w[i] = parts.Weight(i)
	}
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
	e.everReset, e.running = true, true
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
	if !e.running {
		if e.everReset {
			return st, dojo.ErrEnded
		}
		return st, dojo.ErrNotReset
	}
	if ctx.Err() != nil {
		return st, dojo.CheckContext(ctx)
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
	terminated := arm < 0 && e.terminate && e.invalids >= e.maxInvalid
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
	// The weighted sum of the parts, as dojo.Sum computes it (unfused
	// multiply-adds, the same bits on every architecture), unrolled.
	var r float64
	r += float64(success * e.w[cSuccess])
	r += float64(payout * e.w[cPayout])
	r += float64(negRegret * e.w[cRegret])
	r += float64(invalid * e.w[cInvalid])
	m := e.metricArr
	m[mRegret].Value = regret
	m[mCumRegret].Value = e.cumRegret
	m[mBestArm].Value = float64(e.best)
	m[mPayout].Value = payout
	m[mOptimal].Value = optimal
	if terminated || truncated {
		e.running = false
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

// OracleAction pulls the best arm of the current step.
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if !e.running {
		if e.everReset {
			return dojo.Action{}, dojo.ErrEnded
		}
		return dojo.Action{}, dojo.ErrNotReset
	}
	return dojo.IndexAction(e.best), nil
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
