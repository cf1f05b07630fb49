package audit_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/reward/audit"
)

// auditCase is an env, its options and the Reset seed of its world.
type auditCase struct {
	id   string
	opts dojo.Options
	seed uint64
}

// worldModels are the worlds with a model built by enumeration
// (dojo.WorldModel) that the audit test runs on: the small MiniGrid worlds,
// on two seeds where the seed changes the world, and the Bernoulli and
// Gaussian bandits. Larger MiniGrid worlds enumerate too (DoorKey-8x8 in
// 7,000 states), but take longer under the race detector.
var worldModels = []auditCase{
	{"gridworld/Empty-5x5-v0", nil, 0},
	{"gridworld/Empty-6x6-v0", nil, 0},
	{"gridworld/Empty-8x8-v0", nil, 0},
	{"gridworld/Empty-Random-5x5-v0", nil, 0},
	{"gridworld/Empty-Random-5x5-v0", nil, 7},
	{"gridworld/DoorKey-5x5-v0", nil, 0},
	{"gridworld/DoorKey-5x5-v0", nil, 3},
	{"gridworld/DoorKey-6x6-v0", nil, 0},
	{"gridworld/LavaGap-5x5-v0", nil, 0},
	{"gridworld/LavaGap-5x5-v0", nil, 5},
	{"gridworld/LavaGap-6x6-v0", nil, 0},
	{"gridworld/MultiRoom-N2-S4-v0", nil, 0},
	{"gridworld/KeyCorridor-S3R1-v0", nil, 0},
	{"gridworld/Maze-9x9-v0", nil, 0},
	{"gridworld/LavaGap-5x5-v0", dojo.Options{"max_steps": 6}, 0},
	{"bandit/Bernoulli-2-v0", nil, 0},
	{"bandit/Bernoulli-5-v0", nil, 0},
	{"bandit/Bernoulli-10-v0", nil, 0},
	{"bandit/Bernoulli-10-v0", dojo.Options{"gap": 0.1}, 4},
	{"bandit/Bernoulli-20-v0", dojo.Options{"horizon": 50}, 1},
	{"bandit/Gaussian-10-v0", nil, 0},
}

// noWorldModel are the envs that implement dojo.WorldModel but refuse to
// build a model: their means move with a random stream.
var noWorldModel = map[string]bool{"bandit/Drifting-10-v0": true, "bandit/Linear-10-v0": true}

// toyText are the worlds whose model does not depend on the seed.
var toyText = map[string]bool{"gridworld/FrozenLake-v1": true, "gridworld/FrozenLake8x8-v1": true, "gridworld/CliffWalking-v0": true, "gridworld/Taxi-v3": true}

// unmodelled lists, by env, the built-in profiles the audit test skips
// because they weigh a component the model does not give: MiniGrid's
// explore, whose bonus counts the visits of the episode.
func unmodelled(id string) []string {
	if strings.HasPrefix(id, "gridworld/") && !toyText[id] {
		return []string{"explore"}
	}
	return nil
}

// tabular lists every registered env with an exact model with parts
// (dojo.PartsModel), made with its defaults, plus variants of their
// options, and the worlds of worldModels; it checks that every registered
// dojo.WorldModel env is in worldModels or noWorldModel.
func tabular(t *testing.T) (*dojo.Registry, []auditCase) {
	t.Helper()
	reg := envs.Default()
	var out []auditCase
	listed := map[string]bool{}
	for _, c := range worldModels {
		listed[c.id] = true
	}
	for _, s := range reg.Specs() {
		e, err := reg.Make(s.ID, nil)
		if err != nil {
			continue
		}
		_, parts := e.(dojo.PartsModel)
		_, world := e.(dojo.WorldModel)
		dojo.Close(e)
		if parts {
			out = append(out, auditCase{s.ID, nil, 0})
		}
		if world && !listed[s.ID] && !noWorldModel[s.ID] && !strings.Contains(s.ID, "gridworld/") {
			t.Errorf("%s has a model built by enumeration that the audit test does not run", s.ID)
		}
	}
	if len(out) < 4 {
		t.Fatalf("%d envs with a model with parts, want at least the 4 toy-text worlds", len(out))
	}
	more := []auditCase{
		{"gridworld/FrozenLake-v1", dojo.Options{"is_slippery": false}, 0},
		{"gridworld/FrozenLake-v1", dojo.Options{"random_map": 6, "map_seed": 3, "gamma": 0.9}, 0},
		{"gridworld/FrozenLake-v1", dojo.Options{"max_steps": 12}, 0},
		{"gridworld/CliffWalking-v0", dojo.Options{"is_slippery": true}, 0},
		{"gridworld/Taxi-v3", dojo.Options{"is_rainy": true}, 0},
	}
	return reg, append(append(out, more...), worldModels...)
}

