package openenv_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dojo-rl/dojo/server/openenv"
)

// BenchmarkStepRoundTrip measures one FrozenLake step over a WebSocket on
// loopback, from the client's write to its read of the answer, and
// reports the median.
func BenchmarkStepRoundTrip(b *testing.B) {
	srv, _ := newServer(b, openenv.Config{})
	c := dialEnv(b, srv.URL+"/envs/gridworld/FrozenLake-v1")
	if _, err := c.reset(map[string]any{"seed": 0}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	msgs := [][]byte{[]byte(`{"type":"step","data":{"action":1}}`), []byte(`{"type":"reset","data":{}}`)}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := msgs[0]
		if i%50 == 49 {
			msg = msgs[1] // episodes end; start new ones now and then
		}
		t0 := time.Now()
		if err := c.conn.Write(ctx, websocket.MessageText, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.conn.Read(ctx); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
