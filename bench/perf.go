package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/protocol"
	"github.com/dojo-rl/dojo/runner"
)

// PerfConfig configures a throughput measurement. Registry is needed; the
// zero value of the rest works.
type PerfConfig struct {
	Registry *dojo.Registry
	// Workers is the most workers measured: every family is run with 1, 2,
	// 4, ... up to Workers (default GOMAXPROCS).
	Workers int
	// Duration is how long each measurement runs at least (default
	// 100ms): longer is steadier.
	Duration time.Duration
	// Rounds is how many times each env and worker count is measured,
	// the worker counts taking turns; the best round is kept, as other
	// processes on the machine only ever slow a round down (default 3).
	Rounds int
	// Log receives a line per measurement as it is taken.
	Log io.Writer
}

// PerfReport is what dojo bench perf measures and perf.json holds.
type PerfReport struct {
	GoVersion  string  `json:"go_version"`
	GOOS       string  `json:"goos"`
	GOARCH     string  `json:"goarch"`
	CPUs       int     `json:"cpus"`
	GOMAXPROCS int     `json:"gomaxprocs"`
	Duration   float64 `json:"duration_seconds"` // per measurement
	Rounds     int     `json:"rounds"`
	// LoadAverage is the machine's one-minute load average when the
	// measurements started (Linux; 0 where unknown): near or above CPUs,
	// other processes compete for the CPUs and the worker speedups say
	// little.
	LoadAverage float64 `json:"load_average,omitempty"`
	// Steps are env steps per second through the runner, per family and
	// worker count.
	Steps []StepRate `json:"steps"`
	// Verify are task verifications per second of the task families.
	Verify []VerifyRate `json:"verify"`
	// Protocol are JSON-RPC round trips per second through an in-process
	// dojo serve.
	Protocol []RoundTrip `json:"protocol"`
}

// StepRate is one runner measurement.
type StepRate struct {
	Family         string  `json:"family"`
	Env            string  `json:"env"`
	Agent          string  `json:"agent"`
	Workers        int     `json:"workers"`
	Episodes       int     `json:"episodes"`
	Steps          int     `json:"steps"`
	Seconds        float64 `json:"seconds"`
	StepsPerSec    float64 `json:"steps_per_second"`
	EpisodesPerSec float64 `json:"episodes_per_second"`
	// Speedup is StepsPerSec over the same env's one-worker rate.
	Speedup float64 `json:"speedup"`
}

// VerifyRate is one verification measurement: the gold responses of Tasks
// tasks (the oracle's turns) verified over and over by one goroutine.
type VerifyRate struct {
	Family        string  `json:"family"`
	Env           string  `json:"env"`
	Tasks         int     `json:"tasks"`
	Verifications int     `json:"verifications"`
	Seconds       float64 `json:"seconds"`
	PerSec        float64 `json:"per_second"`
	// GoldSuccess is the share of the gold responses that verified as a
	// success (1 unless a verifier disagrees with its oracle).
	GoldSuccess float64 `json:"gold_success"`
}

// RoundTrip is one protocol measurement.
type RoundTrip struct {
	Method      string  `json:"method"`
	Env         string  `json:"env"`
	Envs        int     `json:"envs"` // envs stepped per request
	RoundTrips  int     `json:"round_trips"`
	Seconds     float64 `json:"seconds"`
	PerSec      float64 `json:"per_second"`
	MicrosEach  float64 `json:"micros_each"`
	StepsPerSec float64 `json:"steps_per_second"`
}

// perfPlan is each family's measured env and agent. Families not listed
// are measured on their first env with the oracle (random if it has none).
var perfPlan = []struct{ env, agent string }{
	{"gridworld/FrozenLake8x8-v1", "random"},
	{"gridworld/DoorKey-8x8-v0", "random"},
	{"bandit/Bernoulli-10-v0", "random"},
	{"toolcall/Mixed-v0", "oracle"},
	{"sql/Generated-v0", "oracle"},
	{"websim/SearchQA-v0", "oracle"},
	{"websim/Shop-v0", "oracle"},
}

// verifyPlan is each task family's env for verifications; others use
// their first env that generates and verifies tasks.
var verifyPlan = []string{"toolcall/Mixed-v0", "sql/Generated-v0", "websim/SearchR1-v0", "websim/Shop-v0"}

