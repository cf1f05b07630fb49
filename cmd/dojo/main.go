// Command dojo runs, describes, checks and benchmarks dojo environments.
//
//	dojo list [--json]                  the registered envs
//	dojo describe ID [--json]           an env's spaces, rewards and options
//	dojo run ID --agent A [flags]       run episodes and print a summary
//	                                    (A: a built-in agent, exec:CMD or openai:BASE_URL)
//	dojo mdp ID [--opt k=v] [--json]    an env's exact transition model
//	dojo check [ID ...]                 conformance checks (without IDs, data-set envs
//	                                    whose data is absent are skipped)
//	dojo agents [--json]                the built-in agents
//	dojo serve                          the JSON-RPC 2.0 stdio server
//	dojo health [URL]                   probe a network server's /health (container health checks)
//	dojo mcp                            the tool envs as an MCP server on stdio
//	dojo gen ID --n N [--seed S]        generate verifiable tasks as JSON lines
//	dojo verify --tasks T --responses R score responses to generated tasks
//	dojo merge --out F SHARD ...        merge the files of run --shard i/n or gen --shard i/n
//	dojo reward [NAME]                  standalone scorers (toolrl, bfcl, em, f1, searchr1) as reward functions
//	dojo render RUN.jsonl --out F.gif   draw a recorded episode (GIF, PNG frames)
//	dojo watch RUN.jsonl                replay episodes in a window (viewer build: -tags ebiten)
//	dojo bench run SUITE --agent A      benchmark an agent on a suite (also list, report,
//	                                    merge, compare, perf, rewards)
//	dojo demo                           a short benchmark over every family
//
// Exit status: 0 ok; 1 runtime failure, including episodes of run or bench
// run that failed with an infrastructure error (missing data, an
// unreachable server, a crashed agent: unless --allow-errors) and a run
// stopped by a fatal agent error (an LLM server refusing the key, or
// unreachable for a minute); 2 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/internal/suggest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first Ctrl-C the run winds down cleanly; a second one
		// kills the process as usual.
		<-ctx.Done()
		stop()
	}()
	os.Exit(Main(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// app carries what every command needs.
type app struct {
	reg    *dojo.Registry
	stdout io.Writer
	stderr io.Writer
	// tty reports whether stderr is a terminal (for the live progress line).
	tty bool
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

var commands []command

func init() {
	// Filled here rather than in the declaration because help refers to
	// the table itself.
	commands = []command{
		{"list", "list the registered envs", cmdList},
		{"describe", "describe an env: spaces, rewards, options", cmdDescribe},
		{"run", "run episodes of an env with an agent", cmdRun},
		{"mdp", "print an env's exact transition model (Gymnasium's P layout)", cmdMDP},
		{"check", "check envs against the dojo contract", cmdCheck},
		{"agents", "list the built-in agents", cmdAgents},
		{"demo", "a short benchmark over every family with built-in agents", cmdDemo},
		{"serve", "serve envs over JSON-RPC on stdin and stdout, or over WebSocket and HTTP with --listen ADDR", cmdServe},
		{"health", "probe a network server's /health (exit 0 when healthy): the container health check", cmdHealth},
		{"mcp", "serve the tool envs as an MCP server on stdin and stdout (for MCP clients)", cmdMCP},
		{"gen", "generate verifiable tasks of a task-based env as JSON lines", cmdGen},
		{"verify", "score responses to generated tasks", cmdVerify},
		{"merge", "merge the shard files of dojo run --shard or dojo gen --shard into the whole run's file", cmdMerge},
		{"reward", "standalone scorers (toolrl, bfcl, em, f1, searchr1) for JSON lines on stdin", cmdReward},
		{"render", "draw a recorded episode as a GIF or PNG frames", cmdRender},
		{"watch", "replay recorded episodes in a window (viewer build)", cmdWatch},
		{"bench", "benchmark suites and reports, comparisons, throughput, the reward lab", cmdBench},
		{"help", "show help", cmdHelp},
	}
}

// usageError marks errors that exit with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Main runs the dojo command line and returns the exit status.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	a := &app{reg: envs.Default(), stdout: stdout, stderr: stderr}
	if f, ok := stderr.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			a.tty = true
		}
	}
	if len(args) == 0 {
		printHelp(stderr)
		return 2
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		printHelp(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == name {
			err := c.run(ctx, a, args[1:])
			return exitStatus(stderr, name, err)
		}
	}
	fmt.Fprintf(stderr, "dojo: unknown command %q (commands: %s)\n", name, commandNames())
	return 2
}

func exitStatus(stderr io.Writer, name string, err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "dojo %s: %v\n", name, err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	if dojo.IsFatal(err) {
		return 1 // the agent failed for good: a rejected key, an unreachable server
	}
	switch dojo.ErrorCode(err) {
	case dojo.CodeInvalid, dojo.CodeNotFound:
		return 2
	}
	return 1
}

func commandNames() string {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "dojo: simulated environments for agentic reinforcement learning")
	fmt.Fprintln(w, "\nusage: dojo COMMAND [arguments]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n'dojo COMMAND -h' shows a command's flags.")
	fmt.Fprintln(w, "\nexit status:")
	fmt.Fprintln(w, "  0  ok")
	fmt.Fprintln(w, "  1  runtime failure; for run and bench run also: episodes failed with an infrastructure")
	fmt.Fprintln(w, "     error (not_found, unavailable, internal, invalid, state: missing data, an unreachable")
	fmt.Fprintln(w, "     server, a crashed agent), listed on stderr with the first message of each kind")
	fmt.Fprintln(w, "     (--allow-errors exits 0), or the run stopped at once by a 401/403/404 from an LLM")
	fmt.Fprintln(w, "     server or a server unreachable for a minute (DOJO_UNREACHABLE_AFTER)")
	fmt.Fprintln(w, "  2  usage error: a bad flag, env id, option or file")
	fmt.Fprintln(w, "\nprogress goes to stderr: a live line on a terminal, else a line every 10s (DOJO_PROGRESS_EVERY).")
}

