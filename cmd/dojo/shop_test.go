package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// TestGenVerifyShop generates shop tasks with dojo gen and scores, with
// dojo verify, the gold plan of each (written from its verify block) and a
// response that buys without looking.
func TestGenVerifyShop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := dojoCmd(t, dir, "gen", "websim/Shop-v0", "--n", "3", "--seed", "5", "--opt", "products=100", "--out", "tasks.jsonl")
	if r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "tasks.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var responses []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		// A row of dojo gen holds verify and meta as JSON text; dojo.Task
		// reads both shapes.
		var row dojo.Task
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatal(err)
		}
		var task struct {
			ID     string
			Verify struct {
				Goal struct {
					ASIN, Search string
					Options      []struct{ Value string }
				}
			}
			Meta struct {
				TargetRank int `json:"target_rank"`
			}
		}
		task.ID = row.ID
		if err := json.Unmarshal(row.Verify, &task.Verify); err != nil {
			t.Fatal(err)
		}
		mb, _ := json.Marshal(row.Meta)
		if err := json.Unmarshal(mb, &task.Meta); err != nil {
			t.Fatal(err)
		}
		plan := []string{"search[" + task.Verify.Goal.Search + "]"}
		for range (task.Meta.TargetRank - 1) / 10 {
			plan = append(plan, "click[Next >]")
		}
		plan = append(plan, "click["+task.Verify.Goal.ASIN+"]")
		for _, o := range task.Verify.Goal.Options {
			plan = append(plan, "click["+o.Value+"]")
		}
		plan = append(plan, "click[Buy Now]")
		for _, resp := range []string{strings.Join(plan, "\n"), "click[Buy Now]"} {
			b, _ := json.Marshal(map[string]string{"id": task.ID, "response": resp})
			responses = append(responses, string(b))
		}
	}
	os.WriteFile(filepath.Join(dir, "responses.jsonl"), []byte(strings.Join(responses, "\n")+"\n"), 0o644)
	r = dojoCmd(t, dir, "verify", "--tasks", "tasks.jsonl", "--responses", "responses.jsonl", "--allow-duplicates") // two responses per task
	if r.code != 0 {
		t.Fatalf("verify: exit %d: %s", r.code, r.stderr)
	}
	if got := strings.Count(r.stdout, `"success":true`); got != 3 || !strings.Contains(r.stderr, "6 responses, 6 scored, 0 failed") {
		t.Errorf("%d successes of 6 responses (3 gold plans):\n%s\n%s", got, r.stdout, r.stderr)
	}
}
