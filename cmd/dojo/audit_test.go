package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestRewardAudit(t *testing.T) {
	t.Parallel()
	r := dojoCmd(t, "", "reward", "audit", "gridworld/FrozenLake8x8-v1")
	if r.code != 0 {
		t.Fatalf("dojo reward audit: exit %d, stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{"sparse optimum: success 0.8639", "shaped       0.8639", "preserves the optimum", "shaped+cost  0.3688", "changes the optimum"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("audit table lacks %q:\n%s", want, r.stdout)
		}
	}
	// JSON, options and custom weights.
	r = dojoCmd(t, "", "reward", "audit", "gridworld/FrozenLake-v1", "--opt", "is_slippery=false", "--reward", "shaped", "--reward", `{"success": 1, "step_cost": 0.5}`, "--json")
	if r.code != 0 {
		t.Fatalf("dojo reward audit --json: exit %d, stderr %s", r.code, r.stderr)
	}
	var rep struct {
		Env     string `json:"env"`
		Optimum struct {
			Success float64 `json:"success"`
		} `json:"sparse_optimum"`
		Profiles []struct {
			Profile   string  `json:"profile"`
			Preserves bool    `json:"preserves"`
			Success   float64 `json:"success"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	// A step cost of 0.5 against a success of 1, six steps away: dying in
	// the nearest hole (one step, cost 0.5) beats the goal (1 − 6·0.5 < 0 discounted).
	if rep.Env != "gridworld/FrozenLake-v1" || rep.Optimum.Success != 1 || len(rep.Profiles) != 2 ||
		!rep.Profiles[0].Preserves || rep.Profiles[1].Preserves || rep.Profiles[1].Success != 0 {
		t.Errorf("report %+v", rep)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"reward", "audit", "sql/HR-v0"}, "has no exact model"},
		{[]string{"reward", "audit", "bandit/Linear-10-v0"}, "no exact model: the Linear bandit's means change"},
		{[]string{"reward", "audit", "gridworld/Empty-5x5-v0", "--reward", "explore"}, `profile "explore" weighs explore, which the model does not give`},
		{[]string{"reward", "audit", "gridworld/DoorKey-8x8-v0", "--max-states", "1000"}, "more than 1000 states reachable, the cap of the exact model"},
		{[]string{"reward", "audit", "bandit/Bernoulli-5-v0", "--max-states", "1000"}, "5951 states (horizon 1000), above the cap of the exact model, 1000"},
		{[]string{"reward", "audit", "gridworld/FrozenLake-v1", "--reward", "nope"}, `unknown reward profile "nope"`},
		{[]string{"reward", "audit", "gridworld/FrozenLake-v1", "--opt", "reward=sparse"}, "--reward"},
		{[]string{"reward", "audit", "gridworld/Nope-v0"}, "Nope"},
		{[]string{"reward", "audit", "gridworld/FrozenLake-v1", "--gamma", "2"}, "gamma 2 is not in [0, 1]"},
	} {
		r := dojoCmd(t, "", c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("dojo %v: exit %d, stderr %q, want an error with %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// TestRewardAuditWorlds audits a MiniGrid world and a bandit: the
// explore preset is listed as not audited, the seed chooses the world.
func TestRewardAuditWorlds(t *testing.T) {
	t.Parallel()
	r := dojoCmd(t, "", "reward", "audit", "gridworld/DoorKey-5x5-v0", "--seed", "3")
	if r.code != 0 {
		t.Fatalf("dojo reward audit DoorKey: exit %d, stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{"gridworld/DoorKey-5x5-v0: ", " steps (", "shaped ", "minigrid ", "preserves the optimum", "not audited: explore weighs explore"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("DoorKey audit lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "changes the optimum") {
		t.Errorf("a built-in profile of DoorKey changes the optimum:\n%s", r.stdout)
	}
	states := func(args ...string) int {
		t.Helper()
		r := dojoCmd(t, "", append([]string{"reward", "audit"}, append(args, "--json")...)...)
		if r.code != 0 {
			t.Fatalf("dojo reward audit %v: exit %d, stderr %s", args, r.code, r.stderr)
		}
		var rep struct {
			States  int `json:"states"`
			Skipped []struct {
				Profile string `json:"profile"`
			} `json:"skipped"`
			Profiles []struct {
				Profile   string `json:"profile"`
				Preserves bool   `json:"preserves"`
			} `json:"profiles"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("%v: %s", err, r.stdout)
		}
		for _, p := range rep.Profiles {
			if !p.Preserves {
				t.Errorf("%v: %s changes the optimum", args, p.Profile)
			}
		}
		return rep.States
	}
	// The 5x5 room has 3x3 free cells, the goal one of them: 8 cells × 4
	// headings, plus the absorbing state.
	if n := states("gridworld/Empty-5x5-v0"); n != 33 {
		t.Errorf("Empty-5x5: %d states, want 33", n)
	}
	// The bandit's states: 900 steps before the window of 100, then
	// (steps in the window, best pulls) pairs, plus the end.
	if n := states("bandit/Bernoulli-5-v0", "--seed", "2"); n != 900+100*101/2+1 {
		t.Errorf("Bernoulli-5: %d states, want %d", n, 900+100*101/2+1)
	}
	r = dojoCmd(t, "", "reward", "distance", "bandit/Bernoulli-5-v0", "--a", "native", "--b", "shaped")
	if r.code == 0 || !strings.Contains(r.stderr, "give --gamma") {
		t.Errorf("bandit distance without --gamma: exit %d, stderr %q", r.code, r.stderr)
	}
	r = dojoCmd(t, "", "reward", "distance", "gridworld/Empty-5x5-v0", "--a", "sparse", "--b", "minigrid")
	if r.code == 0 || !strings.Contains(r.stderr, "weighs minigrid, which depends on the step count") || !strings.Contains(r.stderr, "--finite") {
		t.Errorf("distance of a step-dependent reward: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestRewardDistance(t *testing.T) {
	t.Parallel()
	dist := func(args ...string) float64 {
		t.Helper()
		r := dojoCmd(t, "", append([]string{"reward", "distance"}, append(args, "--json")...)...)
		if r.code != 0 {
			t.Fatalf("dojo reward distance %v: exit %d, stderr %s", args, r.code, r.stderr)
		}
		var out struct {
			Distance *float64 `json:"distance"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Distance == nil {
			t.Fatalf("%v: %s", err, r.stdout)
		}
		return *out.Distance
	}
	// Potential shaping on a MiniGrid world, and the bandit's regret
	// against its expected payout (μ* − regret is the expected payout, the
	// same up to a constant per step, which the model's steps count).
	if d := dist("gridworld/DoorKey-5x5-v0", "--a", "sparse", "--b", `{"success": 1, "potential": 1}`); d > 1e-9 {
		t.Errorf("d(sparse, sparse+potential) on DoorKey = %v, want 0", d)
	}
	if d := dist("bandit/Bernoulli-5-v0", "--a", "native", "--b", `{"regret": 1}`, "--gamma", "0.99"); d > 1e-9 {
		t.Errorf("d(payout, regret) on Bernoulli-5 = %v, want 0", d)
	}
	if d := dist("gridworld/DoorKey-5x5-v0", "--a", "minigrid", "--b", "shaped", "--finite"); d > 1e-9 {
		t.Errorf("d(minigrid, shaped) on DoorKey, finite horizon = %v, want 0", d)
	}
	if d := dist("gridworld/DoorKey-5x5-v0", "--a", "sparse", "--b", "minigrid", "--finite"); d < 0.01 {
		t.Errorf("d(sparse, minigrid) on DoorKey, finite horizon = %v, want positive", d)
	}
	if d := dist("gridworld/Taxi-v3", "--a", "sparse", "--b", "shaped"); d > 1e-9 {
		t.Errorf("d(sparse, shaped) on Taxi = %v, want 0", d)
	}
	if d := dist("gridworld/Taxi-v3", "--a", "sparse", "--b", `{"success": 3}`); d > 1e-9 {
		t.Errorf("d(sparse, 3·sparse) = %v, want 0", d)
	}
	if d := dist("gridworld/Taxi-v3", "--a", "sparse", "--b", "gym"); d <= 0.01 {
		t.Errorf("d(sparse, gym) on Taxi = %v, want positive", d)
	}
	// A user's table: 1 on reaching the goal of the 4x4 lake from its
	// neighbour 14 (the other, 11, is a hole), by any action that can slip
	// or move right.
	dir := t.TempDir()
	var rows []string
	for _, sa := range [][2]int{{14, 1}, {14, 2}, {14, 3}} {
		rows = append(rows, "["+strconv.Itoa(sa[0])+", "+strconv.Itoa(sa[1])+", 15, 1]")
	}
	path := filepath.Join(dir, "goal.json")
	if err := os.WriteFile(path, []byte(`{"default": 0, "rewards": [`+strings.Join(rows, ", ")+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if d := dist("gridworld/FrozenLake-v1", "--a", path, "--b", "shaped"); d > 1e-9 {
		t.Errorf("d(table of sparse, shaped) = %v, want 0", d)
	}
	r := dojoCmd(t, "", "reward", "distance", "gridworld/FrozenLake-v1", "--a", "sparse")
	if r.code != 2 || !strings.Contains(r.stderr, "needs both --a and --b") {
		t.Errorf("without --b: exit %d, stderr %q", r.code, r.stderr)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"rewards": [[0, 0, 15, 1]]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = dojoCmd(t, "", "reward", "distance", "gridworld/FrozenLake-v1", "--a", "sparse", "--b", bad)
	if r.code == 0 || !strings.Contains(r.stderr, "never leads to state 15") {
		t.Errorf("bad table: exit %d, stderr %q", r.code, r.stderr)
	}
}