func cmdHelp(ctx context.Context, a *app, args []string) error {
	printHelp(a.stdout)
	return nil
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(a *app, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: dojo %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags and positional arguments in any order (flags may
// follow the env id, as in `dojo run ID --agent random`). On a bad flag it
// prints the usage and returns the error, with the nearest flags for an
// unknown one ("did you mean --episodes?"), for the caller to print last.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseFlags is fs.Parse with the flag package's own report of a bad flag
// (its message, then the usage) replaced by the usage alone, the message
// being returned with suggestions for the caller to print.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	if err == nil {
		return nil
	}
	fs.Usage()
	const unknown = "flag provided but not defined: -"
	if name, ok := strings.CutPrefix(err.Error(), unknown); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if near := suggest.Nearest(name, names); len(near) > 0 {
			for i := range near {
				near[i] = "--" + near[i]
			}
			return fmt.Errorf("%w (did you mean %s?)", err, strings.Join(near, " or "))
		}
	}
	return err
}

// optFlags collects repeated --opt k=v flags.
type optFlags []string

func (o *optFlags) String() string     { return strings.Join(*o, " ") }
func (o *optFlags) Set(s string) error { *o = append(*o, s); return nil }

// resolveOptions turns --opt k=v flags (and --reward) into env options,
// parsing each value by the option's declared type.
func resolveOptions(reg *dojo.Registry, id string, opts []string, rewardFlag string) (dojo.Options, error) {
	spec, err := reg.Spec(id)
	if err != nil {
		return nil, err
	}
	out := dojo.Options{}
	for _, kv := range opts {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usagef("--opt %q: want key=value (options of %s: %s)", kv, id, optionNames(&spec))
		}
		val, err := spec.ParseOptionString(k, v)
		if err != nil {
			return nil, err
		}
		out[k] = val
	}
	if rewardFlag != "" {
		val, err := spec.ParseOptionString(dojo.RewardOption, rewardFlag)
		if err != nil {
			return nil, err
		}
		out[dojo.RewardOption] = val
	}
	if _, err := spec.Resolve(out); err != nil {
		return nil, err
	}
	return out, nil
}

func optionNames(spec *dojo.Spec) string {
	var names []string
	for _, o := range spec.Options {
		names = append(names, o.Name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
