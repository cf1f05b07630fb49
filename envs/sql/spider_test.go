package sql

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

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
		verdicts := d.Verify(context.Background(), goldPredictions(d, stride), VerifyOptions{Mode: mode})
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

func BenchmarkVerifySpiderDev(b *testing.B) {
	d, err := LoadSpider(sharedData(b, "spider-dev"))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	preds := goldPredictions(d, 1)
	d.Verify(context.Background(), preds, VerifyOptions{}) // open databases
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		// A fresh cache per run so every gold query executes too.
		for _, s := range d.dbs {
			if s.db != nil {
				s.db.cache.Clear()
			}
		}
		d.Verify(context.Background(), preds, VerifyOptions{})
		n += len(preds)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "pairs/s")
}
