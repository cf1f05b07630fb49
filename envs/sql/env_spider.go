package sql

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
)

// dataSource is a real data set an env serves: where it is by default, how
// its folder is laid out and loaded, and its evaluator's match mode.
type dataSource struct {
	name        string // "spider"
	title       string // "Spider": the env is sql/<title>-v0
	what        string // for the spec's description
	defaultPath string // option path's default
	marker      string // a file or folder every such folder holds
	layout      string // the folder's layout, for option docs and errors
	mode        Mode   // match_mode's default: the data set's own evaluator
	load        func(dir string) (*Dataset, error)
}

// defaultSpiderPath is option path's default for sql/Spider-v0.
const defaultSpiderPath = "../shared/data/spider-dev"

var (
	spiderSource = &dataSource{
		name: "spider", title: "Spider", what: "the Spider dev set (Yu et al., EMNLP 2018)",
		defaultPath: defaultSpiderPath, marker: "dev.json",
		layout: "dev.json, database/<db_id>/<db_id>.sqlite", mode: ModeSpider, load: LoadSpider,
	}
	kaggleSource = &dataSource{
		name: "kaggledbqa", title: "KaggleDBQA", what: "KaggleDBQA (Lee et al., ACL 2021: real Kaggle databases)",
		defaultPath: "../shared/data/kaggledbqa", marker: "examples",
		layout: "examples/<db>.json, databases/<db>/<db>.sqlite", mode: ModeSpider, load: LoadKaggleDBQA,
	}
	birdSource = &dataSource{
		name: "bird", title: "BIRD", what: "a BIRD-format data set (Li et al., NeurIPS 2023; the question comes with its evidence)",
		defaultPath: "bird", marker: "dev.json",
		layout: "dev.json with question, evidence, SQL, db_id, difficulty; dev_databases/<db_id>/<db_id>.sqlite",
		mode:   ModeBird, load: func(dir string) (*Dataset, error) { return LoadBIRD(dir, "") },
	}
	dataSources = []*dataSource{spiderSource, kaggleSource, birdSource}
)

// dataCacheSize bounds the data sets kept loaded (one per data set and
// folder).
const dataCacheSize = 8

// loadedData is a data set loaded for the envs, with the schemas of its
// databases as episodes see them (dataSrc). Every task of the data set
// holds it (through its schemaSrc), so an evicted data set is closed only
// once no episode uses it.
type loadedData struct {
	*Dataset
	srcs sync.Map // *DB -> *schemaSrc
}

// datasets holds the loaded data sets by data set and folder, least
// recently used evicted first past dataCacheSize.
var datasets = family.NewCache[string, *loadedData](dataCacheSize)

// resolveDataPath finds src's folder p: as given (relative to the working
// directory), else relative to the module root (the nearest parent of the
// working directory with a go.mod).
func resolveDataPath(src *dataSource, p string) (string, error) {
	tried := []string{p}
	if _, err := os.Stat(filepath.Join(p, src.marker)); err == nil {
		return filepath.Abs(p)
	}
	if !filepath.IsAbs(p) {
		if dir, err := os.Getwd(); err == nil {
			for {
				if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
					q := filepath.Join(dir, p)
					tried = append(tried, q)
					if _, err := os.Stat(filepath.Join(q, src.marker)); err == nil {
						return q, nil
					}
					break
				}
				parent := filepath.Dir(dir)
				if parent == dir {
					break
				}
				dir = parent
			}
		}
	}
	return "", dojo.Errorf(dojo.CodeNotFound, "sql: no %s data set at %s: want a folder with %s (option path)", src.title, strings.Join(tried, " or "), src.layout)
}

// loadData loads (once per folder) src's data set at option path p.
func loadData(src *dataSource, p string) (*loadedData, error) {
	dir, err := resolveDataPath(src, p)
	if err != nil {
		return nil, err
	}
	return datasets.Get(src.name+"\x00"+dir, func() (*loadedData, int, error) {
		ds, err := src.load(dir)
		if err != nil {
			return nil, 0, err
		}
		if len(ds.Examples) == 0 {
			return nil, 0, dojo.Errorf(dojo.CodeNotFound, "sql: the %s data set at %s has no questions", src.title, dir)
		}
		if err := findServed(src, dir, ds); err != nil {
			return nil, 0, err
		}
		ld := &loadedData{Dataset: ds}
		// once the cache evicted it and no task holds it, its databases
		// are closed
		runtime.AddCleanup(ld, func(ds *Dataset) { ds.Close() }, ds)
		return ld, 1, nil
	})
}

