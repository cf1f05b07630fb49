package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// dojoBin builds the dojo binary of the enclosing checkout once.
func dojoBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dojo")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/dojo")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building dojo: %v\n%s", err, out)
	}
	return bin
}

func dojo(t *testing.T, bin, dir string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dojo %v: %v\n%s", args, err, out)
	}
}

// TestParquetReadByArrow writes tasks of three families with dojo gen as
// Parquet and as JSON lines, reads the Parquet file with Apache Arrow's
// reader, and checks the schema (column names, order and types) and
// that every value equals the JSON line's.
func TestParquetReadByArrow(t *testing.T) {
	bin := dojoBin(t)
	for _, tc := range []struct {
		id   string
		opts []string
	}{
		{"toolcall/Mixed-v0", nil},
		{"sql/Retail-v0", nil},
		{"websim/SearchR1-v0", []string{"--opt", "hops=2"}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"gen", tc.id, "--n", "120", "--seed", "7", "--card=false"}, tc.opts...)
			dojo(t, bin, dir, append(args, "--out", "t.parquet")...)
			dojo(t, bin, dir, append(args, "--out", "t.jsonl")...)

			f, err := os.Open(filepath.Join(dir, "t.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			pr, err := file.NewParquetReader(f)
			if err != nil {
				t.Fatalf("Arrow's reader refuses the file: %v", err)
			}
			defer pr.Close()
			fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
			if err != nil {
				t.Fatal(err)
			}
			table, err := fr.ReadTable(context.Background())
			if err != nil {
				t.Fatalf("Arrow's reader: %v", err)
			}
			defer table.Release()

			want := arrow.NewSchema([]arrow.Field{
				{Name: "id", Type: arrow.BinaryTypes.String},
				{Name: "env", Type: arrow.BinaryTypes.String},
				{Name: "split", Type: arrow.BinaryTypes.String},
				{Name: "seed", Type: arrow.PrimitiveTypes.Uint64},
				{Name: "options", Type: arrow.BinaryTypes.String},
				{Name: "prompt", Type: arrow.ListOf(arrow.StructOf(
					arrow.Field{Name: "role", Type: arrow.BinaryTypes.String},
					arrow.Field{Name: "content", Type: arrow.BinaryTypes.String},
				))},
				{Name: "tools", Type: arrow.BinaryTypes.String},
				{Name: "verify", Type: arrow.BinaryTypes.String},
				{Name: "meta", Type: arrow.BinaryTypes.String},
			}, nil)
			got := table.Schema()
			if got.NumFields() != want.NumFields() {
				t.Fatalf("schema has %d fields, want %d:\n%s", got.NumFields(), want.NumFields(), got)
			}
			for i := range want.NumFields() {
				g, w := got.Field(i), want.Field(i)
				if g.Name != w.Name || !sameType(g.Type, w.Type) {
					t.Errorf("field %d: %s %s, want %s %s", i, g.Name, g.Type, w.Name, w.Type)
				}
			}
			if table.NumRows() != 120 {
				t.Fatalf("%d rows, want 120", table.NumRows())
			}

			rows := readJSONL(t, filepath.Join(dir, "t.jsonl"))
			tr := array.NewTableReader(table, 64)
			defer tr.Release()
			i := 0
			for tr.Next() {
				rec := tr.RecordBatch()
				for r := range int(rec.NumRows()) {
					row := rows[i]
					for c, name := range []string{"id", "env", "split", "options", "tools", "verify", "meta"} {
						col := []int{0, 1, 2, 4, 6, 7, 8}[c]
						if v := rec.Column(col).(*array.String).Value(r); v != row[name] {
							t.Fatalf("row %d %s: Arrow reads %.80q, the JSON line has %.80q", i, name, v, row[name])
						}
					}
					if seed := rec.Column(3).(*array.Uint64).Value(r); float64(seed) != row["seed"] {
						t.Fatalf("row %d seed: Arrow reads %d, the JSON line has %v", i, seed, row["seed"])
					}
					prompt := rec.Column(5).(*array.List)
					start, end := prompt.ValueOffsets(r)
					msgs := prompt.ListValues().(*array.Struct)
					jp := row["prompt"].([]any)
					if int(end-start) != len(jp) {
						t.Fatalf("row %d: %d prompt messages, the JSON line has %d", i, end-start, len(jp))
					}
					for k := start; k < end; k++ {
						m := jp[k-start].(map[string]any)
						role := msgs.Field(0).(*array.String).Value(int(k))
						content := msgs.Field(1).(*array.String).Value(int(k))
						if role != m["role"] || content != m["content"] {
							t.Fatalf("row %d message %d: Arrow reads %s %.60q, the JSON line has %v %.60q", i, k-start, role, content, m["role"], m["content"])
						}
					}
					var v any
					if err := json.Unmarshal([]byte(row["verify"].(string)), &v); err != nil || v == nil {
						t.Fatalf("row %d: verify is no JSON payload: %v", i, err)
					}
					i++
				}
			}
			if i != len(rows) {
				t.Errorf("Arrow read %d rows, the JSON lines hold %d", i, len(rows))
			}
		})
	}
}

// sameType compares types by their shape, not the names Arrow gives list
// elements (Parquet's "element" or "item").
func sameType(a, b arrow.DataType) bool {
	la, oka := a.(*arrow.ListType)
	lb, okb := b.(*arrow.ListType)
	if oka || okb {
		return oka && okb && sameType(la.Elem(), lb.Elem())
	}
	sa, oka := a.(*arrow.StructType)
	sb, okb := b.(*arrow.StructType)
	if oka || okb {
		if !oka || !okb || sa.NumFields() != sb.NumFields() {
			return false
		}
		for i := range sa.NumFields() {
			if sa.Field(i).Name != sb.Field(i).Name || !sameType(sa.Field(i).Type, sb.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return arrow.TypeEqual(a, b)
}

func readJSONL(t *testing.T, path string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, m)
	}
	return rows
}
