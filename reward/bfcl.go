package reward

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
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
// Parameter types are BFCL's: for Python entries string, integer, float,
// boolean, array, tuple, dict and any (checked as string), and as an
// extension the JSON Schema names number (float) and object (dict); for
// Java entries (categories simple_java, java) Java's byte, short, integer,
// long, float, double, boolean, char, String, any, Array, ArrayList and
// HashMap; for JavaScript entries (simple_javascript, javascript) String,
// integer, float, Bigint, Boolean, dict, array and any.
//
// The categories are those of BFCL v3 and v4 that BFCL scores with its AST
// checker (see BFCLCategories). An entry BFCL cannot score (an answer
// naming a function its question does not offer, outside the simple
// categories; a parameter type BFCL's checker cannot handle; a missing or
// malformed answer) is kept with its Problem set, and ScoreBFCL reports
// the problem for it, so one bad entry does not refuse its file.
type BFCLEntry struct {
	ID string `json:"id"`
	// Category is the id without its number ("simple_python", "simple",
	// "live_multiple", "parallel_multiple", "irrelevance", ...), or the
	// line's "category".
	Category  string         `json:"category"`
	Question  []dojo.Message `json:"question"`
	Functions []BFCLFunction `json:"function"`
	// Answer is the possible answer as the answers file gives it (empty
	// for the irrelevance and relevance categories).
	Answer json.RawMessage `json:"ground_truth,omitempty"`
	// Problem says why the entry cannot be scored as BFCL scores it, or
	// is empty.
	Problem string `json:"problem,omitempty"`

	kind   bfclKind
	lang   bfclLang
	answer []bfclCall
}

// bfclLang is the language of an entry's functions, which decides how
// BFCL reads argument values.
type bfclLang uint8

const (
	langPython bfclLang = iota
	langJava
	langJS
)

