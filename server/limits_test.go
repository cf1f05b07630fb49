package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dojo-rl/dojo/protocol/prototest"
)

const initReq = `{"jsonrpc":"2.0","id":1,"method":"initialize"}`

// eventually polls cond until it holds, failing the test after a
// generous bound.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var tags atomic.Int64

// uniqueTag names a test's slow envs for prototest's counters, which are
// global: unique across runs of the same test (go test -count).
func uniqueTag(name string) string { return fmt.Sprintf("%s-%d", name, tags.Add(1)) }

func slowServer(t testing.TB, cfg Config) *testServer {
	t.Helper()
	reg := prototest.Registry()
	prototest.RegisterSlow(reg)
	cfg.Registry = reg
	return start(t, cfg)
}

func write(t testing.TB, c *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("writing %s: %v", msg, err)
	}
}

func read(t testing.TB, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return string(b)
}

// TestCapacity: at MaxSessions a socket is still accepted, its first
// message answered with a limit error saying CAPACITY_REACHED, and closed;
// a slot freed is taken again.
func TestCapacity(t *testing.T) {
	t.Parallel()
	ts := start(t, Config{MaxSessions: 2})
	ts.capacityWait = 300 * time.Millisecond
	a := dial(t, ts.ws+"/rpc", nil)
	b := dial(t, ts.ws+"/rpc", nil)
	send(t, a, initReq)
	send(t, b, initReq)
	if n := ts.Sessions(); n != 2 {
		t.Fatalf("%d sessions, want 2", n)
	}
	// The third is accepted, answered and closed.
	c := dial(t, ts.ws+"/rpc", nil)
	r := decodeResp(t, send(t, c, `{"jsonrpc":"2.0","id":7,"method":"env/list"}`))
	if r.Error == nil || r.Error.Code != -32007 || r.Error.Data.Kind != "limit" || !strings.Contains(r.Error.Message, "CAPACITY_REACHED") || string(r.ID) != "7" {
		t.Errorf("over capacity: %+v", r)
	}
	if code, reason := closeStatus(t, c, 30*time.Second); code != websocket.StatusTryAgainLater || reason != CapacityReached {
		t.Errorf("over capacity closed with %d %q", code, reason)
	}
	// One that sends nothing is closed too, never left hanging.
	d := dial(t, ts.ws+"/rpc", nil)
	if code, _ := closeStatus(t, d, 30*time.Second); code == websocket.StatusNormalClosure {
		t.Errorf("a silent socket over capacity closed with %d", code)
	}
	// The others go on; a freed slot is taken again.
	send(t, a, initReq)
	b.Close(websocket.StatusNormalClosure, "")
	eventually(t, "the slot to be freed", func() bool { return ts.Sessions() == 1 })
	e := dial(t, ts.ws+"/rpc", nil)
	if r := decodeResp(t, send(t, e, initReq)); r.Error != nil {
		t.Errorf("after a slot was freed: %+v", r.Error)
	}
	// Acquire counts against the same limit.
	if _, ok := ts.Acquire(); ok {
		t.Error("Acquire got a slot over the limit")
	}
	a.Close(websocket.StatusNormalClosure, "")
	eventually(t, "the slot to be freed", func() bool { return ts.Sessions() == 1 })
	release, ok := ts.Acquire()
	if !ok {
		t.Fatal("Acquire got no free slot")
	}
	release()
	release()
	if n := ts.Sessions(); n != 1 {
		t.Errorf("after a double release: %d sessions, want 1", n)
	}
}

