package runner

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
)

// testClock is a clock tests move by hand.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time              { return c.t }
func (c *testClock) add(d time.Duration)         { c.t = c.t.Add(d) }
func newTestClock() *testClock                   { return &testClock{time.Unix(1000, 0)} }
func okEpisode(success bool) *Episode            { return &Episode{Success: success} }
func failedEpisode(code dojo.Code) *Episode      { return &Episode{Error: "boom", ErrorCode: code} }
func usageEpisode(u map[string]float64) *Episode { return &Episode{Success: true, Usage: u} }

// TestProgressLive drives the live line with a fake clock: it moves with
// steps before any episode ends, shows success, errors and the ETA, and
// ends with the final state on its own line.
func TestProgressLive(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	var b bytes.Buffer
	p := newProgress(ProgressConfig{W: &b, Live: true, Now: clock.now})
	p.begin("test/Chain-v0", 10, 2, 1)
	want := "\rtest/Chain-v0  2/10  [====>               ]  success 0.500  steps 0"
	if got := b.String(); got != want {
		t.Errorf("first drawing\n%q, want\n%q", got, want)
	}
	b.Reset()
	// An LLM episode in flight: steps move the line before it ends.
	for range 3 {
		p.step()
	}
	clock.add(time.Second)
	p.tick()
	if got, want := b.String(), "\rtest/Chain-v0  2/10  [====>               ]  success 0.500  steps 3"; got != want {
		t.Errorf("after 3 steps\n%q, want\n%q", got, want)
	}
	b.Reset()
	p.episode(okEpisode(true))
	clock.add(50 * time.Millisecond)
	p.episode(failedEpisode(dojo.CodeUnavailable))
	if b.Len() != 0 {
		t.Errorf("redrawn within 100ms of the last drawing: %q", b.String())
	}
	clock.add(950 * time.Millisecond)
	p.episode(okEpisode(false))
	// 3 fresh episodes in 2s: 1.5/s, 5 left: ETA 3.3s.
	if got, want := b.String(), "\rtest/Chain-v0  5/10  [==========>         ]  success 0.400  steps 3  errors 1  ETA 3.3s"; got != want {
		t.Errorf("after 3 episodes\n%q, want\n%q", got, want)
	}
	b.Reset()
	p.end(nil)
	want = "\rtest/Chain-v0  5/10  [==========>         ]  success 0.400  steps 3  errors 1  ETA 3.3s\n"
	if got := b.String(); got != want {
		t.Errorf("end\n%q, want\n%q", got, want)
	}
	b.Reset()
	p.tick()
	p.Close()
	if b.Len() != 0 {
		t.Errorf("drew %q after the run ended", b.String())
	}
}

// TestProgressUsageAndWidth checks the agent's live usage in the line and
// that a narrow terminal loses the least useful fields first.
func TestProgressUsageAndWidth(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	var mu sync.Mutex
	usage := map[string]float64{"requests": 1234, "prompt_tokens": 45000, "completion_tokens": 200, "retries": 3}
	live := func() map[string]float64 {
		mu.Lock()
		defer mu.Unlock()
		return map[string]float64{"requests": usage["requests"], "prompt_tokens": usage["prompt_tokens"], "completion_tokens": usage["completion_tokens"], "retries": usage["retries"]}
	}
	for _, tc := range []struct {
		width int
		want  string
	}{
		{0, "\rtoolcall/Bank-v0  1/4  [=====>              ]  success 1.000  steps 0  req 1,234  tok 45.2k  retries 3  ETA 3s"},
		{90, "\rtoolcall/Bank-v0  1/4  success 1.000  steps 0  req 1,234  tok 45.2k  retries 3  ETA 3s"},
		{60, "\rtoolcall/Bank-v0  1/4  success 1.000  req 1,234  ETA 3s"},
		{40, "\rtoolcall/Bank-v0  1/4  ETA 3s"},
		{20, "\rtoolcall/Bank-v0  1…"},
	} {
		var b bytes.Buffer
		p := newProgress(ProgressConfig{W: &b, Live: true, Now: clock.now, Usage: live, Width: tc.width})
		p.begin("toolcall/Bank-v0", 4, 0, 0)
		clock.add(time.Second)
		b.Reset()
		p.episode(okEpisode(true))
		// Trailing blanks wipe the longer first drawing.
		if got := strings.TrimRight(b.String(), " "); got != tc.want {
			t.Errorf("width %d:\n%q, want\n%q", tc.width, got, tc.want)
		}
	}
	// Without live totals, the usage of finished episodes is summed.
	var b bytes.Buffer
	p := newProgress(ProgressConfig{W: &b, Live: true, Now: clock.now})
	p.begin("toolcall/Bank-v0", 4, 0, 0)
	p.episode(usageEpisode(map[string]float64{"requests": 3, "prompt_tokens": 900, "completion_tokens": 100, "retries": 0}))
	p.episode(usageEpisode(map[string]float64{"requests": 2, "prompt_tokens": 600, "completion_tokens": 50, "retries": 1}))
	clock.add(time.Second)
	b.Reset()
	p.tick()
	if got, want := b.String(), "\rtoolcall/Bank-v0  2/4  [==========>         ]  success 1.000  steps 0  req 5  tok 1,650  retries 1  ETA 1s"; got != want {
		t.Errorf("summed usage\n%q, want\n%q", got, want)
	}
}

