package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dojo-rl/dojo/dojotest"
)

func get(t *testing.T, url string, h http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// pathRecorder is a mounted handler that answers the path it got.
type pathRecorder struct {
	mu        sync.Mutex
	shutdowns int
}

func (p *pathRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, r.URL.Path)
}

func (p *pathRecorder) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shutdowns++
	return nil
}

func (p *pathRecorder) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.shutdowns
}

// TestToken: every route but the health probes needs the token, as a
// bearer header or as a /t/TOKEN/ path prefix (stripped before routing,
// for the mounted handlers too); a wrong one is refused with 401 or a
// refused handshake; and no token ever shows in the logs.
func TestToken(t *testing.T) {
	t.Parallel()
	const tok = "s3cret-Tok_en"
	var logs dojotest.SyncBuffer
	envs, mcp := &pathRecorder{}, &pathRecorder{}
	ts := start(t, Config{Token: tok, Envs: envs, MCP: mcp,
		Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	const initialize = `{"jsonrpc":"2.0","id":1,"method":"initialize"}`

	// Health probes are open, with or without the prefix.
	for _, p := range []string{"/health", "/envs/gridworld/FrozenLake-v1/health", "/t/" + tok + "/health"} {
		if status, body := get(t, ts.base+p, nil); status != 200 || strings.TrimSpace(body) != `{"status":"healthy"}` && !strings.HasSuffix(p, "v1/health") {
			t.Errorf("GET %s: %d %s", p, status, body)
		}
	}
	if status, body := get(t, ts.base+"/envs/gridworld/FrozenLake-v1/health", nil); status != 200 || body != "/envs/gridworld/FrozenLake-v1/health" {
		t.Errorf("an env's health probe without a token: %d %s", status, body)
	}
	// Without a token, or a wrong one: 401 with a JSON error.
	for name, tc := range map[string]struct {
		url string
		h   http.Header
	}{
		"no token":                  {ts.base + "/rpc", nil},
		"no token envs":             {ts.base + "/envs/gridworld/FrozenLake-v1/metadata", nil},
		"no token mcp":              {ts.base + "/mcp", nil},
		"wrong header":              {ts.base + "/rpc", bearer("s3cret-Tok_em")},
		"basic auth":                {ts.base + "/rpc", http.Header{"Authorization": {"Basic " + tok}}},
		"wrong prefix":              {ts.base + "/t/s3cret/rpc", nil},
		"wrong prefix right header": {ts.base + "/t/nope/rpc", bearer(tok)},
		"empty prefix":              {ts.base + "/t//rpc", nil},
		"wrong prefix health":       {ts.base + "/t/nope/health", nil},
	} {
		status, body := get(t, tc.url, tc.h)
		if status != 401 || !strings.Contains(body, `"kind":"unauthorized"`) {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	// A WebSocket without the token is refused at the handshake.
	for _, url := range []string{ts.ws + "/rpc", ts.ws + "/t/wrong/rpc"} {
		if c, resp, err := tryDial(url, nil); err == nil || resp == nil || resp.StatusCode != 401 {
			if c != nil {
				c.CloseNow()
			}
			t.Errorf("dial %s without the token: %v", url, err)
		}
	}
	// With the token as a header or a prefix: served.
	c := dial(t, ts.ws+"/rpc", bearer(tok))
	if r := decodeResp(t, send(t, c, initialize)); r.Error != nil {
		t.Errorf("initialize with the header: %+v", r.Error)
	}
	c = dial(t, ts.ws+"/t/"+tok+"/rpc", nil)
	if r := decodeResp(t, send(t, c, initialize)); r.Error != nil {
		t.Errorf("initialize with the prefix: %+v", r.Error)
	}
	resp, err := http.Post(ts.base+"/t/"+tok+"/rpc", "application/json", strings.NewReader(initialize))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("POST with the prefix: %d", resp.StatusCode)
	}
	// The mounted handlers get the path without the prefix.
	for p, want := range map[string]string{
		"/t/" + tok + "/envs/gridworld/FrozenLake-v1/ws": "/envs/gridworld/FrozenLake-v1/ws",
		"/t/" + tok + "/mcp":                             "/mcp",
	} {
		if status, body := get(t, ts.base+p, nil); status != 200 || body != want {
			t.Errorf("GET %s: %d %q, want %q", p, status, body, want)
		}
	}
	if status, body := get(t, ts.base+"/envs/bandit/Bernoulli-10-v0/schema", bearer(tok)); status != 200 || body != "/envs/bandit/Bernoulli-10-v0/schema" {
		t.Errorf("envs with the header: %d %q", status, body)
	}
	get(t, ts.base+"/t/"+tok+"/nowhere", nil)

	// Shutdown reaches the mounted handlers.
	if err := ts.stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	if envs.count() != 1 || mcp.count() != 1 {
		t.Errorf("mounted handlers shut down %d and %d times, want 1", envs.count(), mcp.count())
	}
	out := logs.String()
	if strings.Contains(out, tok) || strings.Contains(out, "s3cret") {
		t.Errorf("a token is in the log:\n%s", out)
	}
	if !strings.Contains(out, "/t/REDACTED/") {
		t.Errorf("the log has no redacted path (are requests logged?):\n%s", out)
	}
}

// TestTokenCompareIsConstantTime holds the token check to a constant-time
// comparison: its behaviour, and in the source, subtle.ConstantTimeCompare
// in tokenEqual and no other comparison with the token.
func TestTokenCompareIsConstantTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		given, want string
		ok          bool
	}{
		{"abc", "abc", true}, {"abd", "abc", false}, {"ab", "abc", false}, {"abcd", "abc", false}, {"", "abc", false},
	} {
		if got := tokenEqual(tc.given, tc.want); got != tc.ok {
			t.Errorf("tokenEqual(%q, %q) = %v", tc.given, tc.want, got)
		}
	}
	src, err := os.ReadFile("http.go")
	if err != nil {
		t.Fatal(err)
	}
	fn := regexp.MustCompile(`(?s)func tokenEqual\(.*?\n}\n`).Find(src)
	if !bytes.Contains(fn, []byte("subtle.ConstantTimeCompare")) {
		t.Errorf("tokenEqual does not use subtle.ConstantTimeCompare:\n%s", fn)
	}
	cmp := regexp.MustCompile(`[!=]=\s*\S*[Tt]oken\b|[Tt]oken\s*[!=]=\s*[^"\s]`)
	for _, f := range []string{"http.go", "server.go", "ws.go", "post.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if m := cmp.FindString(line); m != "" && !strings.Contains(line, `Token != ""`) && !strings.Contains(line, `Token == ""`) {
				t.Errorf("%s compares a token with ==: %s", f, strings.TrimSpace(line))
			}
		}
	}
}

