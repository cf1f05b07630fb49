package openenv_test

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/server/openenv"
)

// limiter is a counting session limiter, as the server's.
type limiter struct {
	mu       sync.Mutex
	n, max   int
	refused  int
	acquires int
}

func (l *limiter) acquire() (func(), bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n >= l.max {
		l.refused++
		return nil, false
	}
	l.n++
	l.acquires++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			l.n--
			l.mu.Unlock()
		})
	}, true
}

func (l *limiter) held() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

// waitHeld waits until the limiter holds n slots.
func waitHeld(t *testing.T, l *limiter, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for l.held() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d slots held, want %d", l.held(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// slowEnv is a test env whose steps wait for release (or their context).
type slowEnv struct {
	started chan struct{}
	release chan struct{}
}

func (e *slowEnv) Spec() dojo.Spec { return slowSpec }

func (e *slowEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	return dojo.Obs{Value: 0}, dojo.Info{Parts: []dojo.Part{{Name: "success", Weight: 1}}}, nil
}

func (e *slowEnv) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	select {
	case e.started <- struct{}{}:
	default:
	}
	select {
	case <-e.release:
	case <-ctx.Done():
		return dojo.Step{}, dojo.CheckContext(ctx)
	}
	return dojo.Step{Obs: dojo.Obs{Value: 0}, Reward: 1, Info: dojo.Info{Success: true, Parts: []dojo.Part{{Name: "success", Value: 1, Weight: 1}}}}, nil
}

var slowSpec = dojo.Spec{
	ID: "test/Slow-v0", Description: "a step that waits to be released",
	Observation: dojo.Discrete(1), Action: dojo.Discrete(2), MaxSteps: 10,
	Rewards: []dojo.Component{{Name: "success", Description: "success", Shaped: 1}}, DefaultProfile: "sparse",
}

// slowRegistry serves test/Slow-v0; its steps signal started and wait for
// release to be closed.
func slowRegistry() (reg *dojo.Registry, started chan struct{}, release chan struct{}) {
	started, release = make(chan struct{}, 16), make(chan struct{})
	reg = &dojo.Registry{}
	reg.MustRegister(slowSpec, func(dojo.Options) (dojo.Env, error) {
		return &slowEnv{started: started, release: release}, nil
	})
	return reg, started, release
}

func wantError(t *testing.T, what string, err error, code, field, contains string) {
	t.Helper()
	se, ok := err.(*serverError)
	if !ok {
		t.Fatalf("%s: %v, want an error answer %s", what, err, code)
	}
	if se.Code != code || (field != "" && se.Field != field) || !strings.Contains(se.Message, contains) {
		t.Errorf("%s: code %s field %q message %q; want %s, %q, containing %q", what, se.Code, se.Field, se.Message, code, field, contains)
	}
}

func TestUnknownEnvsRoutesAndMethods(t *testing.T) {
	srv, _ := newServer(t, openenv.Config{})
	for _, c := range []struct {
		method, path string
		status       int
		contains     []string
	}{
		{"GET", "/envs/gridworld/Nope-v0/health", 404, []string{`gridworld/Nope-v0`, "GET /envs"}},
		{"GET", "/envs/gridworld/FrozenLak-v1/ws", 404, []string{"gridworld/FrozenLak-v1", "gridworld/FrozenLake-v1"}},
		{"GET", "/envs/gridworld", 404, []string{"/envs/{family}/{name}"}},
		{"GET", "/envs/gridworld/FrozenLake-v1/nope", 404, []string{`"nope"`, "ws, health"}},
		{"GET", "/elsewhere", 404, []string{"/envs/{family}/{name}"}},
		{"GET", "/envs/gridworld/FrozenLake-v1/reset", 405, []string{"use POST"}},
		{"POST", "/envs/gridworld/FrozenLake-v1/health", 405, []string{"use GET"}},
		{"DELETE", "/envs/gridworld/FrozenLake-v1/ws", 405, []string{"use GET"}},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		decodeBody(t, resp, &body)
		detail, _ := body["detail"].(string)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d (%s)", c.method, c.path, resp.StatusCode, c.status, detail)
		}
		for _, s := range c.contains {
			if !strings.Contains(detail, s) {
				t.Errorf("%s %s: detail %q does not contain %q", c.method, c.path, detail, s)
			}
		}
		if c.status == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", c.method, c.path)
		}
	}
	// A WebSocket to an unknown env is refused at the handshake.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, resp, err := websocket.Dial(ctx, wsURL(srv.URL+"/envs/gridworld/Nope-v0"), nil)
	if err == nil || resp == nil || resp.StatusCode != 404 {
		t.Errorf("dial an unknown env: %v %v", err, resp)
	}
}

