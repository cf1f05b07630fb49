// Package runner runs episodes of an env with an agent, in parallel, and
// records them.
//
// Run plays Config.Episodes episodes, Config.InFlight of them at once. Each
// episode in flight has an env of its own, made once and reused across the
// episodes it plays through Reset; episode i always gets seed Config.Seed+i
// and a fresh agent from the AgentMaker, so every episode's record is the
// same whatever the number of workers or episodes in flight (except its
// wall time) as long as the agent's randomness derives from
// EpisodeStart.Seed.
//
// # Workers and episodes in flight
//
// Config.Workers is the CPU parallelism (default GOMAXPROCS) and, for
// agents that compute, the number of episodes in flight too. Agents that
// mostly wait (an LLM server, a remote program) want many more episodes in
// flight than there are CPUs: Config.InFlight sets that number, and by
// default an AgentMaker implementing InFlighter says it (the openai agent
// asks for its request concurrency, 16 by default). When more episodes are
// in flight than there are workers, an episode computes (makes, resets and
// steps its env, records its steps) only while it holds one of Workers
// slots, and gives its slot up while it waits on its agent (NewAgent and
// Act): InFlight episodes wait on the agent at once while at most Workers
// compute.
//
// # Agents
//
// The AgentMaker is asked for each episode's agent after the worker's env
// was Reset with the episode's seed. EpisodeStart.Tools are the tools of
// the episode's task: the first observation's Tools, else the spec's
// Action.Tools (dojo.Obs.ToolsOr). EpisodeStart.Env is the env (for the
// oracle agent; agents must not step it) and EpisodeStart.NewEnv makes a
// private env with the same id and options, which the agent closes (with
// dojo.Close) when done. Agents implementing dojo.EpisodeEnder hear how
// their episode ended, even when the run is being canceled.
//
// # Output file
//
// With Config.Out set, each finished episode is appended to that file as one
// line of JSON (an Episode: env id, resolved options, seed, agent, the reset
// observation, every step with its action, observation, reward, reward parts
// and flags, the return, success, length, each reward part totalled over the
// episode, wall time and error), in the order episodes finish. Each line is written with a single write as soon as its
// episode ends, so killing the process loses no finished episode; the file
// is fsync'd every second and at the end.
//
// An existing file is resumed: its records are read, the episodes they
// cover are skipped, and the summary covers old and new episodes together. A
// partial last line (the process was killed while writing it) is cut off
// and that episode runs again. A record of another run (another env,
// options, agent name or seed base) is an error, so runs never mix.
//
// The file is locked (flock) while the run writes it: a second run on it
// is refused with an error naming the file and, where the system says,
// the pid of the run holding it. A file whose episodes repeat (two runs
// wrote it at once) is an error, or with Config.Dedupe is first rewritten
// whole keeping the first line of each episode in file order. An output
// that is not a regular file (a named pipe, /dev/stdout) is written
// without being read back: nothing is resumed, locked or synced, and once
// ctx is canceled a write blocked on it gives up after two seconds.
//
// Records are bounded: an action above Config.MaxActionBytes fails its
// episode, and each text a record stores is clipped to
// Config.MaxRecordText with a marker giving its length (see Config).
//
// # Shards
//
// With Config.Shard set, Run plays only the episodes of that shard of the
// run: those whose index is ≡ Shard.Index mod Shard.Count, with the seeds
// the whole run gives them (package shard says why round-robin). Each
// record then ends with a tag naming the shard, the run's number of
// episodes and its seed base (Episode.Shard); the file resumes only as
// the same shard of the same run. MergeShards checks that files are the
// shards of one run, each once and complete, and writes the whole run's
// file: the very lines the unsharded run writes, in episode order, but
// for each episode's WallMS.
//
// # Failures
//
// An error or panic in the agent or the env fails that episode, which is
// recorded with the error (Episode.Error, Episode.ErrorCode), and the run
// goes on; after a panic the worker makes a fresh env. Config.EpisodeTimeout
// and Config.ActionTimeout bound an episode and each Act call through their
// contexts, which the env and agent must honour: an env or agent that
// ignores its context delays the deadline to the end of the call, where it
// is then enforced. Act errors with code dojo.CodeUnavailable are retried
// Config.Retries times with exponential backoff. Two kinds of error stop the
// run instead: an AgentMaker error with code dojo.CodeInvalid, which says the
// agent cannot play this env at all (the oracle agent on an env without an
// oracle), and an error marked by dojo.Fatal from the agent or the env at
// any point (an LLM server refusing the API key, or unreachable since the
// run began). Either is returned once rather than recorded for every
// episode: the run stops at once, the failing episode and those in flight
// are not recorded (they run again on resume), and Run returns the error.
//
// Summary.ErrorCodes counts the recorded failures by code and
// Summary.ErrorMessages quotes the first of each; InfraError says which
// codes mean that an episode could not be played as meant, which the CLI
// reports loudly.
//
// # Progress
//
// Config.Progress, a Progress, shows the run as it goes: live on a
// terminal (a line redrawn in place that moves with every env step), or
// as a line every ten seconds for logs; one Progress follows the runs of a
// benchmark's entries in turn. Its cost is an atomic add per step.
//
// # Cancellation
//
// When ctx is canceled (SIGINT in the CLI) no new episode starts; episodes
// in flight see their context canceled, and those that fail because of it
// are not recorded (they run again on resume). The file is synced and
// closed, holding complete lines only, and Run returns the summary so far
// with an error wrapping ctx.Err().
package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/shard"
)

