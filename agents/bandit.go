package agents

// The bandit baselines: epsilon-greedy, ucb1, thompson and linucb.
//
// Each learns within one episode from Turn.Reward, the reward of the step
// its previous action produced, credited to the arm it pulled (the reward
// of the first turn, before any pull, is ignored). Under the bandit envs'
// default profile ("native") that reward is the pull's payout: the agents
// need a profile whose reward grows with the expected payout of the arm —
// native; or shaped, whose reward is minus the pseudo-regret, for
// epsilon-greedy, ucb1 and thompson with prior=gaussian — and not sparse,
// which pays only at the end. They pull arms by index, so they need a
// discrete action space; NewAgent rejects any other with a CodeInvalid
// error. Each episode gets a fresh agent whose randomness derives from
// EpisodeStart.Seed only.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo"
)

const (
	epsilonGreedyDoc = "bandit baseline: pull each arm once, then a uniformly random arm with probability ε, else the arm of best mean reward (ties broken at random). Parameters: eps (ε, default 0.1); decay (c, default 0: fixed ε; c > 0 gives ε_t = min(eps, c·K/t) at pull t, the ε_n-greedy of Auer et al. 2002)"
	ucb1Doc          = "bandit baseline UCB1 (Auer, Cesa-Bianchi and Fischer 2002): pull each arm once, then the arm maximising mean_a + c·sqrt(ln t / n_a), t the pulls so far and n_a the pulls of arm a, ties to the lowest index. Parameter: c (default √2, the paper's sqrt(2 ln t / n_a); tuned for rewards in [0,1], scale it with the reward range)"
	thompsonDoc      = "bandit baseline Thompson sampling: sample each arm's mean from its posterior and pull the argmax. Parameters: prior=beta (Beta(1,1) priors for rewards in [0,1]; a reward r that is not 0 or 1 counts as a Bernoulli(r) trial, Agrawal and Goyal 2012), gaussian (N(0, tau²) priors, Gaussian rewards of known standard deviation sigma) or auto (the default: beta on bandit/Bernoulli-* and bandit/Drifting-*, gaussian elsewhere); sigma (default 1); tau (default 1). With a reward profile whose rewards leave [0,1] (shaped), use prior=gaussian"
	linUCBDoc        = "contextual bandit baseline LinUCB (Li et al. 2010) on the K×d arm features of Obs.Value (bandit/Linear-*): pull argmax_a x_a·θ̂ + alpha·sqrt(x_aᵀ A⁻¹ x_a), with A = lambda·I + Σ x xᵀ and θ̂ = A⁻¹ Σ r x. Parameters: alpha (default 1), lambda (ridge, default 1), model=shared (one θ for all arms, the default) or disjoint (a θ_a per arm, as in the paper's disjoint model). Needs the native profile, whose reward is linear in the features"
)

// Salts that separate the agents' random streams from each other and from
// the env's, all derived from the episode seed.
const (
	saltEpsilonGreedy = 0x65707367726479 // "epsgrdy"
	saltThompson      = 0x74686f6d70736e // "thompsn"
)

// banditArms checks that spec has a discrete action space and returns its
// number of actions, the arms.
func banditArms(agent string, spec dojo.Spec) (int, error) {
	if spec.Action.Kind != dojo.KindDiscrete || spec.Action.N < 1 {
		return 0, dojo.Errorf(dojo.CodeInvalid, "agent %s: env %s has a %q action space; %s pulls arms by index and needs a discrete one (such as the bandit/* envs)", agent, spec.ID, spec.Action.Kind, agent).WithField("agent")
	}
	return spec.Action.N, nil
}

// banditFloat reads a float parameter within [lo, hi], or def when absent.
func banditFloat(p Params, name string, def, lo, hi float64) (float64, error) {
	s, ok := p[name]
	if !ok {
		return def, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("parameter %s=%q is not a number", name, s)
	}
	if f < lo || f > hi {
		return 0, fmt.Errorf("parameter %s=%v is out of range: want %v ≤ %s ≤ %v", name, f, lo, name, hi)
	}
	return f, nil
}

// banditChoice reads a parameter that must be one of choices (the first is
// the default).
func banditChoice(p Params, name string, choices ...string) (string, error) {
	s, ok := p[name]
	if !ok {
		return choices[0], nil
	}
	for _, c := range choices {
		if s == c {
			return s, nil
		}
	}
	return "", fmt.Errorf("parameter %s=%q is not one of %s", name, s, strings.Join(choices, ", "))
}

