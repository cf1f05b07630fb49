package sql

import (
	"context"
	dsql "database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// Bounds every connection of every DB is opened with. SQLite applies them
// inside a single step of a statement, where no deadline can reach: one
// call such as randomblob(1000000000) is a single VDBE instruction that
// sqlite3_interrupt cannot stop, so the length cap is what ends it (at once,
// with "string or blob too big"), and the heap cap is what bounds a sort or
// a temporary b-tree that grows until its deadline.
const (
	// MaxValueBytes is SQLITE_LIMIT_LENGTH: no string, blob or row SQLite
	// builds may be longer. Real data sets hold far shorter cells.
	MaxValueBytes = 128 << 10
	// MaxQueryBytes is SQLITE_LIMIT_SQL_LENGTH: the longest SQL text.
	MaxQueryBytes = 1 << 20
	// MaxLikePattern is SQLITE_LIMIT_LIKE_PATTERN_LENGTH: the longest
	// LIKE or GLOB pattern (SQLite's default is 50000).
	MaxLikePattern = 256
)

// DefaultHeapLimit is the process-wide cap of SQLite's heap
// (sqlite3_hard_heap_limit64) set when the first database is opened, unless
// SetHeapLimit set another: a query that needs more memory (a sort of an
// endless recursive CTE, say) fails with "out of memory" instead of growing
// until its deadline. The heap holds the page caches and in-memory
// databases of every SQLite connection of the process as well.
const DefaultHeapLimit = 1 << 30

// SQLite's limit categories (sqlite3_limit), stable values of its C API.
const (
	limitLength      = 0
	limitSQLLength   = 1
	limitLikePattern = 8
)

var heap struct {
	mu    sync.Mutex
	limit int64 // 0: DefaultHeapLimit
	set   bool  // applied to SQLite
}

// SetHeapLimit sets the process-wide cap of SQLite's heap in bytes (0: no
// cap), applied when the next connection of any database opens. SQLite
// keeps one heap per process: the cap is shared by every query and
// database. It is an error if SQLite's memory accounting, which enforces
// the cap, could not be turned on.
func SetHeapLimit(bytes int64) error {
	if bytes < 0 {
		return fmt.Errorf("sql: heap limit %d: must be >= 0 bytes", bytes)
	}
	if memStatusErr != nil {
		return memStatusErr
	}
	heap.mu.Lock()
	defer heap.mu.Unlock()
	heap.limit, heap.set = bytes, false
	if bytes == 0 {
		heap.limit = -1
	}
	return nil
}

// applyHeapLimit sets SQLite's hard heap limit through c once per
// SetHeapLimit (the PRAGMA is process-wide), before c is made read-only.
func applyHeapLimit(c sqlite.ExecQuerierContext) error {
	heap.mu.Lock()
	defer heap.mu.Unlock()
	if heap.set {
		return nil
	}
	n := heap.limit
	switch {
	case n == 0:
		n = DefaultHeapLimit
	case n < 0:
		n = 0
	}
	if _, err := c.ExecContext(context.Background(), fmt.Sprintf("PRAGMA hard_heap_limit=%d", n), nil); err != nil {
		return fmt.Errorf("sql: setting the heap limit: %w", err)
	}
	heap.set = true
	return nil
}

// boundConn sets the connection's length limits and keeps its temporary
// tables and sorts in memory (PRAGMA temp_store=MEMORY), where the heap cap
// bounds them, rather than in files under the temp directory, which nothing
// bounds.
func boundConn(c sqlite.ExecQuerierContext) error {
	if _, err := c.ExecContext(context.Background(), "PRAGMA temp_store=MEMORY", nil); err != nil {
		return fmt.Errorf("sql: setting temp_store: %w", err)
	}
	if err := applyHeapLimit(c); err != nil {
		return err
	}
	dc, ok := c.(driver.Conn)
	if !ok {
		return fmt.Errorf("sql: the sqlite driver's connection %T is not a driver.Conn; cannot set its limits", c)
	}
	return setLimits(dc, map[int]int{limitLength: MaxValueBytes, limitSQLLength: MaxQueryBytes, limitLikePattern: MaxLikePattern})
}

// setLimits calls sqlite3_limit on dc. The driver offers it only on a
// *database/sql.Conn, so dc is lent to a one-connection database/sql pool
// for the call, wrapped so that closing that pool leaves dc open.
func setLimits(dc driver.Conn, limits map[int]int) error {
	db := dsql.OpenDB(lentConnector{dc})
	defer db.Close()
	sc, err := db.Conn(context.Background())
	if err != nil {
		return fmt.Errorf("sql: setting limits: %w", err)
	}
	defer sc.Close()
	for id, v := range limits {
		if _, err := sqlite.Limit(sc, id, v); err != nil {
			return fmt.Errorf("sql: setting limit %d: %w", id, err)
		}
		if got, err := sqlite.Limit(sc, id, -1); err != nil || got != v {
			return fmt.Errorf("sql: limit %d is %d after setting it to %d (%v)", id, got, v, err)
		}
	}
	return nil
}

// lentConnector hands out one connection that stays open when closed.
type lentConnector struct{ c driver.Conn }

func (l lentConnector) Connect(context.Context) (driver.Conn, error) { return lentConn{l.c}, nil }
func (l lentConnector) Driver() driver.Driver                        { return &sqlite.Driver{} }

// lentConn is a connection database/sql may use but not close; Unwrap lets
// sqlite.Limit reach the driver's connection.
type lentConn struct{ c driver.Conn }

func (l lentConn) Prepare(q string) (driver.Stmt, error) { return l.c.Prepare(q) }
func (l lentConn) Close() error                          { return nil }
func (l lentConn) Begin() (driver.Tx, error) {
	return nil, fmt.Errorf("sql: no transactions on a lent connection")
}
func (l lentConn) Unwrap() driver.Conn { return l.c }

// registerLinearTrim replaces SQLite's two-argument trim, ltrim and rtrim on
// the driver's connections by implementations of the same result that run
// in time linear in the text: SQLite's compare every character of the text
// with every character of the set, so ltrim(x, y) of two texts of the
// length cap is billions of steps inside one instruction, beyond the reach
// of any deadline.
func registerLinearTrim(drv *sqlite.Driver) error {
	for _, f := range []struct {
		name        string
		left, right bool
	}{{"trim", true, true}, {"ltrim", true, false}, {"rtrim", false, true}} {
		f := f
		err := drv.RegisterDeterministicScalarFunction(f.name, 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			x, okx := sqlText(args[0])
			y, oky := sqlText(args[1])
			if !okx || !oky {
				return nil, nil
			}
			return trimSet(x, y, f.left, f.right), nil
		})
		if err != nil {
			return fmt.Errorf("sql: registering %s: %w", f.name, err)
		}
	}
	return nil
}

