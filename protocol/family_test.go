package protocol

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/protocol/prototest"
)

// flakyEnv misbehaves on purpose: action 3 panics, action 2 gives a NaN
// reward, and every step sleeps the option sleep_ms. Its observation value
// is the number of steps taken. Closes are counted by the option tag.
type flakyEnv struct {
	spec    dojo.Spec
	tag     string
	sleep   time.Duration
	steps   int
	started bool
	parts   []dojo.Part
}

const flakyID = "test/Flaky-v0"

var (
	closesMu sync.Mutex
	closes   = map[string]int{}
)

// inflight counts, per tag, the Step calls running at once and the most
// seen, so a test can tell whether stepMany spread its steps over
// goroutines without timing anything.
var (
	inflightMu  sync.Mutex
	inflight    = map[string]int{}
	maxInflight = map[string]int{}
)

func enterStep(tag string) {
	inflightMu.Lock()
	defer inflightMu.Unlock()
	inflight[tag]++
	maxInflight[tag] = max(maxInflight[tag], inflight[tag])
}

func leaveStep(tag string) {
	inflightMu.Lock()
	defer inflightMu.Unlock()
	inflight[tag]--
}

func mostInflight(tag string) int {
	inflightMu.Lock()
	defer inflightMu.Unlock()
	return maxInflight[tag]
}

func closedCount(tag string) int {
	closesMu.Lock()
	defer closesMu.Unlock()
	return closes[tag]
}

func flakySpec() dojo.Spec {
	return dojo.Spec{
		ID:             flakyID,
		Description:    "An env that panics on action 3 and returns NaN on action 2. A test env.",
		Observation:    dojo.Discrete(100),
		Action:         dojo.Discrete(4),
		MaxSteps:       50,
		Rewards:        []dojo.Component{{Name: "success", Description: "never", Shaped: 1}},
		DefaultProfile: "sparse",
		Options: []dojo.Option{
			{Name: "tag", Type: dojo.OptString, Default: "", Description: "counts closes under this tag"},
			{Name: "sleep_ms", Type: dojo.OptInt, Default: 0, Description: "sleep in each step"},
		},
	}
}

func newFlaky(opts dojo.Options) (dojo.Env, error) {
	return &flakyEnv{spec: flakySpec(), tag: opts.String("tag"), sleep: time.Duration(opts.Int("sleep_ms")) * time.Millisecond,
		parts: []dojo.Part{{Name: "success", Weight: 1}}}, nil
}

func (e *flakyEnv) Spec() dojo.Spec { return e.spec }

func (e *flakyEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	e.steps, e.started = 0, true
	return dojo.Obs{Value: 0}, dojo.Info{Parts: e.parts}, nil
}

func (e *flakyEnv) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	if !e.started {
		return dojo.Step{}, dojo.ErrNotReset
	}
	if e.sleep > 0 {
		enterStep(e.tag)
		time.Sleep(e.sleep)
		leaveStep(e.tag)
	}
	e.steps++
	switch a.Index {
	case 3:
		panic("flaky env: boom")
	case 2:
		return dojo.Step{Obs: dojo.Obs{Value: e.steps}, Reward: math.NaN(), Info: dojo.Info{Parts: e.parts}}, nil
	}
	return dojo.Step{Obs: dojo.Obs{Value: e.steps}, Truncated: e.steps >= e.spec.MaxSteps, Info: dojo.Info{Parts: e.parts}}, nil
}

func (e *flakyEnv) Close() error {
	closesMu.Lock()
	closes[e.tag]++
	closesMu.Unlock()
	return nil
}

// The test task family lives in prototest, shared with the transports'
// tests.
const arithID = prototest.ArithID

type arithGold = prototest.ArithGold

// testRegistry is prototest's registry plus the flaky env.
func testRegistry() *dojo.Registry {
	r := prototest.Registry()
	r.MustRegister(flakySpec(), newFlaky)
	return r
}

func TestArithFamilyKeepsTheContract(t *testing.T) {
	t.Parallel()
	r := testRegistry()
	dojotest.CheckRegistry(t, r, arithID)
}

// client drives a session in-process over pipes, in lockstep.
type client struct {
	t    testing.TB
	w    *io.PipeWriter
	r    *bufio.Reader
	done chan error
	id   int
}

func startSession(t testing.TB, srv *Server) *client {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &client{t: t, w: inW, r: bufio.NewReaderSize(outR, 1<<20), done: make(chan error, 1)}
	go func() {
		err := srv.Serve(context.Background(), inR, outW)
		outW.Close()
		c.done <- err
	}()
	t.Cleanup(func() { c.close() })
	return c
}

// close ends the input and waits for the session to end.
func (c *client) close() error {
	if c.w == nil {
		return nil
	}
	c.w.Close()
	c.w = nil
	io.Copy(io.Discard, c.r)
	return <-c.done
}

// send writes a raw line and returns the response line.
func (c *client) send(line string) string {
	c.t.Helper()
	if _, err := io.WriteString(c.w, line+"\n"); err != nil {
		c.t.Fatalf("writing %s: %v", line, err)
	}
	return c.read()
}

func (c *client) read() string {
	c.t.Helper()
	resp, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("reading a response: %v", err)
	}
	return strings.TrimSuffix(resp, "\n")
}

// rpcResponse is a response as a client reads it.
type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   *Error          `json:"error"`
}

// call sends a request with the next id and returns its response, checking
// that the id matches.
func (c *client) call(method string, params any) rpcResponse {
	c.t.Helper()
	c.id++
	p, err := json.Marshal(params)
	if err != nil {
		c.t.Fatal(err)
	}
	line := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, c.id, method, p)
	resp := c.send(line)
	var r rpcResponse
	if err := json.Unmarshal([]byte(resp), &r); err != nil {
		c.t.Fatalf("response %s is not JSON: %v", resp, err)
	}
	if string(r.ID) != strconv.Itoa(c.id) {
		c.t.Fatalf("response id %s to request %d", r.ID, c.id)
	}
	return r
}

// ok calls and decodes the result into out (if not nil), failing on an
// error response.
func (c *client) ok(method string, params any, out any) json.RawMessage {
	c.t.Helper()
	r := c.call(method, params)
	if r.Error != nil {
		c.t.Fatalf("%s %v: error %d %s", method, params, r.Error.Code, r.Error.Message)
	}
	if out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			c.t.Fatalf("%s result %s: %v", method, r.Result, err)
		}
	}
	return r.Result
}

// fails calls and returns the error, failing on a result.
func (c *client) fails(method string, params any) *Error {
	c.t.Helper()
	r := c.call(method, params)
	if r.Error == nil {
		c.t.Fatalf("%s %v: got result %s, want an error", method, params, r.Result)
	}
	return r.Error
}

// make makes an env and returns its handle.
func (c *client) make(id string, opts map[string]any) string {
	c.t.Helper()
	var res struct {
		Env string `json:"env"`
	}
	c.ok("env/make", map[string]any{"id": id, "options": opts}, &res)
	return res.Env
}
