package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents/openai"
	"github.com/dojo-rl/dojo/agents/openai/openaitest"
	"github.com/google/go-cmp/cmp"
)

// reply is one scripted answer of the fake server.
type reply = openaitest.Reply

// request is one request the fake server received.
type request = openaitest.Request

// newFake starts an OpenAI-compatible server that plays a script and
// records what it was sent. After the script it answers 500 and fails the
// test.
func newFake(t *testing.T, script ...reply) *openaitest.Server {
	return openaitest.NewServer(t, openaitest.Script(t, script...))
}

// jsonOf decodes s, for comparing with decoded request bodies.
func jsonOf(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

const addSchema = `{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}`

func toolSpec() dojo.Spec {
	return dojo.Spec{ID: "test/Add-v0", Action: dojo.Space{Kind: dojo.KindToolCalls, Tools: []dojo.Tool{
		{Name: "add", Description: "adds two numbers", InputSchema: json.RawMessage(addSchema)},
		{Name: "noop", Description: "does nothing"},
	}}}
}

func textSpec() dojo.Spec {
	return dojo.Spec{ID: "test/Walk-v0", Action: dojo.Discrete(2, "left", "right"), ObsText: true}
}

func mustNew(t *testing.T, cfg openai.Config) *openai.Agent {
	t.Helper()
	if cfg.RetryDelay == 0 {
		cfg.RetryDelay = time.Millisecond
		cfg.MaxRetryDelay = 4 * time.Millisecond
	}
	a, err := openai.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func start(t *testing.T, a *openai.Agent, spec dojo.Spec, seed uint64) dojo.Agent {
	t.Helper()
	ag, err := a.NewAgent(context.Background(), dojo.EpisodeStart{Seed: seed, Spec: spec})
	if err != nil {
		t.Fatalf("NewAgent: %v", err)
	}
	return ag
}

func usageOf(t *testing.T, ag dojo.Agent) map[string]float64 {
	t.Helper()
	u, ok := ag.(interface{ Usage() map[string]float64 })
	if !ok {
		t.Fatalf("the episode agent %T has no Usage method", ag)
	}
	return u.Usage()
}

// TestConversation plays a scripted tool-calling exchange and checks every
// request body sent and every action returned.
func TestConversation(t *testing.T) {
	t.Parallel()
	f := newFake(t,
		reply{Body: `{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":null,"reasoning_content":"think","tool_calls":[{"id":"call_a","type":"function","function":{"name":"add","arguments":"{\"a\": 2, \"b\": 3}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":50,"completion_tokens":12,"total_tokens":62}}`},
		reply{Body: `{"choices":[{"message":{"role":"assistant","content":"The sum is 5."},"finish_reason":"stop"}],"usage":{"prompt_tokens":70,"completion_tokens":6,"completion_tokens_details":{"reasoning_tokens":2}}}`},
	)
	temp := 0.5
	a := mustNew(t, openai.Config{
		BaseURL: f.URL + "/", Model: "qwen", APIKey: "sk-test", Temperature: &temp, MaxTokens: 256,
		SystemPrompt: "Be brief.", Extra: map[string]any{"top_p": 0.9, "chat_template_kwargs": map[string]bool{"enable_thinking": false}},
	})
	ag := start(t, a, toolSpec(), 1<<40+7)
	ctx := context.Background()

	first := dojo.Obs{Messages: []dojo.Message{
		{Role: "system", Content: "You add numbers."},
		{Role: "user", Content: "What is 2 + 3? <b>Use add</b>."},
	}}
	act, err := ag.Act(ctx, dojo.Turn{Obs: first})
	if err != nil {
		t.Fatalf("Act 1: %v", err)
	}
	wantAct := dojo.MessageAction("", dojo.ToolCall{ID: "call_a", Name: "add", Arguments: json.RawMessage(`{"a": 2, "b": 3}`)})
	if diff := cmp.Diff(wantAct, act); diff != "" {
		t.Errorf("action 1 (-want +got):\n%s", diff)
	}

	second := dojo.Obs{Messages: []dojo.Message{{Role: "tool", Content: "5", ToolCallID: "call_a", Name: "add"}}, Text: "ignored when messages are given"}
	act, err = ag.Act(ctx, dojo.Turn{Step: 1, Obs: second})
	if err != nil {
		t.Fatalf("Act 2: %v", err)
	}
	if diff := cmp.Diff(dojo.MessageAction("The sum is 5."), act); diff != "" {
		t.Errorf("action 2 (-want +got):\n%s", diff)
	}

	tools := `[{"type":"function","function":{"name":"add","description":"adds two numbers","parameters":` + addSchema + `}},
		{"type":"function","function":{"name":"noop","description":"does nothing","parameters":{"type":"object","properties":{}}}}]`
	head := `"model":"qwen","temperature":0.5,"max_tokens":256,"seed":7,"top_p":0.9,"chat_template_kwargs":{"enable_thinking":false},"tools":` + tools
	prompt := `{"role":"system","content":"You add numbers.\n\nBe brief."},{"role":"user","content":"What is 2 + 3? <b>Use add</b>."}`
	want := []any{
		jsonOf(t, `{`+head+`,"messages":[`+prompt+`]}`),
		jsonOf(t, `{`+head+`,"messages":[`+prompt+`,
			{"role":"assistant","content":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"add","arguments":"{\"a\": 2, \"b\": 3}"}}]},
			{"role":"tool","content":"5","name":"add","tool_call_id":"call_a"}]}`),
	}
	reqs := f.Requests()
	var got []any
	for _, r := range reqs {
		got = append(got, r.Body)
		if r.Path != "/v1/chat/completions" {
			t.Errorf("path %q, want /v1/chat/completions", r.Path)
		}
		if h := r.Header.Get("Authorization"); h != "Bearer sk-test" {
			t.Errorf("Authorization %q, want Bearer sk-test", h)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request bodies (-want +got):\n%s", diff)
	}
	wantUsage := map[string]float64{"prompt_tokens": 120, "completion_tokens": 18, "reasoning_tokens": 2, "requests": 2, "retries": 0}
	if diff := cmp.Diff(wantUsage, usageOf(t, ag)); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantUsage, a.Totals()); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
}

// TestEpisodeTools checks that the agent offers the episode's tools
// (EpisodeStart.Tools: the task's, which the runner takes from the first
// observation) on every turn, not the spec's, and the spec's when an
// EpisodeStart made by hand has none.
func TestEpisodeTools(t *testing.T) {
	t.Parallel()
	answer := reply{Body: `{"choices":[{"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`}
	spec := toolSpec()
	shown := []dojo.Tool{{Name: "mul", Description: "multiplies", InputSchema: json.RawMessage(addSchema)}, spec.Action.Tools[0]}
	tests := []struct {
		name  string
		tools []dojo.Tool
		want  string
	}{
		{"task tools", shown, `[{"type":"function","function":{"name":"mul","description":"multiplies","parameters":` + addSchema + `}},
			{"type":"function","function":{"name":"add","description":"adds two numbers","parameters":` + addSchema + `}}]`},
		{"none given", nil, `[{"type":"function","function":{"name":"add","description":"adds two numbers","parameters":` + addSchema + `}},
			{"type":"function","function":{"name":"noop","description":"does nothing","parameters":{"type":"object","properties":{}}}}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, answer, answer)
			a := mustNew(t, openai.Config{BaseURL: f.URL, Model: "m"})
			ag, err := a.NewAgent(context.Background(), dojo.EpisodeStart{Seed: 1, Spec: spec, Tools: tt.tools})
			if err != nil {
				t.Fatal(err)
			}
			for step, obs := range []dojo.Obs{{Text: "go"}, {Messages: []dojo.Message{{Role: "user", Content: "again"}}}} {
				if _, err := ag.Act(context.Background(), dojo.Turn{Step: step, Obs: obs}); err != nil {
					t.Fatalf("Act %d: %v", step, err)
				}
			}
			reqs := f.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			for i, r := range reqs {
				if diff := cmp.Diff(jsonOf(t, tt.want), r.Body["tools"]); diff != "" {
					t.Errorf("request %d tools (-want +got):\n%s", i+1, diff)
				}
			}
		})
	}
}

// TestReplies checks how each kind of completion becomes an action and
// which assistant message joins the history (the next request's).
func TestReplies(t *testing.T) {
	t.Parallel()
	msg := func(m string) string { return `{"choices":[{"message":` + m + `,"finish_reason":"stop"}]}` }
	call := func(id, name, args string) string {
		return `{"id":"` + id + `","type":"function","function":{"name":"` + name + `","arguments":` + args + `}}`
	}
	tc := func(id, name, args string) dojo.ToolCall {
		return dojo.ToolCall{ID: id, Name: name, Arguments: json.RawMessage(args)}
	}
	tests := []struct {
		name    string
		spec    dojo.Spec
		body    string
		want    dojo.Action
		history string // the assistant message in the next request
	}{
		{"final answer", toolSpec(), msg(`{"role":"assistant","content":"42"}`),
			dojo.MessageAction("42"), `{"role":"assistant","content":"42"}`},
		{"text space", textSpec(), msg(`{"role":"assistant","content":"right","refusal":null}`),
			dojo.TextAction("right"), `{"role":"assistant","content":"right"}`},
		{"content and two calls", toolSpec(), msg(`{"role":"assistant","content":"Adding.","tool_calls":[` + call("c1", "add", `"{\"a\":1,\"b\":2}"`) + `,` + call("c2", "noop", `""`) + `]}`),
			dojo.MessageAction("Adding.", tc("c1", "add", `{"a":1,"b":2}`), tc("c2", "noop", `{}`)),
			`{"role":"assistant","content":"Adding.","tool_calls":[` + call("c1", "add", `"{\"a\":1,\"b\":2}"`) + `,` + call("c2", "noop", `""`) + `]}`},
		{"arguments as an object", toolSpec(), msg(`{"role":"assistant","tool_calls":[` + call("c1", "add", `{"a":1,"b":2}`) + `]}`),
			dojo.MessageAction("", tc("c1", "add", `{"a":1,"b":2}`)),
			`{"role":"assistant","content":null,"tool_calls":[` + call("c1", "add", `{"a":1,"b":2}`) + `]}`},
		{"invalid arguments reach the env as a string", toolSpec(), msg(`{"role":"assistant","content":null,"tool_calls":[` + call("c1", "add", `"{a: 1, b: 2}"`) + `]}`),
			dojo.MessageAction("", tc("c1", "add", `"{a: 1, b: 2}"`)),
			`{"role":"assistant","content":null,"tool_calls":[` + call("c1", "add", `"{a: 1, b: 2}"`) + `]}`},
		{"truncated by max_tokens", toolSpec(), `{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[` + call("c1", "add", `"{\"a\": 1, \"b"`) + `]},"finish_reason":"length"}]}`,
			dojo.MessageAction("", tc("c1", "add", `"{\"a\": 1, \"b"`)),
			`{"role":"assistant","content":null,"tool_calls":[` + call("c1", "add", `"{\"a\": 1, \"b"`) + `]}`},
		{"missing ids are made up", toolSpec(), msg(`{"role":"assistant","content":"","tool_calls":[{"type":"function","function":{"name":"add","arguments":"{}"}},{"id":"","function":{"name":"noop"}}]}`),
			dojo.MessageAction("", tc("call_0_0", "add", `{}`), tc("call_0_1", "noop", `{}`)),
			`{"role":"assistant","content":"","tool_calls":[{"id":"call_0_0","type":"function","function":{"name":"add","arguments":"{}"}},{"id":"call_0_1","function":{"name":"noop"}}]}`},
		{"content parts", toolSpec(), msg(`{"role":"assistant","content":[{"type":"text","text":"4"},{"type":"text","text":"2"}]}`),
			dojo.MessageAction("42"), `{"role":"assistant","content":[{"type":"text","text":"4"},{"type":"text","text":"2"}]}`},
		{"null content, no calls", toolSpec(), msg(`{"role":"assistant","content":null}`),
			dojo.MessageAction(""), `{"role":"assistant","content":""}`},
		{"refusal", textSpec(), msg(`{"role":"assistant","content":null,"refusal":"I cannot."}`),
			dojo.TextAction("I cannot."), `{"role":"assistant","content":""}`},
		{"tool calls in a text space become blocks", textSpec(), msg(`{"role":"assistant","content":"go","tool_calls":[` + call("c1", "move", `"{\"dir\":\"left\"}"`) + `]}`),
			dojo.TextAction(`go` + "\n" + `<tool_call>{"name":"move","arguments":{"dir":"left"}}</tool_call>`),
			`{"role":"assistant","content":"go","tool_calls":[` + call("c1", "move", `"{\"dir\":\"left\"}"`) + `]}`},
		{"unknown fields dropped", toolSpec(), msg(`{"role":"assistant","content":"x","reasoning_content":"hmm","annotations":[],"audio":null}`),
			dojo.MessageAction("x"), `{"role":"assistant","content":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, reply{Body: tt.body}, reply{Body: msg(`{"role":"assistant","content":"bye"}`)})
			a := mustNew(t, openai.Config{BaseURL: f.URL, Model: "m", NoSeed: true})
			ag := start(t, a, tt.spec, 0)
			act, err := ag.Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Text: "start"}})
			if err != nil {
				t.Fatalf("Act: %v", err)
			}
			if diff := cmp.Diff(tt.want, act); diff != "" {
				t.Errorf("action (-want +got):\n%s", diff)
			}
			if _, err := json.Marshal(act); err != nil {
				t.Errorf("the action does not marshal (the episode record would fail): %v", err)
			}
			if _, err := ag.Act(context.Background(), dojo.Turn{Step: 1, Obs: dojo.Obs{Text: "next"}}); err != nil {
				t.Fatalf("Act 2: %v", err)
			}
			reqs := f.Requests()
			msgs := reqs[1].Body["messages"].([]any)
			want := []any{jsonOf(t, `{"role":"user","content":"start"}`), jsonOf(t, tt.history), jsonOf(t, `{"role":"user","content":"next"}`)}
			if diff := cmp.Diff(want, msgs); diff != "" {
				t.Errorf("second request's messages (-want +got):\n%s", diff)
			}
			_, hasTools := reqs[0].Body["tools"]
			if wantTools := tt.spec.Action.Kind == dojo.KindToolCalls; hasTools != wantTools {
				t.Errorf("tools sent: %v, want %v", hasTools, wantTools)
			}
			if _, hasSeed := reqs[0].Body["seed"]; hasSeed {
				t.Errorf("seed sent with NoSeed")
			}
		})
	}
}

