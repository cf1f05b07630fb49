package bandit

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden pins whole episodes, observations and infos, byte for byte:
// a change to any episode shows here (and must bump the env's version).
func TestGolden(t *testing.T) {
	oracle := dojo.Action{Kind: 99} // a marker: ask the env's oracle
	tests := []struct {
		name    string
		id      string
		opts    dojo.Options
		seed    uint64
		actions []dojo.Action
	}{
		{"bernoulli2_text", "bandit/Bernoulli-2-v0", dojo.Options{"text": true, "horizon": 6}, 3, []dojo.Action{
			dojo.IndexAction(0), dojo.TextAction("arm1"), dojo.TextAction("<answer>ARM1</answer>"),
			dojo.IndexAction(9), dojo.TextAction("nope"), dojo.IndexAction(1),
		}},
		{"bernoulli10_shaped_oracle", "bandit/Bernoulli-10-v0", dojo.Options{"reward": "shaped", "horizon": 10, "gap": 0.1, "best_mean": 0.8}, 5, []dojo.Action{
			dojo.IndexAction(0), oracle, oracle, oracle, oracle, oracle, oracle, oracle, oracle, oracle,
		}},
		{"gaussian_terminate", "bandit/Gaussian-10-v0", dojo.Options{"invalid_action": "terminate", "max_invalid": 2, "horizon": 10, "text": true}, 8, []dojo.Action{
			dojo.IndexAction(1), dojo.IndexAction(99), dojo.TextAction("arm2"), dojo.MessageAction("", dojo.ToolCall{Name: "pull", Arguments: json.RawMessage(`{}`)}),
		}},
		{"drifting_text", "bandit/Drifting-10-v0", dojo.Options{"drift": 0.2, "horizon": 5, "text": true}, 1, []dojo.Action{
			dojo.IndexAction(0), dojo.IndexAction(1), oracle, oracle, dojo.IndexAction(4),
		}},
		{"linear_dim2_text", "bandit/Linear-10-v0", dojo.Options{"dim": 2, "horizon": 4, "text": true}, 5, []dojo.Action{
			dojo.IndexAction(0), dojo.IndexAction(3), dojo.TextAction("arm9"), oracle,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := makeEnv(t, tt.id, tt.opts)
			ctx := context.Background()
			var b bytes.Buffer
			obs, info := reset(t, e, tt.seed)
			fmt.Fprintf(&b, "# %s %s seed %d\n", tt.id, mustJSON(t, tt.opts), tt.seed)
			fmt.Fprintf(&b, "reset %s\n", mustJSON(t, struct {
				Obs  dojo.Obs  `json:"observation"`
				Info dojo.Info `json:"info"`
			}{obs, info}))
			for i, a := range tt.actions {
				if a.Kind == oracle.Kind {
					var err error
					if a, err = e.OracleAction(ctx); err != nil {
						t.Fatal(err)
					}
				}
				s := step(t, e, a)
				fmt.Fprintf(&b, "step %d action %s %s\n", i+1, mustJSON(t, a), mustJSON(t, s))
				if s.Done() != (i == len(tt.actions)-1) {
					t.Fatalf("step %d: done=%v, the episode should end with the last action", i+1, s.Done())
				}
			}
			path := filepath.Join("testdata", tt.name+".golden")
			dojotest.Golden(t, path, b.Bytes(), *update)
		})
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
