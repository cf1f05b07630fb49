package envs_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents/openai"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/protocol"
	"github.com/dojo-rl/dojo/runner"
	"github.com/google/go-cmp/cmp"
)

// The tests here check that every agent is told the tools of the episode's
// task, not the spec's: toolcall shows its domain's tools plus distractors,
// the sql and websim envs the tools of their mode, and an env whose tools
// never vary the spec's.

// toolCase is an env and options to play.
type toolCase struct {
	id   string
	opts dojo.Options
}

func (c toolCase) String() string {
	if len(c.opts) == 0 {
		return c.id
	}
	var kv []string
	for k, v := range c.opts {
		kv = append(kv, fmt.Sprintf("%s=%v", k, v))
	}
	slices.Sort(kv)
	return c.id + "/" + strings.Join(kv, ",")
}

// toolCases returns the envs of reg whose episodes involve tools (a tool
// action space, tools in the spec, or generated tasks), each with its
// default options and with every other value of each option that has
// choices (toolcall's kinds, sql's and websim's modes, the shop's action
// format, ...) or is a bool.
func toolCases(t *testing.T, reg *dojo.Registry) []toolCase {
	var out []toolCase
	for _, id := range reg.IDs() {
		spec, err := reg.Spec(id)
		if err != nil {
			t.Fatal(err)
		}
		variants := []dojo.Options{nil}
		for _, o := range spec.Options {
			switch {
			case o.Type == dojo.OptString && len(o.Choices) > 0:
				for _, c := range o.Choices {
					if c != o.Default {
						variants = append(variants, dojo.Options{o.Name: c})
					}
				}
			case o.Type == dojo.OptBool:
				d, _ := o.Default.(bool)
				variants = append(variants, dojo.Options{o.Name: !d})
			}
		}
		for _, opts := range variants {
			env, err := reg.Make(id, opts)
			if err != nil && opts != nil && dojo.ErrorCode(err) == dojo.CodeInvalid {
				// An option that needs another (instructions needs
				// text=true): no episode plays with it alone.
				t.Logf("%s %v refused: %v", id, opts, err)
				continue
			}
			if err != nil {
				t.Fatalf("%s %v: %v", id, opts, err)
			}
			s := env.Spec()
			_, gen := env.(dojo.TaskGenerator)
			dojo.Close(env)
			if gen || s.Action.Kind == dojo.KindToolCalls || len(s.Action.Tools) > 0 {
				out = append(out, toolCase{id, opts})
			}
		}
	}
	return out
}

// toolRegistry is the default registry plus an env whose tools are fixed.
func toolRegistry() *dojo.Registry {
	reg := envs.Default()
	reg.MustRegister(fixedSpec(), func(dojo.Options) (dojo.Env, error) { return &fixedEnv{}, nil })
	return reg
}

const fixedID = "test/FixedTools-v0"

func fixedSpec() dojo.Spec {
	return dojo.Spec{
		ID: fixedID, Description: "call a tool, then answer; its tools never change",
		Observation: dojo.Space{Kind: dojo.KindNone}, ObsText: true,
		Action: dojo.Space{Kind: dojo.KindToolCalls, Tools: []dojo.Tool{
			{Name: "echo", Description: "returns its text", InputSchema: json.RawMessage(`{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}`)},
			{Name: "now", Description: "returns the time", InputSchema: json.RawMessage(`{"type":"object","properties":{}}`)},
		}},
		MaxSteps:       3,
		Rewards:        []dojo.Component{{Name: "success", Description: "1 for an answer", Shaped: 1}},
		DefaultProfile: "shaped",
	}
}

// fixedEnv is test/FixedTools-v0: a reply without tool calls ends it.
type fixedEnv struct{ steps int }

func (e *fixedEnv) Spec() dojo.Spec { return fixedSpec() }

func (e *fixedEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	e.steps = 0
	return dojo.Obs{Messages: []dojo.Message{{Role: "user", Content: "Say hello with echo."}}}, dojo.Info{Parts: []dojo.Part{{Name: "success", Weight: 1}}}, nil
}