// Perf measures the throughput of the registry's families.
func Perf(ctx context.Context, cfg PerfConfig) (*PerfReport, error) {
	if cfg.Registry == nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "bench: perf needs a registry")
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 100 * time.Millisecond
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = 3
	}
	rep := &PerfReport{
		GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Duration: cfg.Duration.Seconds(),
		Rounds: cfg.Rounds, LoadAverage: loadAverage(),
	}
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format, args...)
		}
	}
	var workers []int
	for w := 1; w < cfg.Workers; w *= 2 {
		workers = append(workers, w)
	}
	workers = append(workers, cfg.Workers)

	for _, p := range stepPlan(cfg.Registry) {
		rates := make([]StepRate, len(workers))
		sizes := make([]int, len(workers))
		for round := range cfg.Rounds {
			for i, w := range workers {
				if round == 0 {
					n, agent, err := calibrate(ctx, cfg, p.env, p.agent, w)
					if err != nil {
						return nil, err
					}
					sizes[i], p.agent = n, agent
				}
				r, err := measureSteps(ctx, cfg, p.env, p.agent, w, sizes[i])
				if err != nil {
					return nil, err
				}
				if r.StepsPerSec > rates[i].StepsPerSec {
					rates[i] = r
				}
			}
		}
		for i := range rates {
			rates[i].Speedup = rates[i].StepsPerSec / rates[0].StepsPerSec
			logf("steps  %-28s %-7s workers %d: %s steps/s\n", rates[i].Env, rates[i].Agent, rates[i].Workers, perSec(rates[i].StepsPerSec))
		}
		rep.Steps = append(rep.Steps, rates...)
	}
	tk := protocol.NewTasker(cfg.Registry)
	defer tk.Close()
	for _, id := range taskPlan(cfg.Registry) {
		r, err := measureVerify(ctx, cfg, tk, id)
		if err != nil {
			return nil, err
		}
		rep.Verify = append(rep.Verify, r)
		logf("verify %-28s %s verifications/s\n", r.Env, perSec(r.PerSec))
	}
	if _, err := cfg.Registry.Spec(protocolEnv); err == nil {
		for _, n := range []int{1, 64} {
			r, err := measureProtocol(ctx, cfg, n)
			if err != nil {
				return nil, err
			}
			rep.Protocol = append(rep.Protocol, r)
			logf("proto  %-28s %s round trips/s\n", r.Method, perSec(r.PerSec))
		}
	}
	return rep, nil
}

type planned struct{ env, agent string }

// stepPlan lists the envs measured: perfPlan's registered ones, and the
// first env of every family it does not cover.
func stepPlan(reg *dojo.Registry) []planned {
	var out []planned
	covered := map[string]bool{}
	for _, p := range perfPlan {
		if _, err := reg.Spec(p.env); err == nil {
			out = append(out, planned(p))
			covered[dojo.Family(p.env)] = true
		}
	}
	for _, id := range reg.IDs() {
		if f := dojo.Family(id); !covered[f] {
			covered[f] = true
			out = append(out, planned{id, "oracle"})
		}
	}
	return out
}

// taskPlan lists the task envs measured: verifyPlan's registered ones, and
// for every other family its first env that generates and verifies tasks.
func taskPlan(reg *dojo.Registry) []string {
	var out []string
	covered := map[string]bool{}
	for _, id := range verifyPlan {
		if _, err := reg.Spec(id); err == nil {
			out = append(out, id)
			covered[dojo.Family(id)] = true
		}
	}
	for _, id := range reg.IDs() {
		if covered[dojo.Family(id)] {
			continue
		}
		env, err := reg.Make(id, nil)
		if err != nil {
			continue
		}
		_, gen := env.(dojo.TaskGenerator)
		_, ver := env.(dojo.TaskVerifier)
		dojo.Close(env)
		if gen && ver {
			covered[dojo.Family(id)] = true
			out = append(out, id)
		}
	}
	return out
}

// calibrate finds how many episodes take cfg.Duration with workers, and
// the agent measured: the oracle, or random on an env without one.
func calibrate(ctx context.Context, cfg PerfConfig, env, agent string, workers int) (int, string, error) {
	episodes := 4 * workers
	for {
		maker, err := agents.New(agent)
		if err != nil {
			return 0, agent, err
		}
		sum, err := runner.Run(ctx, runner.Config{
			Registry: cfg.Registry, Env: env, Agent: maker, AgentName: agent,
			Episodes: episodes, Workers: workers, NoSteps: true,
		})
		if err != nil && agent == "oracle" && dojo.ErrorCode(err) == dojo.CodeInvalid && ctx.Err() == nil {
			agent = "random" // no oracle: measure with the random agent
			continue
		}
		if err != nil {
			return 0, agent, fmt.Errorf("perf %s with %s: %w", env, agent, err)
		}
		if sum.Wall >= cfg.Duration || episodes >= 1<<24 {
			return episodes, agent, nil
		}
		episodes = grow(episodes, sum.Wall, cfg.Duration)
	}
}

