package openai_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dojo-rl/dojo/agents/openai"
	"github.com/dojo-rl/dojo/runner"
)

var _ runner.InFlighter = (*openai.Agent)(nil)

// BenchmarkConcurrency plays one-request episodes through runner.Run
// against a server on 127.0.0.1 that answers each request after 200ms,
// with --concurrency 1 and 32 (and the default CPU workers), and reports
// the episodes played a second: an LLM agent's throughput is set by its
// episodes in flight, not by the CPUs.
func BenchmarkConcurrency(b *testing.B) {
	const latency = 200 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		t := time.NewTimer(latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":"42"}}],"usage":{"prompt_tokens":30,"completion_tokens":1}}`)
	}))
	defer srv.Close()
	reg := addRegistry()
	for _, c := range []int{1, 32} {
		b.Run(fmt.Sprintf("c=%d", c), func(b *testing.B) {
			a, err := openai.New(openai.Config{BaseURL: srv.URL + "/v1", Model: "m", Concurrency: c})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			sum, err := runner.Run(context.Background(), runner.Config{
				Registry: reg, Env: addID, Agent: a, AgentName: a.Name(), Episodes: b.N, NoSteps: true,
			})
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			if sum.Episodes != b.N || sum.Errors != 0 {
				b.Fatalf("%d episodes, %d errors; want %d, 0", sum.Episodes, sum.Errors, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "episodes/s")
		})
	}
}