func (e *fixedEnv) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	e.steps++
	s := dojo.Step{Info: dojo.Info{Parts: []dojo.Part{{Name: "success", Weight: 1}}}}
	for _, c := range a.ToolCalls {
		s.Obs.Messages = append(s.Obs.Messages, dojo.Message{Role: "tool", Content: "ok", ToolCallID: c.ID, Name: c.Name})
	}
	if len(a.ToolCalls) == 0 {
		s.Terminated, s.Info.Success = true, true
		s.Info.Parts[0].Value, s.Reward = 1, 1
	}
	s.Truncated = !s.Terminated && e.steps >= 3
	return s, nil
}

// wireTools is a request's tools in OpenAI's form, decoded for comparison.
type wireTools []struct {
	Type     string `json:"type"`
	Function struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Parameters  any    `json:"parameters"`
	} `json:"function"`
}

// openAITools writes tools as the OpenAI tools a request must carry.
func openAITools(t *testing.T, tools []dojo.Tool) wireTools {
	t.Helper()
	if len(tools) == 0 {
		return nil
	}
	var fs []map[string]any
	for _, x := range tools {
		f := map[string]any{"name": x.Name, "parameters": json.RawMessage(x.InputSchema)}
		if x.Description != "" {
			f["description"] = x.Description
		}
		fs = append(fs, map[string]any{"type": "function", "function": f})
	}
	b, err := json.Marshal(fs)
	if err != nil {
		t.Fatal(err)
	}
	var w wireTools
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	return w
}

// promptTools returns the tools a system prompt lists as JSON after
// "Tools:\n", and whether it lists any.
func promptTools(t *testing.T, msgs []dojo.Message) ([]dojo.Tool, bool) {
	t.Helper()
	for _, m := range msgs {
		_, after, ok := strings.Cut(m.Content, "\nTools:\n")
		if m.Role != "system" || !ok {
			continue
		}
		var tools []dojo.Tool
		if err := json.NewDecoder(strings.NewReader(after)).Decode(&tools); err != nil {
			t.Fatalf("the system prompt's tools are not a JSON array of tools: %v", err)
		}
		return tools, true
	}
	return nil, false
}

// llmRecorder is a fake OpenAI server recording the tools of every request
// by the request's seed (the episode's seed for the seeds used here). It
// answers an episode's first request with a call of the first tool offered
// (with empty arguments, which most tools reject: the env reports the call
// invalid and goes on), and every later one with the final answer "done".
type llmRecorder struct {
	t     *testing.T
	mu    sync.Mutex
	tools map[uint64][]wireTools
}

func (l *llmRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Seed     uint64          `json:"seed"`
		Tools    json.RawMessage `json:"tools"`
		Messages []struct {
			Role string `json:"role"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		l.t.Errorf("request: %v", err)
		http.Error(w, err.Error(), 400)
		return
	}
	var tools wireTools
	if req.Tools != nil {
		if err := json.Unmarshal(req.Tools, &tools); err != nil || tools == nil {
			l.t.Errorf("request tools %s: want an array of tools (%v)", req.Tools, err)
		}
	}
	l.mu.Lock()
	l.tools[req.Seed] = append(l.tools[req.Seed], tools)
	l.mu.Unlock()
	first := !slices.ContainsFunc(req.Messages, func(m struct {
		Role string `json:"role"`
	}) bool {
		return m.Role == "assistant"
	})
	msg := `{"role":"assistant","content":"done"}`
	if first && len(tools) > 0 {
		msg = `{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":` +
			string(mustJSON(tools[0].Function.Name)) + `,"arguments":"{}"}}]}`
	}
	fmt.Fprintf(w, `{"choices":[{"index":0,"message":%s,"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":2}}`, msg)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// toolSeeds are the episodes' seeds of each case.
const (
	toolSeedBase = 100
	toolSeeds    = 4
)

// TestOpenAIAgentSendsTheTaskTools runs episodes of every env with tools
// through the runner and the openai agent against a fake server, and checks
// that every request of an episode offers exactly the tools its task shows,
// in order: the task's tools (GenerateTask) where the env generates tasks,
// which the system prompt lists too; the spec's where they never vary; none
// where the action space is not tool calls.
func TestOpenAIAgentSendsTheTaskTools(t *testing.T) {
	t.Parallel()
	reg := toolRegistry()
	for _, tc := range toolCases(t, reg) {
		t.Run(tc.String(), func(t *testing.T) {
			t.Parallel()
			rec := &llmRecorder{t: t, tools: map[uint64][]wireTools{}}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			agent, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "m", Retries: -1})
			if err != nil {
				t.Fatal(err)
			}
			playToolCase(t, reg, tc, agent, agent.Name(), toolSeedBase, func(spec dojo.Spec, ep runner.Episode, want []dojo.Tool) {
				var wantSent wireTools
				if spec.Action.Kind == dojo.KindToolCalls {
					wantSent = openAITools(t, want)
				}
				rec.mu.Lock()
				got := rec.tools[ep.Seed]
				rec.mu.Unlock()
				if len(got) != ep.Length || len(got) == 0 {
					t.Fatalf("seed %d: %d requests for %d steps", ep.Seed, len(got), ep.Length)
				}
				for i, g := range got {
					if diff := cmp.Diff(wantSent, g); diff != "" {
						t.Fatalf("seed %d, request %d of %d: tools (-want +got):\n%s", ep.Seed, i+1, len(got), diff)
					}
				}
			})
		})
	}
}

