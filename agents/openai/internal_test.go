package openai

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
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
			var mu sync.Mutex
			n := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				i := n
				n++
				mu.Unlock()
				if i < len(tt.replies) {
					for k, v := range tt.replies[i].header {
						w.Header().Set(k, v)
					}
					w.WriteHeader(tt.replies[i].status)
					w.Write([]byte(`{"error":{"message":"busy"}}`))
					return
				}
				w.Write([]byte(ok))
			}))
			defer srv.Close()
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
