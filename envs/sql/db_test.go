package sql

import (
	"context"
	"crypto/sha256"
	dsql "database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/google/go-cmp/cmp"
)

// sharedData returns ../shared/data relative to the module root, or skips
// the test naming what is missing.
func sharedData(t testing.TB, sub string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared data missing: no go.mod above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", sub)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data missing: %s (CI has it; see the project README)", p)
	}
	return p
}

const schemaSQL = `
CREATE TABLE dept (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE emp (id INTEGER PRIMARY KEY, name TEXT, salary REAL, dept_id INTEGER REFERENCES dept(id), hired DATE);
INSERT INTO dept VALUES (1,'Sales'),(2,'R&D');
INSERT INTO emp VALUES (1,'Ann',100.5,1,'2020-01-02'),(2,'Bob',90,2,'2021-03-04'),(3,'Cid',90,2,NULL);
`

// makeFile writes a small database file with a writable connection.
func makeFile(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "test.sqlite")
	w, err := dsql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for _, s := range strings.Split(schemaSQL, ";") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		if _, err := w.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return p
}

func makeMemory(t testing.TB) *DB {
	t.Helper()
	db, err := OpenMemory("test", func(ctx context.Context, exec func(string, ...any) error) error {
		for _, s := range strings.Split(schemaSQL, ";") {
			if strings.TrimSpace(s) != "" {
				if err := exec(s); err != nil {
					return err
				}
			}
		}
		return exec("INSERT INTO dept VALUES (?, ?)", 3, "Ops")
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func sha(t testing.TB, p string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// destructive is a battery of statements that must all fail.
var destructive = []string{
	"DROP TABLE emp",
	"DELETE FROM emp",
	"UPDATE emp SET salary = 0",
	"INSERT INTO dept VALUES (9, 'x')",
	"REPLACE INTO dept VALUES (1, 'x')",
	"CREATE TABLE t (x)",
	"CREATE TEMP TABLE t (x)",
	"CREATE VIEW v AS SELECT 1",
	"CREATE INDEX i ON emp(name)",
	"ALTER TABLE emp ADD COLUMN y",
	"ALTER TABLE emp RENAME TO e2",
	"ATTACH DATABASE ':memory:' AS x",
	"ATTACH DATABASE '/tmp/dojo-sql-attack.sqlite' AS x",
	"DETACH DATABASE main",
	"PRAGMA writable_schema=1",
	"PRAGMA writable_schema = ON",
	"PRAGMA journal_mode=DELETE",
	"PRAGMA query_only=OFF",
	"PRAGMA user_version=7",
	"VACUUM",
	"VACUUM INTO '/tmp/dojo-sql-vacuum.sqlite'",
	"ANALYZE",
	"REINDEX",
	"BEGIN",
	"SAVEPOINT a",
	"SELECT 1; DROP TABLE emp",
	"SELECT 1; SELECT 2",
	"SELECT * FROM emp; DELETE FROM emp;",
	"WITH x AS (SELECT 1) DELETE FROM emp",
	"SELECT load_extension('/tmp/x')",
	"SELECT writefile('/tmp/x', 'y')",
	"",
	" ;; ",
	"-- only a comment",
	"SELEC 1",
}

func TestDestructiveSQLFails(t *testing.T) {
	t.Parallel()
	p := makeFile(t)
	before := sha(t, p)
	files := []string{p}
	if dir, ok := optionalData("spider-dev/database"); ok {
		for _, id := range []string{"concert_singer", "world_1", "car_1"} {
			files = append(files, filepath.Join(dir, id, id+".sqlite"))
		}
	}
	for _, f := range files {
		f := f
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			before := sha(t, f)
			db, err := OpenFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range destructive {
				res, err := db.Query(context.Background(), q, 0)
				if err == nil {
					t.Errorf("Query(%q) = %v rows, want an error", q, len(res.Rows))
					continue
				}
				if c := dojo.ErrorCode(err); c != dojo.CodeInvalid {
					t.Errorf("Query(%q) error code %q (%v), want %q", q, c, err, dojo.CodeInvalid)
				}
			}
			if _, err := db.Query(context.Background(), "SELECT count(*) FROM sqlite_master", 0); err != nil {
				t.Errorf("a read after the battery failed: %v", err)
			}
			db.Close()
			if after := sha(t, f); after != before {
				t.Errorf("%s changed after destructive SQL", f)
			}
			for _, ext := range []string{"-journal", "-wal", "-shm"} {
				if _, err := os.Stat(f + ext); err == nil {
					t.Errorf("%s%s exists: the database was opened writable", f, ext)
				}
			}
		})
	}
	_ = before
	for _, f := range []string{"/tmp/dojo-sql-attack.sqlite", "/tmp/dojo-sql-vacuum.sqlite", "/tmp/x"} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s was created by an agent query", f)
		}
	}
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		db := makeMemory(t)
		for _, q := range destructive {
			if _, err := db.Query(context.Background(), q, 0); err == nil {
				t.Errorf("memory Query(%q) succeeded, want an error", q)
			}
		}
		res, err := db.Query(context.Background(), "SELECT count(*) FROM emp", 0)
		if err != nil || res.Rows[0][0] != int64(3) {
			t.Errorf("after the battery: %v, %v; want 3 employees", res, err)
		}
	})
}

