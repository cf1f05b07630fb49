package sql

import (
	"context"
	"errors"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzQueryCaps runs any query text under any caps on the test database
// and checks that nothing panics, the query ends near its deadline, and
// the result keeps every cap: rows, bytes per value (a longer value is a
// Cut, text cut at most a character short of the cap) and bytes in all.
//
//	go test ./envs/sql -run '^$' -fuzz FuzzQueryCaps -fuzztime 60s
func FuzzQueryCaps(f *testing.F) {
	for _, q := range attacks {
		f.Add(q, 5, 100, 4096)
	}
	f.Add("SELECT * FROM emp", 0, 3, 64)
	f.Add("SELECT name, hex(randomblob(300)) FROM emp, dept", 2, 17, 1000)
	f.Add("SELECT printf('%.*c', 400, 'é')", 1, 5, 200)
	f.Add("SELECT trim(name, 'aeiou'), ltrim(x'00ff', x'ff') FROM emp", 10, 1, 100)
	f.Add("PRAGMA table_info(emp)", 3, 4, 100)
	f.Add("SELECT 1; SELECT 2", 1, 1, 1)
	db := makeMemory(f)
	f.Fuzz(func(t *testing.T, q string, maxRows, maxCell, maxResult int) {
		caps := Caps{MaxRows: maxRows % 1000, MaxCellBytes: maxCell % (1 << 20), MaxResultBytes: maxResult % (1 << 24)}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		r, err := db.QueryCapped(ctx, q, caps)
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("%q took %v under a 200 ms deadline", q, took)
		}
		if err != nil {
			if r != nil {
				t.Fatalf("%q: a result with the error %v", q, err)
			}
			if errors.Is(err, context.DeadlineExceeded) || err.Error() != "" {
				return
			}
			t.Fatalf("%q: an error without text", q)
		}
		if caps.MaxRows > 0 && len(r.Rows) > caps.MaxRows {
			t.Fatalf("%q: %d rows past max %d", q, len(r.Rows), caps.MaxRows)
		}
		total, cut := 0, 0
		for _, row := range r.Rows {
			if len(row) != len(r.Columns) {
				t.Fatalf("%q: a row of %d values for %d columns", q, len(row), len(r.Columns))
			}
			for _, v := range row {
				if c, ok := v.(Cut); ok {
					cut++
					n := valueBytes(c.Prefix, 0) - CellOverhead
					if caps.MaxCellBytes <= 0 || n > caps.MaxCellBytes || c.Len <= caps.MaxCellBytes {
						t.Fatalf("%q: cut value of %d bytes (of %d) under max_cell_bytes %d", q, n, c.Len, caps.MaxCellBytes)
					}
					if s, ok := c.Prefix.(string); ok && len(s) < caps.MaxCellBytes-utf8.UTFMax {
						t.Fatalf("%q: text cut to %d bytes, more than a character short of max_cell_bytes %d", q, len(s), caps.MaxCellBytes)
					}
					total += n + CellOverhead
					continue
				}
				n := valueBytes(v, 0) - CellOverhead
				if caps.MaxCellBytes > 0 && n > caps.MaxCellBytes {
					t.Fatalf("%q: a value of %d bytes past max_cell_bytes %d", q, n, caps.MaxCellBytes)
				}
				total += n + CellOverhead
			}
		}
		if caps.MaxResultBytes > 0 && total > caps.MaxResultBytes {
			t.Fatalf("%q: %d bytes past max_result_bytes %d", q, total, caps.MaxResultBytes)
		}
		if cut != r.CutCells {
			t.Fatalf("%q: %d cut values, CutCells %d", q, cut, r.CutCells)
		}
	})
}