// Config configures a run. The zero value of every field but Registry, Env
// and Agent works: one episode, seed 0, GOMAXPROCS workers, no file, no
// deadlines, no retries.
type Config struct {
	Registry *dojo.Registry // where the env is made
	Env      string         // env id
	Options  dojo.Options   // env options, validated by the registry's spec

	Agent dojo.AgentMaker
	// AgentName is recorded in each episode; resuming needs the same name.
	// The CLI passes the agent as typed, parameters included.
	AgentName string

	Episodes int    // number of episodes (default 1)
	Seed     uint64 // episode i gets seed Seed+i
	Workers  int    // parallel workers (default GOMAXPROCS)
	// InFlight is the number of episodes played at once, each on its own
	// env (0: the Agent's InFlight when it implements InFlighter, else
	// Workers). Above Workers, episodes waiting on their agent hold no
	// worker (see the package doc).
	InFlight int

	// Out is the JSONL file the episodes are appended to; "" writes none.
	// An existing file is resumed; it is locked while the run writes it,
	// and a file locked by another run is refused. An output that is not
	// a regular file (a pipe, /dev/stdout) is written without resume.
	Out string
	// Dedupe lets a run resume a file whose episodes repeat (two runs
	// wrote it at once): the file is first rewritten with the first line
	// of each episode only (Summary.Deduped counts the lines dropped).
	// Without it such a file is an error.
	Dedupe bool
	// NoSteps leaves the reset observation and the steps out of the
	// records, for large benchmarks where only outcomes matter. The
	// records keep their reward part totals and series.
	NoSteps bool
	// Series names metrics of Info.Metrics recorded after every step in
	// Episode.Series (a bandit's cumulative_regret, for regret curves),
	// with or without NoSteps. It is not part of a run's identity.
	Series []string

	// EpisodeTimeout bounds an episode, from Reset to its last step,
	// including the making of its agent (0: no bound).
	EpisodeTimeout time.Duration
	// ActionTimeout bounds each call of the agent's Act (0: no bound).
	ActionTimeout time.Duration
	// Retries is how many times an Act call failing with code
	// dojo.CodeUnavailable is retried. The first retry waits RetryDelay
	// (default 100ms), each next one twice as long, at most 30s.
	Retries    int
	RetryDelay time.Duration

	// MaxActionBytes bounds an action's size: its text and its tool
	// calls' ids, names and arguments. A larger action fails its episode
	// with code invalid, naming the size and the bound. 0 means
	// DefaultMaxActionBytes (1 MiB); negative, no bound.
	MaxActionBytes int
	// MaxRecordText bounds each text a record stores: an observation's
	// text, messages and value, an info's error and extra values, an
	// action's text and its tool calls' arguments. A longer text is
	// cut at a character boundary and followed by ClipMarker, which gives
	// its length in bytes; a longer JSON value (arguments, a composite
	// value) becomes {"clipped": {"bytes": N, "text": T}} with T its
	// clipped text. The env and the agent saw everything whole. 0 means
	// DefaultMaxRecordText (64 KiB); negative, no bound. It is not part of
	// a run's identity.
	MaxRecordText int

	// Progress, when set, shows the run's progress (see Progress); one
	// Progress may follow several runs in turn.
	Progress *Progress
	// OnEpisode is called with each newly recorded episode, in the order
	// they finish, never concurrently. The episode's Options map is shared
	// and must not be modified.
	OnEpisode func(Episode)

	// Shard, when set, plays only the episodes of that shard: those whose
	// index is ≡ Shard.Index mod Shard.Count, with the seeds the whole
	// run gives them. Each record is tagged with the shard (Episode.Shard)
	// and the file resumes as any run's; MergeShards merges the shards'
	// files into the whole run's (see package shard).
	Shard shard.Shard
}