// TestIdleReaping: a session that sends nothing for IdleTimeout is closed
// and its slot and envs freed; one with a step in flight longer than that
// is not.
func TestIdleReaping(t *testing.T) {
	t.Parallel()
	ts := slowServer(t, Config{IdleTimeout: 200 * time.Millisecond})
	quiet := dial(t, ts.ws+"/rpc", nil)
	busy := dial(t, ts.ws+"/rpc", nil)
	tag := uniqueTag("idle-reap")
	r := decodeResp(t, send(t, busy, `{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"test/Slow-v0","options":{"sleep_ms":1500,"tag":"`+tag+`"}}}`))
	if r.Error != nil {
		t.Fatal(r.Error.Message)
	}
	send(t, busy, `{"jsonrpc":"2.0","id":2,"method":"env/reset","params":{"env":"e1"}}`)
	if r := decodeResp(t, send(t, busy, `{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e1","action":0}}`)); r.Error != nil {
		t.Errorf("a step longer than the idle timeout: %+v", r.Error)
	}
	if code, reason := closeStatus(t, quiet, 30*time.Second); code != websocket.StatusNormalClosure || !strings.Contains(reason, "idle") {
		t.Errorf("idle session closed with %d %q", code, reason)
	}
	if code, _ := closeStatus(t, busy, 30*time.Second); code != websocket.StatusNormalClosure {
		t.Errorf("idle session closed with %d", code)
	}
	eventually(t, "the slots to be freed", func() bool { return ts.Sessions() == 0 })
	eventually(t, "the env to be closed", func() bool { return prototest.SlowClosed(tag) == 1 })
}

// TestMessageLimit: a message over MaxMessageBytes closes its socket with
// 1009; other sessions go on.
func TestMessageLimit(t *testing.T) {
	t.Parallel()
	ts := start(t, Config{MaxMessageBytes: 1024})
	other := dial(t, ts.ws+"/rpc", nil)
	c := dial(t, ts.ws+"/rpc", nil)
	// At the limit: served.
	pad := 1024 - len(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":""}}}`)
	msg := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"` + strings.Repeat("x", pad) + `"}}}`
	if r := decodeResp(t, send(t, c, msg)); r.Error != nil || len(msg) != 1024 {
		t.Fatalf("a message of %d bytes: %+v", len(msg), r.Error)
	}
	write(t, c, msg[:len(msg)-3]+`x"}}}`)
	if code, reason := closeStatus(t, c, 30*time.Second); code != websocket.StatusMessageTooBig || !strings.Contains(reason, "limit") {
		t.Errorf("an oversized message closed with %d %q", code, reason)
	}
	if r := decodeResp(t, send(t, other, initReq)); r.Error != nil {
		t.Errorf("the other session: %+v", r.Error)
	}
	eventually(t, "the slot to be freed", func() bool { return ts.Sessions() == 1 })
}

// TestBadFrames: a binary message gets an invalid-request error, garbage a
// parse error, each with id null, and the session goes on.
func TestBadFrames(t *testing.T) {
	t.Parallel()
	ts := start(t, Config{})
	c := dial(t, ts.ws+"/rpc", nil)
	ctx := context.Background()
	if err := c.Write(ctx, websocket.MessageBinary, []byte(initReq)); err != nil {
		t.Fatal(err)
	}
	r := decodeResp(t, read(t, c))
	if r.Error == nil || r.Error.Code != -32600 || string(r.ID) != "null" || !strings.Contains(r.Error.Message, "binary") {
		t.Errorf("binary message: %+v", r)
	}
	for msg, code := range map[string]int{
		"\x00\xff garbage":                  -32700,
		`{"jsonrpc":"2.0","id":1,"method":`: -32700,
		`[1,2]`:                             -32600,
		"{\"jsonrpc\":\"2.0\",\n\"id\":1,\r\n\"method\":\"nope\"}": -32601,
	} {
		r := decodeResp(t, send(t, c, msg))
		if r.Error == nil || r.Error.Code != code {
			t.Errorf("%q: %+v, want code %d", msg, r.Error, code)
		}
	}
	// A request with a raw newline in a string is not JSON: a parse error,
	// not two lines.
	r = decodeResp(t, send(t, c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"env/list\",\"params\":{\"family\":\"a\nb\"}}"))
	if r.Error == nil || r.Error.Code != -32700 {
		t.Errorf("newline in a string: %+v", r.Error)
	}
	if r := decodeResp(t, send(t, c, initReq)); r.Error != nil {
		t.Errorf("after bad frames: %+v", r.Error)
	}
	// A fragmented message (several frames) is one request.
	w, err := c.Writer(ctx, websocket.MessageText)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{`{"jsonrpc":"2.0",`, `"id":9,"method"`, `:"initialize"}`} {
		w.Write([]byte(part))
	}
	w.Close()
	if r := decodeResp(t, read(t, c)); r.Error != nil || string(r.ID) != "9" {
		t.Errorf("fragmented message: %+v", r)
	}
}

