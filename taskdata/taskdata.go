// Package taskdata writes generated tasks as trainer-ready data sets: rows
// of one flat, stable schema, as JSON lines or as Parquet, split by seed
// ranges, with a data card beside them (dojo gen --format, --split).
//
// # The schema
//
// Every row has the same nine columns, whatever the env:
//
//	id       string  the task id (unique within the generator)
//	env      string  the env id, e.g. "toolcall/Mixed-v0"
//	split    string  the split the row belongs to ("train" unless --split says otherwise)
//	seed     uint64  the task's seed: env, options and seed rebuild the task
//	options  string  the env options as JSON text (an object)
//	prompt   list    the chat messages a model is shown: [{role, content}]
//	tools    string  the tools offered, as JSON text: OpenAI's function tools
//	                 [{"type": "function", "function": {name, description, parameters}}]
//	                 (or MCP's [{name, description, inputSchema}] with ToolsMCP); "[]" for none
//	verify   string  the verifier's payload (gold answer, expected state) as JSON text
//	meta     string  descriptive facts (difficulty, kind) as JSON text, "{}" for none
//
// Options, tools, verify and meta are JSON text in string columns because
// their keys differ from env to env and from task to task (a toolcall
// task's expected state is keyed by entity ids): as nested columns they
// would give dataset tools a different schema per file, or thousands of
// sparse columns. Readers decode them with one json.loads. dojo verify
// reads both these rows and the protocol's nested task objects.
//
// Rows are deterministic: the same env, options, seeds and format give the
// same bytes. The Parquet files are zstd-compressed, one row group per
// 10,000 rows, with the schema above (prompt as a list of structs).
package taskdata

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents/openai"
)

// Row is one task as a data set row (see the package doc for the schema).
type Row struct {
	ID      string    `json:"id" parquet:"id"`
	Env     string    `json:"env" parquet:"env"`
	Split   string    `json:"split" parquet:"split"`
	Seed    uint64    `json:"seed" parquet:"seed"`
	Options string    `json:"options" parquet:"options"`
	Prompt  []Message `json:"prompt" parquet:"prompt,list"`
	Tools   string    `json:"tools" parquet:"tools"`
	Verify  string    `json:"verify" parquet:"verify"`
	Meta    string    `json:"meta" parquet:"meta"`
}

// Message is a prompt message: a role and its text.
type Message struct {
	Role    string `json:"role" parquet:"role"`
	Content string `json:"content" parquet:"content"`
}

// Columns are the schema's column names, in order.
var Columns = []string{"id", "env", "split", "seed", "options", "prompt", "tools", "verify", "meta"}

// ToolsFormat is the shape of the tools column.
type ToolsFormat string

const (
	ToolsOpenAI ToolsFormat = "openai" // [{"type": "function", "function": {name, description, parameters}}]
	ToolsMCP    ToolsFormat = "mcp"    // [{name, description, inputSchema}]
)

// ParseToolsFormat reads a --tools-format value.
func ParseToolsFormat(s string) (ToolsFormat, error) {
	switch ToolsFormat(s) {
	case ToolsOpenAI, ToolsMCP:
		return ToolsFormat(s), nil
	}
	return "", fmt.Errorf("tools format %q: want openai (OpenAI's function tools) or mcp (MCP's inputSchema shape)", s)
}

// Format is a file format of rows.
type Format string

const (
	JSONL   Format = "jsonl"
	JSONLGz Format = "jsonl.gz" // JSON lines, gzipped (dataset tools read them as they are)
	Parquet Format = "parquet"
)

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case JSONL, JSONLGz, Parquet:
		return Format(s), nil
	}
	return "", fmt.Errorf("format %q: want jsonl, jsonl.gz or parquet", s)
}

// Ext is the format's file extension, with its dot.
func (f Format) Ext() string { return "." + string(f) }

// FormatOf guesses the format from a file name: ".parquet" is Parquet,
// ".gz" gzipped JSON lines, anything else JSON lines.
func FormatOf(name string) Format {
	switch name = strings.ToLower(name); {
	case strings.HasSuffix(name, ".parquet"):
		return Parquet
	case strings.HasSuffix(name, ".gz"):
		return JSONLGz
	}
	return JSONL
}