// sqlText is v as SQLite's sqlite3_value_text renders it; false for NULL.
func sqlText(v driver.Value) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case []byte:
		return string(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return sqlReal(x), true
	case bool:
		if x {
			return "1", true
		}
		return "0", true
	case time.Time:
		return x.Format("2006-01-02 15:04:05.999999999-07:00"), true
	}
	return fmt.Sprint(v), true
}

// sqlReal renders f as SQLite does ("%!.15g", 17 digits when 15 do not
// round-trip; a decimal point always).
func sqlReal(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	case math.IsNaN(f):
		return ""
	}
	s := strconv.FormatFloat(f, 'g', 15, 64)
	if g, err := strconv.ParseFloat(s, 64); err != nil || g != f {
		s = strconv.FormatFloat(f, 'g', 17, 64)
	}
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.ContainsRune(mant, '.') {
		mant += ".0"
	}
	if exp != "" {
		return mant + "e" + exp
	}
	return mant
}

// trimSet removes from the start (left) and end (right) of x every
// character of set, as SQLite's trim does: a character is a byte and the
// continuation bytes (10xxxxxx) after it (the set ends at a NUL byte), and where characters of several
// lengths match, the one first in set wins.
func trimSet(x, set string, left, right bool) string {
	if i := strings.IndexByte(set, 0); i >= 0 {
		set = set[:i] // SQLite reads the set as a C string
	}
	first := map[string]int{} // character -> its first index in set
	var lens []int            // the distinct lengths of set's characters
	for i, n := 0, 0; i < len(set); n++ {
		j := i + 1
		if set[i] >= 0xc0 {
			for j < len(set) && set[j]&0xc0 == 0x80 {
				j++
			}
		}
		c := set[i:j]
		if _, ok := first[c]; !ok {
			first[c] = n
			if !slices.Contains(lens, len(c)) {
				lens = append(lens, len(c))
			}
		}
		i = j
	}
	if len(first) == 0 {
		return x
	}
	match := func(at func(l int) (string, bool)) int {
		best, bestLen := -1, 0
		for _, l := range lens {
			if c, ok := at(l); ok {
				if k, ok := first[c]; ok && (best < 0 || k < best) {
					best, bestLen = k, l
				}
			}
		}
		return bestLen
	}
	if left {
		for len(x) > 0 {
			l := match(func(l int) (string, bool) { return x[:min(l, len(x))], l <= len(x) })
			if l == 0 {
				break
			}
			x = x[l:]
		}
	}
	if right {
		for len(x) > 0 {
			l := match(func(l int) (string, bool) { return x[len(x)-min(l, len(x)):], l <= len(x) })
			if l == 0 {
				break
			}
			x = x[:len(x)-l]
		}
	}
	return x
}
