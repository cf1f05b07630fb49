package server

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// BenchmarkStepRoundTrip times a FrozenLake env/step over a WebSocket on
// loopback, in lockstep, from a Go client: the time from writing the
// request to reading its answer. It reports the median and the 99th
// percentile.
func BenchmarkStepRoundTrip(b *testing.B) {
	ts := start(b, Config{})
	c := dial(b, ts.ws+"/rpc", nil)
	ctx := context.Background()
	send(b, c, `{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1","autoreset":true}}`)
	send(b, c, `{"jsonrpc":"2.0","id":2,"method":"env/reset","params":{"env":"e1","seed":0}}`)
	reqs := make([][]byte, 4)
	for a := range reqs {
		reqs[a] = fmt.Appendf(nil, `{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e1","action":%d}}`, a)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		if err := c.Write(ctx, websocket.MessageText, reqs[i%4]); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
	}
}