// FromTask makes the row of a task. A prompt message that carries more
// than a role and a text (tool calls, a name) is refused: the schema's
// prompt holds plain chat messages.
func FromTask(t *dojo.Task, split string, tools ToolsFormat) (Row, error) {
	r := Row{ID: t.ID, Env: t.Env, Split: split, Seed: t.Seed, Options: "{}", Tools: "[]", Meta: "{}", Verify: "null"}
	var err error
	if len(t.Options) > 0 {
		if r.Options, err = compact(t.Options); err != nil {
			return Row{}, fmt.Errorf("task %s: options: %v", t.ID, err)
		}
	}
	r.Prompt = make([]Message, len(t.Prompt))
	for i, m := range t.Prompt {
		if m.Name != "" || len(m.ToolCalls) > 0 || m.ToolCallID != "" {
			return Row{}, fmt.Errorf("task %s: prompt message %d (%s) carries a name or tool calls: the data set's prompt holds role and content only", t.ID, i, m.Role)
		}
		r.Prompt[i] = Message{Role: m.Role, Content: m.Content}
	}
	if len(t.Tools) > 0 {
		var b []byte
		switch tools {
		case ToolsMCP:
			b, err = json.Marshal(t.Tools)
		default:
			b, err = openai.ToolsJSON(t.Tools)
		}
		if err != nil {
			return Row{}, fmt.Errorf("task %s: tools: %v", t.ID, err)
		}
		r.Tools = string(b)
	}
	if v := bytes.TrimSpace(t.Verify); len(v) > 0 {
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return Row{}, fmt.Errorf("task %s: verify payload: %v", t.ID, err)
		}
		r.Verify = buf.String()
	}
	if len(t.Meta) > 0 {
		if r.Meta, err = compact(t.Meta); err != nil {
			return Row{}, fmt.Errorf("task %s: meta: %v", t.ID, err)
		}
	}
	return r, nil
}

// Task decodes a row back into the task it was made from (tools in MCP's
// shape, whatever the row's).
func (r *Row) Task() (dojo.Task, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return dojo.Task{}, err
	}
	var t dojo.Task
	if err := json.Unmarshal(b, &t); err != nil {
		return dojo.Task{}, fmt.Errorf("row %s: %v", r.ID, err)
	}
	return t, nil
}

func compact(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// Writer writes rows to a file of one format; Close finishes the file
// (Parquet writes its footer) without closing the underlying writer.
type Writer interface {
	Write(Row) error
	Close() error
}

// NewWriter returns a writer of rows in format f.
func NewWriter(w io.Writer, f Format) Writer {
	if f == Parquet {
		return newParquetWriter(w)
	}
	j := &jsonlWriter{w: w}
	if f == JSONLGz {
		j.gz = gzip.NewWriter(w)
		j.w = j.gz
	}
	return j
}

type jsonlWriter struct {
	w   io.Writer
	gz  *gzip.Writer
	buf bytes.Buffer
}

func (j *jsonlWriter) Write(r Row) error {
	j.buf.Reset()
	enc := json.NewEncoder(&j.buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&r); err != nil {
		return err
	}
	_, err := j.w.Write(j.buf.Bytes())
	return err
}

func (j *jsonlWriter) Close() error {
	if j.gz != nil {
		return j.gz.Close()
	}
	return nil
}

// rowGroupRows bounds a Parquet row group, so readers can stream a file.
const rowGroupRows = 10_000

type parquetWriter struct {
	w *parquet.GenericWriter[Row]
	n int
}

func newParquetWriter(w io.Writer) *parquetWriter {
	return &parquetWriter{w: parquet.NewGenericWriter[Row](w,
		parquet.Compression(&parquet.Zstd),
		parquet.CreatedBy("dojo", "", ""),
	)}
}

func (p *parquetWriter) Write(r Row) error {
	if _, err := p.w.Write([]Row{r}); err != nil {
		return err
	}
	p.n++
	if p.n%rowGroupRows == 0 {
		return p.w.Flush()
	}
	return nil
}

func (p *parquetWriter) Close() error { return p.w.Close() }

// ReadParquet reads every row of a Parquet file written by NewWriter.
func ReadParquet(r io.ReaderAt, size int64) ([]Row, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a Parquet file: %v", err)
	}
	have := map[string]bool{}
	for _, fl := range f.Schema().Fields() {
		have[fl.Name()] = true
	}
	for _, c := range Columns {
		if !have[c] {
			return nil, fmt.Errorf("not a dojo task file: it has no %q column (want %s)", c, strings.Join(Columns, ", "))
		}
	}
	rd := parquet.NewGenericReader[Row](f)
	defer rd.Close()
	rows := make([]Row, 0, f.NumRows())
	buf := make([]Row, 256)
	for {
		n, err := rd.Read(buf)
		rows = append(rows, buf[:n]...)
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, fmt.Errorf("reading row %d: %v", len(rows)+1, err)
		}
	}
}

// IsParquet says whether a file starts with Parquet's magic bytes.
func IsParquet(head []byte) bool { return bytes.HasPrefix(head, []byte("PAR1")) }

// Open opens a task file of any format dojo writes, Parquet, gzipped JSON
// lines or JSON lines (told apart by their first bytes, not their names),
// and returns it as JSON lines, one task per line.
func Open(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		// A pipe: only JSON lines can be streamed.
		return readCloser{io.MultiReader(bytes.NewReader(head), f), f}, nil
	}
	switch {
	case IsParquet(head):
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, err
		}
		rows, err := ReadParquet(f, st.Size())
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		w := NewWriter(&buf, JSONL)
		for _, r := range rows {
			if err := w.Write(r); err != nil {
				return nil, err
			}
		}
		return io.NopCloser(&buf), nil
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		z, err := gzip.NewReader(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("not a gzip file: %v", err)
		}
		return readCloser{z, f}, nil
	}
	return f, nil
}

type readCloser struct {
	io.Reader
	c io.Closer
}

func (r readCloser) Close() error { return r.c.Close() }
