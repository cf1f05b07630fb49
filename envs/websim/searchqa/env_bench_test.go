package searchqa

import (
	"context"
	"testing"

	"github.com/dojo-rl/dojo"
)

// BenchmarkNewWorld generates and indexes a world of the default size.
func BenchmarkNewWorld(b *testing.B) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := NewWorld(WorldOptions{Size: 150, Noise: 0.3, Seed: uint64(i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReset starts episodes on a cached world: the question and its
// gold search path.
func BenchmarkReset(b *testing.B) {
	env := makeQAEnv(b, qaRegistry(b), "websim/SearchQA-v0", nil)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, _, err := env.Reset(ctx, uint64(i%32)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStep steps a search (a tool call with JSON results, or a
// Search-R1 <search> with passages), resetting when the turns run out.
func BenchmarkStep(b *testing.B) {
	reg := qaRegistry(b)
	for _, mode := range []string{"tools", "text"} {
		b.Run(mode, func(b *testing.B) {
			env := makeQAEnv(b, reg, "websim/SearchQA-v0", dojo.Options{"mode": mode, "max_turns": 100})
			ctx := context.Background()
			a := dojo.MessageAction("", dojo.ToolCall{ID: "c", Name: "search", Arguments: []byte(`{"query": "founder of the university born"}`)})
			if mode == "text" {
				a = dojo.TextAction("<think>I should look it up.</think>\n<search>founder of the university born</search>")
			}
			env.Reset(ctx, 1)
			b.ReportAllocs()
			for b.Loop() {
				st, err := env.Step(ctx, a)
				if err != nil {
					b.Fatal(err)
				}
				if st.Done() {
					env.Reset(ctx, 1)
				}
			}
		})
	}
}

// BenchmarkVerifyTask scores the oracle's Search-R1 response to a task, as
// a trainer's reward function does: the searches run again.
func BenchmarkVerifyTask(b *testing.B) {
	env := makeQAEnv(b, qaRegistry(b), "websim/SearchR1-v0", nil)
	ctx := context.Background()
	task, err := env.GenerateTask(ctx, 3)
	if err != nil {
		b.Fatal(err)
	}
	resp, _ := oracleResponse(b, env, 3)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.VerifyTask(ctx, task, resp); err != nil {
			b.Fatal(err)
		}
	}
}
