package mcpserver

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// episode is an open episode. sem (capacity 1) serializes its calls, as
// envs are not safe for concurrent use; the reaper skips busy episodes.
type episode struct {
	handle string
	id     string
	seed   uint64
	env    dojo.Env
	sem    chan struct{}
	tools  []*episodeTool // the task's tools, in its prompt's order

	closeOnce sync.Once
	closeErr  error

	// Guarded by sem.
	lastUsed   time.Time
	steps      int
	ret        float64
	parts      []dojo.Part // summed over the steps
	success    bool
	terminated bool
	truncated  bool
	last       dojo.Obs // the last observation (withheld when it ends the episode)
	// abandoned is set when a step overran the step timeout: the step's
	// goroutine closes the env when the step returns.
	abandoned bool
}

// close closes the episode's env, once.
func (ep *episode) close() error {
	ep.closeOnce.Do(func() {
		if ep.env != nil {
			ep.closeErr = dojo.Close(ep.env)
		}
	})
	return ep.closeErr
}

type episodeTool struct {
	envName string
	v       *envTool
}

func (ep *episode) done() bool { return ep.terminated || ep.truncated }

// toolError is a tool result with isError set.
func toolError(format string, args ...any) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: fmt.Sprintf(format, args...)}}}
}

// jsonResult returns v as structured content and as JSON text.
func jsonResult(v any) (*mcp.CallToolResult, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}, StructuredContent: json.RawMessage(b)}, nil
}

func newHandle() string {
	return "ep_" + strings.ToLower(rand.Text())
}

// ToolInfo describes a tool of an episode.
type ToolInfo struct {
	// Name is the MCP tool to call.
	Name string `json:"name"`
	// EnvName is the env's name for it, when it differs (a namespaced tool).
	EnvName     string `json:"env_name,omitempty"`
	Description string `json:"description"`
	// InputSchema is the MCP input schema: the env's with "handle".
	InputSchema any `json:"inputSchema"`
}

// Started is start_episode's result.
type Started struct {
	Handle  string         `json:"handle"`
	Env     string         `json:"env"`
	Seed    uint64         `json:"seed"`
	Options map[string]any `json:"options,omitempty"`
	// Text and Messages are the first observation: the task.
	Text     string         `json:"text,omitempty"`
	Messages []dojo.Message `json:"messages,omitempty"`
	Tools    []ToolInfo     `json:"tools"`
	MaxSteps int            `json:"max_steps"`
	Note     string         `json:"note"`
}

// StepResult is the structured result of an env tool call.
type StepResult struct {
	Handle string `json:"handle"`
	Step   int    `json:"step"`
	// Content is the tool's result: the text of the next observation's
	// tool message (or its text). When the episode ended it is a note
	// saying so; the last observation comes with end_episode.
	Content    string `json:"content"`
	Ended      bool   `json:"ended"`
	Terminated bool   `json:"terminated"`
	Truncated  bool   `json:"truncated"`
}

// Ended is end_episode's result.
type Ended struct {
	Handle     string      `json:"handle"`
	Env        string      `json:"env"`
	Seed       uint64      `json:"seed"`
	Steps      int         `json:"steps"`
	Return     float64     `json:"reward"`
	Parts      []dojo.Part `json:"parts"`
	Success    bool        `json:"success"`
	Terminated bool        `json:"terminated"`
	Truncated  bool        `json:"truncated"`
	// Finished is false when the episode had not ended: it was scored as
	// the env scored it so far.
	Finished bool `json:"finished"`
	// FinalObservation is the text of the last observation.
	FinalObservation string `json:"final_observation,omitempty"`
	Note             string `json:"note,omitempty"`
}

// EnvInfo is one entry of list_envs.
type EnvInfo struct {
	ID          string         `json:"id"`
	Description string         `json:"description"`
	MaxSteps    int            `json:"max_steps"`
	Options     []dojo.Option  `json:"options"`
	Fixed       map[string]any `json:"fixed_options,omitempty"`
	Tools       []string       `json:"tools"`
}

func (s *Server) handleListEnvs(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	if _, err := validate(listEnvsCompiled, req.Params.Arguments); err != nil {
		return toolError("list_envs: %v (it takes no arguments)", err), nil
	}
	out := struct {
		Envs []EnvInfo `json:"envs"`
	}{}
	for _, p := range s.envs {
		e := EnvInfo{ID: p.id, Description: p.spec.Description, MaxSteps: p.spec.MaxSteps, Options: p.spec.Options}
		if len(p.fixed) > 0 {
			e.Fixed = p.fixed
		}
		for _, t := range p.tools {
			if v := s.variant(t); v != nil {
				e.Tools = append(e.Tools, v.mcpName)
			}
		}
		out.Envs = append(out.Envs, e)
	}
	return jsonResult(out)
}

