package sql

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dojo-rl/dojo"
)

// defaultSpiderPath is option path's default for sql/Spider-v0.
const defaultSpiderPath = "../shared/data/spider-dev"

var datasets = struct {
	sync.Mutex
	m    map[string]*Dataset
	srcs sync.Map // *DB -> *schemaSrc
}{m: map[string]*Dataset{}}

// resolveDataPath finds folder p: as given (relative to the working
// directory), else relative to the module root (the nearest parent of the
// working directory with a go.mod).
func resolveDataPath(p string) (string, error) {
	tried := []string{p}
	if _, err := os.Stat(filepath.Join(p, "dev.json")); err == nil {
		return filepath.Abs(p)
	}
	if !filepath.IsAbs(p) {
		if dir, err := os.Getwd(); err == nil {
			for {
				if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
					q := filepath.Join(dir, p)
					tried = append(tried, q)
					if _, err := os.Stat(filepath.Join(q, "dev.json")); err == nil {
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
	return "", dojo.Errorf(dojo.CodeNotFound, "sql: no Spider data set at %s: want a folder with dev.json and database/<db_id>/<db_id>.sqlite (option path)", strings.Join(tried, " or "))
}

// loadSpider loads (once per folder) the Spider data set at option path p.
func loadSpider(p string) (*Dataset, error) {
	dir, err := resolveDataPath(p)
	if err != nil {
		return nil, err
	}
	datasets.Lock()
	defer datasets.Unlock()
	if ds, ok := datasets.m[dir]; ok {
		return ds, nil
	}
	ds, err := LoadSpider(dir)
	if err != nil {
		return nil, err
	}
	if len(ds.Examples) == 0 {
		return nil, dojo.Errorf(dojo.CodeNotFound, "sql: the Spider data set at %s has no questions", dir)
	}
	datasets.m[dir] = ds
	return ds, nil
}

// spiderSrc describes a data set's database for episodes: CREATE TABLE
// statements rebuilt from its schema, and its identifiers.
func spiderSrc(db *DB, dbID string) *schemaSrc {
	if s, ok := datasets.srcs.Load(db); ok {
		return s.(*schemaSrc)
	}
	src := &schemaSrc{db: db, name: dbID}
	for _, t := range db.Tables() {
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
	v, _ := datasets.srcs.LoadOrStore(db, src)
	return v.(*schemaSrc)
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

// spiderTask is the task of seed: Spider dev question seed mod N.
func spiderTask(ctx context.Context, path string, seed uint64) (*genTask, error) {
	ds, err := loadSpider(path)
	if err != nil {
		return nil, err
	}
	i := int(seed % uint64(len(ds.Examples)))
	return spiderExample(ctx, ds, i, ds.Examples[i].DBID, ds.Examples[i].Question, ds.Examples[i].SQL)
}

func spiderExample(ctx context.Context, ds *Dataset, index int, dbID, question_, gold string) (*genTask, error) {
	db, err := ds.DB(dbID)
	if err != nil {
		return nil, dojo.Errorf(dojo.ErrorCode(err), "sql: Spider question %d: %v", index, err)
	}
	res, err := db.Gold(ctx, RemoveDistinct(gold))
	if err != nil {
		return nil, dojo.Errorf(dojo.ErrorCode(err), "sql: Spider question %d: gold query fails: %v", index, err)
	}
	return &genTask{src: spiderSrc(db, dbID), index: index, q: question{Template: "spider", Text: question_, SQL: gold}, gold: res}, nil
}
