package sql

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/internal/race"
)

// spiderOrSkip skips when the shared Spider dev set is absent.
func spiderOrSkip(t *testing.T) {
	t.Helper()
	if _, err := resolveDataPath(spiderSource, defaultSpiderPath); err != nil {
		if _, statErr := os.Stat("../../../shared/data/spider-dev"); statErr != nil {
			t.Skipf("no Spider dev set: %v", err)
		}
		t.Fatal(err)
	}
}

func TestSpiderCheckEnv(t *testing.T) {
	t.Parallel()
	spiderOrSkip(t)
	r := registry(t)
	for _, mode := range []string{"multi", "single"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			// Every seed plays: the questions whose database is absent
			// from the shared copy (wta_1's) are skipped.
			dojotest.CheckEnv(t, makeEnv(t, r, "sql/Spider-v0", dojo.Options{"mode": mode}))
		})
	}
}

// present returns the indices of the Spider questions whose database
// exists, in file order.
func present(t *testing.T) []int {
	ds, err := LoadSpider(sharedData(t, "spider-dev"))
	if err != nil {
		t.Fatal(err)
	}
	var idx []int
	for i, ex := range ds.Examples {
		if ds.DBPath(ex.DBID) != "" {
			idx = append(idx, i)
		}
	}
	return idx
}

// TestSpiderSkipsMissingDatabases checks that the env skips the questions
// whose database the data folder lacks (the shared copy lacks wta_1, 62
// questions), says so once in CheckData, and maps seed s to the
// (s mod 972)th question that has its database, in file order.
func TestSpiderSkipsMissingDatabases(t *testing.T) {
	t.Parallel()
	spiderOrSkip(t)
	r := registry(t)
	env := makeEnv(t, r, "sql/Spider-v0", nil)
	var dc dojo.DataChecker = env
	notices, err := dc.CheckData(context.Background())
	dir, _ := resolveDataPath(spiderSource, defaultSpiderPath)
	want := []string{"62 of 1034 questions skipped: database wta_1 not found under " + filepath.Join(dir, "database")}
	if err != nil || !slices.Equal(notices, want) {
		t.Errorf("CheckData = %q, %v; want %q", notices, err, want)
	}
	idx := present(t)
	if len(idx) != 972 {
		t.Fatalf("%d questions with a database, want 972", len(idx))
	}
	ctx := context.Background()
	for _, seed := range []uint64{0, 451, 452, 453, 600, 971, 972, 972 + 452, 1034, 1<<64 - 1} {
		task, err := env.GenerateTask(ctx, seed)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if want := idx[seed%972]; task.Meta["index"] != want {
			t.Errorf("seed %d: question %v, want %d", seed, task.Meta["index"], want)
		}
		if task.Meta["db_id"] == "wta_1" {
			t.Errorf("seed %d: a question on wta_1", seed)
		}
	}
}

// TestSpiderOracle plays the oracle on every Spider dev question that has
// its database (fewer under -race): the gold scores success on each, and
// the seeds 0..971 play each of them once.
func TestSpiderOracle(t *testing.T) {
	t.Parallel()
	spiderOrSkip(t)
	r := registry(t)
	env := makeEnv(t, r, "sql/Spider-v0", nil)
	ds, err := loadData(spiderSource, defaultSpiderPath)
	if err != nil {
		t.Fatal(err)
	}
	idx := present(t)
	n, step := len(idx), 1
	if race.Enabled {
		step = 50
	}
	ctx := context.Background()
	var played []int
	for i := 0; i < n; i += step {
		if _, _, err := env.Reset(ctx, uint64(i)); err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		played = append(played, env.task.index)
		a, _ := env.OracleAction(ctx)
		st, err := env.Step(ctx, a)
		if err != nil || !st.Info.Success {
			t.Fatalf("question %d (%s): oracle failed: %v %+v", env.task.index, env.task.q.SQL, err, st.Info)
		}
	}
	if step == 1 && !slices.Equal(played, idx) {
		t.Errorf("seeds 0..%d played %d questions, not each question with a database once", n-1, len(played))
	}
	task, err := env.GenerateTask(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	s, err := env.VerifyTask(ctx, task, dojo.Response{Text: ds.Examples[5].SQL})
	if err != nil || !s.Success {
		t.Fatalf("VerifyTask of the gold: %+v %v", s, err)
	}
	s, err = env.VerifyTask(ctx, task, dojo.Response{Text: "DROP TABLE singer"})
	if err != nil || s.Success {
		t.Fatalf("VerifyTask of DROP TABLE: %+v %v", s, err)
	}
}

func TestSpiderMissing(t *testing.T) {
	t.Parallel()
	r := registry(t)
	env := makeEnv(t, r, "sql/Spider-v0", dojo.Options{"path": "no/such/folder"})
	if _, _, err := env.Reset(context.Background(), 0); err == nil || !strings.Contains(err.Error(), "no Spider data set") {
		t.Fatalf("Reset with a missing folder: %v, want a clear error", err)
	}
	if _, err := env.GenerateTask(context.Background(), 0); err == nil {
		t.Fatal("GenerateTask with a missing folder succeeded")
	}
	if _, err := env.CheckData(context.Background()); dojo.ErrorCode(err) != dojo.CodeNotFound || !strings.Contains(err.Error(), "no Spider data set") {
		t.Errorf("CheckData with a missing folder: %v, want not_found naming the data set", err)
	}
}
