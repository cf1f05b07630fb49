package taskdata_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/protocol"
	"github.com/dojo-rl/dojo/taskdata"
)

var update = flag.Bool("update", false, "rewrite golden files")

// taskEnvs are the registered envs that generate tasks here (those whose
// data set is absent answer not_found and are left out), with options
// that keep them small.
func taskEnvs(t *testing.T) (reg *dojo.Registry, ids []string, opts map[string]dojo.Options) {
	t.Helper()
	reg = envs.Default()
	opts = map[string]dojo.Options{
		"websim/Shop-v0": {"products": 100},
	}
	tk := protocol.NewTasker(reg)
	defer tk.Close()
	for _, id := range reg.IDs() {
		if _, err := tk.Generate(context.Background(), id, opts[id], 0); err != nil {
			switch dojo.ErrorCode(err) {
			case protocol.CodeUnsupported, dojo.CodeNotFound:
				continue
			}
			t.Fatalf("%s: %v", id, err)
		}
		ids = append(ids, id)
	}
	if len(ids) < 10 {
		t.Fatalf("only %d envs generate tasks: %v", len(ids), ids)
	}
	return reg, ids, opts
}

// normal is a task as JSON values, so that tasks compare whatever the
// spelling of their raw JSON.
func normal(t *testing.T, task dojo.Task) map[string]any {
	t.Helper()
	b, err := json.Marshal(task)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRowsRebuildTheirTasks turns tasks of every task env into rows, in
// both tool shapes, through JSON lines and Parquet, and back: the task
// read back is the task generated, so dojo verify loses nothing.
func TestRowsRebuildTheirTasks(t *testing.T) {
	reg, ids, opts := taskEnvs(t)
	tk := protocol.NewTasker(reg)
	defer tk.Close()
	for _, id := range ids {
		var tasks []dojo.Task
		for seed := range uint64(3) {
			task, err := tk.Generate(context.Background(), id, opts[id], seed*7)
			if err != nil {
				t.Fatalf("%s seed %d: %v", id, seed*7, err)
			}
			tasks = append(tasks, task)
		}
		for _, tf := range []taskdata.ToolsFormat{taskdata.ToolsOpenAI, taskdata.ToolsMCP} {
			for _, ff := range []taskdata.Format{taskdata.JSONL, taskdata.JSONLGz, taskdata.Parquet} {
				var buf bytes.Buffer
				w := taskdata.NewWriter(&buf, ff)
				for i := range tasks {
					row, err := taskdata.FromTask(&tasks[i], "train", tf)
					if err != nil {
						t.Fatalf("%s: %v", id, err)
					}
					if row.Tools != "[]" && tf == taskdata.ToolsOpenAI && !strings.HasPrefix(row.Tools, `[{"type":"function","function":{`) {
						t.Errorf("%s: tools are not OpenAI function tools: %.80s", id, row.Tools)
					}
					if err := w.Write(row); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(t.TempDir(), "tasks")
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				r, err := taskdata.Open(path)
				if err != nil {
					t.Fatalf("%s %s: open: %v", id, ff, err)
				}
				var got []dojo.Task
				dec := json.NewDecoder(r)
				for dec.More() {
					var task dojo.Task
					if err := dec.Decode(&task); err != nil {
						t.Fatalf("%s %s: %v", id, ff, err)
					}
					got = append(got, task)
				}
				r.Close()
				if len(got) != len(tasks) {
					t.Fatalf("%s %s: %d tasks read back, want %d", id, ff, len(got), len(tasks))
				}
				for i := range tasks {
					if d := cmp.Diff(normal(t, tasks[i]), normal(t, got[i]), cmpopts.EquateEmpty()); d != "" {
						t.Errorf("%s %s tools %s: task %d read back differs (-generated +read):\n%s", id, ff, tf, i, d)
					}
				}
			}
		}
	}
}

// TestRowsAreFlatAndStable checks the schema: every row of every task env
// has the same nine members with the same JSON types, and options, tools,
// verify and meta are JSON text in strings.
func TestRowsAreFlatAndStable(t *testing.T) {
	reg, ids, opts := taskEnvs(t)
	tk := protocol.NewTasker(reg)
	defer tk.Close()
	for _, id := range ids {
		task, err := tk.Generate(context.Background(), id, opts[id], 3)
		if err != nil {
			t.Fatal(err)
		}
		row, err := taskdata.FromTask(&task, "test", taskdata.ToolsOpenAI)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		w := taskdata.NewWriter(&buf, taskdata.JSONL)
		w.Write(row)
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		if len(keys) != len(taskdata.Columns) {
			t.Errorf("%s: row has members %v, want exactly %v", id, keys, taskdata.Columns)
		}
		for _, c := range []string{"id", "env", "split", "options", "tools", "verify", "meta"} {
			s, ok := m[c].(string)
			if !ok {
				t.Errorf("%s: %s is %T, want a string", id, c, m[c])
				continue
			}
			if c != "id" && c != "env" && c != "split" && !json.Valid([]byte(s)) {
				t.Errorf("%s: %s holds no JSON text: %.60q", id, c, s)
			}
		}
		if _, ok := m["seed"].(float64); !ok {
			t.Errorf("%s: seed is %T, want a number", id, m["seed"])
		}
		prompt, ok := m["prompt"].([]any)
		if !ok || len(prompt) == 0 {
			t.Fatalf("%s: prompt is %T, want chat messages", id, m["prompt"])
		}
		for _, p := range prompt {
			msg, _ := p.(map[string]any)
			if len(msg) != 2 || msg["role"] == nil || msg["content"] == nil {
				t.Errorf("%s: prompt message %v, want {role, content}", id, p)
			}
		}
	}
}

// TestParquetDeterministicAndSmall writes the same tasks twice (identical
// bytes) and checks the size target: Parquet rows of toolcall tasks take
// at most a quarter of the protocol's task lines of the same tasks.
func TestParquetDeterministicAndSmall(t *testing.T) {
	reg := envs.Default()
	const n = 400
	var old bytes.Buffer
	if err := protocol.GenerateTasks(context.Background(), reg, "toolcall/Mixed-v0", nil, 0, n, &old); err != nil {
		t.Fatal(err)
	}
	write := func() []byte {
		tk := protocol.NewTasker(reg)
		defer tk.Close()
		var buf bytes.Buffer
		w := taskdata.NewWriter(&buf, taskdata.Parquet)
		for seed := range uint64(n) {
			task, err := tk.Generate(context.Background(), "toolcall/Mixed-v0", nil, seed)
			if err != nil {
				t.Fatal(err)
			}
			row, err := taskdata.FromTask(&task, "train", taskdata.ToolsOpenAI)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	a, b := write(), write()
	if !bytes.Equal(a, b) {
		t.Fatalf("two writes of the same tasks differ (%d and %d bytes)", len(a), len(b))
	}
	t.Logf("%d toolcall/Mixed-v0 tasks: protocol lines %d bytes, Parquet %d bytes (%.1f%%)", n, old.Len(), len(a), 100*float64(len(a))/float64(old.Len()))
	if 4*len(a) > old.Len() {
		t.Errorf("Parquet %d bytes is more than a quarter of the %d bytes of task lines", len(a), old.Len())
	}
	rows, err := taskdata.ReadParquet(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n || rows[n-1].Seed != n-1 || rows[0].Split != "train" {
		t.Errorf("read back %d rows, last seed %d", len(rows), rows[len(rows)-1].Seed)
	}
}

// TestGoldenRows pins the bytes of a few rows of each family.
func TestGoldenRows(t *testing.T) {
	reg := envs.Default()
	tk := protocol.NewTasker(reg)
	defer tk.Close()
	var buf bytes.Buffer
	w := taskdata.NewWriter(&buf, taskdata.JSONL)
	for _, id := range []string{"toolcall/Bank-v0", "sql/Retail-v0", "websim/SearchR1-v0"} {
		for seed := range uint64(2) {
			task, err := tk.Generate(context.Background(), id, nil, seed)
			if err != nil {
				t.Fatal(err)
			}
			row, err := taskdata.FromTask(&task, "train", taskdata.ToolsOpenAI)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(row)
		}
	}
	golden := filepath.Join("testdata", "rows.jsonl")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./taskdata -update writes it)", err)
	}
	if d := cmp.Diff(string(want), buf.String()); d != "" {
		t.Errorf("rows differ from %s (-want +got):\n%s", golden, d)
	}
}

func TestParseSplits(t *testing.T) {
	got, err := taskdata.ParseSplits([]string{"train=0:900, test=900:1000", "dev=2000:2010"})
	if err != nil {
		t.Fatal(err)
	}
	want := []taskdata.Split{{Name: "train", First: 0, End: 900}, {Name: "test", First: 900, End: 1000}, {Name: "dev", First: 2000, End: 2010}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if got[0].N() != 900 {
		t.Errorf("N = %d", got[0].N())
	}
	for _, tc := range []struct{ in, want string }{
		{"train", "want name=first:end"},
		{"train=5", "must be first:end"},
		{"train=5:5", "the range is empty"},
		{"train=9:3", "the range is empty"},
		{"train=a:3", `first seed "a"`},
		{"train=0:-1", `end seed "-1"`},
		{"1x=0:3", "must start with a letter"},
		{"../x=0:3", "must start with a letter"},
		{"a=0:10,a=10:20", `split "a" is named twice`},
		{"a=0:10,b=5:20", "overlap"},
		{"", "no split given"},
		{"a=0:200000000", "more than"},
	} {
		_, err := taskdata.ParseSplits([]string{tc.in})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSplits(%q) = %v, want an error saying %q", tc.in, err, tc.want)
		}
	}
}

func TestCardWritable(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "README.md")
	if ok, err := taskdata.CardWritable(p); !ok || err != nil {
		t.Fatalf("no file: %v %v, want writable", ok, err)
	}
	c := taskdata.Card{Env: "toolcall/Bank-v0", Options: "{}", Format: taskdata.Parquet, Files: []taskdata.CardFile{{Split: taskdata.Split{Name: "train", End: 10}, Path: "train.parquet", Rows: 10}}}
	var buf bytes.Buffer
	if err := c.Write(&buf); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, buf.Bytes(), 0o644)
	if ok, _ := taskdata.CardWritable(p); !ok {
		t.Error("a card dojo wrote is not writable")
	}
	for _, want := range []string{"- split: train\n    path: train.parquet", "dojo verify --tasks train.parquet", "| train | train.parquet | 0 to 9 | 10 |"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("card lacks %q:\n%s", want, buf.String())
		}
	}
	os.WriteFile(p, []byte("# my project\n"), 0o644)
	if ok, _ := taskdata.CardWritable(p); ok {
		t.Error("a project's own README.md is writable")
	}
}

