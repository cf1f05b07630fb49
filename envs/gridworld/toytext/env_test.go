package toytext

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
)

// toyRegistry returns a registry holding the toy-text worlds.
func toyRegistry(t testing.TB) *dojo.Registry {
	t.Helper()
	r := new(dojo.Registry)
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return r
}

// toyMake makes an env of the toy-text registry.
func toyMake(t testing.TB, id string, opts dojo.Options) *Env {
	t.Helper()
	env, err := toyRegistry(t).Make(id, opts)
	if err != nil {
		t.Fatalf("Make(%s, %v): %v", id, opts, err)
	}
	return env.(*Env)
}

const (
	flID   = "gridworld/FrozenLake-v1"
	fl8ID  = "gridworld/FrozenLake8x8-v1"
	cwID   = "gridworld/CliffWalking-v0"
	taxiID = "gridworld/Taxi-v3"
)

func TestToyTextConformance(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		id   string
		opts dojo.Options
	}{
		{"FrozenLake", flID, nil},
		{"FrozenLake8x8", fl8ID, nil},
		{"FrozenLakeDeterministic", flID, dojo.Options{"is_slippery": false}},
		{"FrozenLake8x8Deterministic", flID, dojo.Options{"map_name": "8x8", "is_slippery": false}},
		{"FrozenLakeText", flID, dojo.Options{"text": true}},
		{"FrozenLakeDesc", flID, dojo.Options{"desc": []string{"SFFHF", "HFHFF", "FFFGH"}, "is_slippery": false, "text": true}},
		{"FrozenLakeRandom", flID, dojo.Options{"random_map": 6, "map_seed": 7, "success_rate": 0.8, "reward": "shaped"}},
		{"FrozenLakeTerminate", flID, dojo.Options{"invalid_action": "terminate", "max_invalid": 2, "text": true}},
		{"CliffWalking", cwID, nil},
		{"CliffWalkingSlipperyText", cwID, dojo.Options{"is_slippery": true, "text": true, "max_steps": 300}},
		{"Taxi", taxiID, nil},
		{"TaxiRainyShapedText", taxiID, dojo.Options{"is_rainy": true, "reward": "shaped", "text": true}},
		{"FrozenLakeInstructions", flID, dojo.Options{"text": true, "instructions": true}},
		{"CliffWalkingInstructions", cwID, dojo.Options{"text": true, "instructions": true}},
		{"TaxiInstructions", taxiID, dojo.Options{"text": true, "instructions": true, "max_steps": 50}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dojotest.CheckEnv(t, toyMake(t, c.id, c.opts))
		})
	}
}

func TestToyTextRegistry(t *testing.T) {
	t.Parallel()
	r := toyRegistry(t)
	want := []string{cwID, flID, fl8ID, taxiID}
	if diff := cmp.Diff(want, r.IDs()); diff != "" {
		t.Fatalf("registered ids (-want +got):\n%s", diff)
	}
	dojotest.CheckRegistry(t, r)
	for _, c := range []struct {
		id         string
		maxSteps   int
		nS         int
		stochastic bool
	}{
		{flID, 100, 16, true},
		{fl8ID, 200, 64, true},
		{cwID, 500, 48, false},
		{taxiID, 200, 500, false},
	} {
		spec, err := r.Spec(c.id)
		if err != nil {
			t.Fatal(err)
		}
		env := toyMake(t, c.id, nil)
		got := env.Spec()
		if got.MaxSteps != c.maxSteps || spec.MaxSteps != c.maxSteps || got.Observation.N != c.nS || got.Stochastic != c.stochastic || got.DefaultProfile != "gym" {
			t.Errorf("%s: spec max_steps %d (registered %d), nS %d, stochastic %v, default profile %q; want %d, %d, %v, gym",
				c.id, got.MaxSteps, spec.MaxSteps, got.Observation.N, got.Stochastic, got.DefaultProfile, c.maxSteps, c.nS, c.stochastic)
		}
	}
}

// toyConfigs are the configurations whose options change the spec.
func TestToyTextSpecFollowsOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id         string
		opts       dojo.Options
		maxSteps   int
		nS         int
		stochastic bool
		text       bool
	}{
		{flID, dojo.Options{"map_name": "8x8"}, 200, 64, true, false},
		{flID, dojo.Options{"desc": []string{"SFFFF", "FFFFG"}}, 100, 10, true, false},
		{flID, dojo.Options{"is_slippery": false, "text": true}, 100, 16, false, true},
		{flID, dojo.Options{"success_rate": 1.0}, 100, 16, false, false},
		{flID, dojo.Options{"max_steps": 7}, 7, 16, true, false},
		{fl8ID, dojo.Options{"map_name": "4x4"}, 100, 16, true, false},
		{cwID, dojo.Options{"is_slippery": true, "max_steps": 50}, 50, 48, true, false},
		{taxiID, dojo.Options{"is_rainy": true, "text": true}, 200, 500, true, true},
	}
	for _, c := range cases {
		spec := toyMake(t, c.id, c.opts).Spec()
		if spec.MaxSteps != c.maxSteps || spec.Observation.N != c.nS || spec.Stochastic != c.stochastic || spec.ObsText != c.text {
			t.Errorf("%s %v: max_steps %d nS %d stochastic %v text %v; want %d %d %v %v", c.id, c.opts,
				spec.MaxSteps, spec.Observation.N, spec.Stochastic, spec.ObsText, c.maxSteps, c.nS, c.stochastic, c.text)
		}
	}
}

