package sql

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
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
	owner   any    // what must outlive the episodes using db: a data set's *loadedData
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

// genCache holds the generated databases, least recently used evicted
// first past genCacheSize.
var genCache = family.NewCache[genKey, *genDB](genCacheSize)

// openGenerated returns the (shared, read-only) database of a domain, size
// and db seed, building it on first use. At most genCacheSize databases stay
// in the cache; an evicted one is closed when the garbage collector finds it
// unused (it may still serve episodes that hold it); see runtime.AddCleanup.
func openGenerated(d *domain, size int, seed uint64) (*genDB, error) {
	return genCache.Get(genKey{d.name, size, seed}, func() (*genDB, int, error) {
		x := d.genData(size, seed)
		db, err := OpenMemory(fmt.Sprintf("%s_s%d_%d", d.name, size, seed), d.build(x))
		if err != nil {
			return nil, 0, dojo.Errorf(dojo.CodeInternal, "sql: building the %s database (size %d, db seed %d): %v", d.name, size, seed, err)
		}
		g := &genDB{dom: d, size: size, seed: seed, db: db, data: x,
			src: &schemaSrc{db: db, name: d.name, ddl: d.ddl(), tables: d.tableNames(), columns: d.columnNames(), order: " ORDER BY id"}}
		// every task of the database holds g: once none does and the
		// cache evicted it, the database is closed and its memory freed
		runtime.AddCleanup(g, func(db *DB) { db.Close() }, db)
		return g, 1, nil
	})
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
		if err := dojo.CheckContext(ctx); err != nil {
			return nil, "", err
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

// verifyBlock is Task.Verify: where the database comes from and the gold.
type verifyBlock struct {
	Domain       string `json:"domain"`
	Size         int    `json:"size"`
	DBSeed       uint64 `json:"db_seed"`
	Question     string `json:"question"`
	GoldSQL      string `json:"gold_sql"`
	GoldHash     string `json:"gold_hash"`
	MatchMode    Mode   `json:"match_mode"`
	KeepDistinct bool   `json:"keep_distinct"`
	Difficulty   string `json:"difficulty,omitempty"`
	DBID         string `json:"db_id,omitempty"` // a data set task's database
	Index        int    `json:"index,omitempty"` // a data set task's question
}

// GenerateTask returns the task of seed, its gold in Verify.
func (e *Env) GenerateTask(ctx context.Context, seed uint64) (dojo.Task, error) {
	t, err := e.gen(ctx, seed)
	if err != nil {
		return dojo.Task{}, err
	}
	vb := verifyBlock{Question: t.q.Text, GoldSQL: t.q.SQL, GoldHash: resultHash(t.gold), MatchMode: e.matchMode, KeepDistinct: e.keepDistinct, Difficulty: t.difficulty}
	meta := map[string]any{"difficulty": t.difficulty, "template": t.q.Template, "gold_rows": len(t.gold.Rows)}
	id := fmt.Sprintf("%s/%s/s%d/%d", e.spec.ID, e.diff, e.size, seed)
	if t.db != nil {
		vb.Domain, vb.Size, vb.DBSeed = t.db.dom.name, t.db.size, t.db.seed
		meta["domain"] = t.db.dom.name
	} else {
		vb.DBID, vb.Index = t.src.name, t.index
		meta = map[string]any{"db_id": t.src.name, "index": t.index, "gold_rows": len(t.gold.Rows)}
		if t.difficulty != "" {
			meta["difficulty"] = t.difficulty
		}
		id = fmt.Sprintf("%s/%d", e.spec.ID, seed)
	}
	b, err := json.Marshal(vb)
	if err != nil {
		return dojo.Task{}, dojo.Errorf(dojo.CodeInternal, "sql: encoding the gold: %v", err)
	}
	task := dojo.Task{
		ID:      id,
		Env:     e.spec.ID,
		Options: e.opts,
		Seed:    seed,
		Prompt:  e.promptOf(t),
		Verify:  b,
		Meta:    meta,
	}
	if !e.single {
		task.Tools = tools
	}
	return task, nil
}

// VerifyTask scores a response to a generated task. The gold comes from
// t.Verify (the database is rebuilt from its domain, size and db seed, and
// the gold result must hash to gold_hash), or from regenerating t.Seed when
// Verify is empty. Response.Text is one completion (its submit_sql call,
// else its SQL as in Step); Response.Messages replays the assistant turns
// (tool calls run again; the first submission ends it). The parts are the
// episode's components summed over its turns.
func (e *Env) VerifyTask(ctx context.Context, t dojo.Task, r dojo.Response) (dojo.Score, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Score{}, err
	}
	var task *genTask
	cfg := e.cfg()
	if len(t.Verify) > 0 {
		var vb verifyBlock
		dec := json.NewDecoder(bytes.NewReader(t.Verify))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&vb); err != nil {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s: verify block: %v (want the object GenerateTask writes)", t.ID, err)
		}
		if vb.DBID != "" {
			if e.v.data == nil {
				return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s names a database of a data set (db_id %q): verify it with the env that made it (%s)", t.ID, vb.DBID, t.Env)
			}
			ds, err := loadData(e.v.data, e.path)
			if err != nil {
				return dojo.Score{}, err
			}
			if task, err = dataExample(ctx, e.v.data, ds, vb.Index, vb.DBID, vb.Question, vb.GoldSQL); err != nil {
				return dojo.Score{}, err
			}
			if vb.MatchMode != "" {
				cfg.mode, cfg.keepDistinct = vb.MatchMode, vb.KeepDistinct
			}
			goto score
		}
		d := domainByName(vb.Domain)
		if d == nil || vb.Size < 1 || vb.Size > 10 || vb.GoldSQL == "" {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s: verify block names domain %q, size %d: want one of the generated domains, size 1..10 and a gold_sql", t.ID, vb.Domain, vb.Size)
		}
		g, err := openGenerated(d, vb.Size, vb.DBSeed)
		if err != nil {
			return dojo.Score{}, err
		}
		gold, err := g.db.Gold(ctx, RemoveDistinct(vb.GoldSQL))
		if err != nil {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s: gold query fails: %v", t.ID, err)
		}
		if vb.GoldHash != "" && resultHash(gold) != vb.GoldHash {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s: the gold result does not hash to gold_hash: the task was made by another version of the generator", t.ID)
		}
		task = &genTask{src: g.src, db: g, q: question{Text: vb.Question, SQL: vb.GoldSQL}, difficulty: vb.Difficulty, gold: gold}
		if vb.MatchMode != "" {
			cfg.mode, cfg.keepDistinct = vb.MatchMode, vb.KeepDistinct
		}
	} else {
		if t.Env != "" && t.Env != e.spec.ID {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s is for %s, not %s", t.ID, t.Env, e.spec.ID)
		}
		var err error
		if task, err = e.gen(ctx, t.Seed); err != nil {
			return dojo.Score{}, err
		}
	}
score:
	var vals [numComponents]float64
	success, calls := false, 0
	var errs []string
	play := func(a dojo.Action) bool {
		res := playTurn(ctx, cfg, task, a, calls)
		calls += res.calls
		for i, v := range res.vals {
			vals[i] += v
		}
		errs = append(errs, res.errs...)
		if res.final {
			success = res.success
		}
		return res.final
	}
	if len(r.Messages) > 0 {
		for _, m := range r.Messages {
			if m.Role == "assistant" && play(dojo.MessageAction(m.Content, m.ToolCalls...)) {
				break
			}
		}
	} else {
		c := cfg
		c.single = true // one completion: its SQL is the answer
		res := playTurn(ctx, c, task, dojo.TextAction(r.Text), 0)
		vals, success = res.vals, res.success
		errs = res.errs
	}
	return family.Score(components[:], vals[:], e.parts.Parts(), success, errs), nil
}
