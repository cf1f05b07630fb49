package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/bench"
	"github.com/dojo-rl/dojo/runner"
)

// benchCommands are the subcommands of dojo bench.
var benchCommands = []command{
	{"list", "the built-in suites, or one suite's manifest", cmdBenchList},
	{"plan", "what a run will cost an LLM agent: episodes, requests and a token bound per entry", cmdBenchPlan},
	{"run", "benchmark an agent on a suite: report.json, report.md and plots", cmdBenchRun},
	{"merge", "merge the shard directories of a run (bench run --shard i/n) into the whole run's", cmdBenchMerge},
	{"report", "make the report of a run directory again", cmdBenchReport},
	{"compare", "compare two runs of a suite, env by env, with intervals", cmdBenchCompare},
	{"perf", "throughput: steps/s per family and worker count, verifications/s, protocol round trips", cmdBenchPerf},
	{"rewards", "reward lab: how each reward part and profile tracks success, and hacking candidates; --learn ID: what a learner learns under each profile", cmdBenchRewards},
}

func cmdBench(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := a.stdout
		if len(args) == 0 {
			w = a.stderr
		}
		fmt.Fprintln(w, "usage: dojo bench COMMAND [arguments]\n\ncommands:")
		for _, c := range benchCommands {
			fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
		}
		if len(args) == 0 {
			return usagef("bench needs a command")
		}
		return nil
	}
	for _, c := range benchCommands {
		if c.name == args[0] {
			return c.run(ctx, a, args[1:])
		}
	}
	names := make([]string, len(benchCommands))
	for i, c := range benchCommands {
		names[i] = c.name
	}
	return usagef("unknown bench command %q (commands: %s)", args[0], strings.Join(names, ", "))
}

// suiteArg returns the suite named by a built-in name or a .json file.
func suiteArg(name string) (*bench.Suite, error) {
	if strings.HasSuffix(name, ".json") {
		return bench.ReadSuite(name)
	}
	return bench.Lookup(name)
}

