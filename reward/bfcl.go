package reward

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/dojo-rl/dojo"
)

// BFCLEntry is one test entry of a BFCL-format data set (the Berkeley
// Function Calling Leaderboard, github.com/ShishirPatil/gorilla,
// berkeley-function-call-leaderboard): a question, the functions offered,
// and the possible answer that ScoreBFCL checks calls against.
//
// The questions file has one JSON object per line:
//
//	{"id": "simple_0",
//	 "question": [[{"role": "user", "content": "..."}]],   (or a list of messages, or a string)
//	 "function": [{"name": "f", "description": "...",
//	               "parameters": {"type": "dict",
//	                              "properties": {"x": {"type": "integer"}, ...},
//	                              "required": ["x"]}}]}     (or one function object)
//
// and the answers file one per line, joined by id:
//
//	{"id": "simple_0", "ground_truth": [{"f": {"x": [10], "unit": ["cm", ""]}}]}
//
// ("possible_answer" is accepted for "ground_truth"): one object per
// expected call, mapping the function's name to, for each parameter, the
// list of allowed values, where "" in the list means the parameter may be
// left out.
//
// Parameter types are BFCL's Python ones: string, integer, float, boolean,
// array, tuple, dict and any (checked as string); as an extension, the
// JSON Schema names number (float) and object (dict) are accepted too.
type BFCLEntry struct {
	ID string `json:"id"`
	// Category is the id without its number ("simple", "live_multiple",
	// "parallel_multiple", "irrelevance", ...), or the line's "category".
	Category  string         `json:"category"`
	Question  []dojo.Message `json:"question"`
	Functions []BFCLFunction `json:"function"`
	// Answer is the possible answer as the answers file gives it (empty
	// for the irrelevance and relevance categories).
	Answer json.RawMessage `json:"ground_truth,omitempty"`

	kind   bfclKind
	answer []bfclCall
}

