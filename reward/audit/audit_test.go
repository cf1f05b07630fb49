package audit_test

import (
	"math"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/reward/audit"
)

// tabular lists every registered env with an exact model with parts, made
// with its defaults, plus variants of their options.
func tabular(t *testing.T) (*dojo.Registry, []struct {
	id   string
	opts dojo.Options
}) {
	t.Helper()
	reg := envs.Default()
	var out []struct {
		id   string
		opts dojo.Options
	}
	for _, s := range reg.Specs() {
		e, err := reg.Make(s.ID, nil)
		if err != nil {
			continue
		}
		_, ok := e.(dojo.PartsModel)
		dojo.Close(e)
		if ok {
			out = append(out, struct {
				id   string
				opts dojo.Options
			}{s.ID, nil})
		}
	}
	if len(out) < 4 {
		t.Fatalf("%d envs with a model with parts, want at least the 4 toy-text worlds", len(out))
	}
	more := []struct {
		id   string
		opts dojo.Options
	}{
		{"gridworld/FrozenLake-v1", dojo.Options{"is_slippery": false}},
		{"gridworld/FrozenLake-v1", dojo.Options{"random_map": 6, "map_seed": 3, "gamma": 0.9}},
		{"gridworld/FrozenLake-v1", dojo.Options{"max_steps": 12}},
		{"gridworld/CliffWalking-v0", dojo.Options{"is_slippery": true}},
		{"gridworld/Taxi-v3", dojo.Options{"is_rainy": true}},
	}
	return reg, append(out, more...)
}