const maxRetryDelay = 30 * time.Second

// streamGrace is how long, once the run is canceled, a write to an output
// that is a pipe may wait for its reader.
const streamGrace = 2 * time.Second

// InFlighter is implemented by agent makers whose agents spend their
// episodes waiting rather than computing (on an LLM server, a remote
// program). InFlight is the number of episodes the maker wants played at
// once, whatever the number of CPU workers; 0 leaves it to the workers.
// Config.InFlight, when set, wins.
type InFlighter interface {
	InFlight() int
}

// Run plays the episodes of cfg and returns their summary. Failed episodes
// do not make Run fail; Run returns an error for a bad Config (unknown env,
// bad options, a mismatched or unreadable output file), an agent that
// cannot play the env, a failure to write the output file, or a canceled
// ctx. Except for a bad Config, the summary of the episodes recorded so far
// comes with the error.
func Run(ctx context.Context, cfg Config) (*Summary, error) {
	start := time.Now()
	r, err := prepare(&cfg)
	if err != nil {
		return nil, err
	}
	var out *outFile
	var results []result
	deduped := 0
	if cfg.Out != "" {
		out, results, deduped, err = openOut(cfg.Out, r.id, cfg.Dedupe)
		if err != nil {
			return nil, err
		}
		if out.stream {
			// A reader that stopped reading must not hold the run past
			// its cancellation: writes to a pipe then time out.
			defer context.AfterFunc(ctx, func() { out.f.SetWriteDeadline(time.Now().Add(streamGrace)) })()
		}
	}
	resumed := len(results)
	recorded := make(map[int]bool, resumed)
	resumedSuccesses := 0
	for _, res := range results {
		recorded[res.index] = true
		if res.success {
			resumedSuccesses++
		}
	}
	var pending []int
	want := cfg.Shard.Size(cfg.Episodes) // episodes of this run (of its shard)
	for i := range cfg.Episodes {
		if cfg.Shard.Owns(i) && !recorded[i] {
			pending = append(pending, i)
		}
	}

	prog := cfg.Progress
	if prog != nil {
		prog.begin(cfg.Env, max(want, resumed), resumed, resumedSuccesses)
	}
	finish := func(runErr error) (*Summary, error) {
		if out != nil {
			if err := out.close(); err != nil && runErr == nil {
				runErr = err
			}
		}
		sum := summarize(cfg.Env, r.options, cfg.AgentName, want, resumed, results, time.Since(start))
		sum.Deduped = deduped
		if prog != nil {
			prog.end(sum)
		}
		return sum, runErr
	}
	if len(pending) == 0 {
		return finish(nil)
	}

	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	inFlight := cfg.InFlight
	if f, ok := cfg.Agent.(InFlighter); ok && inFlight == 0 {
		inFlight = f.InFlight()
	}
	if inFlight <= 0 {
		inFlight = workers
	}
	inFlight = min(inFlight, len(pending))
	if inFlight > workers {
		r.cpu = make(chan struct{}, workers)
	}
	ws := make([]*worker, inFlight)
	for k := range ws {
		env, err := r.newEnv()
		if err != nil {
			for _, w := range ws[:k] {
				w.closeEnv()
			}
			return finish(err)
		}
		ws[k] = &worker{r: r, env: env, spec: env.Spec()}
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.ctx = runCtx
	jobs := make(chan int)
	done := make(chan finished, inFlight)
	go func() {
		defer close(jobs)
		for _, i := range pending {
			select {
			case jobs <- i:
			case <-runCtx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer w.closeEnv()
			for i := range jobs {
				if runCtx.Err() != nil {
					continue // drain: the feeder stops soon
				}
				f := w.play(i)
				if f.abort != nil {
					// Stop the other workers at once rather than when the
					// collector gets here: no worker starts another episode.
					cancel(f.abort)
				}
				done <- f
			}
		}()
	}
	go func() {
		wg.Wait()
		close(done)
	}()

	var stopErr error // why the run stopped early, besides ctx
	for f := range done {
		if f.abort != nil {
			if stopErr == nil {
				stopErr = f.abort
				cancel(f.abort)
			}
			continue
		}
		if f.drop || stopErr != nil {
			continue
		}
		if out != nil {
			if err := out.write(f.line); err != nil {
				stopErr = err
				cancel(err)
				continue
			}
		}
		results = append(results, resultOf(&f.ep))
		if cfg.OnEpisode != nil {
			cfg.OnEpisode(f.ep)
		}
		if prog != nil {
			prog.episode(&f.ep)
		}
	}
	if stopErr == nil && ctx.Err() != nil && len(results) < resumed+len(pending) {
		code := dojo.CodeCanceled
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			code = dojo.CodeTimeout
		}
		stopErr = &dojo.Error{Code: code, Err: ctx.Err(),
			Msg: fmt.Sprintf("run stopped after %d of %d episodes (%v); rerun with the same output file to resume", len(results), max(want, resumed), ctx.Err())}
	}
	return finish(stopErr)
}

// run is what the workers of one Run share.
type run struct {
	cfg      *Config
	options  dojo.Options // resolved
	id       identity
	ctx      context.Context
	maxSteps int // from the registered spec; each worker's env may say more
	// maxAction and maxText are Config.MaxActionBytes and
	// Config.MaxRecordText resolved (0: no bound).
	maxAction, maxText int
	// cpu holds a token for each episode computing, when more episodes
	// are in flight than there are workers; nil otherwise.
	cpu chan struct{}
}

func prepare(cfg *Config) (*run, error) {
	if cfg.Registry == nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "runner: no registry to make %q from", cfg.Env)
	}
	if cfg.Agent == nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "runner: no agent").WithField("agent")
	}
	if cfg.Episodes < 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "runner: %d episodes: want a positive number", cfg.Episodes).WithField("episodes")
	}
	if cfg.Episodes == 0 {
		cfg.Episodes = 1
	}
	if cfg.Retries < 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "runner: %d retries: want 0 or more", cfg.Retries).WithField("retries")
	}
	if cfg.InFlight < 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "runner: %d episodes in flight: want 0 (the default) or more", cfg.InFlight).WithField("in_flight")
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 100 * time.Millisecond
	}
	if s := cfg.Shard; s.Sharded() && (s.Index < 0 || s.Index >= s.Count) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "runner: shard %d/%d: want 0 ≤ index < count", s.Index, s.Count).WithField("shard")
	}
	spec, err := cfg.Registry.Spec(cfg.Env)
	if err != nil {
		return nil, err
	}
	opts, err := spec.Resolve(cfg.Options)
	if err != nil {
		return nil, err
	}
	canon, err := canonicalOptions(opts)
	if err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: options do not marshal to JSON: %v", cfg.Env, err).WithField("options")
	}
	return &run{
		cfg:       cfg,
		options:   opts,
		id:        identity{env: cfg.Env, options: canon, agent: cfg.AgentName, seed: cfg.Seed, shard: shardTag(cfg)},
		maxSteps:  spec.MaxSteps,
		maxAction: limit(cfg.MaxActionBytes, DefaultMaxActionBytes),
		maxText:   limit(cfg.MaxRecordText, DefaultMaxRecordText),
	}, nil
}