// TestClientVanishesMidStep: a client that drops its socket while a step
// runs loses its session: the step finishes, the envs are closed, the slot
// is freed, and others are served.
func TestClientVanishesMidStep(t *testing.T) {
	t.Parallel()
	ts := slowServer(t, Config{})
	other := dial(t, ts.ws+"/rpc", nil)
	c := dial(t, ts.ws+"/rpc", nil)
	tag := uniqueTag("vanish")
	send(t, c, `{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"test/Slow-v0","options":{"sleep_ms":300,"tag":"`+tag+`"}}}`)
	send(t, c, `{"jsonrpc":"2.0","id":2,"method":"env/reset","params":{"env":"e1"}}`)
	write(t, c, `{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e1","action":0}}`)
	eventually(t, "the step to run", func() bool { return prototest.SlowRunning(tag) == 1 })
	c.CloseNow()
	eventually(t, "the env to be closed", func() bool { return prototest.SlowClosed(tag) == 1 })
	eventually(t, "the slot to be freed", func() bool { return ts.Sessions() == 1 })
	if r := decodeResp(t, send(t, other, initReq)); r.Error != nil {
		t.Errorf("the other session: %+v", r.Error)
	}
}

// TestShutdownDrains: on shutdown a step in flight finishes and is
// answered, then the socket closes with 1001, new sockets are refused,
// the envs are closed and Serve returns nil.
func TestShutdownDrains(t *testing.T) {
	t.Parallel()
	ts := slowServer(t, Config{})
	idle := dial(t, ts.ws+"/rpc", nil)
	send(t, idle, initReq)
	c := dial(t, ts.ws+"/rpc", nil)
	tag := uniqueTag("drain")
	send(t, c, `{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"test/Slow-v0","options":{"sleep_ms":500,"tag":"`+tag+`"}}}`)
	send(t, c, `{"jsonrpc":"2.0","id":2,"method":"env/reset","params":{"env":"e1"}}`)
	write(t, c, `{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e1","action":0}}`)
	eventually(t, "the step to run", func() bool { return prototest.SlowRunning(tag) == 1 })
	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	r := decodeResp(t, read(t, c))
	if r.Error != nil || string(r.ID) != "3" {
		t.Errorf("the step in flight: %+v", r)
	}
	if code, reason := closeStatus(t, c, 30*time.Second); code != websocket.StatusGoingAway || !strings.Contains(reason, "shutting down") {
		t.Errorf("closed with %d %q, want 1001", code, reason)
	}
	if code, _ := closeStatus(t, idle, 30*time.Second); code != websocket.StatusGoingAway {
		t.Errorf("idle session closed with %d, want 1001", code)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Serve did not return")
	}
	if n := prototest.SlowClosed(tag); n != 1 {
		t.Errorf("%d envs closed, want 1", n)
	}
	if c, _, err := tryDial(ts.ws+"/rpc", nil); err == nil {
		c.CloseNow()
		t.Error("a socket was accepted after shutdown")
	}
}