// measureSteps times one run of episodes.
func measureSteps(ctx context.Context, cfg PerfConfig, env, agent string, workers, episodes int) (StepRate, error) {
	r := StepRate{Family: dojo.Family(env), Env: env, Agent: agent, Workers: workers}
	maker, err := agents.New(agent)
	if err != nil {
		return r, err
	}
	sum, err := runner.Run(ctx, runner.Config{
		Registry: cfg.Registry, Env: env, Agent: maker, AgentName: agent,
		Episodes: episodes, Workers: workers, NoSteps: true,
	})
	if err != nil {
		return r, fmt.Errorf("perf %s with %s: %w", env, agent, err)
	}
	r.Episodes = sum.Episodes
	r.Steps = int(sum.MeanLength*float64(sum.Completed) + 0.5)
	r.Seconds = sum.Wall.Seconds()
	r.StepsPerSec = float64(r.Steps) / r.Seconds
	r.EpisodesPerSec = float64(r.Episodes) / r.Seconds
	return r, nil
}

// loadAverage reads the one-minute load average (Linux), 0 if unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _, _ := strings.Cut(string(b), " ")
	v, _ := strconv.ParseFloat(f, 64)
	return v
}

// grow returns how many iterations should take d, given that n took
// took, growing at most tenfold at a time.
func grow(n int, took, d time.Duration) int {
	if took <= 0 {
		return 10 * n
	}
	want := int(float64(n) * 1.2 * float64(d) / float64(took))
	return max(n+1, min(want, 10*n))
}

// goldResponse plays the env's oracle on the task of seed and returns its
// turns as a response.
func goldResponse(ctx context.Context, env dojo.Env, seed uint64) (dojo.Response, error) {
	o, ok := env.(dojo.Oracle)
	if !ok {
		return dojo.Response{}, dojo.Errorf(dojo.CodeInvalid, "%s has no oracle to make gold responses with", env.Spec().ID)
	}
	if _, _, err := env.Reset(ctx, seed); err != nil {
		return dojo.Response{}, err
	}
	var msgs []dojo.Message
	for range env.Spec().MaxSteps {
		a, err := o.OracleAction(ctx)
		if err != nil {
			return dojo.Response{}, err
		}
		msgs = append(msgs, dojo.Message{Role: "assistant", Content: a.Text, ToolCalls: a.ToolCalls})
		s, err := env.Step(ctx, a)
		if err != nil {
			return dojo.Response{}, err
		}
		if s.Done() {
			break
		}
	}
	return dojo.Response{Messages: msgs}, nil
}

// measureVerify verifies the gold responses of 64 tasks over and over for
// cfg.Duration.
func measureVerify(ctx context.Context, cfg PerfConfig, tk *protocol.Tasker, id string) (VerifyRate, error) {
	const n = 64
	r := VerifyRate{Family: dojo.Family(id), Env: id, Tasks: n}
	env, err := cfg.Registry.Make(id, nil)
	if err != nil {
		return r, err
	}
	defer dojo.Close(env)
	tasks := make([]dojo.Task, n)
	resps := make([]dojo.Response, n)
	for i := range n {
		seed := uint64(i)
		if tasks[i], err = tk.Generate(ctx, id, nil, seed); err != nil {
			return r, err
		}
		if resps[i], err = goldResponse(ctx, env, seed); err != nil {
			return r, err
		}
	}
	start := time.Now()
	successes := 0
	for r.Verifications < n || time.Since(start) < cfg.Duration {
		i := r.Verifications % n
		sc, err := tk.Verify(ctx, tasks[i], resps[i])
		if err != nil {
			return r, fmt.Errorf("verifying %s task %d: %w", id, i, err)
		}
		if r.Verifications < n && sc.Success {
			successes++
		}
		r.Verifications++
	}
	r.Seconds = time.Since(start).Seconds()
	r.PerSec = float64(r.Verifications) / r.Seconds
	r.GoldSuccess = float64(successes) / n
	return r, nil
}

// protocolEnv is the env the protocol round trips step, as the protocol
// package's benchmarks do.
const protocolEnv = "gridworld/FrozenLake8x8-v1"

// session is a dojo serve session over in-process pipes.
type session struct {
	w    io.WriteCloser
	r    *bufio.Reader
	done chan struct{}
}

func newSession(ctx context.Context, reg *dojo.Registry) *session {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &session{w: inW, r: bufio.NewReaderSize(outR, 1<<20), done: make(chan struct{})}
	go func() {
		(&protocol.Server{Registry: reg}).Serve(ctx, inR, outW)
		outW.Close()
		close(s.done)
	}()
	return s
}

func (s *session) call(line string) error {
	if _, err := io.WriteString(s.w, line); err != nil {
		return err
	}
	resp, err := s.r.ReadString('\n')
	if err != nil {
		return err
	}
	if strings.Contains(resp, `"error"`) {
		return dojo.Errorf(dojo.CodeInternal, "dojo serve answered %s to %s", strings.TrimSpace(resp), strings.TrimSpace(line))
	}
	return nil
}

