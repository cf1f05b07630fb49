package searchqa

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dojo-rl/dojo"
)

// A toolParam is one argument of a tool. The tool's inputSchema (MCP's JSON
// Schema) is written from its params, and calls are validated against the
// same params, so the two cannot disagree.
type toolParam struct {
	name, typ, desc string // typ: "string" or "integer"
	required        bool
	min, max        int // integer bounds; string length bounds in characters
}

type searchToolDef struct {
	name, desc string
	params     []toolParam
}

// Tool arguments' bounds.
const (
	maxQuery  = 500
	maxPageID = 300
	maxFind   = 200
	maxAnswer = 1000
	maxK      = 10
)

var searchToolDefs = []searchToolDef{
	{"search", "Search the web with a keyword query; returns the top k pages (id, title, snippet), best first, ranked by BM25.", []toolParam{
		{name: "query", typ: "string", desc: "keywords", required: true, min: 1, max: maxQuery},
		{name: "k", typ: "integer", desc: "number of results (default: the env's topk)", min: 1, max: maxK},
	}},
	{"open", "Open a page by its id (as search results give it) or its exact title; returns its full text and links.", []toolParam{
		{name: "page", typ: "string", desc: "page id or title", required: true, min: 1, max: maxPageID},
	}},
	{"find", "Find a text in the open page (case-insensitive); returns the sentences that contain it.", []toolParam{
		{name: "text", typ: "string", desc: "text to find", required: true, min: 1, max: maxFind},
	}},
	{"answer", "Give the final answer, as short as possible (a name, a number, a year); ends the episode.", []toolParam{
		{name: "text", typ: "string", desc: "the answer", required: true, min: 0, max: maxAnswer},
	}},
}

func (t *searchToolDef) tool() dojo.Tool {
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	var req []string
	for i, p := range t.params {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `%q:{"type":%q,"description":%q`, p.name, p.typ, p.desc)
		if p.typ == "integer" {
			fmt.Fprintf(&b, `,"minimum":%d,"maximum":%d`, p.min, p.max)
		} else {
			fmt.Fprintf(&b, `,"minLength":%d,"maxLength":%d`, p.min, p.max)
		}
		b.WriteByte('}')
		if p.required {
			req = append(req, strconv.Quote(p.name))
		}
	}
	fmt.Fprintf(&b, `},"required":[%s],"additionalProperties":false}`, strings.Join(req, ","))
	return dojo.Tool{Name: t.name, Description: t.desc, InputSchema: json.RawMessage(b.String())}
}

var searchTools = func() []dojo.Tool {
	out := make([]dojo.Tool, len(searchToolDefs))
	for i := range searchToolDefs {
		out[i] = searchToolDefs[i].tool()
	}
	return out
}()

// searchArgs are a call's validated arguments.
type searchArgs struct {
	str map[string]string
	num map[string]int
}

// decodeSearchCall validates a call against its tool's params, naming the
// problem (unknown tool, arguments that are not an object, a missing,
// unknown, mistyped or out-of-range argument) in the error.
func decodeSearchCall(c dojo.ToolCall) (*searchToolDef, searchArgs, error) {
	var def *searchToolDef
	for i := range searchToolDefs {
		if searchToolDefs[i].name == c.Name {
			def = &searchToolDefs[i]
		}
	}
	if def == nil {
		return nil, searchArgs{}, fmt.Errorf("unknown tool %q: the tools are search, open, find and answer", c.Name)
	}
	raw := bytes.TrimSpace(c.Arguments)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return def, searchArgs{}, fmt.Errorf("%s: arguments must be a JSON object matching the tool's inputSchema: %v", def.name, err)
	}
	a := searchArgs{str: map[string]string{}, num: map[string]int{}}
	for k := range m {
		known := false
		for _, p := range def.params {
			known = known || p.name == k
		}
		if !known {
			return def, a, fmt.Errorf("%s: unknown argument %q (arguments: %s)", def.name, k, searchParamNames(def))
		}
	}
	for _, p := range def.params {
		v, ok := m[p.name]
		if !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			if p.required {
				return def, a, fmt.Errorf("%s: missing argument %q (%s %s)", def.name, p.name, p.typ, p.desc)
			}
			continue
		}
		switch p.typ {
		case "string":
			var s string
			if json.Unmarshal(v, &s) != nil {
				return def, a, fmt.Errorf("%s: argument %q must be a string, got %s", def.name, p.name, clipText(string(v), 40))
			}
			if n := utf8.RuneCountInString(s); n < p.min || n > p.max {
				return def, a, fmt.Errorf("%s: argument %q has %d characters, want %d..%d", def.name, p.name, n, p.min, p.max)
			}
			a.str[p.name] = s
		case "integer":
			var f float64
			if json.Unmarshal(v, &f) != nil || f != math.Trunc(f) {
				return def, a, fmt.Errorf("%s: argument %q must be an integer, got %s", def.name, p.name, clipText(string(v), 40))
			}
			if f < float64(p.min) || f > float64(p.max) {
				return def, a, fmt.Errorf("%s: argument %q is %v, want %d..%d", def.name, p.name, f, p.min, p.max)
			}
			a.num[p.name] = int(f)
		}
	}
	return def, a, nil
}

func searchParamNames(def *searchToolDef) string {
	names := make([]string, len(def.params))
	for i, p := range def.params {
		names[i] = p.name
	}
	return strings.Join(names, ", ")
}

// clipText shortens s to at most n bytes (at a rune boundary), marking the cut.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