// BFCLFunction is a function offered in a BFCL entry.
type BFCLFunction struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`

	props    map[string]bfclProp
	required []string
}

type bfclProp struct {
	typ      string // BFCL's type name, as written
	pt       pyType // its Python type
	nested   pyType // for array types: the items' Python type, or pyNoType
	itemsTyp string // for array types: the items' type name, as written
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

// javaTypes is BFCL's JAVA_TYPE_CONVERSION, less the types whose values
// BFCL's converter does not implement (Set, Hashtable, Queue, Stack).
var javaTypes = map[string]pyType{
	"byte": pyInt, "short": pyInt, "integer": pyInt, "long": pyInt,
	"float": pyFloat, "double": pyFloat, "boolean": pyBool, "char": pyStr,
	"Array": pyList, "ArrayList": pyList, "HashMap": pyDict,
	"String": pyStr, "any": pyStr,
}

// jsTypes is BFCL's JS_TYPE_CONVERSION.
var jsTypes = map[string]pyType{
	"String": pyStr, "integer": pyInt, "float": pyFloat, "Bigint": pyInt,
	"Boolean": pyBool, "dict": pyDict, "array": pyList, "any": pyStr,
}

// typesOf returns a language's type table, the names of the types whose
// items BFCL checks, and the table's names for error messages.
func typesOf(l bfclLang) (map[string]pyType, func(string) bool, string) {
	switch l {
	case langJava:
		return javaTypes, func(t string) bool { return t == "Array" || t == "ArrayList" },
			"byte, short, integer, long, float, double, boolean, char, String, any, Array, ArrayList or HashMap"
	case langJS:
		return jsTypes, func(t string) bool { return t == "array" },
			"String, integer, float, Bigint, Boolean, dict, array or any"
	}
	return bfclTypes, func(t string) bool { return t == "array" || t == "tuple" },
		"string, integer, float, boolean, array, tuple, dict or any"
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
// see BFCLEntry), such as BFCL_v4_simple_python.json and
// possible_answer/BFCL_v4_simple_python.json as published, and returns
// the entries in the questions' order, each joined with its answer by id.
// answers may be nil when every entry is of the irrelevance or relevance
// categories, which have none.
//
// A file is refused, with an error naming the file and line, when a line
// is not a JSON object with an id, when an id repeats, when an answer's id
// is not among the questions, and when an entry's category is not one
// BFCL's AST checker scores (see BFCLCategories). Any other fault of an
// entry is its Problem, reported when it is scored.
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
	answered := make([]bool, len(entries))
	if answers != nil {
		err = eachJSONLine(answers, func(n int, line []byte) error {
			id, raw, calls, problem, err := parseBFCLAnswer(line)
			if err != nil {
				return fmt.Errorf("answers line %d: %v", n, err)
			}
			i, ok := index[id]
			if !ok {
				return fmt.Errorf("answers line %d: id %q is not in the questions file", n, id)
			}
			e := &entries[i]
			if answered[i] {
				return fmt.Errorf("answers line %d: a second answer for %q: give one answer per id", n, id)
			}
			answered[i] = true
			e.Answer = raw
			if problem != "" {
				e.setProblem("answers line %d: %s", n, problem)
				return nil
			}
			e.answer = calls
			if e.kind == bfclSimple {
				// BFCL checks a simple entry's call against its first
				// function whatever name the answer gives it.
				return nil
			}
			for _, c := range calls {
				if e.function(c.name) == nil {
					e.setProblem("answers line %d: the answer expects a call of %q, which the question does not offer (functions: %s), so BFCL's checker finds no description to check it against", n, c.name, e.functionNames())
					e.answer = nil
					break
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for i := range entries {
		e := &entries[i]
		if e.kind < bfclIrrelevance && !answered[i] {
			e.setProblem("no answer in the answers file: every entry but irrelevance and relevance ones needs one")
		}
	}
	return entries, nil
}

// setProblem records the entry's first problem.
func (e *BFCLEntry) setProblem(format string, args ...any) {
	if e.Problem == "" {
		e.Problem = fmt.Sprintf(format, args...)
	}
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
		var id struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(line, &id) != nil || id.ID == "" {
			return BFCLEntry{}, fmt.Errorf("not a BFCL question (%v): want {\"id\", \"question\", \"function\"}", err)
		}
		// The id is readable: keep the entry with its problem.
		q = bfclQuestionLine{ID: id.ID}
		e := BFCLEntry{ID: id.ID}
		e.Category = bfclCategory(id.ID)
		if e.kind, e.lang, err = bfclKindOf(e.Category); err != nil {
			return BFCLEntry{}, fmt.Errorf("%s: %v", id.ID, err)
		}
		e.setProblem(`not a BFCL question: "question", "function" or "category" has the wrong type`)
		return e, nil
	}
	if q.ID == "" {
		return BFCLEntry{}, fmt.Errorf(`no "id": every BFCL entry has one, such as "simple_python_0"`)
	}
	e := BFCLEntry{ID: q.ID, Category: q.Category}
	if e.Category == "" {
		e.Category = bfclCategory(q.ID)
	}
	var err error
	if e.kind, e.lang, err = bfclKindOf(e.Category); err != nil {
		return BFCLEntry{}, fmt.Errorf("%s: %v", q.ID, err)
	}
	if e.Question, err = bfclMessages(q.Question); err != nil {
		e.setProblem("%v", err)
	}
	fs := bytes.TrimSpace(q.Function)
	switch {
	case len(fs) == 0 || string(fs) == "null":
		e.setProblem(`no "function": give the functions offered as a list of {"name", "description", "parameters"}`)
		return e, nil
	case fs[0] == '{':
		var f BFCLFunction
		err = json.Unmarshal(fs, &f)
		e.Functions = []BFCLFunction{f}
	default:
		err = json.Unmarshal(fs, &e.Functions)
	}
	if err != nil {
		e.Functions = nil
		e.setProblem(`"function" is not a list of {"name", "description", "parameters"}: %v`, err)
		return e, nil
	}
	for i := range e.Functions {
		if err := e.Functions[i].prepare(e.lang); err != nil {
			e.setProblem("%v", err)
		}
	}
	return e, nil
}

// bfclCategory is an id without its number: "live_simple_3-2-0" is
// "live_simple", "simple_python_12" is "simple_python".
func bfclCategory(id string) string {
	for i := 0; i+1 < len(id); i++ {
		if id[i] == '_' && id[i+1] >= '0' && id[i+1] <= '9' {
			return id[:i]
		}
	}
	return id
}

// BFCLCategories are the categories of BFCL v3 and v4 that LoadBFCL
// accepts, those BFCL scores with its AST checker: v4's simple_python,
// simple_java and simple_javascript (v3's simple, java and javascript),
// multiple, parallel, parallel_multiple and irrelevance, and the live_
// categories live_simple, live_multiple, live_parallel,
// live_parallel_multiple, live_irrelevance and live_relevance.
var BFCLCategories = []string{
	"simple_python", "simple_java", "simple_javascript",
	"simple", "java", "javascript",
	"multiple", "parallel", "parallel_multiple", "irrelevance",
	"live_simple", "live_multiple", "live_parallel", "live_parallel_multiple",
	"live_irrelevance", "live_relevance",
}

// bfclUnscored says why dojo does not score a category BFCL has.
func bfclUnscored(cat string) string {
	switch {
	case strings.HasPrefix(cat, "exec_") || cat == "rest":
		return "BFCL scores it by executing the calls (real Python functions or REST APIs) and comparing their results, which dojo does not do"
	case cat == "sql" || cat == "chatable":
		return "BFCL itself no longer scores it"
	case strings.HasPrefix(cat, "multi_turn"):
		return "BFCL scores it by running each turn's calls against its stateful simulated APIs and comparing their states and results with the ground truth's"
	case strings.HasPrefix(cat, "web_search"):
		return "BFCL scores it on the final answer of a multi-step run with a live web search backend"
	case strings.HasPrefix(cat, "memory"):
		return "BFCL scores it on the final answer of a multi-step run with its memory backends, after prerequisite conversations"
	case strings.HasPrefix(cat, "format_sensitivity"):
		return "it scores prompting models' text in BFCL's prompt formats, decoded by BFCL's prompt decoders; dojo scores tool calls"
	}
	return ""
}

// bfclKindOf is how BFCL routes a category: relevance and irrelevance
// ones to its relevance runner, the others to the AST checker, by name
// (parallel before multiple), in the language the name holds.
func bfclKindOf(cat string) (bfclKind, bfclLang, error) {
	if !slices.Contains(BFCLCategories, cat) && cat != "relevance" {
		if why := bfclUnscored(cat); why != "" {
			return 0, 0, fmt.Errorf("category %q is not scored by dojo: %s (dojo scores the AST categories: %s)", cat, why, strings.Join(BFCLCategories, ", "))
		}
		return 0, 0, fmt.Errorf("category %q is not a BFCL category dojo scores: want one of %s", cat, strings.Join(BFCLCategories, ", "))
	}
	lang := langPython
	switch {
	case strings.Contains(cat, "javascript"):
		lang = langJS
	case strings.Contains(cat, "java"):
		lang = langJava
	}
	switch {
	case strings.Contains(cat, "irrelevance"):
		return bfclIrrelevance, lang, nil
	case strings.Contains(cat, "relevance"):
		return bfclRelevance, lang, nil
	case strings.Contains(cat, "parallel"):
		return bfclParallel, lang, nil
	case strings.Contains(cat, "multiple"):
		return bfclMultiple, lang, nil
	}
	return bfclSimple, lang, nil
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

// prepare reads the function's parameter types, in the entry's language.
func (f *BFCLFunction) prepare(lang bfclLang) error {
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
	types, nestedChecked, names := typesOf(lang)
	f.props = make(map[string]bfclProp, len(sch.Properties))
	var err error
	for name, p := range sch.Properties {
		pt, ok := types[p.Type]
		if !ok && err == nil {
			err = fmt.Errorf("function %s: parameter %q has type %q, which BFCL's checker cannot check: want %s", f.Name, name, p.Type, names)
		}
		prop := bfclProp{typ: p.Type, pt: pt}
		if nestedChecked(p.Type) && p.Items != nil && p.Items.Type != "" {
			nt, ok := types[p.Items.Type]
			if !ok && err == nil {
				err = fmt.Errorf("function %s: parameter %q has items of type %q, which BFCL's checker cannot check: want %s", f.Name, name, p.Items.Type, names)
			}
			prop.nested, prop.itemsTyp = nt, p.Items.Type
		}
		f.props[name] = prop
	}
	f.required = sch.Required
	return err
}

// parseBFCLAnswer reads an answers line: an error when it has no id, else
// the problem with its answer, if any.
func parseBFCLAnswer(line []byte) (id string, raw json.RawMessage, calls []bfclCall, problem string, err error) {
	v, err := parseJSON(string(line))
	if err != nil || v.kind != jObj {
		return "", nil, nil, "", fmt.Errorf(`not a BFCL answer: want {"id", "ground_truth": [{"function": {"param": [allowed values]}}]}`)
	}
	idv, ok := v.get("id")
	if !ok || idv.kind != jStr || idv.s == "" {
		return "", nil, nil, "", fmt.Errorf(`no "id": an answer names the entry it answers`)
	}
	id = idv.s
	gt, ok := v.get("ground_truth")
	if !ok {
		gt, ok = v.get("possible_answer")
	}
	if !ok || gt.kind != jArr {
		return id, nil, nil, `no "ground_truth" list: want [{"function": {"param": [allowed values]}}, ...]`, nil
	}
	calls = make([]bfclCall, 0, len(gt.arr))
	for i := range gt.arr {
		c := &gt.arr[i]
		if c.kind != jObj || len(c.keys) != 1 || c.vals[0].kind != jObj {
			return id, json.RawMessage(gt.raw), nil, fmt.Sprintf(`expected call %d is not {"function": {"param": [allowed values]}} with one function`, i+1), nil
		}
		call := bfclCall{name: c.keys[0], params: c.vals[0].keys, values: c.vals[0].vals}
		for j, p := range call.params {
			if call.values[j].kind != jArr {
				return id, json.RawMessage(gt.raw), nil, fmt.Sprintf(`expected call %d (%s): parameter %q has %s, not a list of allowed values ("" in it marks it optional)`, i+1, call.name, p, call.values[j].raw), nil
			}
		}
		calls = append(calls, call)
	}
	if len(calls) == 0 {
		return id, json.RawMessage(gt.raw), nil, "the answer expects no call", nil
	}
	return id, json.RawMessage(gt.raw), calls, "", nil
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

// Tools returns the entry's functions as tools in OpenAI/MCP form, as
// BFCL's function-calling handlers present them with the default options
// (see ToolsWith).
func (e *BFCLEntry) Tools() []dojo.Tool { return e.ToolsWith(BFCLOptions{}) }

// ToolsWith returns the entry's functions as tools in OpenAI/MCP form, as
// BFCL's function-calling handlers present them: BFCL's types mapped to
// JSON Schema ones (dict: object, float: number, tuple: array, any:
// string), and for Java and JavaScript entries every parameter a string
// holding the value in the language's syntax, its type named in its
// description; unless opts.KeepDots, each "." of a function's name is
// "_", as for models whose names may not hold dots.
func (e *BFCLEntry) ToolsWith(opts BFCLOptions) []dojo.Tool {
	tools := make([]dojo.Tool, len(e.Functions))
	for i, f := range e.Functions {
		schema := json.RawMessage(`{"type":"object","properties":{}}`)
		if len(bytes.TrimSpace(f.Parameters)) > 0 {
			var v any
			if json.Unmarshal(f.Parameters, &v) == nil {
				if e.lang != langPython {
					v = languageStrings(v, e.lang)
				}
				if b, err := json.Marshal(jsonSchemaTypes(v)); err == nil {
					schema = b
				}
			}
		}
		tools[i] = dojo.Tool{Name: opts.callName(f.Name), Description: f.Description, InputSchema: schema}
	}
	return tools
}

// languageStrings makes each parameter of a Java or JavaScript function a
// string, as BFCL's handlers do: the model writes the value in the
// language's syntax, which the checker converts.
func languageStrings(v any, lang bfclLang) any {
	params, ok := v.(map[string]any)
	if !ok {
		return v
	}
	props, ok := params["properties"].(map[string]any)
	if !ok {
		return v
	}
	language := "Java"
	if lang == langJS {
		language = "JavaScript"
	}
	for _, p := range props {
		prop, ok := p.(map[string]any)
		if !ok {
			continue
		}
		typ, _ := prop["type"].(string)
		desc, _ := prop["description"].(string)
		if typ == "any" {
			desc += fmt.Sprintf(" This parameter can be of any type of %s object in string representation.", language)
		} else {
			desc += fmt.Sprintf(" This is %s %s type parameter in string representation.", language, typ)
		}
		listType := typ == "array"
		if lang == langJava {
			listType = typ == "Array" || typ == "ArrayList"
		}
		if items, ok := prop["items"].(map[string]any); ok && listType {
			desc += fmt.Sprintf(" The list elements are of type %v; they are not in string representation.", items["type"])
			delete(prop, "items")
		}
		if sub, ok := prop["properties"]; ok && lang == langJS && typ == "dict" {
			if b, err := json.Marshal(sub); err == nil {
				desc += " The dictionary entries have the following schema; they are not in string representation. " + string(b)
			}
			delete(prop, "properties")
		}
		prop["description"] = desc
		prop["type"] = "string"
	}
	return v
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