func cmdBenchList(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "bench list", "[SUITE] [--json]")
	asJSON := fs.Bool("json", false, "print as JSON (the manifests)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	var suites []*bench.Suite
	switch len(pos) {
	case 0:
		suites = bench.Suites()
	case 1:
		s, err := suiteArg(pos[0])
		if err != nil {
			return err
		}
		suites = []*bench.Suite{s}
	default:
		return usagef("bench list takes at most one suite, got %q", pos)
	}
	var ms []*bench.Manifest
	for _, s := range suites {
		m, err := s.Manifest(a.reg)
		if err != nil {
			return err
		}
		ms = append(ms, m)
	}
	if *asJSON {
		return writeJSON(a.stdout, ms)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	if len(pos) == 0 {
		fmt.Fprintln(tw, "suite\tentries\ttasks\tmanifest sha256\tdescription")
		for i, s := range suites {
			tasks := 0
			for _, e := range s.Entries {
				tasks += e.Tasks
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", s.Name, len(s.Entries), tasks, ms[i].Short(), s.Description)
		}
		return tw.Flush()
	}
	m := ms[0]
	fmt.Fprintf(a.stdout, "%s: manifest sha256 %s\n\n", m.Suite, m.SHA256)
	fmt.Fprintln(tw, "env\ttasks\tfirst seed\tsha256")
	for _, e := range m.Entries {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", e.Label, e.Tasks, e.Seed, e.SHA256[:12])
	}
	return tw.Flush()
}

func cmdBenchRun(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "bench run", "SUITE --agent A [--trials K] [--out DIR] [--workers W] [--shard i/n] [--allow-errors]")
	af := addAgentFlags(fs, "random")
	trials := fs.Int("trials", 1, "trials per task, for pass@k and pass^k")
	out := fs.String("out", "", "run `directory` (default bench-SUITE-AGENT); an existing run of the same suite and agent is resumed")
	workers := fs.Int("workers", 0, "parallel CPU workers (0: GOMAXPROCS); for CPU-bound agents also the episodes in flight")
	timeout := fs.Duration("timeout", 0, "deadline per episode (0: none)")
	actionTimeout := fs.Duration("action-timeout", 0, "deadline per agent action (0: none)")
	retries := fs.Int("retries", 0, "retries of an agent action failing with a transient error (an LLM server's 429 or 5xx)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	limit := fs.Int("limit", 0, "play only the first N tasks of each entry: a partial run (smoke test) whose manifest hash and report say so (0: every task)")
	dryRun := fs.Bool("dry-run", false, "print the plan (as dojo bench plan) and send nothing")
	allowErrors := fs.Bool("allow-errors", false, allowErrorsUsage+"; the run goes on past entries whose episodes failed so")
	shardFlag := addShardFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("bench run needs exactly one suite (a name from dojo bench list, or a .json suite file), got %q", pos)
	}
	if *dryRun {
		return printPlan(ctx, a, pos[0], bench.PlanConfig{Trials: *trials, Limit: *limit, MaxTokens: *af.maxTokens, Workers: *workers}, *asJSON)
	}
	if *limit < 0 {
		return usagef("--limit %d: want 0 (every task) or more", *limit)
	}
	if *trials < 1 {
		return usagef("--trials %d: want at least 1", *trials)
	}
	if *workers < 0 {
		return usagef("--workers %d: want 0 (GOMAXPROCS) or more", *workers)
	}
	suite, err := suiteArg(pos[0])
	if err != nil {
		return err
	}
	sh, err := resolveShard(a, "bench run", *shardFlag)
	if err != nil {
		return err
	}
	maker, name, done, err := af.make(a)
	if err != nil {
		return err
	}
	defer done()
	dir := *out
	if dir == "" {
		dir = bench.DefaultDir(suite.Name, name)
		if sh.Sharded() {
			dir += fmt.Sprintf("-shard-%d-of-%d", sh.Index, sh.Count)
		}
	}
	cfg := bench.Config{
		Registry: a.reg, Suite: suite, Agent: maker, AgentName: name, Trials: *trials, Limit: *limit,
		Dir: dir, Workers: *workers, InFlight: af.inFlight(), EpisodeTimeout: *timeout, ActionTimeout: *actionTimeout, Retries: *retries,
		Log: a.stderr, AllowErrors: *allowErrors, Shard: sh,
	}
	prog, err := newProgress(a, *asJSON, maker)
	if err != nil {
		return err
	}
	defer prog.Close()
	cfg.Progress = prog
	dataNotes(ctx, a, "bench run", suiteData(suite)...)
	start := time.Now()
	rep, err := bench.Run(ctx, cfg)
	prog.Close()
	if rep == nil {
		if dojo.ErrorCode(err) == dojo.CodeCanceled {
			fmt.Fprintf(a.stderr, "dojo bench run: interrupted after %v; rerun the same command to resume\n", time.Since(start).Round(time.Millisecond))
		}
		return err
	}
	played := 0
	for _, e := range rep.Entries {
		played += e.Episodes
	}
	if played == 0 && err != nil && !*asJSON {
		// Stopped before any episode: the table would be empty rows.
		fmt.Fprintf(a.stdout, "no episode played; report in %s\n", filepath.Join(dir, "report.md"))
	} else if perr := printReport(a, rep, dir, *asJSON, time.Since(start)); perr != nil {
		return perr
	}
	return checkBench(a, rep, err, *allowErrors)
}

func printReport(a *app, rep *bench.Report, dir string, asJSON bool, took time.Duration) error {
	if asJSON {
		return writeJSON(a.stdout, rep)
	}
	fmt.Fprintf(a.stdout, "%s, agent %s, %d trial(s): manifest sha256 %s\n", rep.Suite, rep.Agent, rep.Trials, rep.SHA256)
	if rep.Partial != "" {
		fmt.Fprintf(a.stdout, "%s (--limit): a smoke test, not the suite's result\n", rep.Partial)
	}
	fmt.Fprintln(a.stdout)
	if err := rep.WriteTable(a.stdout); err != nil {
		return err
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(a.stdout, "note: %s\n", n)
	}
	if took > 0 {
		fmt.Fprintf(a.stdout, "\n%s episodes in %v; ", fmt.Sprint(rep.Overall.Episodes), took.Round(time.Millisecond))
	} else {
		fmt.Fprintln(a.stdout)
	}
	fmt.Fprintf(a.stdout, "report in %s\n", filepath.Join(dir, "report.md"))
	return nil
}

func cmdBenchReport(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "bench report", "DIR [--json]")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("bench report needs exactly one run directory, got %q", pos)
	}
	rep, err := bench.Load(pos[0])
	if err != nil {
		return err
	}
	if err := rep.WriteFiles(pos[0]); err != nil {
		return err
	}
	return printReport(a, rep, pos[0], *asJSON, 0)
}

