package sql

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/dojo-rl/dojo"
)

// questionsPerDB is the number of consecutive seeds that share a database:
// the database of seed s is that of db seed s / questionsPerDB.
const questionsPerDB = 32

// genCacheSize bounds the generated databases kept open.
const genCacheSize = 64

// schemaSrc is what an episode needs of its database: the database, its
// name, schema (CREATE TABLE statements) and lower-case identifiers.
type schemaSrc struct {
	db      *DB
	name    string
	ddl     []string
	tables  []string
	columns []string
	order   string // the ORDER BY of describe_table's sample rows
}

// genDB is a generated database with its content.
type genDB struct {
	dom  *domain
	size int
	seed uint64
	db   *DB
	data *dbData
	src  *schemaSrc
}

type genKey struct {
	domain string
	size   int
	seed   uint64
}

var genCache = struct {
	sync.Mutex
	m     map[genKey]*genSlot
	order []genKey
}{m: map[genKey]*genSlot{}}

type genSlot struct {
	once sync.Once
	g    *genDB
	err  error
}

// openGenerated returns the (shared, read-only) database of a domain, size
// and db seed, building it on first use. At most genCacheSize databases stay
// in the cache; an evicted one is closed when the garbage collector finds it
// unused (it may still serve episodes that hold it); see runtime.AddCleanup.
func openGenerated(d *domain, size int, seed uint64) (*genDB, error) {
	k := genKey{d.name, size, seed}
	genCache.Lock()
	s, ok := genCache.m[k]
	if !ok {
		s = &genSlot{}
		genCache.m[k] = s
		genCache.order = append(genCache.order, k)
		if len(genCache.order) > genCacheSize {
			delete(genCache.m, genCache.order[0])
			genCache.order = genCache.order[1:]
		}
	}
	genCache.Unlock()
	s.once.Do(func() {
		x := d.genData(size, seed)
		db, err := OpenMemory(fmt.Sprintf("%s_s%d_%d", d.name, size, seed), d.build(x))
		if err != nil {
			s.err = dojo.Errorf(dojo.CodeInternal, "sql: building the %s database (size %d, db seed %d): %v", d.name, size, seed, err)
			return
		}
		s.g = &genDB{dom: d, size: size, seed: seed, db: db, data: x,
			src: &schemaSrc{db: db, name: d.name, ddl: d.ddl(), tables: d.tableNames(), columns: d.columnNames(), order: " ORDER BY id"}}
		// every task of the database holds s.g: once none does and the
		// cache evicted it, the database is closed and its memory freed
		runtime.AddCleanup(s.g, func(db *DB) { db.Close() }, db)
	})
	if s.err != nil {
		genCache.Lock()
		if genCache.m[k] == s {
			delete(genCache.m, k)
		}
		genCache.Unlock()
	}
	return s.g, s.err
}

// genTask is a generated task: the database, the question and its gold.
type genTask struct {
	src        *schemaSrc
	db         *genDB // nil for a data set's task
	index      int    // a data set's example index
	q          question
	difficulty string
	gold       *Result
}

// genStream is the PCG stream of the question generator ("sqlq").
const genStream = 0x73716c71

// maxDraws bounds the redraws of a question whose gold is empty, ambiguous
// or not told apart from its WHERE-less form.
const maxDraws = 32

// generate makes the task of seed: domain dom (nil: drawn from the seed),
// difficulty diff (mixed: drawn per seed).
func generate(ctx context.Context, dom *domain, diff string, size int, seed uint64) (*genTask, error) {
	dbSeed := seed / questionsPerDB
	d := dom
	if d == nil {
		d = domains[rand.New(rand.NewPCG(dbSeed, 0x73716c64)).IntN(len(domains))]
	}
	g, err := openGenerated(d, size, dbSeed)
	if err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, genStream))
	ts := templatesOf(diff)
	c := &tctx{r: r, d: d, x: g.data}
	var why string
	for range maxDraws {
		t := ts[r.IntN(len(ts))]
		q := t.make(c)
		q.Template = t.name
		gold, reason, err := checkQuestion(ctx, g.db, q)
		if err != nil {
			return nil, err
		}
		if reason == "" {
			return &genTask{src: g.src, db: g, q: q, difficulty: t.diff, gold: gold}, nil
		}
		why = t.name + ": " + reason
	}
	return nil, dojo.Errorf(dojo.CodeInternal, "sql: no question for seed %d after %d draws (last: %s)", seed, maxDraws, why)
}

// checkQuestion runs q's gold and returns why q is rejected ("" if kept):
// an empty or NULL result, a tie at the LIMIT boundary, or a gold that its
// WHERE-less form (a hack probe) also matches.
func checkQuestion(ctx context.Context, db *DB, q question) (*Result, string, error) {
	gold, err := db.Gold(ctx, RemoveDistinct(q.SQL))
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		return nil, "", dojo.Errorf(dojo.CodeInternal, "sql: template %s: gold %q fails: %v", q.Template, q.SQL, err)
	}
	if len(gold.Rows) == 0 {
		return nil, "empty result", nil
	}
	for _, row := range gold.Rows {
		for _, v := range row {
			if v == nil {
				return nil, "NULL in result", nil
			}
		}
	}
	if q.tieSQL != "" {
		keys, err := db.Gold(ctx, q.tieSQL) // cached, as the gold: Reset repeats these checks
		if err != nil {
			return nil, "", dojo.Errorf(dojo.CodeInternal, "sql: template %s: tie query fails: %v", q.Template, err)
		}
		if len(keys.Rows) < q.k {
			return nil, "fewer rows than the limit", nil
		}
		if len(keys.Rows) > q.k && valueText(keys.Rows[q.k-1][0]) == valueText(keys.Rows[q.k][0]) {
			return nil, "tie at the limit", nil
		}
	}
	if nw, ok := stripWhere(q.SQL); ok {
		if res, err := db.Gold(ctx, RemoveDistinct(nw)); err == nil && Match(gold, res, q.SQL, ModeSpider, false) || err == nil && Match(gold, res, q.SQL, ModeBird, false) {
			return nil, "WHERE-less query matches", nil
		}
	}
	return gold, "", nil
}

// stripWhere removes the first WHERE clause of query (up to the next
// GROUP BY, ORDER BY, LIMIT, set operator, closing parenthesis or the end).
// It reports whether there was one.
func stripWhere(query string) (string, bool) {
	up := strings.ToUpper(query)
	i := strings.Index(up, " WHERE ")
	if i < 0 {
		return query, false
	}
	end := len(query)
	for _, kw := range []string{" GROUP BY ", " ORDER BY ", " LIMIT ", " INTERSECT ", " UNION ", " EXCEPT ", ")"} {
		if j := strings.Index(up[i+7:], kw); j >= 0 && i+7+j < end {
			end = i + 7 + j
		}
	}
	return query[:i] + query[end:], true
}

// valueText renders a result value canonically (numbers by value).
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if x == float64(int64(x)) {
			return strconv.FormatInt(int64(x), 10)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// resultHash is a SHA-256 of a result's rows, canonical and in order.
func resultHash(r *Result) string {
	h := sha256.New()
	for _, row := range r.Rows {
		for i, v := range row {
			if i > 0 {
				h.Write([]byte{0x1f})
			}
			h.Write([]byte(valueText(v)))
		}
		h.Write([]byte{0x1e})
	}
	return hex.EncodeToString(h.Sum(nil))
}
