package sql

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestGoldenTasks pins generated tasks byte for byte (question, prompt,
// gold SQL and gold result hash): a change to any shows here and must bump
// the env's version.
func TestGoldenTasks(t *testing.T) {
	t.Parallel()
	r := registry(t)
	var b bytes.Buffer
	for _, id := range genIDs {
		for _, c := range []struct {
			opts dojo.Options
			seed uint64
		}{{nil, 1}, {dojo.Options{"difficulty": "easy", "mode": "single"}, 40}, {dojo.Options{"difficulty": "medium", "size": 1}, 77}, {dojo.Options{"difficulty": "hard"}, 123}, {dojo.Options{"difficulty": "extra", "size": 5, "reward": "arctic"}, 999}} {
			e := makeEnv(t, r, id, c.opts)
			task, err := e.GenerateTask(context.Background(), c.seed)
			if err != nil {
				t.Fatal(err)
			}
			line, err := json.Marshal(task)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	path := filepath.Join("testdata", "gen", "tasks.jsonl")
	dojotest.Golden(t, path, b.Bytes(), *update)
}