func cmdBenchCompare(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "bench compare", "DIR_A DIR_B [--out DIR] [--force] [--json]")
	out := fs.String("out", "", "also write compare.md, compare.json and the plots of both runs to this `directory`")
	force := fs.Bool("force", false, "compare runs of different work (manifest hashes differ), entry by entry where the entries match")
	asJSON := fs.Bool("json", false, "print the comparison as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("bench compare needs two run directories, got %q", pos)
	}
	ra, err := bench.Load(pos[0])
	if err != nil {
		return err
	}
	rb, err := bench.Load(pos[1])
	if err != nil {
		return err
	}
	cmp, err := bench.Compare(ra, rb, *force)
	if err != nil {
		return err
	}
	for _, w := range cmp.Warnings {
		fmt.Fprintf(a.stderr, "WARNING: %s\n", w)
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		if err := cmp.WriteFiles(*out); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSON(a.stdout, cmp)
	}
	if err := cmp.WriteTable(a.stdout); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(a.stdout, "\ncomparison in %s\n", filepath.Join(*out, "compare.md"))
	}
	return nil
}

func cmdBenchPerf(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "bench perf", "[--workers N] [--duration D] [--rounds R] [--out FILE] [--json]")
	workers := fs.Int("workers", 0, "measure with 1..N workers (0: GOMAXPROCS)")
	duration := fs.Duration("duration", 100*time.Millisecond, "time spent on each measurement (longer is steadier: try 2s)")
	rounds := fs.Int("rounds", 3, "rounds of measurements of each env and worker count; the best is kept")
	out := fs.String("out", "perf.json", "write the measurements to this JSON `file` (\"\": none)")
	asJSON := fs.Bool("json", false, "print the measurements as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("bench perf takes no arguments, got %q", pos)
	}
	if *workers < 0 || *duration <= 0 || *rounds < 1 {
		return usagef("--workers %d --duration %v --rounds %d: want workers ≥ 0, a positive duration and at least one round", *workers, *duration, *rounds)
	}
	cfg := bench.PerfConfig{Registry: a.reg, Workers: *workers, Duration: *duration, Rounds: *rounds}
	if !*asJSON {
		cfg.Log = a.stderr
	}
	rep, err := bench.Perf(ctx, cfg)
	if err != nil {
		return err
	}
	if *out != "" {
		if err := rep.WriteJSON(*out); err != nil {
			return err
		}
	}
	if *asJSON {
		return writeJSON(a.stdout, rep)
	}
	if err := rep.WriteTable(a.stdout); err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(a.stdout, "\nmeasurements in %s\n", *out)
	}
	return nil
}

func cmdBenchRewards(ctx context.Context, a *app, args []string) error {
	if learnMode(args) {
		return cmdBenchLearning(ctx, a, args)
	}
	fs := newFlags(a, "bench rewards", "RUN.jsonl ... [--top N] [--json] | --learn ID ... (the learning comparison)")
	top := fs.Int("top", 10, "hacking candidates listed per env and profile")
	asJSON := fs.Bool("json", false, "print the analysis as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("bench rewards needs one or more episode files (dojo run --out, or a bench run's episodes/*.jsonl)")
	}
	if *top < 0 {
		return usagef("--top %d: want 0 or more", *top)
	}
	var eps []runner.Episode
	for _, p := range pos {
		f, err := os.Open(p)
		if err != nil {
			return dojo.Errorf(dojo.CodeInvalid, "%v", err)
		}
		got, err := runner.ReadEpisodes(f)
		f.Close()
		if err != nil {
			return dojo.Errorf(dojo.CodeInvalid, "%s: %v", p, err)
		}
		eps = append(eps, got...)
	}
	lab, err := bench.AnalyzeRewards(eps, a.reg, *top)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(a.stdout, lab)
	}
	return lab.WriteText(a.stdout)
}