// variant finds the variant of a tool, or nil.
func (s *Server) variant(t dojo.Tool) *envTool {
	if v := s.tools[t.Name]; v != nil && variantKey(v.tool) == variantKey(t) {
		return v
	}
	k := variantKey(t)
	for _, v := range s.tools {
		if v.tool.Name == t.Name && variantKey(v.tool) == k {
			return v
		}
	}
	return nil
}

func (s *Server) playableList() string {
	ids := s.PlayableEnvs()
	return strings.Join(ids, ", ")
}

func (s *Server) handleStart(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	args, err := validate(startCompiled, req.Params.Arguments)
	if err != nil {
		return toolError("start_episode: %v (want {\"env\": ID, \"options\"?: {...}, \"seed\"?: N})", err), nil
	}
	id, _ := args["env"].(string)
	var seed uint64
	if n, ok := args["seed"].(json.Number); ok {
		if _, err := fmt.Sscan(n.String(), &seed); err != nil {
			return toolError("start_episode: seed %s is not an unsigned 64-bit integer", n), nil
		}
	}
	p := s.byID[id]
	if p == nil {
		if spec, err := s.cfg.Registry.Spec(id); err == nil {
			if !s.matches(id) {
				return toolError("start_episode: env %s is not served here; the playable envs are: %s", id, s.playableList()), nil
			}
			return toolError("start_episode: env %s cannot be played over MCP: its actions are %s, not tool calls; the playable envs are: %s", id, spec.Action.Kind, s.playableList()), nil
		}
		return toolError("start_episode: unknown env %q; the playable envs are: %s", id, s.playableList()), nil
	}
	opts := dojo.Options{}
	if o, ok := args["options"].(map[string]any); ok {
		for k, v := range o {
			opts[k] = fromSchemaJSON(v)
		}
	}
	for k, v := range p.fixed {
		if _, set := opts[k]; !set {
			opts[k] = v
		}
	}
	if s.cfg.CheckOptions != nil {
		if err := s.cfg.CheckOptions(id, opts); err != nil {
			return toolError("start_episode: %s: %v", id, err), nil
		}
	}

	// Reserve a slot before making the env.
	handle := newHandle()
	ep := &episode{handle: handle, id: id, seed: seed, sem: make(chan struct{}, 1), lastUsed: time.Now()}
	ep.sem <- struct{}{}
	s.mu.Lock()
	switch {
	case s.closed:
		s.mu.Unlock()
		return toolError("start_episode: the server is shutting down"), nil
	case len(s.episodes) >= s.cfg.MaxEpisodes:
		n := len(s.episodes)
		s.mu.Unlock()
		return toolError("start_episode: %d episodes are open, the most this server allows (max episodes %d); end one with end_episode, or wait for idle ones to be closed after %v", n, s.cfg.MaxEpisodes, s.cfg.IdleTimeout), nil
	}
	s.episodes[handle] = ep
	s.mu.Unlock()
	fail := func(res *mcp.CallToolResult) (*mcp.CallToolResult, error) {
		s.mu.Lock()
		delete(s.episodes, handle)
		s.mu.Unlock()
		ep.close()
		<-ep.sem
		return res, nil
	}

	env, err := s.cfg.Registry.Make(id, opts)
	if err != nil {
		return fail(toolError("start_episode: %v", err))
	}
	ep.env = env
	spec := env.Spec()
	if spec.Action.Kind != dojo.KindToolCalls {
		return fail(toolError("start_episode: with these options the actions of %s are %s, not tool calls (fixed options for MCP: %v)", id, spec.Action.Kind, p.fixed))
	}
	var obs dojo.Obs
	err = s.timed(ctx, ep, func(ctx context.Context) error {
		o, _, err := env.Reset(ctx, seed)
		obs = o.Clone()
		return err
	})
	if err != nil {
		if errors.Is(err, errTimedOut) {
			<-ep.sem
			return toolError("start_episode: %s: the reset took longer than the step timeout (%v)", id, s.cfg.StepTimeout), nil
		}
		return fail(toolError("start_episode: %s: reset: %v", id, err))
	}
	var missing []string
	for _, t := range obs.ToolsOr(&spec) {
		v := s.variant(t)
		if v == nil {
			missing = append(missing, t.Name)
			continue
		}
		ep.tools = append(ep.tools, &episodeTool{envName: t.Name, v: v})
	}
	if len(missing) > 0 {
		s.log.Warn("episode tools not listed by the server", "env", id, "tools", missing)
	}
	ep.last = obs
	res := Started{
		Handle: handle, Env: id, Seed: seed, Options: opts,
		Text: obs.Text, Messages: obs.Messages, MaxSteps: spec.MaxSteps,
		Note: "Call the tools below with this handle (one call is one step), then end_episode for the reward.",
	}
	for _, t := range ep.tools {
		ti := ToolInfo{Name: t.v.mcpName, Description: t.v.tool.Description, InputSchema: t.v.input}
		if t.v.mcpName != t.envName {
			ti.EnvName = t.envName
		}
		res.Tools = append(res.Tools, ti)
	}
	ep.lastUsed = time.Now()
	<-ep.sem
	s.log.Info("episode started", "handle", handle, "env", id, "seed", seed)
	return jsonResult(res)
}

