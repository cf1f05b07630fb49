package sql

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/dojo-rl/dojo"
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
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		gl, wl := bytes.Split(b.Bytes(), []byte("\n")), bytes.Split(want, []byte("\n"))
		for i := range min(len(gl), len(wl)) {
			if !bytes.Equal(gl[i], wl[i]) {
				t.Fatalf("task %d differs from %s:\n got %s\nwant %s", i, path, gl[i], wl[i])
			}
		}
		t.Fatalf("tasks differ from %s in length: got %d lines, want %d", path, len(gl), len(wl))
	}
}
