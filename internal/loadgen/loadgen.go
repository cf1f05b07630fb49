// Package loadgen drives many WebSocket sessions against a dojo network
// server (dojo serve --listen) and measures what each request took: the
// load generator behind dojo-load and the server's load tests.
//
// Each session opens its own WebSocket and resets its env once (which makes
// the env: set-up, measured apart), then every Period takes one step,
// resetting first when the last one ended the episode. Sessions start spread over Ramp and tick at phases
// spread over Period, so the server sees a steady Sessions/Period steps a
// second rather than bursts. Two wire protocols are spoken:
//
//   - "openenv": OpenEnv's WebSocket messages at BASE/envs/{id}/ws
//     ({"type":"reset","data":{"seed":S}}, {"type":"step","data":{"action":A}});
//   - "rpc": dojo's JSON-RPC at BASE/rpc (env/make once, then env/reset and
//     env/step).
//
// Actions are uniform over the env's discrete actions (Actions), drawn from
// a generator seeded by the session's index, so two runs send the same
// requests.
package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"
)

// Config describes a load run.
type Config struct {
	// URL is the server's base URL: ws://HOST:PORT or http://HOST:PORT,
	// with a /t/TOKEN prefix if the token travels in the path.
	URL string
	// Token, when set, is sent as Authorization: Bearer.
	Token string
	// Protocol is "openenv" (the default) or "rpc".
	Protocol string
	// Env is the env id (default gridworld/FrozenLake-v1).
	Env string
	// Actions is the number of discrete actions to draw from (default 4).
	Actions int
	// Sessions is the number of concurrent sessions (default 100).
	Sessions int
	// Period is each session's time between steps (default 1s).
	Period time.Duration
	// Ramp spreads the sessions' connects over this long (default
	// Sessions/2000 seconds, at least 1s).
	Ramp time.Duration
	// Settle is how long sessions stay connected and idle between the
	// ramp and the first step (default 2s): the time to read the server's
	// memory per idle session.
	Settle time.Duration
	// Duration is how long sessions step once all are connected (default
	// 10s). The run ends after Ramp + Settle + Duration.
	Duration time.Duration
	// Timeout bounds each request (default 10s).
	Timeout time.Duration
	// Engine serves the sessions once connected: "loop" (the default
	// on Linux with ws:// URLs) hands their sockets to one goroutine over
	// epoll, which costs the machine the least; "goroutines" runs a
	// goroutine per session with blocking reads, as any client would.
	Engine string
	// Progress, when set, is called about once a second with the steps so
	// far and the sessions connected.
	Progress func(steps int64, connected int64)
}