// banditPolicy is the per-episode state of a bandit algorithm.
type banditPolicy interface {
	// learn credits reward r to the arm pulled last.
	learn(arm int, r float64)
	// choose picks the next arm.
	choose(t dojo.Turn) (int, error)
}

// banditAgent adapts a policy to dojo.Agent: it credits each turn's reward
// to the previous pull, then chooses.
type banditAgent struct {
	policy banditPolicy
	last   int // the arm pulled last, -1 before the first pull
}

func (a *banditAgent) Act(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
	if t.Step == 0 {
		a.last = -1
	}
	if a.last >= 0 && !t.Info.Invalid {
		a.policy.learn(a.last, t.Reward)
	}
	arm, err := a.policy.choose(t)
	if err != nil {
		return dojo.Action{}, err
	}
	a.last = arm
	return dojo.IndexAction(arm), nil
}

// banditStats are per-arm pull counts and mean rewards.
type banditStats struct {
	n     []int
	mean  []float64
	total int
}

func newBanditStats(k int) banditStats {
	return banditStats{n: make([]int, k), mean: make([]float64, k)}
}

func (s *banditStats) add(arm int, r float64) {
	s.n[arm]++
	s.total++
	s.mean[arm] += (r - s.mean[arm]) / float64(s.n[arm])
}

// untried returns the first arm never pulled, or -1.
func (s *banditStats) untried() int {
	for a, n := range s.n {
		if n == 0 {
			return a
		}
	}
	return -1
}

// banditMakerFunc makes the per-episode policy of an agent.
type banditMakerFunc func(ep dojo.EpisodeStart, k int) (banditPolicy, error)

func banditMaker(name string, f banditMakerFunc) dojo.AgentMaker {
	return dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		k, err := banditArms(name, ep.Spec)
		if err != nil {
			return nil, err
		}
		p, err := f(ep, k)
		if err != nil {
			return nil, err
		}
		return &banditAgent{policy: p, last: -1}, nil
	})
}

// epsilon-greedy

type epsGreedy struct {
	banditStats
	eps, decay float64
	rng        *rand.Rand
	ties       []int
}

func newEpsilonGreedy(p Params) (dojo.AgentMaker, error) {
	if err := unknownParams(p, "eps", "decay"); err != nil {
		return nil, err
	}
	eps, err := banditFloat(p, "eps", 0.1, 0, 1)
	if err != nil {
		return nil, err
	}
	decay, err := banditFloat(p, "decay", 0, 0, math.MaxFloat64)
	if err != nil {
		return nil, err
	}
	return banditMaker("epsilon-greedy", func(ep dojo.EpisodeStart, k int) (banditPolicy, error) {
		return &epsGreedy{
			banditStats: newBanditStats(k),
			eps:         eps,
			decay:       decay,
			rng:         rand.New(rand.NewPCG(ep.Seed, saltEpsilonGreedy)),
			ties:        make([]int, 0, k),
		}, nil
	}), nil
}

func (g *epsGreedy) learn(arm int, r float64) { g.add(arm, r) }

func (g *epsGreedy) choose(dojo.Turn) (int, error) {
	if a := g.untried(); a >= 0 {
		return a, nil
	}
	eps := g.eps
	if g.decay > 0 {
		eps = min(eps, g.decay*float64(len(g.n))/float64(g.total+1))
	}
	if g.rng.Float64() < eps {
		return g.rng.IntN(len(g.n)), nil
	}
	g.ties = g.ties[:0]
	best := math.Inf(-1)
	for a, m := range g.mean {
		switch {
		case m > best:
			best = m
			g.ties = append(g.ties[:0], a)
		case m == best:
			g.ties = append(g.ties, a)
		}
	}
	return g.ties[g.rng.IntN(len(g.ties))], nil
}

// ucb1

type ucb1 struct {
	banditStats
	c float64
}

func newUCB1(p Params) (dojo.AgentMaker, error) {
	if err := unknownParams(p, "c"); err != nil {
		return nil, err
	}
	c, err := banditFloat(p, "c", math.Sqrt2, 0, math.MaxFloat64)
	if err != nil {
		return nil, err
	}
	return banditMaker("ucb1", func(ep dojo.EpisodeStart, k int) (banditPolicy, error) {
		return &ucb1{banditStats: newBanditStats(k), c: c}, nil
	}), nil
}

