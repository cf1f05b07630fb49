package toolcall

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/dojo-rl/dojo"
)

// BenchmarkStep measures one assistant turn with one call (a balance
// look-up) on a bank task; the env is reset every 10 turns (max_turns).
func BenchmarkStep(b *testing.B) {
	r := registry(b)
	e := makeEnv(b, r, "toolcall/Bank-v0", dojo.Options{"kind": "single"})
	ctx := context.Background()
	if _, _, err := e.Reset(ctx, 1); err != nil {
		b.Fatal(err)
	}
	var acc string
	for k := range e.g.Initial["accounts"] {
		acc = k
		break
	}
	a := dojo.MessageAction("", dojo.ToolCall{ID: "c1", Name: "get_balance", Arguments: json.RawMessage(`{"account_id":"` + acc + `"}`)})
	b.ReportAllocs()
	for b.Loop() {
		st, err := e.Step(ctx, a)
		if err != nil {
			b.Fatal(err)
		}
		if st.Done() {
			if _, _, err := e.Reset(ctx, 1); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEpisode measures Reset (task generation) plus the oracle's
// episode on Mixed tasks.
func BenchmarkEpisode(b *testing.B) {
	r := registry(b)
	e := makeEnv(b, r, "toolcall/Mixed-v0", nil)
	ctx := context.Background()
	seed := uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		seed++
		if _, _, err := e.Reset(ctx, seed%64); err != nil {
			b.Fatal(err)
		}
		for {
			a, _ := e.OracleAction(ctx)
			st, err := e.Step(ctx, a)
			if err != nil {
				b.Fatal(err)
			}
			if st.Done() {
				break
			}
		}
	}
}

func benchVerify(b *testing.B, opts dojo.Options, resp func(g *gold) dojo.Response) {
	r := registry(b)
	e := makeEnv(b, r, "toolcall/Bank-v0", opts)
	ctx := context.Background()
	task, err := e.GenerateTask(ctx, 3)
	if err != nil {
		b.Fatal(err)
	}
	var g gold
	if err := json.Unmarshal(task.Verify, &g); err != nil {
		b.Fatal(err)
	}
	rsp := resp(&g)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.VerifyTask(ctx, task, rsp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyTask scores a multi-turn response (the gold's) to a bank
// multi task.
func BenchmarkVerifyTask(b *testing.B) {
	benchVerify(b, dojo.Options{"kind": "multi"}, func(g *gold) dojo.Response {
		var r dojo.Response
		for _, t := range g.Turns {
			r.Messages = append(r.Messages, dojo.Message{Role: "assistant", ToolCalls: t})
		}
		r.Messages = append(r.Messages, dojo.Message{Role: "assistant", Content: g.Answer})
		return r
	})
}

// BenchmarkVerifyToolRL scores a single ToolRL-style completion under the
// toolrl profile.
func BenchmarkVerifyToolRL(b *testing.B) {
	benchVerify(b, dojo.Options{"kind": "single", "reward": "toolrl"}, func(g *gold) dojo.Response {
		c := g.Turns[0][0]
		return dojo.Response{Text: "<think>pay</think>\n<tool_call>\n{\"name\": \"" + c.Name + "\", \"parameters\": " + string(c.Arguments) + "}\n</tool_call>"}
	})
}
