package mcpserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

var defaultReg = sync.OnceValue(envs.Default)

func newServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Registry == nil {
		cfg.Registry = defaultReg()
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func newClient() *mcp.Client {
	return mcp.NewClient(&mcp.Implementation{Name: "dojo-test", Version: "1"}, nil)
}

// connectMemory connects an SDK client with its default handshake over an
// in-memory transport.
func connectMemory(t testing.TB, s *Server, opts *mcp.ClientSessionOptions) *mcp.ClientSession {
	t.Helper()
	ctx := testCtx(t)
	st, ct := mcp.NewInMemoryTransports()
	ss, err := s.Connect(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := newClient().Connect(ctx, ct, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close(); ss.Wait() })
	return cs
}

// connectStdio connects an SDK client to ServeStdio over pipes.
func connectStdio(t testing.TB, s *Server) *mcp.ClientSession {
	t.Helper()
	ctx := testCtx(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- s.ServeStdio(ctx, inR, outW); outW.Close() }()
	cs, err := newClient().Connect(ctx, &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		inW.Close()
		if err := <-done; err != nil {
			t.Errorf("ServeStdio: %v", err)
		}
	})
	return cs
}

func connectHTTP(t testing.TB, s *Server, opts *mcp.ClientSessionOptions) *mcp.ClientSession {
	t.Helper()
	ts := httptest.NewServer(s.HTTPHandler())
	t.Cleanup(ts.Close)
	cs, err := newClient().Connect(testCtx(t), &mcp.StreamableClientTransport{Endpoint: ts.URL}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// call calls a tool and returns its result; a protocol error fails the test.
func call(t testing.TB, cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(testCtx(t), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func text(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func decode[T any](t testing.TB, r *mcp.CallToolResult) T {
	t.Helper()
	var v T
	if r.IsError {
		t.Fatalf("tool error: %s", text(r))
	}
	b, err := json.Marshal(r.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("structured content %s: %v", b, err)
	}
	return v
}

// wantError checks that r is a tool error whose text contains every want.
func wantError(t *testing.T, r *mcp.CallToolResult, want ...string) {
	t.Helper()
	if !r.IsError {
		t.Fatalf("want a tool error containing %q, got %s", want, text(r))
	}
	for _, w := range want {
		if !strings.Contains(text(r), w) {
			t.Errorf("error %q does not contain %q", text(r), w)
		}
	}
}

// episodeRun is an episode played through MCP with a shadow env stepped
// with the same actions, from which the secrets to scan for come.
type episodeRun struct {
	started   Started
	results   []*mcp.CallToolResult // every result before end_episode
	ended     Ended
	shadowRet float64
	shadowOK  bool
	infos     []dojo.Info
	obsTexts  []string
	lastObs   string
}

// policy gives the next action, from the shadow env.
type policy func(ctx context.Context, env dojo.Env, turn int) (dojo.Action, bool)

func oracle(ctx context.Context, env dojo.Env, turn int) (dojo.Action, bool) {
	a, err := env.(dojo.Oracle).OracleAction(ctx)
	if err != nil {
		panic(err)
	}
	return a, true
}

// play plays an episode of id through cs. The policy's tool calls are sent
// one per step (the shadow gets each as its own step too); a reply without
// calls goes as end_episode's answer. With stop (policy returns false) the
// episode is ended as it stands.
func play(t *testing.T, cs *mcp.ClientSession, id string, opts dojo.Options, seed uint64, pol policy) episodeRun {
	t.Helper()
	ctx := testCtx(t)
	var run episodeRun
	args := map[string]any{"env": id, "seed": seed}
	if opts != nil {
		args["options"] = opts
	}
	res := call(t, cs, "start_episode", args)
	run.results = append(run.results, res)
	run.started = decode[Started](t, res)
	if run.started.Handle == "" || len(run.started.Tools) == 0 {
		t.Fatalf("start_episode %s: no handle or tools: %s", id, text(res))
	}
	// The text content is the structured content as JSON, for older clients.
	var fromText Started
	if err := json.Unmarshal([]byte(text(res)), &fromText); err != nil || fromText.Handle != run.started.Handle {
		t.Fatalf("start_episode's text content is not its result as JSON: %v", err)
	}
	mcpName := map[string]string{}
	for _, tl := range run.started.Tools {
		env := tl.EnvName
		if env == "" {
			env = tl.Name
		}
		mcpName[env] = tl.Name
	}

	shadowOpts := dojo.Options{}
	for k, v := range run.started.Options {
		shadowOpts[k] = v
	}
	shadow, err := defaultReg().Make(id, shadowOpts)
	if err != nil {
		t.Fatal(err)
	}
	defer dojo.Close(shadow)
	obs, info, err := shadow.Reset(ctx, seed)
	if err != nil {
		t.Fatal(err)
	}
	if obs.Text != run.started.Text || len(obs.Messages) != len(run.started.Messages) {
		t.Fatalf("start_episode's task differs from the env's first observation")
	}
	run.infos = append(run.infos, info.Clone())
	run.obsTexts = append(run.obsTexts, obsText(obs))
	steps := 0
	var answer *string
	done := false
	for turn := 0; !done && turn < 40; turn++ {
		a, ok := pol(ctx, shadow, turn)
		if !ok {
			break
		}
		if len(a.ToolCalls) == 0 {
			s := a.Text
			answer = &s
			st, err := shadow.Step(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			run.shadowRet += st.Reward
			run.shadowOK = st.Info.Success
			run.infos = append(run.infos, st.Info.Clone())
			run.lastObs = obsText(st.Obs)
			break
		}
		for _, c := range a.ToolCalls {
			name, ok := mcpName[c.Name]
			if !ok {
				t.Fatalf("%s seed %d: the policy calls %s, not among the episode's tools %v", id, seed, c.Name, run.started.Tools)
			}
			var cargs map[string]any
			if err := json.Unmarshal(c.Arguments, &cargs); err != nil {
				t.Fatal(err)
			}
			if cargs == nil {
				cargs = map[string]any{}
			}
			cargs["handle"] = run.started.Handle
			res := call(t, cs, name, cargs)
			run.results = append(run.results, res)
			sr := decode[StepResult](t, res)
			steps++
			delete(cargs, "handle")
			b, _ := json.Marshal(cargs)
			call := dojo.ToolCall{ID: fmt.Sprintf("call_%d", steps), Name: c.Name, Arguments: b}
			st, err := shadow.Step(ctx, dojo.MessageAction("", call))
			if err != nil {
				t.Fatal(err)
			}
			run.shadowRet += st.Reward
			run.shadowOK = st.Info.Success
			run.infos = append(run.infos, st.Info.Clone())
			if sr.Step != steps || sr.Ended != st.Done() || sr.Terminated != st.Terminated {
				t.Fatalf("%s step %d: result %+v, the env's step: done %v", id, steps, sr, st.Done())
			}
			if st.Done() {
				run.lastObs = obsText(st.Obs)
				done = true
				break
			}
			want := toolText(st.Obs, call.ID)
			if sr.Content != want || text(res) != want {
				t.Fatalf("%s step %d: result %q, want the env's tool message %q", id, steps, sr.Content, want)
			}
			run.obsTexts = append(run.obsTexts, obsText(st.Obs))
		}
	}
	endArgs := map[string]any{"handle": run.started.Handle}
	if answer != nil {
		endArgs["answer"] = *answer
	}
	run.ended = decode[Ended](t, call(t, cs, "end_episode", endArgs))
	if run.ended.Return != run.shadowRet || run.ended.Success != run.shadowOK {
		t.Fatalf("%s seed %d: end_episode gives reward %v success %v; the env gave %v, %v", id, seed, run.ended.Return, run.ended.Success, run.shadowRet, run.shadowOK)
	}
	return run
}

// tc is an env of each family with its options.
type tc struct {
	id   string
	opts dojo.Options
}

var families = []tc{
	{"toolcall/Bank-v0", nil},
	{"sql/HR-v0", nil},
	{"websim/SearchQA-v0", nil},
	{"websim/Shop-v0", nil},
}

var toolcallWorlds = []string{"Bank", "Calendar", "Shop", "Travel", "Files", "Contacts", "Utility", "Mixed"}

// checkOracle plays the oracle through cs and checks success.
func checkOracle(t *testing.T, cs *mcp.ClientSession, c tc, seed uint64) episodeRun {
	t.Helper()
	run := play(t, cs, c.id, c.opts, seed, oracle)
	if !run.ended.Success || !run.ended.Finished {
		t.Fatalf("%s seed %d: the oracle through MCP did not succeed: %+v", c.id, seed, run.ended)
	}
	if len(run.ended.Parts) == 0 {
		t.Errorf("%s: end_episode gives no reward parts", c.id)
	}
	checkNoLeak(t, c.id, run)
	return run
}

func TestDefaultHandshakeEveryFamily(t *testing.T) {
	s := newServer(t, Config{})
	for _, tr := range []struct {
		name    string
		connect func() *mcp.ClientSession
	}{
		{"memory", func() *mcp.ClientSession { return connectMemory(t, s, nil) }},
		{"stdio", func() *mcp.ClientSession { return connectStdio(t, s) }},
		{"http", func() *mcp.ClientSession { return connectHTTP(t, s, nil) }},
	} {
		t.Run(tr.name, func(t *testing.T) {
			cs := tr.connect()
			if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
				t.Errorf("negotiated %s, want the client's default 2026-07-28 (server/discover)", v)
			}
			lt, err := cs.ListTools(testCtx(t), nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tl := range lt.Tools {
				names = append(names, tl.Name)
			}
			for _, want := range []string{"start_episode", "end_episode", "list_envs", "run_sql", "submit_sql", "search", "open", "answer", "shop_search", "click", "transfer"} {
				if !slices.Contains(names, want) {
					t.Errorf("tools/list lacks %s: %v", want, names)
				}
			}
			if !slices.Equal(names, s.ToolNames()) {
				t.Errorf("tools/list %v, want %v", names, s.ToolNames())
			}
			for _, c := range families {
				checkOracle(t, cs, c, 3)
			}
		})
	}
}

func TestOracleToolcallWorlds(t *testing.T) {
	s := newServer(t, Config{})
	cs := connectMemory(t, s, nil)
	for _, w := range toolcallWorlds {
		for seed := range uint64(3) {
			checkOracle(t, cs, tc{"toolcall/" + w + "-v0", nil}, seed)
		}
	}
	for _, c := range []tc{
		{"toolcall/Mixed-v0", dojo.Options{"hops": 2, "kind": "multi"}},
		{"toolcall/Bank-v0", dojo.Options{"kind": "recovery"}},
		{"toolcall/Travel-v0", dojo.Options{"kind": "parallel"}},
		{"sql/Generated-v0", nil},
		{"sql/School-v0", dojo.Options{"difficulty": "hard"}},
		{"websim/SearchQA-Bridge-v0", nil},
		{"websim/SearchR1-v0", nil}, // played in its tools mode
		{"websim/Shop-v0", dojo.Options{"products": 200}},
	} {
		for seed := range uint64(2) {
			checkOracle(t, cs, c, seed)
		}
	}
	if n := s.Open(); n != 0 {
		t.Errorf("%d episodes open after every end_episode", n)
	}
}

// wrong policies: a wrong final answer for each family.
func wrongAnswer(id string) policy {
	return func(ctx context.Context, env dojo.Env, turn int) (dojo.Action, bool) {
		switch dojo.Family(id) {
		case "sql":
			return dojo.MessageAction("", dojo.ToolCall{Name: "submit_sql", Arguments: json.RawMessage(`{"sql":"SELECT 1 WHERE 0"}`)}), true
		case "websim":
			if strings.Contains(id, "Shop") {
				if turn == 0 {
					return dojo.MessageAction("", dojo.ToolCall{Name: "search", Arguments: json.RawMessage(`{"query":"zzzz qqqq"}`)}), true
				}
				return dojo.Action{}, false // leave without buying
			}
			if turn == 0 {
				return dojo.MessageAction("", dojo.ToolCall{Name: "search", Arguments: json.RawMessage(`{"query":"history"}`)}), true
			}
			return dojo.MessageAction("", dojo.ToolCall{Name: "answer", Arguments: json.RawMessage(`{"text":"Nobody Atall"}`)}), true
		default:
			return dojo.MessageAction("I could not do it."), true
		}
	}
}

func TestWrongAnswerScoresZero(t *testing.T) {
	s := newServer(t, Config{})
	cs := connectMemory(t, s, nil)
	for _, c := range append(families, tc{"toolcall/Mixed-v0", nil}) {
		opts := dojo.Options{"reward": "sparse"}
		for k, v := range c.opts {
			opts[k] = v
		}
		run := play(t, cs, c.id, opts, 1, wrongAnswer(c.id))
		if run.ended.Success || run.ended.Return != 0 {
			t.Errorf("%s: a wrong answer gives success %v reward %v, want false and 0", c.id, run.ended.Success, run.ended.Return)
		}
		for _, p := range run.ended.Parts {
			if p.Name == dojo.SuccessComponent && p.Value != 0 {
				t.Errorf("%s: success part %v", c.id, p.Value)
			}
		}
		if c.id == "websim/Shop-v0" {
			if run.ended.Finished || !strings.Contains(run.ended.Note, "had not ended") {
				t.Errorf("%s: an episode left running: finished %v, note %q", c.id, run.ended.Finished, run.ended.Note)
			}
		} else if !run.ended.Finished {
			t.Errorf("%s: the wrong answer did not end the episode", c.id)
		}
		checkNoLeak(t, c.id, run)
		// The gold (the oracle's answer) appears in no result of the
		// wrong episode.
		for _, g := range golds(t, c, 1) {
			for i, r := range run.results {
				if j, _ := json.Marshal(r); strings.Contains(string(j), g) {
					t.Errorf("%s: result %d shows the gold %q", c.id, i, g)
				}
			}
		}
	}
}

// golds are the gold answers of an episode, from its oracle: the SQL it
// submits, the answer it gives, its final reply.
func golds(t *testing.T, c tc, seed uint64) []string {
	ctx := testCtx(t)
	env, err := defaultReg().Make(c.id, c.opts)
	if err != nil {
		t.Fatal(err)
	}
	defer dojo.Close(env)
	if _, _, err := env.Reset(ctx, seed); err != nil {
		t.Fatal(err)
	}
	var out []string
	for range 30 {
		a, err := env.(dojo.Oracle).OracleAction(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.ToolCalls) == 0 && len(a.Text) > 8 {
			out = append(out, a.Text)
		}
		for _, tc := range a.ToolCalls {
			var m map[string]any
			json.Unmarshal(tc.Arguments, &m)
			switch tc.Name {
			case "submit_sql":
				out = append(out, m["sql"].(string))
			case "answer":
				out = append(out, `"`+m["text"].(string)+`"`) // as a JSON string of its own
			}
		}
		st, err := env.Step(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if st.Done() {
			break
		}
	}
	return out
}

// checkNoLeak scans every result before end_episode for rewards, reward
// parts, success, the env's info and the observation that ended the
// episode.
func checkNoLeak(t *testing.T, id string, run episodeRun) {
	t.Helper()
	opts, _ := json.Marshal(run.started.Options)
	seen := strings.Join(run.obsTexts, "\n") + string(opts)
	var secrets []string
	if run.lastObs != "" && !strings.Contains(seen, run.lastObs) {
		secrets = append(secrets, run.lastObs)
	}
	for _, info := range run.infos {
		for _, x := range infoStrings(info.Extra) {
			if len(x) >= 4 && !strings.Contains(seen, x) {
				secrets = append(secrets, x)
			}
		}
	}
	for i, r := range run.results {
		if r.IsError {
			continue
		}
		b, _ := json.Marshal(r)
		for _, sec := range secrets {
			if strings.Contains(string(b), jsonInner(sec)) {
				t.Errorf("%s: result %d reveals %q before the end", id, i, sec)
			}
		}
		var v any
		json.Unmarshal(b, &v)
		walkKeys(v, func(k string) {
			if k == "options" {
				return
			}
			switch k {
			case "reward", "parts", "success", "info", "metrics", "extra", "score":
				t.Errorf("%s: result %d has a %q member before the end: %.300s", id, i, k, b)
			}
		})
		for _, p := range run.ended.Parts {
			if strings.Contains(string(b), `"`+p.Name+`":`) {
				t.Errorf("%s: result %d names reward part %q as a member", id, i, p.Name)
			}
		}
	}
}

// jsonInner is s as it appears inside a JSON string.
func jsonInner(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

func infoStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case map[string]any:
		for _, e := range x {
			out = append(out, infoStrings(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, infoStrings(e)...)
		}
	default:
		if v != nil {
			b, _ := json.Marshal(v)
			var g any
			if json.Unmarshal(b, &g) == nil {
				if _, isStr := g.(string); !isStr {
					switch g.(type) {
					case map[string]any, []any:
						out = append(out, infoStrings(g)...)
					}
				}
			}
		}
	}
	return out
}

// walkKeys calls f with every member name in v, except inside the
// "options" members (the caller's own options, such as "reward").
func walkKeys(v any, f func(string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			f(k)
			if k != "options" {
				walkKeys(e, f)
			}
		}
	case []any:
		for _, e := range x {
			walkKeys(e, f)
		}
	}
}

// TestEpisodeToolsAreListed: every tool a task offers is among the
// listed variants, with the same schema, for many seeds of every env.
func TestEpisodeToolsAreListed(t *testing.T) {
	s := newServer(t, Config{})
	ctx := testCtx(t)
	for _, p := range s.envs {
		if strings.HasPrefix(p.id, "sql/") && p.id != "sql/Generated-v0" && p.id != "sql/HR-v0" {
			continue // the same four tools; some need data sets
		}
		env, err := defaultReg().Make(p.id, p.fixed)
		if err != nil {
			t.Fatal(err)
		}
		spec := env.Spec()
		for seed := range uint64(25) {
			obs, _, err := env.Reset(ctx, seed)
			if err != nil {
				if p.id == "websim/Corpus-v0" {
					break // needs a corpus
				}
				t.Fatalf("%s: %v", p.id, err)
			}
			for _, tl := range obs.ToolsOr(&spec) {
				if s.variant(tl) == nil {
					t.Errorf("%s seed %d: tool %s is not listed", p.id, seed, tl.Name)
				}
			}
		}
		dojo.Close(env)
	}
}

func TestToolNamespacing(t *testing.T) {
	s := newServer(t, Config{})
	v := s.tools["search"]
	if v == nil || !slices.Contains(v.envs, "websim/SearchQA-v0") {
		t.Fatalf("search is not websim's search engine: %+v", v)
	}
	shop := s.tools["shop_search"]
	if shop == nil || !slices.Equal(shop.envs, []string{"websim/Shop-v0"}) {
		t.Fatalf("shop_search is not the shop's search: %+v", shop)
	}
	// Every env tool requires the handle.
	for n, v := range s.tools {
		req, _ := v.input["required"].([]any)
		if len(req) == 0 || req[0] != HandleArg {
			t.Errorf("%s: required %v does not start with handle", n, req)
		}
	}
	// The shop's episode lists shop_search, and also accepts "search".
	cs := connectMemory(t, s, nil)
	st := decode[Started](t, call(t, cs, "start_episode", map[string]any{"env": "websim/Shop-v0", "options": map[string]any{"products": 100}}))
	var names []string
	for _, tl := range st.Tools {
		names = append(names, tl.Name)
		if tl.Name == "shop_search" && tl.EnvName != "search" {
			t.Errorf("shop_search's env name %q", tl.EnvName)
		}
	}
	if !slices.Equal(names, []string{"shop_search", "click"}) {
		t.Errorf("shop tools %v", names)
	}
	if st.Options["action_format"] != "tools" {
		t.Errorf("the shop was not set to tools: %v", st.Options)
	}
	r := call(t, cs, "search", map[string]any{"handle": st.Handle, "query": "jacket"})
	if sr := decode[StepResult](t, r); sr.Step != 1 || !strings.Contains(sr.Content, "results") {
		t.Errorf("search by the env's name on a shop episode: %+v", sr)
	}
	wantError(t, call(t, cs, "open", map[string]any{"handle": st.Handle, "page": "x"}), "does not offer", "shop_search, click")
}

// A collision in a registry of our own: two envs, one tool name, two
// schemas.
func TestCollisionRegistry(t *testing.T) {
	reg := new(dojo.Registry)
	for i, name := range []string{"Alpha", "Beta", "Gamma"} {
		schema := `{"type":"object","properties":{"q":{"type":"string"}},"required":["q"],"additionalProperties":false}`
		if i == 2 {
			schema = `{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"],"additionalProperties":false}`
		}
		spec := slowSpec("test/"+name+"-v0", dojo.Tool{Name: "look", Description: "look", InputSchema: json.RawMessage(schema)})
		reg.MustRegister(spec, func(dojo.Options) (dojo.Env, error) {
			return &slowEnv{spec: spec}, nil
		})
	}
	s := newServer(t, Config{Registry: reg})
	if got := s.ToolNames(); !slices.Equal(got, []string{"end_episode", "gamma_look", "list_envs", "look", "start_episode"}) {
		t.Errorf("tools %v", got)
	}
}

func TestErrors(t *testing.T) {
	s := newServer(t, Config{})
	cs := connectMemory(t, s, nil)
	wantError(t, call(t, cs, "start_episode", map[string]any{"env": "gridworld/FrozenLake-v1"}), "cannot be played", "discrete", "toolcall/Bank-v0", "sql/HR-v0")
	wantError(t, call(t, cs, "start_episode", map[string]any{"env": "nope/Nope-v0"}), "unknown env", "toolcall/Bank-v0")
	wantError(t, call(t, cs, "start_episode", map[string]any{}), "env")
	wantError(t, call(t, cs, "start_episode", map[string]any{"env": "toolcall/Bank-v0", "seed": -1}), "seed")
	wantError(t, call(t, cs, "start_episode", map[string]any{"env": "toolcall/Bank-v0", "options": map[string]any{"hops": "many"}}), "hops")
	wantError(t, call(t, cs, "start_episode", map[string]any{"env": "toolcall/Bank-v0", "options": map[string]any{"nope": 1}}), "nope")
	wantError(t, call(t, cs, "start_episode", map[string]any{"env": "websim/Shop-v0", "options": map[string]any{"action_format": "text"}}), "not tool calls")
	wantError(t, call(t, cs, "start_episode", map[string]any{"env": "sql/HR-v0", "options": map[string]any{"mode": "single"}}), "not tool calls")
	wantError(t, call(t, cs, "run_sql", map[string]any{"handle": "ep_nope", "sql": "SELECT 1"}), "unknown handle")
	wantError(t, call(t, cs, "run_sql", map[string]any{"sql": "SELECT 1"}), "missing \"handle\"")
	wantError(t, call(t, cs, "end_episode", map[string]any{"handle": "ep_nope"}), "unknown handle")

	st := decode[Started](t, call(t, cs, "start_episode", map[string]any{"env": "sql/HR-v0", "seed": 2}))
	wantError(t, call(t, cs, "run_sql", map[string]any{"handle": st.Handle, "sql": 5}), "invalid arguments", "sql", "no step was taken")
	wantError(t, call(t, cs, "run_sql", map[string]any{"handle": st.Handle, "query": "SELECT 1"}), "invalid arguments")
	wantError(t, call(t, cs, "transfer", map[string]any{"handle": st.Handle}), "does not offer", "run_sql", "submit_sql")
	sr := decode[StepResult](t, call(t, cs, "run_sql", map[string]any{"handle": st.Handle, "sql": "SELECT count(*) FROM employees"}))
	if sr.Step != 1 || sr.Ended {
		t.Errorf("the first valid call is step %d (ended %v), want 1: bad calls must not step", sr.Step, sr.Ended)
	}
	sr = decode[StepResult](t, call(t, cs, "submit_sql", map[string]any{"handle": st.Handle, "sql": "SELECT 1"}))
	if !sr.Ended || !strings.Contains(sr.Content, "end_episode") {
		t.Errorf("submit_sql did not end the episode: %+v", sr)
	}
	wantError(t, call(t, cs, "run_sql", map[string]any{"handle": st.Handle, "sql": "SELECT 1"}), "already ended", "end_episode")
	end := decode[Ended](t, call(t, cs, "end_episode", map[string]any{"handle": st.Handle, "answer": "late"}))
	if !strings.Contains(end.Note, "not sent") || end.Steps != 2 {
		t.Errorf("end after the end: %+v", end)
	}
	wantError(t, call(t, cs, "end_episode", map[string]any{"handle": st.Handle}), "closed", "end_episode ended it")
	wantError(t, call(t, cs, "run_sql", map[string]any{"handle": st.Handle, "sql": "SELECT 1"}), "closed")

	// An unknown tool is the SDK's protocol error, not a crash.
	if _, err := cs.CallTool(testCtx(t), &mcp.CallToolParams{Name: "nope", Arguments: map[string]any{}}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown tool: %v", err)
	}
	// The server still serves.
	le := decode[struct{ Envs []EnvInfo }](t, call(t, cs, "list_envs", nil))
	if len(le.Envs) != len(s.envs) || len(le.Envs) < 20 {
		t.Errorf("list_envs lists %d envs", len(le.Envs))
	}
	for _, e := range le.Envs {
		if e.ID == "websim/Shop-v0" && e.Fixed["action_format"] != "tools" {
			t.Errorf("shop's fixed options %v", e.Fixed)
		}
	}
}

func TestEnvFilter(t *testing.T) {
	s := newServer(t, Config{Envs: []string{"sql/HR-v0", "toolcall/*"}})
	if ids := s.PlayableEnvs(); len(ids) != 9 || ids[0] != "sql/HR-v0" {
		t.Errorf("playable %v", ids)
	}
	if slices.Contains(s.ToolNames(), "search") {
		t.Errorf("websim's tools listed with websim filtered out")
	}
	cs := connectMemory(t, s, nil)
	wantError(t, call(t, cs, "start_episode", map[string]any{"env": "websim/SearchQA-v0"}), "not served here")
	if _, err := New(Config{Registry: defaultReg(), Envs: []string{"gridworld/*"}}); err == nil || !strings.Contains(err.Error(), "tool calls") {
		t.Errorf("a filter matching no tool env: %v", err)
	}
	if _, err := New(Config{Registry: defaultReg(), Envs: []string{"["}}); err == nil {
		t.Errorf("a bad pattern was accepted")
	}
}

func TestMaxEpisodes(t *testing.T) {
	s := newServer(t, Config{MaxEpisodes: 2})
	cs := connectMemory(t, s, nil)
	start := func() *mcp.CallToolResult {
		return call(t, cs, "start_episode", map[string]any{"env": "toolcall/Bank-v0"})
	}
	a := decode[Started](t, start())
	decode[Started](t, start())
	wantError(t, start(), "2 episodes are open", "max episodes 2")
	decode[Ended](t, call(t, cs, "end_episode", map[string]any{"handle": a.Handle}))
	decode[Started](t, start())
	wantError(t, start(), "2 episodes are open")
}

func TestReaping(t *testing.T) {
	s := newServer(t, Config{MaxEpisodes: 2, IdleTimeout: 300 * time.Millisecond})
	cs := connectMemory(t, s, nil)
	start := func() *mcp.CallToolResult {
		return call(t, cs, "start_episode", map[string]any{"env": "toolcall/Bank-v0"})
	}
	c := decode[Started](t, start())
	// The open episode goes idle and is reaped.
	deadline := time.Now().Add(20 * time.Second)
	for s.Open() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := s.Open(); n != 0 {
		t.Fatalf("%d idle episodes still open", n)
	}
	wantError(t, call(t, cs, "get_balance", map[string]any{"handle": c.Handle, "account_id": "ACC-1"}), "closed", "idle timeout")
	decode[Started](t, start()) // a slot is free again
}

// slowEnv is a tool env whose "wait" tool blocks until released.
type slowEnv struct {
	spec    dojo.Spec
	release chan struct{}
	closed  chan struct{}
}

func slowSpec(id string, tools ...dojo.Tool) dojo.Spec {
	return dojo.Spec{
		ID: id, Description: "a test env", MaxSteps: 5,
		Observation: dojo.Space{Kind: dojo.KindNone},
		Action:      dojo.Space{Kind: dojo.KindToolCalls, Tools: tools},
		Rewards:     []dojo.Component{{Name: "success"}}, DefaultProfile: "sparse",
	}
}

var waitTool = dojo.Tool{Name: "wait", Description: "wait", InputSchema: json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)}

func (e *slowEnv) Spec() dojo.Spec { return e.spec }
func (e *slowEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	return dojo.Obs{Text: "wait"}, dojo.Info{}, nil
}
func (e *slowEnv) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	<-e.release // ignores ctx: a step that overruns
	return dojo.Step{Obs: dojo.Obs{Text: "waited"}}, nil
}
func (e *slowEnv) Close() error {
	if e.closed != nil {
		close(e.closed)
	}
	return nil
}

func TestStepTimeout(t *testing.T) {
	spec := slowSpec("test/Slow-v0", waitTool)
	release := make(chan struct{})
	made := make(chan *slowEnv, 10)
	reg := new(dojo.Registry)
	reg.MustRegister(spec, func(dojo.Options) (dojo.Env, error) {
		e := &slowEnv{spec: spec, release: release, closed: make(chan struct{})}
		made <- e
		return e, nil
	})
	s := newServer(t, Config{Registry: reg, StepTimeout: 200 * time.Millisecond})
	cs := connectMemory(t, s, nil)
	st := decode[Started](t, call(t, cs, "start_episode", map[string]any{"env": "test/Slow-v0"}))
	wantError(t, call(t, cs, "wait", map[string]any{"handle": st.Handle}), "step timeout", "closed")
	wantError(t, call(t, cs, "wait", map[string]any{"handle": st.Handle}), "closed", "step timeout")
	if s.Open() != 0 {
		t.Errorf("the episode is still open")
	}
	<-made // New's probe
	env := <-made
	close(release) // the step returns; its env is closed then
	select {
	case <-env.closed:
	case <-time.After(20 * time.Second):
		t.Fatal("the overrun env was never closed")
	}
}

// TestLegacyInitializeStdio is a client of an older protocol, written here:
// initialize first (2025-03-26), then tools/list and an episode, over
// ServeStdio.
func TestLegacyInitializeStdio(t *testing.T) {
	s := newServer(t, Config{})
	ctx := testCtx(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- s.ServeStdio(ctx, inR, outW); outW.Close() }()
	rd := bufio.NewReader(outR)
	id := 0
	rpc := func(method string, params any) map[string]any {
		t.Helper()
		id++
		b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
		if _, err := inW.Write(append(b, '\n')); err != nil {
			t.Fatal(err)
		}
		line, err := rd.ReadBytes('\n')
		if err != nil {
			t.Fatal(err)
		}
		var resp map[string]any
		if err := json.Unmarshal(line, &resp); err != nil {
			t.Fatalf("not JSON on the output: %q", line)
		}
		if resp["id"] != float64(id) || resp["error"] != nil {
			t.Fatalf("%s: %s", method, line)
		}
		return resp["result"].(map[string]any)
	}
	init := rpc("initialize", map[string]any{"protocolVersion": "2025-03-26", "capabilities": map[string]any{}, "clientInfo": map[string]any{"name": "old", "version": "0.1"}})
	if init["protocolVersion"] != "2025-03-26" || init["serverInfo"].(map[string]any)["name"] != "dojo" {
		t.Fatalf("initialize: %v", init)
	}
	inW.Write([]byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n"))
	tools := rpc("tools/list", map[string]any{})["tools"].([]any)
	if len(tools) < 10 {
		t.Fatalf("%d tools", len(tools))
	}
	res := rpc("tools/call", map[string]any{"name": "start_episode", "arguments": map[string]any{"env": "sql/HR-v0", "seed": 0}})
	var st Started // from the text content, as an older client reads it
	if err := json.Unmarshal([]byte(res["content"].([]any)[0].(map[string]any)["text"].(string)), &st); err != nil || st.Handle == "" {
		t.Fatalf("start_episode's text content: %v %v", err, res)
	}
	gold := golds(t, tc{"sql/HR-v0", nil}, 0)[0]
	res = rpc("tools/call", map[string]any{"name": "submit_sql", "arguments": map[string]any{"handle": st.Handle, "sql": gold}})
	if res["isError"] == true || !strings.Contains(fmt.Sprint(res["content"]), "ended") {
		t.Fatalf("submit_sql: %v", res)
	}
	res = rpc("tools/call", map[string]any{"name": "end_episode", "arguments": map[string]any{"handle": st.Handle}})
	var end Ended
	json.Unmarshal([]byte(res["content"].([]any)[0].(map[string]any)["text"].(string)), &end)
	if !end.Success || end.Return <= 0 {
		t.Fatalf("end_episode: %v", res)
	}
	inW.Close() // stdin ends: ServeStdio returns nil
	if err := <-done; err != nil {
		t.Fatalf("ServeStdio after stdin closed: %v", err)
	}
}

// An SDK client pinned to the legacy protocol uses initialize, over HTTP
// and in memory.
func TestLegacyClientHTTP(t *testing.T) {
	s := newServer(t, Config{})
	for i, cs := range []*mcp.ClientSession{
		connectHTTP(t, s, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"}),
		connectHTTP(t, s, &mcp.ClientSessionOptions{ProtocolVersion: "2025-06-18"}),
		connectMemory(t, s, &mcp.ClientSessionOptions{ProtocolVersion: "2025-03-26"}),
	} {
		if v := cs.InitializeResult().ProtocolVersion; v >= "2026" {
			t.Errorf("a legacy client negotiated %s", v)
		}
		if i < 2 && cs.ID() == "" {
			t.Errorf("an initialize-first client over HTTP got no session (Mcp-Session-Id)")
		}
		checkOracle(t, cs, tc{"toolcall/Calendar-v0", nil}, 0)
	}
	// The 2026-07-28 client is stateless: no session.
	if cs := connectHTTP(t, s, nil); cs.ID() != "" || cs.InitializeResult().ProtocolVersion != "2026-07-28" {
		t.Errorf("the default client over HTTP: session %q, protocol %s", cs.ID(), cs.InitializeResult().ProtocolVersion)
	}
}

// Episodes are global to the server: one started over HTTP is played over
// stdio, and many clients play at once.
func TestSharedHandlesAndConcurrency(t *testing.T) {
	s := newServer(t, Config{})
	h := connectHTTP(t, s, nil)
	m := connectMemory(t, s, nil)
	st := decode[Started](t, call(t, h, "start_episode", map[string]any{"env": "websim/SearchQA-v0"}))
	sr := decode[StepResult](t, call(t, m, "search", map[string]any{"handle": st.Handle, "query": "college"}))
	if sr.Step != 1 {
		t.Errorf("step %d", sr.Step)
	}
	decode[Ended](t, call(t, h, "end_episode", map[string]any{"handle": st.Handle}))

	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs := h
			if i%2 == 1 {
				cs = m
			}
			checkOracle(t, cs, tc{"toolcall/" + toolcallWorlds[i] + "-v0", nil}, uint64(i))
		}()
	}
	// The same episode called from two clients at once: calls serialize.
	st = decode[Started](t, call(t, h, "start_episode", map[string]any{"env": "sql/HR-v0"}))
	var steps sync.Map
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs := h
			if i%2 == 1 {
				cs = m
			}
			sr := decode[StepResult](t, call(t, cs, "list_tables", map[string]any{"handle": st.Handle}))
			steps.Store(sr.Step, true)
		}()
	}
	wg.Wait()
	for i := 1; i <= 4; i++ {
		if _, ok := steps.Load(i); !ok {
			t.Errorf("no call got step %d: concurrent calls of one episode did not serialize", i)
		}
	}
}

func TestShutdown(t *testing.T) {
	s := newServer(t, Config{})
	cs := connectMemory(t, s, nil)
	st := decode[Started](t, call(t, cs, "start_episode", map[string]any{"env": "toolcall/Bank-v0"}))
	if err := s.Shutdown(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if s.Open() != 0 {
		t.Errorf("episodes open after Shutdown")
	}
	wantError(t, call(t, cs, "end_episode", map[string]any{"handle": st.Handle}), "shut down")
	wantError(t, call(t, cs, "start_episode", map[string]any{"env": "toolcall/Bank-v0"}), "shutting down")
}

// Raw HTTP: an initialize starts a session, garbage is refused, and the
// server keeps serving.
func TestHTTPRaw(t *testing.T) {
	s := newServer(t, Config{})
	ts := httptest.NewServer(s.HTTPHandler())
	defer ts.Close()
	var lastBody string
	post := func(body string, hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", ts.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		lastBody = string(b)
		resp.Body.Close()
		return resp
	}
	resp := post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Mcp-Session-Id") == "" {
		t.Errorf("initialize: %d, session %q", resp.StatusCode, resp.Header.Get("Mcp-Session-Id"))
	}
	if resp := post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":7}`, nil); !strings.Contains(lastBody, `"error"`) {
		t.Errorf("initialize with bad params: %d %s, want a JSON-RPC error", resp.StatusCode, lastBody)
	}
	for _, body := range []string{`garbage`, `[1,2]`, ``} {
		if resp := post(body, nil); resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("POST %q: status %d, want a 4xx", body, resp.StatusCode)
		}
	}
	if resp := post(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, map[string]string{"Mcp-Session-Id": "nope"}); resp.StatusCode != 404 {
		t.Errorf("an unknown session: %d, want 404", resp.StatusCode)
	}
	// Still serving.
	checkOracle(t, connectHTTP(t, s, nil), tc{"sql/HR-v0", nil}, 0)
}

