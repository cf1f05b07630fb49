package sql

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
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
			dojotest.CheckEnv(t, &presentOnly{makeEnv(t, r, "sql/Spider-v0", dojo.Options{"mode": mode}), present(t)})
		})
	}
}

// presentOnly maps seeds onto the Spider questions whose database exists
// (the shared copy lacks wta_1), so CheckEnv's random seeds all play.
type presentOnly struct {
	*Env
	idx []uint64
}

func (p *presentOnly) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	return p.Env.Reset(ctx, p.idx[seed%uint64(len(p.idx))])
}

// GenerateTask maps seeds as Reset does, so the task of a seed is its
// episode's.
func (p *presentOnly) GenerateTask(ctx context.Context, seed uint64) (dojo.Task, error) {
	return p.Env.GenerateTask(ctx, p.idx[seed%uint64(len(p.idx))])
}

func present(t *testing.T) []uint64 {
	ds, err := loadData(spiderSource, defaultSpiderPath)
	if err != nil {
		t.Fatal(err)
	}
	var idx []uint64
	for i, ex := range ds.Examples {
		if ds.DBPath(ex.DBID) != "" {
			idx = append(idx, uint64(i))
		}
	}
	return idx
}

// TestSpiderOracle plays the oracle on every Spider dev question (fewer
// under -race): the gold scores success on each.
func TestSpiderOracle(t *testing.T) {
	t.Parallel()
	spiderOrSkip(t)
	r := registry(t)
	env := makeEnv(t, r, "sql/Spider-v0", nil)
	ds, err := loadData(spiderSource, defaultSpiderPath)
	if err != nil {
		t.Fatal(err)
	}
	n, step := len(ds.Examples), 1
	if raceEnabled {
		step = 50
	}
	ctx := context.Background()
	missing := 0
	for i := 0; i < n; i += step {
		if _, _, err := env.Reset(ctx, uint64(i)); err != nil {
			if ds.DBPath(ds.Examples[i].DBID) == "" && strings.Contains(err.Error(), "database not found") {
				missing++
				continue
			}
			t.Fatalf("question %d: %v", i, err)
		}
		a, _ := env.OracleAction(ctx)
		st, err := env.Step(ctx, a)
		if err != nil || !st.Info.Success {
			t.Fatalf("question %d (%s): oracle failed: %v %+v", i, env.task.q.SQL, err, st.Info)
		}
	}
	if step == 1 && missing != 62 {
		t.Errorf("%d questions reported database not found, want the 62 of wta_1", missing)
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
}