// shardTag is the tag of the run's records: nil unsharded.
func shardTag(cfg *Config) *shard.Tag {
	if !cfg.Shard.Sharded() {
		return nil
	}
	return &shard.Tag{Index: cfg.Shard.Index, Count: cfg.Shard.Count, Total: cfg.Episodes, Seed: cfg.Seed}
}

func canonicalOptions(opts dojo.Options) ([]byte, error) {
	b, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}
	return canonicalJSON(b)
}

func (r *run) newEnv() (dojo.Env, error) {
	return r.cfg.Registry.Make(r.cfg.Env, r.cfg.Options)
}

// finished is a worker's report on one episode.
type finished struct {
	ep    Episode
	line  []byte // the record as a line of JSON, when there is a file
	drop  bool   // failed because the run was canceled: not recorded
	abort error  // the run must stop
}

// worker plays one episode in flight at a time.
type worker struct {
	r    *run
	env  dojo.Env // nil after a panic until remade
	spec dojo.Spec
	held bool // holds a token of r.cpu
}

// compute waits for a CPU slot, when episodes in flight outnumber the
// workers.
func (w *worker) compute(ctx context.Context) error {
	if w.r.cpu == nil || w.held {
		return nil
	}
	select {
	case w.r.cpu <- struct{}{}:
		w.held = true
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait gives the CPU slot up while the episode waits on its agent.
func (w *worker) wait() {
	if w.held {
		<-w.r.cpu
		w.held = false
	}
}

func (w *worker) closeEnv() {
	if w.env == nil {
		return
	}
	func() {
		defer func() { recover() }() // a broken env may panic on Close too
		dojo.Close(w.env)
	}()
	w.env = nil
}

// play runs episode i and reports it.
func (w *worker) play(i int) finished {
	r, cfg := w.r, w.r.cfg
	ep := Episode{Episode: i, Env: cfg.Env, Options: r.options, Seed: cfg.Seed + uint64(i), Agent: cfg.AgentName, Shard: r.id.shard}
	start := time.Now()
	ctx, cancel := r.ctx, context.CancelFunc(func() {})
	if cfg.EpisodeTimeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, cfg.EpisodeTimeout)
	}
	var f finished
	e := &episode{w: w, ctx: ctx, ep: &ep}
	err := e.run()
	cancel()
	if e.agent != nil {
		if ender, ok := e.agent.(dojo.EpisodeEnder); ok {
			if perr := endEpisode(r.ctx, ender, &ep, err); perr != nil && err == nil {
				err = perr
			}
		}
		if u, ok := e.agent.(dojo.UsageReporter); ok {
			ep.Usage = u.Usage()
		}
	}
	ep.WallMS = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		if r.ctx.Err() != nil {
			// Failed because the run stops: run it again on resume.
			f.drop = true
			return f
		}
		if dojo.IsFatal(err) || e.phase == phaseNewAgent && dojo.ErrorCode(err) == dojo.CodeInvalid {
			f.abort = errors.Unwrap(err) // the agent's own words, without "NewAgent: "
			return f
		}
		ep.Error = err.Error()
		ep.ErrorCode = dojo.ErrorCode(err)
		if ep.ErrorCode == "" {
			ep.ErrorCode = dojo.CodeInternal
		}
	}
	if cfg.NoSteps {
		ep.Reset, ep.Steps = nil, nil
	}
	if cfg.Out != "" {
		f.line = marshalLine(&ep)
	}
	f.ep = ep
	return f
}

