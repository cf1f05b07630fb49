package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/protocol"
)

// A task whose answer key was altered is refused by every task family;
// the same task as generated, with its verify block's members reordered,
// or without it, is scored.
func TestVerifyRefusesForgedAnswerKeys(t *testing.T) {
	t.Parallel()
	tk := protocol.NewTasker(envs.Default())
	defer tk.Close()
	ctx := context.Background()
	tests := []struct {
		id     string
		forge  func(v map[string]any) // edits the verify block
		answer string                 // the response the forged key accepts
	}{
		{"toolcall/Files-v0", func(v map[string]any) {
			for k := range v {
				delete(v, k)
			}
			v["calls"], v["state"] = []any{}, map[string]any{}
		}, "hello"},
		{"toolcall/Mixed-v0", func(v map[string]any) { v["kind"] = "irrelevance"; v["calls"] = []any{} }, "hello"},
		{"sql/Retail-v0", func(v map[string]any) { v["gold_sql"] = "SELECT 1"; delete(v, "gold_hash") }, "```sql\nSELECT 1\n```"},
		{"websim/SearchR1-v0", func(v map[string]any) { v["answers"] = []any{"hello"} }, "<answer>hello</answer>"},
		{"websim/Shop-v0", func(v map[string]any) {
			g := v["goal"].(map[string]any)
			g["asin"] = "B000000000"
		}, "hello"},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			task, err := tk.Generate(ctx, tc.id, nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			var v map[string]any
			if err := json.Unmarshal(task.Verify, &v); err != nil {
				t.Fatal(err)
			}
			// Reordered members (a round trip through a map) are the
			// same key.
			same := task
			same.Verify, _ = json.Marshal(v)
			if _, err := tk.Verify(ctx, same, dojo.Response{Text: tc.answer}); err != nil {
				t.Fatalf("the generated task, re-encoded: %v", err)
			}
			noGold := task
			noGold.Verify = nil
			if _, err := tk.Verify(ctx, noGold, dojo.Response{Text: tc.answer}); err != nil {
				t.Fatalf("the task without its verify block: %v", err)
			}
			tc.forge(v)
			forged := task
			forged.Verify, _ = json.Marshal(v)
			sc, err := tk.Verify(ctx, forged, dojo.Response{Text: tc.answer})
			var de *dojo.Error
			if err == nil {
				t.Fatalf("a forged answer key was believed: score %+v", sc)
			}
			if dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), "the answer key was altered") {
				t.Errorf("forged key: %v (code %q), want an invalid error saying the key was altered", err, dojo.ErrorCode(err))
			}
			if !errors.As(err, &de) || de.Field != "task.verify" {
				t.Errorf("forged key: field %v, want task.verify", de)
			}
		})
	}
}

// TestVerifyRebuildCost logs what rebuilding the gold costs per family:
// generating the task again on the Tasker's cached env, beside verifying.
func TestVerifyRebuildCost(t *testing.T) {
	if testing.Short() {
		t.Skip("a measurement")
	}
	tk := protocol.NewTasker(envs.Default())
	defer tk.Close()
	ctx := context.Background()
	for _, id := range []string{"toolcall/Mixed-v0", "sql/Retail-v0", "websim/SearchR1-v0", "websim/Shop-v0"} {
		task, err := tk.Generate(ctx, id, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		const n = 50
		start := time.Now()
		for i := range n {
			if _, err := tk.Generate(ctx, id, nil, uint64(i)); err != nil {
				t.Fatal(err)
			}
		}
		gen := time.Since(start) / n
		start = time.Now()
		for range n {
			if _, err := tk.Verify(ctx, task, dojo.Response{Text: "hello"}); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%s: generating a task %v, verifying (rebuild included) %v", id, gen, time.Since(start)/n)
	}
}