// toyMDPJSON writes the model as MDP.MarshalJSON does, with a line break
// before each state so that golden files diff well.
func toyMDPJSON(t *testing.T, m *dojo.MDP) []byte {
	t.Helper()
	compact, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\"nS\":%d,\"nA\":%d,\"P\":{", m.NS, m.NA)
	for s := range m.P {
		if s > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "\n\"%d\":{", s)
		for a, outs := range m.P[s] {
			if a > 0 {
				b.WriteByte(',')
			}
			o, err := json.Marshal(outs)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "\"%d\":%s", a, o)
		}
		b.WriteByte('}')
	}
	d, _ := json.Marshal(m.InitialStateDistrib)
	fmt.Fprintf(&b, "\n},\"initial_state_distrib\":%s}\n", d)
	var again bytes.Buffer
	if err := json.Compact(&again, b.Bytes()); err != nil {
		t.Fatalf("golden MDP is not JSON: %v", err)
	}
	if !bytes.Equal(again.Bytes(), compact) {
		t.Fatalf("golden MDP differs from MDP.MarshalJSON beyond white space")
	}
	return b.Bytes()
}

func toyGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	dojotest.Golden(t, path, got, *update)
}

func TestToyTextGoldenMDP(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file string
		id   string
		opts dojo.Options
	}{
		{"frozenlake4x4_slippery.mdp.json", flID, nil},
		{"cliffwalking.mdp.json", cwID, nil},
		{"taxi.mdp.json", taxiID, nil},
	} {
		t.Run(c.file, func(t *testing.T) {
			m := toyMake(t, c.id, c.opts).MDP()
			if err := m.Check(); err != nil {
				t.Fatal(err)
			}
			toyGolden(t, c.file, toyMDPJSON(t, m))
		})
	}
}

// toyRandomAction draws the actions of the golden episodes: mostly indices,
// some words, some invalid.
func toyRandomAction(rng *rand.Rand, labels []string) dojo.Action {
	switch k := rng.IntN(20); {
	case k == 0:
		return dojo.IndexAction(len(labels) + rng.IntN(3))
	case k == 1:
		return dojo.TextAction("fly")
	case k < 6:
		l := labels[rng.IntN(len(labels))]
		if k == 5 {
			l = "<answer> " + strings.ToUpper(l) + " </answer>"
		}
		return dojo.TextAction(l)
	}
	return dojo.IndexAction(rng.IntN(len(labels)))
}

func TestToyTextGoldenEpisodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		file string
		id   string
		opts dojo.Options
	}{
		{"frozenlake_episodes.jsonl", flID, nil},
		{"frozenlake8x8_text_episodes.jsonl", fl8ID, dojo.Options{"text": true, "max_steps": 15}},
		{"cliffwalking_episodes.jsonl", cwID, dojo.Options{"max_steps": 30}},
		{"cliffwalking_slippery_text_episodes.jsonl", cwID, dojo.Options{"is_slippery": true, "text": true, "max_steps": 12}},
		{"taxi_episodes.jsonl", taxiID, dojo.Options{"reward": "shaped", "max_steps": 40}},
		{"taxi_rainy_text_episodes.jsonl", taxiID, dojo.Options{"is_rainy": true, "text": true, "max_steps": 12}},
	} {
		t.Run(c.file, func(t *testing.T) {
			env := toyMake(t, c.id, c.opts)
			ctx := context.Background()
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			for _, seed := range []uint64{0, 1, 2} {
				obs, info, err := env.Reset(ctx, seed)
				if err != nil {
					t.Fatal(err)
				}
				if err := enc.Encode(map[string]any{"seed": seed, "observation": obs, "info": info}); err != nil {
					t.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(seed, 7))
				for step := 1; ; step++ {
					a := toyRandomAction(rng, env.w.labels)
					st, err := env.Step(ctx, a)
					if err != nil {
						t.Fatal(err)
					}
					if err := enc.Encode(map[string]any{"seed": seed, "step": step, "action": a, "result": st}); err != nil {
						t.Fatal(err)
					}
					if st.Done() {
						break
					}
				}
			}
			toyGolden(t, c.file, b.Bytes())
		})
	}
}

// toyChi2 returns Pearson's statistic of counts against probabilities
// (cells of probability 0 must have count 0; else it returns +Inf).
func toyChi2(counts map[int]int, probs map[int]float64, n int) float64 {
	var chi float64
	for k, p := range probs {
		e := p * float64(n)
		if e == 0 {
			continue
		}
		d := float64(counts[k]) - e
		chi += d * d / e
	}
	for k, c := range counts {
		if probs[k] == 0 && c > 0 {
			return math.Inf(1)
		}
	}
	return chi
}

// toyChi2Limit is a chi-square quantile far in the tail for df degrees of
// freedom (Wilson-Hilferty, z = 4.5: p ≈ 3e-6), so that a correct sampler
// fails with negligible probability while a wrong one fails for sure at
// these sample sizes; the seeds are fixed, so the outcome is deterministic.
func toyChi2Limit(df int) float64 {
	k := float64(df)
	x := 1 - 2/(9*k) + 4.5*math.Sqrt(2/(9*k))
	return k * x * x * x
}