func TestCheckOptions(t *testing.T) {
	var seen dojo.Options
	s := newServer(t, Config{CheckOptions: func(id string, opts dojo.Options) error {
		seen = opts
		if _, ok := opts["path"]; ok {
			return fmt.Errorf("option path: data paths are not served here")
		}
		return nil
	}})
	cs := connectMemory(t, s, nil)
	wantError(t, call(t, cs, "start_episode", map[string]any{"env": "sql/Spider-v0", "options": map[string]any{"path": "/etc"}}), "sql/Spider-v0", "data paths are not served")
	if s.Open() != 0 {
		t.Errorf("a refused episode holds a slot")
	}
	decode[Started](t, call(t, cs, "start_episode", map[string]any{"env": "websim/Shop-v0", "options": map[string]any{"products": 100}}))
	if seen["action_format"] != "tools" || seen["products"] != float64(100) {
		t.Errorf("CheckOptions saw %v, want the caller's options with the fixed ones", seen)
	}
}

// TestStdioAnswersBeforeEOF: a client that writes its requests and closes
// its end at once (a pipe, a script) gets every answer before the server
// ends.
func TestStdioAnswersBeforeEOF(t *testing.T) {
	s := newServer(t, Config{})
	in := strings.Join([]string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"pipe","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"start_episode","arguments":{"env":"sql/Generated-v0","seed":1}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list_envs","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/list"}`,
	}, "\n") + "\n"
	var out bytes.Buffer
	if err := s.ServeStdio(testCtx(t), strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	got := map[float64]bool{}
	for line := range strings.Lines(out.String()) {
		var m struct {
			ID     *float64        `json:"id"`
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON-RPC on stdout: %q", line)
		}
		if m.ID != nil && m.Result != nil {
			got[*m.ID] = true
		}
	}
	for id := 1.0; id <= 4; id++ {
		if !got[id] {
			t.Errorf("no answer to request %v before the end:\n%s", id, out.String())
		}
	}
}