// TestShutdownBounded: a step that outlasts the drain is canceled and
// answered (-32004), the socket closes with 1001, and Serve reports the
// drain's deadline.
func TestShutdownBounded(t *testing.T) {
	t.Parallel()
	ts := slowServer(t, Config{DrainTimeout: 200 * time.Millisecond})
	c := dial(t, ts.ws+"/rpc", nil)
	tag := uniqueTag("drain-bounded")
	send(t, c, `{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"test/Slow-v0","options":{"sleep_ms":600000,"tag":"`+tag+`"}}}`)
	send(t, c, `{"jsonrpc":"2.0","id":2,"method":"env/reset","params":{"env":"e1"}}`)
	write(t, c, `{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e1","action":0}}`)
	eventually(t, "the step to run", func() bool { return prototest.SlowRunning(tag) == 1 })
	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	r := decodeResp(t, read(t, c))
	if r.Error == nil || r.Error.Code != -32004 || string(r.ID) != "3" {
		t.Errorf("the step in flight past the drain: %+v", r)
	}
	if code, _ := closeStatus(t, c, 30*time.Second); code != websocket.StatusGoingAway {
		t.Errorf("closed with %d, want 1001", code)
	}
	if err := <-stopped; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Serve returned %v, want the drain's deadline", err)
	}
	eventually(t, "the env to be closed", func() bool { return prototest.SlowClosed(tag) == 1 })
}

