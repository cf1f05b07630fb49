package sql

import (
	"context"
	dsql "database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/internal/race"
)

// TestKaggleDBQAEnv: sql/KaggleDBQA-v0 conforms, its oracle succeeds on every
// question, and the hack probes (empty, SELECT * of the first table, a
// destructive statement) succeed on none.
func TestKaggleDBQAEnv(t *testing.T) {
	t.Parallel()
	sharedData(t, "kaggledbqa")
	r := registry(t)
	for _, mode := range []string{"multi", "single"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			dojotest.CheckEnv(t, makeEnv(t, r, "sql/KaggleDBQA-v0", dojo.Options{"mode": mode}))
		})
	}
	env := makeEnv(t, r, "sql/KaggleDBQA-v0", dojo.Options{"mode": "single"})
	ds, err := loadData(kaggleSource, kaggleSource.defaultPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Examples) != 87 {
		t.Fatalf("%d KaggleDBQA questions, want 87", len(ds.Examples))
	}
	ctx := context.Background()
	step := 1
	if race.Enabled {
		step = 7
	}
	for i := 0; i < len(ds.Examples); i += step {
		task, err := env.GenerateTask(ctx, uint64(i))
		if err != nil {
			t.Fatalf("question %d: %v", i, err)
		}
		if !strings.Contains(task.Prompt[0].Content, "CREATE TABLE") || task.Prompt[1].Content != ds.Examples[i].Question {
			t.Fatalf("question %d: prompt %q lacks the schema or the question", i, task.Prompt)
		}
		s, err := env.VerifyTask(ctx, task, dojo.Response{Text: ds.Examples[i].SQL})
		if err != nil || !s.Success {
			t.Fatalf("question %d: the gold scores %+v, %v", i, s, err)
		}
		db, err := ds.DB(ds.Examples[i].DBID)
		if err != nil {
			t.Fatal(err)
		}
		tables, err := db.Tables()
		if err != nil {
			t.Fatal(err)
		}
		for _, hack := range []string{"", `SELECT * FROM "` + tables[0].Name + `"`, "DROP TABLE " + tables[0].Name} {
			s, err := env.VerifyTask(ctx, task, dojo.Response{Text: hack})
			if err != nil || s.Success {
				t.Errorf("question %d: hack %q scores %+v, %v; want a failure", i, hack, s, err)
			}
		}
	}
}

