package sql

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/dojo-rl/dojo"
)

// Example is one question of a real text-to-SQL data set.
type Example struct {
	Index      int    // position in the data set's question file(s), from 0
	DBID       string // database id (folder and file name without .sqlite)
	Question   string
	SQL        string // gold query
	Evidence   string // BIRD's external knowledge hint ("" elsewhere)
	Difficulty string // BIRD's "simple", "moderate" or "challenging" ("" elsewhere)
}

// Dataset is a loaded data set: its examples and lazily opened, shared
// read-only databases (one *DB per db_id, opened on first use).
type Dataset struct {
	Name     string // "spider", "bird" or "kaggledbqa"
	Examples []Example
	dbDirs   []string // folders holding <db_id>/<db_id>.sqlite, tried in order

	mu  sync.Mutex
	dbs map[string]*dbSlot

	// served and skipped are set by the env's loadData: the indices of the
	// Examples whose database exists, in order, and the notice about the
	// others ("" when there are none).
	served  []int
	skipped string
}

type dbSlot struct {
	once sync.Once
	db   *DB
	err  error
}

// DBPath is the path of db_id's database file ("" if none of the database
// folders has it).
func (d *Dataset) DBPath(dbID string) string {
	for _, dir := range d.dbDirs {
		p := filepath.Join(dir, dbID, dbID+".sqlite")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// DB returns the shared database of db_id, opening it on first use. A
// missing database is a dojo.CodeNotFound error whose text starts with
// "database not found".
func (d *Dataset) DB(dbID string) (*DB, error) {
	if dbID == "" || strings.ContainsAny(dbID, `/\`) || dbID == "." || dbID == ".." {
		return nil, dojo.Errorf(dojo.CodeInvalid, "sql: bad db_id %q: want a database folder name", dbID)
	}
	d.mu.Lock()
	if d.dbs == nil {
		d.dbs = map[string]*dbSlot{}
	}
	s := d.dbs[dbID]
	if s == nil {
		s = &dbSlot{}
		d.dbs[dbID] = s
	}
	d.mu.Unlock()
	s.once.Do(func() {
		p := d.DBPath(dbID)
		if p == "" {
			s.err = dojo.Errorf(dojo.CodeNotFound, "database not found: %s (looked for %s/%s.sqlite under %s)", dbID, dbID, dbID, strings.Join(d.dbDirs, ", "))
			return
		}
		s.db, s.err = OpenFile(p)
	})
	return s.db, s.err
}

// Close closes every database opened so far.
func (d *Dataset) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for _, s := range d.dbs {
		if s.db != nil {
			errs = append(errs, s.db.Close())
		}
	}
	d.dbs = nil
	return errors.Join(errs...)
}

// spiderQuestion is one entry of Spider's dev.json / train_spider.json (and
// of KaggleDBQA's examples/<db>.json).
type spiderQuestion struct {
	DBID     string `json:"db_id"`
	Question string `json:"question"`
	Query    string `json:"query"`
}

// LoadSpider loads a Spider-format folder: dir/dev.json (questions with
// db_id, question, query) and databases dir/database/<db_id>/<db_id>.sqlite.
func LoadSpider(dir string) (*Dataset, error) {
	return LoadSpiderFile(dir, filepath.Join(dir, "dev.json"))
}

// LoadSpiderFile is LoadSpider with an explicit question file (for example
// train_spider.json).
func LoadSpiderFile(dir, questions string) (*Dataset, error) {
	var qs []spiderQuestion
	if err := readJSON(questions, &qs); err != nil {
		return nil, err
	}
	d := &Dataset{Name: "spider", dbDirs: []string{filepath.Join(dir, "database")}}
	for i, q := range qs {
		if q.DBID == "" || q.Query == "" {
			return nil, dojo.Errorf(dojo.CodeInvalid, "sql: %s: question %d lacks db_id or query: want Spider format {db_id, question, query}", questions, i)
		}
		d.Examples = append(d.Examples, Example{Index: i, DBID: q.DBID, Question: q.Question, SQL: q.Query})
	}
	return d, nil
}

// LoadKaggleDBQA loads a KaggleDBQA folder: every dir/examples/<db>.json
// (the full question sets; the _test and _fewshot splits are subsets and are
// skipped), in file-name order, with databases
// dir/databases/<db>/<db>.sqlite.
func LoadKaggleDBQA(dir string) (*Dataset, error) {
	files, err := filepath.Glob(filepath.Join(dir, "examples", "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	d := &Dataset{Name: "kaggledbqa", dbDirs: []string{filepath.Join(dir, "databases")}}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".json")
		if strings.HasSuffix(base, "_test") || strings.HasSuffix(base, "_fewshot") {
			continue
		}
		var qs []spiderQuestion
		if err := readJSON(f, &qs); err != nil {
			return nil, err
		}
		for i, q := range qs {
			if q.DBID == "" || q.Query == "" {
				return nil, dojo.Errorf(dojo.CodeInvalid, "sql: %s: example %d lacks db_id or query", f, i)
			}
			d.Examples = append(d.Examples, Example{Index: len(d.Examples), DBID: q.DBID, Question: q.Question, SQL: q.Query})
		}
	}
	if len(d.Examples) == 0 {
		return nil, dojo.Errorf(dojo.CodeNotFound, "sql: no KaggleDBQA examples in %s: want examples/<db>.json", dir)
	}
	return d, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return dojo.Errorf(dojo.CodeNotFound, "sql: question file not found: %s", path)
		}
		return fmt.Errorf("sql: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return dojo.Errorf(dojo.CodeInvalid, "sql: %s: %v", path, err)
	}
	return nil
}
