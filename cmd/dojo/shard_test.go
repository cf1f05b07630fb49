package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// wallClock matches the wall-clock members of run files and reports.
var wallClock = regexp.MustCompile(`"(wall_ms|episode_seconds)": ?[-+0-9.eE]+`)

func zeroWall(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return wallClock.ReplaceAllStringFunc(string(b), func(m string) string {
		return m[:strings.LastIndexByte(m, ':')+1] + "0"
	})
}

// shardEnv gives shard i of n the way shard i%4 of the four ways does:
// the flag, DOJO_SHARD, a Kubernetes Indexed Job, a Slurm array (from 1).
func shardEnv(i, n int) (flags, env []string) {
	switch i % 4 {
	case 0:
		return []string{"--shard", fmt.Sprintf("%d/%d", i, n)}, []string{"DOJO_SHARD=9/10"} // the flag wins
	case 1:
		return nil, []string{fmt.Sprintf("DOJO_SHARD=%d/%d", i, n)}
	case 2:
		return nil, []string{fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i), fmt.Sprintf("DOJO_SHARDS=%d", n)}
	}
	return nil, []string{fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d", i+1), fmt.Sprintf("SLURM_ARRAY_TASK_COUNT=%d", n), "SLURM_ARRAY_TASK_MIN=1"}
}

// TestRunAndGenShardsMerge: the shards of dojo run and dojo gen, however
// the shard is given, merge with dojo merge into the unsharded output,
// byte for byte (apart from the episodes' wall times).
func TestRunAndGenShardsMerge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
	}{
		{"run", []string{"run", "gridworld/FrozenLake-v1", "--agent", "random", "--episodes", "11", "--seed", "40", "--workers", "1"}},
		{"gen", []string{"gen", "toolcall/Mixed-v0", "--n", "9", "--seed", "3"}},
	} {
		whole := filepath.Join(dir, c.name+"-whole.jsonl")
		if r := dojoCmd(t, dir, append(c.args, "--out", whole)...); r.code != 0 {
			t.Fatalf("dojo %s: %s", c.name, r.stderr)
		}
		want := zeroWall(t, whole)
		for _, n := range []int{1, 2, 3, 7} {
			var files []string
			for i := range n {
				flags, env := shardEnv(i, n)
				f := filepath.Join(dir, fmt.Sprintf("%s-%d-of-%d.jsonl", c.name, i, n))
				args := append(append(append([]string{}, c.args...), "--out", f), flags...)
				if r := runDojoEnv(t, dir, env, args...); r.code != 0 {
					t.Fatalf("dojo %s shard %d/%d (%v): %s", c.name, i, n, env, r.stderr)
				}
				files = append([]string{f}, files...) // any order
			}
			merged := filepath.Join(dir, fmt.Sprintf("%s-merged-%d.jsonl", c.name, n))
			if r := dojoCmd(t, dir, append([]string{"merge", "--out", merged}, files...)...); r.code != 0 {
				t.Fatalf("dojo merge of %d %s shards: %s", n, c.name, r.stderr)
			}
			if got := zeroWall(t, merged); got != want {
				t.Fatalf("%d %s shards merge to\n%s\nwant\n%s", n, c.name, got, want)
			}
		}
		// A missing or repeated shard is named.
		a, b, c3 := filepath.Join(dir, c.name+"-0-of-3.jsonl"), filepath.Join(dir, c.name+"-1-of-3.jsonl"), filepath.Join(dir, c.name+"-2-of-3.jsonl")
		if r := dojoCmd(t, dir, "merge", "--out", filepath.Join(dir, "x.jsonl"), a, c3); r.code == 0 || !strings.Contains(r.stderr, "shard 1/3 missing") {
			t.Errorf("merge without shard 1/3: exit %d, %s", r.code, r.stderr)
		}
		if r := dojoCmd(t, dir, "merge", a, b, b, c3); r.code == 0 || !strings.Contains(r.stderr, b+" and "+b+" are both shard 1/3") {
			t.Errorf("merge with shard 1/3 twice: exit %d, %s", r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "x.jsonl")); err == nil {
			t.Errorf("a failed merge left its output")
		}
	}
	// Shards of another run do not merge.
	other := filepath.Join(dir, "other-1-of-3.jsonl")
	if r := dojoCmd(t, dir, "run", "gridworld/FrozenLake-v1", "--agent", "random", "--episodes", "11", "--seed", "41", "--shard", "1/3", "--out", other); r.code != 0 {
		t.Fatal(r.stderr)
	}
	r := dojoCmd(t, dir, "merge", filepath.Join(dir, "run-0-of-3.jsonl"), other, filepath.Join(dir, "run-2-of-3.jsonl"))
	if r.code == 0 || !strings.Contains(r.stderr, other+" line 1: episode 1 has seed 42: its seed base 41 is not the shard's 40") &&
		!strings.Contains(r.stderr, other+": shard 1/3 of 11 items from seed 41") {
		t.Errorf("merge with another run's shard: exit %d, %s", r.code, r.stderr)
	}
}

