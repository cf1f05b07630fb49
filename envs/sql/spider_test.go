package sql

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/race"
)

// raceStride is 1 without the race detector: the real-data sweeps check
// every question. Under it the pure-Go SQLite runs tens of times slower,
// so they check every raceStride-th question; the normal run (and
// cmd/dojo's end-to-end test, whose binary is built without -race) checks
// every question.
var raceStride = map[bool]int{false: 1, true: 9}[race.Enabled]

// goldPredictions returns every stride-th example's gold query as its
// prediction.
func goldPredictions(d *Dataset, stride int) []Prediction {
	var preds []Prediction
	for i := 0; i < len(d.Examples); i += stride {
		preds = append(preds, Prediction{Index: i, SQL: d.Examples[i].SQL})
	}
	return preds
}

// TestSpiderDevGoldMatchesItself: the gold query matches itself on every
// Spider dev question whose database exists; wta_1's are "database not found".
// Predictions are the gold queries under another text (first keyword's case
// swapped), so both really run, and the gold queries themselves, which take
// the gold's cached result; the verdicts must be the same.
func TestSpiderDevGoldMatchesItself(t *testing.T) {
	t.Parallel()
	dir := sharedData(t, "spider-dev")
	d, err := LoadSpider(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if len(d.Examples) != 1034 {
		t.Fatalf("LoadSpider: %d questions, want 1034", len(d.Examples))
	}
	for _, mode := range []Mode{ModeSpider, ModeBird} {
		stride := raceStride
		if mode == ModeBird {
			stride = 5 * raceStride // spider mode is the thorough sweep
		}
		preds := goldPredictions(d, stride)
		rewritten := make([]Prediction, len(preds))
		for i, p := range preds {
			rewritten[i] = Prediction{Index: p.Index, SQL: swapFirstWordCase(p.SQL)}
			if rewritten[i].SQL == p.SQL {
				t.Fatalf("swapFirstWordCase(%q) changed nothing", p.SQL)
			}
		}
		verdicts := d.Verify(context.Background(), rewritten, VerifyOptions{Mode: mode})
		cached := d.Verify(context.Background(), preds, VerifyOptions{Mode: mode})
		for i := range verdicts {
			if verdicts[i].Match != cached[i].Match {
				t.Errorf("%s: question %d: run: match %v, cached gold result: match %v", mode, verdicts[i].Index, verdicts[i].Match, cached[i].Match)
			}
		}
		matched, missing := 0, 0
		for _, v := range verdicts {
			i := v.Index
			switch {
			case v.Match:
				matched++
			case v.Err != nil && strings.HasPrefix(v.Err.Error(), "database not found") && d.Examples[i].DBID == "wta_1":
				missing++
				if dojo.ErrorCode(v.Err) != dojo.CodeNotFound {
					t.Errorf("question %d: missing database error code %q, want not_found", i, dojo.ErrorCode(v.Err))
				}
			default:
				t.Errorf("%s: question %d (%s) gold does not match itself: %v\n%s", mode, i, d.Examples[i].DBID, v.Err, d.Examples[i].SQL)
			}
		}
		if stride == 1 && (matched != 972 || missing != 62) {
			t.Errorf("%s: %d matched and %d missing databases, want 972 and 62", mode, matched, missing)
		}
		if matched+missing != len(verdicts) || missing == 0 {
			t.Errorf("%s: %d matched and %d missing of %d checked", mode, matched, missing, len(verdicts))
		}
	}
}

func TestKaggleDBQAGoldMatchesItself(t *testing.T) {
	t.Parallel()
	d, err := LoadKaggleDBQA(sharedData(t, "kaggledbqa"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if len(d.Examples) != 87 {
		t.Errorf("LoadKaggleDBQA: %d examples, want 87 (32+27+28: the full files, not the _test and _fewshot splits)", len(d.Examples))
	}
	for _, v := range d.Verify(context.Background(), goldPredictions(d, raceStride), VerifyOptions{}) {
		if i := v.Index; !v.Match {
			t.Errorf("example %d (%s) gold does not match itself: %v\n%s", i, d.Examples[i].DBID, v.Err, d.Examples[i].SQL)
		}
	}
}

func TestLoadBIRD(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbDir := filepath.Join(dir, "dev_databases", "shop")
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(makeFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dbDir, "shop.sqlite"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	js := `[{"question_id":0,"db_id":"shop","question":"How many employees?","evidence":"employees are rows of emp","SQL":"SELECT count(*) FROM emp","difficulty":"simple"},
{"question_id":1,"db_id":"gone","question":"q","evidence":"","SQL":"SELECT 1","difficulty":"moderate"}]`
	if err := os.WriteFile(filepath.Join(dir, "dev.json"), []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := LoadBIRD(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	want := Example{Index: 0, DBID: "shop", Question: "How many employees?", SQL: "SELECT count(*) FROM emp", Evidence: "employees are rows of emp", Difficulty: "simple"}
	if d.Examples[0] != want {
		t.Errorf("example 0 = %+v, want %+v", d.Examples[0], want)
	}
	vs := d.Verify(context.Background(), []Prediction{{0, "SELECT 3"}, {1, "SELECT 1"}, {0, "SELECT 4"}, {5, "SELECT 1"}}, VerifyOptions{Mode: ModeBird, Workers: 2})
	if !vs[0].Match || vs[0].Err != nil {
		t.Errorf("verdict 0 = %+v, want a match", vs[0])
	}
	if vs[1].Match || vs[1].Err == nil || !strings.Contains(vs[1].Err.Error(), "database not found") {
		t.Errorf("verdict 1 = %+v, want 'database not found'", vs[1])
	}
	if vs[2].Match || vs[2].Err != nil {
		t.Errorf("verdict 2 = %+v, want a clean mismatch", vs[2])
	}
	if vs[3].Match || vs[3].Err == nil || !strings.Contains(vs[3].Err.Error(), "out of range") {
		t.Errorf("verdict 3 = %+v, want an out-of-range error", vs[3])
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := LoadSpider(dir); dojo.ErrorCode(err) != dojo.CodeNotFound {
		t.Errorf("LoadSpider(empty dir) = %v, want a not_found error", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dev.json"), []byte(`[{"question":"q"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSpider(dir); dojo.ErrorCode(err) != dojo.CodeInvalid {
		t.Errorf("LoadSpider(no db_id) = %v, want an invalid error", err)
	}
	if _, err := LoadKaggleDBQA(dir); dojo.ErrorCode(err) != dojo.CodeNotFound {
		t.Errorf("LoadKaggleDBQA(empty) = %v, want not_found", err)
	}
	d := &Dataset{dbDirs: []string{dir}}
	if _, err := d.DB("../etc"); dojo.ErrorCode(err) != dojo.CodeInvalid {
		t.Errorf("DB(../etc) = %v, want invalid", err)
	}
}

// rewrittenPredictions are the gold queries with the case of their first
// keyword swapped (SELECT for select and the reverse): the same queries
// under other texts, so no cache keyed by text can help (the "rewritten"
// set of testdata/sqlite3_loop.py).
func rewrittenPredictions(d *Dataset) []Prediction {
	preds := goldPredictions(d, 1)
	for i := range preds {
		preds[i].SQL = swapFirstWordCase(preds[i].SQL)
	}
	return preds
}

func swapFirstWordCase(q string) string {
	b := []byte(q)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			b[i] = c - 'a' + 'A'
		case c >= 'A' && c <= 'Z':
			b[i] = c - 'A' + 'a'
		case c == ' ' || c == '\t' || c == '\n':
			if i > 0 && b[i-1] != ' ' && b[i-1] != '\t' && b[i-1] != '\n' {
				return string(b)
			}
		default:
			return string(b)
		}
	}
	return string(b)
}

// BenchmarkVerifySpiderDev verifies the whole Spider dev set (1034
// predictions, 972 with a database) as dojo verify sql does, from cold: each
// round loads the data set anew (untimed: reading dev.json), so opening the
// databases, their connections, prepared statements and gold results are
// all in the time. gold: each prediction is its gold query; rewritten: the
// gold under another text. Compare pairs/s with BenchmarkSQLite3Loop's.
func BenchmarkVerifySpiderDev(b *testing.B) {
	dir := sharedData(b, "spider-dev")
	d, err := LoadSpider(dir)
	if err != nil {
		b.Fatal(err)
	}
	d.Close()
	for _, set := range []struct {
		name  string
		preds []Prediction
	}{{"gold", goldPredictions(d, 1)}, {"rewritten", rewrittenPredictions(d)}} {
		b.Run(set.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				b.StopTimer()
				d, err := LoadSpider(dir)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				d.Verify(context.Background(), set.preds, VerifyOptions{})
				b.StopTimer()
				d.Close()
				b.StartTimer()
				n += len(set.preds)
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "pairs/s")
		})
	}
}

// BenchmarkSQLite3Loop runs the baseline, testdata/sqlite3_loop.py (a plain
// Python sqlite3 loop: one read-only connection per pair, both queries run,
// results compared as sets), on the same predictions as
// BenchmarkVerifySpiderDev, and reports the pairs/s it measures over its
// loop (972 pairs: it skips the questions without a database).
func BenchmarkSQLite3Loop(b *testing.B) {
	dir := sharedData(b, "spider-dev")
	py, err := exec.LookPath("python3")
	if err != nil {
		b.Skip("python3 not found")
	}
	for _, set := range []string{"gold", "rewritten"} {
		b.Run(set, func(b *testing.B) {
			var pairs, secs float64
			for b.Loop() {
				out, err := exec.Command(py, "testdata/sqlite3_loop.py", dir, set).Output()
				if err != nil {
					b.Fatalf("sqlite3_loop.py: %v", err)
				}
				var n, matches int
				var s, rate float64
				if _, err := fmt.Sscanf(string(out), "%d pairs %f s %f pairs/s %d matches", &n, &s, &rate, &matches); err != nil {
					b.Fatalf("sqlite3_loop.py printed %q: %v", out, err)
				}
				if matches != n {
					b.Fatalf("sqlite3_loop.py: %d of %d pairs match, want all", matches, n)
				}
				pairs += float64(n)
				secs += s
			}
			b.ReportMetric(pairs/secs, "pairs/s")
		})
	}
}
