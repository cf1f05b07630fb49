package agents_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/envs/bandit"
	"github.com/dojo-rl/dojo/internal/race"
	"github.com/google/go-cmp/cmp"
)

func banditRegistry(t testing.TB) *dojo.Registry {
	t.Helper()
	r := new(dojo.Registry)
	if err := bandit.Register(r); err != nil {
		t.Fatal(err)
	}
	return r
}

// banditUniform is the uniformly random baseline, defined here so that the
// tests depend on the bandit agents only.
const banditUniform = "uniform"

// banditEpisode runs agent on one episode of env from seed and returns the
// cumulative regret at each checkpoint step (and the actions taken).
func banditEpisode(t testing.TB, env dojo.Env, agent string, seed uint64, checkpoints ...int) ([]float64, []int) {
	t.Helper()
	ctx := context.Background()
	spec := env.Spec()
	var ag dojo.Agent
	if agent == banditUniform {
		rng := rand.New(rand.NewPCG(seed, 77))
		ag = dojo.AgentFunc(func(context.Context, dojo.Turn) (dojo.Action, error) {
			return dojo.IndexAction(rng.IntN(spec.Action.N)), nil
		})
	} else {
		m, err := agents.New(agent)
		if err != nil {
			t.Fatal(err)
		}
		if ag, err = m.NewAgent(ctx, dojo.EpisodeStart{Seed: seed, Spec: spec, Env: env}); err != nil {
			t.Fatal(err)
		}
	}
	obs, info, err := env.Reset(ctx, seed)
	if err != nil {
		t.Fatal(err)
	}
	turn := dojo.Turn{Obs: obs, Info: info}
	var regrets []float64
	var actions []int
	for step := 1; ; step++ {
		a, err := ag.Act(ctx, turn)
		if err != nil {
			t.Fatalf("%s step %d: %v", agent, step, err)
		}
		actions = append(actions, a.Index)
		s, err := env.Step(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if s.Info.Invalid {
			t.Fatalf("%s step %d: invalid action %v: %s", agent, step, a, s.Info.Error)
		}
		if len(regrets) < len(checkpoints) && step == checkpoints[len(regrets)] {
			v, _ := s.Info.Metrics.Get("cumulative_regret")
			regrets = append(regrets, v)
		}
		if s.Done() {
			break
		}
		turn = dojo.Turn{Step: step, Obs: s.Obs, Reward: s.Reward, Info: s.Info}
	}
	if len(regrets) != len(checkpoints) {
		t.Fatalf("episode ended before checkpoints %v", checkpoints)
	}
	return regrets, actions
}

// banditMeanRegret averages the cumulative regret at the checkpoints over
// runs seeds.
func banditMeanRegret(t testing.TB, id string, opts dojo.Options, agent string, runs int, checkpoints ...int) []float64 {
	t.Helper()
	env, err := banditRegistry(t).Make(id, opts)
	if err != nil {
		t.Fatal(err)
	}
	mean := make([]float64, len(checkpoints))
	for seed := range uint64(runs) {
		r, _ := banditEpisode(t, env, agent, 1000+seed, checkpoints...)
		for i, v := range r {
			mean[i] += v / float64(runs)
		}
	}
	return mean
}

// TestBanditRegretGrowth checks the regret curves theory predicts on
// stationary Bernoulli bandits, averaged over seeds: UCB1 and Thompson
// sampling have logarithmic regret, fixed-ε greedy and uniform play linear
// regret.
//
// Two measures of growth from the averaged curve R(t):
//   - ratio = R(10000)/R(1000): 10 for linear growth, ln 10000/ln 1000 ≈ 1.33
//     for logarithmic growth (the constant and the exploration phase before
//     the logarithmic regime pull it up a little);
//   - bend = [R(10000)−R(5000)]/ln 2 ÷ [R(5000)−R(2000)]/ln 2.5, the regret
//     per unit of ln t late versus earlier: 1 for R = a + b·ln t, and
//     (5000/ln 2)/(3000/ln 2.5) ≈ 2.2 for linear growth.
//
// The bend of the logarithmic agents is checked on a gap instance (one arm 0.65, the nine others
// 0.35), where the logarithmic regime starts before t = 2000 and the curve
// is smooth; on uniform means a few seeds with near-equal best arms add
// regret that is still linear at t = 10000 (it ends after ~1/Δ² pulls). On
// the gap instance the linear slopes are checked against theory too.
func TestBanditRegretGrowth(t *testing.T) {
	runs := 30
	if race.Enabled {
		runs = 10
	}
	checkpoints := []int{1000, 2000, 5000, 10000}
	type result struct {
		curve       []float64
		ratio, bend float64
	}
	for _, inst := range []struct {
		name string
		opts dojo.Options
		gap  bool
	}{
		{"uniform means", dojo.Options{"horizon": 10000}, false},
		{"gap 0.3", dojo.Options{"horizon": 10000, "gap": 0.3, "best_mean": 0.65}, true},
	} {
		t.Run(inst.name, func(t *testing.T) {
			results := map[string]result{}
			for _, agent := range []string{banditUniform, "epsilon-greedy", "ucb1", "thompson"} {
				c := banditMeanRegret(t, "bandit/Bernoulli-10-v0", inst.opts, agent, runs, checkpoints...)
				r := result{curve: c, ratio: c[3] / c[0], bend: ((c[3] - c[2]) / math.Ln2) / ((c[2] - c[1]) / math.Log(2.5))}
				results[agent] = r
				t.Logf("%-15s R(1000,2000,5000,10000) = %6.1f %6.1f %6.1f %6.1f  ratio %.2f  bend %.2f", agent, c[0], c[1], c[2], c[3], r.ratio, r.bend)
			}
			for _, agent := range []string{"ucb1", "thompson"} {
				if r := results[agent]; r.ratio > 3.5 || (inst.gap && r.bend > 1.4) {
					t.Errorf("%s: regret grows too fast for logarithmic regret: ratio %.2f (want ≤ 3.5; linear is 10), bend %.2f (want ≤ 1.4; linear is 2.2)", agent, r.ratio, r.bend)
				}
			}
			for _, agent := range []string{banditUniform, "epsilon-greedy"} {
				if r := results[agent]; r.bend < 1.8 {
					t.Errorf("%s: regret grows too slowly for linear regret: bend %.2f (want ≥ 1.8; logarithmic is 1)", agent, r.bend)
				}
			}
			if !inst.gap {
				if r := results[banditUniform]; r.ratio < 9 {
					t.Errorf("uniform play: ratio %.2f, want 10 (linear)", r.ratio)
				}
			} else {
				// Once greedy picks the best arm, uniform play loses the mean
				// gap, 0.3·9/10, per step and ε-greedy ε times that.
				for agent, want := range map[string]float64{banditUniform: 0.27, "epsilon-greedy": 0.1 * 0.27} {
					c := results[agent].curve
					if slope := (c[3] - c[2]) / 5000; math.Abs(slope-want) > 0.15*want {
						t.Errorf("%s: regret per step over steps 5001-10000 is %.4f, theory says %.4f", agent, slope, want)
					}
				}
			}
			th, ucb, uni := results["thompson"].curve[3], results["ucb1"].curve[3], results[banditUniform].curve[3]
			if !(th <= ucb && ucb <= uni/5) {
				t.Errorf("R(10000): thompson %.1f, ucb1 %.1f, uniform %.1f; want thompson ≤ ucb1 ≤ uniform/5", th, ucb, uni)
			}
		})
	}
}

// TestBanditGapInstance checks UCB1's regret against the gap-dependent
// bound of Auer et al. 2002 (Theorem 1): R(T) ≤ Σ_{a≠a*} 8 ln T/Δ + (1+π²/3)·Σ Δ.
func TestBanditGapInstance(t *testing.T) {
	runs := 20
	if race.Enabled {
		runs = 6
	}
	const k, gap, horizon = 5, 0.2, 5000
	opts := dojo.Options{"gap": gap, "best_mean": 0.7, "horizon": horizon}
	bound := (k-1)*8*math.Log(horizon)/gap + (1+math.Pi*math.Pi/3)*(k-1)*gap
	for _, agent := range []string{"ucb1", "thompson", "epsilon-greedy:eps=1,decay=5"} {
		r := banditMeanRegret(t, "bandit/Bernoulli-5-v0", opts, agent, runs, horizon)[0]
		t.Logf("%s: R(%d) = %.1f; UCB1 bound %.1f; uniform play %.1f", agent, horizon, r, bound, float64(horizon)*gap*(k-1)/k)
		if r > bound {
			t.Errorf("%s: mean regret %.1f over %d steps exceeds UCB1's bound %.1f", agent, r, horizon, bound)
		}
	}
}

// TestBanditLinUCB checks that LinUCB learns θ: it beats uniform play by
// far, and its regret flattens.
func TestBanditLinUCB(t *testing.T) {
	runs := 20
	if race.Enabled {
		runs = 6
	}
	checkpoints := []int{250, 1000, 2000}
	uni := banditMeanRegret(t, "bandit/Linear-10-v0", dojo.Options{"horizon": 2000}, banditUniform, runs, checkpoints...)
	for _, agent := range []string{"linucb", "linucb:model=disjoint", "linucb:alpha=0.5,lambda=2"} {
		c := banditMeanRegret(t, "bandit/Linear-10-v0", dojo.Options{"horizon": 2000}, agent, runs, checkpoints...)
		t.Logf("%-25s R(250,1000,2000) = %7.2f %7.2f %7.2f (uniform %7.1f %7.1f %7.1f)", agent, c[0], c[1], c[2], uni[0], uni[1], uni[2])
		if c[2] > uni[2]/20 {
			t.Errorf("%s: R(2000) = %.1f, want at most a twentieth of uniform play's %.1f", agent, c[2], uni[2])
		}
		if late, early := c[2]-c[1], c[1]; late > early/2 {
			t.Errorf("%s: regret does not flatten: %.2f over steps 1001-2000, %.2f over steps 1-1000", agent, late, early)
		}
	}
	// Thompson sampling ignores the features: on a contextual bandit it
	// is no better than uniform play, which is why linucb exists.
	c := banditMeanRegret(t, "bandit/Linear-10-v0", dojo.Options{"horizon": 2000}, "thompson", runs, checkpoints...)
	if c[2] < uni[2]/2 {
		t.Errorf("thompson on Linear-10: R(2000) = %.1f, uniform %.1f: a context-free agent should not do much better", c[2], uni[2])
	}
}

// TestBanditOtherEnvs runs the agents where their priors are not Bernoulli:
// Gaussian rewards (thompson picks its Gaussian posterior) and drifting
// means.
func TestBanditOtherEnvs(t *testing.T) {
	runs := 10
	if race.Enabled {
		runs = 4
	}
	uni := banditMeanRegret(t, "bandit/Gaussian-10-v0", dojo.Options{"horizon": 3000}, banditUniform, runs, 3000)[0]
	for _, agent := range []string{"thompson", "thompson:prior=gaussian,sigma=1,tau=1", "ucb1:c=3", "epsilon-greedy"} {
		r := banditMeanRegret(t, "bandit/Gaussian-10-v0", dojo.Options{"horizon": 3000}, agent, runs, 3000)[0]
		if r > uni/5 {
			t.Errorf("%s on Gaussian-10: R(3000) = %.1f, uniform %.1f; want at most a fifth", agent, r, uni)
		}
	}
	uni = banditMeanRegret(t, "bandit/Drifting-10-v0", dojo.Options{"horizon": 3000}, banditUniform, runs, 3000)[0]
	for _, agent := range []string{"thompson", "ucb1", "epsilon-greedy"} {
		r := banditMeanRegret(t, "bandit/Drifting-10-v0", dojo.Options{"horizon": 3000}, agent, runs, 3000)[0]
		if r > uni/2 {
			t.Errorf("%s on Drifting-10: R(3000) = %.1f, uniform %.1f; want at most half", agent, r, uni)
		}
	}
}

// banditDrive feeds an agent on a 2-armed spec rewards from pay and returns
// its first n actions.
func banditDrive(t *testing.T, agent string, n int, pay func(arm int) float64) []int {
	t.Helper()
	ctx := context.Background()
	m, err := agents.New(agent)
	if err != nil {
		t.Fatal(err)
	}
	spec := dojo.Spec{ID: "test/Two-v0", Action: dojo.Discrete(2)}
	ag, err := m.NewAgent(ctx, dojo.EpisodeStart{Seed: 1, Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	turn := dojo.Turn{}
	for i := range n {
		a, err := ag.Act(ctx, turn)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a.Index)
		turn = dojo.Turn{Step: i + 1, Reward: pay(a.Index)}
	}
	return out
}

// TestBanditByHand checks decisions computed by hand. Arm 0 always pays 1,
// arm 1 never pays.
func TestBanditByHand(t *testing.T) {
	pay := func(arm int) float64 { return float64(1 - arm) }
	// UCB1 with c=1 pulls each arm once, then arm 0 while
	// 1 + sqrt(ln t/(t-1)) ≥ sqrt(ln t) (t pulls so far): at t = 9,
	// 1.524 ≥ 1.482; at t = 10, 1.506 < 1.517, so pull 11 is arm 1.
	want := []int{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}
	if diff := cmp.Diff(want, banditDrive(t, "ucb1:c=1", 12, pay)); diff != "" {
		t.Errorf("ucb1:c=1 actions (-want +got):\n%s", diff)
	}
	// Greedy (ε = 0): each arm once, then the better one for ever.
	want = []int{0, 1, 0, 0, 0, 0, 0, 0}
	if diff := cmp.Diff(want, banditDrive(t, "epsilon-greedy:eps=0", 8, pay)); diff != "" {
		t.Errorf("epsilon-greedy:eps=0 actions (-want +got):\n%s", diff)
	}
	// ε = 1 is uniform: about half of the pulls go to each arm.
	got := banditDrive(t, "epsilon-greedy:eps=1", 2000, pay)
	if ones := banditCount(got, 1); ones < 900 || ones > 1100 {
		t.Errorf("epsilon-greedy:eps=1 pulled arm 1 %d times of 2000, want about 1000", ones)
	}
	// Decaying ε: min(1, 1·2/t) explores less and less.
	got = banditDrive(t, "epsilon-greedy:eps=1,decay=1", 2000, pay)
	if ones := banditCount(got, 1); ones > 40 {
		t.Errorf("epsilon-greedy:eps=1,decay=1 pulled the bad arm %d times of 2000, want few (about 2 ln 2000 / 2 ≈ 8)", ones)
	}
	for _, agent := range []string{"thompson", "thompson:prior=beta", "thompson:prior=gaussian"} {
		got := banditDrive(t, agent, 500, pay)
		if ones := banditCount(got[100:], 1); ones > 10 {
			t.Errorf("%s pulled the arm that never pays %d times in steps 101-500", agent, ones)
		}
	}
}

func banditCount(xs []int, v int) int {
	n := 0
	for _, x := range xs {
		if x == v {
			n++
		}
	}
	return n
}

// TestBanditLinUCBByHand drives LinUCB on a one-dimensional problem: arm
// features ±1 swap every step and θ = 1, so the arm with feature +1 pays.
func TestBanditLinUCBByHand(t *testing.T) {
	for _, model := range []string{"shared", "disjoint"} {
		t.Run(model, func(t *testing.T) {
			ctx := context.Background()
			m, err := agents.New("linucb:model=" + model)
			if err != nil {
				t.Fatal(err)
			}
			spec := dojo.Spec{ID: "test/Line-v0", Action: dojo.Discrete(2),
				Observation: dojo.Space{Kind: dojo.KindBox, Shape: []int{2, 1}, Low: -1, High: 1}}
			ag, err := m.NewAgent(ctx, dojo.EpisodeStart{Seed: 1, Spec: spec})
			if err != nil {
				t.Fatal(err)
			}
			feat := []float64{1, -1}
			turn := dojo.Turn{Obs: dojo.Obs{Value: feat}}
			wrong := 0
			for i := range 200 {
				a, err := ag.Act(ctx, turn)
				if err != nil {
					t.Fatal(err)
				}
				r := feat[a.Index] // x·θ with θ = 1
				if r < 0 && i >= 20 {
					wrong++
				}
				feat[0], feat[1] = feat[1], feat[0]
				turn = dojo.Turn{Step: i + 1, Obs: dojo.Obs{Value: feat}, Reward: r}
			}
			if wrong > 0 {
				t.Errorf("linucb (%s) pulled the paying-nothing arm %d times after step 20", model, wrong)
			}
			// A wrong observation is an error, not a panic.
			if _, err := ag.Act(ctx, dojo.Turn{Step: 201, Obs: dojo.Obs{Value: []float64{1, 2, 3}}}); err == nil || !strings.Contains(err.Error(), "K×d = 2") {
				t.Errorf("linucb on 3 features for 2×1: %v, want an error naming the expected size", err)
			}
		})
	}
}

// TestBanditDeterministic checks that an agent's actions depend only on the
// episode seed: two makers, two agents, same seed, same actions; and that
// each episode starts afresh.
func TestBanditDeterministic(t *testing.T) {
	reg := banditRegistry(t)
	for _, tt := range []struct{ agent, id string }{
		{"epsilon-greedy", "bandit/Bernoulli-10-v0"},
		{"ucb1", "bandit/Bernoulli-10-v0"},
		{"thompson", "bandit/Bernoulli-10-v0"},
		{"thompson", "bandit/Gaussian-10-v0"},
		{"linucb", "bandit/Linear-10-v0"},
	} {
		t.Run(tt.agent+"/"+tt.id, func(t *testing.T) {
			env, err := reg.Make(tt.id, dojo.Options{"horizon": 300})
			if err != nil {
				t.Fatal(err)
			}
			_, a := banditEpisode(t, env, tt.agent, 5)
			_, b := banditEpisode(t, env, tt.agent, 6)
			_, c := banditEpisode(t, env, tt.agent, 5)
			if diff := cmp.Diff(a, c); diff != "" {
				t.Errorf("seed 5 twice gave different actions (-first +again):\n%s", diff)
			}
			if cmp.Equal(a, b) {
				t.Errorf("seeds 5 and 6 gave the same %d actions", len(a))
			}
			// One maker, two agents: the second starts from scratch.
			ctx := context.Background()
			m, _ := agents.New(tt.agent)
			spec := env.Spec()
			obs, _, _ := env.Reset(ctx, 5)
			first, _ := m.NewAgent(ctx, dojo.EpisodeStart{Seed: 5, Spec: spec})
			for range 50 {
				first.Act(ctx, dojo.Turn{Step: 1, Obs: obs, Reward: 1})
			}
			second, _ := m.NewAgent(ctx, dojo.EpisodeStart{Seed: 5, Spec: spec})
			got, _ := second.Act(ctx, dojo.Turn{Obs: obs})
			if got.Index != a[0] {
				t.Errorf("a second agent of the same maker chose %d first, a fresh one %d", got.Index, a[0])
			}
		})
	}
}

func TestBanditRejects(t *testing.T) {
	ctx := context.Background()
	textSpec := dojo.Spec{ID: "chat/Talk-v0", Action: dojo.Space{Kind: dojo.KindText}}
	for _, name := range []string{"epsilon-greedy", "ucb1", "thompson", "linucb"} {
		m, err := agents.New(name)
		if err != nil {
			t.Fatal(err)
		}
		_, err = m.NewAgent(ctx, dojo.EpisodeStart{Spec: textSpec})
		if err == nil || dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), "discrete") || !strings.Contains(err.Error(), "chat/Talk-v0") {
			t.Errorf("%s on a text action space: %v, want a %q error naming the env and asking for a discrete action space", name, err, dojo.CodeInvalid)
		}
	}
	spec, _ := banditRegistry(t).Spec("bandit/Bernoulli-10-v0")
	m, _ := agents.New("linucb")
	if _, err := m.NewAgent(ctx, dojo.EpisodeStart{Spec: spec}); err == nil || !strings.Contains(err.Error(), "K×d") {
		t.Errorf("linucb on Bernoulli-10: %v, want an error asking for K×d features", err)
	}
}

