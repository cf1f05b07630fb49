package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/runner"
)

// demoRun is one line of the demo benchmark.
type demoRun struct {
	env      string
	opts     dojo.Options
	agent    string
	episodes int
}

// demoPlan is the demo: each family's flagship envs with the agents that
// tell a story on them (random as the floor, learners in between, the
// oracle as the ceiling). Families without a line here get random and
// oracle on their first env, so a new family shows up in the demo at once.
var demoPlan = []demoRun{
	{"gridworld/FrozenLake-v1", nil, "random", 1000},
	{"gridworld/FrozenLake-v1", nil, "qlearning", 100},
	{"gridworld/FrozenLake-v1", nil, "bfs", 1000},
	{"gridworld/FrozenLake-v1", nil, "oracle", 1000},
	{"gridworld/CliffWalking-v0", nil, "random", 200},
	{"gridworld/CliffWalking-v0", nil, "bfs", 200},
	{"gridworld/Taxi-v3", nil, "random", 500},
	{"gridworld/Taxi-v3", nil, "oracle", 500},
	{"gridworld/DoorKey-8x8-v0", nil, "random", 500},
	{"gridworld/DoorKey-8x8-v0", nil, "oracle", 500},
	{"gridworld/Maze-15x15-v0", nil, "random", 200},
	{"gridworld/Maze-15x15-v0", nil, "oracle", 200},
	{"bandit/Bernoulli-10-v0", nil, "random", 100},
	{"bandit/Bernoulli-10-v0", nil, "epsilon-greedy", 100},
	{"bandit/Bernoulli-10-v0", nil, "ucb1", 100},
	{"bandit/Bernoulli-10-v0", nil, "thompson", 100},
	{"bandit/Bernoulli-10-v0", nil, "oracle", 100},
	{"bandit/Linear-10-v0", nil, "random", 50},
	{"bandit/Linear-10-v0", nil, "linucb", 50},
	{"bandit/Linear-10-v0", nil, "oracle", 50},
	{"toolcall/Mixed-v0", nil, "random", 200},
	{"toolcall/Mixed-v0", nil, "oracle", 200},
	{"toolcall/Bank-v0", dojo.Options{"kind": "recovery"}, "oracle", 200},
	{"sql/Generated-v0", nil, "random", 200},
	{"sql/Generated-v0", nil, "oracle", 200},
	{"sql/Generated-v0", dojo.Options{"mode": "single", "difficulty": "hard"}, "oracle", 200},
	{"websim/SearchQA-v0", nil, "random", 200},
	{"websim/SearchQA-v0", nil, "searcher", 200},
	{"websim/SearchQA-v0", nil, "oracle", 200},
	{"websim/SearchR1-v0", dojo.Options{"hops": 4}, "searcher", 200},
	{"websim/SearchR1-v0", dojo.Options{"hops": 4}, "oracle", 200},
	{"websim/Shop-v0", nil, "baseline", 200}, // the env's first baseline: WebShop's rule baseline with options
	{"websim/Shop-v0", nil, "oracle", 200},
}

func cmdDemo(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "demo", "[--seed S] [--workers W]")
	seed := fs.Uint64("seed", 0, "base seed")
	workers := fs.Int("workers", 0, "parallel workers (0: GOMAXPROCS)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	plan := completePlan(a.reg, demoPlan)
	fmt.Fprintf(a.stdout, "dojo demo: %d runs over %d families (seed %d)\n\n", len(plan), len(families(a.reg.Specs())), *seed)
	// The table is aligned once every row is in; runs take milliseconds.
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "env\tagent\tepisodes\tsuccess\t95% CI\tmean return\tmean length\tsteps/s")
	start := time.Now()
	for _, r := range plan {
		maker, err := agents.New(r.agent)
		if err != nil {
			return err
		}
		sum, err := runner.Run(ctx, runner.Config{
			Registry: a.reg, Env: r.env, Options: r.opts,
			Agent: maker, AgentName: r.agent,
			Episodes: r.episodes, Seed: *seed, Workers: *workers, NoSteps: true,
		})
		if err != nil {
			return fmt.Errorf("%s with %s: %w", r.env, r.agent, err)
		}
		steps := sum.MeanLength * float64(sum.Completed)
		label := r.env
		for _, k := range slices.Sorted(maps.Keys(r.opts)) {
			label += fmt.Sprintf(" %s=%v", k, r.opts[k])
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%5.1f%%\t[%.1f, %.1f]\t%.3f\t%.1f\t%s\n",
			label, r.agent, sum.Episodes, 100*sum.SuccessRate, 100*sum.SuccessCI.Lo, 100*sum.SuccessCI.Hi,
			sum.MeanReturn, sum.MeanLength, rate(steps/sum.Wall.Seconds()))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "\n%d runs in %v. Next: dojo list; dojo describe ID; dojo run ID --agent A --episodes N --out run.jsonl\n",
		len(plan), time.Since(start).Round(time.Millisecond))
	return nil
}

// completePlan keeps the lines whose env is registered and adds random and
// oracle runs for families the plan does not cover.
func completePlan(reg *dojo.Registry, plan []demoRun) []demoRun {
	var out []demoRun
	covered := map[string]bool{}
	for _, r := range plan {
		if _, err := reg.Spec(r.env); err == nil {
			out = append(out, r)
			covered[dojo.Family(r.env)] = true
		}
	}
	for _, id := range reg.IDs() {
		f := dojo.Family(id)
		if covered[f] || strings.HasPrefix(f, "test") {
			continue
		}
		covered[f] = true
		out = append(out, demoRun{id, nil, "random", 20}, demoRun{id, nil, "oracle", 20})
	}
	return out
}

// rate formats a per-second rate compactly: 950, 12.3k, 4.56M.
func rate(x float64) string {
	switch {
	case x >= 1e6:
		return fmt.Sprintf("%.2fM", x/1e6)
	case x >= 1e3:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return fmt.Sprintf("%.0f", x)
}
