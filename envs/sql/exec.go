package sql

import (
	"context"
	"errors"
	"strings"

	"github.com/dojo-rl/dojo"
)

// scanSQL walks query and calls fn for every character outside string
// literals, quoted identifiers and comments (its byte offset), so callers can
// find statement separators and keywords. It reports whether every quote and
// block comment was closed.
func scanSQL(query string, fn func(i int) bool) bool { return scanSpans(query, fn, nil) }

// scanSpans is scanSQL that also calls span, if not nil, with each string
// literal or quoted identifier (comment false) and each comment (comment
// true) it steps over: query[start:end], quotes, brackets and a line
// comment's newline included.
func scanSpans(query string, fn func(i int) bool, span func(start, end int, comment bool)) bool {
	for i := 0; i < len(query); i++ {
		c := query[i]
		start, comment := i, false
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for ; j < len(query); j++ {
				if query[j] == c {
					if j+1 < len(query) && query[j+1] == c { // doubled quote
						j++
						continue
					}
					break
				}
			}
			if j >= len(query) {
				return false
			}
			i = j
		case c == '[':
			j := strings.IndexByte(query[i:], ']')
			if j < 0 {
				return false
			}
			i += j
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			comment = true
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - 1 - i
			}
			i += j
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			comment = true
			j := strings.Index(query[i+2:], "*/")
			if j < 0 {
				return false
			}
			i += j + 3
		default:
			if !fn(i) {
				return true
			}
			continue
		}
		if span != nil {
			span(start, i+1, comment)
		}
	}
	return true
}

// singleStatement returns query without trailing semicolons, or a
// dojo.CodeInvalid error if it is empty, holds more than one statement, or
// does not start with a reading keyword (SELECT, WITH, VALUES, EXPLAIN,
// PRAGMA; the authorizer then vets what it does).
func singleStatement(query string) (string, error) {
	end := -1
	extra := false
	closed := scanSQL(query, func(i int) bool {
		c := query[i]
		if end < 0 {
			if c == ';' {
				end = i
			}
			return true
		}
		if c != ';' && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' {
			extra = true
			return false
		}
		return true
	})
	if !closed {
		return "", dojo.Errorf(dojo.CodeInvalid, "sql: unterminated string, quoted identifier or /* comment: close every quote and comment")
	}
	if extra {
		return "", dojo.Errorf(dojo.CodeInvalid, "sql: multiple statements: send exactly one SELECT statement (at most one trailing ';')")
	}
	stmt := query
	if end >= 0 {
		stmt = query[:end]
	}
	body := strings.TrimSpace(stripComments(stmt))
	if body == "" {
		return "", dojo.Errorf(dojo.CodeInvalid, "sql: empty query: send one SELECT statement")
	}
	kw := body
	if i := strings.IndexFunc(kw, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') }); i >= 0 {
		kw = kw[:i]
	}
	switch strings.ToUpper(kw) {
	case "SELECT", "WITH", "VALUES", "EXPLAIN", "PRAGMA":
		// PRAGMA and the statements under WITH and EXPLAIN are checked
		// by the authorizer.
	default:
		return "", dojo.Errorf(dojo.CodeInvalid, "sql: statement not allowed: %.20q; only a read-only query (SELECT, WITH ... SELECT, VALUES) may run", kw)
	}
	return stmt, nil
}

func stripComments(s string) string {
	var b strings.Builder
	scanSQL(s, func(i int) bool { b.WriteByte(s[i]); return true })
	return b.String()
}

