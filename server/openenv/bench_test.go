package openenv_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"sort"
	"strings"
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

// rawSession opens a WebSocket by hand on a bare TCP connection (so the
// client side holds next to nothing), resets FrozenLake and leaves the
// session idle.
func rawSession(tb testing.TB, addr, path string) net.Conn {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, addr)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		tb.Fatalf("handshake: %v %v", err, resp)
	}
	// A masked text frame (mask 0: the payload is sent as is).
	payload := []byte(`{"type":"reset","data":{"seed":0}}`)
	frame := append([]byte{0x81, 0x80 | byte(len(payload)), 0, 0, 0, 0}, payload...)
	if _, err := conn.Write(frame); err != nil {
		tb.Fatal(err)
	}
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(br, hdr); err != nil {
		tb.Fatal(err)
	}
	n := int(hdr[1] & 0x7f)
	switch n {
	case 126:
		ext := make([]byte, 2)
		io.ReadFull(br, ext)
		n = int(binary.BigEndian.Uint16(ext))
	case 127:
		ext := make([]byte, 8)
		io.ReadFull(br, ext)
		n = int(binary.BigEndian.Uint64(ext))
	}
	if _, err := io.ReadFull(br, make([]byte, n)); err != nil {
		tb.Fatal(err)
	}
	return conn
}

// BenchmarkIdleSessionMemory holds 2,000 idle FrozenLake sessions (reset,
// then silent) and reports the heap and stacks each costs, the bare TCP
// clients' share included.
func BenchmarkIdleSessionMemory(b *testing.B) {
	const n = 2000
	srv, _ := newServer(b, openenv.Config{})
	addr := strings.TrimPrefix(srv.URL, "http://")
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		conns := make([]net.Conn, n)
		for j := range conns {
			conns[j] = rawSession(b, addr, "/envs/gridworld/FrozenLake-v1/ws")
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		per := float64(after.HeapInuse+after.StackInuse-before.HeapInuse-before.StackInuse) / n
		b.ReportMetric(per/1024, "KiB/session")
		b.ReportMetric(float64(after.StackInuse-before.StackInuse)/n/1024, "stack-KiB/session")
		for _, c := range conns {
			c.Close()
		}
	}
}