// TestDataDir: path options name files under the data dir only; without
// one, only their defaults are served.
func TestDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	outside := t.TempDir()
	m := "SFFF\nFHFH\nFFFH\nHFFG\n"
	for _, p := range []string{filepath.Join(dir, "map.txt"), filepath.Join(outside, "map.txt")} {
		if err := os.WriteFile(p, []byte(m), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(outside, "map.txt"), filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	mk := func(c *websocket.Conn, id, opt, v string) rpcResp {
		return decodeResp(t, send(t, c, fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":%q,"options":{%q:%q}}}`, id, opt, v)))
	}
	ts := start(t, Config{DataDir: dir})
	c := dial(t, ts.ws+"/rpc", nil)
	for _, ok := range []string{"map.txt", filepath.Join(dir, "map.txt"), "./sub/../map.txt"} {
		if r := mk(c, "gridworld/FrozenLake-v1", "map_file", ok); r.Error != nil {
			t.Errorf("map_file %q in the data dir: %s", ok, r.Error.Message)
		}
	}
	for _, bad := range []string{filepath.Join(outside, "map.txt"), "../" + filepath.Base(outside) + "/map.txt", "link.txt", "/etc/passwd", "missing.txt"} {
		r := mk(c, "gridworld/FrozenLake-v1", "map_file", bad)
		if r.Error == nil || r.Error.Code != -32602 || r.Error.Data.Field != "options.map_file" || !strings.Contains(r.Error.Message, "data dir") {
			t.Errorf("map_file %q: %+v", bad, r.Error)
		}
	}
	r := mk(c, "sql/Spider-v0", "path", outside)
	if r.Error == nil || r.Error.Data.Field != "options.path" {
		t.Errorf("sql path outside the data dir: %+v", r.Error)
	}
	// task/generate makes envs through the same registry.
	r = decodeResp(t, send(t, c, fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"task/generate","params":{"id":"sql/Spider-v0","options":{"path":%q}}}`, outside)))
	if r.Error == nil || r.Error.Data.Field != "options.path" {
		t.Errorf("task/generate with a path outside the data dir: %+v", r.Error)
	}

	// Without a data dir, every path option but the default is refused.
	ts2 := start(t, Config{})
	c2 := dial(t, ts2.ws+"/rpc", nil)
	r = mk(c2, "gridworld/FrozenLake-v1", "map_file", filepath.Join(dir, "map.txt"))
	if r.Error == nil || r.Error.Data.Field != "options.map_file" || !strings.Contains(r.Error.Message, "without a data dir") {
		t.Errorf("map_file without a data dir: %+v", r.Error)
	}
	if r := mk(c2, "gridworld/FrozenLake-v1", "map_file", ""); r.Error != nil {
		t.Errorf("the default map_file: %s", r.Error.Message)
	}
}

// goroutines returns the goroutine count once it settles.
func heapAndGoroutines() (uint64, int) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc, runtime.NumGoroutine()
}

// TestNoLeaks: after sessions open, play and close, the goroutines and
// the heap return to near where they were. Not parallel: it counts the
// process's goroutines.
func TestNoLeaks(t *testing.T) {
	ts := start(t, Config{})
	warm := dial(t, ts.ws+"/rpc", nil)
	send(t, warm, initReq)
	warm.Close(websocket.StatusNormalClosure, "")
	eventually(t, "the warm-up session to end", func() bool { return ts.Sessions() == 0 })
	heap0, g0 := heapAndGoroutines()

	const n = 300
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c, _, err := tryDial(ts.ws+"/rpc", nil)
			if err != nil {
				t.Errorf("dial: %v", err)
				return
			}
			defer c.CloseNow()
			for _, msg := range []string{
				`{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1"}}`,
				fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"env/reset","params":{"env":"e1","seed":%d}}`, i),
				`{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e1","action":1}}`,
			} {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				err := c.Write(ctx, websocket.MessageText, []byte(msg))
				if err == nil {
					_, _, err = c.Read(ctx)
				}
				cancel()
				if err != nil {
					t.Errorf("session %d: %v", i, err)
					return
				}
			}
			if i%2 == 0 {
				c.Close(websocket.StatusNormalClosure, "")
			} // else dropped without a close handshake
		})
	}
	wg.Wait()
	eventually(t, "the sessions to end", func() bool { return ts.Sessions() == 0 })
	var heap1 uint64
	var g1 int
	eventually(t, "the goroutines to return to baseline", func() bool {
		heap1, g1 = heapAndGoroutines()
		return g1 <= g0+5
	})
	t.Logf("after %d sessions: goroutines %d -> %d, heap %d KiB -> %d KiB", n, g0, g1, heap0>>10, heap1>>10)
	if heap1 > heap0+8<<20 {
		t.Errorf("heap grew from %d KiB to %d KiB after %d sessions closed", heap0>>10, heap1>>10, n)
	}
}

// TestManyConnectsWithoutAMessage: sockets and bare TCP connections that
// never send a request hold no more than their slot until reaped, a
// session beside them is served, and everything is freed after. Not
// parallel: it counts goroutines.
func TestManyConnectsWithoutAMessage(t *testing.T) {
	ts := start(t, Config{IdleTimeout: 2 * time.Second, MaxSessions: 5000})
	_, g0 := heapAndGoroutines()
	// Both ends of each socket are in this process: stay within its
	// limit on open files (a machine with a low one runs fewer sockets).
	sockets, bare := 1000, 200
	if lim := openFileLimit(); lim > 0 && lim < uint64(2*(sockets+bare)+512) {
		sockets = max(50, int(lim-512)/2-bare)
		t.Logf("open files limited to %d: %d sockets", lim, sockets)
	}
	var mu sync.Mutex
	var conns []*websocket.Conn
	var raw []net.Conn
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for range sockets {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			c, _, err := tryDial(ts.ws+"/rpc", nil)
			if err != nil {
				t.Errorf("dial: %v", err)
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		})
	}
	for range bare {
		nc, err := net.Dial("tcp", strings.TrimPrefix(ts.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, nc)
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	heapIdle, _ := heapAndGoroutines()
	// A live session is served meanwhile.
	c := dial(t, ts.ws+"/rpc", nil)
	if r := decodeResp(t, send(t, c, initReq)); r.Error != nil {
		t.Errorf("a session beside %d idle ones: %+v", sockets, r.Error)
	}
	c.CloseNow()
	// The idle sockets are reaped, each with a close.
	for _, c := range conns {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			c.Read(ctx) // returns when the server closes
			c.CloseNow()
		}()
	}
	eventually(t, "the idle sockets to be reaped", func() bool { return ts.Sessions() == 0 })
	for _, nc := range raw {
		nc.Close()
	}
	eventually(t, "the goroutines to return to baseline", func() bool {
		_, g := heapAndGoroutines()
		return g <= g0+5
	})
	t.Logf("heap with %d idle sockets (both ends in this process): %d KiB", sockets, heapIdle>>10)
}

// FuzzFlatten: a message and its line are valid JSON alike, the line has
// no CR or LF, and a valid message means the same after.
func FuzzFlatten(f *testing.F) {
	for _, s := range []string{"{\"a\":\n1}", "\"a\nb\"", `"a\"` + "\n" + `b"`, `"\\` + "\n" + `"`, "[1,\r\n2]", "\"\\\"\"\n", "x\ny"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		line := slices.Clone(msg)
		var fl flattener
		// In two parts, as a message may arrive.
		fl.flatten(line[:len(line)/2])
		fl.flatten(line[len(line)/2:])
		if bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("%q flattened to %q", msg, line)
		}
		if json.Valid(msg) != json.Valid(line) {
			t.Fatalf("%q (valid %v) flattened to %q (valid %v)", msg, json.Valid(msg), line, json.Valid(line))
		}
		if json.Valid(msg) {
			var a, b any
			json.Unmarshal(msg, &a)
			json.Unmarshal(line, &b)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%q means %v, flattened %v", msg, a, b)
			}
		}
	})
}

