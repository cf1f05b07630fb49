package openai

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents/openai/openaitest"
	"github.com/google/go-cmp/cmp"
)

// fakeClock is a clock that moves only when told; its sleep records the
// wait and returns at once, leaving the clock where it is.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	return ctx.Err()
}

// TestLimiter checks the token bucket's waits on a fake clock.
func TestLimiter(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name  string
		rate  float64
		burst int
		// steps: a positive value advances the clock by it; 0 reserves a
		// token, whose wait is appended to the waits (without sleeping).
		steps []time.Duration
		want  []time.Duration
	}{
		{"burst 1: evenly spaced", 10, 0, []time.Duration{0, 0, 0, 0}, []time.Duration{0, 100 * ms, 200 * ms, 300 * ms}},
		{"burst 3 goes at once, then one an interval", 10, 3, []time.Duration{0, 0, 0, 0, 0}, []time.Duration{0, 0, 0, 100 * ms, 200 * ms}},
		{"time refills", 10, 1, []time.Duration{0, 0, 250 * ms, 0, 0}, []time.Duration{0, 100 * ms, 0, 100 * ms}},
		{"refills up to the burst only", 10, 2, []time.Duration{0, 0, 10 * time.Second, 0, 0, 0}, []time.Duration{0, 0, 0, 0, 100 * ms}},
		{"below one a second", 0.5, 0, []time.Duration{0, 0, time.Second, 0}, []time.Duration{0, 2 * time.Second, 3 * time.Second}},
	}
	for _, tt := range tests {
		c := &fakeClock{t: time.Unix(1000, 0)}
		l := newLimiter(tt.rate, tt.burst)
		l.now = c.now
		var got []time.Duration
		for _, s := range tt.steps {
			if s > 0 {
				c.advance(s)
				continue
			}
			got = append(got, l.reserve())
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: waits (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestRPS counts the waits of the requests of episodes played at once
// under Config.RPS, on a clock that stands still: whatever the order the
// episodes ask in, the first Burst requests go at once and the others wait
// one interval more each, and every request is sent.
func TestRPS(t *testing.T) {
	t.Parallel()
	c := &fakeClock{t: time.Unix(1000, 0)}
	srv := openaitest.NewServer(t, openaitest.Always(openaitest.Reply{Body: `{"choices":[{"message":{"role":"assistant","content":"ok"}}]}`}))
	const rps, burst, episodes, turns = 4, 3, 6, 4
	a, err := New(Config{BaseURL: srv.URL, Model: "m", RPS: rps, Burst: burst, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	a.limit.now = c.now
	a.sleep = c.sleep
	spec := dojo.Spec{ID: "t/T-v0", Action: dojo.Space{Kind: dojo.KindText}}
	var wg sync.WaitGroup
	for i := range episodes {
		wg.Go(func() {
			ag, err := a.NewAgent(context.Background(), dojo.EpisodeStart{Seed: uint64(i), Spec: spec})
			if err != nil {
				t.Error(err)
				return
			}
			for s := range turns {
				if _, err := ag.Act(context.Background(), dojo.Turn{Step: s, Obs: dojo.Obs{Text: "go"}}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	const n = episodes * turns
	if got := srv.Count(); got != n {
		t.Fatalf("%d requests, want %d", got, n)
	}
	var want []time.Duration
	for k := 1; k <= n-burst; k++ {
		want = append(want, time.Duration(k)*time.Second/rps)
	}
	got := slices.Sorted(slices.Values(c.sleeps))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}

	// Once the schedule has passed and the bucket refilled, a burst goes
	// at once again.
	c.advance(time.Duration(n) * time.Second / rps)
	c.sleeps = nil
	ag, err := a.NewAgent(context.Background(), dojo.EpisodeStart{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	for s := range burst + 1 {
		if _, err := ag.Act(context.Background(), dojo.Turn{Step: s, Obs: dojo.Obs{Text: "go"}}); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]time.Duration{time.Second / rps}, c.sleeps); diff != "" {
		t.Errorf("waits after a quiet spell (-want +got):\n%s", diff)
	}
}

// TestRPSCancel checks that a canceled context stops the wait for a token
// at once, without a request.
func TestRPSCancel(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Always(openaitest.Reply{Body: `{"choices":[{"message":{"role":"assistant","content":"ok"}}]}`}))
	// One request an hour: the second waits an hour unless canceled.
	a, err := New(Config{BaseURL: srv.URL, Model: "m", RPS: 1.0 / 3600})
	if err != nil {
		t.Fatal(err)
	}
	spec := dojo.Spec{ID: "t/T-v0", Action: dojo.Space{Kind: dojo.KindText}}
	ag, err := a.NewAgent(context.Background(), dojo.EpisodeStart{Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ag.Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Text: "go"}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ag.Act(ctx, dojo.Turn{Step: 1, Obs: dojo.Obs{Text: "go"}})
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if dojo.ErrorCode(err) != dojo.CodeCanceled || !errors.Is(err, context.Canceled) {
			t.Errorf("got %v (code %q), want a canceled error", err, dojo.ErrorCode(err))
		}
	case <-time.After(time.Minute):
		t.Fatal("Act still waits for the rate limit a minute after its context was canceled")
	}
	if n := srv.Count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