func (u *ucb1) learn(arm int, r float64) { u.add(arm, r) }

func (u *ucb1) choose(dojo.Turn) (int, error) {
	if a := u.untried(); a >= 0 {
		return a, nil
	}
	logT := math.Log(float64(u.total))
	best, bestV := 0, math.Inf(-1)
	for a, m := range u.mean {
		if v := m + u.c*math.Sqrt(logT/float64(u.n[a])); v > bestV {
			best, bestV = a, v
		}
	}
	return best, nil
}

// thompson

type thompson struct {
	beta       bool
	alpha, bet []float64 // Beta posteriors
	n          []int     // Gaussian posteriors: pulls and reward sums
	sum        []float64
	sigma, tau float64
	rng        *rand.Rand
}

func newThompson(p Params) (dojo.AgentMaker, error) {
	if err := unknownParams(p, "prior", "sigma", "tau"); err != nil {
		return nil, err
	}
	prior, err := banditChoice(p, "prior", "auto", "beta", "gaussian")
	if err != nil {
		return nil, err
	}
	sigma, err := banditFloat(p, "sigma", 1, 1e-9, math.MaxFloat64)
	if err != nil {
		return nil, err
	}
	tau, err := banditFloat(p, "tau", 1, 1e-9, math.MaxFloat64)
	if err != nil {
		return nil, err
	}
	return banditMaker("thompson", func(ep dojo.EpisodeStart, k int) (banditPolicy, error) {
		beta := prior == "beta"
		if prior == "auto" {
			beta = thompsonBinary(ep.Spec.ID)
		}
		th := &thompson{beta: beta, sigma: sigma, tau: tau, rng: rand.New(rand.NewPCG(ep.Seed, saltThompson))}
		if beta {
			th.alpha, th.bet = make([]float64, k), make([]float64, k)
			for a := range k {
				th.alpha[a], th.bet[a] = 1, 1
			}
		} else {
			th.n, th.sum = make([]int, k), make([]float64, k)
		}
		return th, nil
	}), nil
}

// thompsonBinary reports whether env id pays rewards in {0, 1} under its
// default profile: the Bernoulli and Drifting bandits.
func thompsonBinary(id string) bool {
	if dojo.Family(id) != "bandit" {
		return false
	}
	_, name, _ := strings.Cut(id, "/")
	return strings.HasPrefix(name, "Bernoulli-") || strings.HasPrefix(name, "Drifting-")
}

func (th *thompson) learn(arm int, r float64) {
	if !th.beta {
		th.n[arm]++
		th.sum[arm] += r
		return
	}
	success := r == 1
	if r != 0 && r != 1 {
		// A Bernoulli trial with success probability r (clamped to
		// [0,1]) keeps the Beta posterior conjugate for rewards in
		// [0,1] (Agrawal and Goyal 2012).
		success = th.rng.Float64() < r
	}
	if success {
		th.alpha[arm]++
	} else {
		th.bet[arm]++
	}
}

func (th *thompson) choose(dojo.Turn) (int, error) {
	best, bestV := 0, math.Inf(-1)
	if th.beta {
		for a := range th.alpha {
			if v := banditBeta(th.rng, th.alpha[a], th.bet[a]); v > bestV {
				best, bestV = a, v
			}
		}
		return best, nil
	}
	// Posterior of a mean with prior N(0, tau²) after n rewards of noise
	// N(0, sigma²): precision 1/tau² + n/sigma², mean (Σr/sigma²)/precision.
	s2, t2 := th.sigma*th.sigma, th.tau*th.tau
	for a, n := range th.n {
		prec := 1/t2 + float64(n)/s2
		mean := th.sum[a] / s2 / prec
		if v := mean + th.rng.NormFloat64()/math.Sqrt(prec); v > bestV {
			best, bestV = a, v
		}
	}
	return best, nil
}

// banditBeta draws from Beta(a, b), a, b ≥ 1, as X/(X+Y) with X ~ Gamma(a),
// Y ~ Gamma(b).
func banditBeta(r *rand.Rand, a, b float64) float64 {
	x := banditGamma(r, a)
	y := banditGamma(r, b)
	return x / (x + y)
}

