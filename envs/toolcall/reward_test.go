package toolcall

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/race"
)

// sumParts plays an episode and sums each component's values over it.
func sumParts(t *testing.T, e *Env, seed uint64, act func(turn int) dojo.Action) (map[string]float64, float64, dojo.Step) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := e.Reset(ctx, seed); err != nil {
		t.Fatal(err)
	}
	sums := map[string]float64{}
	total := 0.0
	for turn := 0; ; turn++ {
		st, err := e.Step(ctx, act(turn))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range st.Info.Parts {
			sums[p.Name] += p.Value
		}
		total += st.Reward
		if st.Done() {
			return sums, total, st
		}
	}
}

func TestOracleRewards(t *testing.T) {
	t.Parallel()
	r := registry(t)
	for _, profile := range []string{"shaped", "sparse", "toolrl"} {
		e := makeEnv(t, r, "toolcall/Mixed-v0", dojo.Options{"reward": profile})
		for seed := range uint64(60) {
			sums, total, _ := sumParts(t, e, seed, func(int) dojo.Action { a, _ := e.OracleAction(context.Background()); return a })
			gold := len(e.ep.goldAll)
			want := map[string]float64{"success": 1, "format": 0, "invalid": 0, "efficiency": 0, "toolrl_format": 1}
			if gold > 0 {
				want["toolrl_correctness"] = 3
				want["correctness"] = 1
			}
			if len(e.ep.changes) > 0 {
				want["progress"] = 1
			}
			for k, v := range want {
				if math.Abs(sums[k]-v) > 1e-9 {
					t.Errorf("%s seed %d (%s): %s sums to %v, want %v", profile, seed, e.g.Kind, k, sums[k], v)
				}
			}
			var wantTotal float64
			switch profile {
			case "sparse":
				wantTotal = 1
			case "toolrl":
				wantTotal = 1 + want["toolrl_correctness"]
			default:
				wantTotal = 1 + 0.5*want["correctness"] + 0.5*want["progress"]
			}
			if math.Abs(total-wantTotal) > 1e-9 {
				t.Errorf("%s seed %d: return %v, want %v", profile, seed, total, wantTotal)
			}
		}
	}
}

func TestPenalties(t *testing.T) {
	t.Parallel()
	r := registry(t)
	e := makeEnv(t, r, "toolcall/Bank-v0", dojo.Options{"kind": "single"})
	bad := dojo.MessageAction("", dojo.ToolCall{Name: "transfer", Arguments: json.RawMessage(`{"amount":-1}`)}, dojo.ToolCall{Name: "launch_rocket", Arguments: json.RawMessage(`{}`)})
	sums, _, st := sumParts(t, e, 5, func(turn int) dojo.Action {
		switch turn {
		case 0:
			return bad
		case 1:
			return dojo.TextAction("<tool_call>{not json}</tool_call>")
		}
		return dojo.TextAction("")
	})
	want := map[string]float64{"invalid": -2, "format": -2, "efficiency": -1, "success": 0, "progress": 0}
	for k, v := range want {
		if sums[k] != v {
			t.Errorf("%s = %v, want %v", k, sums[k], v)
		}
	}
	if !st.Terminated || st.Info.Success || !st.Info.Invalid {
		t.Errorf("last step %+v: want a failed, invalid final answer", st.Info)
	}

	// terminate policy: the second invalid call ends the episode
	e = makeEnv(t, r, "toolcall/Bank-v0", dojo.Options{"kind": "single", "invalid_action": "terminate", "max_invalid": 3})
	ctx := context.Background()
	if _, _, err := e.Reset(ctx, 5); err != nil {
		t.Fatal(err)
	}
	st, _ = e.Step(ctx, bad)
	if st.Done() {
		t.Fatal("ended after 2 of 3 invalid calls")
	}
	st, _ = e.Step(ctx, bad)
	if !st.Terminated || st.Info.Success {
		t.Fatalf("not terminated after 4 invalid calls: %+v", st)
	}
	if _, err := e.Step(ctx, bad); dojo.ErrorCode(err) != dojo.CodeState {
		t.Errorf("step after the end: %v", err)
	}

	// truncation
	e = makeEnv(t, r, "toolcall/Utility-v0", dojo.Options{"kind": "single", "max_turns": 2})
	if _, _, err := e.Reset(ctx, 5); err != nil {
		t.Fatal(err)
	}
	calc := dojo.MessageAction("", dojo.ToolCall{Name: "calculate", Arguments: json.RawMessage(`{"expression":"1+1"}`)})
	e.Step(ctx, calc)
	if st, _ = e.Step(ctx, calc); !st.Truncated || st.Terminated {
		t.Errorf("after max_turns: %+v", st)
	}
}

// TestTextActions plays the gold as ToolRL-style text turns:
// <think>…</think> then a <tool_call> block with one JSON call per line.
func TestTextActions(t *testing.T) {
	t.Parallel()
	r := registry(t)
	e := makeEnv(t, r, "toolcall/Mixed-v0", dojo.Options{"reward": "toolrl"})
	seeds := uint64(200)
	if race.Enabled {
		seeds = 40
	}
	for seed := range seeds {
		sums, total, st := sumParts(t, e, seed, func(turn int) dojo.Action {
			if turn < len(e.g.Turns) {
				var b strings.Builder
				b.WriteString("<think>calling</think>\n<tool_call>\n")
				for i, c := range e.g.Turns[turn] {
					if i > 0 {
						b.WriteByte('\n')
					}
					fmt.Fprintf(&b, `{"name": %q, "parameters": %s}`, c.Name, c.Arguments)
				}
				b.WriteString("\n</tool_call>")
				return dojo.TextAction(b.String())
			}
			return dojo.TextAction(oracleAnswer(e.g))
		})
		if !st.Info.Success {
			t.Fatalf("seed %d (%s): text oracle failed: %+v", seed, e.g.Kind, st.Info)
		}
		want := 1.0
		if len(e.g.Turns) > 0 {
			want = 4
		}
		if sums["toolrl_format"] != 1 || total != want {
			t.Fatalf("seed %d (%s): toolrl return %v (format %v), want %v", seed, e.g.Kind, total, sums["toolrl_format"], want)
		}
	}
}
