package audit_test

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/reward/audit"
)

// randomModel is a random MDP of nS states and nA actions, each action
// with up to three outcomes, some terminating.
func randomModel(rng *rand.Rand, nS, nA int) *audit.Model {
	m := &dojo.MDP{NS: nS, NA: nA, P: make([][][]dojo.Outcome, nS), InitialStateDistrib: make([]float64, nS)}
	m.InitialStateDistrib[0] = 1
	n := 0
	for s := range nS {
		m.P[s] = make([][]dojo.Outcome, nA)
		for a := range nA {
			k := 1 + rng.IntN(3)
			left := 1.0
			for j := range k {
				p := left
				if j < k-1 {
					p = left * rng.Float64()
				}
				left -= p
				m.P[s][a] = append(m.P[s][a], dojo.Outcome{Prob: p, Next: rng.IntN(nS), Terminated: rng.IntN(8) == 0})
				n++
			}
		}
	}
	p := &dojo.ModelParts{Components: []string{"success"}, Values: make([]float64, n), MaxSteps: 10, Gamma: 0.9}
	mm, err := audit.NewModel(m, p)
	if err != nil {
		panic(err)
	}
	return mm
}

func randomReward(rng *rand.Rand, n int) []float64 {
	r := make([]float64, n)
	for i := range r {
		r[i] = rng.NormFloat64()
	}
	return r
}

// shaped returns r + γΦ(s') − Φ(s), with Φ(s') = 0 on terminating outcomes.
func shaped(m *audit.Model, r, phi []float64, gamma float64) []float64 {
	out := make([]float64, len(r))
	i := 0
	for s := range m.MDP.NS {
		for a := range m.MDP.NA {
			for _, o := range m.MDP.P[s][a] {
				next := phi[o.Next]
				if o.Terminated {
					next = 0
				}
				out[i] = r[i] + gamma*next - phi[s]
				i++
			}
		}
	}
	return out
}

