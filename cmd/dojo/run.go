package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/agents/openai"
	"github.com/dojo-rl/dojo/protocol"
	"github.com/dojo-rl/dojo/runner"
)

func cmdRun(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "run", "ID --agent A [--episodes N] [--seed S] [--workers W] [--out F] [--opt k=v ...] [--reward P] [--shard i/n] [--allow-errors]")
	af := addAgentFlags(fs, "random")
	episodes := fs.Int("episodes", 10, "number of episodes")
	seed := fs.Uint64("seed", 0, "seed of episode 0; episode i gets seed+i")
	workers := fs.Int("workers", 0, "parallel CPU workers (0: GOMAXPROCS); for CPU-bound agents also the episodes in flight")
	out := fs.String("out", "", "append one JSON line per episode to this `file`; an existing file of the same run is resumed")
	reward := fs.String("reward", "", "reward profile: sparse, shaped, a named preset, or `name=weight,...`")
	timeout := fs.Duration("timeout", 0, "deadline per episode (0: none)")
	actionTimeout := fs.Duration("action-timeout", 0, "deadline per agent action (0: none)")
	noSteps := fs.Bool("no-steps", false, "leave the steps out of the episode lines")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	watch := fs.Bool("watch", false, "show the episodes in the viewer as they finish (viewer build: go build -tags ebiten)")
	allowErrors := fs.Bool("allow-errors", false, allowErrorsUsage)
	shardFlag := addShardFlag(fs)
	rf := addRecordFlags(fs)
	var opts optFlags
	fs.Var(&opts, "opt", "env option `key=value` (repeatable; dojo describe ID lists them)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "run")
	if err != nil {
		return err
	}
	if *episodes < 1 {
		return usagef("--episodes %d: want at least 1", *episodes)
	}
	if *workers < 0 {
		return usagef("--workers %d: want 0 (GOMAXPROCS) or more", *workers)
	}
	sh, err := resolveShard(a, "run", *shardFlag)
	if err != nil {
		return err
	}
	if err := checkShardSize(sh, *episodes, "episodes"); err != nil {
		return err
	}
	o, err := resolveOptions(a.reg, id, opts, *reward)
	if err != nil {
		return err
	}
	maker, name, done, err := af.make(a)
	if err != nil {
		return err
	}
	defer done()
	cfg := runner.Config{
		Registry:       a.reg,
		Env:            id,
		Options:        o,
		Agent:          maker,
		AgentName:      name,
		Episodes:       *episodes,
		Seed:           *seed,
		Workers:        *workers,
		InFlight:       af.inFlight(),
		Out:            *out,
		EpisodeTimeout: *timeout,
		ActionTimeout:  *actionTimeout,
		NoSteps:        *noSteps,
		Shard:          sh,
	}
	if err := rf.apply(&cfg); err != nil {
		return err
	}
	prog, err := newProgress(a, *asJSON, maker)
	if err != nil {
		return err
	}
	defer prog.Close()
	defer exitIfStuck(ctx, a, "run")()
	cfg.Progress = prog
	dataNotes(ctx, a, "run", dataEntry{id, o})
	start := time.Now()
	report := func(sum *runner.Summary, err error) error {
		prog.Close()
		dedupeNote(a, sum, *out)
		return reportRun(a, sum, err, *asJSON, start, *allowErrors)
	}
	if *watch {
		return runWatched(ctx, a, cfg, report)
	}
	return report(runner.Run(ctx, cfg))
}

// reportRun prints a run's summary, says how to resume an interrupted
// one, and reports episodes failed with infrastructure errors (exit 1
// unless allowErrors).
func reportRun(a *app, sum *runner.Summary, err error, asJSON bool, start time.Time, allowErrors bool) error {
	if sum != nil {
		if asJSON {
			if werr := writeJSON(a.stdout, sum); werr != nil {
				return werr
			}
		} else {
			sum.WriteTable(a.stdout)
		}
	}
	if err != nil {
		if dojo.ErrorCode(err) == dojo.CodeCanceled {
			fmt.Fprintf(a.stderr, "dojo run: interrupted after %v; rerun the same command to resume\n", time.Since(start).Round(time.Millisecond))
		}
		return err
	}
	return checkRun(a, sum, allowErrors)
}

// agentFlags are the flags that choose an agent: --agent and the LLM
// agent's settings.
type agentFlags struct {
	name                   *string
	model                  *string
	temperature, rps       *float64
	maxTokens, concurrency *int
	history                *string
}

