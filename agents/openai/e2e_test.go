package openai_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents/openai"
	"github.com/dojo-rl/dojo/agents/openai/openaitest"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/reward"
	"github.com/dojo-rl/dojo/runner"
	"github.com/google/go-cmp/cmp"
)

// addEnv is a small tool-calling env: "what is A + B?", with a tool add(a,
// b). Calling add with numbers answers with their sum; a message without
// tool calls is the final answer, a success when add was called and the
// text is the sum. A call of another tool or with bad arguments is invalid
// (component "invalid" = 1, weight -0.1 when shaped).
type addEnv struct {
	spec          dojo.Spec
	parts         *reward.Parts
	a, b, steps   int
	called, ended bool
	started       bool
}

const addID = "test/Add-v0"

func addSpec() dojo.Spec {
	return dojo.Spec{
		ID: addID, Description: "add two numbers with the add tool, then answer the sum",
		Observation: dojo.Space{Kind: dojo.KindNone}, ObsText: true,
		Action: dojo.Space{Kind: dojo.KindToolCalls, Tools: []dojo.Tool{
			{Name: "add", Description: "returns a + b", InputSchema: json.RawMessage(addSchema)},
		}},
		MaxSteps: 4,
		Rewards: []dojo.Component{
			{Name: "success", Description: "1 for the right sum after calling add", Shaped: 1},
			{Name: "invalid", Description: "1 for a bad tool call", Shaped: -0.1},
		},
		DefaultProfile: "shaped",
	}
}

// addRegistry is a registry of addEnv alone.
func addRegistry() *dojo.Registry {
	reg := &dojo.Registry{}
	reg.MustRegister(addSpec(), func(opts dojo.Options) (dojo.Env, error) {
		e := &addEnv{}
		e.spec, _ = reg.Spec(addID)
		e.parts = reward.MustNew(&e.spec, opts)
		return e, nil
	})
	return reg
}

func (e *addEnv) Spec() dojo.Spec { return e.spec }

func (e *addEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	rng := rand.New(rand.NewPCG(seed, 5))
	e.a, e.b, e.steps, e.called, e.ended, e.started = rng.IntN(100), rng.IntN(100), 0, false, false, true
	e.parts.Reset()
	return dojo.Obs{Messages: []dojo.Message{
		{Role: "system", Content: "Call add, then answer with the sum alone."},
		{Role: "user", Content: fmt.Sprintf("What is %d + %d?", e.a, e.b)},
	}}, dojo.Info{Parts: e.parts.Parts()}, nil
}

func (e *addEnv) Step(ctx context.Context, act dojo.Action) (dojo.Step, error) {
	switch {
	case !e.started:
		return dojo.Step{}, dojo.ErrNotReset
	case e.ended:
		return dojo.Step{}, dojo.ErrEnded
	}
	e.steps++
	e.parts.Reset()
	var s dojo.Step
	var bad []string
	switch {
	case act.Kind == dojo.ActIndex:
		bad = append(bad, "want a message, not a discrete action")
		s.Obs.Text = "error: " + bad[0]
	case len(act.ToolCalls) == 0:
		e.ended, s.Terminated = true, true
		s.Info.Success = e.called && strings.TrimSpace(act.Text) == strconv.Itoa(e.a+e.b)
	default:
		for _, c := range act.ToolCalls {
			var args struct{ A, B *float64 }
			out := ""
			switch err := json.Unmarshal(c.Arguments, &args); {
			case c.Name != "add":
				out = fmt.Sprintf("error: unknown tool %q (tools: add)", c.Name)
			case err != nil || args.A == nil || args.B == nil:
				out = fmt.Sprintf("error: add wants {\"a\": number, \"b\": number}, got %s", c.Arguments)
			default:
				out = strconv.FormatFloat(*args.A+*args.B, 'g', -1, 64)
				e.called = true
			}
			if strings.HasPrefix(out, "error") {
				bad = append(bad, out)
			}
			s.Obs.Messages = append(s.Obs.Messages, dojo.Message{Role: "tool", Content: out, ToolCallID: c.ID, Name: c.Name})
		}
	}
	if len(bad) > 0 {
		s.Info.Invalid, s.Info.Error = true, strings.Join(bad, "; ")
		e.parts.Set(1, 1)
	}
	if s.Info.Success {
		e.parts.Set(0, 1)
	}
	if !e.ended && e.steps >= e.spec.MaxSteps {
		e.ended, s.Truncated = true, true
	}
	s.Reward, s.Info.Parts = e.parts.Sum(), e.parts.Parts()
	return s, nil
}

