package mcpserver

import (
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// BenchmarkToolCall measures one env tool call (websim's search, a step of
// the env) through the SDK's client, in memory and over HTTP on loopback;
// a new episode is started every 8 calls, outside the timer.
func BenchmarkToolCall(b *testing.B) {
	s := newServer(b, Config{})
	for _, tr := range []struct {
		name string
		cs   func() *mcp.ClientSession
	}{
		{"memory", func() *mcp.ClientSession { return connectMemory(b, s, nil) }},
		{"http", func() *mcp.ClientSession { return connectHTTP(b, s, nil) }},
	} {
		b.Run(tr.name, func(b *testing.B) {
			cs := tr.cs()
			t := b
			handle := ""
			n := 0
			for b.Loop() {
				if n%8 == 0 {
					b.StopTimer()
					if handle != "" {
						call(t, cs, "end_episode", map[string]any{"handle": handle})
					}
					handle = decode[Started](t, call(t, cs, "start_episode", map[string]any{"env": "websim/SearchQA-v0", "options": map[string]any{"max_turns": 10}, "seed": n})).Handle
					b.StartTimer()
				}
				n++
				if r := call(t, cs, "search", map[string]any{"handle": handle, "query": "college founded"}); r.IsError {
					b.Fatal(text(r))
				}
			}
		})
	}
}