func TestToyTextStepFrequenciesMatchP(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id   string
		opts dojo.Options
		s, a int
	}{
		{flID, nil, 0, flLeft},
		{flID, nil, 6, flDown},
		{flID, nil, 14, flRight},
		{flID, dojo.Options{"success_rate": 0.7}, 9, flDown},
		{fl8ID, nil, 62, flRight},
		{cwID, dojo.Options{"is_slippery": true}, 36, cwUp},
		{cwID, dojo.Options{"is_slippery": true}, 25, cwDown},
		{taxiID, dojo.Options{"is_rainy": true}, taxiEncode(2, 2, 0, 1), taxiSouth},
		{taxiID, dojo.Options{"is_rainy": true}, taxiEncode(1, 3, 4, 2), taxiWest},
	}
	const n = 6000
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%v/s%d/a%d", c.id, c.opts, c.s, c.a), func(t *testing.T) {
			t.Parallel()
			env := toyMake(t, c.id, c.opts)
			ctx := context.Background()
			if _, _, err := env.Reset(ctx, uint64(c.s*31+c.a)); err != nil {
				t.Fatal(err)
			}
			probs := map[int]float64{}
			for _, o := range env.MDP().P[c.s][c.a] {
				probs[o.Next] += o.Prob
			}
			counts := map[int]int{}
			for range n {
				env.s, env.steps = c.s, 0
				env.life.Begin()
				st, err := env.Step(ctx, dojo.IndexAction(c.a))
				if err != nil {
					t.Fatal(err)
				}
				counts[st.Obs.Value.(int)]++
			}
			df := max(1, len(probs)-1)
			if chi := toyChi2(counts, probs, n); chi > toyChi2Limit(df) {
				t.Errorf("P[%d][%d] = %v, but %d steps gave %v: chi-square %.1f > %.1f", c.s, c.a, probs, n, counts, chi, toyChi2Limit(df))
			}
		})
	}
}

func TestToyTextModelRewardsMatchSteps(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		id   string
		opts dojo.Options
	}{
		{flID, dojo.Options{"reward": "shaped"}},
		{flID, dojo.Options{"reward": map[string]any{"gym": 0.5, "potential": 2.0, "step_cost": 0.3, "success": 1.0}, "gamma": 0.9}},
		{cwID, dojo.Options{"is_slippery": true, "reward": "shaped"}},
		{taxiID, dojo.Options{"is_rainy": true, "reward": "shaped"}},
		{taxiID, nil},
	} {
		env := toyMake(t, c.id, c.opts)
		m := env.MDP()
		mp := env.ModelParts()
		if err := mp.Check(m); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for seed := range uint64(30) {
			if _, _, err := env.Reset(ctx, seed); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(seed, 1))
			for {
				s := env.s
				a := rng.IntN(env.w.nA)
				st, err := env.Step(ctx, dojo.IndexAction(a))
				if err != nil {
					t.Fatal(err)
				}
				next := st.Obs.Value.(int)
				found := false
				for k, o := range m.P[s][a] {
					want := o.Reward
					if st.Truncated && !st.Terminated {
						// The last step: the model's truncated values, Φ(s') = 0.
						want = weighted(st.Info.Parts, mp, mp.Truncated, outcomeIndex(m, s, a, k))
					}
					if o.Next == next && want == st.Reward && o.Terminated == st.Terminated && o.Prob > 0 {
						found = true
					}
				}
				if !found {
					t.Fatalf("%s %v: step %d -%d-> %d gave reward %v terminated %v, which P[%d][%d] = %v does not list",
						c.id, c.opts, s, a, next, st.Reward, st.Terminated, s, a, m.P[s][a])
				}
				if st.Done() {
					break
				}
			}
		}
	}
}

// outcomeIndex numbers outcome k of P[s][a] as dojo.ModelParts does.
func outcomeIndex(m *dojo.MDP, s, a, k int) int {
	i := 0
	for s2 := range s {
		for _, outs := range m.P[s2] {
			i += len(outs)
		}
	}
	for _, outs := range m.P[s][:a] {
		i += len(outs)
	}
	return i + k
}

// weighted is the reward of outcome i in values under the weights of parts.
func weighted(parts []dojo.Part, mp *dojo.ModelParts, values []float64, i int) float64 {
	ps := make([]dojo.Part, len(parts))
	for c, p := range parts {
		ps[c] = dojo.Part{Name: p.Name, Weight: p.Weight, Value: values[i*len(mp.Components)+c]}
	}
	return dojo.Sum(ps)
}

func TestToyTextGymProfileIsGymnasiumReward(t *testing.T) {
	t.Parallel()
	// Under the default profile the reward is the gym component alone, and
	// the model's rewards are Gymnasium's exactly.
	for _, id := range []string{flID, cwID, taxiID} {
		env := toyMake(t, id, nil)
		m := env.MDP()
		for s := range m.P {
			for a := range m.P[s] {
				for i, o := range m.P[s][a] {
					raw := env.w.outcomes(s, a)[i]
					if o.Reward != raw.gym || math.Signbit(o.Reward) != math.Signbit(raw.gym) {
						t.Fatalf("%s: P[%d][%d][%d] reward %v, want Gymnasium's %v", id, s, a, i, o.Reward, raw.gym)
					}
				}
			}
		}
	}
}

// toyArgmax returns the actions whose value is within tol of the best.
func toyArgmax(m *dojo.MDP, v []float64, gamma float64, s int, tol float64) []int {
	best := math.Inf(-1)
	q := make([]float64, m.NA)
	for a := range m.NA {
		q[a] = m.Q(v, gamma, s, a)
		best = max(best, q[a])
	}
	var out []int
	for a := range m.NA {
		if q[a] >= best-tol {
			out = append(out, a)
		}
	}
	return out
}