// OracleAction calls add, then answers.
func (e *addEnv) OracleAction(ctx context.Context) (dojo.Action, error) {
	if !e.called {
		return dojo.MessageAction("", dojo.ToolCall{ID: "oracle", Name: "add", Arguments: json.RawMessage(fmt.Sprintf(`{"a":%d,"b":%d}`, e.a, e.b))}), nil
	}
	return dojo.MessageAction(strconv.Itoa(e.a + e.b)), nil
}

func TestAddEnv(t *testing.T) {
	t.Parallel()
	reg := addRegistry()
	env, err := reg.Make(addID, nil)
	if err != nil {
		t.Fatal(err)
	}
	dojotest.CheckEnv(t, env)
}

// scriptedLLM answers like a model that solves addEnv: to the question it
// calls add with the numbers asked; to a tool result it answers with it. It
// fails the first request of episodes whose seed is 2 with a 503, and
// checks that every request carries the tool and the seed.
func scriptedLLM(t *testing.T) openaitest.Responder {
	var mu sync.Mutex
	failed := false
	return func(r *openaitest.Request) openaitest.Reply {
		var req struct {
			Model    string
			Seed     uint64
			Tools    []map[string]any
			Messages []struct {
				Role, Content string
			}
		}
		if err := json.Unmarshal(r.Raw, &req); err != nil {
			t.Errorf("request: %v", err)
		}
		if req.Model != "adder" || len(req.Tools) != 1 {
			t.Errorf("request for model %q with %d tools, want adder with 1", req.Model, len(req.Tools))
		}
		mu.Lock()
		fail := req.Seed == 2 && !failed
		failed = failed || fail
		mu.Unlock()
		if fail {
			return openaitest.Reply{Status: 503, Header: map[string]string{"Retry-After-Ms": "1"}, Body: `{"error":{"message":"warming up"}}`}
		}
		last := req.Messages[len(req.Messages)-1]
		n := len(req.Messages)
		var msg string
		switch last.Role {
		case "user":
			var a, b int
			fmt.Sscanf(last.Content, "What is %d + %d?", &a, &b)
			args, _ := json.Marshal(fmt.Sprintf(`{"a": %d, "b": %d}`, a, b))
			msg = `{"role":"assistant","content":null,"tool_calls":[{"id":"call_` + strconv.Itoa(n) + `","type":"function","function":{"name":"add","arguments":` + string(args) + `}}]}`
		case "tool":
			c, _ := json.Marshal(last.Content)
			msg = `{"role":"assistant","content":` + string(c) + `}`
		default:
			t.Errorf("last message from %q", last.Role)
		}
		return openaitest.Reply{Body: fmt.Sprintf(`{"choices":[{"index":0,"message":%s,"finish_reason":"stop"}],"usage":{"prompt_tokens":%d,"completion_tokens":10}}`, msg, 20*n)}
	}
}

