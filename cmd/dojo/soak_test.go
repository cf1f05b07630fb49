package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/protocol"
)

// hostileLines are requests an adversarial client sends: garbage, lines
// over the limit, bad ids, bad params, forged tasks, envs past the memory
// budget, expensive queries, churn of envs; %d is replaced by a counter.
var hostileLines = []string{
	`{"jsonrpc":"2.0","id":%d,"method":"initialize"}`,
	`not json at all %d`,
	`{"jsonrpc":"2.0","id":%d,"method":`,
	"{\"jsonrpc\":\"2.0\",\"id\":\"\xff%d\",\"method\":\"initialize\"}",
	`{"jsonrpc":"2.0","id":"\ud800%d","method":"nope"}`,
	`[{"jsonrpc":"2.0","id":%d,"method":"initialize"}]`,
	`{"jsonrpc":"2.0","id":%d,"method":"env/reset","params":{"env":"e999","sed":1}}`,
	`{"jsonrpc":"2.0","id":%d,"method":"env/make","params":{"id":"websim/SearchR1-v0","options":{"size":200000}}}`,
	`{"jsonrpc":"2.0","id":%d,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1"}}`,
	`{"jsonrpc":"2.0","id":%d,"method":"env/step","params":{"env":"e1","action":{"tool_calls":"x"}}}`,
	`{"jsonrpc":"2.0","id":%d,"method":"env/reset","params":{"env":"e1","seed":1}}`,
	`{"jsonrpc":"2.0","id":%d,"method":"env/stepMany","params":{"envs":["e1","e2","e77"],"actions":[1,"left",[3]]}}`,
	`{"jsonrpc":"2.0","id":%d,"method":"env/make","params":{"id":"sql/Retail-v0","options":{"timeout_ms":50}}}`,
	`{"jsonrpc":"2.0","id":%d,"method":"task/generate","params":{"id":"toolcall/Files-v0","count":10000,"verify":true}}`,
	`{"jsonrpc":"2.0","id":%d,"method":"task/verify","params":{"task":{"id":"toolcall/Files-v0/files/d2/h1/0","env":"toolcall/Files-v0","seed":0,"verify":{"calls":[],"state":{}}},"response":"hello"}}`,
	`{"jsonrpc":"2.0","method":"env/close","params":{"env":"e%d"}}`,
	`{"jsonrpc":"2.0","id":%d,"method":"env/close","params":{"env":"e2"}}`,
}

// TestServeSoak serves sessions of hostile requests, some canceled part
// way with their responses unread, and checks that the heap (after GC) and
// the goroutines come back to where they were.
func TestServeSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test")
	}
	const sessions, perSession = 24, 120
	srv := &protocol.Server{Registry: envs.Default(), MaxLineBytes: 1 << 20, MemoryBudget: 64 << 20, ShutdownGrace: 500 * time.Millisecond}
	session := func(i int) {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx, inR, outW) }()
		unread := i%4 == 3 // this session's client reads nothing and goes away
		drained := make(chan int, 1)
		if !unread {
			go func() {
				n := 0
				sc := bufio.NewScanner(outR)
				sc.Buffer(nil, 64<<20)
				for sc.Scan() {
					n++
				}
				drained <- n
			}()
		}
		go func() {
			w := bufio.NewWriter(inW)
			for k := range perSession {
				line := hostileLines[(i+k)%len(hostileLines)]
				if strings.Contains(line, "%d") {
					line = fmt.Sprintf(line, k)
				}
				w.WriteString(line + "\n")
				if k == perSession/2 {
					w.WriteString(strings.Repeat("x", 2<<20) + "\n") // over the line limit
				}
			}
			w.Flush()
			if !unread {
				inW.Close()
			}
		}()
		if unread {
			time.Sleep(200 * time.Millisecond)
			cancel()
		}
		select {
		case <-served:
		case <-time.After(20 * time.Second):
			buf := make([]byte, 4<<20)
			t.Fatalf("session %d did not end:\n%s", i, buf[:runtime.Stack(buf, true)])
		}
		outR.Close()
		outW.Close()
		inR.Close()
		inW.Close()
		if !unread {
			if n := <-drained; n == 0 {
				t.Errorf("session %d: no responses", i)
			}
		}
	}
	// A first round warms up what is made once per process (envs'
	// shared data, pools), so the baseline includes it.
	for i := range 4 {
		session(i)
	}
	g0, h0 := settle()
	start := time.Now()
	for i := range sessions {
		session(i)
	}
	took := time.Since(start)
	var g1 int
	var h1 uint64
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		g1, h1 = settle()
		if g1 <= g0+2 && h1 <= h0+16<<20 || time.Now().After(end) {
			break
		}
	}
	t.Logf("%d sessions of %d hostile requests in %v: goroutines %d -> %d, heap after GC %s -> %s",
		sessions, perSession, took.Round(time.Millisecond), g0, g1, protocol.FormatBytes(int64(h0)), protocol.FormatBytes(int64(h1)))
	if g1 > g0+2 {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines %d after the soak, %d before:\n%s", g1, g0, buf[:runtime.Stack(buf, true)])
	}
	if h1 > h0+16<<20 {
		t.Errorf("heap after GC %s after the soak, %s before", protocol.FormatBytes(int64(h1)), protocol.FormatBytes(int64(h0)))
	}
}

// settle collects garbage and returns the goroutines and the heap in use.
func settle() (int, uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return runtime.NumGoroutine(), m.HeapAlloc
}
