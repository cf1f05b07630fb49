package sql

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

func TestCanonicalSQL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT  a ,  b\n\tFROM t", "SELECT a , b FROM t"},
		{"  SELECT 1  ", "SELECT 1"},
		{"SELECT 'a  b' FROM t", "SELECT 'a  b' FROM t"},
		{`SELECT "x  y", [p  q], ` + "`r  s`" + ` FROM t`, `SELECT "x  y", [p  q], ` + "`r  s`" + ` FROM t`},
		{"SELECT 'it''s  here'", "SELECT 'it''s  here'"},
		{"SELECT a/* c */FROM t", "SELECT a FROM t"},
		{"SELECT a -- the rest\nFROM t", "SELECT a FROM t"},
		{"SELECT a FROM t -- trailing", "SELECT a FROM t"},
		{"/* lead */ SELECT 1", "SELECT 1"},
		{"SELECT '--not a comment'", "SELECT '--not a comment'"},
		{"SELECT 1; SELECT 2", "SELECT 1; SELECT 2"},
		{"SELECT 'open", "SELECT 'open"}, // unterminated: as it is
		{"SELECT 1 /* open", "SELECT 1 /* open"},
		{"", ""},
	} {
		if got := canonicalSQL(tc.in); got != tc.want {
			t.Errorf("canonicalSQL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// The key of a single statement drops its trailing semicolons; a second
	// statement stays in the key, so it can never equal a gold query's.
	if _, k, err := statementKey("SELECT  1 ; ;"); k != "SELECT 1" || err != nil {
		t.Errorf("statementKey(trailing ;) = %q, %v; want %q", k, err, "SELECT 1")
	}
	_, one, _ := statementKey("SELECT a FROM t WHERE x = 1")
	if _, k, err := statementKey("SELECT a FROM t; WHERE x = 1"); k == one || err == nil {
		t.Errorf("statementKey of two statements = %q, %v; want another key than the one statement's, and an error", k, err)
	}
}

func FuzzCanonicalSQL(f *testing.F) {
	for _, s := range []string{"SELECT  a FROM t", "SELECT 'x  y' -- c\n", "/* */SELECT[a  b]", "SELECT \"a\"\"b\"  ;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := canonicalSQL(s)
		if cc := canonicalSQL(c); cc != c {
			t.Fatalf("canonicalSQL is not idempotent: %q -> %q -> %q", s, c, cc)
		}
		if len(c) > len(s) {
			t.Fatalf("canonicalSQL(%q) = %q is longer", s, c)
		}
	})
}

// TestPredictionReusesGold: a prediction that is a gold query already run,
// up to whitespace and comments, takes its cached result (the same value,
// not a new run); other texts, volatile queries and refused statements run
// (or fail) as they would.
func TestPredictionReusesGold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := makeMemory(t)
	const gold = "SELECT name FROM emp WHERE salary > 50 ORDER BY name"
	g, err := db.Gold(ctx, gold)
	if err != nil {
		t.Fatal(err)
	}
	for _, pred := range []string{gold, gold + " ;", "SELECT name\n  FROM emp /* c */ WHERE salary > 50 ORDER BY name"} {
		p, err := db.prediction(ctx, nil, pred, Caps{MaxRows: 0})
		if err != nil || p != g {
			t.Errorf("prediction(%q) = %p, %v; want the gold's cached result %p", pred, p, err, g)
		}
	}
	p, err := db.prediction(ctx, nil, "select name FROM emp WHERE salary > 50 ORDER BY name", Caps{MaxRows: 0})
	if err != nil || p == g || len(p.Rows) != len(g.Rows) {
		t.Errorf("prediction in other case = %p (%v rows), %v; want a new run with the same %d rows", p, p, err, len(g.Rows))
	}
	// With a row cap the cached result is cut, as a run would be.
	if p, err := db.prediction(ctx, nil, gold, Caps{MaxRows: 1}); err != nil || len(p.Rows) != 1 || !p.Truncated {
		t.Errorf("prediction with maxRows 1 = %+v, %v; want 1 row, truncated", p, err)
	}
	// Volatile queries always run.
	const vol = "SELECT abs(random()) FROM emp"
	vg, err := db.Gold(ctx, vol)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := db.prediction(ctx, nil, vol, Caps{MaxRows: 0}); err != nil || p == vg {
		t.Errorf("volatile prediction = %p, %v; want a new run, not the cached %p", p, err, vg)
	}
	// A second statement is refused even though the text without its ';'
	// would be the gold's.
	if _, err := db.prediction(ctx, nil, "SELECT name FROM emp; WHERE salary > 50 ORDER BY name", Caps{MaxRows: 0}); dojo.ErrorCode(err) != dojo.CodeInvalid {
		t.Errorf("two statements: %v, want an invalid error", err)
	}
}

// TestStatementCache: a connection keeps at most stmtCacheSize statements,
// reuses them by text, and results stay right across evictions.
func TestStatementCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := makeMemory(t)
	c, err := db.pool.get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.pool.put(c)
	for round := range 2 {
		for i := range stmtCacheSize + 10 {
			q := fmt.Sprintf("SELECT count(*) + %d FROM emp", i)
			r, err := db.queryOn(ctx, c, q, Caps{MaxRows: 0})
			if err != nil || r.Rows[0][0] != int64(3+i) {
				t.Fatalf("round %d: %s = %v, %v; want %d", round, q, r, err, 3+i)
			}
		}
		if len(c.stmts) != stmtCacheSize || c.recent.Len() != stmtCacheSize {
			t.Fatalf("round %d: %d cached statements (%d in the list), want %d", round, len(c.stmts), c.recent.Len(), stmtCacheSize)
		}
	}
	const q = "SELECT name FROM dept ORDER BY id"
	if _, err := db.queryOn(ctx, c, q, Caps{MaxRows: 0}); err != nil {
		t.Fatal(err)
	}
	e := c.stmts[q]
	if _, err := db.queryOn(ctx, c, q, Caps{MaxRows: 1}); err != nil {
		t.Fatal(err)
	}
	if c.stmts[q] != e || c.recent.Front() != e {
		t.Error("a query run twice was prepared twice, or not moved to the front")
	}
	// Rows of a statement left open: the next use is an internal error,
	// not a corrupted statement.
	rows, err := c.query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.query(ctx, q); err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Errorf("query of a busy statement: %v, want an internal error", err)
	}
	rows.Close()
	if _, err := db.queryOn(ctx, c, q, Caps{MaxRows: 0}); err != nil {
		t.Errorf("after closing the rows: %v", err)
	}
}

// TestPool: idle connections are reused, at most maxIdle are kept, and a
// closed database refuses queries with an error.
func TestPool(t *testing.T) {
	ctx := context.Background()
	db := makeMemory(t)
	p := db.pool
	c1, err := p.get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.put(c1)
	if c2, _ := p.get(ctx); c2 != c1 {
		t.Error("an idle connection was not reused")
	} else {
		p.put(c2)
	}
	var held []*roConn
	for range maxIdle + 5 {
		c, err := p.get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		p.put(c)
	}
	if len(p.idle) != maxIdle {
		t.Errorf("%d idle connections kept, want %d", len(p.idle), maxIdle)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.Query(canceled, "SELECT 1", 0); dojo.ErrorCode(err) != dojo.CodeCanceled {
		t.Errorf("query with a canceled context: %v (code %q), want canceled", err, dojo.ErrorCode(err))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Query(ctx, "SELECT 1", 0); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("query on a closed database: %v, want an error saying it is closed", err)
	}
}