func TestSessionErrorsGoOn(t *testing.T) {
	srv, _ := newServer(t, openenv.Config{})
	base := srv.URL + "/envs/gridworld/FrozenLake-v1"
	c := dialEnv(t, base)
	c.schemas = fetchSchemas(t, base)

	_, err := c.step(map[string]any{"action": 1})
	wantError(t, "step before reset", err, "EXECUTION_ERROR", "", "step before reset")
	st, err := c.state()
	if err != nil || st["seed"] != nil || st["step_count"] != 0.0 || st["done"] != false {
		t.Errorf("state before reset: %v %v", st, err)
	}
	_, err = c.reset(map[string]any{"is_slipery": false})
	wantError(t, "unknown option", err, "VALIDATION_ERROR", "options.is_slipery", `"is_slipery"`)
	_, err = c.reset(map[string]any{"is_slippery": "yes"})
	wantError(t, "bad option value", err, "VALIDATION_ERROR", "options.is_slippery", "is_slippery")
	_, err = c.reset(map[string]any{"seed": -1})
	wantError(t, "negative seed", err, "VALIDATION_ERROR", "seed", "non-negative")
	_, err = c.reset(map[string]any{"episode_id": 5})
	wantError(t, "episode_id not a string", err, "VALIDATION_ERROR", "episode_id", "string")
	_, err = c.request(map[string]any{"type": "reset", "data": []int{1}})
	wantError(t, "reset data not an object", err, "VALIDATION_ERROR", "data", "JSON object")
	_, err = c.requestRaw(websocket.MessageText, []byte(`{"type": "reset",`))
	wantError(t, "garbage", err, "INVALID_JSON", "", "JSON")
	_, err = c.requestRaw(websocket.MessageText, []byte(`hello`))
	wantError(t, "not JSON", err, "INVALID_JSON", "", "hello")
	_, err = c.requestRaw(websocket.MessageBinary, []byte(`{"type":"reset"}`))
	wantError(t, "binary frame", err, "INVALID_JSON", "", "binary")
	_, err = c.request(map[string]any{"type": "jump"})
	wantError(t, "unknown type", err, "UNKNOWN_TYPE", "", `"jump"`)
	_, err = c.request(map[string]any{"type": "state", "extra": 1})
	wantError(t, "unknown member", err, "VALIDATION_ERROR", "", "extra")

	// The session still works.
	if _, err := c.reset(map[string]any{"seed": 0, "is_slippery": false}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		data          any
		field, substr string
	}{
		{2, "action", "JSON object"},
		{"left", "action", "JSON object"},
		{map[string]any{}, "action.action", `missing "action"`},
		{map[string]any{"action": 4}, "action.action", "out of range"},
		{map[string]any{"action": -1}, "action.action", "out of range"},
		{map[string]any{"action": 1.5}, "action.action", "integer"},
		{map[string]any{"action": true}, "action.action", "integer"},
		{map[string]any{"act": 1}, "action.act", `unknown action member "act"`},
		{map[string]any{"action": 1, "metadata": 3}, "action.metadata", "object"},
	} {
		_, err := c.request(map[string]any{"type": "step", "data": bad.data})
		wantError(t, "bad action", err, "VALIDATION_ERROR", bad.field, bad.substr)
	}
	_, err = c.request(map[string]any{"type": "step"})
	wantError(t, "step without data", err, "VALIDATION_ERROR", "data", "action")
	// A word the env does not know is a normal step the env judges invalid.
	r, err := c.step(map[string]any{"action": "jump"})
	if err != nil {
		t.Fatalf("unknown word: %v", err)
	}
	info := r.Observation["metadata"].(map[string]any)["info"].(map[string]any)
	if info["invalid"] != true || info["error"] == "" {
		t.Errorf("unknown word: info %v, want invalid", info)
	}
	// An integral float and OpenEnv's metadata member are accepted.
	if r, err = c.step(map[string]any{"action": 2.0, "metadata": map[string]any{}}); err != nil || r.Observation["value"] != 1.0 {
		t.Errorf("step right: %v %v", r.Observation, err)
	}
	if r, err = c.step(map[string]any{"action": "right"}); err != nil || r.Observation["value"] != 2.0 {
		t.Errorf("step \"right\": %v %v", r.Observation, err)
	}
	st, _ = c.state()
	if st["step_count"] != 3.0 {
		t.Errorf("step_count %v after 3 steps and 10 refused ones", st["step_count"])
	}
	c.close()
}

