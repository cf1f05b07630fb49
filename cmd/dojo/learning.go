package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/bench"
)

// learnMode reports whether the bench rewards arguments ask for the
// learning comparison (--learn ID) rather than the analysis of runs.
func learnMode(args []string) bool {
	return slices.ContainsFunc(args, func(s string) bool {
		for _, p := range []string{"--learn", "-learn"} {
			if s == p || strings.HasPrefix(s, p+"=") {
				return true
			}
		}
		return false
	})
}

// cmdBenchLearning is dojo bench rewards --learn ID: the same learner
// trained under each reward profile, its greedy policy scored on the
// sparse task.
func cmdBenchLearning(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "bench rewards", "--learn ID [--opt k=v ...] [--reward P ...] [--agent qlearning[:k=v,...]] [--episodes N] [--checkpoints K] [--seeds K] [--seed S] [--eval M] [--eval-seed S] [--workers W] [--out DIR] [--json]")
	id := fs.String("learn", "", "env `id` to compare the reward profiles of by learning")
	agent := fs.String("agent", "qlearning", "the learner: a built-in agent that takes an episodes parameter (its training budget), with its other parameters")
	episodes := fs.Int("episodes", 2000, "training budget N: the largest number of training episodes")
	checkpoints := fs.Int("checkpoints", 8, "budgets on the curve: N/K, 2N/K, ..., N (rounded, repeats dropped), each trained from scratch")
	seeds := fs.Int("seeds", 5, "independent training seeds per profile and budget")
	seed := fs.Uint64("seed", 0, "first training seed (seeds S, S+1, ...)")
	eval := fs.Int("eval", 100, "evaluation episodes of each learned policy on the sparse task")
	evalSeed := fs.Uint64("eval-seed", 1_000_000, "env seed of the first evaluation episode (the same episodes for every profile)")
	workers := fs.Int("workers", 0, "learners trained at once (0: GOMAXPROCS)")
	out := fs.String("out", "", "write learning.json, learning.md and learning.png into this `dir`")
	asJSON := fs.Bool("json", false, "print the comparison as JSON")
	var opts, rewards optFlags
	fs.Var(&opts, "opt", "env option `key=value` (repeatable)")
	fs.Var(&rewards, "reward", "a profile to train under: a name or `name=weight,...` (repeatable; default: sparse, shaped and the env's presets)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("bench rewards --learn takes no episode files (got %q): it trains its own learners", pos[0])
	}
	if *id == "" {
		return usagef("--learn needs an env id")
	}
	switch {
	case *episodes < 1:
		return usagef("--episodes %d: want at least 1", *episodes)
	case *checkpoints < 1:
		return usagef("--checkpoints %d: want at least 1", *checkpoints)
	case *seeds < 1:
		return usagef("--seeds %d: want at least 1", *seeds)
	case *eval < 1:
		return usagef("--eval %d: want at least 1", *eval)
	case *workers < 0:
		return usagef("--workers %d: want 0 (GOMAXPROCS) or more", *workers)
	}
	base, err := resolveOptions(a.reg, *id, opts, "")
	if err != nil {
		return err
	}
	if _, ok := base[dojo.RewardOption]; ok {
		return usagef("--opt reward=...: give the profiles to compare with --reward (repeatable)")
	}
	spec, err := a.reg.Spec(*id)
	if err != nil {
		return err
	}
	var profiles []bench.LearningProfile
	for _, r := range rewards {
		v, err := spec.ParseOptionString(dojo.RewardOption, r)
		if err != nil {
			return err
		}
		profiles = append(profiles, bench.LearningProfile{Name: r, Reward: v})
	}
	name, params, _ := strings.Cut(*agent, ":")
	if strings.Contains(","+params, ",episodes=") {
		return usagef("--agent %s: the training budget is --episodes (and --checkpoints), not the agent's episodes parameter", *agent)
	}
	learner := func(n int) (dojo.AgentMaker, error) {
		spec := fmt.Sprintf("%s:episodes=%d", name, n)
		if params != "" {
			spec += "," + params
		}
		m, err := agents.New(spec)
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "--agent %s: %v (the learner must be a built-in agent with a training budget, such as qlearning)", *agent, err).WithField("agent")
		}
		return m, nil
	}
	if _, err := learner(1); err != nil {
		return &usageError{err.Error()}
	}
	w := *workers
	if w == 0 {
		w = runtime.GOMAXPROCS(0)
	}
	rep, err := bench.Learning(ctx, bench.LearningConfig{
		Registry: a.reg, Env: *id, Options: base, Profiles: profiles,
		Learner: *agent, NewLearner: learner,
		Checkpoints: bench.Checkpoints(*episodes, *checkpoints),
		Seeds:       seedRange(*seed, *seeds), EvalEpisodes: *eval, EvalSeed: *evalSeed, Workers: w,
	})
	if err != nil {
		return err
	}
	if *out != "" {
		paths, err := rep.WriteFiles(*out)
		if err != nil {
			return err
		}
		if !*asJSON {
			defer fmt.Fprintf(a.stdout, "\nwrote %s\n", strings.Join(paths, ", "))
		}
	}
	if *asJSON {
		return writeJSON(a.stdout, rep)
	}
	return rep.WriteText(a.stdout)
}

func seedRange(first uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = first + uint64(i)
	}
	return out
}