// toyPolicyDiffs counts the non-terminal states where the optimal action
// sets of two models differ.
func toyPolicyDiffs(env *Env, a, b *dojo.MDP, gamma float64) (diffs int, where string) {
	va, _ := a.ValueIteration(gamma, 1e-13)
	vb, _ := b.ValueIteration(gamma, 1e-13)
	for s := range a.NS {
		if env.w.absorbing[s] {
			continue
		}
		sa, sb := toyArgmax(a, va, gamma, s, 1e-7), toyArgmax(b, vb, gamma, s, 1e-7)
		if !slices.Equal(sa, sb) {
			diffs++
			if where == "" {
				where = fmt.Sprintf("state %d: %v vs %v", s, sa, sb)
			}
		}
	}
	return diffs, where
}

// TestToyTextPotentialShapingKeepsOptimalPolicies is the proof by test of
// Ng et al.'s theorem on random FrozenLake maps: value iteration on the
// exact model gives the same optimal actions with and without the potential
// component, while a bonus per step, which is not potential-based, changes
// them (so the comparison can fail).
func TestToyTextPotentialShapingKeepsOptimalPolicies(t *testing.T) {
	t.Parallel()
	const gamma = 0.99
	bonusChanged := 0
	maps := 0
	for size := 4; size <= 8; size++ {
		for seed := range 3 {
			for _, slippery := range []bool{false, true} {
				base := dojo.Options{"random_map": size, "map_seed": seed*100 + size, "is_slippery": slippery, "gamma": gamma}
				with := func(w map[string]any) *Env {
					o := dojo.Options{"reward": w}
					for k, v := range base {
						o[k] = v
					}
					return toyMake(t, flID, o)
				}
				gym := with(map[string]any{"gym": 1.0})
				shaped := with(map[string]any{"gym": 1.0, "potential": 1.0})
				bonus := with(map[string]any{"gym": 1.0, "step_cost": -1.0})
				mg, ms, mb := gym.MDP(), shaped.MDP(), bonus.MDP()
				differ := false
				for s := range mg.P {
					for a := range mg.P[s] {
						for i := range mg.P[s][a] {
							differ = differ || mg.P[s][a][i].Reward != ms.P[s][a][i].Reward
						}
					}
				}
				if !differ {
					t.Fatalf("map %v: the potential changes no reward: the test would prove nothing", base)
				}
				if n, where := toyPolicyDiffs(gym, mg, ms, gamma); n > 0 {
					t.Errorf("map %v (%q): potential shaping changed the optimal actions in %d states, first %s", base, gym.w.game.(*frozenLake).desc, n, where)
				}
				if n, _ := toyPolicyDiffs(gym, mg, mb, gamma); n > 0 {
					bonusChanged++
				}
				maps++
			}
		}
	}
	if bonusChanged == 0 {
		t.Errorf("a +1 bonus per step changed no optimal action on %d maps: the comparison cannot detect a change", maps)
	}
	t.Logf("%d maps; the step bonus changed the optimal policy on %d", maps, bonusChanged)
}

func TestToyTextOracleSolvesDeterministicWorlds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		id   string
		opts dojo.Options
	}{
		{"FrozenLake4x4", flID, dojo.Options{"is_slippery": false}},
		{"FrozenLake8x8", fl8ID, dojo.Options{"is_slippery": false}},
		{"FrozenLakeRandom12", flID, dojo.Options{"is_slippery": false, "random_map": 12, "map_seed": 3, "max_steps": 200}},
		{"FrozenLakeSureFooted", flID, dojo.Options{"success_rate": 1.0}},
		{"CliffWalking", cwID, nil},
		{"Taxi", taxiID, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			env := toyMake(t, c.id, c.opts)
			ctx := context.Background()
			for seed := range uint64(1000) {
				obs, _, err := env.Reset(ctx, seed)
				if err != nil {
					t.Fatal(err)
				}
				want := int(env.w.dist[obs.Value.(int)])
				steps := 0
				for {
					a, err := env.OracleAction(ctx)
					if err != nil {
						t.Fatal(err)
					}
					st, err := env.Step(ctx, a)
					if err != nil {
						t.Fatal(err)
					}
					steps++
					if st.Done() {
						if !st.Info.Success || steps != want {
							t.Fatalf("seed %d: oracle ended after %d steps, success %v; want success in %d steps", seed, steps, st.Info.Success, want)
						}
						break
					}
				}
			}
			if _, err := env.OracleAction(ctx); dojo.ErrorCode(err) != dojo.CodeState {
				t.Errorf("OracleAction after the end: %v, want a state error", err)
			}
		})
	}
}

func TestToyTextParseWord(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in     string
		labels []string
		want   int
		ok     bool
	}{
		{"left", flLabels, 0, true},
		{"  Down\n", flLabels, 1, true},
		{"RIGHT.", flLabels, 2, true},
		{"<answer>up</answer>", flLabels, 3, true},
		{"The goal is above me. <answer>up</answer>", flLabels, 3, true},
		{"<ANSWER> Left </Answer>", flLabels, 0, true},
		{"3", flLabels, 3, true},
		{"9", flLabels, 9, true},
		{"pick up", taxiLabels, 4, true},
		{"Drop_Off", taxiLabels, 5, true},
		{"drop-off", taxiLabels, 5, true},
		{"south", cwLabels, 0, false},
		{"", flLabels, 0, false},
		{"<answer></answer>", flLabels, 0, false},
		{"left right", flLabels, 0, false},
		{"-left", flLabels, 0, false},
		{"lef", flLabels, 0, false},
		{"lefty", flLabels, 0, false},
		{"-1", flLabels, 0, false},
		{"12345678901", flLabels, 0, false},
	}
	for _, c := range cases {
		got, ok := toyParseWord(c.in, c.labels)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("toyParseWord(%q, %v) = %d, %v; want %d, %v", c.in, c.labels, got, ok, c.want, c.ok)
		}
	}
}

