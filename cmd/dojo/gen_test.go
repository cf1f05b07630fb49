package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenFormatsVerifyAlike writes the same tasks as JSON lines, gzipped
// JSON lines and Parquet, and scores one responses file against each:
// the scores are identical, so no format loses what dojo verify needs.
func TestGenFormatsVerifyAlike(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"t.jsonl", "t.jsonl.gz", "t.parquet"} {
		r := dojoCmd(t, dir, "gen", "websim/SearchR1-v0", "--n", "4", "--seed", "10", "--opt", "hops=1", "--out", f, "--card=false")
		if r.code != 0 {
			t.Fatalf("gen --out %s: exit %d: %s", f, r.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err == nil {
		t.Error("--card=false wrote a data card")
	}
	var resp bytes.Buffer
	for _, row := range readLines(t, filepath.Join(dir, "t.jsonl")) {
		verify, ok := row["verify"].(string)
		if !ok || !strings.Contains(verify, "answers") {
			t.Fatalf("row %v: verify %T %v, want JSON text with the answers", row["id"], row["verify"], row["verify"])
		}
		resp.WriteString(`{"id": "` + row["id"].(string) + `", "response": "<answer>` + answerOf(t, verify) + `</answer>"}` + "\n")
	}
	os.WriteFile(filepath.Join(dir, "r.jsonl"), resp.Bytes(), 0o644)
	var first string
	for _, f := range []string{"t.jsonl", "t.jsonl.gz", "t.parquet"} {
		r := dojoCmd(t, dir, "verify", "--tasks", f, "--responses", "r.jsonl")
		if r.code != 0 {
			t.Fatalf("verify --tasks %s: exit %d: %s", f, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, `{"name":"em","value":1`) {
			t.Errorf("verify --tasks %s: the gold answers do not match exactly:\n%s", f, r.stdout)
		}
		if first == "" {
			first = r.stdout
		} else if r.stdout != first {
			t.Errorf("verify --tasks %s scores differently from t.jsonl:\n%s\nwant\n%s", f, r.stdout, first)
		}
	}
	// Sniffed by content, not name: Parquet under another name still reads.
	os.Rename(filepath.Join(dir, "t.parquet"), filepath.Join(dir, "renamed.jsonl"))
	if r := dojoCmd(t, dir, "verify", "--tasks", "renamed.jsonl", "--responses", "r.jsonl"); r.code != 0 || r.stdout != first {
		t.Errorf("verify of a renamed Parquet file: exit %d: %s", r.code, r.stderr)
	}
}

func answerOf(t *testing.T, verify string) string {
	t.Helper()
	i := strings.Index(verify, `"answers":["`)
	if i < 0 {
		t.Fatalf("no answers in %s", verify)
	}
	rest := verify[i+len(`"answers":["`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestGenSplitsAndCard writes two splits into a directory with their data
// card, refuses to overwrite a README.md it did not write, and names what
// is wrong with bad flags.
func TestGenSplitsAndCard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := dojoCmd(t, dir, "gen", "toolcall/Bank-v0", "--split", "train=0:6,test=100:103", "--out", "ds", "--format", "parquet", "--tools-format", "mcp")
	if r.code != 0 {
		t.Fatalf("gen --split: exit %d: %s", r.code, r.stderr)
	}
	for _, f := range []string{"train.parquet", "test.parquet", "README.md"} {
		if _, err := os.Stat(filepath.Join(dir, "ds", f)); err != nil {
			t.Errorf("gen --split: %v", err)
		}
	}
	card, _ := os.ReadFile(filepath.Join(dir, "ds", "README.md"))
	for _, want := range []string{"  - split: test\n    path: test.parquet", "| test | test.parquet | 100 to 102 | 3 |", "9 tasks in all", "dojo verify --tasks train.parquet", `"inputSchema"`, "# toolcall/Bank-v0 tasks"} {
		if !strings.Contains(string(card), want) {
			t.Errorf("data card lacks %q:\n%s", want, card)
		}
	}
	// The test split's rows are the tasks of seeds 100 to 102, split "test".
	r = dojoCmd(t, dir, "gen", "toolcall/Bank-v0", "--seed", "100", "--n", "3", "--tools-format", "mcp")
	var want []string
	for line := range strings.Lines(r.stdout) {
		want = append(want, strings.Replace(line, `"split":"train"`, `"split":"test"`, 1))
	}
	r2 := dojoCmd(t, dir, "gen", "toolcall/Bank-v0", "--split", "test=100:103", "--out", "js", "--tools-format", "mcp")
	if r2.code != 0 {
		t.Fatal(r2.stderr)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "js", "test.jsonl"))
	if string(got) != strings.Join(want, "") {
		t.Errorf("split test=100:103 differs from --seed 100 --n 3:\n%s\nwant\n%s", got, strings.Join(want, ""))
	}

	// A README.md of the user's is left alone.
	own := filepath.Join(dir, "README.md")
	os.WriteFile(own, []byte("# my project\n"), 0o644)
	r = dojoCmd(t, dir, "gen", "toolcall/Bank-v0", "--n", "2", "--out", "tasks.jsonl")
	if r.code != 0 || !strings.Contains(r.stderr, "no data card written") {
		t.Errorf("gen beside a README.md: exit %d, stderr %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(own); string(b) != "# my project\n" {
		t.Errorf("gen overwrote the user's README.md: %q", b)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--split", "train=0:5", "--n", "3", "--out", "x"}, "takes no --n or --seed"},
		{[]string{"--split", "train=0:5"}, "give the directory with --out DIR"},
		{[]string{"--split", "train=0:5,test=3:9", "--out", "x"}, "overlap"},
		{[]string{"--format", "csv"}, "want jsonl, jsonl.gz or parquet"},
		{[]string{"--tools-format", "xml"}, "want openai"},
	} {
		r := dojoCmd(t, dir, append([]string{"gen", "toolcall/Bank-v0"}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("gen %v: exit %d, stderr %q, want usage error saying %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
