package sql

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	"modernc.org/sqlite"
)

// pool hands out read-only connections to one database, one goroutine per
// connection at a time. It opens connections on demand and keeps up to
// maxIdle idle ones, each for at most idleTime.
//
// dojo talks to the driver directly rather than through database/sql: a
// query then costs no goroutine watching its Rows, no locking per row and no
// conversion per value, which is a tenth of the time of a typical Spider
// query in the pure-Go engine.
type pool struct {
	drv *sqlite.Driver
	dsn string

	mu     sync.Mutex
	idle   []*roConn // most recently used last
	closed bool
}

const (
	maxIdle  = 16
	idleTime = time.Minute
)

// newPool returns a pool over dsn whose every connection is bounded (see
// MaxValueBytes), query_only and authorized as described on DB.
func newPool(dsn string) *pool {
	drv := &sqlite.Driver{}
	drv.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, _ string) error {
		if err := boundConn(c); err != nil {
			return err
		}
		if _, err := c.ExecContext(context.Background(), "PRAGMA query_only=ON", nil); err != nil {
			return fmt.Errorf("sql: setting query_only: %w", err)
		}
		r, ok := c.(sqlite.AuthorizerRegisterer)
		if !ok {
			return errors.New("sql: the sqlite driver has no authorizer; refusing to serve a database")
		}
		return r.RegisterAuthorizer(authorize)
	})
	if err := registerLinearTrim(drv); err != nil {
		panic(err) // only a bad name or argument count fails
	}
	return &pool{drv: drv, dsn: dsn}
}

var errPoolClosed = errors.New("sql: database is closed")

// get returns an idle connection or opens one.
func (p *pool) get(ctx context.Context) (*roConn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errPoolClosed
	}
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	dc, err := p.drv.Open(p.dsn)
	if err != nil {
		return nil, err
	}
	return newROConn(dc)
}

// put returns c to the pool, or closes it if the driver no longer trusts it
// (an interrupted query), the pool is full or closed. Connections idle for
// longer than idleTime are closed on the way.
func (p *pool) put(c *roConn) {
	if !c.valid() {
		c.close()
		return
	}
	now := time.Now()
	c.idleSince = now
	var stale []*roConn
	p.mu.Lock()
	keep := p.idle[:0]
	for _, ic := range p.idle {
		if now.Sub(ic.idleSince) > idleTime {
			stale = append(stale, ic)
		} else {
			keep = append(keep, ic)
		}
	}
	p.idle = keep
	if p.closed || len(p.idle) >= maxIdle {
		stale = append(stale, c)
	} else {
		p.idle = append(p.idle, c)
	}
	p.mu.Unlock()
	for _, sc := range stale {
		sc.close()
	}
}

// close closes the idle connections; connections in use are closed when
// they come back.
func (p *pool) close() error {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	var errs []error
	for _, c := range idle {
		errs = append(errs, c.close())
	}
	return errors.Join(errs...)
}

// stmtCacheSize is how many prepared statements each connection keeps,
// least recently used first out.
const stmtCacheSize = 64

// roConn is a read-only driver connection that keeps its most recently used
// prepared statements by SQL text, as Python's sqlite3 module does (its
// cached_statements), so a query seen before on the connection (the same
// run_sql twice, a gold query run again after its cache was cleared) is not
// parsed and planned again. The authorizer vets a statement when it is
// prepared; a cached statement is the same text on the same connection, so
// its verdict stands.
type roConn struct {
	conn      driver.Conn
	prep      driver.ConnPrepareContext
	stmts     map[string]*list.Element // of *cachedStmt
	recent    list.List                // front: most recently used
	idleSince time.Time
}

type cachedStmt struct {
	query string
	stmt  driver.Stmt
	sq    driver.StmtQueryContext
	busy  bool // rows of it are open
}

func newROConn(c driver.Conn) (*roConn, error) {
	prep, ok := c.(driver.ConnPrepareContext)
	if !ok {
		c.Close()
		return nil, errors.New("sql: the sqlite driver cannot prepare statements with a context")
	}
	return &roConn{conn: c, prep: prep, stmts: map[string]*list.Element{}}, nil
}

// query runs query on a cached prepared statement, preparing and caching it
// first if needed. The rows must be closed before the next query.
func (c *roConn) query(ctx context.Context, query string) (*cachedRows, error) {
	if e, ok := c.stmts[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil, fmt.Errorf("sql: internal error: statement reused while its rows are open")
		}
		c.recent.MoveToFront(e)
		return c.run(ctx, cs)
	}
	st, err := c.prep.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	sq, ok := st.(driver.StmtQueryContext)
	if !ok {
		st.Close()
		return nil, errors.New("sql: the sqlite driver's statements cannot query with a context")
	}
	cs := &cachedStmt{query: query, stmt: st, sq: sq}
	c.stmts[query] = c.recent.PushFront(cs)
	for c.recent.Len() > stmtCacheSize {
		e := c.recent.Back()
		old := e.Value.(*cachedStmt)
		c.recent.Remove(e)
		delete(c.stmts, old.query)
		old.stmt.Close()
	}
	return c.run(ctx, cs)
}

func (c *roConn) run(ctx context.Context, cs *cachedStmt) (*cachedRows, error) {
	rows, err := cs.sq.QueryContext(ctx, nil)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, s: cs}, nil
}

// cachedRows marks its statement free again when closed.
type cachedRows struct {
	driver.Rows
	s *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.s.busy = false
	return err
}

func (c *roConn) valid() bool {
	if v, ok := c.conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

// close finalizes the cached statements, then closes the connection.
func (c *roConn) close() error {
	for e := c.recent.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	c.recent.Init()
	clear(c.stmts)
	return c.conn.Close()
}