func TestBenchShardsMerge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	suite := filepath.Join(dir, "suite.json")
	os.WriteFile(suite, []byte(`{"name": "cli-v1", "entries": [
		{"env": "gridworld/FrozenLake-v1", "tasks": 7, "seed": 5},
		{"env": "bandit/Bernoulli-2-v0", "options": {"horizon": 20}, "tasks": 4, "seed": 9, "series": ["cumulative_regret"]}]}`), 0o644)
	if r := dojoCmd(t, dir, "bench", "run", suite, "--agent", "random", "--workers", "1", "--out", "whole"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	var dirs []string
	for i := range 3 {
		flags, env := shardEnv(i, 3)
		d := fmt.Sprintf("shard-%d", i)
		if r := runDojoEnv(t, dir, env, append([]string{"bench", "run", suite, "--agent", "random", "--out", d}, flags...)...); r.code != 0 {
			t.Fatalf("shard %d/3: %s", i, r.stderr)
		}
		dirs = append(dirs, d)
	}
	if r := dojoCmd(t, dir, append([]string{"bench", "merge", "--out", "merged"}, dirs...)...); r.code != 0 {
		t.Fatal(r.stderr)
	}
	for _, f := range []string{"report.json", "report.md", "run.json", "episodes/gridworld_FrozenLake-v1.t0.jsonl"} {
		if got, want := zeroWall(t, filepath.Join(dir, "merged", f)), zeroWall(t, filepath.Join(dir, "whole", f)); got != want {
			t.Errorf("merged %s differs from the whole run's:\n%s\nwant\n%s", f, got, want)
		}
	}
	if r := dojoCmd(t, dir, "bench", "merge", "--out", "m2", dirs[0], dirs[2]); r.code == 0 || !strings.Contains(r.stderr, "shard 1/3 missing") {
		t.Errorf("bench merge without shard 1/3: exit %d, %s", r.code, r.stderr)
	}
}

func TestShardUsageErrors(t *testing.T) {
	t.Parallel()
	run := []string{"run", "gridworld/FrozenLake-v1", "--episodes", "3"}
	for _, c := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, append(run, "--shard", "3/3"), "--shard: shard \"3/3\": index 3 is not below the count 3"},
		{nil, append(run, "--shard", "1/4"), "--shard 1/4: 4 shards of 3 episodes leave shard 3 with none: use at most 3 shards"},
		{[]string{"JOB_COMPLETION_INDEX=1"}, run, "JOB_COMPLETION_INDEX=1 is set but DOJO_SHARDS is not"},
		{[]string{"SLURM_ARRAY_TASK_ID=1"}, []string{"gen", "toolcall/Mixed-v0", "--n", "3"}, "SLURM_ARRAY_TASK_ID=1 is set but SLURM_ARRAY_TASK_COUNT is not"},
		{[]string{"DOJO_SHARD=2/2"}, []string{"bench", "run", "core-v1", "--limit", "1"}, "DOJO_SHARD: shard \"2/2\": index 2 is not below the count 2"},
	} {
		r := runDojoEnv(t, "", c.env, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("dojo %v with %v: exit %d, %s; want exit 2 saying %q", c.args, c.env, r.code, r.stderr, c.want)
		}
	}
	// --shard none runs the whole work whatever the environment says.
	r := runDojoEnv(t, "", []string{"DOJO_SHARD=1/2"}, "gen", "toolcall/Mixed-v0", "--n", "2", "--shard", "none")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 2 || strings.Contains(r.stdout, `"shard"`) {
		t.Errorf("--shard none: exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}
}
