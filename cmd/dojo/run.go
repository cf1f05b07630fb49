package main

import (
	"context"
	"fmt"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/runner"
)

func cmdRun(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "run", "ID --agent A [--episodes N] [--seed S] [--workers W] [--out F] [--opt k=v ...] [--reward P]")
	agentName := fs.String("agent", "random", "built-in agent, with optional parameters `name[:k=v,...]` (dojo agents lists them)")
	episodes := fs.Int("episodes", 10, "number of episodes")
	seed := fs.Uint64("seed", 0, "seed of episode 0; episode i gets seed+i")
	workers := fs.Int("workers", 0, "parallel workers (0: GOMAXPROCS)")
	out := fs.String("out", "", "append one JSON line per episode to this `file`; an existing file of the same run is resumed")
	reward := fs.String("reward", "", "reward profile: sparse, shaped, a named preset, or `name=weight,...`")
	timeout := fs.Duration("timeout", 0, "deadline per episode (0: none)")
	actionTimeout := fs.Duration("action-timeout", 0, "deadline per agent action (0: none)")
	noSteps := fs.Bool("no-steps", false, "leave the steps out of the episode lines")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
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
	o, err := resolveOptions(a.reg, id, opts, *reward)
	if err != nil {
		return err
	}
	maker, err := agents.New(*agentName)
	if err != nil {
		return err
	}
	cfg := runner.Config{
		Registry:       a.reg,
		Env:            id,
		Options:        o,
		Agent:          maker,
		AgentName:      *agentName,
		Episodes:       *episodes,
		Seed:           *seed,
		Workers:        *workers,
		Out:            *out,
		EpisodeTimeout: *timeout,
		ActionTimeout:  *actionTimeout,
		NoSteps:        *noSteps,
	}
	if a.tty && !*asJSON {
		cfg.Progress = a.stderr
	}
	start := time.Now()
	sum, err := runner.Run(ctx, cfg)
	if sum != nil {
		if *asJSON {
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
	return nil
}
