package sql

import (
	"context"
	dsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/dojo-rl/dojo"
	"modernc.org/sqlite"
)

// DB is a read-only SQLite database shared by any number of concurrent
// episodes: a pool of connections, each query under the context's deadline.
//
// Read-only guarantees, and where each comes from:
//   - Every pooled connection has an SQLite authorizer (modernc's
//     AuthorizerRegisterer, installed by a per-DB connection hook before the
//     connection is used) that allows only reads: SELECT, column reads,
//     function calls, recursive CTEs and a fixed list of schema-reading
//     PRAGMAs (table_info and the like). It denies every write (INSERT, UPDATE, DELETE),
//     every DDL (CREATE, DROP, ALTER), ATTACH/DETACH, transactions, any
//     PRAGMA with a value (so no writable_schema=1), VACUUM and ANALYZE.
//   - Files are opened with the URI "file:PATH?mode=ro&immutable=1", so
//     SQLite itself refuses writes and never creates a journal or WAL next to
//     the file: the bytes on disk stay identical whatever the SQL.
//   - Every connection runs "PRAGMA query_only=ON" (before the authorizer is
//     installed), a third refusal of writes, which also covers OpenMemory.
//   - Before SQLite sees it, a tokenizer that understands quotes and
//     comments (singleStatement in exec.go) rejects input with more than one
//     statement, unterminated quotes or comments, and any statement not
//     starting with SELECT, WITH, VALUES, EXPLAIN or PRAGMA (this also stops
//     statements the authorizer is never asked about, such as a bare
//     REINDEX or VACUUM).
//   - Cancellation and deadlines come from the context: modernc interrupts
//     the running statement (sqlite3_interrupt) when the context is done.
type DB struct {
	name   string
	pool   *pool
	keep   *dsql.Conn // OpenMemory: keeps the shared in-memory database alive
	schema struct {   // loaded on first use: verification never needs it
		once   sync.Once
		tables []Table
		err    error
	}
	cache sync.Map // cacheKey(gold SQL) -> *goldEntry; see exec.go
}

// Result is the result of a query. Values are normalised to int64, float64,
// string, []byte or nil (a time.Time from a DATE-typed column becomes its
// string "2006-01-02 15:04:05" form, or "2006-01-02" when it has no time).
type Result struct {
	Columns   []string
	Rows      [][]any
	Truncated bool // more rows existed than the caps let in (rows or bytes)
	// OverBytes: reading stopped because the next row would have taken
	// the result past Caps.MaxResultBytes (Truncated is set too).
	OverBytes bool
	// CutCells counts the values cut to Caps.MaxCellBytes; each is a Cut.
	CutCells int
}

// Caps bounds what a query may return. Zero fields mean no cap.
type Caps struct {
	MaxRows int // rows read
	// MaxCellBytes cuts a longer text or blob to its first MaxCellBytes
	// bytes (a whole number of UTF-8 characters for text), held as a Cut.
	MaxCellBytes int
	// MaxResultBytes bounds the bytes of a result (each value's text or
	// blob bytes, plus CellOverhead per value): reading stops before the
	// row that would pass it, and the result says so (OverBytes).
	MaxResultBytes int
}

// CellOverhead is what every value counts against Caps.MaxResultBytes
// besides its bytes: an empty string or a number is not free.
const CellOverhead = 16

// DefaultMaxResultBytes is the byte cap of the results of submitted and
// verified queries (a result past it cannot be judged and does not
// match): 64 MiB.
const DefaultMaxResultBytes = 64 << 20

// Cut is a text or blob value cut to Caps.MaxCellBytes: Prefix (a string
// or []byte) is what was kept of Len bytes.
type Cut struct {
	Prefix any
	Len    int
}

// String is the prefix with a note of the original length.
func (c Cut) String() string {
	return fmt.Sprintf("%s…[cut: %d bytes]", valueText(c.Prefix), c.Len)
}

// Table describes one table of a database's schema.
type Table struct {
	Name        string
	Columns     []Column
	PrimaryKey  []string
	ForeignKeys []ForeignKey
}

// Column is one column of a Table.
type Column struct {
	Name string
	Type string // declared type, as written in CREATE TABLE ("" if none)
}

// ForeignKey is one column of a table referencing a column of another.
type ForeignKey struct {
	Column    string
	RefTable  string
	RefColumn string
}

var memSeq atomic.Uint64

// readPragmas are the PRAGMAs an authorized query may run: each only reads,
// whatever its argument (a table or index name).
var readPragmas = map[string]bool{
	"table_info": true, "table_xinfo": true, "foreign_key_list": true,
	"index_list": true, "index_info": true, "index_xinfo": true,
	"table_list": true, "database_list": true, "collation_list": true,
}

func authorize(action sqlite.AuthorizerActionCode, arg1, _, _, _ string) sqlite.AuthorizerReturnCode {
	switch action {
	case sqlite.AuthSelect, sqlite.AuthRead, sqlite.AuthFunction, sqlite.AuthRecursive:
		return sqlite.AuthorizerOK
	case sqlite.AuthPragma:
		if readPragmas[strings.ToLower(arg1)] {
			return sqlite.AuthorizerOK
		}
	}
	return sqlite.AuthorizerDeny
}