func TestToolActionErrors(t *testing.T) {
	srv, _ := newServer(t, openenv.Config{})
	base := srv.URL + "/envs/toolcall/Bank-v0"
	c := dialEnv(t, base)
	c.schemas = fetchSchemas(t, base)
	if _, err := c.reset(map[string]any{"seed": 0}); err != nil {
		t.Fatal(err)
	}
	call := func(m map[string]any) map[string]any { return map[string]any{"tool_calls": []any{m}} }
	for _, bad := range []struct {
		data          any
		field, substr string
	}{
		{map[string]any{}, "action.text", `missing "text"`},
		{map[string]any{"action": 1}, "action.action", "unknown action member"},
		{map[string]any{"text": 3}, "action.text", "string"},
		{map[string]any{"tool_calls": "find_accounts"}, "action.tool_calls", "array"},
		{map[string]any{"tool_calls": []any{3}}, "action.tool_calls[0]", "object"},
		{call(map[string]any{"arguments": map[string]any{}}), "action.tool_calls[0].name", "name"},
		{call(map[string]any{"name": "find_accounts", "arguments": "not json"}), "action.tool_calls[0].arguments", "JSON object"},
		{call(map[string]any{"name": "find_accounts", "arguments": []int{1}}), "action.tool_calls[0].arguments", "JSON object"},
	} {
		_, err := c.request(map[string]any{"type": "step", "data": bad.data})
		wantError(t, "bad tool action", err, "VALIDATION_ERROR", bad.field, bad.substr)
	}
	// A call of a tool the world lacks is the env's to judge; arguments
	// may come as a string holding JSON (OpenAI's form).
	r, err := c.step(call(map[string]any{"id": "c1", "name": "no_such_tool", "arguments": `{"x": 1}`}))
	if err != nil {
		t.Fatalf("unknown tool: %v", err)
	}
	info := r.Observation["metadata"].(map[string]any)["info"].(map[string]any)
	if info["invalid"] != true {
		t.Errorf("unknown tool: info %v, want invalid", info)
	}
	c.close()
}

func TestOversizedMessageClosesSession(t *testing.T) {
	l := &limiter{max: 4}
	srv, _ := newServer(t, openenv.Config{MaxMessageBytes: 1024, Acquire: l.acquire})
	c := dialEnv(t, srv.URL+"/envs/gridworld/FrozenLake-v1")
	if _, err := c.reset(map[string]any{"seed": 1}); err != nil {
		t.Fatal(err)
	}
	big := `{"type":"reset","data":{"seed":1,"episode_id":"` + strings.Repeat("x", 2000) + `"}}`
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(big)); err != nil {
		t.Fatal(err)
	}
	if st := c.expectClosed(10 * time.Second); st != websocket.StatusMessageTooBig {
		t.Errorf("close status %d, want 1009", st)
	}
	waitHeld(t, l, 0)
}

func TestCapacityReached(t *testing.T) {
	l := &limiter{max: 1}
	srv, _ := newServer(t, openenv.Config{Acquire: l.acquire})
	base := srv.URL + "/envs/gridworld/FrozenLake-v1"
	first := dialEnv(t, base)
	if _, err := first.reset(nil); err != nil {
		t.Fatal(err)
	}
	second := dialEnv(t, base)
	_, err := second.reset(map[string]any{"seed": 1})
	wantError(t, "over the limit", err, "CAPACITY_REACHED", "", "limit")
	if st := second.expectClosed(10 * time.Second); st != websocket.StatusTryAgainLater {
		t.Errorf("refused session closed with %d, want 1013", st)
	}
	// Stateless requests need a slot too.
	resp, err := http.Post(base+"/reset", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /reset at capacity: %s", resp.Status)
	}
	first.close()
	waitHeld(t, l, 0)
	third := dialEnv(t, base)
	if _, err := third.reset(nil); err != nil {
		t.Errorf("after the slot was freed: %v", err)
	}
	third.close()
	waitHeld(t, l, 0)
}