// TestObservations checks the fallbacks from Messages to Text to Value.
func TestObservations(t *testing.T) {
	t.Parallel()
	ok := reply{Body: `{"choices":[{"message":{"role":"assistant","content":"left"}}]}`}
	f := newFake(t, ok, ok, ok)
	a := mustNew(t, openai.Config{BaseURL: f.URL, Model: "m", SystemPrompt: "Answer with one word."})
	ag := start(t, a, textSpec(), 3)
	for i, o := range []dojo.Obs{{Text: "you are at 0"}, {Value: []int{1, 5}}, {Messages: []dojo.Message{{Role: "user", Content: "at 2"}}}} {
		if _, err := ag.Act(context.Background(), dojo.Turn{Step: i, Obs: o}); err != nil {
			t.Fatalf("Act %d: %v", i, err)
		}
	}
	reqs := f.Requests()
	want := jsonOf(t, `[{"role":"system","content":"Answer with one word."},{"role":"user","content":"you are at 0"},
		{"role":"assistant","content":"left"},{"role":"user","content":"[1,5]"},
		{"role":"assistant","content":"left"},{"role":"user","content":"at 2"}]`)
	if diff := cmp.Diff(want, reqs[2].Body["messages"]); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	if got := reqs[0].Body["seed"]; got != 3.0 {
		t.Errorf("seed %v, want 3", got)
	}

	_, err := start(t, a, textSpec(), 0).Act(context.Background(), dojo.Turn{})
	if dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), "no messages, text or value") {
		t.Errorf("empty first observation: got %v, want an invalid error saying there is nothing to prompt with", err)
	}
}