// OpenFile opens the SQLite file at path read-only (and immutable: the file
// must not be changed by anyone while it is open). A missing file is an
// error wrapping os.ErrNotExist that says "database not found".
func OpenFile(path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sql: database %s: %w", path, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("sql: database not found: %s: %w", path, os.ErrNotExist)
		}
		return nil, fmt.Errorf("sql: database %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("sql: database %s is a directory, want a .sqlite file", path)
	}
	if err := checkHeader(abs, st.Size()); err != nil {
		return nil, fmt.Errorf("sql: database %s: %w", path, err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "mode=ro&immutable=1"}
	return &DB{name: path, pool: newPool(u.String())}, nil
}

// sqliteMagic begins every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkHeader reports an error if the file at path of size bytes is not an
// SQLite database (an empty file is an empty database).
func checkHeader(path string, size int64) error {
	if size == 0 {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, len(sqliteMagic))
	if _, err := io.ReadFull(f, head); err != nil || string(head) != sqliteMagic {
		return errors.New("not an SQLite database (its header is not \"SQLite format 3\")")
	}
	return nil
}

// OpenMemory builds an in-memory database named name: build runs once on a
// writable connection (exec runs one statement with arguments); afterwards
// the database is served read-only exactly as OpenFile's.
func OpenMemory(name string, build func(ctx context.Context, exec func(query string, args ...any) error) error) (*DB, error) {
	dsn := fmt.Sprintf("file:dojo-%d-%s?mode=memory&cache=shared", memSeq.Add(1), url.PathEscape(name))
	w, err := dsql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sql: memory database %q: %w", name, err)
	}
	ctx := context.Background()
	keep, err := w.Conn(ctx)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sql: memory database %q: %w", name, err)
	}
	exec := func(query string, args ...any) error {
		_, err := keep.ExecContext(ctx, query, args...)
		return err
	}
	if err := build(ctx, exec); err != nil {
		keep.Close()
		w.Close()
		return nil, fmt.Errorf("sql: building memory database %q: %w", name, err)
	}
	db := &DB{name: name, pool: newPool(dsn), keep: keep}
	if _, err := db.Tables(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sql: memory database %q: %w", name, err)
	}
	return db, nil
}

// Name is the path or name the database was opened with.
func (db *DB) Name() string { return db.name }

// Tables returns the schema: every user table with its columns, primary key
// and foreign keys, in sqlite_master order. It is read on the first call
// (an error is the database's: a damaged file, say) and shared: do not
// modify the slice.
func (db *DB) Tables() ([]Table, error) {
	db.schema.once.Do(func() {
		db.schema.tables, db.schema.err = db.loadSchema()
		if db.schema.err != nil {
			db.schema.err = fmt.Errorf("sql: database %s: reading the schema: %w", db.name, db.schema.err)
		}
	})
	return db.schema.tables, db.schema.err
}

// Close closes the pool (and frees an in-memory database).
func (db *DB) Close() error {
	err := db.pool.close()
	if db.keep != nil {
		db.keep.Close()
	}
	return err
}

// Query runs one read-only statement and returns at most maxRows rows
// (maxRows <= 0: all rows). Writes, DDL, ATTACH, writable PRAGMAs, multiple
// statements, empty input and syntax errors are errors with dojo.CodeInvalid
// whose text names the problem; a done context is the context's error.
func (db *DB) Query(ctx context.Context, query string, maxRows int) (*Result, error) {
	return db.queryOn(ctx, nil, query, Caps{MaxRows: maxRows})
}

// QueryCapped is Query under caps: rows, bytes per value and bytes of
// the whole result.
func (db *DB) QueryCapped(ctx context.Context, query string, caps Caps) (*Result, error) {
	return db.queryOn(ctx, nil, query, caps)
}

// queryOn runs query on c, or on a pooled connection if c is nil. Queries
// run in a row on one connection share its prepared statements.
func (db *DB) queryOn(ctx context.Context, c *roConn, query string, caps Caps) (*Result, error) {
	stmt, err := singleStatement(query)
	if err != nil {
		return nil, err
	}
	return db.run(ctx, c, stmt, caps)
}

