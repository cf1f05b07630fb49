package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// No task family is registered yet, so from the command line gen and
// verify can show their usage errors and how they report lines that
// cannot be scored; package protocol tests the scoring itself on a test
// family, through the same functions.

func TestGenUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gen"}, "gen needs exactly one env id"},
		{[]string{"gen", "gridworld/FrozenLake-v1"}, "gridworld/FrozenLake-v1 does not generate tasks: it is not a task-based env"},
		{[]string{"gen", "gridworld/FrozenLake-v1", "--n", "0"}, "--n 0: want at least 1 task"},
		{[]string{"gen", "gridworld/FrozenLake-v9"}, `unknown env id "gridworld/FrozenLake-v9"`},
		{[]string{"gen", "bandit/Bernoulli-10-v0", "--opt", "arms=3"}, `unknown option "arms"`},
		{[]string{"verify"}, "verify needs --tasks FILE and --responses FILE"},
		{[]string{"verify", "--tasks", "nope.jsonl", "--responses", "nope.jsonl"}, "--tasks: open nope.jsonl"},
		{[]string{"verify", "x.jsonl"}, "verify takes no arguments"},
	} {
		r := dojoCmd(t, "", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("dojo %v: exit %d, stderr %q, want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestVerifyReportsBadLinesAndScoresTheRest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tasks := filepath.Join(dir, "tasks.jsonl")
	responses := filepath.Join(dir, "responses.jsonl")
	os.WriteFile(tasks, []byte(`{"id":"t1","env":"gridworld/FrozenLake-v1","seed":1}`+"\n"+`broken`+"\n"), 0o644)
	os.WriteFile(responses, []byte(strings.Join([]string{
		`{"id":"t1","response":"left"}`,
		`{"id":"t9","response":"x"}`,
		`{"response":"x"}`,
		`{oops`,
	}, "\n")+"\n"), 0o644)
	out := filepath.Join(dir, "scores.jsonl")
	r := dojoCmd(t, dir, "verify", "--tasks", tasks, "--responses", responses, "--out", out)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		tasks + ":2: not a task",
		responses + `:1: task "t1": gridworld/FrozenLake-v1 does not verify tasks`,
		responses + `:2: task "t9": unknown task id "t9"`,
		responses + `:3: no "id"`,
		responses + ":4: malformed response line",
		"4 responses, 0 scored, 4 failed",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, r.stderr)
		}
	}
	lines := readLines(t, out)
	if len(lines) != 4 {
		t.Fatalf("%d score lines, want one per response", len(lines))
	}
	for i, l := range lines {
		if l["line"] != float64(i+1) || l["error"] == nil || l["reward"] != nil {
			t.Errorf("score line %d: %v", i+1, l)
		}
	}
}
