package sql

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

func res(rows ...[]any) *Result { return &Result{Rows: rows} }
func row(v ...any) []any        { return v }

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		gold, pred *Result
		goldSQL    string
		mode       Mode
		want       bool
	}{
		{"both empty", res(), res(), "SELECT a FROM t", ModeSpider, true},
		{"empty vs one", res(), res(row(int64(1))), "SELECT a FROM t", ModeSpider, false},
		{"int equals float", res(row(int64(1))), res(row(1.0)), "SELECT a", ModeSpider, true},
		{"string is not number", res(row("1")), res(row(int64(1))), "SELECT a", ModeSpider, false},
		{"row order ignored", res(row(int64(1)), row(int64(2))), res(row(int64(2)), row(int64(1))), "SELECT a FROM t", ModeSpider, true},
		{"row order kept with order by", res(row(int64(1)), row(int64(2))), res(row(int64(2)), row(int64(1))), "SELECT a FROM t ORDER BY a", ModeSpider, false},
		{"order by in subquery counts (as exec_eval)", res(row(int64(1)), row(int64(2))), res(row(int64(2)), row(int64(1))), "SELECT a FROM (SELECT a FROM t order  by a) UNION SELECT 1 order by 1", ModeSpider, false},
		{"multiset counts", res(row(int64(1)), row(int64(1)), row(int64(2))), res(row(int64(1)), row(int64(2)), row(int64(2))), "SELECT a", ModeSpider, false},
		{"column permutation", res(row(int64(1), "a"), row(int64(2), "b")), res(row("b", int64(2)), row("a", int64(1))), "SELECT x, y", ModeSpider, true},
		{"column permutation with order", res(row(int64(1), "a"), row(int64(2), "b")), res(row("a", int64(1)), row("b", int64(2))), "SELECT x, y ORDER BY x", ModeSpider, true},
		{"columns must pair consistently", res(row(int64(1), int64(2)), row(int64(3), int64(4))), res(row(int64(1), int64(4)), row(int64(3), int64(2))), "SELECT x, y", ModeSpider, false},
		{"extra column", res(row(int64(1))), res(row(int64(1), int64(1))), "SELECT a", ModeSpider, false},
		{"null equals null", res(row(nil)), res(row(nil)), "SELECT a", ModeSpider, true},
		{"bird set equality ignores duplicates", res(row(int64(1)), row(int64(1))), res(row(int64(1))), "SELECT a", ModeBird, true},
		{"bird ignores order", res(row(int64(1)), row(int64(2))), res(row(int64(2)), row(int64(1))), "SELECT a ORDER BY a", ModeBird, true},
		{"bird keeps column order", res(row(int64(1), "a")), res(row("a", int64(1))), "SELECT a, b", ModeBird, false},
		{"bird missing row", res(row(int64(1)), row(int64(2))), res(row(int64(1))), "SELECT a", ModeBird, false},
		{"bird 1 = 1.0", res(row(int64(1))), res(row(1.0)), "SELECT a", ModeBird, true},
		{"nil pred", res(row(int64(1))), nil, "SELECT a", ModeSpider, false},
		{"float value", res(row(0.5)), res(row(0.25)), "SELECT a", ModeSpider, false},
		{"bytes", res(row([]byte("x"))), res(row([]byte("x"))), "SELECT a", ModeSpider, true},
		{"bytes are not strings", res(row([]byte("x"))), res(row("x")), "SELECT a", ModeSpider, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Match(tt.gold, tt.pred, tt.goldSQL, tt.mode, false); got != tt.want {
				t.Errorf("Match(%v, %v, %q, %s) = %v, want %v", tt.gold, tt.pred, tt.goldSQL, tt.mode, got, tt.want)
			}
		})
	}
}