func dist(t *testing.T, m *audit.Model, a, b []float64, gamma float64) float64 {
	t.Helper()
	d, err := m.Distance(a, b, gamma)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestSTARCProperties(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 20 {
		m := randomModel(rng, 3+rng.IntN(10), 2+rng.IntN(3))
		gamma := []float64{0, 0.5, 0.9, 0.99}[trial%4]
		n := m.Outcomes()
		r1, r2, r3 := randomReward(rng, n), randomReward(rng, n), randomReward(rng, n)
		phi := randomReward(rng, m.MDP.NS)
		for i := range phi {
			phi[i] *= 10
		}
		// A reward and its potential-shaped version: distance 0.
		if d := dist(t, m, r1, shaped(m, r1, phi, gamma), gamma); d > 1e-9 {
			t.Errorf("trial %d: d(R, R shaped) = %g, want 0", trial, d)
		}
		// Positive scaling (of either side, with shaping) changes nothing.
		d12 := dist(t, m, r1, r2, gamma)
		scaled := shaped(m, r2, phi, gamma)
		for i := range scaled {
			scaled[i] *= 7.5
		}
		if d := dist(t, m, r1, scaled, gamma); math.Abs(d-d12) > 1e-9 {
			t.Errorf("trial %d: d(R1, 7.5·R2 + shaping) = %v, d(R1, R2) = %v", trial, d, d12)
		}
		// Negation: distance 1 (unless c(R) = 0).
		neg := make([]float64, n)
		for i := range neg {
			neg[i] = -r1[i]
		}
		if d := dist(t, m, r1, neg, gamma); math.Abs(d-1) > 1e-9 {
			t.Errorf("trial %d: d(R, −R) = %v, want 1", trial, d)
		}
		// Symmetry and the triangle inequality.
		if d := dist(t, m, r2, r1, gamma); math.Abs(d-d12) > 1e-12 {
			t.Errorf("trial %d: d(R2, R1) = %v ≠ d(R1, R2) = %v", trial, d, d12)
		}
		d13, d23 := dist(t, m, r1, r3, gamma), dist(t, m, r2, r3, gamma)
		if d13 > d12+d23+1e-12 || d12 < 0 || d12 > 1 {
			t.Errorf("trial %d: d13 %v > d12 %v + d23 %v, or d12 outside [0, 1]", trial, d13, d12, d23)
		}
	}
}

// TestSTARCProfiles: on FrozenLake, shaped (success + potential) is at
// distance 0 from sparse — the invalid weight is not in the model — while
// a step cost that changes the optimum and gym's hole-blind reward are not.
func TestSTARCProfiles(t *testing.T) {
	t.Parallel()
	reg := envs.Default()
	env, err := reg.Make("gridworld/FrozenLake8x8-v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dojo.Close(env)
	spec := env.Spec()
	m, err := audit.FromEnv(context.Background(), env, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	rew := func(v any) []float64 {
		p, err := audit.NewProfile(&spec, "p", v)
		if err != nil {
			t.Fatal(err)
		}
		r, err := m.Rewards(p)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	sparse, shapedR, cost := rew("sparse"), rew("shaped"), rew("shaped+cost")
	if d := dist(t, m, sparse, shapedR, 0.99); d > 1e-9 {
		t.Errorf("d(sparse, shaped) = %g, want 0", d)
	}
	if d := dist(t, m, sparse, cost, 0.99); d < 0.05 {
		t.Errorf("d(sparse, shaped+cost) = %g, want clearly positive (its optimum differs)", d)
	}
	// A reward that prefers the holes: different optimum, positive distance.
	holes := rew(map[string]float64{"success": -1})
	if d := dist(t, m, sparse, holes, 0.99); d < 0.5 {
		t.Errorf("d(sparse, −sparse) = %g, want 1", d)
	}

	// A user's table giving 1 on entering the goal (state 63) from 55 and
	// 62: sparse's reward exactly, so at distance 0.
	dir := t.TempDir()
	path := filepath.Join(dir, "goal.json")
	if err := os.WriteFile(path, []byte(`{"default": 0, "rewards": [[55, 1, 63, 1], [55, 2, 63, 1], [55, 0, 63, 1], [62, 2, 63, 1], [62, 1, 63, 1], [62, 3, 63, 1]]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tab, err := audit.ReadTable(path)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := m.TableRewards(tab)
	if err != nil {
		t.Fatal(err)
	}
	if d := dist(t, m, sparse, tr, 0.99); d > 1e-9 {
		t.Errorf("d(sparse, its table) = %g, want 0", d)
	}
	for _, bad := range []string{
		`{"rewards": [[0, 9, 1, 1]]}`,
		`{"rewards": [[0, 0, 63, 1]]}`,
		`{"rewards": [[0.5, 0, 1, 1]]}`,
		`{"rewards": [[0, 0, 0, 1], [0, 0, 0, 2]]}`,
		`{"default": 0}`,
		`[1, 2]`,
	} {
		if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		tab, err := audit.ReadTable(path)
		if err == nil {
			_, err = m.TableRewards(tab)
		}
		if err == nil {
			t.Errorf("table %s accepted", bad)
		} else {
			t.Logf("%s: %v", bad, err)
		}
	}
	if _, err := m.Distance(sparse, shapedR, 1); err == nil {
		t.Error("γ = 1 accepted")
	}
}

// TestFiniteDistance checks the STARC distance on the finite-horizon model:
// the envs' potential shaping (Φ(s') = 0 at the step limit too) is at
// distance 0 from the unshaped reward, on a toy-text world, a MiniGrid
// world (with its step-dependent minigrid term) and a bandit (whose regret
// is the expected payout less a constant per pull); positive scaling keeps
// the distance; a reward with another optimum is at a positive distance;
// a reward and its negation at 1.
func TestFiniteDistance(t *testing.T) {
	t.Parallel()
	reg := envs.Default()
	dist := func(c auditCase, a, b any, gamma float64) float64 {
		t.Helper()
		m, spec := model(t, reg, c)
		sr := func(v any) audit.StepReward {
			p, err := audit.NewProfile(&spec, "p", v)
			if err != nil {
				t.Fatal(err)
			}
			r, err := m.StepRewards(p)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		d, err := m.FiniteDistance(sr(a), sr(b), gamma)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	lake := auditCase{"gridworld/FrozenLake8x8-v1", nil, 0}
	door := auditCase{"gridworld/DoorKey-5x5-v0", nil, 2}
	bern := auditCase{"bandit/Bernoulli-5-v0", dojo.Options{"horizon": 60}, 1}
	for _, c := range []struct {
		name  string
		c     auditCase
		a, b  any
		gamma float64
		lo    float64
		hi    float64
	}{
		{"lake sparse/shaped", lake, "sparse", "shaped", 0.99, 0, 1e-9},
		{"door sparse/potential", door, "sparse", map[string]float64{"success": 1, "potential": 1}, 0.99, 0, 1e-9},
		{"door minigrid/shaped", door, "minigrid", "shaped", 0.99, 0, 1e-9},
		{"door minigrid/3·minigrid+potential", door, "minigrid", map[string]float64{"minigrid": 3, "potential": 3}, 0.99, 0, 1e-9},
		{"bandit payout/regret", bern, "native", map[string]float64{"regret": 1}, 1, 0, 1e-9},
		{"lake sparse/shaped+cost", lake, "sparse", "shaped+cost", 0.99, 0.1, 1},
		{"door sparse/minigrid", door, "sparse", "minigrid", 0.99, 0.01, 1},
		{"door sparse/−sparse", door, "sparse", map[string]float64{"success": -1}, 0.99, 1 - 1e-9, 1 + 1e-9},
	} {
		d := dist(c.c, c.a, c.b, c.gamma)
		t.Logf("%s: %v", c.name, d)
		if d < c.lo || d > c.hi {
			t.Errorf("%s: distance %v, want in [%v, %v]", c.name, d, c.lo, c.hi)
		}
	}
	// A user's table is the same reward at every step.
	m, spec := model(t, reg, lake)
	p, _ := audit.NewProfile(&spec, "sparse", "sparse")
	r, _ := m.Rewards(p)
	sp, _ := m.StepRewards(p)
	if d, err := m.FiniteDistance(audit.FixedReward(r), sp, 0.99); err != nil || d > 1e-12 {
		t.Errorf("sparse as a table against sparse: %v, %v", d, err)
	}
	if _, err := m.FiniteDistance(sp, sp, 1.5); err == nil {
		t.Error("gamma 1.5 accepted")
	}
}
