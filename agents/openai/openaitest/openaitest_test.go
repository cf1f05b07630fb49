package openaitest_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/dojo-rl/dojo/agents/openai/openaitest"
)

// recorder is a testing.TB that keeps its error messages.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func post(t *testing.T, url, body string) (int, string, http.Header) {
	t.Helper()
	res, err := http.Post(url+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Error(err) // not Fatal: TestPeak posts from other goroutines
		return 0, "", nil
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// TestScript checks that a script is played in order and recorded, and
// that a request after it, or one whose body is not JSON, fails the test.
func TestScript(t *testing.T) {
	r := &recorder{TB: t}
	srv := openaitest.NewServer(r, openaitest.Script(r,
		openaitest.Reply{Status: 429, Header: map[string]string{"Retry-After": "1"}, Body: "slow"},
		openaitest.Reply{Body: `{"choices":[]}`},
	))
	if code, body, h := post(t, srv.URL, `{"model":"a"}`); code != 429 || body != "slow" || h.Get("Retry-After") != "1" {
		t.Errorf("first reply: %d %q %v", code, body, h)
	}
	if code, body, h := post(t, srv.URL, `{"model":"b"}`); code != 200 || body != `{"choices":[]}` || h.Get("Content-Type") != "application/json" {
		t.Errorf("second reply: %d %q %v", code, body, h)
	}
	if len(r.errs) != 0 {
		t.Errorf("errors during the script: %q", r.errs)
	}
	if code, _, _ := post(t, srv.URL, `not json`); code != 500 {
		t.Errorf("after the script: status %d, want 500", code)
	}
	if len(r.errs) != 2 || !strings.Contains(r.errs[0], "not a JSON object") || !strings.Contains(r.errs[1], "unscripted request 3") {
		t.Errorf("errors: %q, want a body not JSON and an unscripted request", r.errs)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 || srv.Count() != 3 || reqs[1].N != 2 || reqs[1].Path != "/v1/chat/completions" || reqs[1].Body["model"] != "b" || string(reqs[2].Raw) != "not json" {
		t.Errorf("requests: %d (count %d): %+v", len(reqs), srv.Count(), reqs)
	}
}

// TestPeak checks that the server counts the requests in flight, and that
// a responder that waits holds them.
func TestPeak(t *testing.T) {
	const n = 4
	var arrived sync.WaitGroup
	arrived.Add(n)
	gate := make(chan struct{})
	srv := openaitest.NewServer(t, func(r *openaitest.Request) openaitest.Reply {
		arrived.Done()
		<-gate
		return openaitest.Reply{Body: "{}"}
	})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { post(t, srv.URL, `{}`) })
	}
	arrived.Wait()
	if got := srv.InFlight(); got != n {
		t.Errorf("InFlight = %d, want %d", got, n)
	}
	close(gate)
	wg.Wait()
	if srv.Peak() != n || srv.InFlight() != 0 || srv.Count() != n {
		t.Errorf("Peak %d, InFlight %d, Count %d; want %d, 0, %d", srv.Peak(), srv.InFlight(), srv.Count(), n, n)
	}
}