func TestRemoveDistinct(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"SELECT DISTINCT a FROM t", "SELECT  a FROM t"},
		{"select count(distinct a) from t", "select count( a) from t"},
		{"SELECT 'distinct' FROM distinct_t", "SELECT 'distinct' FROM distinct_t"},
		{`SELECT "DISTINCT" FROM t -- distinct`, `SELECT "DISTINCT" FROM t -- distinct`},
		{"SELECT a FROM t", "SELECT a FROM t"},
	}
	for _, tt := range tests {
		if got := RemoveDistinct(tt.in); got != tt.want {
			t.Errorf("RemoveDistinct(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSingleStatement(t *testing.T) {
	t.Parallel()
	ok := []string{"SELECT 1", "SELECT 1;", "SELECT 1 ; ;\n", "SELECT ';' -- ;x\n", "/* c */ SELECT 1", "WITH a AS (SELECT 1) SELECT * FROM a", "VALUES (1)", "SELECT [a;b] FROM t"}
	bad := []string{"", ";", "SELECT 1; SELECT 2", "SELECT 1;x", "DELETE FROM t", "SELECT 'x", "SELECT 1 /* open", "DROP TABLE t"}
	for _, q := range ok {
		if _, err := singleStatement(q); err != nil {
			t.Errorf("singleStatement(%q) = %v, want ok", q, err)
		}
	}
	for _, q := range bad {
		if _, err := singleStatement(q); err == nil {
			t.Errorf("singleStatement(%q) ok, want an error", q)
		}
	}
}

func TestExecMatch(t *testing.T) {
	t.Parallel()
	db := makeMemory(t)
	ctx := context.Background()
	tests := []struct {
		gold, pred   string
		mode         Mode
		keepDistinct bool
		want         bool
		wantErr      bool
	}{
		{"SELECT name FROM emp WHERE salary = 90", "SELECT name FROM emp WHERE salary < 100", ModeSpider, false, true, false},
		{"SELECT DISTINCT salary FROM emp WHERE dept_id = 2", "SELECT salary FROM emp WHERE dept_id = 2", ModeSpider, false, true, false},
		{"SELECT DISTINCT salary FROM emp WHERE dept_id = 2", "SELECT salary FROM emp WHERE dept_id = 2", ModeSpider, true, false, false},
		{"SELECT DISTINCT salary FROM emp WHERE dept_id = 2", "SELECT salary FROM emp WHERE dept_id = 2", ModeBird, false, true, false},
		{"SELECT name FROM emp ORDER BY id", "SELECT name FROM emp ORDER BY id DESC", ModeSpider, false, false, false},
		{"SELECT count(*) FROM emp", "SELECT 3.0", ModeSpider, false, true, false},
		{"SELECT count(*) FROM emp", "DELETE FROM emp", ModeSpider, false, false, true},
		{"SELECT count(*) FROM emp", "SELECT 3; DROP TABLE emp", ModeSpider, false, false, true},
		{"SELECT count(*) FROM emp", "SELECT nope FROM emp", ModeSpider, false, false, true},
		{"SELECT nope FROM emp", "SELECT 1", ModeSpider, false, false, true},
	}
	for _, tt := range tests {
		for range 2 { // the second run uses the cached gold result
			got, err := ExecMatch(ctx, db, tt.gold, tt.pred, tt.mode, tt.keepDistinct)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("ExecMatch(%q, %q, %s, keep=%v) = %v, %v; want %v, error %v", tt.gold, tt.pred, tt.mode, tt.keepDistinct, got, err, tt.want, tt.wantErr)
			}
		}
	}
}

// fuzzValue maps a byte to a small value domain with collisions (ints,
// equal floats, strings, NULL) so permutations are non-trivial.
func fuzzValue(b byte) any {
	switch b % 5 {
	case 0:
		return int64(b % 7)
	case 1:
		return float64(b % 7)
	case 2:
		return string(rune('a' + b%4))
	case 3:
		return nil
	default:
		return float64(b%3) + 0.5
	}
}

func FuzzMatch(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6}, uint8(2), uint64(1), uint16(0))
	f.Add([]byte{0, 0, 0, 0}, uint8(1), uint64(7), uint16(3))
	f.Add([]byte{9, 8, 7, 6, 5, 4, 3, 2, 1}, uint8(3), uint64(42), uint16(5))
	f.Fuzz(func(t *testing.T, data []byte, cols uint8, seed uint64, change uint16) {
		nc := int(cols%4) + 1
		nr := len(data) / nc
		if nr == 0 || nr > 50 {
			return
		}
		gold := &Result{}
		for r := range nr {
			var rw []any
			for c := range nc {
				rw = append(rw, fuzzValue(data[r*nc+c]))
			}
			gold.Rows = append(gold.Rows, rw)
		}
		rng := rand.New(rand.NewPCG(seed, 0))
		rowPerm, colPerm := rng.Perm(nr), rng.Perm(nc)
		pred := &Result{}
		for _, r := range rowPerm {
			rw := make([]any, nc)
			for c := range nc {
				v := gold.Rows[r][colPerm[c]]
				if f, ok := v.(float64); ok && f == float64(int64(f)) && rng.IntN(2) == 0 {
					v = int64(f) // 2.0 and 2 are the same value
				}
				rw[c] = v
			}
			pred.Rows = append(pred.Rows, rw)
		}
		if !Match(gold, pred, "SELECT x FROM t", ModeSpider, false) {
			t.Fatalf("a row and column permutation broke the multiset match:\ngold %v\npred %v", gold.Rows, pred.Rows)
		}
		if !Match(gold, gold, "SELECT x FROM t ORDER BY x", ModeSpider, false) {
			t.Fatalf("an ordered result does not match itself: %v", gold.Rows)
		}
		// A changed value (one no gold cell holds) breaks the match.
		r, c := int(change)%nr, int(change/7)%nc
		pred.Rows[r][c] = "changed-value"
		if Match(gold, pred, "SELECT x FROM t", ModeSpider, false) {
			t.Fatalf("a changed value still matched:\ngold %v\npred %v", gold.Rows, pred.Rows)
		}
		if Match(gold, pred, "SELECT x FROM t", ModeBird, false) && nr > 0 {
			// bird compares sets: the changed row is absent from gold
			t.Fatalf("bird: a changed value still matched:\ngold %v\npred %v", gold.Rows, pred.Rows)
		}
	})
}

func TestExecMatchHugeCrossJoin(t *testing.T) {
	t.Parallel()
	db := makeMemory(t)
	ctx := context.Background()
	huge := "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c) SELECT n FROM c"
	ok, err := ExecMatch(ctx, db, "SELECT id FROM emp", huge, ModeSpider, false)
	if ok || err != nil {
		t.Errorf("spider: endless prediction = %v, %v; want a clean mismatch after len(gold)+1 rows", ok, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	ok, err = ExecMatch(ctx, db, "SELECT id FROM emp", huge, ModeBird, false)
	if ok || err == nil {
		t.Errorf("bird: endless prediction = %v, %v; want a mismatch with an error", ok, err)
	}
}