func optionalData(sub string) (string, bool) {
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "data", sub)
			_, err := os.Stat(p)
			return p, err == nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	db := makeMemory(t)
	tests := []struct {
		name, q string
		max     int
		want    *Result
	}{
		{"types", "SELECT id, name, salary, hired, x'01' FROM emp WHERE id = 1", 0,
			&Result{Columns: []string{"id", "name", "salary", "hired", "x'01'"}, Rows: [][]any{{int64(1), "Ann", 100.5, "2020-01-02", []byte{1}}}}},
		{"null", "SELECT hired FROM emp WHERE id = 3", 0, &Result{Columns: []string{"hired"}, Rows: [][]any{{nil}}}},
		{"truncated", "SELECT id FROM emp ORDER BY id", 2, &Result{Columns: []string{"id"}, Rows: [][]any{{int64(1)}, {int64(2)}}, Truncated: true}},
		{"exact", "SELECT id FROM emp ORDER BY id", 3, &Result{Columns: []string{"id"}, Rows: [][]any{{int64(1)}, {int64(2)}, {int64(3)}}}},
		{"trailing semicolon and comment", "SELECT name FROM dept WHERE id = 3; -- done", 0, &Result{Columns: []string{"name"}, Rows: [][]any{{"Ops"}}}},
		{"semicolon in string", "SELECT 'a;b' AS s", 0, &Result{Columns: []string{"s"}, Rows: [][]any{{"a;b"}}}},
		{"cte", "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 3) SELECT sum(n) FROM c", 0,
			&Result{Columns: []string{"sum(n)"}, Rows: [][]any{{int64(6)}}}},
		{"empty", "SELECT * FROM emp WHERE 0", 0, &Result{Columns: []string{"id", "name", "salary", "dept_id", "hired"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := db.Query(context.Background(), tt.q, tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Query(%q) (-want +got):\n%s", tt.q, d)
			}
		})
	}
}

func TestTables(t *testing.T) {
	t.Parallel()
	db, err := OpenFile(makeFile(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := []Table{
		{Name: "dept", Columns: []Column{{"id", "INTEGER"}, {"name", "TEXT"}}, PrimaryKey: []string{"id"}},
		{Name: "emp", Columns: []Column{{"id", "INTEGER"}, {"name", "TEXT"}, {"salary", "REAL"}, {"dept_id", "INTEGER"}, {"hired", "DATE"}},
			PrimaryKey: []string{"id"}, ForeignKeys: []ForeignKey{{Column: "dept_id", RefTable: "dept", RefColumn: "id"}}},
	}
	got, err := db.Tables()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Tables() (-want +got):\n%s", d)
	}
}

// TestOpenFileNotADatabase: a file that is not an SQLite database is an
// error of OpenFile naming it, not of some later query.
func TestOpenFileNotADatabase(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "notes.sqlite")
	if err := os.WriteFile(p, []byte("these are not the rows you are looking for"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFile(p); err == nil || !strings.Contains(err.Error(), "not an SQLite database") || !strings.Contains(err.Error(), p) {
		t.Errorf("OpenFile(text file) = %v, want an error naming the file as not an SQLite database", err)
	}
}

func TestOpenFileMissing(t *testing.T) {
	t.Parallel()
	_, err := OpenFile(filepath.Join(t.TempDir(), "nope.sqlite"))
	if err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "database not found") {
		t.Errorf("OpenFile(missing) = %v, want a 'database not found' error wrapping os.ErrNotExist", err)
	}
}

func TestQueryDeadline(t *testing.T) {
	t.Parallel()
	db := makeMemory(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := db.Query(ctx, "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c) SELECT count(*) FROM c", 0)
	if err == nil {
		t.Fatal("an endless query returned no error")
	}
	if c := dojo.ErrorCode(err); c != dojo.CodeTimeout {
		t.Errorf("error code %q (%v), want %q", c, err, dojo.CodeTimeout)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("the query ran %v after its 50ms deadline", el)
	}
	// The connection is usable afterwards.
	if _, err := db.Query(context.Background(), "SELECT 1", 0); err != nil {
		t.Errorf("query after an interrupted one: %v", err)
	}
}

func TestConcurrentQueries(t *testing.T) {
	t.Parallel()
	db := makeMemory(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 20 {
				res, err := db.Query(context.Background(), "SELECT count(*) FROM emp e JOIN dept d ON e.dept_id = d.id", 0)
				if err != nil || res.Rows[0][0] != int64(3) {
					t.Errorf("goroutine %d: %v, %v; want 3", i, res, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
