package openai

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents/openai/openaitest"
	"github.com/google/go-cmp/cmp"
)

// TestBackoff checks the waits between attempts: the jittered exponential
// backoff drawn from the episode seed, and the server's Retry-After when it
// is in (0, 60s].
func TestBackoff(t *testing.T) {
	t.Parallel()
	const ok = `{"choices":[{"message":{"role":"assistant","content":"done"}}]}`
	type reply struct {
		status int
		header map[string]string
	}
	tests := []struct {
		name    string
		replies []reply
		// want lists the waits; 0 stands for "the backoff of that attempt".
		want []time.Duration
	}{
		{"503 three times", []reply{{503, nil}, {503, nil}, {503, nil}}, []time.Duration{0, 0, 0}},
		{"Retry-After seconds", []reply{{429, map[string]string{"Retry-After": "2"}}}, []time.Duration{2 * time.Second}},
		{"retry-after-ms wins", []reply{{429, map[string]string{"Retry-After": "9", "Retry-After-Ms": "1500"}}}, []time.Duration{1500 * time.Millisecond}},
		{"Retry-After over 60s is the backoff", []reply{{503, map[string]string{"Retry-After": "120"}}}, []time.Duration{0}},
		{"Retry-After garbage is the backoff", []reply{{503, map[string]string{"Retry-After": "soon"}}}, []time.Duration{0}},
		{"mixed", []reply{{500, nil}, {429, map[string]string{"Retry-After": "0.25"}}, {502, nil}}, []time.Duration{0, 250 * time.Millisecond, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := openaitest.NewServer(t, func(r *openaitest.Request) openaitest.Reply {
				if i := r.N - 1; i < len(tt.replies) {
					return openaitest.Reply{Status: tt.replies[i].status, Header: tt.replies[i].header, Body: `{"error":{"message":"busy"}}`}
				}
				return openaitest.Reply{Body: ok}
			})
			a, err := New(Config{BaseURL: srv.URL, Model: "m", RetryDelay: time.Second, MaxRetryDelay: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var got []time.Duration
			a.sleep = func(ctx context.Context, d time.Duration) error {
				got = append(got, d)
				return nil
			}
			const seed = 42
			ag, err := a.NewAgent(context.Background(), dojo.EpisodeStart{Seed: seed, Spec: dojo.Spec{ID: "t/T-v0", Action: dojo.Space{Kind: dojo.KindText}}})
			if err != nil {
				t.Fatal(err)
			}
			act, err := ag.Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Text: "hi"}})
			if err != nil {
				t.Fatalf("Act: %v", err)
			}
			if diff := cmp.Diff(dojo.TextAction("done"), act); diff != "" {
				t.Errorf("action (-want +got):\n%s", diff)
			}
			// The backoff draws from the episode's generator only when
			// no Retry-After is honoured.
			rng := newJitter(seed)
			want := make([]time.Duration, len(tt.want))
			for i, d := range tt.want {
				if d == 0 {
					d = a.backoff(i, rng)
					base := min(time.Second<<i, 3*time.Second)
					if d < base/2 || d >= base {
						t.Errorf("attempt %d: backoff %v outside [%v, %v)", i, d, base/2, base)
					}
				}
				want[i] = d
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			if u := ag.(*episode).Usage(); u["retries"] != float64(len(tt.want)) {
				t.Errorf("usage retries = %v, want %d", u["retries"], len(tt.want))
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		header map[string]string
		want   time.Duration
		ok     bool
	}{
		{nil, 0, false},
		{map[string]string{"Retry-After": "3"}, 3 * time.Second, true},
		{map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond, true},
		{map[string]string{"Retry-After": "60"}, 60 * time.Second, true},
		{map[string]string{"Retry-After": "61"}, 0, false},
		{map[string]string{"Retry-After": "0"}, 0, false},
		{map[string]string{"Retry-After": "-1"}, 0, false},
		{map[string]string{"Retry-After": "1e300"}, 0, false},
		{map[string]string{"Retry-After": "NaN"}, 0, false},
		{map[string]string{"Retry-After": "Thu, 02 Jan 2025 03:04:15 GMT"}, 10 * time.Second, true},
		{map[string]string{"Retry-After": "Thu, 02 Jan 2025 03:04:00 GMT"}, 0, false}, // past
		{map[string]string{"Retry-After": "tomorrow"}, 0, false},
		{map[string]string{"Retry-After-Ms": "250"}, 250 * time.Millisecond, true},
		{map[string]string{"Retry-After-Ms": "x", "Retry-After": "2"}, 0, false},
		{map[string]string{"Retry-After-Ms": "1e300"}, 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.header {
			h.Set(k, v)
		}
		got, ok := retryAfter(h, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%v) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseCompletion feeds arbitrary bodies to the completion parser:
// whatever it accepts gives a history message that is valid JSON, and tool
// calls with ids and arguments that are valid JSON (so the episode record
// marshals).
func FuzzParseCompletion(f *testing.F) {
	for _, s := range []string{
		`{"choices":[{"message":{"role":"assistant","content":"hi"}}]}`,
		`{"choices":[{"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"add","arguments":"{\"a\":1}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3,"completion_tokens":4}}`,
		`{"choices":[{"message":{"content":null,"tool_calls":[{"function":{"name":"add","arguments":"{\"a\":"}}]},"finish_reason":"length"}]}`,
		`{"choices":[{"message":{"content":[{"type":"text","text":"a"}],"tool_calls":[{"function":{"arguments":{"x":1}}}]}}]}`,
		`{"choices":[{"message":{"tool_calls":[null,{"function":null}]}}]}`,
		`{"choices":[]}`, `{"error":{"message":"x"}}`, `not json`, `{"choices":[{"message":"x"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := parseCompletion(body, 3)
		if err != nil {
			if _, ok := err.(*malformed); !ok {
				t.Fatalf("error %T is not *malformed: %v", err, err)
			}
			return
		}
		if !json.Valid(r.message) {
			t.Fatalf("history message is not JSON: %s", r.message)
		}
		var m map[string]any
		if err := json.Unmarshal(r.message, &m); err != nil || m["role"] == nil {
			t.Fatalf("history message %s: %v", r.message, err)
		}
		for _, c := range r.calls {
			if c.ID == "" || !json.Valid(c.Arguments) {
				t.Fatalf("tool call %+v: empty id or arguments not JSON", c)
			}
		}
		if _, err := json.Marshal(dojo.MessageAction(r.text, r.calls...)); err != nil {
			t.Fatalf("action does not marshal: %v", err)
		}
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// sleepClock is a clock that only moves when the agent sleeps.
type sleepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *sleepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *sleepClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

// unreachableAgent returns an agent on a fake clock whose server answers
// the first ok requests and is unreachable after them, and a counter of
// the attempts.
func unreachableAgent(t *testing.T, cfg Config, ok int) (*Agent, *sleepClock, *int) {
	t.Helper()
	var mu sync.Mutex
	attempts := 0
	cfg.BaseURL, cfg.Model = "http://127.0.0.1:9/v1", "m"
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		attempts++
		if attempts <= ok {
			rec := httptest.NewRecorder()
			rec.WriteString(`{"choices":[{"message":{"role":"assistant","content":"fine"}}]}`)
			return rec.Result(), nil
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	})}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	clock := &sleepClock{now: time.Unix(1_000_000, 0)}
	a.now, a.sleep = clock.Now, clock.sleep
	return a, clock, &attempts
}

func textEpisode(t *testing.T, a *Agent, seed uint64) (dojo.Agent, error) {
	t.Helper()
	return a.NewAgent(context.Background(), dojo.EpisodeStart{Seed: seed, Spec: dojo.Spec{ID: "t/T-v0", Action: dojo.Space{Kind: dojo.KindText}}})
}

// TestUnreachableServerIsFatalAfterAMinute checks the rule that gives up on
// a server no request has reached: episodes fail as unavailable for the
// first minute, then the attempt at exactly one minute fails with a fatal
// error, and nothing is sent any more.
func TestUnreachableServerIsFatalAfterAMinute(t *testing.T) {
	t.Parallel()
	a, clock, attempts := unreachableAgent(t, Config{}, 0)
	start := clock.Now()
	var err error
	for seed := uint64(0); seed < 100; seed++ {
		ag, nerr := textEpisode(t, a, seed)
		if nerr != nil {
			t.Fatalf("NewAgent of episode %d: %v", seed, nerr)
		}
		_, err = ag.Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Text: "go"}})
		if dojo.IsFatal(err) {
			break
		}
		if dojo.ErrorCode(err) != dojo.CodeUnavailable || clock.Now().Sub(start) >= time.Minute {
			t.Fatalf("episode %d at %v: %v (code %q), want an unavailable error before one minute", seed, clock.Now().Sub(start), err, dojo.ErrorCode(err))
		}
	}
	if !dojo.IsFatal(err) || dojo.ErrorCode(err) != dojo.CodeUnavailable {
		t.Fatalf("after %v: %v, want a fatal unavailable error", clock.Now().Sub(start), err)
	}
	if got := clock.Now().Sub(start); got != time.Minute {
		t.Errorf("gave up %v after the first failure, want exactly 1m (the last wait ends at the minute)", got)
	}
	for _, s := range []string{"connection refused", "no request has succeeded", "unreachable for 1m0s", "/v1/chat/completions"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	n := *attempts
	if _, nerr := textEpisode(t, a, 999); nerr == nil || nerr.Error() != err.Error() || !dojo.IsFatal(nerr) {
		t.Errorf("NewAgent after giving up: %v, want the fatal error", nerr)
	}
	if *attempts != n {
		t.Errorf("%d requests after giving up", *attempts-n)
	}
}

// TestReachedServerIsNeverGivenUp checks that once one request succeeded,
// an outage only fails episodes (unavailable), however long it lasts; and
// that a negative UnreachableAfter never gives up.
func TestReachedServerIsNeverGivenUp(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   int
	}{
		{"one success", Config{}, 1},
		{"UnreachableAfter<0", Config{UnreachableAfter: -1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, clock, _ := unreachableAgent(t, tc.cfg, tc.ok)
			start := clock.Now()
			for seed := uint64(0); clock.Now().Sub(start) < 10*time.Minute; seed++ {
				ag, err := textEpisode(t, a, seed)
				if err != nil {
					t.Fatalf("NewAgent at %v: %v", clock.Now().Sub(start), err)
				}
				_, err = ag.Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Text: "go"}})
				if seed < uint64(tc.ok) {
					if err != nil {
						t.Fatalf("episode %d: %v", seed, err)
					}
					continue
				}
				if dojo.IsFatal(err) || dojo.ErrorCode(err) != dojo.CodeUnavailable {
					t.Fatalf("at %v: %v, want an unavailable error that is not fatal", clock.Now().Sub(start), err)
				}
			}
		})
	}
}