// RemoveDistinct removes every DISTINCT keyword outside literals and comments,
// as the Spider test-suite evaluator does (keep_distinct false) before
// executing both queries: "SELECT DISTINCT a" becomes "SELECT a" and
// "COUNT(DISTINCT a)" becomes "COUNT(a)".
func RemoveDistinct(query string) string {
	var cut [][2]int
	const kw = "distinct"
	scanSQL(query, func(i int) bool {
		if i+len(kw) <= len(query) && strings.EqualFold(query[i:i+len(kw)], kw) &&
			(i == 0 || !isIdent(query[i-1])) && (i+len(kw) == len(query) || !isIdent(query[i+len(kw)])) {
			cut = append(cut, [2]int{i, i + len(kw)})
		}
		return true
	})
	if len(cut) == 0 {
		return query
	}
	var b strings.Builder
	prev := 0
	for _, c := range cut {
		if c[0] < prev {
			continue
		}
		b.WriteString(query[prev:c[0]])
		prev = c[1]
	}
	b.WriteString(query[prev:])
	return b.String()
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// MaxBirdRows is the most rows of a prediction ExecMatch reads in bird mode;
// a prediction with more is a mismatch with an error.
const MaxBirdRows = 1_000_000

type goldEntry struct {
	done chan struct{}
	res  *Result
	err  error
}

// Gold runs goldSQL once per database and caches its result (or error) for
// every later call with the same SQL, up to whitespace and comments (see
// canonicalSQL). A context error is not cached.
func (db *DB) Gold(ctx context.Context, goldSQL string) (*Result, error) {
	return db.goldOn(ctx, nil, goldSQL)
}

func (db *DB) goldOn(ctx context.Context, c *roConn, goldSQL string) (*Result, error) {
	stmt, key, stmtErr := statementKey(goldSQL)
	for {
		e := &goldEntry{done: make(chan struct{})}
		v, loaded := db.cache.LoadOrStore(key, e)
		g := v.(*goldEntry)
		if !loaded {
			if g.err = stmtErr; stmtErr == nil {
				g.res, g.err = db.run(ctx, c, stmt, Caps{MaxResultBytes: DefaultMaxResultBytes})
				if g.err == nil && g.res.OverBytes {
					g.res, g.err = nil, dojo.Errorf(dojo.CodeInvalid, "sql: the result is larger than %d bytes", DefaultMaxResultBytes)
				}
			}
			if g.err != nil && ctx.Err() != nil {
				db.cache.Delete(key)
			}
			close(g.done)
			return g.res, g.err
		}
		select {
		case <-g.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if g.err != nil && (errors.Is(g.err, context.Canceled) || errors.Is(g.err, context.DeadlineExceeded)) {
			continue // the runner was cancelled; try again with our context
		}
		return g.res, g.err
	}
}

// prediction runs predSQL on c (nil: a pooled connection) with at most
// maxRows rows, as Query does. A prediction that is a gold query already run
// on db, up to whitespace and comments (see Gold), takes the gold's cached
// result instead of running again: the database is immutable and SQLite
// deterministic, so the rows are those the query would return and the
// verdict is the same (column labels of expressions are the gold's
// spelling). Queries that may call a volatile function (random(), the
// current time, changes()) always run.
func (db *DB) prediction(ctx context.Context, c *roConn, predSQL string, caps Caps) (*Result, error) {
	maxRows := caps.MaxRows
	stmt, key, err := statementKey(predSQL)
	if err != nil {
		return nil, err
	}
	if v, ok := db.cache.Load(key); ok && !volatile(stmt) {
		g := v.(*goldEntry)
		select {
		case <-g.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if g.err == nil {
			if maxRows > 0 && len(g.res.Rows) > maxRows {
				return &Result{Columns: g.res.Columns, Rows: g.res.Rows[:maxRows], Truncated: true}, nil
			}
			return g.res, nil
		}
		// A failed gold run (a deadline, say) says nothing of this run.
	}
	return db.run(ctx, c, stmt, caps)
}

// statementKey returns query's one statement as singleStatement does
// (trailing semicolons removed) and its cache key, its canonical text; a
// query singleStatement refuses keys by its own canonical text, with the
// refusal.
func statementKey(query string) (stmt, key string, err error) {
	stmt, err = singleStatement(query)
	if err != nil {
		return "", canonicalSQL(query), err
	}
	return stmt, canonicalSQL(stmt), nil
}

// canonicalSQL is query with every run of whitespace and comments outside
// string literals and quoted identifiers made one space, leading and
// trailing ones removed: SQLite's tokenizer reads the two texts alike, so
// they are the same query. A query with an unterminated quote or comment is
// returned as it is.
func canonicalSQL(query string) string {
	var b strings.Builder
	b.Grow(len(query))
	space := false // a separator is pending
	word := func(text string) {
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteString(text)
	}
	closed := scanSpans(query, func(i int) bool {
		switch c := query[i]; c {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			space = true
		default:
			word(query[i : i+1])
		}
		return true
	}, func(start, end int, comment bool) {
		if comment {
			space = true
		} else {
			word(query[start:end])
		}
	})
	if !closed {
		return query
	}
	return b.String()
}

// volatileWords are the names of SQLite's functions and keywords whose
// value is not fixed by the database: a query that contains one may return
// another result each time it runs.
var volatileWords = []string{"random", "changes", "last_insert_rowid", "now", "current_"}

// volatile reports whether query may contain a call whose result changes
// from run to run (a case-insensitive search for volatileWords, which errs
// on the side of running the query).
func volatile(query string) bool {
	lower := strings.ToLower(query)
	for _, w := range volatileWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// ExecMatch runs goldSQL (cached) and predSQL on db and reports whether their
// results match under mode (see Match). In spider mode with keepDistinct
// false, DISTINCT is removed from both queries first (RemoveDistinct). A
// prediction that fails, is not allowed or times out does not match, and its
// error is returned alongside false; an error of the gold query is returned
// too, wrapped with "gold query" (the gold query runs first, so its error
// wins). In spider mode, a prediction with more rows than the gold result is
// a clean mismatch, detected after reading len(gold)+1 rows.
func ExecMatch(ctx context.Context, db *DB, goldSQL, predSQL string, mode Mode, keepDistinct bool) (bool, error) {
	return execMatch(ctx, db, goldSQL, predSQL, mode, keepDistinct, DefaultMaxResultBytes)
}

// execMatch is ExecMatch with the prediction's result bounded by maxBytes
// (see Caps.MaxResultBytes): a larger result does not match, with an
// error that says so.
func execMatch(ctx context.Context, db *DB, goldSQL, predSQL string, mode Mode, keepDistinct bool, maxBytes int) (bool, error) {
	if mode == ModeSpider && !keepDistinct {
		goldSQL, predSQL = RemoveDistinct(goldSQL), RemoveDistinct(predSQL)
	}
	// Both queries run on one connection, so a prediction of the gold's own
	// text reuses its prepared statement.
	c, err := db.pool.get(ctx)
	if err != nil {
		return false, queryError(ctx, err)
	}
	defer db.pool.put(c)
	gold, err := db.goldOn(ctx, c, goldSQL)
	if err != nil {
		return false, dojo.Errorf(dojo.ErrorCode(err), "sql: gold query: %w", err)
	}
	// Rows beyond what could still match are never materialised, so a huge
	// cross join cannot exhaust memory before its deadline: spider mode needs
	// exactly len(gold) rows; bird mode (sets) allows duplicates, up to
	// MaxBirdRows.
	limit := len(gold.Rows) + 1
	if mode == ModeBird {
		limit = MaxBirdRows + 1
	}
	pred, err := db.prediction(ctx, c, predSQL, Caps{MaxRows: limit, MaxResultBytes: maxBytes})
	if err != nil {
		return false, err
	}
	if pred.OverBytes {
		return false, dojo.Errorf(dojo.CodeInvalid, "sql: the prediction's result is larger than %d bytes (max_result_bytes)", maxBytes)
	}
	if pred.Truncated {
		if mode == ModeBird {
			return false, dojo.Errorf(dojo.CodeInvalid, "sql: the prediction returned more than %d rows", MaxBirdRows)
		}
		return false, nil
	}
	return Match(gold, pred, goldSQL, mode, keepDistinct), nil
}
