package main

import (
	"context"

	"github.com/dojo-rl/dojo/bench"
)

func cmdBenchPlan(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "bench plan", "SUITE [--trials K] [--limit N] [--max-tokens T] [--bytes-per-token B] [--json]")
	trials := fs.Int("trials", 1, "trials per task, as dojo bench run --trials")
	limit := fs.Int("limit", 0, "plan a partial run of the first N tasks of each entry, as dojo bench run --limit (0: every task)")
	maxTokens := fs.Int("max-tokens", 0, "completion token limit per turn, as dojo bench run --max-tokens (0: assume 1024)")
	bpt := fs.Float64("bytes-per-token", 1, "fewest bytes of prompt per token: 1 bounds byte-level tokenizers; 3-4 estimates English prose, not a bound")
	workers := fs.Int("workers", 0, "parallel workers measuring the tasks (0: GOMAXPROCS)")
	asJSON := fs.Bool("json", false, "print the plan as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("bench plan needs exactly one suite (a name from dojo bench list, or a .json suite file), got %q", pos)
	}
	if *bpt <= 0 {
		return usagef("--bytes-per-token %v: want a positive number (1 bounds byte-level tokenizers)", *bpt)
	}
	return printPlan(ctx, a, pos[0], bench.PlanConfig{Trials: *trials, Limit: *limit, MaxTokens: *maxTokens, BytesPerToken: *bpt, Workers: *workers}, *asJSON)
}

// printPlan works out and prints the plan of a run of the suite named
// name (dojo bench plan, dojo bench run --dry-run). Nothing is sent to any
// agent.
func printPlan(ctx context.Context, a *app, name string, cfg bench.PlanConfig, asJSON bool) error {
	switch {
	case cfg.Trials < 1:
		return usagef("--trials %d: want at least 1", cfg.Trials)
	case cfg.Limit < 0:
		return usagef("--limit %d: want 0 (every task) or more", cfg.Limit)
	case cfg.MaxTokens < 0:
		return usagef("--max-tokens %d: want 0 or more", cfg.MaxTokens)
	case cfg.Workers < 0:
		return usagef("--workers %d: want 0 (GOMAXPROCS) or more", cfg.Workers)
	}
	suite, err := suiteArg(name)
	if err != nil {
		return err
	}
	cfg.Registry, cfg.Suite = a.reg, suite
	p, err := bench.MakePlan(ctx, cfg)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(a.stdout, p)
	}
	return p.WriteTable(a.stdout)
}
