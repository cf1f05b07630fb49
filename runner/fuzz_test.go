package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadEpisodes feeds arbitrary files to the two readers of episode
// files: ReadEpisodes and the resume of Run. Neither may panic; a resume
// that accepts a file leaves it made of complete lines only, and finds the
// records ReadEpisodes finds.
func FuzzReadEpisodes(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "chain.golden.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add(golden[:len(golden)/2])
	f.Add([]byte("{\"episode\":0,\"env\":\"test/Chain-v0\",\"seed\":7,\"agent\":\"walker\",\"options\":{}}\n{\"episode\":"))
	f.Add([]byte("\n\n  \n"))
	f.Add([]byte(`{"episode":-1,"seed":0}` + "\n"))
	f.Add([]byte(`{"episode":1,"seed":8,"env":"test/Chain-v0","agent":"walker","options":null,"steps":[{"action":{"text":"x"}}]}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		eps, readErr := ReadEpisodes(bytes.NewReader(data))
		path := filepath.Join(t.TempDir(), "run.jsonl")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		canon, err := canonicalOptions(golden0Options)
		if err != nil {
			t.Fatal(err)
		}
		id := identity{env: "test/Chain-v0", options: canon, agent: "walker", seed: 7}
		defer func() {
			// With dedupe the file, rewritten or not, holds each episode once.
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, results, _, err := openOut(path, id, true)
			if err != nil {
				return
			}
			out.close()
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			eps, err := ReadEpisodes(bytes.NewReader(b))
			if err != nil || len(eps) != len(results) {
				t.Fatalf("after dedupe: %d records (%v), resume found %d", len(eps), err, len(results))
			}
			seen := map[int]bool{}
			for _, ep := range eps {
				if seen[ep.Episode] {
					t.Fatalf("after dedupe episode %d repeats: %q", ep.Episode, b)
				}
				seen[ep.Episode] = true
			}
		}()
		out, results, _, err := openOut(path, id, false)
		if err != nil {
			return
		}
		out.close()
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) > 0 && after[len(after)-1] != '\n' {
			t.Fatalf("after resume the file ends with a partial line: %q", after)
		}
		if !bytes.HasPrefix(data, after) {
			t.Fatalf("resume changed the file beyond cutting its end:\nbefore %q\nafter  %q", data, after)
		}
		if readErr == nil && len(eps) != len(results) {
			t.Fatalf("ReadEpisodes found %d records, resume %d", len(eps), len(results))
		}
	})
}

// golden0Options are the resolved options of the golden run.
var golden0Options = map[string]any{"fail_every": 3, "length": 3, "panic_every": 0, "sleep_ms": 0, "slip": 0.2, "work": 0}