// BFCLFunction is a function offered in a BFCL entry.
type BFCLFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`

	props    map[string]bfclProp
	required []string
}

type bfclProp struct {
	typ    string // BFCL's type name, as written
	pt     pyType // its Python type
	nested pyType // for array and tuple: the items' Python type, or pyNoType
}

// bfclCall is one expected call: the function and, in order, each
// parameter's allowed values.
type bfclCall struct {
	name   string
	params []string
	values []jval // arrays of allowed values
}

func (c *bfclCall) allowed(p string) (*jval, bool) {
	for i, q := range c.params {
		if q == p {
			return &c.values[i], true
		}
	}
	return nil, false
}

type bfclKind uint8

const (
	bfclSimple bfclKind = iota
	bfclMultiple
	bfclParallel // parallel and parallel_multiple: order-free
	bfclIrrelevance
	bfclRelevance
)

// pyType is the Python type of a value decoded from JSON.
type pyType uint8

const (
	pyNoType pyType = iota
	pyNone
	pyBool
	pyInt
	pyFloat
	pyStr
	pyList
	pyDict
)

var pyTypeNames = [...]string{"", "NoneType", "bool", "int", "float", "str", "list", "dict"}

func (t pyType) String() string { return pyTypeNames[t] }

// bfclTypes is BFCL's PYTHON_TYPE_MAPPING, plus number and object.
var bfclTypes = map[string]pyType{
	"string": pyStr, "integer": pyInt, "float": pyFloat, "boolean": pyBool,
	"array": pyList, "tuple": pyList, "dict": pyDict, "any": pyStr,
	"number": pyFloat, "object": pyDict,
}

func typeOf(v *jval) pyType {
	switch v.kind {
	case jNull:
		return pyNone
	case jBool:
		return pyBool
	case jInt, jBigInt:
		return pyInt
	case jFloat:
		return pyFloat
	case jStr:
		return pyStr
	case jArr:
		return pyList
	}
	return pyDict
}

// bfclQuestionLine is a line of a questions file.
type bfclQuestionLine struct {
	ID       string          `json:"id"`
	Category string          `json:"category"`
	Question json.RawMessage `json:"question"`
	Function json.RawMessage `json:"function"`
}

// LoadBFCL reads a BFCL questions file and its answers file (JSON lines,
// see BFCLEntry) and returns the entries in the questions' order, each
// joined with its answer by id. answers may be nil when every entry is of
// the irrelevance or relevance category, which have none. Errors name the
// file and line: a malformed line, a function whose parameters BFCL cannot
// check (an unknown type), an answer naming a function that is not
// offered, an entry of a category the AST checker does not handle (exec,
// java, javascript, multi_turn), a missing or unknown answer id.
func LoadBFCL(questions, answers io.Reader) ([]BFCLEntry, error) {
	var entries []BFCLEntry
	index := map[string]int{}
	err := eachJSONLine(questions, func(n int, line []byte) error {
		e, err := parseBFCLQuestion(line)
		if err != nil {
			return fmt.Errorf("questions line %d: %v", n, err)
		}
		if first, dup := index[e.ID]; dup {
			return fmt.Errorf("questions line %d: id %q repeats the id of entry %d: ids must be unique", n, e.ID, first+1)
		}
		index[e.ID] = len(entries)
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if answers != nil {
		err = eachJSONLine(answers, func(n int, line []byte) error {
			id, raw, calls, err := parseBFCLAnswer(line)
			if err != nil {
				return fmt.Errorf("answers line %d: %v", n, err)
			}
			i, ok := index[id]
			if !ok {
				return fmt.Errorf("answers line %d: id %q is not in the questions file", n, id)
			}
			e := &entries[i]
			if e.answer != nil {
				return fmt.Errorf("answers line %d: a second answer for %q: give one answer per id", n, id)
			}
			for _, c := range calls {
				if e.function(c.name) == nil {
					return fmt.Errorf("answers line %d: %s expects a call of %q, which its question does not offer (functions: %s)", n, id, c.name, e.functionNames())
				}
			}
			e.Answer, e.answer = raw, calls
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for i := range entries {
		e := &entries[i]
		if e.kind < bfclIrrelevance && e.answer == nil {
			return nil, fmt.Errorf("entry %q (%s) has no answer in the answers file: every entry but irrelevance and relevance ones needs one", e.ID, e.Category)
		}
	}
	return entries, nil
}

// eachJSONLine calls fn with each non-blank line of r.
func eachJSONLine(r io.Reader, fn func(n int, line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	return sc.Err()
}

func parseBFCLQuestion(line []byte) (BFCLEntry, error) {
	var q bfclQuestionLine
	if err := json.Unmarshal(line, &q); err != nil {
		return BFCLEntry{}, fmt.Errorf("not a BFCL question (%v): want {\"id\", \"question\", \"function\"}", err)
	}
	if q.ID == "" {
		return BFCLEntry{}, fmt.Errorf(`no "id": every BFCL entry has one, such as "simple_0"`)
	}
	e := BFCLEntry{ID: q.ID, Category: q.Category}
	if e.Category == "" {
		e.Category = bfclCategory(q.ID)
	}
	var err error
	if e.kind, err = bfclKindOf(e.Category); err != nil {
		return BFCLEntry{}, fmt.Errorf("%s: %v", q.ID, err)
	}
	if e.Question, err = bfclMessages(q.Question); err != nil {
		return BFCLEntry{}, fmt.Errorf("%s: %v", q.ID, err)
	}
	fs := bytes.TrimSpace(q.Function)
	switch {
	case len(fs) == 0 || string(fs) == "null":
		return BFCLEntry{}, fmt.Errorf(`%s: no "function": give the functions offered as a list of {"name", "description", "parameters"}`, q.ID)
	case fs[0] == '{':
		var f BFCLFunction
		err = json.Unmarshal(fs, &f)
		e.Functions = []BFCLFunction{f}
	default:
		err = json.Unmarshal(fs, &e.Functions)
	}
	if err != nil {
		return BFCLEntry{}, fmt.Errorf(`%s: "function" is not a list of {"name", "description", "parameters"}: %v`, q.ID, err)
	}
	for i := range e.Functions {
		if err := e.Functions[i].prepare(); err != nil {
			return BFCLEntry{}, fmt.Errorf("%s: %v", q.ID, err)
		}
	}
	return e, nil
}

// bfclCategory is an id without its number: "live_simple_3-2-0" is
// "live_simple".
func bfclCategory(id string) string {
	for i := 0; i+1 < len(id); i++ {
		if id[i] == '_' && id[i+1] >= '0' && id[i+1] <= '9' {
			return id[:i]
		}
	}
	return id
}

func bfclKindOf(cat string) (bfclKind, error) {
	c := strings.TrimPrefix(cat, "live_")
	switch c {
	case "simple":
		return bfclSimple, nil
	case "multiple":
		return bfclMultiple, nil
	case "parallel", "parallel_multiple":
		return bfclParallel, nil
	case "irrelevance":
		return bfclIrrelevance, nil
	case "relevance":
		return bfclRelevance, nil
	}
	return 0, fmt.Errorf("category %q is not one the AST checker scores: want simple, multiple, parallel, parallel_multiple (optionally live_), irrelevance or relevance (exec, java, javascript and multi_turn entries are not supported)", cat)
}

// bfclMessages reads a question: a string, a list of messages, or a list
// of turns, each a list of messages (flattened).
func bfclMessages(raw json.RawMessage) ([]dojo.Message, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil, fmt.Errorf(`no "question": give the user's request`)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []dojo.Message{{Role: "user", Content: s}}, nil
	}
	var msgs []dojo.Message
	if json.Unmarshal(raw, &msgs) == nil {
		return msgs, nil
	}
	var turns [][]dojo.Message
	if err := json.Unmarshal(raw, &turns); err != nil {
		return nil, fmt.Errorf(`"question" is not a string, a list of {"role", "content"} messages or a list of such lists`)
	}
	for _, t := range turns {
		msgs = append(msgs, t...)
	}
	return msgs, nil
}

