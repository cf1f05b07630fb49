package toolcall

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/toolschema"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// args are a call's validated arguments; numbers are json.Number.
type args map[string]any

func (a args) str(k string) string {
	s, _ := a[k].(string)
	return s
}

func (a args) num(k string) float64 {
	switch x := a[k].(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case float64:
		return x
	}
	return 0
}

func (a args) has(k string) bool { _, ok := a[k]; return ok }

// tool is a callable tool: its MCP description, its compiled schema and its
// back end, which reads and changes the world. run returns the result to
// show the agent, or an error whose message the agent sees (the world must
// then be unchanged).
type tool struct {
	dojo.Tool
	domain string
	schema *jsonschema.Schema
	run    func(w World, a args) (any, error)
}

// toolError is a failed call, shown to the agent as {"error": msg}.
type toolError struct{ msg string }

func (e *toolError) Error() string { return e.msg }

func fail(format string, x ...any) error { return &toolError{fmt.Sprintf(format, x...)} }

var (
	toolsOnce sync.Once
	toolList  []*tool          // every tool, in domain order
	toolIndex map[string]*tool // by name
)

// allTools compiles every tool's schema once; the compiled schemas are
// shared by all envs.
func allTools() ([]*tool, map[string]*tool) {
	toolsOnce.Do(func() {
		idx := map[string]*tool{}
		for _, d := range domains {
			for _, t := range d.tools() {
				t.domain = d.name
				t.schema = mustCompile(t.Name, t.InputSchema)
				if idx[t.Name] != nil {
					panic("toolcall: tool " + t.Name + " defined twice")
				}
				idx[t.Name] = t
				toolList = append(toolList, t)
			}
		}
		toolIndex = idx
	})
	return toolList, toolIndex
}

func mustCompile(name string, schema json.RawMessage) *jsonschema.Schema {
	return toolschema.MustCompile(name, schema)
}

// schema builds an object schema: props maps a property name to its schema
// (JSON text); required lists the required ones. Unknown properties are
// rejected.
func schema(props map[string]string, required ...string) json.RawMessage {
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(`{"type":"object","properties":{`)
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", n, props[n])
	}
	b.WriteString(`},"required":[`)
	for i, n := range required {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", n)
	}
	b.WriteString(`],"additionalProperties":false}`)
	return canonicalJSON([]byte(b.String()))
}

// callOutcome is what executing one call did.
type callOutcome struct {
	content string // the tool message's content (JSON)
	invalid bool   // unknown tool, or arguments that fail the schema
	failed  bool   // the back end refused the call (state unchanged)
	errMsg  string
}

// execute runs call c against w, allowing only the tools in shown (nil:
// any). It never panics and leaves w unchanged unless the call succeeds.
func execute(w World, shown map[string]bool, c dojo.ToolCall) callOutcome {
	_, idx := allTools()
	t := idx[c.Name]
	if t == nil || (shown != nil && !shown[c.Name]) {
		names := make([]string, 0, len(shown))
		for n := range shown {
			names = append(names, n)
		}
		sort.Strings(names)
		msg := fmt.Sprintf("unknown tool %q; the tools available are: %s", c.Name, strings.Join(names, ", "))
		return errOutcome(msg, true)
	}
	a, err := decodeArgs(t, c.Arguments)
	if err != nil {
		return errOutcome(err.Error(), true)
	}
	scratch := w.Clone() // a back end that fails part way leaves w untouched
	res, err := safeRun(t, scratch, a)
	if err != nil {
		return errOutcome(fmt.Sprintf("%s: %v", t.Name, err), false)
	}
	for k := range w {
		delete(w, k)
	}
	for k, v := range scratch {
		w[k] = v
	}
	b, merr := json.Marshal(res)
	if merr != nil {
		return errOutcome(fmt.Sprintf("%s: result not encodable: %v", t.Name, merr), false)
	}
	return callOutcome{content: string(b)}
}

func safeRun(t *tool, w World, a args) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("internal error: %v", r)
		}
	}()
	return t.run(w, a)
}

func errOutcome(msg string, invalid bool) callOutcome {
	b, _ := json.Marshal(map[string]string{"error": msg})
	return callOutcome{content: string(b), invalid: invalid, failed: !invalid, errMsg: msg}
}

// decodeArgs parses and validates a call's arguments against the tool's
// schema, naming the problem on failure.
func decodeArgs(t *tool, raw json.RawMessage) (args, error) {
	v, err := toolschema.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: arguments are not valid JSON (%v); want a JSON object matching the tool's inputSchema", t.Name, err)
	}
	if err := toolschema.Check(t.schema, v); err != nil {
		return nil, fmt.Errorf("%s: invalid arguments: %v", t.Name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: arguments must be a JSON object", t.Name)
	}
	for _, x := range m {
		if n, ok := x.(json.Number); ok {
			if f, err := n.Float64(); err != nil || math.IsInf(f, 0) {
				return nil, fmt.Errorf("%s: invalid arguments: number %s is out of range", t.Name, n)
			}
		}
	}
	return args(m), nil
}
