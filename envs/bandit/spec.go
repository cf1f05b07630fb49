package bandit

import (
	"fmt"
	"strconv"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
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

// components are the reward components, in Spec.Rewards order.
var components = []dojo.Component{
	{Name: dojo.SuccessComponent, Shaped: 1,
		Description: "1 on the last step of the horizon iff more than half of the last ⌈horizon/10⌉ steps pulled a best arm of their step, else 0"},
	{Name: "payout", Shaped: 0,
		Description: "the realised reward of the pull (0 for an invalid action)"},
	{Name: "regret", Shaped: 1,
		Description: "−(μ* − μ_a): minus the pull's pseudo-regret; an invalid action counts as the worst arm"},
	{Name: "invalid", Shaped: 1,
		Description: "−1 for an invalid action, else 0"},
}

// Indices of the reward components in Spec.Rewards, looked up by name.
var (
	cSuccess = family.MustIndex(components, dojo.SuccessComponent)
	cPayout  = family.MustIndex(components, "payout")
	cRegret  = family.MustIndex(components, "regret")
	cInvalid = family.MustIndex(components, "invalid")
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
		family.Text("add Text and Messages for language agents: the per-arm history, the step count and how to answer"),
	}
	opts = append(opts, family.InvalidOptions(family.InvalidText{
		Penalize:  "an invalid action pulls nothing, counts as a step and scores invalid=-1",
		Terminate: "at the max_invalid-th invalid action",
		Counted:   "invalid actions",
		Max:       1_000_000,
	})...)
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
		MaxSteps:       c.horizon,
		Rewards:        components,
		Profiles:       map[string]map[string]float64{"native": {"payout": 1}},
		DefaultProfile: "native",
		Options:        v.options(),
		Tags:           tags,
	}
}
