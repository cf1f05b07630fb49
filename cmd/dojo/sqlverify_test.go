package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sqlenv "github.com/dojo-rl/dojo/envs/sql"
	"github.com/google/go-cmp/cmp"
)

// spiderDev returns ../shared/data/spider-dev next to the module root, or
// skips naming what is missing.
func spiderDev(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		if filepath.Dir(dir) == dir {
			t.Skip("shared data missing: no go.mod above the test directory")
		}
		dir = filepath.Dir(dir)
	}
	p := filepath.Join(dir, "..", "shared", "data", "spider-dev")
	if _, err := os.Stat(filepath.Join(p, "dev.json")); err != nil {
		t.Skipf("shared data missing: %s (CI has it)", filepath.Join(p, "dev.json"))
	}
	return p
}

type sqlVerdict struct {
	Index int    `json:"index"`
	Match int    `json:"match"`
	Error string `json:"error"`
}

func parseVerdicts(t *testing.T, out string) []sqlVerdict {
	t.Helper()
	var vs []sqlVerdict
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var v sqlVerdict
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		vs = append(vs, v)
	}
	return vs
}

func TestVerifySQLSpiderGold(t *testing.T) {
	t.Parallel()
	dir := spiderDev(t)
	b, err := os.ReadFile(filepath.Join(dir, "dev.json"))
	if err != nil {
		t.Fatal(err)
	}
	var qs []struct {
		DBID  string `json:"db_id"`
		Query string `json:"query"`
	}
	if err := json.Unmarshal(b, &qs); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	var official strings.Builder
	for _, q := range qs {
		official.WriteString(strings.ReplaceAll(q.Query, "\n", " ") + "\t" + q.DBID + "\n")
	}
	if err := os.WriteFile(filepath.Join(tmp, "pred.sql"), []byte(official.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"spider", "bird"} {
		r := dojoCmd(t, tmp, "verify", "sql", "--spider", dir, "--predictions", "pred.sql", "--mode", mode)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", mode, r.code, r.stderr)
		}
		vs := parseVerdicts(t, r.stdout)
		if len(vs) != 1034 {
			t.Fatalf("%s: %d output lines, want 1034", mode, len(vs))
		}
		matched, missing := 0, 0
		for i, v := range vs {
			if v.Index != i {
				t.Fatalf("%s: line %d has index %d: want input order", mode, i, v.Index)
			}
			matched += v.Match
			if strings.HasPrefix(v.Error, "database not found") {
				missing++
			} else if v.Error != "" {
				t.Errorf("%s: question %d: unexpected error %s", mode, i, v.Error)
			}
		}
		if matched != 972 || missing != 62 {
			t.Errorf("%s: %d matched, %d database not found; want 972 and 62", mode, matched, missing)
		}
		if !strings.Contains(r.stderr, "execution accuracy 0.9400 (972/1034)") {
			t.Errorf("%s: summary %q lacks the accuracy 972/1034", mode, r.stderr)
		}
	}
}

func TestVerifySQLJSONLinesAndHostileSQL(t *testing.T) {
	t.Parallel()
	dir := spiderDev(t)
	db := filepath.Join(dir, "database", "concert_singer", "concert_singer.sqlite")
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	// Question 0 is "SELECT count(*) FROM singer" on concert_singer.
	preds := `{"index": 2, "sql": "DROP TABLE singer"}
{"index": 0, "sql": "SELECT count(*) FROM singer; DELETE FROM singer"}
{"index": 0, "sql": "SELECT count(*) FROM singer"}
{"index": 1, "sql": "ATTACH DATABASE 'x.sqlite' AS x"}
{"index": 0, "sql": "SELECT count(*) + 1 FROM singer"}
{"index": 5000, "sql": "SELECT 1"}
`
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "p.jsonl"), []byte(preds), 0o644); err != nil {
		t.Fatal(err)
	}
	r := dojoCmd(t, tmp, "verify", "sql", "--spider", dir, "--predictions", "p.jsonl", "--workers", "2", "--allow-duplicates")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	vs := parseVerdicts(t, r.stdout)
	wantIdx := []int{2, 0, 0, 1, 0, 5000}
	wantMatch := []int{0, 0, 1, 0, 0, 0}
	wantErr := []bool{true, true, false, true, false, true}
	if len(vs) != len(wantIdx) {
		t.Fatalf("%d lines, want %d:\n%s", len(vs), len(wantIdx), r.stdout)
	}
	for i, v := range vs {
		if v.Index != wantIdx[i] || v.Match != wantMatch[i] || (v.Error != "") != wantErr[i] {
			t.Errorf("line %d = %+v, want index %d match %d error %v", i, v, wantIdx[i], wantMatch[i], wantErr[i])
		}
	}
	after, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != string(after) {
		t.Error("concert_singer.sqlite changed")
	}
	if _, err := os.Stat(filepath.Join(tmp, "x.sqlite")); err == nil {
		t.Error("ATTACH created x.sqlite")
	}
}

func TestVerifySQLUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"verify", "sql"},
		{"verify", "sql", "--spider", "x", "--predictions", "p", "--mode", "exact"},
		{"verify", "sql", "--spider", "x", "--bird", "y", "--predictions", "p"},
		{"verify", "sql", "--spider", "x", "--predictions", "p", "--timeout", "0s"},
	} {
		if r := dojoCmd(t, "", args...); r.code == 0 {
			t.Errorf("dojo %v succeeded, want a usage error", args)
		}
	}
}

func TestReadPredictions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     []sqlenv.Prediction
		wantErr  bool
	}{
		{"official", "SELECT 1\tdb\n\nSELECT 2\r\n", []sqlenv.Prediction{{Index: 0, SQL: "SELECT 1"}, {Index: 1, SQL: ""}, {Index: 2, SQL: "SELECT 2"}}, false},
		{"jsonl", "{\"index\": 3, \"sql\": \"SELECT 1\"}\n\n{\"index\":0,\"sql\":\"x\",\"db_id\":\"d\"}\n", []sqlenv.Prediction{{Index: 3, SQL: "SELECT 1"}, {Index: 0, SQL: "x"}}, false},
		{"jsonl missing sql", "{\"index\": 3}\n", nil, true},
		{"jsonl bad line", "{\"index\": 3, \"sql\": \"a\"}\nSELECT 1\n", nil, true},
		{"empty", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := readPredictions(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func FuzzReadPredictions(f *testing.F) {
	f.Add("SELECT 1\nSELECT 2\n")
	f.Add("{\"index\": 1, \"sql\": \"SELECT 1\"}\n")
	f.Add("{\"index\": -1, \"sql\": 5}\n")
	f.Fuzz(func(t *testing.T, in string) {
		preds, err := readPredictions(strings.NewReader(in))
		if err != nil {
			return
		}
		if !strings.HasPrefix(strings.TrimSpace(in), "{") {
			// official format: one prediction per line, indexed in order
			for i, p := range preds {
				if p.Index != i || strings.ContainsAny(p.SQL, "\n\t") {
					t.Fatalf("prediction %d = %+v from %q", i, p, in)
				}
			}
		}
	})
}
