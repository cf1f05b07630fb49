package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRewardGroup(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		`{"scorer":"em","golds":["Paris"],"responses":["<answer>Paris</answer>","<answer>Lyon</answer>"],"lengths":[10,20]}`,
		`{"scorer":"em","golds":["Paris"],"responses":"Paris"}`,
		`{"scorer":"f1","golds":["a b"],"responses":["a","a b"]}`,
	}, "\n")
	r := runDojo(t, "", strings.NewReader(in), "reward", "group", "--lambda", "0.5", "--alpha", "0.4", "--std", "population")
	if r.code != 1 || !strings.Contains(r.stderr, "1 of 3 groups could not be scored") {
		t.Fatalf("exit %d, stderr %q: want 1 and the count of failed groups", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d output lines:\n%s", len(lines), r.stdout)
	}
	var g struct {
		Rewards    []float64 `json:"rewards"`
		Advantages []float64 `json:"advantages"`
		Gated      bool      `json:"gated"`
	}
	// One correct response of two: gated at λ = 0.5, its length term
	// −0.4·σ(0) = −0.2; population std of (0.8, 0) is 0.4.
	if err := json.Unmarshal([]byte(lines[0]), &g); err != nil || !g.Gated || g.Rewards[0] != 0.8 || g.Rewards[1] != 0 || g.Advantages[0] < 0.99999 || g.Advantages[0] > 1 {
		t.Errorf("line 1: %s (%v)", lines[0], err)
	}
	if !strings.Contains(lines[1], `"error":"line 2: field \"responses\": got a JSON string, want a list of strings"`) {
		t.Errorf("line 2: %s", lines[1])
	}
	if !strings.Contains(lines[2], `"scorer":"f1"`) {
		t.Errorf("line 3: %s", lines[2])
	}
	for _, tc := range []struct{ args, want string }{
		{"--gate sometimes", `gate "sometimes": want none, threshold or top`},
		{"--std n", `std "n": want sample or population`},
		{"--lambda 1.5", "lambda 1.5: want a number in [0, 1]"},
		{"extra", "takes no arguments"},
	} {
		r := runDojo(t, "", strings.NewReader(""), append([]string{"reward", "group"}, strings.Fields(tc.args)...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