func addAgentFlags(fs *flag.FlagSet, def string) *agentFlags {
	return &agentFlags{
		name:        fs.String("agent", def, "the `agent`: a built-in name[:k=v,...] (dojo agents lists them), exec:CMD (a program speaking the agent side of the stdio protocol), or openai:BASE_URL (an OpenAI-compatible server; key from DOJO_API_KEY or OPENAI_API_KEY)"),
		model:       fs.String("model", "", "model name, for --agent openai:..."),
		temperature: fs.Float64("temperature", -1, "sampling temperature, for --agent openai:... (negative: the server's default)"),
		maxTokens:   fs.Int("max-tokens", 0, "completion token limit per turn, for --agent openai:... (0: the server's default)"),
		concurrency: fs.Int("concurrency", 0, fmt.Sprintf("episodes in flight, whatever --workers, for agents that wait: openai:... (also the requests in flight at most; 0: %d) and exec:... (one process per episode in flight; 0: --workers)", openai.DefaultConcurrency)),
		rps:         fs.Float64("rps", 0, "requests per second at most across all episodes, for --agent openai:... (a token bucket of one: requests spaced 1/rps apart; 0: no limit)"),
		history:     fs.String("history", "full", "the conversation sent each turn, for --agent openai:...: full, or last:K (the first messages and the last K turns; recorded in the agent name)"),
	}
}

// inFlight is the episodes in flight the runner is asked for: --concurrency
// for an exec agent; 0 (the default) otherwise, for the openai agent says
// it itself (runner.InFlighter).
func (f *agentFlags) inFlight() int {
	if strings.HasPrefix(*f.name, "exec:") {
		return *f.concurrency
	}
	return 0
}

// make returns the agent the flags name, its recorded name, and a function
// that releases it (stops an exec agent's processes).
func (f *agentFlags) make(a *app) (dojo.AgentMaker, string, func(), error) {
	if *f.concurrency < 0 {
		return nil, "", nil, usagef("--concurrency %d: want 0 (the agent's default) or more", *f.concurrency)
	}
	if !(*f.rps >= 0) {
		return nil, "", nil, usagef("--rps %v: want requests per second, 0 for no limit", *f.rps)
	}
	last, err := openai.ParseHistory(*f.history)
	if err != nil {
		return nil, "", nil, usagef("--%v", err)
	}
	m, name, err := makeAgent(a, *f.name, openai.Config{Model: *f.model, MaxTokens: *f.maxTokens, Concurrency: *f.concurrency, RPS: *f.rps, LastTurns: last}, *f.temperature)
	done := func() {}
	if c, ok := m.(io.Closer); ok {
		done = func() { c.Close() }
	}
	return m, name, done, err
}

// makeAgent returns the agent named on the command line and the name its
// episodes are recorded under (which resuming must match).
func makeAgent(a *app, spec string, llm openai.Config, temperature float64) (_ dojo.AgentMaker, _ string, err error) {
	switch {
	case strings.HasPrefix(spec, "exec:"):
		if llm.RPS != 0 || llm.LastTurns != 0 {
			return nil, "", usagef("--rps and --history are for --agent openai:BASE_URL, not %q (an exec agent calling a model paces and trims its own requests)", spec)
		}
		cmdline := strings.TrimPrefix(spec, "exec:")
		ag, err := protocol.NewExecAgent(cmdline, protocol.ExecOptions{Log: a.stderr})
		if err != nil {
			return nil, "", err
		}
		return ag, spec, nil
	case strings.HasPrefix(spec, openai.Prefix):
		if temperature >= 0 {
			llm.Temperature = &temperature
		}
		if llm.UnreachableAfter, err = unreachableAfter(os.Getenv); err != nil {
			return nil, "", err
		}
		ag, err := openai.FromFlag(spec, llm, os.Getenv)
		if err != nil {
			return nil, "", err
		}
		return ag, ag.Name(), nil
	}
	if llm.Model != "" || llm.MaxTokens != 0 || llm.Concurrency != 0 || llm.RPS != 0 || llm.LastTurns != 0 || temperature >= 0 {
		return nil, "", usagef("--model, --temperature, --max-tokens, --concurrency, --rps and --history are for --agent openai:BASE_URL (--concurrency for exec:CMD too), not %q", spec)
	}
	ag, err := agents.New(spec)
	return ag, spec, err
}