// TestOrigin: a request without Origin is served; a browser origin only
// when allowed.
func TestOrigin(t *testing.T) {
	t.Parallel()
	ts := start(t, Config{AllowedOrigins: []string{"https://app.example.com", "localhost:*"}})
	for origin, want := range map[string]int{
		"":                            200,
		"https://app.example.com":     200,
		"http://localhost:3000":       200,
		"https://evil.example":        403,
		"http://app.example.com.evil": 403,
		"null":                        403,
	} {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(&http.Request{Method: http.MethodPost, URL: mustURL(t, ts.base+"/rpc"), Header: h,
			Body: io.NopCloser(strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize"}`))})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("POST with Origin %q: %d, want %d", origin, resp.StatusCode, want)
		}
		c, resp, err := tryDial(ts.ws+"/rpc", h)
		if want == 200 {
			if err != nil {
				t.Errorf("dial with Origin %q: %v", origin, err)
				continue
			}
			if r := decodeResp(t, send(t, c, `{"jsonrpc":"2.0","id":1,"method":"initialize"}`)); r.Error != nil {
				t.Errorf("initialize with Origin %q: %+v", origin, r.Error)
			}
			c.Close(websocket.StatusNormalClosure, "")
		} else if err == nil || resp == nil || resp.StatusCode != 403 {
			if c != nil {
				c.CloseNow()
			}
			t.Errorf("dial with Origin %q: %v, want 403", origin, err)
		}
	}
	// Without any allowed origin, every browser origin is refused.
	ts2 := start(t, Config{})
	if status, _ := get(t, ts2.base+"/health", http.Header{"Origin": {"http://localhost:8000"}}); status != 403 {
		t.Errorf("browser origin with none allowed: %d", status)
	}
	// A browser's CORS preflight (no credentials) is answered for an
	// allowed origin, before the token; the request itself needs it.
	ts3 := start(t, Config{Token: "tok", AllowedOrigins: []string{"https://app.example.com"}})
	for origin, want := range map[string]int{"https://app.example.com": 204, "https://evil.example": 403} {
		req, _ := http.NewRequest(http.MethodOptions, ts3.base+"/rpc", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want || (want == 204 && (resp.Header.Get("Access-Control-Allow-Origin") != origin || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization"))) {
			t.Errorf("preflight from %s: %d %v", origin, resp.StatusCode, resp.Header)
		}
	}
	h := http.Header{"Origin": {"https://app.example.com"}}
	if status, _ := get(t, ts3.base+"/rpc", h); status != 401 {
		t.Errorf("GET from an allowed origin without the token: %d", status)
	}
	h.Set("Authorization", "Bearer tok")
	req, _ := http.NewRequest(http.MethodPost, ts3.base+"/rpc", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize"}`))
	req.Header = h
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("POST from an allowed origin with the token: %d %v", resp.StatusCode, resp.Header)
	}
	if _, err := New(Config{Registry: ts.reg, AllowedOrigins: []string{"[bad"}}); err == nil {
		t.Error("a malformed origin pattern was accepted")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestMountedHandlerSharesSlots: a handler mounted with SetEnvs upgrades
// with Server.Accept and takes its slots with Server.Acquire, against the
// same limit as /rpc.
func TestMountedHandlerSharesSlots(t *testing.T) {
	t.Parallel()
	ts := start(t, Config{MaxSessions: 1, MaxMessageBytes: 64})
	ts.SetEnvs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, ok := ts.Acquire()
		c, _, err := ts.Accept(w, r)
		if err != nil {
			if ok {
				release()
			}
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		if !ok {
			c.Write(ctx, websocket.MessageText, []byte(`{"type":"error","data":{"message":"full","code":"CAPACITY_REACHED"}}`))
			return
		}
		defer release()
		for {
			_, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			c.Write(ctx, websocket.MessageText, msg)
		}
	}))
	e := dial(t, ts.ws+"/envs/gridworld/FrozenLake-v1/ws", nil)
	if got := send(t, e, `{"type":"state"}`); got != `{"type":"state"}` {
		t.Errorf("echo: %s", got)
	}
	// The slot is taken: /rpc is over capacity.
	c := dial(t, ts.ws+"/rpc", nil)
	if r := decodeResp(t, send(t, c, initReq)); r.Error == nil || !strings.Contains(r.Error.Message, CapacityReached) {
		t.Errorf("/rpc beside a mounted session at the limit: %+v", r)
	}
	// Accept applies the message limit.
	write(t, e, strings.Repeat("x", 100))
	if code, _ := closeStatus(t, e, 30*time.Second); code != websocket.StatusMessageTooBig {
		t.Errorf("oversized message to a mounted socket: %d", code)
	}
	eventually(t, "the mounted session's slot to be freed", func() bool { return ts.Sessions() == 0 })
	c = dial(t, ts.ws+"/rpc", nil)
	if r := decodeResp(t, send(t, c, initReq)); r.Error != nil {
		t.Errorf("/rpc after the mounted session ended: %+v", r.Error)
	}
}