// TestRetries plays server failures that are worth retrying, each followed
// by a good completion.
func TestRetries(t *testing.T) {
	t.Parallel()
	ok := reply{Body: `{"choices":[{"message":{"role":"assistant","content":"fine"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}`}
	tests := []struct {
		name    string
		replies []reply
	}{
		{"429 then success", []reply{{Status: 429, Header: map[string]string{"Retry-After-Ms": "30"}, Body: `{"error":{"message":"rate limited"}}`}}},
		{"500 and 502", []reply{{Status: 500, Body: "oops"}, {Status: 502, Body: "<html>bad gateway</html>"}}},
		{"503, 504, 408, 409", []reply{{Status: 503}, {Status: 504}, {Status: 408}, {Status: 409}}},
		{"body not JSON", []reply{{Body: `{"choices":[{"message":`}}},
		{"no choices", []reply{{Body: `{"choices":[]}`}, {Body: `{"object":"chat.completion"}`}}},
		{"error object with 200", []reply{{Body: `{"error":{"message":"upstream failed"}}`}}},
		{"message not an object", []reply{{Body: `{"choices":[{"message":"hi"}]}`}, {Body: `{"choices":[{"delta":{}}]}`}}},
		{"content of the wrong type", []reply{{Body: `{"choices":[{"message":{"content":5}}]}`}}},
		{"tool_calls not an array", []reply{{Body: `{"choices":[{"message":{"content":"","tool_calls":{"id":1}}}]}`}}},
		{"connection cut mid-body", []reply{{Cut: true, Body: `{"choices":[{"message":{"role":"assis`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, append(tt.replies, ok)...)
			a := mustNew(t, openai.Config{BaseURL: f.URL, Model: "m"})
			ag := start(t, a, toolSpec(), 0)
			t0 := time.Now()
			act, err := ag.Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Text: "go"}})
			if err != nil {
				t.Fatalf("Act: %v", err)
			}
			if diff := cmp.Diff(dojo.MessageAction("fine"), act); diff != "" {
				t.Errorf("action (-want +got):\n%s", diff)
			}
			if ra := tt.replies[0].Header["Retry-After-Ms"]; ra != "" && time.Since(t0) < 30*time.Millisecond {
				t.Errorf("retried after %v, before the server's Retry-After-Ms %s", time.Since(t0), ra)
			}
			reqs := f.Requests()
			if len(reqs) != len(tt.replies)+1 {
				t.Fatalf("%d requests, want %d", len(reqs), len(tt.replies)+1)
			}
			for i := 1; i < len(reqs); i++ {
				if diff := cmp.Diff(reqs[0].Body, reqs[i].Body); diff != "" {
					t.Errorf("retry %d sent another body (-first +retry):\n%s", i, diff)
				}
			}
			want := map[string]float64{"prompt_tokens": 1, "completion_tokens": 1, "requests": 1, "retries": float64(len(tt.replies))}
			if diff := cmp.Diff(want, usageOf(t, ag)); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
		})
	}
}

