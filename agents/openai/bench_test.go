package openai

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/dojo-rl/dojo"
)

const benchCompletion = `{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"add","arguments":"{\"a\": 2, \"b\": 3}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":310,"completion_tokens":19,"total_tokens":329}}`

func BenchmarkParseCompletion(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseCompletion([]byte(benchCompletion), 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAct measures one turn of an episode whose history holds 20
// messages, against a local server: the agent's overhead per request
// (encoding, HTTP on loopback, parsing).
func BenchmarkAct(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, benchCompletion)
	}))
	defer srv.Close()
	a, err := New(Config{BaseURL: srv.URL, Model: "m"})
	if err != nil {
		b.Fatal(err)
	}
	spec := dojo.Spec{ID: "t/T-v0", Action: dojo.Space{Kind: dojo.KindToolCalls, Tools: []dojo.Tool{{Name: "add", Description: "adds"}}}}
	ag, err := a.NewAgent(context.Background(), dojo.EpisodeStart{Spec: spec})
	if err != nil {
		b.Fatal(err)
	}
	e := ag.(*episode)
	for i := range 20 {
		e.observe(dojo.Obs{Text: fmt.Sprintf("message %d: some observation text of a typical length for a tool result", i)})
	}
	history := e.history
	b.ReportAllocs()
	for b.Loop() {
		e.history = history[:20:20]
		if _, err := e.a.complete(context.Background(), e.request(), 0, e.rng, &e.st); err != nil {
			b.Fatal(err)
		}
	}
}
