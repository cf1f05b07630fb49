package protocol

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
)

// benchSession runs a session over in-process pipes and returns its input
// writer and output reader.
func benchSession(b *testing.B) (io.Writer, *bufio.Reader) {
	return benchSessionReading(b, fastReading)
}

// benchSessionReading is benchSession with the given request reader.
func benchSessionReading(b *testing.B, reading readerKind) (io.Writer, *bufio.Reader) {
	b.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan struct{})
	go func() {
		(&Server{Registry: testRegistry(), reading: reading}).Serve(context.Background(), inR, outW)
		outW.Close()
		close(done)
	}()
	r := bufio.NewReaderSize(outR, 1<<20)
	b.Cleanup(func() {
		inW.Close()
		io.Copy(io.Discard, r)
		<-done
	})
	return inW, r
}

func roundTrip(b *testing.B, w io.Writer, r *bufio.Reader, line string) string {
	if _, err := io.WriteString(w, line); err != nil {
		b.Fatal(err)
	}
	resp, err := r.ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	if strings.Contains(resp, `"error"`) {
		b.Fatalf("%s -> %s", line, resp)
	}
	return resp
}

// BenchmarkStep is a lockstep env/step through the server: request line
// in, response line out, over pipes, on FrozenLake 8x8 with autoreset so
// episodes never end. It pins what the fast request reader is worth: fast
// reads the line with the strict lexer, standard with encoding/json alone.
func BenchmarkStep(b *testing.B) {
	b.Run("fast", func(b *testing.B) { benchStep(b, fastReading) })
	b.Run("standard", func(b *testing.B) { benchStep(b, standardReading) })
}

func benchStep(b *testing.B, reading readerKind) {
	w, r := benchSessionReading(b, reading)
	roundTrip(b, w, r, `{"jsonrpc":"2.0","id":0,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1","options":{"map_name":"8x8"},"autoreset":true}}`+"\n")
	roundTrip(b, w, r, `{"jsonrpc":"2.0","id":0,"method":"env/reset","params":{"env":"e1","seed":1}}`+"\n")
	lines := make([]string, 4)
	for a := range lines {
		lines[a] = fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"env/step","params":{"env":"e1","action":%d}}`+"\n", a)
	}
	benchLines(b, w, r, lines, 1)
}

// BenchmarkStepManyCompact steps 64 FrozenLake 8x8 envs (autoreset) per
// env/stepMany in the compact form, observations as objects and as bare
// values, and the objects once more with the request read by
// encoding/json alone.
func BenchmarkStepManyCompact(b *testing.B) {
	b.Run("objects", func(b *testing.B) { benchStepMany(b, "", fastReading) })
	b.Run("values", func(b *testing.B) { benchStepMany(b, `,"values":true`, fastReading) })
	b.Run("objects-standard", func(b *testing.B) { benchStepMany(b, "", standardReading) })
}

func benchStepMany(b *testing.B, extra string, reading readerKind) {
	const n = 64
	w, r := benchSessionReading(b, reading)
	makeFrozenLakes(b, w, r, n)
	envs := make([]string, n)
	for i := range n {
		envs[i] = fmt.Sprintf(`"e%d"`, i+1)
	}
	lines := make([]string, 4)
	for k := range lines {
		acts := make([]string, n)
		for i := range acts {
			acts[i] = fmt.Sprint((i + k) % 4)
		}
		lines[k] = fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"env/stepMany","params":{"envs":[%s],"actions":[%s],"compact":true%s}}`+"\n",
			strings.Join(envs, ","), strings.Join(acts, ","), extra)
	}
	benchLines(b, w, r, lines, n)
}

// BenchmarkStepManyList steps 64 FrozenLake 8x8 envs (autoreset) per
// env/stepMany in the list form, {"steps": [{"env", "action"}, ...]},
// which encoding/json reads.
func BenchmarkStepManyList(b *testing.B) {
	const n = 64
	w, r := benchSession(b)
	makeFrozenLakes(b, w, r, n)
	lines := make([]string, 4)
	for k := range lines {
		steps := make([]string, n)
		for i := range steps {
			steps[i] = fmt.Sprintf(`{"env":"e%d","action":%d}`, i+1, (i+k)%4)
		}
		lines[k] = fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"env/stepMany","params":{"steps":[%s]}}`+"\n", strings.Join(steps, ","))
	}
	benchLines(b, w, r, lines, n)
}

// makeFrozenLakes makes n FrozenLake 8x8 envs with autoreset, e1 to en,
// and resets env i+1 with seed i.
func makeFrozenLakes(b *testing.B, w io.Writer, r *bufio.Reader, n int) {
	for i := range n {
		roundTrip(b, w, r, `{"jsonrpc":"2.0","id":0,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1","options":{"map_name":"8x8"},"autoreset":true}}`+"\n")
		roundTrip(b, w, r, fmt.Sprintf(`{"jsonrpc":"2.0","id":0,"method":"env/reset","params":{"env":"e%d","seed":%d}}`+"\n", i+1, i))
	}
}

// benchLines sends the lines in turn, each a request stepping n envs, and
// reports the env steps per second.
func benchLines(b *testing.B, w io.Writer, r *bufio.Reader, lines []string, n int) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		roundTrip(b, w, r, lines[i%len(lines)])
		i++
	}
	b.ReportMetric(float64(i*n)/b.Elapsed().Seconds(), "steps/s")
}