// findServed sets ds.served to the questions whose database exists and
// ds.skipped to the notice about the others. A data set none of whose
// databases exists is a not_found error.
func findServed(src *dataSource, dir string, ds *Dataset) error {
	found := map[string]bool{}
	var missing []string
	ds.served = ds.served[:0]
	for i, ex := range ds.Examples {
		ok, seen := found[ex.DBID]
		if !seen {
			ok = ds.DBPath(ex.DBID) != ""
			found[ex.DBID] = ok
			if !ok {
				missing = append(missing, ex.DBID)
			}
		}
		if ok {
			ds.served = append(ds.served, i)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	what := "database " + missing[0]
	if len(missing) > 1 {
		what = "databases " + strings.Join(missing, ", ")
	}
	where := strings.Join(ds.dbDirs, ", ")
	if len(ds.served) == 0 {
		return dojo.Errorf(dojo.CodeNotFound, "sql: none of the %d questions of the %s data set at %s has its database: %s not found under %s (want %s; option path)", len(ds.Examples), src.title, dir, what, where, src.layout)
	}
	ds.skipped = fmt.Sprintf("%d of %d questions skipped: %s not found under %s", len(ds.Examples)-len(ds.served), len(ds.Examples), what, where)
	return nil
}

// dataSrc describes a data set's database for episodes: CREATE TABLE
// statements rebuilt from its schema, and its identifiers.
func (ld *loadedData) dataSrc(db *DB, dbID string) (*schemaSrc, error) {
	if s, ok := ld.srcs.Load(db); ok {
		return s.(*schemaSrc), nil
	}
	tables, err := db.Tables()
	if err != nil {
		return nil, err
	}
	src := &schemaSrc{db: db, name: dbID, owner: ld}
	for _, t := range tables {
		src.tables = append(src.tables, t.Name)
		var parts []string
		for _, c := range t.Columns {
			src.columns = append(src.columns, c.Name)
			parts = append(parts, strings.TrimSpace(quoteIdent(c.Name)+" "+c.Type))
		}
		if len(t.PrimaryKey) > 0 {
			ks := make([]string, len(t.PrimaryKey))
			for i, k := range t.PrimaryKey {
				ks[i] = quoteIdent(k)
			}
			parts = append(parts, "PRIMARY KEY ("+strings.Join(ks, ", ")+")")
		}
		for _, fk := range t.ForeignKeys {
			parts = append(parts, fmt.Sprintf("FOREIGN KEY (%s) REFERENCES %s(%s)", quoteIdent(fk.Column), quoteIdent(fk.RefTable), quoteIdent(fk.RefColumn)))
		}
		src.ddl = append(src.ddl, "CREATE TABLE "+quoteIdent(t.Name)+" ("+strings.Join(parts, ", ")+")")
	}
	v, _ := ld.srcs.LoadOrStore(db, src)
	return v.(*schemaSrc), nil
}

// quoteIdent quotes a name when it is not a plain identifier.
func quoteIdent(s string) string {
	plain := s != ""
	for i := 0; i < len(s); i++ {
		plain = plain && isIdent(s[i]) && s[i] < 0x80 && !(i == 0 && s[i] >= '0' && s[i] <= '9')
	}
	if plain {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// dataTask is the task of seed: of the questions of src's data set whose
// database exists, in file order, question seed mod their number.
func dataTask(ctx context.Context, src *dataSource, path string, seed uint64) (*genTask, error) {
	ds, err := loadData(src, path)
	if err != nil {
		return nil, err
	}
	i := ds.served[seed%uint64(len(ds.served))]
	ex := ds.Examples[i]
	text := ex.Question
	if ex.Evidence != "" {
		text += "\n\nEvidence: " + ex.Evidence
	}
	t, err := dataExample(ctx, src, ds, i, ex.DBID, text, ex.SQL)
	if err != nil {
		return nil, err
	}
	t.difficulty = ex.Difficulty // BIRD's simple, moderate, challenging
	return t, nil
}

func dataExample(ctx context.Context, src *dataSource, ds *loadedData, index int, dbID, text, gold string) (*genTask, error) {
	db, err := ds.DB(dbID)
	if err != nil {
		return nil, dojo.Errorf(dojo.ErrorCode(err), "sql: %s question %d: %v", src.title, index, err)
	}
	res, err := db.Gold(ctx, RemoveDistinct(gold))
	if err != nil {
		return nil, dojo.Errorf(dojo.ErrorCode(err), "sql: %s question %d: gold query fails: %v", src.title, index, err)
	}
	schema, err := ds.dataSrc(db, dbID)
	if err != nil {
		return nil, dojo.Errorf(dojo.ErrorCode(err), "sql: %s question %d: %v", src.title, index, err)
	}
	return &genTask{src: schema, index: index, q: question{Template: src.name, Text: text, SQL: gold}, gold: res}, nil
}