// TestProgressLog checks the lines written off a terminal: one per tick
// (every LogEvery), and a last one at the end of a single run only if it
// wrote any.
func TestProgressLog(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	var b bytes.Buffer
	p := newProgress(ProgressConfig{W: &b, Now: clock.now})
	p.begin("test/Chain-v0", 4, 0, 0)
	p.episode(okEpisode(true))
	p.end(nil)
	if b.Len() != 0 {
		t.Errorf("a short run wrote %q", b.String())
	}
	p.begin("test/Chain-v0", 100, 0, 0)
	for range 7 {
		p.step()
	}
	clock.add(10 * time.Second)
	p.tick()
	for range 20 {
		p.episode(okEpisode(false))
	}
	clock.add(10 * time.Second)
	p.tick()
	p.end(nil)
	want := strings.Join([]string{
		"10s  test/Chain-v0  0/100  0%  steps 7",
		"20s  test/Chain-v0  20/100  20%  success 0.000  steps 7  ETA 1m20s",
		"20s  test/Chain-v0  20/100  20%  success 0.000  steps 7  ETA 1m20s",
		"",
	}, "\n")
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
}

// TestProgressSuite checks a suite's display: its progress and ETA beside
// the entry's, and one line with each entry's outcome, above the live line.
func TestProgressSuite(t *testing.T) {
	t.Parallel()
	for _, live := range []bool{false, true} {
		clock := newTestClock()
		var b bytes.Buffer
		p := newProgress(ProgressConfig{W: &b, Live: live, Now: clock.now, Width: 200})
		p.Suite("core-v1", 30, 0)
		p.Entry("1/2 bandit/Bernoulli-5-v0")
		p.begin("bandit/Bernoulli-5-v0", 10, 0, 0)
		clock.add(time.Second)
		for i := range 10 {
			p.step()
			p.episode(okEpisode(i%2 == 0))
		}
		clock.add(time.Second)
		p.end(&Summary{SuccessRate: 0.5, MeanReturn: 0.5, Errors: 1, ErrorCodes: map[dojo.Code]int{dojo.CodeInternal: 1}})
		p.Entry("2/2 gridworld/FrozenLake-v1")
		p.begin("gridworld/FrozenLake-v1", 20, 0, 0)
		clock.add(time.Second)
		p.episode(okEpisode(true))
		b.Reset()
		p.tick()
		got := b.String()
		want := "3s  core-v1 11/30 37% ETA 5.2s  |  2/2 gridworld/FrozenLake-v1  1/20  5%  success 1.000  steps 0  ETA 19s\n"
		if live {
			want = "\rcore-v1 11/30 37% ETA 5.2s  |  2/2 gridworld/FrozenLake-v1  1/20  [=>                  ]  success 1.000  steps 0  ETA 19s"
		}
		if got != want {
			t.Errorf("live %v:\n%q, want\n%q", live, got, want)
		}
		b.Reset()
		p.end(&Summary{SuccessRate: 1, MeanReturn: 1})
		end := "2/2 gridworld/FrozenLake-v1  done 1/20  success 1.000  return 1.000  steps 0  1s\n"
		if live {
			end = "\r" + strings.Repeat(" ", len(want)-1) + "\r" + end
		}
		if got := b.String(); got != end {
			t.Errorf("live %v: entry end\n%q, want\n%q", live, got, end)
		}
	}
}

// TestRunFeedsProgress runs episodes with a Progress: the end line of a
// suite entry counts the steps and the agent's usage.
func TestRunFeedsProgress(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Options = dojo.Options{"length": 4}
	cfg.Episodes = 6
	cfg.Agent = dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		return &meteredAgent{}, nil
	})
	var b bytes.Buffer
	p := NewProgress(ProgressConfig{W: &b, LogEvery: -1})
	p.Suite("s", 6, 0)
	p.Entry("1/1 chain")
	cfg.Progress = p
	sum, err := Run(context.Background(), cfg)
	p.Close()
	if err != nil {
		t.Fatal(err)
	}
	got := b.String()
	want := fmt.Sprintf("1/1 chain  done 6/6  success 1.000  return %.3f  ", sum.MeanReturn)
	steps := int(math.Round(sum.MeanLength * float64(sum.Completed)))
	if !strings.HasPrefix(got, want) || !strings.Contains(got, fmt.Sprintf("steps %d  req %d  ", steps, steps)) || strings.Count(got, "\n") != 1 {
		t.Errorf("progress %q, want one line starting %q with 24 steps and requests (summary %+v)", got, want, sum)
	}
}

// TestProgressTicks checks that NewProgress writes lines by itself.
func TestProgressTicks(t *testing.T) {
	t.Parallel()
	w := &dojotest.SyncBuffer{}
	p := NewProgress(ProgressConfig{W: w, LogEvery: time.Millisecond})
	p.begin("test/Chain-v0", 5, 0, 0)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(w.String(), "test/Chain-v0  0/5") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	p.Close()
	if !strings.Contains(w.String(), "test/Chain-v0  0/5  0%  steps 0") {
		t.Errorf("no line written by the ticker: %q", w.String())
	}
}
