package bench

import (
	"math"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/runner"
)

// doorKey makes a DoorKey record played with the shaped profile's weights
// (minigrid 1, potential 1, step_cost 0.02) and the given part sums.
func doorKey(i int, success bool, minigrid, potential, steps float64) runner.Episode {
	s, potFired := 0.0, 0
	if success {
		s = 1
	}
	if potential != 0 {
		potFired = int(steps)
	}
	parts := []runner.PartTotal{
		{Name: "success", Sum: s, Weight: 0, Fired: int(s)},
		{Name: "minigrid", Sum: minigrid, Weight: 1, Fired: int(s)},
		{Name: "potential", Sum: potential, Weight: 1, Fired: potFired},
		{Name: "step_cost", Sum: -steps, Weight: 0.02, Fired: int(steps)},
		{Name: "explore", Sum: 0, Weight: 0},
		{Name: "lava", Sum: 0, Weight: 1},
		{Name: "invalid", Sum: 0, Weight: 0.1},
	}
	ret := minigrid + potential - 0.02*steps
	return runner.Episode{Episode: i, Env: "gridworld/DoorKey-5x5-v0", Options: dojo.Options{"reward": "shaped+cost", "text": false},
		Seed: uint64(100 + i), Agent: "a", Success: success, Return: ret, Length: int(steps), Parts: parts}
}

func TestRewardLab(t *testing.T) {
	t.Parallel()
	eps := []runner.Episode{
		doorKey(0, true, 0.9, 0.5, 10), // shaped 1.2
		doorKey(1, true, 0.8, 0.4, 20), // shaped 0.8
		doorKey(2, false, 0, 1.9, 50),  // shaped 0.9: paid like the worse success
		doorKey(3, false, 0, 3.0, 50),  // shaped 2.0: paid like a typical success
		doorKey(4, false, 0, 0, 50),    // shaped −1
		{Episode: 5, Env: "gridworld/DoorKey-5x5-v0", Options: dojo.Options{"reward": "shaped+cost", "text": false}, Agent: "a", Error: "boom"},
	}
	lab, err := AnalyzeRewards(eps, envs.Default(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(lab.Groups) != 1 {
		t.Fatalf("%d groups, want 1", len(lab.Groups))
	}
	g := lab.Groups[0]
	if g.Episodes != 5 || g.Successes != 2 || g.Errors != 1 || g.Steps != 180 {
		t.Fatalf("group %+v", g)
	}
	var names []string
	for _, p := range g.Profiles {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "shaped+cost,sparse,shaped,explore,minigrid" || !g.Profiles[0].AsPlayed {
		t.Fatalf("profiles %v: want the played one (shaped+cost) first, then the others", names)
	}
	near := func(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }
	sh := g.Profiles[0]
	if !near(sh.Threshold, 1.0) || !near(sh.LowThreshold, 0.8) || sh.Candidates != 1 || sh.LowCandidates != 2 || sh.Failures != 3 || !near(sh.BestFailure, 2.0) {
		t.Errorf("shaped: %+v", sh)
	}
	if len(sh.Top) != 2 || sh.Top[0].Episode != 3 || sh.Top[0].Seed != 103 || sh.Top[1].Episode != 2 || math.Abs(sh.Top[0].Return-2) > 1e-9 {
		t.Errorf("shaped candidates %+v: want episodes 3 then 2", sh.Top)
	}
	// minigrid pays successes only: no candidates, and by hand
	// r = M₁/s·√(pq) with x = (0.9, 0.8, 0, 0, 0): M₁ = 0.85, s = √0.1744,
	// p = 0.4.
	mg := g.Profiles[3]
	if mg.Candidates != 0 || mg.LowCandidates != 0 || !near(mg.R, 0.85/math.Sqrt(0.1744)*math.Sqrt(0.24)) {
		t.Errorf("minigrid: %+v (r %v)", mg, *mg.R)
	}
	pot := g.Parts[2]
	if pot.Name != "potential" || !near(pot.MeanSuccess, 0.45) || !near(pot.MeanFailure, 4.9/3) || pot.Fired != 0.8 || math.Abs(pot.StepRate-130.0/180) > 1e-12 || pot.R == nil || *pot.R >= 0 {
		t.Errorf("potential: %+v: want means 0.45 and 1.633, fired in 4 of 5 episodes, a negative correlation", pot)
	}
	if lava := g.Parts[5]; lava.R != nil || lava.Fired != 0 {
		t.Errorf("lava never varies: %+v, want no correlation", lava)
	}

	var b strings.Builder
	if err := lab.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"gridworld/DoorKey-5x5-v0: 5 episodes (agent a), 2 successes (40.0%); 1 failed with an error", "shaped+cost (played)", "1 of 3 (≥ 1.000)", "2 (≥ 0.800)", "hacking candidates under shaped+cost"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}

func TestRewardLabFromSteps(t *testing.T) {
	t.Parallel()
	// A record with steps but no totals (written before the runner
	// totalled parts) is summed from its steps; an env this build does not
	// know is analysed with the weights as played.
	step := func(progress, success float64) runner.StepRecord {
		return runner.StepRecord{Info: dojo.Info{Parts: []dojo.Part{{Name: "success", Value: success, Weight: 1}, {Name: "progress", Value: progress, Weight: 0.5}}}}
	}
	eps := []runner.Episode{
		{Episode: 0, Env: "other/Thing-v0", Success: true, Length: 2, Steps: []runner.StepRecord{step(1, 0), step(1, 1)}},
		{Episode: 1, Env: "other/Thing-v0", Length: 2, Steps: []runner.StepRecord{step(1, 0), step(0, 0)}},
	}
	lab, err := AnalyzeRewards(eps, envs.Default(), 5)
	if err != nil {
		t.Fatal(err)
	}
	g := lab.Groups[0]
	if len(g.Profiles) != 1 || g.Profiles[0].Name != "as played" || len(g.Notes) == 0 {
		t.Fatalf("group %+v", g)
	}
	if p := g.Parts[1]; p.Name != "progress" || p.Mean != 1.5 || p.Fired != 1 || p.StepRate != 0.75 {
		t.Errorf("progress from steps: %+v", p)
	}
	if _, err := AnalyzeRewards([]runner.Episode{{Env: "x/Y-v0"}}, envs.Default(), 5); err == nil || !strings.Contains(err.Error(), "no reward parts") {
		t.Errorf("a record without parts or steps: %v", err)
	}
}