// Latencies summarises request latencies.
type Latencies struct {
	Count int           `json:"count"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	P999  time.Duration `json:"p999_ns"`
	Max   time.Duration `json:"max_ns"`
}

// Result is what a run measured.
type Result struct {
	Protocol  string        `json:"protocol"`
	Env       string        `json:"env"`
	Engine    string        `json:"engine"`
	Sessions  int           `json:"sessions"`
	Connected int           `json:"connected"` // sessions whose WebSocket opened
	Period    time.Duration `json:"period_ns"`
	Elapsed   time.Duration `json:"elapsed_ns"`
	// Steps and Resets cover the measured window (after the ramp).
	Steps  Latencies `json:"steps"`
	Resets Latencies `json:"resets"`
	// Connect is the WebSocket handshake's latency, and FirstReset that
	// of each session's first reset (which makes its env), both during
	// the ramp.
	Connect    Latencies `json:"connect"`
	FirstReset Latencies `json:"first_reset"`
	// StepsPerSecond is the measured window's step rate.
	StepsPerSecond float64 `json:"steps_per_second"`
	// SetUp is the time from the start until the last session's first
	// reset was answered, and SessionsPerSecond the sessions set up
	// (connected, first reset answered) per second of it: with a short
	// Ramp, the rate at which the server opens sessions.
	SetUp             time.Duration `json:"setup_ns"`
	SessionsPerSecond float64       `json:"sessions_per_second"`
	// Late counts ticks a session started more than a Period late (it was
	// still waiting on an earlier request): the load the server did not
	// keep up with.
	Late int64 `json:"late"`
	// Errors counts failed requests and connects by message (the first
	// 10 kinds).
	Errors map[string]int `json:"errors,omitempty"`
	// ErrorCount is the total of Errors.
	ErrorCount int `json:"error_count"`
}

func (c *Config) defaults() error {
	if c.URL == "" {
		return errors.New("loadgen: no URL")
	}
	if c.Protocol == "" {
		c.Protocol = "openenv"
	}
	if c.Protocol != "openenv" && c.Protocol != "rpc" {
		return fmt.Errorf("loadgen: protocol %q: want openenv or rpc", c.Protocol)
	}
	if c.Env == "" {
		c.Env = "gridworld/FrozenLake-v1"
	}
	if c.Actions <= 0 {
		c.Actions = 4
	}
	if c.Sessions <= 0 {
		c.Sessions = 100
	}
	if c.Period <= 0 {
		c.Period = time.Second
	}
	if c.Ramp <= 0 {
		c.Ramp = max(time.Second, time.Duration(c.Sessions)*time.Second/2000)
	}
	if c.Settle <= 0 {
		c.Settle = 2 * time.Second
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	switch c.Engine {
	case "":
		c.Engine = "goroutines"
		if haveLoop {
			c.Engine = "loop"
		}
	case "goroutines":
	case "loop":
		if !haveLoop {
			return errors.New("loadgen: the loop engine needs Linux's epoll: use goroutines")
		}
	default:
		return fmt.Errorf("loadgen: engine %q: want loop or goroutines", c.Engine)
	}
	return nil
}

// endpoint returns the WebSocket URL of the protocol.
func (c *Config) endpoint() string {
	u := strings.TrimRight(c.URL, "/")
	if rest, ok := strings.CutPrefix(u, "http://"); ok {
		u = "ws://" + rest
	} else if rest, ok := strings.CutPrefix(u, "https://"); ok {
		u = "wss://" + rest
	}
	if c.Protocol == "rpc" {
		return u + "/rpc"
	}
	return u + "/envs/" + c.Env + "/ws"
}

// recorder collects what a run measures.
type recorder struct {
	mu        sync.Mutex
	steps     []time.Duration
	resets    []time.Duration
	connects  []time.Duration
	firsts    []time.Duration
	errs      map[string]int
	errCount  int
	connected atomic.Int64
	ready     atomic.Int64 // sessions whose first reset was answered
	lastReady atomic.Int64 // when the last of them was, since start
	stepCount atomic.Int64
	late      atomic.Int64
}

func (r *recorder) fail(what string, err error) {
	msg := what + ": " + err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errCount++
	if _, ok := r.errs[msg]; ok || len(r.errs) < 10 {
		r.errs[msg]++
	}
}

// Run runs the load and returns what it measured. It returns an error only
// for a bad Config; failed requests are counted in Result.Errors.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	measureFrom := start.Add(cfg.Ramp + cfg.Settle)
	end := measureFrom.Add(cfg.Duration)
	rec := &recorder{errs: map[string]int{}}

	var progressDone chan struct{}
	if cfg.Progress != nil {
		progressDone = make(chan struct{})
		go func() {
			defer close(progressDone)
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					cfg.Progress(rec.stepCount.Load(), rec.connected.Load())
				}
			}
		}()
	}

	var lp *loop
	if cfg.Engine == "loop" {
		var err error
		if lp, err = newLoop(&cfg, rec); err != nil {
			return nil, fmt.Errorf("loadgen: the event loop: %v", err)
		}
	}
	header := http.Header{}
	if cfg.Token != "" {
		header.Set("Authorization", "Bearer "+cfg.Token)
	}
	url := cfg.endpoint()
	var wg sync.WaitGroup
	for i := range cfg.Sessions {
		wg.Go(func() {
			s := &session{cfg: &cfg, index: i, rng: rand.New(rand.NewPCG(uint64(i), 0x10AD)), done: true}
			// Connect at this session's point of the ramp.
			at := start.Add(time.Duration(int64(cfg.Ramp) * int64(i) / int64(cfg.Sessions)))
			if !sleepUntil(ctx, at) {
				return
			}
			t0 := time.Now()
			conn, err := dialWS(url, header, cfg.Timeout)
			if err != nil {
				rec.fail("connect", err)
				return
			}
			d := time.Since(t0)
			rec.connected.Add(1)
			s.conn = conn
			// The first reset makes the session's env: part of setting up,
			// like the handshake, so it happens during the ramp and is
			// measured apart from the steady state's resets.
			t1 := time.Now()
			if err := s.reset(ctx); err != nil {
				rec.fail("first reset", err)
				conn.c.Close()
				return
			}
			first := time.Since(t1)
			rec.ready.Add(1)
			for at := int64(time.Since(start)); ; {
				if old := rec.lastReady.Load(); at <= old || rec.lastReady.CompareAndSwap(old, at) {
					break
				}
			}
			rec.mu.Lock()
			rec.connects = append(rec.connects, d)
			rec.firsts = append(rec.firsts, first)
			rec.mu.Unlock()
			if lp != nil {
				if err := lp.add(s); err != nil {
					rec.fail("event loop", err)
					conn.c.Close()
				}
				return
			}
			s.tickLoop(ctx, rec, measureFrom, end)
		})
	}
	wg.Wait()
	if lp != nil {
		lp.run(ctx, measureFrom, end)
	}
	cancel()
	if progressDone != nil {
		<-progressDone
	}
	elapsed := time.Since(start)
	res := &Result{
		Protocol:   cfg.Protocol,
		Env:        cfg.Env,
		Engine:     cfg.Engine,
		Sessions:   cfg.Sessions,
		Connected:  int(rec.connected.Load()),
		Period:     cfg.Period,
		Elapsed:    elapsed,
		Steps:      summarize(rec.steps),
		Resets:     summarize(rec.resets),
		Connect:    summarize(rec.connects),
		FirstReset: summarize(rec.firsts),
		Late:       rec.late.Load(),
		ErrorCount: rec.errCount,
	}
	if len(rec.errs) > 0 {
		res.Errors = rec.errs
	}
	res.StepsPerSecond = float64(len(rec.steps)) / cfg.Duration.Seconds()
	res.SetUp = time.Duration(rec.lastReady.Load())
	if n := rec.ready.Load(); n > 0 && res.SetUp > 0 {
		res.SessionsPerSecond = float64(n) / res.SetUp.Seconds()
	}
	return res, nil
}

// tickLoop is the goroutine engine's session: it sleeps to each of its
// ticks and takes a step (resetting first when the episode ended) over
// its blocking connection.
func (s *session) tickLoop(ctx context.Context, rec *recorder, measureFrom, end time.Time) {
	cfg := s.cfg
	var myResets, mySteps []time.Duration
	// Tick at a phase of its own, from the end of the ramp on.
	next := measureFrom.Add(time.Duration(int64(cfg.Period) * int64(s.index) / int64(cfg.Sessions)))
	for {
		// Before the measured window the session holds its connection
		// idle, as a trainer between rollouts does.
		if !sleepUntil(ctx, next) || time.Now().After(end) {
			break
		}
		if time.Since(next) > cfg.Period {
			rec.late.Add(1)
		}
		next = next.Add(cfg.Period)
		if s.done {
			t := time.Now()
			if err := s.reset(ctx); err != nil {
				rec.fail("reset", err)
				break
			}
			myResets = append(myResets, time.Since(t))
		}
		t := time.Now()
		if err := s.step(ctx); err != nil {
			rec.fail("step", err)
			break
		}
		mySteps = append(mySteps, time.Since(t))
		rec.stepCount.Add(1)
	}
	s.conn.close()
	rec.mu.Lock()
	rec.steps = append(rec.steps, mySteps...)
	rec.resets = append(rec.resets, myResets...)
	rec.mu.Unlock()
}

func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

func summarize(d []time.Duration) Latencies {
	if len(d) == 0 {
		return Latencies{}
	}
	slices.Sort(d)
	q := func(p float64) time.Duration {
		i := int(p * float64(len(d)-1))
		return d[i]
	}
	return Latencies{Count: len(d), P50: q(0.50), P90: q(0.90), P99: q(0.99), P999: q(0.999), Max: d[len(d)-1]}
}

// session is one WebSocket session's state.
type session struct {
	cfg    *Config
	index  int
	rng    *rand.Rand
	conn   *wsConn
	handle string // rpc: the env handle
	seed   uint64
	done   bool // no episode running
	id     int
	buf    []byte
}

func (s *session) roundTrip(ctx context.Context, msg []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.conn.roundTrip(msg, s.cfg.Timeout)
}

// needsMake says whether the session must make its env (rpc, before its
// first reset) with makeMsg and gotMake.
func (s *session) needsMake() bool { return s.cfg.Protocol == "rpc" && s.handle == "" }

func (s *session) makeMsg() []byte {
	return s.rpcMsg("env/make", `{"id":`+strconv.Quote(s.cfg.Env)+`}`)
}

func (s *session) gotMake(b []byte) error {
	res, err := s.rpcResult("env/make", b)
	if err != nil {
		return err
	}
	var r struct {
		Env string `json:"env"`
	}
	if err := json.Unmarshal(res, &r); err != nil || r.Env == "" {
		return fmt.Errorf("env/make answered %.200s", res)
	}
	s.handle = r.Env
	return nil
}

// resetMsg is the request that starts the session's next episode.
func (s *session) resetMsg() []byte {
	s.seed = uint64(s.index)<<20 + uint64(s.id)
	if s.cfg.Protocol == "rpc" {
		return s.rpcMsg("env/reset", `{"env":`+strconv.Quote(s.handle)+`,"seed":`+strconv.FormatUint(s.seed, 10)+`}`)
	}
	s.id++ // the next episode's seed differs, as rpc's request ids make it
	return []byte(`{"type":"reset","data":{"seed":` + strconv.FormatUint(s.seed, 10) + `}}`)
}

// gotReset reads the answer to resetMsg.
func (s *session) gotReset(b []byte) error {
	var err error
	if s.cfg.Protocol == "rpc" {
		_, err = s.rpcResult("env/reset", b)
	} else {
		_, err = openenvDone(b)
	}
	if err == nil {
		s.done = false
	}
	return err
}

// stepMsg is the request of one step with a random action.
func (s *session) stepMsg() []byte {
	a := strconv.Itoa(s.rng.IntN(s.cfg.Actions))
	if s.cfg.Protocol == "rpc" {
		return s.rpcMsg("env/step", `{"env":`+strconv.Quote(s.handle)+`,"action":`+a+`}`)
	}
	return []byte(`{"type":"step","data":{"action":` + a + `}}`)
}

// gotStep reads the answer to stepMsg: whether the episode ended.
func (s *session) gotStep(b []byte) error {
	if s.cfg.Protocol == "rpc" {
		res, err := s.rpcResult("env/step", b)
		if err != nil {
			return err
		}
		var r struct {
			Terminated, Truncated bool
		}
		if err := json.Unmarshal(res, &r); err != nil {
			return fmt.Errorf("env/step answered %.200s", res)
		}
		s.done = r.Terminated || r.Truncated
		return nil
	}
	var err error
	s.done, err = openenvDone(b)
	return err
}

// reset starts an episode over the blocking connection (making the env
// first on rpc).
func (s *session) reset(ctx context.Context) error {
	if s.needsMake() {
		b, err := s.roundTrip(ctx, s.makeMsg())
		if err != nil {
			return err
		}
		if err := s.gotMake(b); err != nil {
			return err
		}
	}
	b, err := s.roundTrip(ctx, s.resetMsg())
	if err != nil {
		return err
	}
	return s.gotReset(b)
}

// step takes one step of the running episode over the blocking
// connection (the caller resets first when none runs).
func (s *session) step(ctx context.Context) error {
	b, err := s.roundTrip(ctx, s.stepMsg())
	if err != nil {
		return err
	}
	return s.gotStep(b)
}

// rpcMsg builds a JSON-RPC request with the session's next id.
func (s *session) rpcMsg(method, params string) []byte {
	s.id++
	b := append(s.buf[:0], `{"jsonrpc":"2.0","id":`...)
	b = strconv.AppendInt(b, int64(s.id), 10)
	b = append(b, `,"method":"`...)
	b = append(b, method...)
	b = append(b, `","params":`...)
	b = append(b, params...)
	b = append(b, '}')
	s.buf = b
	return b
}

// rpcResult reads the answer to the request rpcMsg built last.
func (s *session) rpcResult(method string, b []byte) (json.RawMessage, error) {
	return RPCResult(method, b, s.id)
}

// RPCResult reads a JSON-RPC answer to the request of id and method: its
// result, or an error saying what the answer was instead (not JSON, an
// error object with its code, an answer to another id).
func RPCResult(method string, b []byte, id int) (json.RawMessage, error) {
	var r struct {
		ID     int             `json:"id"`
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: answer is not JSON: %.200s", method, b)
	}
	if r.Error != nil {
		return nil, fmt.Errorf("%s: error %d: %s", method, r.Error.Code, r.Error.Message)
	}
	if r.ID != id {
		return nil, fmt.Errorf("%s: answer to id %d, want %d", method, r.ID, id)
	}
	return r.Result, nil
}

// openenvDone reads an OpenEnv answer frame: its done flag, or the error it
// carries.
func openenvDone(b []byte) (bool, error) {
	if !gjson.ValidBytes(b) {
		return false, fmt.Errorf("answer is not JSON: %.200s", b)
	}
	f := gjson.GetManyBytes(b, "type", "data.done", "data.code", "data.message")
	switch f[0].String() {
	case "observation":
		if f[1].Type != gjson.True && f[1].Type != gjson.False {
			return false, fmt.Errorf("observation without a boolean done: %.200s", b)
		}
		return f[1].Bool(), nil
	case "error":
		return false, fmt.Errorf("error %s: %s", f[2].String(), f[3].String())
	}
	return false, fmt.Errorf("answer of type %q: %.200s", f[0].String(), bytes.TrimSpace(b))
}