// prepare reads the function's parameter types.
func (f *BFCLFunction) prepare() error {
	if f.Name == "" {
		return fmt.Errorf(`a function has no "name"`)
	}
	var sch struct {
		Properties map[string]struct {
			Type  string `json:"type"`
			Items *struct {
				Type string `json:"type"`
			} `json:"items"`
		} `json:"properties"`
		Required []string `json:"required"`
	}
	if p := bytes.TrimSpace(f.Parameters); len(p) > 0 && string(p) != "null" {
		if err := json.Unmarshal(p, &sch); err != nil {
			return fmt.Errorf(`function %s: "parameters" is not {"type": "dict", "properties": {...}, "required": [...]}: %v`, f.Name, err)
		}
	}
	f.props = make(map[string]bfclProp, len(sch.Properties))
	for name, p := range sch.Properties {
		pt, ok := bfclTypes[p.Type]
		if !ok {
			return fmt.Errorf("function %s: parameter %q has type %q, which BFCL does not check: want string, integer, float, boolean, array, tuple, dict or any", f.Name, name, p.Type)
		}
		prop := bfclProp{typ: p.Type, pt: pt}
		if (p.Type == "array" || p.Type == "tuple") && p.Items != nil && p.Items.Type != "" {
			nt, ok := bfclTypes[p.Items.Type]
			if !ok {
				return fmt.Errorf("function %s: parameter %q has items of type %q, which BFCL does not check: want string, integer, float, boolean, array, tuple, dict or any", f.Name, name, p.Items.Type)
			}
			prop.nested = nt
		}
		f.props[name] = prop
	}
	for _, r := range sch.Required {
		if _, ok := f.props[r]; !ok {
			return fmt.Errorf("function %s: required parameter %q is not among its properties", f.Name, r)
		}
	}
	f.required = sch.Required
	return nil
}

