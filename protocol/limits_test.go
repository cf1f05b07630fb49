package protocol

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/protocol/prototest"
)

func slowRegistry() *dojo.Registry {
	r := testRegistry()
	prototest.RegisterSlow(r)
	return r
}

// TestStepTimeout: each reset, step, stepMany entry and task/verify gets
// the server's step deadline, and one that passes it fails with a timeout
// error (-32003) while the session goes on.
func TestStepTimeout(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: slowRegistry(), StepTimeout: 50 * time.Millisecond})
	slow := c.make(prototest.SlowID, map[string]any{"sleep_ms": 60000, "tag": "timeout"})
	quick := c.make(prototest.SlowID, map[string]any{"sleep_ms": 0, "tag": "timeout-quick"})
	c.ok("env/reset", map[string]any{"env": slow, "seed": 1}, nil)
	c.ok("env/reset", map[string]any{"env": quick, "seed": 1}, nil)

	e := c.fails("env/step", map[string]any{"env": slow, "action": 0})
	if e.Code != -32003 || e.Kind() != dojo.CodeTimeout || !strings.Contains(e.Message, "step timeout of 50ms") || !strings.Contains(e.Message, slow) {
		t.Errorf("step over the deadline: %d %s", e.Code, e.Message)
	}
	// The quick env still steps, and a stepMany fails only the slow entry.
	c.ok("env/step", map[string]any{"env": quick, "action": 0}, nil)
	var many struct {
		Results []struct {
			Reward *float64 `json:"reward"`
			Error  *Error   `json:"error"`
		} `json:"results"`
	}
	c.ok("env/stepMany", map[string]any{"steps": []map[string]any{{"env": quick, "action": 0}, {"env": slow, "action": 0}}}, &many)
	if len(many.Results) != 2 || many.Results[0].Error != nil || many.Results[1].Error == nil || many.Results[1].Error.Code != -32003 {
		t.Errorf("stepMany: %+v", many.Results)
	}
	// Reset has the deadline too.
	slowReset := c.make(prototest.SlowID, map[string]any{"sleep_ms": 60000, "slow_reset": true})
	if e := c.fails("env/reset", map[string]any{"env": slowReset}); e.Code != -32003 || !strings.Contains(e.Message, "reset took longer") {
		t.Errorf("reset over the deadline: %d %s", e.Code, e.Message)
	}
	// An env that ignores its context finishes its step, which counts.
	stubborn := c.make(prototest.SlowID, map[string]any{"sleep_ms": 100, "ignore_ctx": true})
	c.ok("env/reset", map[string]any{"env": stubborn}, nil)
	c.ok("env/step", map[string]any{"env": stubborn, "action": 0}, nil)
}

// TestNoStepTimeoutByDefault: without StepTimeout a step takes what it
// takes.
func TestNoStepTimeoutByDefault(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: slowRegistry()})
	h := c.make(prototest.SlowID, map[string]any{"sleep_ms": 200})
	c.ok("env/reset", map[string]any{"env": h}, nil)
	c.ok("env/step", map[string]any{"env": h, "action": 0}, nil)
}

// TestIdleTimeout: a session with no request for IdleTimeout ends with
// ErrIdle and closes its envs, but not while a request is in flight.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	srv := &Server{Registry: slowRegistry(), IdleTimeout: 100 * time.Millisecond}
	c := startSession(t, srv)
	tag := fmt.Sprintf("idle-%d", time.Now().UnixNano())
	h := c.make(prototest.SlowID, map[string]any{"sleep_ms": 500, "tag": tag})
	c.ok("env/reset", map[string]any{"env": h}, nil)
	// A step five times longer than the idle timeout is not reaped.
	c.ok("env/step", map[string]any{"env": h, "action": 0}, nil)
	select {
	case err := <-c.done:
		if !errors.Is(err, ErrIdle) {
			t.Fatalf("Serve returned %v, want ErrIdle", err)
		}
		c.done <- err // for the cleanup's close
	case <-time.After(30 * time.Second):
		t.Fatal("an idle session was not ended")
	}
	if n := prototest.SlowClosed(tag); n != 1 {
		t.Errorf("%d envs closed, want 1", n)
	}
	c.w.Close()
	c.w = nil
}

// TestSmallReadBuffer: a read buffer far smaller than the lines still
// reads them whole (the golden sessions, with a 16-byte buffer).
func TestSmallReadBuffer(t *testing.T) {
	t.Parallel()
	for _, in := range prototest.Sessions(t) {
		src := prototest.ReadFile(t, in)
		c := startSession(t, &Server{Registry: testRegistry(), Version: "golden", ReadBufferBytes: 16})
		got := prototest.Transcript(t, src, c.send)
		if err := c.close(); err != nil {
			t.Fatal(err)
		}
		want := prototest.ReadFile(t, strings.TrimSuffix(in, ".in")+".golden")
		if string(got) != string(want) {
			t.Errorf("%s: transcript with a 16-byte read buffer differs from the golden one", in)
		}
	}
}
