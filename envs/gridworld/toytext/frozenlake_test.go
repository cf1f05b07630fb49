package toytext

import (
	"context"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dojo-rl/dojo"
)

// Gymnasium's slippery probabilities for the default success_rate 1/3:
// success_rate = 1.0/3.0 and (1.0 - success_rate)/2.0, in float64.
const (
	flThird = 0.3333333333333333
	flFail  = 0.33333333333333337
)

// toyPCase is a hand-verified entry of Gymnasium's P.
type toyPCase struct {
	name string
	id   string
	opts dojo.Options
	s, a int
	want []dojo.Outcome
}

func toyCheckP(t *testing.T, cases []toyPCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := toyMake(t, c.id, c.opts).MDP()
			if err := m.Check(); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, m.P[c.s][c.a]); diff != "" {
				t.Errorf("P[%d][%d] (-want +got):\n%s", c.s, c.a, diff)
			}
		})
	}
}

func TestFrozenLakeP(t *testing.T) {
	t.Parallel()
	one, three := 1.0, 3.0 // variables: float64 arithmetic, as Python's
	third := one / three
	if fail := (one - third) / 2; third != flThird || fail != flFail {
		t.Fatalf("float64 arithmetic: 1/3 = %v, (1-1/3)/2 = %v; want %v, %v", third, fail, flThird, flFail)
	}
	det := dojo.Options{"is_slippery": false}
	o := func(p float64, next int, r float64, term bool) dojo.Outcome {
		return dojo.Outcome{Prob: p, Next: next, Reward: r, Terminated: term}
	}
	// 4x4: SFFF / FHFH / FFFH / HFFG; 8x8 bottom rows FHFFHFHF / FFFHFFFG.
	toyCheckP(t, []toyPCase{
		{"4x4 slippery left at start: up, left, down; equal outcomes not merged", flID, nil, 0, flLeft,
			[]dojo.Outcome{o(flFail, 0, 0, false), o(flThird, 0, 0, false), o(flFail, 4, 0, false)}},
		{"4x4 slippery down between holes", flID, nil, 6, flDown,
			[]dojo.Outcome{o(flFail, 5, 0, true), o(flThird, 10, 0, false), o(flFail, 7, 0, true)}},
		{"4x4 slippery right next to the goal", flID, nil, 14, flRight,
			[]dojo.Outcome{o(flFail, 14, 0, false), o(flThird, 15, 1, true), o(flFail, 10, 0, false)}},
		{"4x4 slippery up at the top edge", flID, nil, 2, flUp,
			[]dojo.Outcome{o(flFail, 3, 0, false), o(flThird, 2, 0, false), o(flFail, 1, 0, false)}},
		{"4x4 hole is absorbing", flID, nil, 5, flRight, []dojo.Outcome{o(1, 5, 0, true)}},
		{"4x4 goal is absorbing", flID, nil, 15, flLeft, []dojo.Outcome{o(1, 15, 0, true)}},
		{"4x4 deterministic into the goal", flID, det, 14, flRight, []dojo.Outcome{o(1, 15, 1, true)}},
		{"4x4 deterministic into a hole", flID, det, 4, flRight, []dojo.Outcome{o(1, 5, 0, true)}},
		{"4x4 deterministic at the left edge", flID, det, 8, flLeft, []dojo.Outcome{o(1, 8, 0, false)}},
		{"8x8 deterministic into a hole", fl8ID, det, 58, flRight, []dojo.Outcome{o(1, 59, 0, true)}},
		{"8x8 slippery next to the goal", fl8ID, nil, 62, flRight,
			[]dojo.Outcome{o(flFail, 62, 0, false), o(flThird, 63, 1, true), o(flFail, 54, 0, true)}},
		{"8x8 slippery up at the corner", fl8ID, nil, 0, flUp,
			[]dojo.Outcome{o(flFail, 1, 0, false), o(flThird, 0, 0, false), o(flFail, 0, 0, false)}},
		{"8x8 via map_name", flID, dojo.Options{"map_name": "8x8"}, 62, flRight,
			[]dojo.Outcome{o(flFail, 62, 0, false), o(flThird, 63, 1, true), o(flFail, 54, 0, true)}},
		{"success_rate 0.7 (Gymnasium's float arithmetic)", flID, dojo.Options{"success_rate": 0.7}, 9, flDown,
			[]dojo.Outcome{o(0.15000000000000002, 8, 0, false), o(0.7, 13, 0, false), o(0.15000000000000002, 10, 0, false)}},
		{"success_rate 1 keeps three outcomes", flID, dojo.Options{"success_rate": 1.0}, 0, flRight,
			[]dojo.Outcome{o(0, 4, 0, false), o(1, 1, 0, false), o(0, 0, 0, false)}},
		{"reward_schedule goal", flID, dojo.Options{"is_slippery": false, "reward_schedule": []any{5.0, -2.0, 0.5}}, 14, flRight, []dojo.Outcome{o(1, 15, 5, true)}},
		{"reward_schedule hole", flID, dojo.Options{"is_slippery": false, "reward_schedule": []any{5.0, -2.0, 0.5}}, 6, flRight, []dojo.Outcome{o(1, 7, -2, true)}},
		{"reward_schedule start counts as frozen", flID, dojo.Options{"is_slippery": false, "reward_schedule": []int{5, -2, 3}}, 4, flUp, []dojo.Outcome{o(1, 0, 3, false)}},
		{"custom desc", flID, dojo.Options{"desc": []string{"HSG"}}, 1, flDown,
			[]dojo.Outcome{o(flFail, 0, 0, true), o(flThird, 1, 0, false), o(flFail, 2, 1, true)}},
	})
}

