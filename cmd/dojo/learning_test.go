package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchLearning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"bench", "rewards", "--learn", "gridworld/FrozenLake-v1", "--opt", "is_slippery=false",
		"--reward", "sparse", "--reward", "success=1,potential=1", "--episodes", "40", "--checkpoints", "2",
		"--seeds", "2", "--eval", "3", "--eval-seed", "5", "--workers", "2"}
	r := dojoCmd(t, dir, append(args, "--out", "lc")...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"gridworld/FrozenLake-v1 is_slippery=false: qlearning trained under each profile", "20 eps", "40 eps", "95% CI at 40",
		"success=1,potential=1  potential=1,success=1", "wrote lc/learning.json, lc/learning.md, lc/learning.png"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, f := range []string{"learning.json", "learning.md", "learning.png"} {
		if st, err := os.Stat(filepath.Join(dir, "lc", f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// --json prints the report the file holds, and the same run gives
	// the same numbers.
	j := dojoCmd(t, dir, append(args, "--json")...)
	var got, file map[string]any
	if err := json.Unmarshal([]byte(j.stdout), &got); err != nil {
		t.Fatalf("--json: %v\n%s", err, j.stdout)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "lc", "learning.json"))
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	f, _ := json.Marshal(file)
	if string(g) != string(f) {
		t.Errorf("--json and learning.json differ:\n%s\n%s", g, f)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--agent", "random"}, `agent random: unknown parameter "episodes"`},
		{[]string{"--agent", "qlearning:episodes=5"}, "the training budget is --episodes"},
		{[]string{"--opt", "reward=shaped"}, "give the profiles to compare with --reward"},
		{[]string{"--reward", "bogus=1"}, `unknown component "bogus"`},
		{[]string{"--checkpoints", "0"}, "--checkpoints 0"},
		{[]string{"run.jsonl"}, "takes no episode files"},
	} {
		r := dojoCmd(t, dir, append([]string{"bench", "rewards", "--learn", "gridworld/FrozenLake-v1", "--episodes", "4"}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
