package mcpserver

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/toolschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// playable is an env whose actions are tool calls.
type playable struct {
	id    string
	spec  dojo.Spec    // as registered, with default options
	fixed dojo.Options // options set so that its actions are tool calls
	tools []dojo.Tool  // its spec's tools, made with the fixed options
}

// envTool is one variant of an env tool: a name, description and schema
// that one or more envs share, listed under its MCP name.
type envTool struct {
	mcpName string
	tool    dojo.Tool // the env's own name, description and schema
	envs    []string  // ids of the envs offering it
	schema  *jsonschema.Schema
	input   map[string]any // the MCP input schema: the env's plus handle
}

// HandleArg is the argument naming the episode in every env tool.
const HandleArg = "handle"

func (s *Server) matches(id string) bool {
	if len(s.cfg.Envs) == 0 {
		return true
	}
	for _, p := range s.cfg.Envs {
		if ok, _ := path.Match(p, id); ok {
			return true
		}
	}
	return false
}

// discover finds the playable envs and the variants of their tools.
func (s *Server) discover() error {
	for _, spec := range s.cfg.Registry.Specs() {
		if !s.matches(spec.ID) {
			continue
		}
		fixed := dojo.Options{}
		if spec.Action.Kind != dojo.KindToolCalls {
			for _, o := range spec.Options {
				if o.Type == dojo.OptString && slices.Contains(o.Choices, "tools") {
					fixed[o.Name] = "tools"
				}
			}
			if len(fixed) == 0 {
				continue
			}
		}
		env, err := s.cfg.Registry.Make(spec.ID, fixed)
		if err != nil {
			s.log.Debug("env not served: cannot be made", "env", spec.ID, "error", err)
			continue
		}
		es := env.Spec()
		dojo.Close(env)
		if es.Action.Kind != dojo.KindToolCalls || len(es.Action.Tools) == 0 {
			continue
		}
		p := &playable{id: spec.ID, spec: spec, fixed: fixed, tools: es.Action.Tools}
		s.envs = append(s.envs, p)
		s.byID[p.id] = p
	}
	if len(s.envs) == 0 {
		if len(s.cfg.Envs) > 0 {
			return dojo.Errorf(dojo.CodeInvalid, "mcpserver: no env whose actions are tool calls matches %s", strings.Join(s.cfg.Envs, ", ")).WithField("env")
		}
		return dojo.Errorf(dojo.CodeInvalid, "mcpserver: the registry has no env whose actions are tool calls")
	}
	return s.buildTools()
}

func variantKey(t dojo.Tool) string {
	return t.Name + "\x00" + t.Description + "\x00" + string(canonicalJSON(t.InputSchema))
}

// canonicalJSON re-encodes b with sorted keys, so that schemas that differ
// only in key order compare equal.
func canonicalJSON(b []byte) []byte {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return b
	}
	out, _ := json.Marshal(v)
	return out
}

// buildTools groups the envs' tools into variants and names them.
func (s *Server) buildTools() error {
	byKey := map[string]*envTool{}
	byName := map[string][]*envTool{}
	for _, p := range s.envs {
		for _, t := range p.tools {
			k := variantKey(t)
			v := byKey[k]
			if v == nil {
				v = &envTool{tool: t}
				byKey[k] = v
				byName[t.Name] = append(byName[t.Name], v)
			}
			if !slices.Contains(v.envs, p.id) {
				v.envs = append(v.envs, p.id)
			}
		}
	}
	s.tools = map[string]*envTool{}
	reserved := map[string]bool{"list_envs": true, "start_episode": true, "end_episode": true}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	taken := map[string]bool{}
	for _, n := range names {
		if !reserved[n] {
			taken[n] = true
		}
	}
	for _, n := range names {
		vs := byName[n]
		sort.SliceStable(vs, func(i, j int) bool {
			if len(vs[i].envs) != len(vs[j].envs) {
				return len(vs[i].envs) > len(vs[j].envs)
			}
			return vs[i].envs[0] < vs[j].envs[0]
		})
		for i, v := range vs {
			if i == 0 && !reserved[n] {
				v.mcpName = n
			} else {
				base := envPrefix(v.envs[0]) + "_" + n
				name := base
				for k := 2; taken[name] || reserved[name]; k++ {
					name = fmt.Sprintf("%s_%d", base, k)
				}
				v.mcpName = name
			}
			taken[v.mcpName] = true
			if err := v.prepare(); err != nil {
				return err
			}
			s.tools[v.mcpName] = v
		}
	}
	return nil
}