func endEpisode(ctx context.Context, ender dojo.EpisodeEnder, ep *Episode, err error) (perr error) {
	defer func() {
		if p := recover(); p != nil {
			perr = dojo.Errorf(dojo.CodeInternal, "panic in agent EndEpisode: %v", p)
		}
	}()
	// The agent hears how its episode ended even when the run is stopping.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	ender.EndEpisode(ctx, dojo.EpisodeEnd{Return: ep.Return, Success: ep.Success, Length: ep.Length, Err: err})
	return nil
}

type phase string

const (
	phaseMake     phase = "making the env"
	phaseReset    phase = "env Reset"
	phaseNewAgent phase = "NewAgent"
	phaseAct      phase = "agent Act"
	phaseStep     phase = "env Step"
	phaseState    phase = "env State"
)

// episode is one episode in progress.
type episode struct {
	w     *worker
	ctx   context.Context // the episode's: run context plus its deadline
	ep    *Episode
	agent dojo.Agent
	phase phase
}

// run plays the episode into e.ep and returns why it failed, if it did. A
// panic is returned as an error naming where it happened.
func (e *episode) run() (err error) {
	w, r := e.w, e.w.r
	ep := e.ep
	defer w.wait()
	defer func() {
		if p := recover(); p != nil {
			err = dojo.Errorf(dojo.CodeInternal, "panic in %s at step %d: %v", e.phase, ep.Length, p)
			w.closeEnv() // its state is unknown: make a fresh one next time
			return
		}
		if err != nil {
			err = e.explain(err)
		}
	}()
	e.phase = phaseMake
	if err := w.compute(e.ctx); err != nil {
		return err
	}
	if w.env == nil {
		env, err := r.newEnv()
		if err != nil {
			return err
		}
		w.env, w.spec = env, env.Spec()
	}
	env := w.env
	maxSteps := max(w.spec.MaxSteps, r.maxSteps)
	ctx := e.ctx

	e.phase = phaseReset
	obs, info, err := env.Reset(ctx, ep.Seed)
	if err != nil {
		return err
	}
	var states *stateRecorder
	stater, _ := env.(dojo.Stater)
	if !r.cfg.NoSteps {
		ep.Reset = &ResetRecord{Obs: snapshotObs(obs), Info: snapshotInfo(info)}
		clipObs(&ep.Reset.Obs, r.maxText)
		clipInfo(&ep.Reset.Info, r.maxText)
		if stater != nil {
			e.phase = phaseState
			states = &stateRecorder{}
			if ep.Reset.State, err = states.reset(stater); err != nil {
				return err
			}
		}
	}

	e.phase = phaseNewAgent
	w.wait()
	e.agent, err = r.cfg.Agent.NewAgent(ctx, dojo.EpisodeStart{
		Index:  ep.Episode,
		Seed:   ep.Seed,
		Spec:   w.spec,
		Tools:  slices.Clone(obs.ToolsOr(&w.spec)),
		Env:    env,
		NewEnv: r.newEnv,
	})
	if err == nil && e.agent == nil {
		err = dojo.Errorf(dojo.CodeInternal, "the agent maker returned no agent and no error")
	}
	if err != nil {
		return err
	}
	if err := w.compute(ctx); err != nil {
		return err
	}

	turn := dojo.Turn{Obs: obs, Info: info}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e.phase = phaseAct
		w.wait()
		a, err := e.act(turn)
		if err != nil {
			return err
		}
		if err := checkAction(a, r.maxAction); err != nil {
			return err
		}
		if err := w.compute(ctx); err != nil {
			return err
		}
		e.phase = phaseStep
		s, err := env.Step(ctx, a)
		if err != nil {
			return err
		}
		ep.Length++
		if p := r.cfg.Progress; p != nil {
			p.step()
		}
		ep.Return += s.Reward
		ep.Parts = addParts(ep.Parts, s.Info.Parts)
		for _, name := range r.cfg.Series {
			if ep.Series == nil {
				ep.Series = make(map[string][]float64, len(r.cfg.Series))
			}
			v, _ := s.Info.Metrics.Get(name)
			ep.Series[name] = append(ep.Series[name], v)
		}
		if !r.cfg.NoSteps {
			c := snapshotStep(s)
			rec := StepRecord{
				Step: ep.Length, Action: snapshotAction(a), Obs: c.Obs, Reward: c.Reward,
				Terminated: c.Terminated, Truncated: c.Truncated, Info: c.Info,
			}
			clipAction(&rec.Action, r.maxText)
			clipObs(&rec.Obs, r.maxText)
			clipInfo(&rec.Info, r.maxText)
			if states != nil {
				e.phase = phaseState
				if rec.State, err = states.step(stater); err != nil {
					return err
				}
			}
			ep.Steps = append(ep.Steps, rec)
		}
		if s.Done() {
			ep.Success, ep.Terminated, ep.Truncated = s.Info.Success, s.Terminated, s.Truncated
			return nil
		}
		if ep.Length >= maxSteps {
			return dojo.Errorf(dojo.CodeInternal, "%s did not end the episode within max_steps=%d (a bug in the env: it must truncate)", r.cfg.Env, maxSteps)
		}
		turn = dojo.Turn{Step: ep.Length, Obs: s.Obs, Reward: s.Reward, Info: s.Info}
	}
}

