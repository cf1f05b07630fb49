package reward_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

func spec() *dojo.Spec {
	return &dojo.Spec{
		ID: "test/R-v0",
		Rewards: []dojo.Component{
			{Name: "success", Shaped: 1},
			{Name: "potential", Shaped: 1},
			{Name: "step_cost", Shaped: 0.01},
		},
		Profiles:       map[string]map[string]float64{"cost": {"step_cost": 1}},
		DefaultProfile: "cost",
	}
}

func TestPartsUnderProfiles(t *testing.T) {
	tests := []struct {
		profile any
		want    float64
	}{
		{nil, -1},                  // default "cost"
		{"sparse", 1},              // success only
		{"shaped", 1 + 0.5 - 0.01}, // documented weights
		{map[string]float64{"potential": 2}, 1},
	}
	for _, tc := range tests {
		p, err := reward.New(spec(), dojo.Options{dojo.RewardOption: tc.profile})
		if err != nil {
			t.Fatal(err)
		}
		p.Set(0, 1)
		p.Set(1, 0.5)
		p.Set(2, -1)
		if got := p.Sum(); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("profile %v: reward %v, want %v", tc.profile, got, tc.want)
		}
		if got := dojo.Sum(p.Parts()); got != p.Sum() {
			t.Errorf("Parts do not sum to Sum")
		}
		p.Reset()
		if p.Sum() != 0 || p.Value(0) != 0 {
			t.Errorf("Reset left values")
		}
	}
	if _, err := reward.New(spec(), dojo.Options{dojo.RewardOption: "nope"}); err == nil {
		t.Errorf("unknown profile accepted")
	}
	if reward.Index(spec(), "step_cost") != 2 {
		t.Errorf("Index")
	}
}

// TestMiniGrid checks values MiniGrid's _reward gives (Python's
// 1 - 0.9 * (t / T)), to the bit; envs/gridworld/minigrid checks every
// t ≤ T ≤ 1000.
func TestMiniGrid(t *testing.T) {
	tests := []struct {
		t, T int
		want float64
	}{
		{10, 100, 0.91},
		{2, 5, 0.6399999999999999},
		{4, 7, 0.48571428571428577},
		{9, 9, 0.09999999999999998},
	}
	for _, tc := range tests {
		if got := reward.MiniGrid(tc.t, tc.T); math.Float64bits(got) != math.Float64bits(tc.want) {
			t.Errorf("MiniGrid(%d, %d) = %v, want %v", tc.t, tc.T, got, tc.want)
		}
	}
}

// TestPotentialShapingKeepsOptimalPolicies checks Ng et al.'s theorem on
// random MDPs: adding γΦ(s')−Φ(s) to every reward leaves the optimal greedy
// actions unchanged, while adding a non-potential bonus to one action does
// change some (so the comparison can fail).
func TestPotentialShapingKeepsOptimalPolicies(t *testing.T) {
	const gamma = 0.9
	changedByBonus := 0
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 7))
		m := randomMDP(rng, 12, 3)
		phi := make([]float64, m.NS)
		for s := range phi {
			phi[s] = rng.Float64()*10 - 5
		}
		shaped := transform(m, func(s, a int, o dojo.Outcome) float64 {
			return o.Reward + reward.Potential(gamma, phi[s], phi[o.Next], o.Terminated)
		})
		bonus := transform(m, func(s, a int, o dojo.Outcome) float64 {
			if a == 0 {
				return o.Reward + 3
			}
			return o.Reward
		})
		v, _ := m.ValueIteration(gamma, 1e-12)
		vs, _ := shaped.ValueIteration(gamma, 1e-12)
		vb, _ := bonus.ValueIteration(gamma, 1e-12)
		for s := range m.NS {
			best, bestShaped := argmax(m, v, gamma, s), argmax(shaped, vs, gamma, s)
			if fmt.Sprint(best) != fmt.Sprint(bestShaped) {
				t.Fatalf("seed %d state %d: optimal actions %v, with potential shaping %v", seed, s, best, bestShaped)
			}
			// Theory: V_shaped(s) = V(s) − Φ(s).
			if math.Abs(vs[s]-(v[s]-phi[s])) > 1e-6 {
				t.Fatalf("seed %d state %d: V_shaped %v, want V−Φ = %v", seed, s, vs[s], v[s]-phi[s])
			}
			if fmt.Sprint(best) != fmt.Sprint(argmax(bonus, vb, gamma, s)) {
				changedByBonus++
			}
		}
	}
	if changedByBonus == 0 {
		t.Errorf("a non-potential bonus never changed a policy: the comparison cannot fail")
	}
}

func randomMDP(rng *rand.Rand, ns, na int) *dojo.MDP {
	m := &dojo.MDP{NS: ns, NA: na, InitialStateDistrib: make([]float64, ns), P: make([][][]dojo.Outcome, ns)}
	m.InitialStateDistrib[0] = 1
	for s := range ns {
		m.P[s] = make([][]dojo.Outcome, na)
		for a := range na {
			k := 1 + rng.IntN(3)
			for range k {
				m.P[s][a] = append(m.P[s][a], dojo.Outcome{
					Prob: 1 / float64(k), Next: rng.IntN(ns),
					Reward: math.Round(rng.Float64()*4) - 2, Terminated: rng.IntN(8) == 0,
				})
			}
		}
	}
	return m
}

func transform(m *dojo.MDP, r func(s, a int, o dojo.Outcome) float64) *dojo.MDP {
	c := *m
	c.P = make([][][]dojo.Outcome, m.NS)
	for s := range m.NS {
		c.P[s] = make([][]dojo.Outcome, m.NA)
		for a := range m.NA {
			for _, o := range m.P[s][a] {
				o.Reward = r(s, a, o)
				c.P[s][a] = append(c.P[s][a], o)
			}
		}
	}
	return &c
}

// argmax returns the set of optimal actions in s, with a tolerance.
func argmax(m *dojo.MDP, v []float64, gamma float64, s int) []int {
	best := math.Inf(-1)
	for a := range m.NA {
		best = math.Max(best, m.Q(v, gamma, s, a))
	}
	var out []int
	for a := range m.NA {
		if m.Q(v, gamma, s, a) > best-1e-7 {
			out = append(out, a)
		}
	}
	return out
}

func ExamplePotential() {
	// Moving from distance 3 to distance 2 from the goal, with Φ = −distance.
	fmt.Printf("%.2f\n", reward.Potential(0.99, -3, -2, false))
	// Reaching a terminal state: Φ(terminal) = 0.
	fmt.Printf("%.2f\n", reward.Potential(0.99, -1, -7, true))
	// Output:
	// 1.02
	// 1.00
}
