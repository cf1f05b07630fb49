package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinySuite is a suite file small enough for the end-to-end tests.
const tinySuite = `{"name": "tiny-v1", "entries": [
	{"env": "gridworld/FrozenLake-v1", "options": {"is_slippery": false}, "tasks": 20, "seed": 3},
	{"env": "bandit/Bernoulli-5-v0", "options": {"horizon": 50}, "tasks": 10, "seed": 9, "series": ["cumulative_regret"]},
	{"env": "toolcall/Bank-v0", "tasks": 10, "seed": 1}
]}`

func writeSuite(t *testing.T, dir, text string) string {
	t.Helper()
	path := filepath.Join(dir, "suite.json")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBenchRunReportAndCompare(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeSuite(t, dir, tinySuite)
	r := dojoCmd(t, dir, "bench", "run", "suite.json", "--agent", "random", "--trials", "2", "--out", "rand")
	if r.code != 0 {
		t.Fatalf("bench run: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"manifest sha256", "gridworld/FrozenLake-v1 is_slippery=false", "pass^2", "overall (mean of 3 envs)", "report in rand/report.md"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("bench run output lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, f := range []string{"run.json", "report.json", "report.md", "success.png", "regret.png", "returns.png", "parts.png", "episodes/toolcall_Bank-v0.t1.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, "rand", f)); err != nil {
			t.Errorf("bench run wrote no %s", f)
		}
	}
	// Running it again resumes: nothing to play, the same table.
	again := dojoCmd(t, dir, "bench", "run", "suite.json", "--agent", "random", "--trials", "2", "--out", "rand")
	table := func(s string) string { return s[:strings.Index(s, "episodes in")] }
	if again.code != 0 || table(again.stdout) != table(r.stdout) {
		t.Errorf("rerun: exit %d\n%s\nfirst:\n%s", again.code, again.stdout, r.stdout)
	}
	rep := dojoCmd(t, dir, "bench", "report", "rand", "--json")
	var report struct {
		Suite   string
		Entries []struct{ Label string }
	}
	if rep.code != 0 || json.Unmarshal([]byte(rep.stdout), &report) != nil || report.Suite != "tiny-v1" || len(report.Entries) != 3 {
		t.Fatalf("bench report --json: exit %d %s\n%.300s", rep.code, rep.stderr, rep.stdout)
	}

	if r := dojoCmd(t, dir, "bench", "run", "suite.json", "--agent", "oracle", "--out", "orc"); r.code != 0 {
		t.Fatalf("bench run oracle: exit %d\n%s", r.code, r.stderr)
	}
	c := dojoCmd(t, dir, "bench", "compare", "rand/report.json", "orc", "--out", "cmp")
	if c.code != 0 {
		t.Fatalf("bench compare: exit %d\n%s", c.code, c.stderr)
	}
	if !strings.Contains(c.stdout, "significant") || !strings.Contains(c.stdout, "yes") || !strings.Contains(c.stderr, "WARNING: the runs played 2 and 1 trials") {
		t.Errorf("bench compare output:\n%s\nstderr:\n%s", c.stdout, c.stderr)
	}
	for _, f := range []string{"compare.md", "compare.json", "success.png", "regret.png"} {
		if _, err := os.Stat(filepath.Join(dir, "cmp", f)); err != nil {
			t.Errorf("bench compare wrote no %s", f)
		}
	}

	// Other work in the same directory, and runs of other work compared,
	// are refused with the reason.
	other := writeSuite(t, t.TempDir(), strings.Replace(tinySuite, `"seed": 3`, `"seed": 4`, 1))
	if r := dojoCmd(t, dir, "bench", "run", other, "--agent", "random", "--out", "rand"); r.code != 2 || !strings.Contains(r.stderr, "holds a run of other work") {
		t.Errorf("other suite into the same directory: exit %d: %s", r.code, r.stderr)
	}
	if r := dojoCmd(t, dir, "bench", "run", other, "--agent", "oracle", "--out", "orc2"); r.code != 0 {
		t.Fatalf("bench run: %s", r.stderr)
	}
	if r := dojoCmd(t, dir, "bench", "compare", "rand", "orc2"); r.code != 2 || !strings.Contains(r.stderr, "different work") {
		t.Errorf("compare of different work: exit %d: %s", r.code, r.stderr)
	}
	if r := dojoCmd(t, dir, "bench", "compare", "rand", "orc2", "--force"); r.code != 0 || !strings.Contains(r.stderr, "WARNING: the runs did different work") {
		t.Errorf("forced compare: exit %d: %s", r.code, r.stderr)
	}
}

func TestBenchUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeSuite(t, dir, strings.Replace(tinySuite, "toolcall/Bank-v0", "nosuch/Family-v0", 1))
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"bench"}, "bench needs a command"},
		{[]string{"bench", "frob"}, `unknown bench command "frob"`},
		{[]string{"bench", "run"}, "needs exactly one suite"},
		{[]string{"bench", "run", "core-v7"}, `unknown suite "core-v7" (suites: core-v1`},
		{[]string{"bench", "run", "suite.json", "--agent", "random"}, "env nosuch/Family-v0 (entry 3) not registered"},
		{[]string{"bench", "run", "core-v1", "--trials", "0"}, "--trials 0"},
		{[]string{"bench", "run", "core-v1", "--agent", "genius"}, `unknown agent "genius"`},
		{[]string{"bench", "compare", "x"}, "needs two run directories"},
		{[]string{"bench", "compare", "nope", "nope"}, "not a dojo bench run directory"},
		{[]string{"bench", "rewards"}, "needs one or more episode files"},
		{[]string{"bench", "rewards", "missing.jsonl"}, "missing.jsonl"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := dojoCmd(t, dir, tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q: want 2 and %q", r.code, r.stderr, tc.want)
			}
		})
	}
}