// envPrefix is the lower-case name of an env id, for namespacing:
// "shop" for websim/Shop-v0.
func envPrefix(id string) string {
	_, name, _ := strings.Cut(id, "/")
	if i := strings.LastIndex(name, "-v"); i > 0 {
		name = name[:i]
	}
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// prepare compiles the env's schema and builds the MCP input schema.
func (v *envTool) prepare() error {
	sch, err := compileSchema(v.envs[0]+"/"+v.tool.Name, v.tool.InputSchema)
	if err != nil {
		return err
	}
	v.schema = sch
	var in map[string]any
	if err := json.Unmarshal(v.tool.InputSchema, &in); err != nil || in == nil {
		return dojo.Errorf(dojo.CodeInvalid, "mcpserver: tool %s of %s: its input schema is not a JSON object", v.tool.Name, v.envs[0])
	}
	props, _ := in["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	if _, ok := props[HandleArg]; ok {
		return dojo.Errorf(dojo.CodeInvalid, "mcpserver: tool %s of %s already has a %q argument", v.tool.Name, v.envs[0], HandleArg)
	}
	props[HandleArg] = map[string]any{"type": "string", "description": "the episode's handle, from start_episode"}
	in["properties"] = props
	req := []any{HandleArg}
	if r, ok := in["required"].([]any); ok {
		req = append(req, r...)
	}
	in["required"] = req
	in["type"] = "object"
	v.input = in
	return nil
}

func (v *envTool) description() string {
	ids := v.envs
	more := ""
	if len(ids) > 4 {
		more = fmt.Sprintf(" and %d more", len(ids)-4)
		ids = ids[:4]
	}
	return fmt.Sprintf("%s\n\nA tool of a dojo episode (env %s%s): pass the handle start_episode returned; call it only in episodes whose tools list it.",
		v.tool.Description, strings.Join(ids, ", "), more)
}

func compileSchema(name string, schema []byte) (*jsonschema.Schema, error) {
	s, err := toolschema.Compile(name, schema)
	if err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "mcpserver: %v", err)
	}
	return s, nil
}

func mustCompile(name, schema string) *jsonschema.Schema {
	s, err := compileSchema(name, []byte(schema))
	if err != nil {
		panic(err)
	}
	return s
}

// validate checks a JSON object against a schema and returns it decoded,
// or an error naming each argument that was wrong.
func validate(sch *jsonschema.Schema, raw json.RawMessage) (map[string]any, error) {
	v, err := toolschema.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("the arguments are not valid JSON: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the arguments must be a JSON object")
	}
	if sch != nil {
		if err := toolschema.Check(sch, v); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// The schemas of the server's own tools.
const (
	listEnvsSchema = `{"type":"object","properties":{},"additionalProperties":false}`

	startSchema = `{"type":"object","properties":{
"env":{"type":"string","minLength":1,"description":"the env id, such as toolcall/Bank-v0 (list_envs lists them)"},
"options":{"type":"object","description":"env options by name (list_envs shows each env's options, types and defaults)"},
"seed":{"type":"integer","minimum":0,"maximum":18446744073709551615,"description":"the episode's seed (default 0): the same env, options and seed give the same episode"}},
"required":["env"],"additionalProperties":false}`

	endSchema = `{"type":"object","properties":{
"handle":{"type":"string","description":"the episode's handle, from start_episode"},
"answer":{"type":"string","description":"optional: a final reply without tool calls, sent first if the episode is still running (how a toolcall task is answered)"}},
"required":["handle"],"additionalProperties":false}`
)

var (
	listEnvsCompiled = mustCompile("list_envs", listEnvsSchema)
	startCompiled    = mustCompile("start_episode", startSchema)
	endCompiled      = mustCompile("end_episode", endSchema)
)

func rawSchema(s string) json.RawMessage { return json.RawMessage(s) }

// addTools registers every tool with the SDK server.
func (s *Server) addTools() error {
	s.mcp.AddTool(&mcp.Tool{
		Name:        "list_envs",
		Description: "List the playable envs (those whose actions are tool calls): id, description, options with types and defaults, the options fixed for them, and their tools.",
		InputSchema: rawSchema(listEnvsSchema),
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true, IdempotentHint: true},
	}, s.handleListEnvs)
	s.mcp.AddTool(&mcp.Tool{
		Name: "start_episode",
		Description: "Start an episode of an env: returns its handle, the task (the first observation, as text and chat messages) and the tools this episode offers. " +
			"Call those tools with the handle; each call is one step of the episode. Call end_episode for the reward.",
		InputSchema: rawSchema(startSchema),
	}, s.handleStart)
	s.mcp.AddTool(&mcp.Tool{
		Name: "end_episode",
		Description: "End an episode and get its score: the return (sum of rewards), the reward parts, success and the final observation. " +
			"With answer, and while the episode runs, the answer is first sent as the final reply without tool calls (how toolcall tasks are answered).",
		InputSchema: rawSchema(endSchema),
	}, s.handleEnd)
	names := make([]string, 0, len(s.tools))
	for n := range s.tools {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := s.tools[n]
		s.mcp.AddTool(&mcp.Tool{
			Name:        v.mcpName,
			Description: v.description(),
			InputSchema: v.input,
		}, s.envToolHandler(v))
	}
	return nil
}

// ToolNames returns the names of the tools the server lists, sorted.
func (s *Server) ToolNames() []string {
	names := []string{"end_episode", "list_envs", "start_episode"}
	for n := range s.tools {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PlayableEnvs returns the ids of the envs served, sorted.
func (s *Server) PlayableEnvs() []string {
	ids := make([]string, len(s.envs))
	for i, p := range s.envs {
		ids[i] = p.id
	}
	return ids
}
