package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/protocol/prototest"
)

// testServer is a Server serving on a real loopback listener.
type testServer struct {
	*Server
	base string // http://127.0.0.1:PORT
	ws   string // ws://127.0.0.1:PORT
	stop func() error
}

// start serves cfg (with the golden registry when it has none) on
// 127.0.0.1 until the test ends.
func start(t testing.TB, cfg Config) *testServer {
	t.Helper()
	if cfg.Registry == nil {
		cfg.Registry = prototest.Registry()
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	var serr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case serr = <-done:
			case <-time.After(30 * time.Second):
				t.Errorf("the server did not stop")
			}
		})
		return serr
	}
	t.Cleanup(func() { stop() })
	addr := ln.Addr().String()
	return &testServer{Server: srv, base: "http://" + addr, ws: "ws://" + addr, stop: stop}
}

// dial opens a WebSocket on url, failing the test unless it opens.
func dial(t testing.TB, url string, h http.Header) *websocket.Conn {
	t.Helper()
	c, resp, err := tryDial(url, h)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (status %d)", url, err, status)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func tryDial(url string, h http.Header) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
	if c != nil {
		c.SetReadLimit(64 << 20)
	}
	return c, resp, err
}

// send writes a text message and reads the answer.
func send(t testing.TB, c *websocket.Conn, msg string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("writing %s: %v", msg, err)
	}
	typ, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("reading the answer to %s: %v", msg, err)
	}
	if typ != websocket.MessageText {
		t.Fatalf("answer to %s is a binary message", msg)
	}
	return string(b)
}

// closeStatus reads until the socket closes and returns its close status
// and reason.
func closeStatus(t testing.TB, c *websocket.Conn, within time.Duration) (websocket.StatusCode, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			t.Fatalf("the socket was not closed within %s", within)
		}
		var ce websocket.CloseError
		if errorsAs(err, &ce) {
			return ce.Code, ce.Reason
		}
		return -1, err.Error()
	}
}

type rpcResp struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    struct {
			Kind  string `json:"kind"`
			Field string `json:"field"`
		} `json:"data"`
	} `json:"error"`
}

func decodeResp(t testing.TB, s string) rpcResp {
	t.Helper()
	var r rpcResp
	if err := json.Unmarshal([]byte(s), &r); err != nil || r.JSONRPC != "2.0" {
		t.Fatalf("not a JSON-RPC response: %s (%v)", s, err)
	}
	return r
}

// TestGoldenSessionsOverWebSocket replays protocol's golden sessions over
// /rpc: one text message per request line, and the transcript is byte for
// byte the stdio one.
func TestGoldenSessionsOverWebSocket(t *testing.T) {
	t.Parallel()
	ts := start(t, Config{Version: "golden"})
	for _, in := range prototest.Sessions(t) {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := prototest.ReadFile(t, in)
			c := dial(t, ts.ws+"/rpc", nil)
			got := prototest.Transcript(t, src, func(line string) string { return send(t, c, line) })
			c.Close(websocket.StatusNormalClosure, "")
			dojotest.Golden(t, strings.TrimSuffix(in, ".in")+".golden", got, false)
		})
	}
}

// TestPostRPC serves the one-shot methods over POST /rpc and refuses the
// others with a pointer to the WebSocket.
func TestPostRPC(t *testing.T) {
	t.Parallel()
	ts := start(t, Config{Version: "golden", MaxMessageBytes: 4096})
	post := func(body string) (int, string) {
		t.Helper()
		resp, err := http.Post(ts.base+"/rpc", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The same bytes as over stdio and WebSocket (the tasks session).
	for _, tc := range []struct{ req, want string }{
		{`{"jsonrpc":"2.0","id":1,"method":"task/generate","params":{"id":"arith/Add-v0","seed":7,"count":2}}`, ""},
		{`{"jsonrpc":"2.0","id":3,"method":"task/verify","params":{"task":{"id":"arith/Add-v0:d2:7","env":"arith/Add-v0","options":{"digits":2},"seed":7},"response":"<answer>104</answer>"}}`, ""},
	} {
		golden := string(prototest.ReadFile(t, filepath.Join(prototest.SessionsDir(), "tasks.golden")))
		i := strings.Index(golden, "--> "+tc.req+"\n<-- ")
		if i < 0 {
			t.Fatalf("request not in tasks.golden: %s", tc.req)
		}
		rest := golden[i+len("--> "+tc.req+"\n<-- "):]
		want := rest[:strings.IndexByte(rest, '\n')]
		status, got := post(tc.req)
		if status != 200 || strings.TrimSuffix(got, "\n") != want {
			t.Errorf("POST %s: %d %s\nwant %s", tc.req, status, got, want)
		}
	}
	// Pretty-printed JSON (newlines inside) is one request.
	status, got := post("{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 5,\n  \"method\": \"env/list\",\n  \"params\": {\"family\": \"bandit\"}\n}")
	if r := decodeResp(t, got); status != 200 || r.Error != nil || !bytes.Contains(r.Result, []byte("bandit/Bernoulli-10-v0")) || string(r.ID) != "5" {
		t.Errorf("env/list: %d %s", status, got)
	}
	// Session methods point to the WebSocket.
	status, got = post(`{"jsonrpc":"2.0","id":"s","method":"env/step","params":{"env":"e1","action":0}}`)
	if r := decodeResp(t, got); status != 200 || r.Error == nil || r.Error.Code != -32601 || !strings.Contains(r.Error.Message, "WebSocket") || string(r.ID) != `"s"` {
		t.Errorf("env/step over POST: %d %s", status, got)
	}
	// Garbage gets a parse error, an empty body an invalid request.
	if _, got = post(`hello`); decodeResp(t, got).Error.Code != -32700 {
		t.Errorf("garbage: %s", got)
	}
	if _, got = post(``); decodeResp(t, got).Error.Code != -32600 {
		t.Errorf("empty: %s", got)
	}
	// A notification gets 204.
	if status, got = post(`{"jsonrpc":"2.0","method":"initialize"}`); status != 204 || got != "" {
		t.Errorf("notification: %d %q", status, got)
	}
	// Over the size limit: 413.
	if status, got = post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"` + strings.Repeat("x", 5000) + `"}}}`); status != 413 || !strings.Contains(got, "4096") {
		t.Errorf("too large: %d %s", status, got)
	}
	// Wrong methods: 405 with Allow; unknown routes: 404 JSON.
	req, _ := http.NewRequest(http.MethodPut, ts.base+"/rpc", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, POST" {
		t.Errorf("PUT /rpc: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	resp, err = http.Get(ts.base + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var e struct {
		Error struct{ Kind, Message string }
	}
	if resp.StatusCode != 404 || json.Unmarshal(b, &e) != nil || e.Error.Kind != "not_found" || !strings.Contains(e.Error.Message, "/rpc") {
		t.Errorf("GET /nowhere: %d %s", resp.StatusCode, b)
	}
	resp, err = http.Post(ts.base+"/health", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /health: %d", resp.StatusCode)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