func audited(t *testing.T, reg *dojo.Registry, id string, opts dojo.Options, ps ...audit.Profile) (*audit.Report, dojo.Spec) {
	t.Helper()
	env, err := reg.Make(id, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer dojo.Close(env)
	spec := env.Spec()
	m, err := audit.FromEnv(env)
	if err != nil {
		t.Fatal(err)
	}
	if ps == nil {
		if ps, err = audit.BuiltIn(&spec); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := audit.Audit(m, m.Parts.Gamma, ps)
	if err != nil {
		t.Fatal(err)
	}
	return rep, spec
}

// TestAuditShapedPreservesOptimum audits every built-in profile of every
// env with an exact model and fails on a shaped profile whose optimal
// policy is not optimal for the sparse task at some state and step.
func TestAuditShapedPreservesOptimum(t *testing.T) {
	t.Parallel()
	reg, cases := tabular(t)
	for _, c := range cases {
		rep, spec := audited(t, reg, c.id, c.opts)
		if rep.Optimum.Success <= 0 || rep.Optimum.Success > 1+1e-12 || rep.Optimum.Return <= 0 {
			t.Errorf("%s %v: sparse optimum success %v return %v", c.id, c.opts, rep.Optimum.Success, rep.Optimum.Return)
		}
		if len(rep.Profiles) != 2+len(spec.Profiles) {
			t.Errorf("%s: %d profiles audited, want sparse, shaped and %d presets", c.id, len(rep.Profiles), len(spec.Profiles))
		}
		for _, r := range rep.Profiles {
			t.Logf("%s %v: %-12s success %.4f (optimum %.4f) return %.4f loss %.3g suboptimal %d", c.id, c.opts, r.Profile, r.Success, rep.Optimum.Success, r.Return, r.Loss, r.Suboptimal)
			switch r.Profile {
			case "sparse", "shaped":
				if !r.Preserves || r.Loss != 0 || r.SuccessChange != 0 {
					t.Errorf("%s %v: profile %s: %s (loss %v, success change %v, %d suboptimal decisions)", c.id, c.opts, r.Profile, r.Verdict, r.Loss, r.SuccessChange, r.Suboptimal)
				}
			}
		}
	}
}

// TestAuditCatchesStepCost: the step cost −0.01 of earlier versions'
// shaped profile, given as a weight map, changes the optimum of slippery
// FrozenLake 8x8: its optimal policy walks into holes.
func TestAuditCatchesStepCost(t *testing.T) {
	t.Parallel()
	reg := envs.Default()
	spec, err := reg.Spec("gridworld/FrozenLake8x8-v1")
	if err != nil {
		t.Fatal(err)
	}
	old, err := audit.NewProfile(&spec, "old shaped", map[string]float64{"success": 1, "potential": 1, "step_cost": 0.01, "invalid": 0.1})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := audited(t, reg, "gridworld/FrozenLake8x8-v1", nil, old)
	r := rep.Profiles[0]
	if r.Preserves || r.Suboptimal == 0 || r.Loss < 0.1 {
		t.Errorf("old shaped weights: %s (loss %v, %d suboptimal); want the optimum changed", r.Verdict, r.Loss, r.Suboptimal)
	}
	if r.SuccessChange > -0.3 || rep.Optimum.Success < 0.8 {
		t.Errorf("old shaped weights: success %.4f against the optimum %.4f; want a drop of more than 30 points", r.Success, rep.Optimum.Success)
	}
}

// TestAuditHandComputed checks the audit's numbers on worlds solved by
// hand.
func TestAuditHandComputed(t *testing.T) {
	t.Parallel()
	reg := envs.Default()
	// Deterministic CliffWalking: the shortest path takes 13 steps, so the
	// sparse optimum is γ^12 and succeeds surely.
	rep, _ := audited(t, reg, "gridworld/CliffWalking-v0", nil)
	if want := math.Pow(0.99, 12); math.Abs(rep.Optimum.Return-want) > 1e-12 || rep.Optimum.Success != 1 {
		t.Errorf("CliffWalking optimum: return %v success %v, want %v and 1", rep.Optimum.Return, rep.Optimum.Success, want)
	}
	// The same with a step limit of 12: the goal is out of reach.
	rep, _ = audited(t, reg, "gridworld/CliffWalking-v0", dojo.Options{"max_steps": 13})
	if rep.Optimum.Success != 1 {
		t.Errorf("CliffWalking, 13 steps: success %v, want 1", rep.Optimum.Success)
	}
	rep, _ = audited(t, reg, "gridworld/CliffWalking-v0", dojo.Options{"max_steps": 12})
	if rep.Optimum.Success != 0 || rep.Optimum.Return != 0 {
		t.Errorf("CliffWalking, 12 steps: success %v return %v, want 0", rep.Optimum.Success, rep.Optimum.Return)
	}
	// A two-state chain: from state 0, action 0 succeeds with probability
	// 1/2 (else it falls, terminating) and action 1 reaches state 1 with
	// certainty, from which action 0 or 1 succeeds surely. Sparse with γ:
	// a0 = 0.5, a1 = γ. A step cost c per step prefers a0 when
	// 0.5 − c > γ − 2c... with γ = 0.9 and c = 0.5: a0 = 0.5−0.5 = 0,
	// a1 = −0.5 + 0.9·(1 − 0.5) = −0.05: the cost changes the optimum.
	m := chain(0.9)
	sparse, _ := m.Sparse()
	cost := audit.Profile{Name: "cost", Weights: []float64{1, 0.5}}
	r, err := audit.Audit(m, 0.9, []audit.Profile{sparse, cost})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Optimum.Return-0.9) > 1e-12 || r.Optimum.Success != 1 {
		t.Errorf("chain optimum: return %v success %v, want 0.9 and 1", r.Optimum.Return, r.Optimum.Success)
	}
	c := r.Profiles[1]
	if c.Preserves || math.Abs(c.Return-0.5) > 1e-12 || math.Abs(c.Success-0.5) > 1e-12 || math.Abs(c.Loss-0.4) > 1e-12 {
		t.Errorf("chain with a step cost: %+v; want return 0.5, success 0.5, loss 0.4", c)
	}
	if !r.Profiles[0].Preserves {
		t.Errorf("sparse does not preserve itself: %+v", r.Profiles[0])
	}
}

// chain is the two-state MDP of TestAuditHandComputed, with components
// success and step_cost (−1 every step), a step limit of 5.
func chain(gamma float64) *audit.Model {
	m := &dojo.MDP{NS: 3, NA: 2, InitialStateDistrib: []float64{1, 0, 0}, P: [][][]dojo.Outcome{
		{{{Prob: 0.5, Next: 2, Terminated: true}, {Prob: 0.5, Next: 2, Terminated: true}}, {{Prob: 1, Next: 1}}},
		{{{Prob: 1, Next: 2, Terminated: true}}, {{Prob: 1, Next: 2, Terminated: true}}},
		{{{Prob: 1, Next: 2, Terminated: true}}, {{Prob: 1, Next: 2, Terminated: true}}},
	}}
	vals := []float64{
		1, -1, 0, -1, // state 0 action 0: success, fall
		0, -1, // state 0 action 1
		1, -1, 1, -1, // state 1
		0, 0, 0, 0, // absorbing
	}
	p := &dojo.ModelParts{Components: []string{"success", "step_cost"}, Values: vals, MaxSteps: 5, Gamma: gamma}
	mm, err := audit.NewModel(m, p)
	if err != nil {
		panic(err)
	}
	return mm
}

func TestAuditErrors(t *testing.T) {
	t.Parallel()
	m := chain(0.9)
	if _, err := audit.Audit(m, 1.5, nil); err == nil {
		t.Error("gamma 1.5 accepted")
	}
	if _, err := audit.Audit(m, 0.9, []audit.Profile{{Name: "short", Weights: []float64{1}}}); err == nil {
		t.Error("a profile with too few weights accepted")
	}
	big := *m.Parts
	big.MaxSteps = audit.MaxStateSteps
	if _, err := audit.NewModel(m.MDP, &big); err != nil {
		t.Fatal(err)
	}
	mb, _ := audit.NewModel(m.MDP, &big)
	if _, err := audit.Audit(mb, 0.9, nil); err == nil {
		t.Error("an audit above the cap of state-steps accepted")
	}
	bad := *m.Parts
	bad.Values = bad.Values[:4]
	if _, err := audit.NewModel(m.MDP, &bad); err == nil {
		t.Error("parts that do not fit the model accepted")
	}
	env, err := envs.Default().Make("bandit/Bernoulli-10-v0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dojo.Close(env)
	if _, err := audit.FromEnv(env); err == nil {
		t.Error("an env without a model accepted")
	}
}