func TestFrozenLakeInitialState(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		opts  dojo.Options
		start int
	}{
		{nil, 0},
		{dojo.Options{"desc": []string{"FFH", "GSF"}}, 4},
	} {
		env := toyMake(t, flID, c.opts)
		m := env.MDP()
		want := make([]float64, m.NS)
		want[c.start] = 1
		if diff := cmp.Diff(want, m.InitialStateDistrib); diff != "" {
			t.Errorf("%v: initial_state_distrib (-want +got):\n%s", c.opts, diff)
		}
		for seed := range uint64(20) {
			obs, _, err := env.Reset(context.Background(), seed)
			if err != nil || obs.Value != c.start {
				t.Fatalf("Reset(%d) = %v, %v; want %d", seed, obs.Value, err, c.start)
			}
		}
	}
}

func TestFrozenLakeParseMapText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		text string
		want []string
		err  string
	}{
		{"plain", "SFFF\nFHFH\nFFFH\nHFFG\n", []string{"SFFF", "FHFH", "FFFH", "HFFG"}, ""},
		{"comments, blanks, CRLF, indentation", "# my lake\r\n\r\n  SFH\r\n# middle\r\nFFG  \r\n", []string{"SFH", "FFG"}, ""},
		{"no trailing newline, rectangle", "SFFFG", []string{"SFFFG"}, ""},
		{"several goals", "SG\nGG", []string{"SG", "GG"}, ""},
		{"space inside", "SF G\nFFFF", nil, "m: line 1, column 3: unknown letter ' '"},
		{"lower case", "sfg", nil, "m: line 1, column 1: unknown letter 's'"},
		{"unicode", "SFé\nFFG", nil, "m: line 1, column 3: unknown letter 'é'"},
		{"ragged", "# c\nSFF\nFF\n", nil, "m: line 3 has 2 cells but the first row has 3"},
		{"no start", "FFG", nil, "no start S"},
		{"two starts", "SF\nFS\nGG", nil, "2 starts S (m: line 1, column 1; m: line 2, column 2)"},
		{"no goal", "SF\nFH", nil, "no goal G"},
		{"only comments", "# x\n", nil, "m: no map rows"},
		{"too wide", "S" + strings.Repeat("F", flMaxSide) + "G", nil, "more than the limit of 128"},
		{"too tall", "SG\n" + strings.Repeat("FF\n", flMaxSide), nil, "the map has 129 rows, more than the limit of 128"},
	}
	for _, c := range cases {
		got, err := flParseMapText(c.text, "m")
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one containing %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s: map (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestFrozenLakeMapFile(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/lake.map"
	text := "# a 3x4 lake\nSFFH\nFHFF\nFFFG\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	env := toyMake(t, flID, dojo.Options{"map_file": path, "is_slippery": false})
	if got := env.w.game.(*frozenLake).desc; !cmp.Equal(got, []string{"SFFH", "FHFF", "FFFG"}) {
		t.Fatalf("map from file: %q", got)
	}
	if n := env.Spec().Observation.N; n != 12 {
		t.Errorf("nS = %d, want 12", n)
	}
	if d := env.w.dist[0]; d != 5 {
		t.Errorf("shortest path from S: %d steps, want 5", d)
	}
}

func TestFrozenLakeRandomMap(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for size := 2; size <= 12; size++ {
		for seed := range uint64(10) {
			m, err := flRandomMap(size, 0.6, seed)
			if err != nil {
				t.Fatalf("size %d seed %d: %v", size, seed, err)
			}
			again, _ := flRandomMap(size, 0.6, seed)
			if !cmp.Equal(m, again) {
				t.Fatalf("size %d seed %d: two maps from the same seed differ", size, seed)
			}
			if _, err := flParseMap(m, func(i int) string { return "row" }); err != nil {
				t.Fatalf("size %d seed %d: invalid map %q: %v", size, seed, m, err)
			}
			if len(m) != size || m[0][0] != 'S' || m[size-1][size-1] != 'G' {
				t.Fatalf("size %d seed %d: map %q", size, seed, m)
			}
			env := toyMake(t, flID, dojo.Options{"random_map": size, "random_map_p": 0.6, "map_seed": int(seed), "is_slippery": false})
			if !cmp.Equal(env.w.game.(*frozenLake).desc, m) {
				t.Fatalf("the random_map option gives another map than flRandomMap")
			}
			if env.w.dist[0] < 1 {
				t.Fatalf("size %d seed %d: no path from S to G in %q", size, seed, m)
			}
			seen[strings.Join(m, "/")] = true
		}
	}
	if len(seen) < 100 {
		t.Errorf("only %d different maps in 110 draws: the seed barely matters", len(seen))
	}
	all, _ := flRandomMap(5, 1, 3)
	if diff := cmp.Diff([]string{"SFFFF", "FFFFF", "FFFFF", "FFFFF", "FFFFG"}, all); diff != "" {
		t.Errorf("random_map_p = 1 (-want +got):\n%s", diff)
	}
	// Holes appear at the rate 1 - p.
	holes, cells := 0, 0
	for seed := range uint64(200) {
		m, _ := flRandomMap(8, 0.8, seed)
		for _, row := range m {
			holes += strings.Count(row, "H")
			cells += len(row)
		}
	}
	if rate := float64(holes) / float64(cells-2*200); rate < 0.1 || rate > 0.2 {
		t.Errorf("hole rate %.3f with random_map_p 0.8 (maps kept only with a path, so a bit below 0.2)", rate)
	}
}

// TestFrozenLakeSlipperyOracle checks the oracle of slippery 8x8 FrozenLake
// against the exact model: the discounted success over long episodes
// estimates V*(s0) of the success MDP, and the success rate within
// Gymnasium's 200 steps estimates the oracle policy's exact probability of
// success within 200 steps.
func TestFrozenLakeSlipperyOracle(t *testing.T) {
	t.Parallel()
	const episodes = 1000
	ctx := context.Background()

	long := toyMake(t, fl8ID, dojo.Options{"max_steps": 100000})
	vstar, policy := long.w.successMDP().ValueIteration(toyOracleGamma, 1e-12)
	var sum, sumSq float64
	for seed := range uint64(episodes) {
		if _, _, err := long.Reset(ctx, seed); err != nil {
			t.Fatal(err)
		}
		for steps := 1; ; steps++ {
			a, err := long.OracleAction(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if a.Index != policy[long.s] {
				t.Fatalf("oracle action %d in state %d, value iteration says %d", a.Index, long.s, policy[long.s])
			}
			st, err := long.Step(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if st.Done() {
				if st.Info.Success {
					g := math.Pow(toyOracleGamma, float64(steps-1))
					sum += g
					sumSq += g * g
				}
				break
			}
		}
	}
	mean := sum / episodes
	se := math.Sqrt((sumSq/episodes - mean*mean) / episodes)
	if math.Abs(mean-vstar[0]) > 4*se {
		t.Errorf("discounted success of the oracle: %.4f ± %.4f, V*(s0) = %.4f", mean, se, vstar[0])
	}

	env := toyMake(t, fl8ID, nil)
	m := env.MDP()
	p := make([]float64, m.NS) // success probability within k steps
	for range env.maxSteps {
		q := make([]float64, m.NS)
		for s := range m.NS {
			for _, o := range m.P[s][policy[s]] {
				switch {
				case o.Reward == 1 && !env.w.absorbing[s]:
					q[s] += o.Prob
				case !o.Terminated:
					q[s] += o.Prob * p[o.Next]
				}
			}
		}
		p = q
	}
	wins := 0
	for seed := range uint64(episodes) {
		if _, _, err := env.Reset(ctx, seed); err != nil {
			t.Fatal(err)
		}
		for {
			a, err := env.OracleAction(ctx)
			if err != nil {
				t.Fatal(err)
			}
			st, err := env.Step(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if st.Done() {
				if st.Info.Success {
					wins++
				}
				break
			}
		}
	}
	rate := float64(wins) / episodes
	se = math.Sqrt(p[0] * (1 - p[0]) / episodes)
	if math.Abs(rate-p[0]) > 4*se {
		t.Errorf("oracle success within 200 steps: %.3f, exact %.4f ± %.4f", rate, p[0], se)
	}
	if p[0] < 0.85 {
		t.Errorf("the oracle succeeds within 200 steps with probability %.3f, below Gymnasium's reward threshold 0.85", p[0])
	}
	t.Logf("V*(s0) = %.4f, discounted oracle %.4f ± %.4f; success within 200 steps %.3f, exact %.4f", vstar[0], mean, se, rate, p[0])
}

func TestFrozenLakeTextMatchesGymnasiumAnsiLayout(t *testing.T) {
	t.Parallel()
	env := toyMake(t, flID, dojo.Options{"text": true, "is_slippery": false})
	ctx := context.Background()
	obs, _, err := env.Reset(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Gymnasium's ansi render is "\n" (no last action yet) then the rows,
	// the agent highlighted; here the highlight is the letter A.
	if !strings.Contains(obs.Text, "\n\nAFFF\nFHFH\nFFFH\nHFFG\n") {
		t.Errorf("reset text lacks the ansi map:\n%s", obs.Text)
	}
	for _, a := range []int{flDown, flDown, flRight} {
		if _, err := env.Step(ctx, dojo.IndexAction(a)); err != nil {
			t.Fatal(err)
		}
	}
	st, err := env.Step(ctx, dojo.IndexAction(flUp))
	if err != nil {
		t.Fatal(err)
	}
	want := "You went up. You fell into a hole: the episode is over.\n  (Up)\nSFFF\nFAFH\nFFFH\nHFFG\nYou are at row 1, column 1 (state 5) on a hole H.\n"
	if !strings.HasPrefix(st.Obs.Text, want) || !st.Terminated {
		t.Errorf("text after falling into a hole:\n%s\nwant it to start with:\n%s", st.Obs.Text, want)
	}
	if len(st.Obs.Messages) != 1 || st.Obs.Messages[0].Role != "user" || st.Obs.Messages[0].Content != st.Obs.Text {
		t.Errorf("messages %+v, want one user message holding the text", st.Obs.Messages)
	}
}

func FuzzFrozenLakeMap(f *testing.F) {
	for _, s := range []string{"SFFF\nFHFH\nFFFH\nHFFG\n", "# c\nSG", "SF\r\nFG", "S\nG", "SFS\nFFG", "", "#", "SFé", "S G"} {
		f.Add(s)
	}
	r := toyRegistry(f)
	f.Fuzz(func(t *testing.T, text string) {
		rows, err := flParseMapText(text, "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") && !strings.HasPrefix(err.Error(), "the map") {
				t.Fatalf("error %q does not say which map", err)
			}
			return
		}
		starts, goals := 0, 0
		for _, row := range rows {
			if len(row) != len(rows[0]) || strings.Trim(row, "SFHG") != "" {
				t.Fatalf("accepted map %q has a ragged or bad row %q", rows, row)
			}
			starts += strings.Count(row, "S")
			goals += strings.Count(row, "G")
		}
		if starts != 1 || goals == 0 {
			t.Fatalf("accepted map %q has %d starts and %d goals", rows, starts, goals)
		}
		if len(rows)*len(rows[0]) > 400 {
			return
		}
		env, err := r.Make(flID, dojo.Options{"desc": rows})
		if err != nil {
			t.Fatalf("Make with accepted map %q: %v", rows, err)
		}
		if err := env.(dojo.Model).MDP().Check(); err != nil {
			t.Fatal(err)
		}
	})
}