func TestToyTextInvalidActions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		id      string
		action  dojo.Action
		invalid bool
		want    []string // substrings of Info.Error
	}{
		{"index too large", flID, dojo.IndexAction(4), true, []string{"action 4 is out of range", "0..3", "left, down, right, up"}},
		{"negative index", cwID, dojo.IndexAction(-1), true, []string{"action -1 is out of range", "up, right, down, left"}},
		{"unknown word", taxiID, dojo.TextAction("fly"), true, []string{`unknown action "fly"`, "south, north, east, west, pickup, dropoff"}},
		{"number word out of range", flID, dojo.TextAction("7"), true, []string{"action 7 is out of range"}},
		{"tool call", flID, dojo.MessageAction("", dojo.ToolCall{Name: "move", Arguments: json.RawMessage(`{}`)}), true, []string{`tool calls are not accepted`, `"move"`}},
		{"garbage", flID, dojo.TextAction("\x00\xff"), true, []string{"unknown action", "left, down"}},
		{"long text", flID, dojo.TextAction(strings.Repeat("x", 500)), true, []string{"...", "valid actions"}},
		{"word", flID, dojo.TextAction("<answer>Down</answer>"), false, nil},
		{"message", taxiID, dojo.MessageAction(" pickup "), false, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := dojo.Options{"text": true}
			if c.id == flID {
				opts["is_slippery"] = false
			}
			env := toyMake(t, c.id, opts)
			ctx := context.Background()
			obs, _, err := env.Reset(ctx, 5)
			if err != nil {
				t.Fatal(err)
			}
			st, err := env.Step(ctx, c.action)
			if err != nil {
				t.Fatalf("Step(%v): %v (an invalid action is not an error)", c.action, err)
			}
			if st.Info.Invalid != c.invalid {
				t.Fatalf("Step(%v): invalid %v, want %v (error %q)", c.action, st.Info.Invalid, c.invalid, st.Info.Error)
			}
			if !c.invalid {
				return
			}
			for _, w := range c.want {
				if !strings.Contains(st.Info.Error, w) {
					t.Errorf("error %q does not contain %q", st.Info.Error, w)
				}
			}
			if st.Obs.Value != obs.Value || st.Done() || st.Reward != 0 {
				t.Errorf("invalid action moved to %v (from %v), done %v, reward %v; want no change under the gym profile", st.Obs.Value, obs.Value, st.Done(), st.Reward)
			}
			if !strings.Contains(st.Obs.Text, "Invalid action: "+st.Info.Error) || st.Obs.Messages[0].Content != st.Obs.Text {
				t.Errorf("text observation does not explain the invalid action:\n%s", st.Obs.Text)
			}
			parts := map[string]float64{}
			for _, p := range st.Info.Parts {
				parts[p.Name] = p.Value
			}
			// An invalid action stays in s: the potential is (γ−1)Φ(s).
			phi := env.w.phi[obs.Value.(int)]
			if diff := cmp.Diff(map[string]float64{"success": 0, "gym": 0, "potential": 0.99*phi - phi, "step_cost": -1, "invalid": -1}, parts); diff != "" {
				t.Errorf("parts of an invalid action (-want +got):\n%s", diff)
			}
		})
	}
}