func TestBanditParams(t *testing.T) {
	tests := []struct {
		spec string
		want []string // substrings of the error; none: no error
	}{
		{"epsilon-greedy", nil},
		{"epsilon-greedy:eps=0.3,decay=2", nil},
		{"epsilon-greedy:eps=2", []string{"eps=2", "out of range", "0 ≤ eps ≤ 1"}},
		{"epsilon-greedy:eps=lots", []string{`eps="lots"`, "not a number"}},
		{"epsilon-greedy:decay=-1", []string{"decay", "out of range"}},
		{"ucb1:c=2", nil},
		{"ucb1:c=NaN", []string{"not a number"}},
		{"ucb1:alpha=1", []string{`unknown parameter "alpha"`, "parameters: c"}},
		{"thompson:prior=gaussian,sigma=0.5,tau=2", nil},
		{"thompson:prior=dirichlet", []string{`prior="dirichlet"`, "auto, beta, gaussian"}},
		{"thompson:sigma=0", []string{"sigma", "out of range"}},
		{"linucb:alpha=0.1,lambda=0.5,model=disjoint", nil},
		{"linucb:model=hybrid", []string{"model", "shared, disjoint"}},
		{"linucb:lambda=0", []string{"lambda", "out of range"}},
		{"linucb:beta=1", []string{`unknown parameter "beta"`, "alpha, lambda, model"}},
	}
	for _, tt := range tests {
		_, err := agents.New(tt.spec)
		if tt.want == nil {
			if err != nil {
				t.Errorf("New(%q): %v", tt.spec, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("New(%q) succeeded, want an error", tt.spec)
			continue
		}
		if dojo.ErrorCode(err) != dojo.CodeInvalid {
			t.Errorf("New(%q): code %q, want %q", tt.spec, dojo.ErrorCode(err), dojo.CodeInvalid)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("New(%q): error %q does not mention %q", tt.spec, err, w)
			}
		}
	}
	listed := map[string]bool{}
	for _, info := range agents.List() {
		listed[info.Name] = info.Doc != ""
	}
	for _, name := range []string{"epsilon-greedy", "ucb1", "thompson", "linucb"} {
		if !listed[name] {
			t.Errorf("List lacks %s or its doc", name)
		}
	}
}

// ExampleNew_bandit compares two bandit baselines on the same instance.
func ExampleNew_bandit() {
	reg := new(dojo.Registry)
	if err := bandit.Register(reg); err != nil {
		panic(err)
	}
	ctx := context.Background()
	for _, name := range []string{"ucb1", "thompson"} {
		env, err := reg.Make("bandit/Bernoulli-10-v0", dojo.Options{"horizon": 2000})
		if err != nil {
			panic(err)
		}
		maker, err := agents.New(name)
		if err != nil {
			panic(err)
		}
		agent, err := maker.NewAgent(ctx, dojo.EpisodeStart{Seed: 1, Spec: env.Spec(), Env: env})
		if err != nil {
			panic(err)
		}
		obs, info, _ := env.Reset(ctx, 1)
		turn := dojo.Turn{Obs: obs, Info: info}
		for {
			a, err := agent.Act(ctx, turn)
			if err != nil {
				panic(err)
			}
			s, err := env.Step(ctx, a)
			if err != nil {
				panic(err)
			}
			if s.Done() {
				regret, _ := s.Info.Metrics.Get("cumulative_regret")
				fmt.Printf("%-8s regret %5.1f success %v\n", name, regret, s.Info.Success)
				break
			}
			turn = dojo.Turn{Step: turn.Step + 1, Obs: s.Obs, Reward: s.Reward, Info: s.Info}
		}
	}
	// Output:
	// ucb1     regret 209.2 success true
	// thompson regret  12.3 success true
}