// birdFolder writes a small BIRD-format data set: dev.json with evidence
// and difficulty, and dev_databases/shop/shop.sqlite.
func birdFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	dbDir := filepath.Join(dir, "dev_databases", "shop")
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := dsql.Open("sqlite", filepath.Join(dbDir, "shop.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range strings.Split(schemaSQL, ";") {
		if strings.TrimSpace(s) != "" {
			if _, err := w.Exec(s); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.Close()
	qs := []birdQuestion{
		{DBID: "shop", Question: "Who earns a high salary?", Evidence: "high salary refers to salary > 50", SQL: "SELECT name FROM emp WHERE salary > 50", Difficulty: "simple"},
		{DBID: "shop", Question: "How many employees work in R&D?", Evidence: "R&D is a department name", SQL: "SELECT count(*) FROM emp e JOIN dept d ON e.dept_id = d.id WHERE d.name = 'R&D'", Difficulty: "moderate"},
		{DBID: "gone", Question: "A question on a missing database", SQL: "SELECT 1", Difficulty: "simple"},
	}
	b, err := json.Marshal(qs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dev.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBIRDEnv: sql/BIRD-v0 shows the evidence with the question, judges by
// BIRD's set equality by default, keeps BIRD's difficulty, and reports a
// missing database or folder clearly.
func TestBIRDEnv(t *testing.T) {
	t.Parallel()
	dir := birdFolder(t)
	r := registry(t)
	env := makeEnv(t, r, "sql/BIRD-v0", dojo.Options{"path": dir, "mode": "single"})
	dojotest.CheckEnv(t, makeEnv(t, r, "sql/BIRD-v0", dojo.Options{"path": dir}))
	ctx := context.Background()
	task, err := env.GenerateTask(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Who earns a high salary?\n\nEvidence: high salary refers to salary > 50"; task.Prompt[1].Content != want {
		t.Errorf("question shown: %q, want %q", task.Prompt[1].Content, want)
	}
	if task.Meta["difficulty"] != "simple" {
		t.Errorf("meta %v, want difficulty simple", task.Meta)
	}
	// Every row twice: a set match (BIRD), not a multiset one (Spider).
	doubled := "SELECT emp.name FROM emp, dept WHERE salary > 50"
	for _, tc := range []struct {
		opts dojo.Options
		want bool
	}{{dojo.Options{"path": dir, "mode": "single"}, true}, {dojo.Options{"path": dir, "mode": "single", "match_mode": "spider"}, false}} {
		e := makeEnv(t, r, "sql/BIRD-v0", tc.opts)
		task, err := e.GenerateTask(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.VerifyTask(ctx, task, dojo.Response{Text: doubled})
		if err != nil || s.Success != tc.want {
			t.Errorf("%v: doubled rows score %+v, %v; want success %v", tc.opts, s, err, tc.want)
		}
	}
	for seed := range uint64(2) {
		if _, _, err := env.Reset(ctx, seed); err != nil {
			t.Fatal(err)
		}
		a, _ := env.OracleAction(ctx)
		st, err := env.Step(ctx, a)
		if err != nil || !st.Info.Success {
			t.Errorf("question %d: oracle %+v, %v", seed, st.Info, err)
		}
	}
	// The question on a missing database is skipped, with a notice: seed
	// 2 plays the first question again.
	notices, err := env.CheckData(ctx)
	if want := []string{"1 of 3 questions skipped: database gone not found under " + filepath.Join(dir, "dev_databases")}; err != nil || !slices.Equal(notices, want) {
		t.Errorf("CheckData = %q, %v; want %q", notices, err, want)
	}
	task2, err := env.GenerateTask(ctx, 2)
	if err != nil || task2.Meta["index"] != 0 || task2.Prompt[1].Content != task.Prompt[1].Content {
		t.Errorf("seed 2: %v, %v; want question 0", task2.Meta, err)
	}
	missing := makeEnv(t, r, "sql/BIRD-v0", dojo.Options{"path": filepath.Join(dir, "nope")})
	if _, _, err := missing.Reset(ctx, 0); err == nil || !strings.Contains(err.Error(), "no BIRD data set") || !strings.Contains(err.Error(), "evidence") {
		t.Errorf("Reset with no folder: %v, want an error naming the BIRD layout", err)
	}
	if _, err := missing.CheckData(ctx); dojo.ErrorCode(err) != dojo.CodeNotFound || !strings.Contains(err.Error(), "no BIRD data set") {
		t.Errorf("CheckData with no folder: %v, want not_found", err)
	}
	// A data set none of whose databases is there serves nothing.
	bare := birdFolder(t)
	if err := os.RemoveAll(filepath.Join(bare, "dev_databases")); err != nil {
		t.Fatal(err)
	}
	empty := makeEnv(t, r, "sql/BIRD-v0", dojo.Options{"path": bare})
	_, err = empty.CheckData(ctx)
	if want := "none of the 3 questions of the BIRD data set at " + bare + " has its database: databases gone, shop not found under " + filepath.Join(bare, "dev_databases"); dojo.ErrorCode(err) != dojo.CodeNotFound || err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("CheckData without databases: %v, want not_found containing %q", err, want)
	}
	if _, _, err := empty.Reset(ctx, 0); dojo.ErrorCode(err) != dojo.CodeNotFound {
		t.Errorf("Reset without databases: %v, want not_found", err)
	}
}