// playToolCase plays toolSeeds episodes of the case from seed with agent,
// checks each episode's first observation against its task's tools, and
// calls check with the spec, the episode and those tools. Episodes whose
// data is absent (not_found) are passed over; the case is skipped when
// none played.
func playToolCase(t *testing.T, reg *dojo.Registry, tc toolCase, agent dojo.AgentMaker, name string, seed uint64, check func(spec dojo.Spec, ep runner.Episode, want []dojo.Tool)) {
	t.Helper()
	var eps []runner.Episode
	_, err := runner.Run(context.Background(), runner.Config{
		Registry: reg, Env: tc.id, Options: tc.opts, Agent: agent, AgentName: name,
		Episodes: toolSeeds, Seed: seed, Workers: 2,
		OnEpisode: func(ep runner.Episode) { eps = append(eps, ep) },
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	env, err := reg.Make(tc.id, tc.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer dojo.Close(env)
	spec := env.Spec()
	absent := 0
	for _, ep := range eps {
		if ep.ErrorCode == dojo.CodeNotFound { // absent data, or a question on a database absent from it
			t.Logf("seed %d: %s", ep.Seed, ep.Error)
			absent++
			continue
		}
		if ep.Error != "" {
			t.Fatalf("seed %d: %s", ep.Seed, ep.Error)
		}
		want := taskTools(t, env, spec, ep.Seed)
		checkFirstObsTools(t, env, spec, ep, want)
		check(spec, ep, want)
	}
	if absent == len(eps) {
		t.Skipf("the env's data is absent: %s", eps[0].Error)
	}
}

// checkFirstObsTools checks the tools of an episode's first observation:
// the task's where env generates tasks, and for a tool-call env, with the
// spec's standing in for none, want.
func checkFirstObsTools(t *testing.T, env dojo.Env, spec dojo.Spec, ep runner.Episode, want []dojo.Tool) {
	t.Helper()
	first := ep.Reset.Obs
	if _, gen := env.(dojo.TaskGenerator); gen {
		if diff := cmp.Diff(canonTools(t, want), canonTools(t, first.Tools)); diff != "" {
			t.Fatalf("seed %d: the first observation's tools are not the task's (-task +observation):\n%s", ep.Seed, diff)
		}
	}
	if spec.Action.Kind == dojo.KindToolCalls {
		if diff := cmp.Diff(canonTools(t, want), canonTools(t, first.ToolsOr(&spec))); diff != "" {
			t.Fatalf("seed %d: the episode's tools (-want +got):\n%s", ep.Seed, diff)
		}
	}
}

// taskTools returns the tools an episode of seed shows: its task's where
// env generates tasks, else the spec's. It checks that a system prompt
// listing tools lists the same.
func taskTools(t *testing.T, env dojo.Env, spec dojo.Spec, seed uint64) []dojo.Tool {
	t.Helper()
	g, ok := env.(dojo.TaskGenerator)
	if !ok {
		return spec.Action.Tools
	}
	task, err := g.GenerateTask(context.Background(), seed)
	if err != nil {
		t.Fatalf("GenerateTask(%d): %v", seed, err)
	}
	if listed, ok := promptTools(t, task.Prompt); ok {
		if diff := cmp.Diff(canonTools(t, listed), canonTools(t, task.Tools)); diff != "" {
			t.Fatalf("seed %d: the prompt lists other tools than Task.Tools (-prompt +task):\n%s", seed, diff)
		}
	} else if spec.Action.Kind == dojo.KindToolCalls && len(task.Tools) == 0 {
		t.Fatalf("seed %d: a tool-call task without tools", seed)
	}
	return task.Tools
}

// canonTools writes tools with their schemas compacted, for comparison.
func canonTools(t *testing.T, tools []dojo.Tool) []dojo.Tool {
	t.Helper()
	out := make([]dojo.Tool, len(tools))
	for i, x := range tools {
		var b bytes.Buffer
		if err := json.Compact(&b, x.InputSchema); err != nil {
			t.Fatalf("tool %s: %v", x.Name, err)
		}
		x.InputSchema = b.Bytes()
		out[i] = x
	}
	return out
}

// The exec agent test runs this test binary again as the agent, with
// DOJO_TOOLS_AGENT naming the folder where it writes the tools of each
// episode/start (the os/exec helper-process pattern).
func TestMain(m *testing.M) {
	if dir := os.Getenv("DOJO_TOOLS_AGENT"); dir != "" {
		os.Exit(toolsAgent(dir))
	}
	os.Exit(m.Run())
}

// toolsAgent serves the agent side of the protocol: it writes the tools of
// each episode/start, as they came, to the file dir/SEED.json, and answers
// every agent/act with the text "done" (a final answer, or a text action the
// env judges).
func toolsAgent(dir string) int {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 64<<20)
	for in.Scan() {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
		}
		if err := json.Unmarshal(in.Bytes(), &msg); err != nil {
			fmt.Fprintf(os.Stderr, "bad line from dojo: %v\n", err)
			return 1
		}
		result := `{}`
		switch msg.Method {
		case "episode/start":
			var p struct {
				Seed  uint64          `json:"seed"`
				Tools json.RawMessage `json:"tools"`
			}
			if err := json.Unmarshal(msg.Params, &p); err != nil {
				fmt.Fprintf(os.Stderr, "episode/start: %v\n", err)
				return 1
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.json", p.Seed)), p.Tools, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		case "agent/act":
			result = `{"action":"done"}`
		}
		if len(msg.ID) > 0 {
			fmt.Printf(`{"jsonrpc":"2.0","id":%s,"result":%s}`+"\n", msg.ID, result)
		}
	}
	return 0
}

// TestExecAgentStartsWithTheTaskTools runs episodes of every env with tools
// through the runner and the exec agent, and checks that each episode/start
// carries the episode's tools: the first observation's (the task's, where
// the env generates tasks), else the spec's. One agent (a pool of
// processes) plays every case, each case with seeds of its own.
func TestExecAgentStartsWithTheTaskTools(t *testing.T) {
	t.Parallel()
	reg := toolRegistry()
	dir := t.TempDir()
	agent, err := protocol.NewExecAgent(os.Args[0], protocol.ExecOptions{Env: []string{"DOJO_TOOLS_AGENT=" + dir}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { agent.Close() })
	for i, tc := range toolCases(t, reg) {
		base := uint64(i)<<32 | toolSeedBase // seeds of the case's own
		t.Run(tc.String(), func(t *testing.T) {
			t.Parallel()
			playToolCase(t, reg, tc, agent, "exec:tools", base, func(spec dojo.Spec, ep runner.Episode, want []dojo.Tool) {
				if spec.Action.Kind != dojo.KindToolCalls {
					want = ep.Reset.Obs.ToolsOr(&spec)
				}
				b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("%d.json", ep.Seed)))
				if err != nil {
					t.Fatalf("seed %d: the agent recorded no episode/start: %v", ep.Seed, err)
				}
				var got []dojo.Tool
				if err := json.Unmarshal(b, &got); err != nil || got == nil {
					t.Fatalf("seed %d: episode/start tools %s: want an array of tools (%v)", ep.Seed, b, err)
				}
				if diff := cmp.Diff(canonTools(t, want), canonTools(t, got)); diff != "" {
					t.Fatalf("seed %d: episode/start tools (-want +got):\n%s", ep.Seed, diff)
				}
			})
		})
	}
}