// fromSchemaJSON turns json.Number values (from the schema decoder) into
// float64, as encoding/json decodes them, for dojo.Options.
func fromSchemaJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = fromSchemaJSON(e)
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromSchemaJSON(e)
		}
		return out
	}
	return v
}

var errTimedOut = errors.New("timed out")

// timed runs f (a reset or step of ep's env, with ep's sem held) under the
// step timeout. When the timeout passes first, the episode is closed: it
// is removed at once and its env closed when f returns.
func (s *Server) timed(ctx context.Context, ep *episode, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.StepTimeout)
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("internal error: %v", r)
			}
		}()
		done <- f(ctx)
	}()
	select {
	case err := <-done:
		cancel()
		return err
	case <-ctx.Done():
	}
	why := fmt.Sprintf("a step took longer than the step timeout (%v) and the episode was closed", s.cfg.StepTimeout)
	if ctx.Err() == context.Canceled {
		why = "the request was canceled during a step and the episode was closed"
	}
	s.mu.Lock()
	if s.episodes[ep.handle] == ep {
		delete(s.episodes, ep.handle)
		s.gone.add(ep.handle, why)
	}
	s.mu.Unlock()
	ep.abandoned = true
	go func() {
		<-done
		cancel()
		ep.close()
	}()
	return errTimedOut
}

// acquire finds the episode of a handle and takes its lock. The error
// result says what was wrong with the handle.
func (s *Server) acquire(ctx context.Context, tool string, raw any) (*episode, *mcp.CallToolResult) {
	h, _ := raw.(string)
	if h == "" {
		return nil, toolError("%s: missing %q: pass the handle start_episode returned", tool, HandleArg)
	}
	s.mu.Lock()
	ep := s.episodes[h]
	why := s.gone.why[h]
	closed := s.closed
	s.mu.Unlock()
	if ep == nil {
		switch {
		case why != "":
			return nil, toolError("%s: episode %s is closed: %s; start a new one with start_episode", tool, h, why)
		case closed:
			return nil, toolError("%s: the server is shutting down", tool)
		}
		return nil, toolError("%s: unknown handle %q: no open episode has it (handles come from start_episode)", tool, h)
	}
	select {
	case ep.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, toolError("%s: canceled while waiting for the episode's previous call", tool)
	}
	// It may have been closed while we waited.
	s.mu.Lock()
	still := s.episodes[h] == ep
	why = s.gone.why[h]
	s.mu.Unlock()
	if !still {
		<-ep.sem
		return nil, toolError("%s: episode %s is closed: %s", tool, h, why)
	}
	ep.lastUsed = time.Now()
	return ep, nil
}

func (s *Server) release(ep *episode) {
	ep.lastUsed = time.Now()
	<-ep.sem
}

// step applies one action, accumulating the score.
func (s *Server) step(ctx context.Context, ep *episode, a dojo.Action) (dojo.Step, error) {
	var st dojo.Step
	err := s.timed(ctx, ep, func(ctx context.Context) error {
		x, err := ep.env.Step(ctx, a)
		st = x.Clone()
		return err
	})
	if err != nil {
		return st, err
	}
	ep.steps++
	ep.ret += st.Reward
	ep.success = st.Info.Success
	ep.terminated, ep.truncated = st.Terminated, st.Truncated
	for _, p := range st.Info.Parts {
		found := false
		for i := range ep.parts {
			if ep.parts[i].Name == p.Name {
				ep.parts[i].Value += p.Value
				ep.parts[i].Weight = p.Weight
				found = true
				break
			}
		}
		if !found {
			ep.parts = append(ep.parts, p)
		}
	}
	ep.last = st.Obs
	return st, nil
}

func endedNote(ep *episode) string {
	how := "terminated"
	if !ep.terminated {
		how = "truncated: the step limit was reached"
	}
	return fmt.Sprintf("The episode has ended (%s). Call end_episode with handle %s for the reward and the final observation.", how, ep.handle)
}