func TestIdleSessionsAreReaped(t *testing.T) {
	l := &limiter{max: 2}
	srv, _ := newServer(t, openenv.Config{Acquire: l.acquire, IdleTimeout: 300 * time.Millisecond})
	base := srv.URL + "/envs/gridworld/FrozenLake-v1"
	active := dialEnv(t, base)
	if _, err := active.reset(nil); err != nil {
		t.Fatal(err)
	}
	silent := dialEnv(t, base) // connects and never sends
	waitHeld(t, l, 2)
	for _, c := range []*oeClient{active, silent} {
		if st := c.expectClosed(10 * time.Second); st != websocket.StatusPolicyViolation {
			t.Errorf("idle session closed with %d, want 1008", st)
		}
	}
	waitHeld(t, l, 0)
	// A session that keeps talking is not reaped: 10 requests, each well
	// within the timeout of the last.
	c := dialEnv(t, base)
	for i := 0; i < 10; i++ {
		if _, err := c.reset(map[string]any{"seed": i}); err != nil {
			t.Fatalf("request %d of a live session: %v", i, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.close()
	waitHeld(t, l, 0)
}

func TestClientVanishesMidStep(t *testing.T) {
	reg, started, release := slowRegistry()
	l := &limiter{max: 2}
	srv, _ := newServer(t, openenv.Config{Registry: reg, Acquire: l.acquire})
	c := dialEnv(t, srv.URL+"/envs/test/Slow-v0")
	if _, err := c.reset(nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"step","data":{"action":1}}`)); err != nil {
		t.Fatal(err)
	}
	<-started
	c.conn.CloseNow() // the client is gone mid-step
	close(release)
	waitHeld(t, l, 0)
}

func TestStepDeadline(t *testing.T) {
	reg, _, _ := slowRegistry() // never released: every step hits the deadline
	srv, _ := newServer(t, openenv.Config{Registry: reg, StepTimeout: 200 * time.Millisecond})
	c := dialEnv(t, srv.URL+"/envs/test/Slow-v0")
	if _, err := c.reset(nil); err != nil {
		t.Fatal(err)
	}
	_, err := c.step(map[string]any{"action": 1})
	wantError(t, "slow step", err, "EXECUTION_ERROR", "", "deadline")
	_, err = c.step(map[string]any{"action": 1})
	wantError(t, "step after a timeout", err, "EXECUTION_ERROR", "", "reset")
	if _, err := c.reset(nil); err != nil {
		t.Errorf("reset after a timeout: %v", err)
	}
	c.close()
	// The stateless step: a deadline of its own, shorter than the server's.
	srv2, _ := newServer(t, openenv.Config{Registry: reg, StepTimeout: time.Hour})
	resp, err := http.Post(srv2.URL+"/envs/test/Slow-v0/step", "application/json", strings.NewReader(`{"action": {"action": 1}, "timeout_s": 0.2}`))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	decodeBody(t, resp, &body)
	if d, _ := body["detail"].(string); resp.StatusCode != http.StatusGatewayTimeout || !strings.Contains(d, "deadline") {
		t.Errorf("POST /step past timeout_s: %s %v", resp.Status, body)
	}
}

func TestShutdownWithStepInFlight(t *testing.T) {
	reg, started, release := slowRegistry()
	l := &limiter{max: 4}
	srv, h := newServer(t, openenv.Config{Registry: reg, Acquire: l.acquire})
	base := srv.URL + "/envs/test/Slow-v0"
	busy := dialEnv(t, base)
	idle := dialEnv(t, base)
	for _, c := range []*oeClient{busy, idle} {
		if _, err := c.reset(nil); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := busy.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"step","data":{"action":1}}`)); err != nil {
		t.Fatal(err)
	}
	<-started
	done := make(chan error, 1)
	go func() {
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer scancel()
		done <- h.Shutdown(sctx)
	}()
	// The idle session is closed at once; the busy one waits for its step.
	if st := idle.expectClosed(10 * time.Second); st != websocket.StatusGoingAway {
		t.Errorf("idle session closed with %d, want 1001", st)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) with a step in flight", err)
	default:
	}
	// New sessions and stateless requests are refused.
	if _, resp, err := websocket.Dial(ctx, wsURL(base), nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dial during shutdown: %v %v", err, resp)
	}
	close(release)
	_, raw, err := busy.conn.Read(ctx)
	if err != nil || !strings.Contains(string(raw), `"type":"observation"`) {
		t.Fatalf("the step in flight was not answered: %v %s", err, raw)
	}
	if st := busy.expectClosed(10 * time.Second); st != websocket.StatusGoingAway {
		t.Errorf("busy session closed with %d, want 1001", st)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	waitHeld(t, l, 0)
}

// TestSessionsLeakNothing: after many sessions end every way a session can
// end, the goroutines are back to where they were.
func TestSessionsLeakNothing(t *testing.T) {
	l := &limiter{max: 3}
	srv, _ := newServer(t, openenv.Config{Acquire: l.acquire, IdleTimeout: 2 * time.Second, MaxMessageBytes: 4096})
	base := srv.URL + "/envs/gridworld/FrozenLake-v1"
	http.DefaultClient.CloseIdleConnections()
	runtime.GC()
	baseline := runtime.NumGoroutine()
	for i := 0; i < 30; i++ {
		c := dialEnv(t, base)
		r, err := c.reset(map[string]any{"seed": i})
		if err != nil && i%5 != 4 {
			t.Fatal(err)
		}
		_ = r
		switch i % 5 {
		case 0:
			c.step(map[string]any{"action": 1})
			c.close()
		case 1:
			c.step(map[string]any{"action": 1})
			c.conn.CloseNow() // vanishes
		case 2:
			c.conn.Close(websocket.StatusNormalClosure, "")
		case 3:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c.conn.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 8000))) // too big
			cancel()
			c.expectClosed(10 * time.Second)
		case 4:
			c.conn.CloseNow()
		}
		waitHeld(t, l, 0)
	}
	// Sessions over the limit, refused.
	var hold []*oeClient
	for i := 0; i < 3; i++ {
		c := dialEnv(t, base)
		if _, err := c.reset(nil); err != nil {
			t.Fatal(err)
		}
		hold = append(hold, c)
	}
	for i := 0; i < 5; i++ {
		c := dialEnv(t, base)
		_, err := c.reset(nil)
		wantError(t, "refused", err, "CAPACITY_REACHED", "", "")
		c.expectClosed(10 * time.Second)
	}
	for _, c := range hold {
		c.close()
	}
	waitHeld(t, l, 0)
	deadline := time.Now().Add(20 * time.Second)
	for {
		runtime.GC()
		n := runtime.NumGoroutine()
		if n <= baseline {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, %d before the sessions:\n%s", n, baseline, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTextEnvTakesToolCalls: the shop takes text, and tool calls of its
// tools, alone or with text, as its schema says.
func TestTextEnvTakesToolCalls(t *testing.T) {
	srv, _ := newServer(t, openenv.Config{})
	base := srv.URL + "/envs/websim/Shop-v0"
	c := dialEnv(t, base)
	c.schemas = fetchSchemas(t, base)
	if _, err := c.reset(map[string]any{"seed": 0}); err != nil {
		t.Fatal(err)
	}
	r, err := c.step(map[string]any{"tool_calls": []any{map[string]any{"id": "1", "name": "search", "arguments": map[string]any{"query": "hair brush"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Observation["value"].(map[string]any); v["page"] != "results" {
		t.Errorf("after a search call: page %v, want results", v["page"])
	}
	if r, err = c.step(map[string]any{"text": "click[Back to Search]"}); err != nil {
		t.Fatal(err)
	}
	if v := r.Observation["value"].(map[string]any); v["page"] != "search" {
		t.Errorf("after click[Back to Search]: page %v, want search", v["page"])
	}
	_, err = c.request(map[string]any{"type": "step", "data": map[string]any{"action": 1}})
	wantError(t, "an index", err, "VALIDATION_ERROR", "action.action", `{"text": "..."}`)
	c.close()
}
