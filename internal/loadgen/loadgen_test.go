package loadgen_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/internal/loadgen"
	"github.com/dojo-rl/dojo/server"
	"github.com/dojo-rl/dojo/server/servertest"
)

// startServer serves the default registry on a loopback port and returns
// its base URL.
func startServer(t *testing.T, token string) string {
	return "ws://" + servertest.Start(t, server.Config{Registry: envs.Default(), Token: token, Version: "test"})
}

// TestRun drives sessions over both protocols and checks that every session
// connected, reset and stepped, and that nothing failed.
func TestRun(t *testing.T) {
	url := startServer(t, "sekrit")
	for _, tc := range []struct{ proto, engine string }{{"openenv", "goroutines"}, {"rpc", "goroutines"}, {"openenv", "loop"}, {"rpc", "loop"}} {
		proto := tc.proto
		t.Run(proto+"/"+tc.engine, func(t *testing.T) {
			if tc.engine == "loop" && runtime.GOOS != "linux" {
				t.Skip("the loop engine needs Linux's epoll")
			}
			const sessions = 40
			res, err := loadgen.Run(context.Background(), loadgen.Config{
				URL: url, Token: "sekrit", Protocol: proto, Sessions: sessions, Engine: tc.engine,
				Period: 100 * time.Millisecond, Ramp: 200 * time.Millisecond,
				Settle: time.Second, Duration: 2 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Engine != tc.engine {
				t.Errorf("engine %q, want %q", res.Engine, tc.engine)
			}
			if res.ErrorCount != 0 || res.Connected != sessions {
				t.Fatalf("%d of %d connected, errors %v", res.Connected, sessions, res.Errors)
			}
			// Every session connects and resets once before its first
			// step, then steps once a tick; FrozenLake episodes under
			// random actions are short (most end within 10 steps), so
			// resets follow in the measured window.
			if res.Steps.Count < sessions || res.FirstReset.Count != sessions || res.Resets.Count == 0 || res.Connect.Count != sessions {
				t.Fatalf("steps %d, first resets %d, resets %d, connects %d for %d sessions", res.Steps.Count, res.FirstReset.Count, res.Resets.Count, res.Connect.Count, sessions)
			}
			if res.Steps.P50 <= 0 || res.Steps.P50 > res.Steps.P99 || res.Steps.P99 > res.Steps.Max {
				t.Fatalf("percentiles out of order: %+v", res.Steps)
			}
			// The set-up lasts at least the ramp (the last session
			// connects at its end) and ends before the steps start.
			if res.SetUp < 200*time.Millisecond*(sessions-1)/sessions || res.SetUp > res.Elapsed {
				t.Fatalf("set-up %v for a 200ms ramp in a %v run", res.SetUp, res.Elapsed)
			}
			if want := float64(sessions) / res.SetUp.Seconds(); res.SessionsPerSecond != want {
				t.Fatalf("sessions/s %v, want %d sessions / %v = %v", res.SessionsPerSecond, sessions, res.SetUp, want)
			}
		})
	}
}

// TestRunCountsRefusals checks that a wrong token shows as connect errors
// naming the refusal, not as a clean run.
func TestRunCountsRefusals(t *testing.T) {
	url := startServer(t, "sekrit")
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		URL: url, Token: "wrong", Sessions: 5, Ramp: 50 * time.Millisecond,
		Settle: 10 * time.Millisecond, Duration: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Connected != 0 || res.ErrorCount != 5 {
		t.Fatalf("connected %d, errors %d (%v); want 0 and 5", res.Connected, res.ErrorCount, res.Errors)
	}
	for msg := range res.Errors {
		if !strings.Contains(msg, "401") {
			t.Errorf("error %q does not name the 401", msg)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []loadgen.Config{{}, {URL: "ws://x", Protocol: "grpc"}, {URL: "ws://x", Engine: "threads"}} {
		if _, err := loadgen.Run(context.Background(), cfg); err == nil {
			t.Errorf("Run(%+v) succeeded", cfg)
		}
	}
}

// TestRunCountsFailedSteps sends actions the env refuses: on both engines
// every session's first step fails, is counted with the server's words,
// and ends that session without stalling the run.
func TestRunCountsFailedSteps(t *testing.T) {
	url := startServer(t, "")
	for _, engine := range []string{"goroutines", "loop"} {
		t.Run(engine, func(t *testing.T) {
			if engine == "loop" && runtime.GOOS != "linux" {
				t.Skip("the loop engine needs Linux's epoll")
			}
			const sessions = 10
			res, err := loadgen.Run(context.Background(), loadgen.Config{
				URL: url, Sessions: sessions, Engine: engine, Actions: 1000,
				Period: 50 * time.Millisecond, Ramp: 50 * time.Millisecond,
				Settle: 10 * time.Millisecond, Duration: 500 * time.Millisecond,
			})
			if err != nil {
				t.Fatal(err)
			}
			// Actions 0-3 are valid: some sessions may step a few times
			// before drawing an invalid one, but every session fails once.
			if res.ErrorCount != sessions {
				t.Fatalf("errors %d (%v), want one per session (%d)", res.ErrorCount, res.Errors, sessions)
			}
			for msg := range res.Errors {
				if !strings.HasPrefix(msg, "step: error") || !strings.Contains(msg, "action") {
					t.Errorf("error %q does not say the step's action was refused", msg)
				}
			}
		})
	}
}

// TestRunStopsWhenCanceled cancels a run meant to step for ten minutes:
// on both engines it ends, with what it measured so far.
func TestRunStopsWhenCanceled(t *testing.T) {
	url := startServer(t, "")
	for _, engine := range []string{"goroutines", "loop"} {
		t.Run(engine, func(t *testing.T) {
			if engine == "loop" && runtime.GOOS != "linux" {
				t.Skip("the loop engine needs Linux's epoll")
			}
			ctx, cancel := context.WithCancel(context.Background())
			res := make(chan *loadgen.Result, 1)
			go func() {
				r, err := loadgen.Run(ctx, loadgen.Config{
					URL: url, Sessions: 5, Engine: engine, Period: 20 * time.Millisecond,
					Ramp: 10 * time.Millisecond, Settle: 10 * time.Millisecond, Duration: 10 * time.Minute,
				})
				if err != nil {
					t.Error(err)
				}
				res <- r
			}()
			time.Sleep(500 * time.Millisecond)
			cancel()
			select {
			case r := <-res:
				if r != nil && r.Connected != 5 {
					t.Errorf("%d of 5 sessions connected", r.Connected)
				}
			case <-time.After(time.Minute):
				t.Fatal("the run went on a minute after its context was canceled")
			}
		})
	}
}