// parseBFCLAnswer reads an answers line.
func parseBFCLAnswer(line []byte) (id string, raw json.RawMessage, calls []bfclCall, err error) {
	v, err := parseJSON(string(line))
	if err != nil || v.kind != jObj {
		return "", nil, nil, fmt.Errorf(`not a BFCL answer: want {"id", "ground_truth": [{"function": {"param": [allowed values]}}]}`)
	}
	idv, ok := v.get("id")
	if !ok || idv.kind != jStr || idv.s == "" {
		return "", nil, nil, fmt.Errorf(`no "id": an answer names the entry it answers`)
	}
	id = idv.s
	gt, ok := v.get("ground_truth")
	if !ok {
		gt, ok = v.get("possible_answer")
	}
	if !ok || gt.kind != jArr {
		return "", nil, nil, fmt.Errorf(`%s: no "ground_truth" list: want [{"function": {"param": [allowed values]}}, ...]`, id)
	}
	calls = make([]bfclCall, 0, len(gt.arr))
	for i := range gt.arr {
		c := &gt.arr[i]
		if c.kind != jObj || len(c.keys) != 1 || c.vals[0].kind != jObj {
			return "", nil, nil, fmt.Errorf(`%s: expected call %d is not {"function": {"param": [allowed values]}} with one function`, id, i+1)
		}
		call := bfclCall{name: c.keys[0], params: c.vals[0].keys, values: c.vals[0].vals}
		for j, p := range call.params {
			if call.values[j].kind != jArr {
				return "", nil, nil, fmt.Errorf(`%s: expected call %d (%s): parameter %q has %s, not a list of allowed values ("" in it marks it optional)`, id, i+1, call.name, p, call.values[j].raw)
			}
		}
		calls = append(calls, call)
	}
	return id, json.RawMessage(gt.raw), calls, nil
}

func (e *BFCLEntry) function(name string) *BFCLFunction {
	for i := range e.Functions {
		if e.Functions[i].Name == name {
			return &e.Functions[i]
		}
	}
	return nil
}

func (e *BFCLEntry) functionNames() string {
	names := make([]string, len(e.Functions))
	for i, f := range e.Functions {
		names[i] = f.Name
	}
	return strings.Join(names, ", ")
}

// Tools returns the entry's functions as tools in OpenAI/MCP form, with
// BFCL's types mapped to JSON Schema ones (dict: object, float: number,
// tuple: array, any: string), as BFCL's OpenAI handlers present them.
func (e *BFCLEntry) Tools() []dojo.Tool {
	tools := make([]dojo.Tool, len(e.Functions))
	for i, f := range e.Functions {
		schema := json.RawMessage(`{"type":"object","properties":{}}`)
		if len(bytes.TrimSpace(f.Parameters)) > 0 {
			var v any
			if json.Unmarshal(f.Parameters, &v) == nil {
				if b, err := json.Marshal(jsonSchemaTypes(v)); err == nil {
					schema = b
				}
			}
		}
		tools[i] = dojo.Tool{Name: f.Name, Description: f.Description, InputSchema: schema}
	}
	return tools
}

// jsonSchemaTypes rewrites BFCL type names to JSON Schema ones.
func jsonSchemaTypes(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k == "type" {
				if s, ok := x.(string); ok {
					switch s {
					case "dict":
						v[k] = "object"
					case "float":
						v[k] = "number"
					case "tuple":
						v[k] = "array"
					case "any":
						v[k] = "string"
					}
					continue
				}
			}
			v[k] = jsonSchemaTypes(x)
		}
	case []any:
		for i := range v {
			v[i] = jsonSchemaTypes(v[i])
		}
	}
	return v
}