// handshake opens a WebSocket by hand on a bare connection, so that the
// client side costs next to nothing in this process.
func handshake(t testing.TB, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(nc, "GET /rpc HTTP/1.1\r\nHost: "+addr+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReaderSize(nc, 256), nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	nc.SetReadDeadline(time.Time{})
	return nc
}

// TestIdleSessionMemory measures what an idle /rpc session costs the
// server (heap and goroutine stacks, the client side being bare
// connections), and holds it under 64 KiB. Not parallel: it reads the
// process's memory.
func TestIdleSessionMemory(t *testing.T) {
	ts := start(t, Config{})
	addr := strings.TrimPrefix(ts.base, "http://")
	handshake(t, addr).Close()
	eventually(t, "the warm-up session to end", func() bool { return ts.Sessions() == 0 })
	mem := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc + ms.StackInuse
	}
	before := mem()
	n := 1000
	if lim := openFileLimit(); lim > 0 && lim < uint64(2*n+512) {
		n = max(100, int(lim-512)/2) // both ends are in this process
		t.Logf("open files limited to %d: %d sessions", lim, n)
	}
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = handshake(t, addr)
	}
	eventually(t, "the sessions to start", func() bool { return ts.Sessions() == n })
	after := mem()
	for _, nc := range conns {
		nc.Close()
	}
	per := (int64(after) - int64(before)) / int64(n)
	t.Logf("an idle /rpc session costs %.1f KiB (heap and stacks, over %d sessions)", float64(per)/1024, n)
	if per > 64<<10 {
		t.Errorf("an idle session costs %d bytes, over 64 KiB", per)
	}
	eventually(t, "the sessions to end", func() bool { return ts.Sessions() == 0 })
}

// TestStepTimeoutOverWebSocket: Config.StepTimeout reaches the sessions.
func TestStepTimeoutOverWebSocket(t *testing.T) {
	t.Parallel()
	ts := slowServer(t, Config{StepTimeout: 50 * time.Millisecond})
	c := dial(t, ts.ws+"/rpc", nil)
	send(t, c, `{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"test/Slow-v0","options":{"sleep_ms":600000}}}`)
	send(t, c, `{"jsonrpc":"2.0","id":2,"method":"env/reset","params":{"env":"e1"}}`)
	r := decodeResp(t, send(t, c, `{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e1","action":0}}`))
	if r.Error == nil || r.Error.Code != -32003 || r.Error.Data.Kind != "timeout" {
		t.Errorf("a step past the step timeout: %+v", r)
	}
	if r := decodeResp(t, send(t, c, initReq)); r.Error != nil {
		t.Errorf("the session after a timeout: %+v", r.Error)
	}
}