// TestErrors checks the failures Act reports, and that a wrong model or
// key stops later episodes at NewAgent.
func TestErrors(t *testing.T) {
	t.Parallel()
	fail := func(status int, body string) reply { return reply{Status: status, Body: body} }
	tests := []struct {
		name    string
		retries int
		replies []reply
		code    dojo.Code
		msg     []string // substrings of the error
		sticky  bool     // later NewAgent calls fail
	}{
		{"wrong model", 0, []reply{fail(404, `{"object":"error","message":"The model 'gpt-5' does not exist.","type":"NotFoundError","code":404}`)},
			dojo.CodeInvalid, []string{"404 Not Found", "The model 'gpt-5' does not exist.", "/v1/chat/completions"}, true},
		{"bad key", 0, []reply{fail(401, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`)},
			dojo.CodeInvalid, []string{"401 Unauthorized", "Incorrect API key provided", "DOJO_API_KEY"}, true},
		{"forbidden", 0, []reply{fail(403, `{"error":{"message":"Project does not have access to model"}}`)},
			dojo.CodeInvalid, []string{"403 Forbidden", "Project does not have access to model"}, true},
		{"context too long", 0, []reply{fail(400, `{"detail":"maximum context length is 4096 tokens"}`)},
			dojo.CodeInvalid, []string{"400 Bad Request", "maximum context length is 4096 tokens"}, false},
		{"plain text error", 0, []reply{fail(422, "unprocessable")},
			dojo.CodeInvalid, []string{"422", `"unprocessable"`}, false},
		{"500 until the retries run out", 2, []reply{fail(500, `{"error":{"message":"engine dead"}}`), fail(500, `{"error":{"message":"engine dead"}}`), fail(500, `{"error":{"message":"engine dead"}}`)},
			dojo.CodeUnavailable, []string{"500 Internal Server Error", "engine dead", "gave up after 3 attempts"}, false},
		{"no retries", -1, []reply{fail(503, "")},
			dojo.CodeUnavailable, []string{"503", "(empty body)", "gave up after 1 attempts"}, false},
		{"malformed until the retries run out", 1, []reply{{Body: "garbage"}, {Body: "garbage"}},
			dojo.CodeUnavailable, []string{"malformed completion", "garbage"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, tt.replies...)
			a := mustNew(t, openai.Config{BaseURL: f.URL, Model: "gpt-5", Retries: tt.retries})
			ag := start(t, a, toolSpec(), 0)
			_, err := ag.Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Text: "go"}})
			if code := dojo.ErrorCode(err); code != tt.code {
				t.Fatalf("error %v has code %q, want %q", err, code, tt.code)
			}
			if dojo.IsFatal(err) != tt.sticky {
				t.Errorf("error %v: fatal %v, want %v (a 401, 403 or 404 stops the run)", err, dojo.IsFatal(err), tt.sticky)
			}
			for _, s := range tt.msg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if n := len(f.Requests()); n != len(tt.replies) {
				t.Errorf("%d requests, want %d", n, len(tt.replies))
			}
			_, err = a.NewAgent(context.Background(), dojo.EpisodeStart{Spec: toolSpec()})
			if tt.sticky {
				if dojo.ErrorCode(err) != dojo.CodeInvalid || !dojo.IsFatal(err) || !strings.Contains(err.Error(), tt.msg[0]) {
					t.Errorf("NewAgent after %s: got %v, want an invalid error repeating it", tt.name, err)
				}
			} else if err != nil {
				t.Errorf("NewAgent after %s: %v", tt.name, err)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	a := mustNew(t, openai.Config{BaseURL: url, Model: "m", Retries: 2})
	_, err := start(t, a, toolSpec(), 0).Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Text: "go"}})
	if dojo.ErrorCode(err) != dojo.CodeUnavailable || !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("got %v (code %q), want an unavailable error saying the connection was refused", err, dojo.ErrorCode(err))
	}
	if got := a.Totals()["retries"]; got != 2 {
		t.Errorf("totals retries = %v, want 2", got)
	}
}

// TestAttemptTimeout checks that an attempt outlasting Config.Timeout is
// abandoned and retried.
func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	f := newFake(t, reply{Delay: 5 * time.Second, Body: "late"}, reply{Body: `{"choices":[{"message":{"content":"on time"}}]}`})
	a := mustNew(t, openai.Config{BaseURL: f.URL, Model: "m", Timeout: 100 * time.Millisecond})
	t0 := time.Now()
	act, err := start(t, a, textSpec(), 0).Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Text: "go"}})
	if err != nil {
		t.Fatalf("Act: %v", err)
	}
	if act.Text != "on time" || time.Since(t0) > 3*time.Second {
		t.Errorf("got %v after %v, want the second attempt's answer soon after 100ms", act, time.Since(t0))
	}
}

// TestCancel checks that canceling the context stops the retries at once,
// even while waiting out a Retry-After.
func TestCancel(t *testing.T) {
	t.Parallel()
	busy := reply{Status: 429, Header: map[string]string{"Retry-After": "30"}, Body: "slow down"}
	f := newFake(t, busy, busy)
	// A long backoff too: neither must be waited out.
	a, err := openai.New(openai.Config{BaseURL: f.URL, Model: "m", RetryDelay: time.Minute, MaxRetryDelay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(f.Requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	t0 := time.Now()
	_, err = start(t, a, textSpec(), 0).Act(ctx, dojo.Turn{Obs: dojo.Obs{Text: "go"}})
	if dojo.ErrorCode(err) != dojo.CodeCanceled || !errors.Is(err, context.Canceled) {
		t.Errorf("got %v (code %q), want a canceled error", err, dojo.ErrorCode(err))
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("Act returned %v after the cancel", d)
	}
	if n := len(f.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}

	// A deadline during a request is a timeout, not retried.
	f = newFake(t, reply{Delay: 10 * time.Second})
	a = mustNew(t, openai.Config{BaseURL: f.URL, Model: "m"})
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = start(t, a, textSpec(), 0).Act(ctx, dojo.Turn{Obs: dojo.Obs{Text: "go"}})
	if dojo.ErrorCode(err) != dojo.CodeTimeout {
		t.Errorf("got %v (code %q), want a timeout", err, dojo.ErrorCode(err))
	}
}

// TestRepeatedTurn checks that an Act retried with the same turn (the
// runner retrying an unavailable server) sends the same conversation.
func TestRepeatedTurn(t *testing.T) {
	t.Parallel()
	f := newFake(t, reply{Status: 503}, reply{Body: `{"choices":[{"message":{"content":"ok"}}]}`})
	a := mustNew(t, openai.Config{BaseURL: f.URL, Model: "m", Retries: -1})
	ag := start(t, a, textSpec(), 0)
	turn := dojo.Turn{Obs: dojo.Obs{Text: "go"}}
	if _, err := ag.Act(context.Background(), turn); dojo.ErrorCode(err) != dojo.CodeUnavailable {
		t.Fatalf("first Act: got %v, want unavailable", err)
	}
	if _, err := ag.Act(context.Background(), turn); err != nil {
		t.Fatalf("second Act: %v", err)
	}
	reqs := f.Requests()
	if diff := cmp.Diff(reqs[0].Body, reqs[1].Body); diff != "" {
		t.Errorf("the repeated turn changed the request (-first +second):\n%s", diff)
	}
}

// TestConcurrency checks that Config.Concurrency bounds the requests in
// flight across episodes.
func TestConcurrency(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Always(reply{Delay: 20 * time.Millisecond, Body: `{"choices":[{"message":{"content":"ok"}}]}`}))
	const limit, episodes, turns = 2, 8, 3
	a := mustNew(t, openai.Config{BaseURL: srv.URL, Model: "m", Concurrency: limit})
	var wg sync.WaitGroup
	for i := range episodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ag, err := a.NewAgent(context.Background(), dojo.EpisodeStart{Seed: uint64(i), Spec: textSpec()})
			if err != nil {
				t.Error(err)
				return
			}
			for s := range turns {
				if _, err := ag.Act(context.Background(), dojo.Turn{Step: s, Obs: dojo.Obs{Text: "go"}}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if p := srv.Peak(); p > limit || p < 2 {
		t.Errorf("peak of %d requests in flight, want %d (at most the limit, and parallel)", p, limit)
	}
	if got := a.Totals()["requests"]; got != episodes*turns {
		t.Errorf("%v requests, want %d", got, episodes*turns)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	neg, nan := -0.5, 0.0
	nan /= nan
	tests := []struct {
		name  string
		cfg   openai.Config
		field string // "" for ok
		msg   string
	}{
		{"ok", openai.Config{BaseURL: "http://localhost:8000/v1", Model: "m"}, "", ""},
		{"full endpoint", openai.Config{BaseURL: "https://api.openai.com/v1/chat/completions", Model: "m"}, "", ""},
		{"no url", openai.Config{Model: "m"}, "agent", "no base URL"},
		{"not http", openai.Config{BaseURL: "localhost:8000", Model: "m"}, "agent", "want an http or https URL"},
		{"no model", openai.Config{BaseURL: "http://x"}, "model", "no model"},
		{"negative temperature", openai.Config{BaseURL: "http://x", Model: "m", Temperature: &neg}, "temperature", "temperature -0.5"},
		{"NaN temperature", openai.Config{BaseURL: "http://x", Model: "m", Temperature: &nan}, "temperature", "temperature NaN"},
		{"negative max tokens", openai.Config{BaseURL: "http://x", Model: "m", MaxTokens: -1}, "max_tokens", "max tokens -1"},
		{"negative concurrency", openai.Config{BaseURL: "http://x", Model: "m", Concurrency: -2}, "concurrency", "concurrency -2"},
		{"negative rps", openai.Config{BaseURL: "http://x", Model: "m", RPS: -1}, "rps", "rps -1"},
		{"NaN rps", openai.Config{BaseURL: "http://x", Model: "m", RPS: nan}, "rps", "rps NaN"},
		{"negative burst", openai.Config{BaseURL: "http://x", Model: "m", RPS: 1, Burst: -1}, "burst", "burst -1"},
		{"negative last turns", openai.Config{BaseURL: "http://x", Model: "m", LastTurns: -1}, "history", "last -1 turns"},
		{"extra sets a reserved field", openai.Config{BaseURL: "http://x", Model: "m", Extra: map[string]any{"model": "x"}}, "extra", `"model" is set by the agent`},
		{"extra does not marshal", openai.Config{BaseURL: "http://x", Model: "m", Extra: map[string]any{"f": func() {}}}, "extra", `"f"`},
	}
	for _, tt := range tests {
		_, err := openai.New(tt.cfg)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if dojo.ErrorCode(err) != dojo.CodeInvalid || dojo.ErrorField(err) != tt.field || !strings.Contains(fmtErr(err), tt.msg) {
			t.Errorf("%s: got %v (code %q, field %q), want an invalid error on %q saying %q", tt.name, err, dojo.ErrorCode(err), dojo.ErrorField(err), tt.field, tt.msg)
		}
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestNewAgentSpaces(t *testing.T) {
	t.Parallel()
	a := mustNew(t, openai.Config{BaseURL: "http://x", Model: "m"})
	for _, sp := range []dojo.Space{{Kind: dojo.KindBox, Shape: []int{2}}, {Kind: dojo.KindDict}, {Kind: dojo.KindNone}} {
		_, err := a.NewAgent(context.Background(), dojo.EpisodeStart{Spec: dojo.Spec{ID: "t/X-v0", Action: sp}})
		if dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), string(sp.Kind)) {
			t.Errorf("%s space: got %v, want an invalid error naming the space", sp.Kind, err)
		}
	}
	bad := toolSpec()
	bad.Action.Tools[0].InputSchema = json.RawMessage(`{not json`)
	if _, err := a.NewAgent(context.Background(), dojo.EpisodeStart{Spec: bad}); dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), `tool "add"`) {
		t.Errorf("bad schema: got %v, want an invalid error naming the tool", err)
	}
}

func TestFromFlag(t *testing.T) {
	t.Parallel()
	env := map[string]string{"OPENAI_API_KEY": "sk-openai", "DOJO_API_KEY": "sk-dojo"}
	tests := []struct {
		agent   string
		env     []string
		key     string // the Authorization header sent
		wantErr string
	}{
		{"openai:URL", []string{"OPENAI_API_KEY", "DOJO_API_KEY"}, "Bearer sk-dojo", ""},
		{"openai:URL", []string{"OPENAI_API_KEY"}, "Bearer sk-openai", ""},
		{"openai:URL", nil, "", ""},
		{"openai:", nil, "", "no base URL"},
		{"vllm:URL", nil, "", "want openai:BASE_URL"},
	}
	for _, tt := range tests {
		f := newFake(t, reply{Body: `{"choices":[{"message":{"content":"x"}}]}`})
		getenv := func(k string) string {
			for _, e := range tt.env {
				if e == k {
					return env[k]
				}
			}
			return ""
		}
		a, err := openai.FromFlag(strings.Replace(tt.agent, "URL", f.URL, 1), openai.Config{Model: "m"}, getenv)
		if tt.wantErr != "" {
			if dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: got %v, want an invalid error saying %q", tt.agent, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.agent, err)
		}
		if _, err := start(t, a, textSpec(), 0).Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Text: "go"}}); err != nil {
			t.Fatal(err)
		}
		if got := f.Requests()[0].Header.Get("Authorization"); got != tt.key {
			t.Errorf("env %v: Authorization %q, want %q", tt.env, got, tt.key)
		}
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	temp := 0.7
	tests := []struct {
		cfg  openai.Config
		want string
	}{
		{openai.Config{BaseURL: "http://h:8000/v1/", Model: "qwen"}, "openai:http://h:8000/v1 model=qwen"},
		{openai.Config{BaseURL: "http://h/v1/chat/completions", Model: "m", Temperature: &temp, MaxTokens: 64, NoSeed: true, APIKey: "secret",
			Extra: map[string]any{"top_p": 0.9}}, `openai:http://h/v1 model=m temperature=0.7 max_tokens=64 seed=off extra={"top_p":0.9}`},
		// The history policy changes what the model sees; concurrency and
		// rate only when it sees it.
		{openai.Config{BaseURL: "http://h/v1", Model: "m", LastTurns: 3, Concurrency: 8, RPS: 2, Burst: 4, Extra: map[string]any{"top_p": 0.9}},
			`openai:http://h/v1 model=m history=last:3 extra={"top_p":0.9}`},
	}
	for _, tt := range tests {
		a, err := openai.New(tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Name(); got != tt.want {
			t.Errorf("Name() = %q, want %q", got, tt.want)
		}
	}
}