func (s *Server) envToolHandler(v *envTool) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		name := v.mcpName
		args, err := validate(nil, req.Params.Arguments)
		if err != nil {
			return toolError("%s: %v", name, err), nil
		}
		ep, bad := s.acquire(ctx, name, args[HandleArg])
		if bad != nil {
			return bad, nil
		}
		defer s.release(ep)
		var et *episodeTool
		for _, t := range ep.tools {
			if t.v.mcpName == name {
				et = t
				break
			}
		}
		if et == nil {
			for _, t := range ep.tools {
				if t.envName == name { // a namespaced tool called by its env name
					et = t
					break
				}
			}
		}
		if et == nil {
			var names []string
			for _, t := range ep.tools {
				names = append(names, t.v.mcpName)
			}
			return toolError("%s: episode %s (%s) does not offer this tool; its tools are: %s", name, ep.handle, ep.id, strings.Join(names, ", ")), nil
		}
		if ep.done() {
			return toolError("%s: episode %s has already ended; call end_episode with its handle for the score", name, ep.handle), nil
		}
		delete(args, HandleArg)
		callArgs, _ := json.Marshal(args)
		if _, err := validate(et.v.schema, callArgs); err != nil {
			return toolError("%s: invalid arguments: %v (the input schema lists them; no step was taken)", name, err), nil
		}
		call := dojo.ToolCall{ID: fmt.Sprintf("call_%d", ep.steps+1), Name: et.envName, Arguments: callArgs}
		st, err := s.step(ctx, ep, dojo.MessageAction("", call))
		if err != nil {
			if errors.Is(err, errTimedOut) {
				return toolError("%s: the step took longer than the step timeout (%v); episode %s is closed", name, s.cfg.StepTimeout, ep.handle), nil
			}
			return toolError("%s: step: %v", name, err), nil
		}
		res := StepResult{Handle: ep.handle, Step: ep.steps, Terminated: st.Terminated, Truncated: st.Truncated, Ended: st.Done()}
		if st.Done() {
			res.Content = endedNote(ep)
		} else {
			res.Content = toolText(st.Obs, call.ID)
		}
		b, err := json.Marshal(res)
		if err != nil {
			return nil, err
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: res.Content}}, StructuredContent: json.RawMessage(b)}, nil
	}
}

// toolText is the result of call id in an observation: its tool message,
// else every tool message, else obsText.
func toolText(o dojo.Obs, id string) string {
	var all []string
	for _, m := range o.Messages {
		if m.Role != "tool" {
			continue
		}
		if m.ToolCallID == id {
			return m.Content
		}
		all = append(all, m.Content)
	}
	if len(all) > 0 {
		return strings.Join(all, "\n\n")
	}
	return obsText(o)
}

// obsText is an observation's text, else its messages' contents.
func obsText(o dojo.Obs) string {
	if o.Text != "" {
		return o.Text
	}
	var msgs []string
	for _, m := range o.Messages {
		msgs = append(msgs, m.Content)
	}
	return strings.Join(msgs, "\n\n")
}

func (s *Server) handleEnd(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	args, err := validate(endCompiled, req.Params.Arguments)
	if err != nil {
		return toolError("end_episode: %v (want {\"handle\": H, \"answer\"?: TEXT})", err), nil
	}
	ep, bad := s.acquire(ctx, "end_episode", args["handle"])
	if bad != nil {
		return bad, nil
	}
	// ep.sem is held; the episode is removed below, so no one else gets it.
	note := ""
	if answer, ok := args["answer"].(string); ok {
		if ep.done() {
			note = "The answer was not sent: the episode had already ended. "
		} else if _, err := s.step(ctx, ep, dojo.MessageAction(answer)); err != nil {
			if errors.Is(err, errTimedOut) {
				s.release(ep)
				return toolError("end_episode: sending the answer took longer than the step timeout (%v); episode %s is closed", s.cfg.StepTimeout, ep.handle), nil
			}
			s.release(ep)
			return toolError("end_episode: sending the answer: %v", err), nil
		}
	}
	s.mu.Lock()
	delete(s.episodes, ep.handle)
	s.gone.add(ep.handle, "end_episode ended it")
	s.mu.Unlock()
	ep.close()
	s.release(ep)
	res := Ended{
		Handle: ep.handle, Env: ep.id, Seed: ep.seed, Steps: ep.steps,
		Return: ep.ret, Parts: ep.parts, Success: ep.success,
		Terminated: ep.terminated, Truncated: ep.truncated, Finished: ep.done(),
		FinalObservation: obsText(ep.last),
	}
	if res.Parts == nil {
		res.Parts = []dojo.Part{}
	}
	if !ep.done() {
		note += fmt.Sprintf("The episode had not ended (%d steps): it is scored as the env scored it so far.", ep.steps)
	}
	res.Note = strings.TrimSpace(note)
	s.log.Info("episode ended", "handle", ep.handle, "env", ep.id, "steps", ep.steps, "success", ep.success)
	return jsonResult(res)
}
