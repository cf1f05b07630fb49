package main

import (
	"strings"
	"testing"
)

// TestUnknownFlagsSuggestTheNearest checks that every command with flags
// answers a mistyped flag with the nearest of its flags, and exits 2.
func TestUnknownFlagsSuggestTheNearest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string // the suggestion
	}{
		{[]string{"list", "--jsn"}, "--json"},
		{[]string{"describe", "gridworld/FrozenLake-v1", "--JSON"}, "--json"},
		{[]string{"run", "gridworld/FrozenLake-v1", "--episode", "3"}, "--episodes"},
		{[]string{"run", "gridworld/FrozenLake-v1", "-epsiodes", "3"}, "--episodes"},
		{[]string{"run", "gridworld/FrozenLake-v1", "--modle", "m"}, "--model"},
		{[]string{"run", "gridworld/FrozenLake-v1", "--options", "is_slippery=false"}, "--opt"},
		{[]string{"mdp", "gridworld/FrozenLake-v1", "--jsno"}, "--json"},
		{[]string{"check", "--seed", "2"}, "--seeds"},
		{[]string{"agents", "--josn"}, "--json"},
		{[]string{"demo", "--seeds", "1"}, "--seed"},
		{[]string{"serve", "--max-env", "3"}, "--max-envs"},
		{[]string{"gen", "gridworld/FrozenLake-v1", "--sed", "3"}, "--seed"},
		{[]string{"verify", "--task", "t.jsonl"}, "--tasks"},
		{[]string{"verify", "sql", "--prediction", "p.sql"}, "--predictions"},
		{[]string{"reward", "bfcl", "--question", "q.json"}, "--questions"},
		{[]string{"render", "run.jsonl", "--episodes", "2"}, "--episode"},
		{[]string{"watch", "run.jsonl", "--no-folow"}, "--no-follow"},
		{[]string{"bench", "list", "--jsn"}, "--json"},
		{[]string{"bench", "run", "core-v1", "--trial", "2"}, "--trials"},
		{[]string{"bench", "report", "dir", "--jsn"}, "--json"},
		{[]string{"bench", "compare", "a", "b", "--forse"}, "--force"},
		{[]string{"bench", "perf", "--round", "2"}, "--rounds"},
		{[]string{"bench", "rewards", "run.jsonl", "--topp", "3"}, "--top"},
		{[]string{"merge", "--ot", "all.jsonl", "a.jsonl"}, "--out"},
		{[]string{"bench", "merge", "--ot", "m", "a"}, "--out"},
		{[]string{"run", "gridworld/FrozenLake-v1", "--shards", "1/2"}, "--shard"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := dojoCmd(t, "", tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, "(did you mean "+tc.want+"?)") {
				t.Errorf("exit %d, stderr %q; want 2 and did you mean %s", r.code, r.stderr, tc.want)
			}
			// The suggestion is on the last line, after the usage.
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if last := lines[len(lines)-1]; !strings.Contains(last, "flag provided but not defined") || !strings.Contains(r.stderr, "usage: dojo ") {
				t.Errorf("stderr %q: want the usage, then the error last", r.stderr)
			}
		})
	}
	// A flag far from every flag gets no suggestion.
	r := dojoCmd(t, "", "run", "gridworld/FrozenLake-v1", "--zzzzzz")
	if r.code != 2 || !strings.Contains(r.stderr, "flag provided but not defined: -zzzzzz") || strings.Contains(r.stderr, "did you mean") {
		t.Errorf("--zzzzzz: exit %d, %q", r.code, r.stderr)
	}
}