// TestRun runs the agent through runner.Run against the scripted server and
// checks the episode records.
func TestRun(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, scriptedLLM(t))
	reg := addRegistry()
	a := mustNew(t, openai.Config{BaseURL: srv.URL, Model: "adder", Concurrency: 2})

	// Keep each episode's agent to read its usage as the runner would.
	var mu sync.Mutex
	usage := map[int]map[string]float64{}
	var agents []func()
	maker := dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		ag, err := a.NewAgent(ctx, ep)
		if err == nil {
			mu.Lock()
			agents = append(agents, func() { usage[ep.Index] = ag.(interface{ Usage() map[string]float64 }).Usage() })
			mu.Unlock()
		}
		return ag, err
	})
	out := filepath.Join(t.TempDir(), "run.jsonl")
	const episodes = 6
	sum, err := runner.Run(context.Background(), runner.Config{
		Registry: reg, Env: addID, Agent: maker, AgentName: a.Name(),
		Episodes: episodes, Workers: 3, Out: out,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, f := range agents {
		f()
	}
	if sum.Successes != episodes {
		t.Errorf("%d of %d episodes succeeded", sum.Successes, episodes)
	}
	fh, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	eps, err := runner.ReadEpisodes(fh)
	if err != nil {
		t.Fatal(err)
	}
	if len(eps) != episodes {
		t.Fatalf("%d records, want %d", len(eps), episodes)
	}
	for _, ep := range eps {
		if ep.Error != "" || !ep.Success || ep.Length != 2 || ep.Agent != "openai:"+srv.URL+" model=adder" {
			t.Errorf("episode %d: error %q, success %v, length %d, agent %q", ep.Episode, ep.Error, ep.Success, ep.Length, ep.Agent)
			continue
		}
		// The seed decides the question, the question the calls.
		var q addEnv
		q.spec = addSpec()
		q.parts = reward.MustNew(&q.spec, dojo.Options{"reward": "sparse"})
		q.Reset(context.Background(), ep.Seed)
		want := []dojo.Action{
			dojo.MessageAction("", dojo.ToolCall{ID: "call_2", Name: "add", Arguments: json.RawMessage(fmt.Sprintf(`{"a": %d, "b": %d}`, q.a, q.b))}),
			dojo.MessageAction(strconv.Itoa(q.a + q.b)),
		}
		got := []dojo.Action{ep.Steps[0].Action, ep.Steps[1].Action}
		if diff := cmp.Diff(want, got, cmp.Transformer("compact", compactArgs)); diff != "" {
			t.Errorf("episode %d actions (-want +got):\n%s", ep.Episode, diff)
		}
		retries := 0.0
		if ep.Seed == 2 {
			retries = 1
		}
		wantUsage := map[string]float64{"prompt_tokens": 40 + 80, "completion_tokens": 20, "requests": 2, "retries": retries}
		if diff := cmp.Diff(wantUsage, usage[ep.Episode]); diff != "" {
			t.Errorf("episode %d usage (-want +got):\n%s", ep.Episode, diff)
		}
	}
	wantTotals := map[string]float64{"prompt_tokens": 120 * episodes, "completion_tokens": 20 * episodes, "requests": 2 * episodes, "retries": 1}
	if diff := cmp.Diff(wantTotals, a.Totals()); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
}

// compactArgs compares tool-call arguments as JSON, not as bytes (the
// record compacts them).
func compactArgs(c dojo.ToolCall) string {
	var v any
	json.Unmarshal(c.Arguments, &v)
	b, _ := json.Marshal(v)
	return c.ID + " " + c.Name + " " + string(b)
}

// TestRejectedKeyStopsTheRun plays a run against a server answering 401:
// the run stops at once with the server's message, records nothing, and
// sends no more than one request per worker.
func TestRejectedKeyStopsTheRun(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Always(openaitest.Reply{Status: http.StatusUnauthorized, Body: `{"error":{"message":"Incorrect API key provided: sk-bad"}}`}))
	reg := addRegistry()
	// At most one request per episode in flight goes out: those on their
	// way when the first 401 comes back.
	const inFlight = 4
	a, err := openai.New(openai.Config{BaseURL: srv.URL, Model: "adder", Concurrency: inFlight})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run.jsonl")
	sum, err := runner.Run(context.Background(), runner.Config{Registry: reg, Env: addID, Agent: a, AgentName: a.Name(), Episodes: 100, Out: out})
	if err == nil || !dojo.IsFatal(err) || !strings.Contains(err.Error(), "401 Unauthorized: Incorrect API key provided: sk-bad") {
		t.Fatalf("run error %v, want the server's 401 message, fatal", err)
	}
	if sum == nil || sum.Episodes != 0 {
		t.Errorf("summary %+v, want no episode recorded", sum)
	}
	if data, _ := os.ReadFile(out); len(data) != 0 {
		t.Errorf("file holds %q, want nothing", data)
	}
	if requests := srv.Count(); requests > inFlight {
		t.Errorf("%d requests with %d episodes in flight: the run went on after the 401", requests, inFlight)
	}
}

// TestTextlessEnvIsRefused: an env that can describe itself in text, made
// without it, would send a model its raw value ("0" for FrozenLake); the
// run stops at once naming the options to set, before any request.
func TestTextlessEnvIsRefused(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Always(openaitest.Reply{Body: `{"choices":[{"message":{"role":"assistant","content":"left"}}]}`}))
	a, err := openai.New(openai.Config{BaseURL: srv.URL, Model: "m", Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	reg := envs.Default()
	run := func(opts dojo.Options) (*runner.Summary, error) {
		return runner.Run(context.Background(), runner.Config{Registry: reg, Env: "gridworld/FrozenLake-v1", Options: opts, Agent: a, AgentName: a.Name(), Episodes: 4})
	}
	_, err = run(nil)
	if !dojo.IsFatal(err) || dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), "--opt text=true --opt instructions=true") {
		t.Errorf("FrozenLake without text: %v, want a fatal error naming --opt text=true --opt instructions=true", err)
	}
	if n := srv.Count(); n != 0 {
		t.Errorf("%d requests sent for an env without text", n)
	}
	sum, err := run(dojo.Options{"text": true, "instructions": true})
	if err != nil || sum.Episodes != 4 || srv.Count() == 0 {
		t.Errorf("FrozenLake with text: %v, summary %+v, %d requests", err, sum, srv.Count())
	}
}
