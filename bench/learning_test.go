package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/envs"
)

func qlearner(testing.TB) func(int) (dojo.AgentMaker, error) {
	return func(n int) (dojo.AgentMaker, error) {
		return agents.New("qlearning:episodes=" + strconv.Itoa(n))
	}
}

// smallLearning is the golden case: FrozenLake 4x4 without slipping,
// two budgets, two seeds, four evaluation episodes.
func smallLearning(t testing.TB, workers int) *LearningReport {
	rep, err := Learning(context.Background(), LearningConfig{
		Registry: envs.Default(), Env: "gridworld/FrozenLake-v1", Options: dojo.Options{"is_slippery": false},
		Profiles: []LearningProfile{{"sparse", "sparse"}, {"potential", map[string]float64{"success": 1, "potential": 1}}},
		Learner:  "qlearning", NewLearner: qlearner(t),
		Checkpoints: []int{20, 60}, Seeds: []uint64{0, 1}, EvalEpisodes: 4, EvalSeed: 7, Workers: workers,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestLearningGolden(t *testing.T) {
	t.Parallel()
	rep := smallLearning(t, 1)
	got, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	dojotest.Golden(t, filepath.Join("testdata", "learning.golden.json"), got, *update)

	// The same with more workers than jobs and again: byte-identical.
	again, _ := json.MarshalIndent(smallLearning(t, 5), "", "  ")
	if !bytes.Equal(again, got[:len(got)-1]) {
		t.Errorf("with 5 workers the report differs:\n%s\nwant\n%s", again, got)
	}

	// The weights shown are the profile's nonzero ones; a point's mean
	// is the mean of its seeds and its interval holds it.
	if w := rep.Profiles[0].Weights; len(w) != 1 || w["success"] != 1 {
		t.Errorf("sparse weights %v", w)
	}
	if w := rep.Profiles[1].Weights; len(w) != 2 || w["potential"] != 1 {
		t.Errorf("potential weights %v", w)
	}
	for _, c := range rep.Profiles {
		for _, pt := range c.Points {
			mean := (pt.PerSeed[0] + pt.PerSeed[1]) / 2
			if pt.Success != mean || pt.Lo > mean || pt.Hi < mean {
				t.Errorf("%s at %d: success %v [%v, %v], per seed %v", c.Name, pt.Episodes, pt.Success, pt.Lo, pt.Hi, pt.PerSeed)
			}
		}
	}
}

// TestLearningShapingHelps is the measurement behind the README's
// example, at a smaller scale: on Taxi, Q-learning with potential-based
// shaping learns to deliver the passenger in far fewer episodes than with
// the sparse reward alone.
func TestLearningDefaultProfiles(t *testing.T) {
	t.Parallel()
	rep, err := Learning(context.Background(), LearningConfig{
		Registry: envs.Default(), Env: "gridworld/FrozenLake-v1", Learner: "qlearning", NewLearner: qlearner(t),
		Checkpoints: []int{3}, Seeds: []uint64{0}, EvalEpisodes: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := envs.Default().Spec("gridworld/FrozenLake-v1")
	var names []string
	for _, p := range rep.Profiles {
		names = append(names, p.Name)
	}
	want := []string{"sparse", "shaped"}
	for _, n := range slices.Sorted(maps.Keys(spec.Profiles)) {
		want = append(want, n)
	}
	if !slices.Equal(names, want) {
		t.Errorf("profiles %v, want %v: sparse, shaped, then the env's presets by name", names, want)
	}
}

func TestLearningShapingHelps(t *testing.T) {
	t.Parallel()
	rep, err := Learning(context.Background(), LearningConfig{
		Registry: envs.Default(), Env: "gridworld/Taxi-v3",
		Profiles: []LearningProfile{{"sparse", "sparse"}, {"potential", map[string]float64{"success": 1, "potential": 1}}},
		Learner:  "qlearning", NewLearner: qlearner(t),
		Checkpoints: []int{200}, Seeds: []uint64{0, 1, 2}, EvalEpisodes: 20, Workers: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	sparse, shaped := rep.Profiles[0].Points[0], rep.Profiles[1].Points[0]
	if shaped.Success < sparse.Success+0.3 || shaped.Lo <= sparse.Hi {
		t.Errorf("after 200 episodes: sparse %.2f [%.2f, %.2f], potential %.2f [%.2f, %.2f]: want shaping clearly ahead",
			sparse.Success, sparse.Lo, sparse.Hi, shaped.Success, shaped.Lo, shaped.Hi)
	}
}

func TestLearningFiles(t *testing.T) {
	t.Parallel()
	rep := smallLearning(t, 2)
	dir := t.TempDir()
	paths, err := rep.WriteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("wrote %v", paths)
	}
	f, err := os.Open(filepath.Join(dir, "learning.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != learningW+learningLegendW || b.Dy() != learningH {
		t.Errorf("learning.png is %v", b)
	}
	md, err := os.ReadFile(filepath.Join(dir, "learning.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| profile | weights | 20 eps | 60 eps | 95% CI at 60 |", "| sparse | success=1 |", "percentile bootstrap over the 2 training seeds"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("learning.md lacks %q:\n%s", want, md)
		}
	}
	var back LearningReport
	b, _ := os.ReadFile(filepath.Join(dir, "learning.json"))
	if err := json.Unmarshal(b, &back); err != nil || len(back.Profiles) != len(rep.Profiles) {
		t.Errorf("learning.json: %v, %d profiles", err, len(back.Profiles))
	}
}

func TestLearningErrors(t *testing.T) {
	t.Parallel()
	base := func() LearningConfig {
		return LearningConfig{Registry: envs.Default(), Env: "gridworld/FrozenLake-v1", Learner: "qlearning", NewLearner: qlearner(t),
			Checkpoints: []int{5}, Seeds: []uint64{0}, EvalEpisodes: 1}
	}
	cases := []struct {
		name string
		edit func(*LearningConfig)
		want string
	}{
		{"unknown profile", func(c *LearningConfig) { c.Profiles = []LearningProfile{{"nope", "nope"}} }, `profile nope: gridworld/FrozenLake-v1: unknown reward profile "nope"`},
		{"unknown component", func(c *LearningConfig) {
			c.Profiles = []LearningProfile{{"w", map[string]float64{"bogus": 1}}}
		}, `unknown component "bogus"`},
		{"checkpoints out of order", func(c *LearningConfig) { c.Checkpoints = []int{10, 5} }, "increasing order"},
		{"no seeds", func(c *LearningConfig) { c.Seeds = nil }, "one training seed"},
		{"unknown env", func(c *LearningConfig) { c.Env = "gridworld/Nope-v0" }, "Nope-v0"},
		{"bad option", func(c *LearningConfig) { c.Options = dojo.Options{"map_name": "9x9"} }, "map_name"},
		{"learner fails", func(c *LearningConfig) {
			c.NewLearner = func(int) (dojo.AgentMaker, error) { return agents.New("random:episodes=3") }
		}, "profile sparse, 5 training episodes, seed 0: agent random: unknown parameter"},
	}
	for _, tc := range cases {
		cfg := base()
		tc.edit(&cfg)
		_, err := Learning(context.Background(), cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestCheckpoints(t *testing.T) {
	for _, tc := range []struct {
		n, k int
		want string
	}{{2000, 4, "[500 1000 1500 2000]"}, {10, 3, "[3 7 10]"}, {3, 5, "[1 2 3]"}, {5, 1, "[5]"}} {
		if got := fmt.Sprint(Checkpoints(tc.n, tc.k)); got != tc.want {
			t.Errorf("Checkpoints(%d, %d) = %s, want %s", tc.n, tc.k, got, tc.want)
		}
	}
}