// run runs stmt, a statement singleStatement returned, on c or on a pooled
// connection if c is nil, under caps.
func (db *DB) run(ctx context.Context, c *roConn, stmt string, caps Caps) (res *Result, err error) {
	if c == nil {
		if c, err = db.pool.get(ctx); err != nil {
			return nil, queryError(ctx, err)
		}
		defer db.pool.put(c)
	}
	rows, err := c.query(ctx, stmt)
	if err != nil {
		return nil, queryError(ctx, err)
	}
	defer rows.Close()
	cols := rows.Columns()
	res = &Result{Columns: cols}
	vals := make([]driver.Value, len(cols))
	var backing []any // rows are cut from chunks of it, not allocated one by one
	maxRows, size := caps.MaxRows, 0
	for {
		err := rows.Next(vals)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, queryError(ctx, err)
		}
		if maxRows > 0 && len(res.Rows) == maxRows {
			res.Truncated = true
			break
		}
		if caps.MaxResultBytes > 0 {
			n := rowBytes(vals, caps.MaxCellBytes)
			if size+n > caps.MaxResultBytes {
				res.Truncated, res.OverBytes = true, true
				break
			}
			size += n
		}
		if len(backing) < len(cols) {
			backing = make([]any, len(cols)*min(max(2*len(res.Rows), 8), 1024))
		}
		row := backing[:len(cols):len(cols)]
		backing = backing[len(cols):]
		for i, v := range vals {
			if caps.MaxCellBytes > 0 {
				if cut, ok := cutValue(v, caps.MaxCellBytes); ok {
					row[i] = cut
					res.CutCells++
					continue
				}
			}
			row[i] = normalize(v)
		}
		res.Rows = append(res.Rows, row)
	}
	// A deadline that interrupts the statement may surface as the end of
	// the rows rather than an error.
	if err := ctx.Err(); err != nil {
		return nil, queryError(ctx, err)
	}
	return res, nil
}

// valueBytes is what v counts against Caps.MaxResultBytes, its bytes cut
// to maxCell (> 0) first.
func valueBytes(v any, maxCell int) int {
	n := 0
	switch x := v.(type) {
	case string:
		n = len(x)
	case []byte:
		n = len(x)
	}
	if maxCell > 0 {
		n = min(n, maxCell)
	}
	return n + CellOverhead
}

func rowBytes(vals []driver.Value, maxCell int) int {
	n := 0
	for _, v := range vals {
		n += valueBytes(v, maxCell)
	}
	return n
}

// cutValue returns v cut to max bytes as a Cut, if v is a longer text or
// blob; text is cut at a character boundary.
func cutValue(v any, max int) (Cut, bool) {
	switch x := v.(type) {
	case string:
		if len(x) > max {
			k := max
			for k > 0 && !utf8.RuneStart(x[k]) {
				k--
			}
			return Cut{Prefix: strings.Clone(x[:k]), Len: len(x)}, true
		}
	case []byte:
		if len(x) > max {
			return Cut{Prefix: append([]byte(nil), x[:max]...), Len: len(x)}, true
		}
	}
	return Cut{}, false
}

func normalize(v any) any {
	switch x := v.(type) {
	case nil, int64, float64, string:
		return x
	case []byte:
		return append([]byte(nil), x...)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02 15:04:05")
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case float32:
		return float64(x)
	default:
		return fmt.Sprint(x)
	}
}

func queryError(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("sql: query stopped: %w", cerr)
	}
	msg := err.Error()
	if strings.Contains(msg, "not authorized") {
		return dojo.Errorf(dojo.CodeInvalid, "sql: statement not allowed: only read-only SELECT queries may run (%s)", msg)
	}
	if strings.Contains(msg, "readonly") || strings.Contains(msg, "read-only") || strings.Contains(msg, "query_only") {
		return dojo.Errorf(dojo.CodeInvalid, "sql: statement not allowed: the database is read-only (%s)", msg)
	}
	return dojo.Errorf(dojo.CodeInvalid, "sql: %s", msg)
}

func (db *DB) loadSchema() ([]Table, error) {
	ctx := context.Background()
	names, err := db.Query(ctx, "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid", 0)
	if err != nil {
		return nil, err
	}
	var tables []Table
	for _, r := range names.Rows {
		name, _ := r[0].(string)
		t := Table{Name: name}
		q := strings.ReplaceAll(name, `"`, `""`)
		info, err := db.Query(ctx, `PRAGMA table_info("`+q+`")`, 0)
		if err != nil {
			return nil, err
		}
		type pk struct {
			n   int64
			col string
		}
		var pks []pk
		for _, c := range info.Rows { // cid, name, type, notnull, dflt_value, pk
			col, _ := c[1].(string)
			typ, _ := c[2].(string)
			t.Columns = append(t.Columns, Column{Name: col, Type: typ})
			if n, _ := c[5].(int64); n > 0 {
				pks = append(pks, pk{n, col})
			}
		}
		for i := 1; i <= len(pks); i++ {
			for _, p := range pks {
				if p.n == int64(i) {
					t.PrimaryKey = append(t.PrimaryKey, p.col)
				}
			}
		}
		fks, err := db.Query(ctx, `PRAGMA foreign_key_list("`+q+`")`, 0)
		if err != nil {
			return nil, err
		}
		for _, f := range fks.Rows { // id, seq, table, from, to, ...
			rt, _ := f[2].(string)
			from, _ := f[3].(string)
			to, _ := f[4].(string)
			t.ForeignKeys = append(t.ForeignKeys, ForeignKey{Column: from, RefTable: rt, RefColumn: to})
		}
		tables = append(tables, t)
	}
	return tables, nil
}