func TestParseFormats(t *testing.T) {
	for name, want := range map[string]taskdata.Format{"a.parquet": taskdata.Parquet, "A.PARQUET": taskdata.Parquet, "a.jsonl.gz": taskdata.JSONLGz, "a.jsonl": taskdata.JSONL, "a": taskdata.JSONL} {
		if got := taskdata.FormatOf(name); got != want {
			t.Errorf("FormatOf(%q) = %s, want %s", name, got, want)
		}
	}
	if _, err := taskdata.ParseFormat("csv"); err == nil || !strings.Contains(err.Error(), "want jsonl, jsonl.gz or parquet") {
		t.Errorf("ParseFormat(csv) = %v", err)
	}
	if _, err := taskdata.ParseToolsFormat("anthropic"); err == nil || !strings.Contains(err.Error(), "want openai") {
		t.Errorf("ParseToolsFormat(anthropic) = %v", err)
	}
}

func TestOpenRefusesOtherParquet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.parquet")
	// A Parquet file without the schema's columns.
	var buf bytes.Buffer
	w := taskdata.NewWriter(&buf, taskdata.Parquet)
	w.Close()
	b := buf.Bytes()
	os.WriteFile(path, b, 0o644)
	if _, err := taskdata.Open(path); err != nil {
		t.Fatalf("an empty dojo Parquet file: %v", err)
	}
	os.WriteFile(path, []byte("PAR1 this is not parquet"), 0o644)
	if _, err := taskdata.Open(path); err == nil || !strings.Contains(err.Error(), "not a Parquet file") {
		t.Errorf("a broken Parquet file: %v", err)
	}
}
