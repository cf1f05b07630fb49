package protocol

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/reward"
)

// arithEnv is the test task family: "what is a + b?", with a generator and
// a verifier, an oracle and a renderer. No real task family is registered
// yet, so the task paths are tested on it.
type arithEnv struct {
	spec    dojo.Spec
	digits  int
	parts   *reward.Parts
	a, b    int
	seed    uint64
	started bool
	done    bool
}

const arithID = "arith/Add-v0"

func arithSpec() dojo.Spec {
	return dojo.Spec{
		ID:          arithID,
		Description: "Add two numbers of the given number of digits. A test family.",
		Observation: dojo.Space{Kind: dojo.KindNone},
		ObsText:     true,
		Action:      dojo.Space{Kind: dojo.KindText},
		MaxSteps:    1,
		Rewards: []dojo.Component{
			{Name: "success", Description: "1 if the answer is the sum", Shaped: 1},
			{Name: "format", Description: "1 if the answer is in <answer> tags", Shaped: 0.1},
		},
		DefaultProfile: "shaped",
		Options: []dojo.Option{
			dojo.Option{Name: "digits", Type: dojo.OptInt, Default: 2, Description: "digits of each number"}.Range(1, 9),
		},
	}
}

func newArith(opts dojo.Options) (dojo.Env, error) {
	spec := arithSpec()
	p, err := reward.New(&spec, opts)
	if err != nil {
		return nil, err
	}
	return &arithEnv{spec: spec, digits: opts.Int("digits"), parts: p}, nil
}

func (e *arithEnv) Spec() dojo.Spec { return e.spec }

func (e *arithEnv) draw(seed uint64) (a, b int) {
	rng := rand.New(rand.NewPCG(seed, 0xa417))
	hi := int(math.Pow10(e.digits))
	return rng.IntN(hi), rng.IntN(hi)
}

func (e *arithEnv) question() string {
	return fmt.Sprintf("What is %d + %d? Answer as <answer>N</answer>.", e.a, e.b)
}

func (e *arithEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	e.a, e.b = e.draw(seed)
	e.seed, e.started, e.done = seed, true, false
	e.parts.Reset()
	q := e.question()
	return dojo.Obs{Text: q, Messages: []dojo.Message{{Role: "user", Content: q}}}, dojo.Info{Parts: e.parts.Parts()}, nil
}

var answerRE = regexp.MustCompile(`<answer>\s*(-?\d+)\s*</answer>`)
var numberRE = regexp.MustCompile(`-?\d+`)

// score reads an answer: the number in <answer> tags, else the last number.
func score(text string, sum int) (correct, tagged bool, found bool) {
	if m := answerRE.FindStringSubmatch(text); m != nil {
		n, err := strconv.Atoi(m[1])
		return err == nil && n == sum, true, true
	}
	all := numberRE.FindAllString(text, -1)
	if len(all) == 0 {
		return false, false, false
	}
	n, err := strconv.Atoi(all[len(all)-1])
	return err == nil && n == sum, false, true
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (e *arithEnv) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	if !e.started {
		return dojo.Step{}, dojo.ErrNotReset
	}
	if e.done {
		return dojo.Step{}, dojo.ErrEnded
	}
	e.done = true
	text := a.Text
	if a.Kind == dojo.ActIndex {
		text = strconv.Itoa(a.Index)
	}
	correct, tagged, _ := score(text, e.a+e.b)
	e.parts.Set(0, b2f(correct))
	e.parts.Set(1, b2f(tagged))
	verdict := "wrong"
	if correct {
		verdict = "correct"
	}
	return dojo.Step{
		Obs:        dojo.Obs{Text: verdict},
		Reward:     e.parts.Sum(),
		Terminated: true,
		Info:       dojo.Info{Success: correct, Parts: e.parts.Parts()},
	}, nil
}

func (e *arithEnv) OracleAction(ctx context.Context) (dojo.Action, error) {
	return dojo.TextAction(fmt.Sprintf("<answer>%d</answer>", e.a+e.b)), nil
}

// Frame draws the sum as the shade of a 4x4 image.
func (e *arithEnv) Frame() image.Image {
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8((e.a + e.b + i) % 256)
	}
	img.Set(0, 0, color.Gray{Y: 255})
	return img
}

type arithGold struct {
	A   int `json:"a"`
	B   int `json:"b"`
	Sum int `json:"sum"`
}

func (e *arithEnv) GenerateTask(ctx context.Context, seed uint64) (dojo.Task, error) {
	a, b := e.draw(seed)
	gold, _ := json.Marshal(arithGold{a, b, a + b})
	return dojo.Task{
		ID:      fmt.Sprintf("%s:d%d:%d", arithID, e.digits, seed),
		Env:     arithID,
		Options: dojo.Options{"digits": e.digits},
		Seed:    seed,
		Prompt:  []dojo.Message{{Role: "user", Content: fmt.Sprintf("What is %d + %d? Answer as <answer>N</answer>.", a, b)}},
		Verify:  gold,
		Meta:    map[string]any{"digits": e.digits},
	}, nil
}

func (e *arithEnv) VerifyTask(ctx context.Context, t dojo.Task, r dojo.Response) (dojo.Score, error) {
	var g arithGold
	if err := json.Unmarshal(t.Verify, &g); err != nil {
		return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "task %s: bad verify block: %v", t.ID, err).WithField("task.verify")
	}
	text := r.Text
	for _, m := range r.Messages {
		if m.Role == "assistant" {
			text = m.Content
		}
	}
	correct, tagged, found := score(text, g.Sum)
	parts := []dojo.Part{
		{Name: "success", Value: b2f(correct), Weight: e.parts.Weight(0)},
		{Name: "format", Value: b2f(tagged), Weight: e.parts.Weight(1)},
	}
	sc := dojo.Score{Reward: dojo.Sum(parts), Success: correct, Parts: parts}
	if !found {
		sc.Error = "no number in the response"
	}
	return sc, nil
}

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

// testRegistry is envs.Default() plus the test envs.
func testRegistry() *dojo.Registry {
	r := envs.Default()
	r.MustRegister(arithSpec(), newArith)
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