func model(t *testing.T, reg *dojo.Registry, c auditCase) (*audit.Model, dojo.Spec) {
	t.Helper()
	env, err := reg.Make(c.id, c.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer dojo.Close(env)
	m, err := audit.FromEnv(context.Background(), env, c.seed, 0)
	if err != nil {
		t.Fatal(err)
	}
	return m, env.Spec()
}

func audited(t *testing.T, reg *dojo.Registry, id string, opts dojo.Options, ps ...audit.Profile) (*audit.Report, dojo.Spec) {
	t.Helper()
	m, spec := model(t, reg, auditCase{id, opts, 0})
	if ps == nil {
		var err error
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
// policy is not optimal for the sparse task at some state and step. The
// profiles that weigh a component the model does not give (unmodelled)
// are skipped, by name.
func TestAuditShapedPreservesOptimum(t *testing.T) {
	t.Parallel()
	reg, cases := tabular(t)
	for _, c := range cases {
		m, spec := model(t, reg, c)
		all, err := audit.BuiltIn(&spec)
		if err != nil {
			t.Fatal(err)
		}
		ps, skipped := m.Modelled(all)
		var names []string
		for _, s := range skipped {
			names = append(names, s.Profile)
		}
		if !slices.Equal(names, unmodelled(c.id)) {
			t.Errorf("%s: profiles %v skipped as unmodelled, want %v", c.id, names, unmodelled(c.id))
		}
		if names != nil {
			t.Logf("%s: not audited, weighing unmodelled components: %v", c.id, skipped)
		}
		rep, err := audit.Audit(m, m.Parts.Gamma, ps)
		if err != nil {
			t.Fatalf("%s %v seed %d: %v", c.id, c.opts, c.seed, err)
		}
		if rep.Optimum.Success <= 0 || rep.Optimum.Success > 1+1e-12 || rep.Optimum.Return <= 0 {
			t.Errorf("%s %v: sparse optimum success %v return %v", c.id, c.opts, rep.Optimum.Success, rep.Optimum.Return)
		}
		if len(rep.Profiles)+len(skipped) != 2+len(spec.Profiles) {
			t.Errorf("%s: %d profiles audited and %d skipped, want sparse, shaped and %d presets", c.id, len(rep.Profiles), len(skipped), len(spec.Profiles))
		}
		for _, r := range rep.Profiles {
			t.Logf("%s %v seed %d (%d states, %d pairs): %-12s success %.4f (optimum %.4f) return %.4f loss %.3g suboptimal %d", c.id, c.opts, c.seed, rep.States, rep.Pairs, r.Profile, r.Success, rep.Optimum.Success, r.Return, r.Loss, r.Suboptimal)
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
	env, err := envs.Default().Make("bandit/Linear-10-v0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dojo.Close(env)
	if _, err := audit.FromEnv(context.Background(), env, 0, 0); err == nil {
		t.Error("an env without a model accepted")
	}
}

// TestAuditStepScale checks step-dependent components on a world solved by
// hand: in state 0, action 0 waits and action 1 succeeds, terminating; the
// component late pays 1 on success from the third step on (StepScale
// 0, 0, 1, 1, 1). Sparse finishes at once (return 1); {late: 1} waits two
// steps, so its sparse return is γ² and its decisions at t = 0 and 1 are
// not sparse-optimal.
func TestAuditStepScale(t *testing.T) {
	t.Parallel()
	m := &dojo.MDP{NS: 2, NA: 2, InitialStateDistrib: []float64{1, 0}, P: [][][]dojo.Outcome{
		{{{Prob: 1, Next: 0}}, {{Prob: 1, Next: 1, Terminated: true}}},
		{{{Prob: 1, Next: 1}}, {{Prob: 1, Next: 1}}},
	}}
	vals := []float64{0, 0, 1, 1, 0, 0, 0, 0}
	p := &dojo.ModelParts{Components: []string{"success", "late"}, Values: vals, MaxSteps: 5, Gamma: 0.9,
		StepScale: [][]float64{nil, {0, 0, 1, 1, 1}}}
	mm, err := audit.NewModel(m, p)
	if err != nil {
		t.Fatal(err)
	}
	late := audit.Profile{Name: "late", Weights: []float64{0, 1}}
	rep, err := audit.Audit(mm, 0.9, []audit.Profile{late})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Profiles[0]
	if rep.Optimum.Return != 1 || math.Abs(r.Return-0.81) > 1e-12 || r.Success != 1 || r.Suboptimal != 2 || r.Preserves {
		t.Errorf("late: %+v against the optimum %+v; want return 0.81, success 1, 2 suboptimal decisions", r, rep.Optimum)
	}
	// The same world whose state says it is only ever at step 0
	// (StateSteps): the waiting steps cannot occur, the profile never
	// succeeds, and its one decision is suboptimal.
	p.StateSteps = []int{0, -1}
	if rep, err = audit.Audit(mm, 0.9, []audit.Profile{late}); err != nil {
		t.Fatal(err)
	}
	if r := rep.Profiles[0]; r.Suboptimal != 1 || rep.Pairs != 6 {
		t.Errorf("late with state steps: %+v, %d pairs; want 1 suboptimal decision, 6 pairs", r, rep.Pairs)
	}
	bad := *p
	bad.StepScale = [][]float64{{1, 1, 1, 1, 1}, nil}
	if _, err := audit.NewModel(m, &bad); err == nil || !strings.Contains(err.Error(), "cannot depend on the step count") {
		t.Errorf("a step-scaled success: %v", err)
	}
}

// TestAuditRefusesUnmodelled: MiniGrid's explore bonus is not in the
// model; a profile weighing it is refused by the audit and the distance.
func TestAuditRefusesUnmodelled(t *testing.T) {
	t.Parallel()
	reg := envs.Default()
	m, spec := model(t, reg, auditCase{"gridworld/Empty-5x5-v0", nil, 0})
	p, err := audit.NewProfile(&spec, "explore", "explore")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Audit(m, 0.99, []audit.Profile{p}); err == nil || !strings.Contains(err.Error(), `profile "explore" weighs explore, which the model does not give`) {
		t.Errorf("explore audited: %v", err)
	}
	if _, err := m.Rewards(p); err == nil || !strings.Contains(err.Error(), "weighs explore") {
		t.Errorf("explore's rewards given: %v", err)
	}
	mg, _ := audit.NewProfile(&spec, "minigrid", "minigrid")
	if _, err := m.Rewards(mg); err == nil || !strings.Contains(err.Error(), "depends on the step count") {
		t.Errorf("minigrid's rewards given without the step count: %v", err)
	}
}