func TestBenchListAndPerf(t *testing.T) {
	t.Parallel()
	r := dojoCmd(t, "", "bench", "list")
	if r.code != 0 || !strings.Contains(r.stdout, "core-v1") {
		t.Errorf("bench list: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = dojoCmd(t, "", "bench", "list", "core-v1")
	if r.code != 0 || !strings.Contains(r.stdout, "manifest sha256") || !strings.Contains(r.stdout, "toolcall/Bank-v0 kind=recovery") {
		t.Errorf("bench list core-v1: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	dir := t.TempDir()
	r = dojoCmd(t, dir, "bench", "perf", "--duration", "1ms", "--rounds", "1", "--workers", "2")
	if r.code != 0 {
		t.Fatalf("bench perf: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"steps/s", "bandit/Bernoulli-10-v0", "verifications/s", "sql/Generated-v0", "env/stepMany", "measurements in perf.json"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("bench perf output lacks %q:\n%s", want, r.stdout)
		}
	}
	var perf struct{ Steps, Verify, Protocol []any }
	if b, err := os.ReadFile(filepath.Join(dir, "perf.json")); err != nil || json.Unmarshal(b, &perf) != nil || len(perf.Steps) == 0 || len(perf.Verify) == 0 || len(perf.Protocol) == 0 {
		t.Errorf("perf.json: %v %+v", err, perf)
	}
}

func TestBenchRewards(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A shaped DoorKey run of the random agent: some successes, many
	// failures, shaping parts that fire.
	r := dojoCmd(t, dir, "run", "gridworld/DoorKey-5x5-v0", "--agent", "random", "--reward", "shaped", "--episodes", "300", "--no-steps", "--out", "dk.jsonl")
	if r.code != 0 {
		t.Fatalf("run: %s", r.stderr)
	}
	r = dojoCmd(t, dir, "bench", "rewards", "dk.jsonl", "--top", "3")
	if r.code != 0 {
		t.Fatalf("bench rewards: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"gridworld/DoorKey-5x5-v0", "r(success)", "potential", "shaped (played)", "minigrid", "fires (steps)", "paid like a success", "hacking candidates under"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("bench rewards output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = dojoCmd(t, dir, "bench", "rewards", "dk.jsonl", "--json")
	var lab struct {
		Groups []struct {
			Episodes  int
			Successes int
			Parts     []struct{ Name string }
			Profiles  []struct {
				Name     string
				AsPlayed bool `json:"as_played"`
			}
		}
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &lab) != nil || len(lab.Groups) != 1 {
		t.Fatalf("bench rewards --json: exit %d %s", r.code, r.stderr)
	}
	g := lab.Groups[0]
	if g.Episodes != 300 || g.Successes == 0 || len(g.Parts) < 5 || len(g.Profiles) < 4 || !g.Profiles[0].AsPlayed || g.Profiles[0].Name != "shaped" {
		t.Errorf("analysis %+v", g)
	}
}

// TestBenchCoreV1 runs the real suite with the random agent and the
// oracle, as the README shows: every file is there, the references are the
// stored ones, and the oracle scores 100 where random scores 0.
func TestBenchCoreV1(t *testing.T) {
	if testing.Short() {
		t.Skip("runs core-v1 twice")
	}
	t.Parallel()
	dir := t.TempDir()
	for _, agent := range []string{"random", "oracle"} {
		r := dojoCmd(t, dir, "bench", "run", "core-v1", "--agent", agent, "--out", agent)
		if r.code != 0 {
			t.Fatalf("bench run core-v1 --agent %s: exit %d\n%s", agent, r.code, r.stderr)
		}
		var rep struct {
			Entries []struct {
				Label     string
				Played    bool
				Score     *float64
				Reference struct{ Source string }
			}
			Overall struct{ Score *float64 }
		}
		b, err := os.ReadFile(filepath.Join(dir, agent, "report.json"))
		if err != nil || json.Unmarshal(b, &rep) != nil {
			t.Fatal(err)
		}
		want := map[string]float64{"random": 0, "oracle": 100}[agent]
		for _, e := range rep.Entries {
			if !e.Played || e.Score == nil || e.Reference.Source != "stored" {
				t.Errorf("%s: %s played %v, score %v, references %q: want played, scored against stored references", agent, e.Label, e.Played, e.Score, e.Reference.Source)
			} else if *e.Score != want {
				t.Errorf("%s: %s scores %v, want %v", agent, e.Label, *e.Score, want)
			}
		}
		for _, f := range []string{"report.md", "success.png", "regret.png", "returns.png", "parts.png"} {
			if _, err := os.Stat(filepath.Join(dir, agent, f)); err != nil {
				t.Errorf("%s: no %s", agent, f)
			}
		}
	}
}
