package main

import (
	dsql "database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// birdFolder writes dir/bird, a BIRD-format data set of three questions,
// the second on a database the folder lacks.
func birdFolder(t *testing.T, dir string) string {
	t.Helper()
	root := filepath.Join(dir, "bird")
	dbDir := filepath.Join(root, "dev_databases", "shop")
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := dsql.Open("sqlite", filepath.Join(dbDir, "shop.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"CREATE TABLE emp (id INTEGER PRIMARY KEY, name TEXT, salary REAL)",
		"INSERT INTO emp VALUES (1, 'ann', 70), (2, 'bob', 40), (3, 'cy', 55)",
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	qs := []map[string]string{
		{"db_id": "shop", "question": "Who earns more than 50?", "evidence": "", "SQL": "SELECT name FROM emp WHERE salary > 50", "difficulty": "simple"},
		{"db_id": "gone", "question": "A question on a missing database", "evidence": "", "SQL": "SELECT 1", "difficulty": "simple"},
		{"db_id": "shop", "question": "How many employees?", "evidence": "", "SQL": "SELECT count(*) FROM emp", "difficulty": "simple"},
	}
	b, err := json.Marshal(qs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "dev.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestDataNoticesPrintedOnce checks that run, gen and bench run play a data
// set whose folder lacks a database without failing episodes, and say once
// on stderr which questions they skip.
func TestDataNoticesPrintedOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	root := birdFolder(t, dir)
	notice := "sql/BIRD-v0: 1 of 3 questions skipped: database gone not found under " + filepath.Join(root, "dev_databases") + "\n"
	once := func(what string, r result, cmd string) {
		t.Helper()
		if r.code != 0 {
			t.Fatalf("%s: exit %d, %s", what, r.code, r.stderr)
		}
		if n := strings.Count(r.stderr, "dojo "+cmd+": "+notice); n != 1 {
			t.Errorf("%s: the notice %d times on stderr, want once:\n%s", what, n, r.stderr)
		}
	}

	r := dojoCmd(t, dir, "run", "sql/BIRD-v0", "--opt", "path=bird", "--agent", "oracle", "--episodes", "6", "--workers", "2", "--json")
	once("run", r, "run")
	var sum struct {
		Episodes, Successes, Errors int
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil || sum.Episodes != 6 || sum.Successes != 6 || sum.Errors != 0 {
		t.Errorf("run: %+v %v, want 6 successes and no error:\n%s", sum, err, r.stdout)
	}

	r = dojoCmd(t, dir, "gen", "sql/BIRD-v0", "--opt", "path=bird", "--n", "3")
	once("gen", r, "gen")
	if strings.Count(r.stdout, "\n") != 3 || strings.Contains(r.stdout, "missing database") {
		t.Errorf("gen: want 3 tasks, none on the missing database:\n%s", r.stdout)
	}

	writeSuite(t, dir, `{"name": "bird-v1", "entries": [
		{"env": "sql/BIRD-v0", "options": {"path": "bird"}, "tasks": 3, "seed": 0},
		{"env": "sql/BIRD-v0", "options": {"path": "bird", "mode": "single"}, "tasks": 3, "seed": 0}
	]}`)
	r = dojoCmd(t, dir, "bench", "run", "suite.json", "--agent", "oracle", "--out", "b")
	once("bench run", r, "bench run")
}

// TestCheckSkipsAbsentData checks that dojo check passes on a fresh clone:
// with ../shared/data it checks Spider (whose copy lacks a database) and
// says once which questions it skips; without it, and for BIRD (never
// shipped), the data-set envs are reported as skipped with the reason,
// exit 0. An env named on the command line whose data is absent fails.
func TestCheckSkipsAbsentData(t *testing.T) {
	t.Parallel()
	// Without ../shared/data: a folder outside the module.
	r := dojoCmd(t, "", "check", "--seeds", "2", "--oracle", "2")
	if r.code != 0 {
		t.Fatalf("check without the data: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, id := range []string{"sql/BIRD-v0", "sql/KaggleDBQA-v0", "sql/Spider-v0"} {
		if !strings.Contains(r.stdout, "skip  "+id+"\n      its data is absent: sql: no ") {
			t.Errorf("check without the data does not skip %s:\n%s", id, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "ok    gridworld/FrozenLake-v1\n") || !strings.Contains(r.stdout, " envs ok, 3 skipped (their data is absent)") {
		t.Errorf("check without the data:\n%s", r.stdout)
	}
	r = dojoCmd(t, "", "check", "sql/BIRD-v0", "gridworld/Taxi-v3")
	if r.code != 1 || !strings.Contains(r.stdout, "FAIL  sql/BIRD-v0\n      its data is absent: sql: no BIRD data set") || !strings.Contains(r.stdout, "ok    gridworld/Taxi-v3") {
		t.Errorf("check of a named env without its data: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// With ../shared/data, from the module root.
	spiderDev(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	r = dojoCmd(t, root, "check", "sql/Spider-v0")
	if r.code != 0 || !strings.Contains(r.stdout, "ok    sql/Spider-v0") {
		t.Errorf("check sql/Spider-v0 with the data: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := strings.Count(r.stderr, "dojo check: sql/Spider-v0: 62 of 1034 questions skipped: database wta_1 not found under "); n != 1 {
		t.Errorf("check sql/Spider-v0: the notice %d times, want once:\n%s", n, r.stderr)
	}
	r = dojoCmd(t, root, "check", "--seeds", "2", "--oracle", "2")
	if r.code != 0 || !strings.Contains(r.stdout, "ok    sql/Spider-v0") || !strings.Contains(r.stdout, "ok    sql/KaggleDBQA-v0") ||
		!strings.Contains(r.stdout, "skip  sql/BIRD-v0") || !strings.Contains(r.stdout, " envs ok, 1 skipped (their data is absent)") {
		t.Errorf("check with the data: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