func (s *session) close() {
	s.w.Close()
	io.Copy(io.Discard, s.r)
	<-s.done
}

// measureProtocol steps n envs per request (env/step for one, the compact
// env/stepMany for more) in lockstep for cfg.Duration.
func measureProtocol(ctx context.Context, cfg PerfConfig, n int) (RoundTrip, error) {
	r := RoundTrip{Method: "env/step", Env: protocolEnv, Envs: n}
	if n > 1 {
		r.Method = "env/stepMany"
	}
	s := newSession(ctx, cfg.Registry)
	defer s.close()
	handles := make([]string, n)
	for i := range n {
		if err := s.call(fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":%q,"autoreset":true}}`+"\n", protocolEnv)); err != nil {
			return r, err
		}
		handles[i] = fmt.Sprintf(`"e%d"`, i+1)
		if err := s.call(fmt.Sprintf(`{"jsonrpc":"2.0","id":2,"method":"env/reset","params":{"env":"e%d","seed":%d}}`+"\n", i+1, i)); err != nil {
			return r, err
		}
	}
	lines := make([]string, 4)
	for a := range lines {
		if n == 1 {
			lines[a] = fmt.Sprintf(`{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e1","action":%d}}`+"\n", a)
			continue
		}
		acts := make([]string, n)
		for i := range acts {
			acts[i] = fmt.Sprint((i + a) % 4)
		}
		lines[a] = fmt.Sprintf(`{"jsonrpc":"2.0","id":3,"method":"env/stepMany","params":{"envs":[%s],"actions":[%s],"compact":true}}`+"\n",
			strings.Join(handles, ","), strings.Join(acts, ","))
	}
	start := time.Now()
	for r.RoundTrips < 20 || time.Since(start) < cfg.Duration {
		if err := s.call(lines[r.RoundTrips%4]); err != nil {
			return r, err
		}
		r.RoundTrips++
	}
	r.Seconds = time.Since(start).Seconds()
	r.PerSec = float64(r.RoundTrips) / r.Seconds
	r.MicrosEach = 1e6 / r.PerSec
	r.StepsPerSec = r.PerSec * float64(n)
	return r, nil
}

// perSec formats a rate with thousands separators.
func perSec(x float64) string { return count(int(x + 0.5)) }

// WriteTable writes the measurements as three tables.
func (p *PerfReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "%s %s/%s, %d CPUs, GOMAXPROCS %d, best of %d rounds of %v", p.GoVersion, p.GOOS, p.GOARCH, p.CPUs, p.GOMAXPROCS, p.Rounds, time.Duration(p.Duration*float64(time.Second)))
	if p.LoadAverage > 0 {
		fmt.Fprintf(w, ", load average %.1f", p.LoadAverage)
	}
	fmt.Fprintln(w)
	if p.LoadAverage >= 0.5*float64(p.CPUs) {
		fmt.Fprintf(w, "note: other processes were keeping the CPUs busy (load %.1f on %d CPUs): the rates are low and the speedups say little\n", p.LoadAverage, p.CPUs)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "env (runner, no step records)\tagent\tworkers\tsteps/s\tepisodes/s\tspeedup")
	for _, s := range p.Steps {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%.2f×\n", s.Env, s.Agent, s.Workers, perSec(s.StepsPerSec), perSec(s.EpisodesPerSec), s.Speedup)
	}
	fmt.Fprintln(tw)
	if len(p.Verify) > 0 {
		fmt.Fprintln(tw, "task env (gold responses, one goroutine)\ttasks\tverifications/s\tµs each\tgold verified")
		for _, v := range p.Verify {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%.1f\t%.0f%%\n", v.Env, v.Tasks, perSec(v.PerSec), 1e6/v.PerSec, 100*v.GoldSuccess)
		}
		fmt.Fprintln(tw)
	}
	if len(p.Protocol) > 0 {
		fmt.Fprintln(tw, "protocol (in-process dojo serve, lockstep)\tenvs\tround trips/s\tµs each\tenv steps/s")
		for _, r := range p.Protocol {
			fmt.Fprintf(tw, "%s %s\t%d\t%s\t%.1f\t%s\n", r.Method, r.Env, r.Envs, perSec(r.PerSec), r.MicrosEach, perSec(r.StepsPerSec))
		}
	}
	return tw.Flush()
}

// WriteJSON writes the measurements to a file.
func (p *PerfReport) WriteJSON(path string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return dojo.Errorf(dojo.CodeInternal, "perf.json: %v", err)
	}
	return writeFileAtomic(path, append(b, '\n'))
}