// banditGamma draws from Gamma(shape, 1) for shape ≥ 1 by Marsaglia and
// Tsang's method (ACM TOMS 2000).
func banditGamma(r *rand.Rand, shape float64) float64 {
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		var x, v float64
		for v <= 0 {
			x = r.NormFloat64()
			v = 1 + c*x
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x {
			return d * v
		}
		if u > 0 && math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// linucb

type linUCB struct {
	k, d     int
	alpha    float64
	disjoint bool
	ainv     [][]float64 // A⁻¹ (d×d, row-major), one or one per arm
	b        [][]float64
	ax       []float64 // scratch: A⁻¹x
	lastX    []float64 // the features of the arm pulled last
}

func newLinUCB(p Params) (dojo.AgentMaker, error) {
	if err := unknownParams(p, "alpha", "lambda", "model"); err != nil {
		return nil, err
	}
	alpha, err := banditFloat(p, "alpha", 1, 0, math.MaxFloat64)
	if err != nil {
		return nil, err
	}
	lambda, err := banditFloat(p, "lambda", 1, 1e-9, math.MaxFloat64)
	if err != nil {
		return nil, err
	}
	model, err := banditChoice(p, "model", "shared", "disjoint")
	if err != nil {
		return nil, err
	}
	return banditMaker("linucb", func(ep dojo.EpisodeStart, k int) (banditPolicy, error) {
		obs := ep.Spec.Observation
		if obs.Kind != dojo.KindBox || len(obs.Shape) != 2 || obs.Shape[0] != k {
			return nil, dojo.Errorf(dojo.CodeInvalid, "agent linucb: env %s observes a %q space of shape %v; linucb needs the K×d arm features as a box of shape [%d, d] (such as bandit/Linear-*)", ep.Spec.ID, obs.Kind, obs.Shape, k).WithField("agent")
		}
		d := obs.Shape[1]
		l := &linUCB{k: k, d: d, alpha: alpha, disjoint: model == "disjoint",
			ax: make([]float64, d), lastX: make([]float64, d)}
		models := 1
		if l.disjoint {
			models = k
		}
		for range models {
			ainv := make([]float64, d*d)
			for i := range d {
				ainv[i*d+i] = 1 / lambda
			}
			l.ainv = append(l.ainv, ainv)
			l.b = append(l.b, make([]float64, d))
		}
		return l, nil
	}), nil
}

func (l *linUCB) model(arm int) int {
	if l.disjoint {
		return arm
	}
	return 0
}

// learn updates A⁻¹ by Sherman and Morrison's formula,
// (A + xxᵀ)⁻¹ = A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x) (A⁻¹ is symmetric),
// and b by r·x.
func (l *linUCB) learn(arm int, r float64) {
	m := l.model(arm)
	ainv, b, x, ax, d := l.ainv[m], l.b[m], l.lastX, l.ax, l.d
	var q float64
	for i := range d {
		var s float64
		for j := range d {
			s += ainv[i*d+j] * x[j]
		}
		ax[i] = s
		q += x[i] * s
	}
	for i := range d {
		for j := range d {
			ainv[i*d+j] -= ax[i] * ax[j] / (1 + q)
		}
		b[i] += r * x[i]
	}
}

func (l *linUCB) choose(t dojo.Turn) (int, error) {
	feat, ok := t.Obs.Value.([]float64)
	if !ok || len(feat) != l.k*l.d {
		n := -1
		if ok {
			n = len(feat)
		}
		return 0, dojo.Errorf(dojo.CodeInvalid, "agent linucb: observation value is %T (length %d), want []float64 of K×d = %d features", t.Obs.Value, n, l.k*l.d)
	}
	d := l.d
	best, bestV := 0, math.Inf(-1)
	for a := range l.k {
		x := feat[a*d : (a+1)*d]
		m := l.model(a)
		ainv, b := l.ainv[m], l.b[m]
		// x·θ̂ = xᵀA⁻¹b and the width sqrt(xᵀA⁻¹x), from A⁻¹x.
		var mean, w float64
		for i := range d {
			var s float64
			for j := range d {
				s += ainv[i*d+j] * x[j]
			}
			mean += s * b[i]
			w += s * x[i]
		}
		if v := mean + l.alpha*math.Sqrt(max(w, 0)); v > bestV {
			best, bestV = a, v
		}
	}
	copy(l.lastX, feat[best*d:(best+1)*d])
	return best, nil
}