func TestToyTextInvalidActionsCountAndTerminate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Invalid actions count toward the step limit.
	env := toyMake(t, flID, dojo.Options{"max_steps": 3})
	if _, _, err := env.Reset(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		st, err := env.Step(ctx, dojo.TextAction("nope"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Truncated != (i == 3) || st.Terminated {
			t.Fatalf("invalid step %d of 3: terminated %v truncated %v", i, st.Terminated, st.Truncated)
		}
	}
	// The terminate policy ends the episode at the max_invalid-th invalid action.
	env = toyMake(t, taxiID, dojo.Options{"invalid_action": "terminate", "max_invalid": 2, "text": true, "reward": "shaped"})
	if _, _, err := env.Reset(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for i, a := range []dojo.Action{dojo.IndexAction(9), dojo.IndexAction(0), dojo.TextAction("honk")} {
		s := env.s
		st, err := env.Step(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if st.Terminated != (i == 2) || st.Info.Success {
			t.Fatalf("step %d: terminated %v success %v; want the episode to end at the second invalid action", i+1, st.Terminated, st.Info.Success)
		}
		if i == 2 && (!strings.Contains(st.Obs.Text, "Too many invalid actions") || math.Abs(st.Reward-(-0.1-env.w.phi[s])) > 1e-12) {
			// The invalid penalty and the potential of a step that ends the
			// episode in s: 0 − Φ(s).
			t.Errorf("terminating invalid action: reward %v, text:\n%s", st.Reward, st.Obs.Text)
		}
	}
	if _, err := env.Step(ctx, dojo.IndexAction(0)); dojo.ErrorCode(err) != dojo.CodeState {
		t.Errorf("Step after termination: %v, want a state error", err)
	}
}

func TestToyTextMisuse(t *testing.T) {
	t.Parallel()
	env := toyMake(t, taxiID, nil)
	ctx := context.Background()
	if _, err := env.Step(ctx, dojo.IndexAction(0)); err != dojo.ErrNotReset {
		t.Errorf("Step before Reset: %v, want ErrNotReset", err)
	}
	if _, err := env.OracleAction(ctx); err != dojo.ErrNotReset {
		t.Errorf("OracleAction before Reset: %v, want ErrNotReset", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := env.Reset(canceled, 1); dojo.ErrorCode(err) != dojo.CodeCanceled {
		t.Errorf("Reset with a canceled context: %v", err)
	}
	if _, _, err := env.Reset(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Step(canceled, dojo.IndexAction(0)); dojo.ErrorCode(err) != dojo.CodeCanceled {
		t.Errorf("Step with a canceled context: %v", err)
	}
}

func TestToyTextOptionErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := write("bad.map", "# a map\nSFFF\n\nFHXH\nFFFG\n")
	ragged := write("ragged.map", "SFFF\r\nFHF\r\nFFFG\r\n")
	twoStarts := write("starts.map", "SFFS\nFFFG\n")
	empty := write("empty.map", "# nothing\n\n")
	cases := []struct {
		name string
		id   string
		opts dojo.Options
		want []string
	}{
		{"ragged desc", flID, dojo.Options{"desc": []string{"SFF", "FH", "FFG"}}, []string{"desc row 2 has 2 cells", "first row has 3"}},
		{"unknown letter", flID, dojo.Options{"desc": []string{"SFX", "FFG"}}, []string{"desc row 1, column 3", "unknown letter 'X'", "want S, F, H or G"}},
		{"no start", flID, dojo.Options{"desc": []string{"FFF", "FFG"}}, []string{"no start S"}},
		{"two starts", flID, dojo.Options{"desc": []string{"SFS", "FFG"}}, []string{"2 starts S", "desc row 1, column 1", "desc row 1, column 3", "exactly one"}},
		{"no goal", flID, dojo.Options{"desc": []string{"SFF", "FHF"}}, []string{"no goal G"}},
		{"empty row", flID, dojo.Options{"desc": []string{"SFG", ""}}, []string{"desc row 2 is empty"}},
		{"empty desc", flID, dojo.Options{"desc": []string{}}, []string{"no rows"}},
		{"file letter", flID, dojo.Options{"map_file": bad}, []string{"bad.map: line 4, column 3", "unknown letter 'X'"}},
		{"file ragged", flID, dojo.Options{"map_file": ragged}, []string{"ragged.map: line 2 has 3 cells"}},
		{"file starts", flID, dojo.Options{"map_file": twoStarts}, []string{"2 starts S", "line 1, column 1", "line 1, column 4"}},
		{"file empty", flID, dojo.Options{"map_file": empty}, []string{"no map rows"}},
		{"file missing", flID, dojo.Options{"map_file": filepath.Join(dir, "missing.map")}, []string{"map_file", "missing.map"}},
		{"exclusive", flID, dojo.Options{"desc": []string{"SG"}, "random_map": 5}, []string{"desc and random_map exclude each other"}},
		{"random size", flID, dojo.Options{"random_map": 1}, []string{"random_map", "out of range", "2..64"}},
		{"random impossible", flID, dojo.Options{"random_map": 5, "random_map_p": 0.0}, []string{"no 5x5 map with a path", "raise random_map_p"}},
		{"schedule length", flID, dojo.Options{"reward_schedule": []any{1.0, 2.0}}, []string{"reward_schedule", "three numbers"}},
		{"schedule type", flID, dojo.Options{"reward_schedule": "high"}, []string{"reward_schedule", "list of three numbers"}},
		{"schedule element", flID, dojo.Options{"reward_schedule": []any{1.0, "x", 0.0}}, []string{"element 1"}},
		{"success rate", flID, dojo.Options{"success_rate": 1.5}, []string{"success_rate", "above the maximum 1"}},
		{"map name", flID, dojo.Options{"map_name": "16x16"}, []string{"map_name", `"16x16" is not one of 4x4, 8x8`}},
		{"unknown option", cwID, dojo.Options{"slippery": true}, []string{`unknown option "slippery"`, "is_slippery"}},
		{"policy", taxiID, dojo.Options{"invalid_action": "explode"}, []string{"invalid_action", "penalize, terminate"}},
		{"max steps", taxiID, dojo.Options{"max_steps": 0}, []string{"max_steps", "below the minimum 1"}},
		{"profile", taxiID, dojo.Options{"reward": "dense"}, []string{`unknown reward profile "dense"`, "gym"}},
		{"component", cwID, dojo.Options{"reward": map[string]any{"speed": 1.0}}, []string{`unknown component "speed"`, "potential"}},
	}
	r := toyRegistry(t)
	for _, c := range []struct {
		opts  dojo.Options
		field string
	}{
		{dojo.Options{"map_file": bad}, "options.map_file"},
		{dojo.Options{"desc": []string{"SX"}}, "options.desc"},
		{dojo.Options{"random_map": 1}, "options.random_map"},
		{dojo.Options{"reward_schedule": []int{1}}, "options.reward_schedule"},
	} {
		if _, err := r.Make(flID, c.opts); dojo.ErrorField(err) != c.field {
			t.Errorf("Make(%v): error %v names field %q, want %q", c.opts, err, dojo.ErrorField(err), c.field)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := r.Make(c.id, c.opts)
			if err == nil {
				t.Fatalf("Make(%s, %v) succeeded, want an error", c.id, c.opts)
			}
			if dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.HasPrefix(dojo.ErrorField(err), "options") {
				t.Errorf("error code %q field %q, want %q and an options field", dojo.ErrorCode(err), dojo.ErrorField(err), dojo.CodeInvalid)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func FuzzToyTextParseWord(f *testing.F) {
	for _, s := range []string{"left", " Pick-Up ", "<answer>dropoff</answer>", "3.", "", "<answer>", "9999999999", "dRoP oFf", "-", "x y"} {
		f.Add(s)
	}
	env, err := toyRegistry(f).Make(taxiID, dojo.Options{"text": true})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string) {
		i, ok := toyParseWord(s, taxiLabels)
		if ok && i >= 0 && i < len(taxiLabels) {
			if j, ok2 := toyParseWord(taxiLabels[i], taxiLabels); !ok2 || j != i {
				t.Fatalf("%q parsed as %d, but its label %q parses as %d, %v", s, i, taxiLabels[i], j, ok2)
			}
		}
		if _, _, err := env.Reset(ctx, 1); err != nil {
			t.Fatal(err)
		}
		st, err := env.Step(ctx, dojo.TextAction(s))
		if err != nil {
			t.Fatalf("Step(%q): %v", s, err)
		}
		valid := ok && i >= 0 && i < len(taxiLabels)
		if st.Info.Invalid == valid || (st.Info.Invalid && st.Info.Error == "") {
			t.Fatalf("Step(%q): invalid %v (error %q), parse gave %d, %v", s, st.Info.Invalid, st.Info.Error, i, ok)
		}
	})
}

func Example_frozenLake() {
	r := new(dojo.Registry)
	if err := Register(r); err != nil {
		panic(err)
	}
	env, err := r.Make("gridworld/FrozenLake-v1", dojo.Options{"is_slippery": false})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	obs, _, _ := env.Reset(ctx, 42)
	fmt.Println("start:", obs.Value)
	oracle := env.(dojo.Oracle)
	labels := env.Spec().Action.Labels
	for {
		a, _ := oracle.OracleAction(ctx)
		st, _ := env.Step(ctx, a)
		fmt.Printf("%-5s -> %2v reward %v\n", labels[a.Index], st.Obs.Value, st.Reward)
		if st.Done() {
			fmt.Println("success:", st.Info.Success)
			break
		}
	}
	p := env.(dojo.Model).MDP().P
	fmt.Println("P[14][2]:", p[14][2])
	// Output:
	// start: 0
	// down  ->  4 reward 0
	// down  ->  8 reward 0
	// right ->  9 reward 0
	// down  -> 13 reward 0
	// right -> 14 reward 0
	// right -> 15 reward 1
	// success: true
	// P[14][2]: [{1 15 1 true}]
}

func Example_frozenLakeText() {
	r := new(dojo.Registry)
	if err := Register(r); err != nil {
		panic(err)
	}
	env, err := r.Make("gridworld/FrozenLake-v1", dojo.Options{"text": true})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	env.Reset(ctx, 3)
	st, _ := env.Step(ctx, dojo.TextAction("<answer>right</answer>"))
	fmt.Print(st.Obs.Text)
	// Output:
	// You tried to go right but slipped and went down.
	//   (Right)
	// SFFF
	// AHFH
	// FFFH
	// HFFG
	// You are at row 1, column 0 (state 4) on frozen ice F.
	// Legend: A = you, S = start, F = frozen ice, H = hole (falling in ends the episode), G = goal (reaching it ends the episode successfully).
	// The ice is slippery: you move in the chosen direction with probability 1/3 and to each side of it with probability 1/3.
	// Actions: left, down, right, up.
}

func TestToyTextPotential(t *testing.T) {
	t.Parallel()
	env := toyMake(t, flID, dojo.Options{"is_slippery": false, "reward": map[string]any{"potential": 1.0}})
	// Fewest actions to G on SFFF / FHFH / FFFH / HFFG; holes -1, G 0.
	want := []int32{6, 5, 4, 5, 5, -1, 3, -1, 4, 3, 2, -1, -1, 2, 1, 0}
	if diff := cmp.Diff(want, env.w.dist); diff != "" {
		t.Fatalf("distances (-want +got):\n%s", diff)
	}
	const d = 7.0 // D+1, D = 6 the largest finite distance
	phi := func(dist float64) float64 { return 1 - dist/d }
	if env.w.phi[0] != phi(6) || env.w.phi[5] != 0 || env.w.phi[15] != 0 {
		t.Errorf("Φ(0) = %v, Φ(hole) = %v, Φ(goal) = %v; want %v, 0, 0", env.w.phi[0], env.w.phi[5], env.w.phi[15], phi(6))
	}
	m := env.MDP()
	gamma := 0.99
	for _, c := range []struct {
		s, a int
		want float64
	}{
		{0, flDown, gamma*phi(5) - phi(6)}, // closer to the goal
		{0, flLeft, gamma*phi(6) - phi(6)}, // in place: (γ-1)Φ, a little negative
		{14, flRight, 0 - phi(1)},          // into the goal: Φ(s') = 0 (success pays the rest)
		{4, flRight, 0 - phi(5)},           // into a hole: Φ(s') = 0 too, a loss
		{15, flLeft, 0},                    // absorbing: no shaping
	} {
		if got := m.P[c.s][c.a][0].Reward; got != c.want {
			t.Errorf("potential of P[%d][%d] = %v, want %v", c.s, c.a, got, c.want)
		}
	}
	// With Φ ≥ 0 the potential never pays for standing still (γ−1)Φ(s) ≤ 0,
	// nor for ending the episode without success, −Φ(s) ≤ 0.
	for _, id := range []string{flID, cwID, taxiID} {
		opts := dojo.Options{"reward": map[string]any{"potential": 1.0}, "is_slippery": true}
		if id == taxiID {
			opts = dojo.Options{"reward": map[string]any{"potential": 1.0}, "is_rainy": true}
		}
		shaped := toyMake(t, id, opts).MDP()
		for s := range shaped.P {
			for a := range shaped.P[s] {
				for _, o := range shaped.P[s][a] {
					if (o.Next == s || o.Terminated) && o.Reward > 1e-12 {
						t.Fatalf("%s: P[%d][%d] stays in place or ends the episode with potential %v > 0", id, s, a, o.Reward)
					}
				}
			}
		}
	}
}

func TestToyTextOracleUnsolvableMap(t *testing.T) {
	t.Parallel()
	env := toyMake(t, flID, dojo.Options{"desc": []string{"SHG"}, "is_slippery": false})
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, 1); err != nil {
		t.Fatal(err)
	}
	_, err := env.OracleAction(ctx)
	if dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), "no path leads from state 0 to the goal") {
		t.Errorf("oracle on an unsolvable map: %v", err)
	}
	if d, _ := (dojo.Metrics)(env.metrics).Get("distance"); d != -1 {
		t.Errorf("distance on an unsolvable map %v, want -1", d)
	}
}

func TestToyTextOptionsFromText(t *testing.T) {
	t.Parallel()
	// Options typed on a command line: a comma-separated desc.
	spec, err := toyRegistry(t).Spec(flID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := spec.ParseOptionString("desc", "SFF,FHG")
	if err != nil {
		t.Fatal(err)
	}
	env := toyMake(t, flID, dojo.Options{"desc": v})
	if got := env.w.game.(*frozenLake).desc; !cmp.Equal(got, []string{"SFF", "FHG"}) {
		t.Errorf("desc from text: %q", got)
	}
	big := filepath.Join(t.TempDir(), "big.map")
	if err := os.WriteFile(big, bytes.Repeat([]byte("SFG\n"), flMaxFile/4+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := toyRegistry(t).Make(flID, dojo.Options{"map_file": big}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("huge map file: %v", err)
	}
}

// TestToyTextInstructions checks option instructions: a system message
// first on Reset naming the task, the step limit, every action word and the
// reply format, then the very observations and steps of text=true alone.
func TestToyTextInstructions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		id   string
		opts dojo.Options
		task string
	}{
		{flID, dojo.Options{"max_steps": 30}, "from the start S to the goal G"},
		{flID, dojo.Options{"is_slippery": false}, "not slippery"},
		{cwID, nil, "to the goal T"},
		{taxiID, dojo.Options{"is_rainy": true}, "drop them off"},
	} {
		t.Run(fmt.Sprint(c.id, c.opts), func(t *testing.T) {
			t.Parallel()
			plain, with := dojo.Options{"text": true}, dojo.Options{"text": true, "instructions": true}
			for k, v := range c.opts {
				plain[k], with[k] = v, v
			}
			a, b := toyMake(t, c.id, plain), toyMake(t, c.id, with)
			oa, _, err := a.Reset(ctx, 7)
			if err != nil {
				t.Fatal(err)
			}
			ob, _, err := b.Reset(ctx, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(ob.Messages) != 2 || ob.Messages[0].Role != "system" || !cmp.Equal(ob.Messages[1], oa.Messages[0]) {
				t.Fatalf("Reset messages %+v: want a system message, then %+v", ob.Messages, oa.Messages)
			}
			sys := ob.Messages[0].Content
			if ob.Text != sys+"\n\n"+oa.Text {
				t.Errorf("Reset text %q: want the system message, a blank line and %q", ob.Text, oa.Text)
			}
			want := []string{c.task, fmt.Sprintf("You have %d steps.", b.maxSteps), "<answer>" + b.w.labels[0] + "</answer>", "action word alone"}
			for _, l := range b.w.labels {
				want = append(want, "\n"+l+": ")
			}
			for _, w := range want {
				if !strings.Contains(sys, w) {
					t.Errorf("system message lacks %q:\n%s", w, sys)
				}
			}
			// The instructions change nothing else: the same steps follow.
			rng := rand.New(rand.NewPCG(1, 2))
			for i := 0; i < 40; i++ {
				act := toyRandomAction(rng, b.w.labels)
				sa, err := a.Step(ctx, act)
				if err != nil {
					t.Fatal(err)
				}
				sb, err := b.Step(ctx, act)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(sa, sb); diff != "" {
					t.Fatalf("step %d differs with instructions (-without +with):\n%s", i+1, diff)
				}
				if sa.Done() {
					break
				}
			}
		})
	}
	_, err := toyRegistry(t).Make(taxiID, dojo.Options{"instructions": true})
	if dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), `option "instructions" needs text=true`) {
		t.Errorf("instructions without text: %v, want an invalid-option error naming it", err)
	}
}