// act asks the agent for an action under the action timeout, retrying
// transient failures.
func (e *episode) act(t dojo.Turn) (dojo.Action, error) {
	cfg := e.w.r.cfg
	delay := cfg.RetryDelay
	for attempt := 0; ; attempt++ {
		actx, cancel := e.ctx, context.CancelFunc(func() {})
		if cfg.ActionTimeout > 0 {
			actx, cancel = context.WithTimeout(e.ctx, cfg.ActionTimeout)
		}
		t0 := time.Now()
		act, err := e.agent.Act(actx, t)
		cancel()
		if cfg.ActionTimeout > 0 && e.ctx.Err() == nil && time.Since(t0) >= cfg.ActionTimeout {
			msg := fmt.Sprintf("action timeout %v exceeded", cfg.ActionTimeout)
			if err != nil {
				msg += ": " + err.Error() // keeps what the agent said (an exec agent's stderr tail)
			}
			return act, &dojo.Error{Code: dojo.CodeTimeout, Err: context.DeadlineExceeded, Msg: msg}
		}
		if err == nil || attempt >= cfg.Retries || dojo.ErrorCode(err) != dojo.CodeUnavailable || e.ctx.Err() != nil {
			return act, err
		}
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-e.ctx.Done():
			timer.Stop()
			return act, err
		}
		delay = min(2*delay, maxRetryDelay)
	}
}

// explain prefixes err with where it happened, and turns a passed episode
// deadline into a timeout whatever the env or agent made of it.
func (e *episode) explain(err error) error {
	where := fmt.Sprintf("%s at step %d", e.phase, e.ep.Length)
	if e.phase == phaseMake || e.phase == phaseReset || e.phase == phaseNewAgent {
		where = string(e.phase)
	}
	cfg := e.w.r.cfg
	if cfg.EpisodeTimeout > 0 && errors.Is(e.ctx.Err(), context.DeadlineExceeded) && e.w.r.ctx.Err() == nil {
		return &dojo.Error{Code: dojo.CodeTimeout, Err: err,
			Msg: fmt.Sprintf("episode deadline %v exceeded (%s: %v)", cfg.EpisodeTimeout, where, err)}
	}
	return &dojo.Error{Code: codeOf(err), Err: err, Msg: fmt.Sprintf("%s: %v", where, err)}
}

func codeOf(err error) dojo.Code {
	if c := dojo.ErrorCode(err); c != "" {
		return c
	}
	return dojo.CodeInternal
}
