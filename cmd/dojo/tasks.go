package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/protocol"
)

// cmdGen writes generated tasks as JSON lines (see protocol.GenerateTasks).
func cmdGen(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "gen", "ID [--n N] [--seed S] [--opt k=v ...] [--reward P] [--out FILE]")
	n := fs.Int("n", 1, "number of tasks")
	seed := fs.Uint64("seed", 0, "seed of the first task; task i has seed+i")
	out := fs.String("out", "", "write the tasks to this `file` (default stdout)")
	reward := fs.String("reward", "", "reward profile the verifier scores with: sparse, shaped, a named preset, or `name=weight,...`")
	var opts optFlags
	fs.Var(&opts, "opt", "env option `key=value` (repeatable; dojo describe ID lists them)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "gen")
	if err != nil {
		return err
	}
	if *n < 1 {
		return usagef("--n %d: want at least 1 task", *n)
	}
	o, err := resolveOptions(a.reg, id, opts, *reward)
	if err != nil {
		return err
	}
	dataNotes(ctx, a, "gen", dataEntry{id, o})
	err = writeOut(a, *out, func(w io.Writer) error {
		return protocol.GenerateTasks(ctx, a.reg, id, o, *seed, *n, w)
	})
	if dojo.ErrorCode(err) == protocol.CodeUnsupported {
		return usagef("%v; %s", err, taskEnvs(a.reg))
	}
	if err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(a.stderr, "dojo gen: wrote %d tasks of %s to %s\n", *n, id, *out)
	}
	return nil
}

// taskEnvs says which registered envs generate tasks.
func taskEnvs(reg *dojo.Registry) string {
	var ids []string
	for _, id := range reg.IDs() {
		env, err := reg.Make(id, nil)
		if err != nil {
			continue
		}
		if _, ok := env.(dojo.TaskGenerator); ok {
			ids = append(ids, id)
		}
		dojo.Close(env)
	}
	if len(ids) == 0 {
		return "no registered env generates tasks yet"
	}
	return "envs that generate tasks: " + strings.Join(ids, ", ")
}

// cmdVerify scores responses to tasks (see protocol.VerifyResponses).
func cmdVerify(ctx context.Context, a *app, args []string) error {
	if len(args) > 0 && args[0] == "sql" {
		return cmdVerifySQL(ctx, a, args[1:])
	}
	fs := newFlags(a, "verify", "--tasks FILE --responses FILE [--out FILE]")
	tasksPath := fs.String("tasks", "", "the tasks, one JSON line each, as dojo gen writes them")
	responsesPath := fs.String("responses", "", `the responses, one JSON line each: {"id": task id, "response": "text"} or {"id", "messages": [...]}; - reads stdin`)
	out := fs.String("out", "", "write the scores to this `file` (default stdout)")
	workers := fs.Int("workers", 0, "responses verified at once (0: GOMAXPROCS)")
	allowDup := fs.Bool("allow-duplicates", false, "score every response to a task answered more than once (by default a repeat is a failed line)")
	bfcl := fs.String("bfcl", "", "score BFCL-format data instead of dojo tasks: the questions `file` (with --answers and --responses), as dojo reward bfcl does")
	answers := fs.String("answers", "", "with --bfcl: the BFCL possible-answers `file`")
	underscoreToDot := fs.Bool("underscore-to-dot", true, "with --bfcl: "+underscoreToDotUsage)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("verify takes no arguments, got %q (give the files with --tasks and --responses)", pos)
	}
	if *bfcl != "" {
		if *tasksPath != "" || *out != "" {
			return usagef("--bfcl scores BFCL data: it takes --answers and --responses, not --tasks or --out")
		}
		rargs := []string{"--questions", *bfcl}
		if *answers != "" {
			rargs = append(rargs, "--answers", *answers)
		}
		if *responsesPath != "" {
			rargs = append(rargs, "--responses", *responsesPath)
		}
		rargs = append(rargs, fmt.Sprintf("--underscore-to-dot=%t", *underscoreToDot))
		return rewardBFCL(ctx, a, rargs)
	}
	if *answers != "" {
		return usagef("--answers is for --bfcl")
	}
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == "underscore-to-dot" })
	if set {
		return usagef("--underscore-to-dot is for --bfcl")
	}
	if *tasksPath == "" || *responsesPath == "" {
		return usagef("verify needs --tasks FILE and --responses FILE")
	}
	if *workers < 0 {
		return usagef("--workers %d: want 0 (GOMAXPROCS) or more", *workers)
	}
	tasks, err := os.Open(*tasksPath)
	if err != nil {
		return usagef("--tasks: %v", err)
	}
	defer tasks.Close()
	var responses io.Reader = os.Stdin
	if *responsesPath != "-" {
		f, err := os.Open(*responsesPath)
		if err != nil {
			return usagef("--responses: %v", err)
		}
		defer f.Close()
		responses = f
	}
	cfg := protocol.VerifyConfig{TasksName: *tasksPath, ResponsesName: *responsesPath, Workers: *workers, AllowDuplicates: *allowDup}
	var sum protocol.VerifySummary
	err = writeOut(a, *out, func(w io.Writer) error {
		var err error
		sum, err = protocol.VerifyResponses(ctx, a.reg, tasks, responses, w, cfg, func(e *protocol.LineError) {
			fmt.Fprintf(a.stderr, "dojo verify: %v\n", e)
		})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stderr, verifySummaryLine(sum))
	if sum.Failed > 0 || sum.TaskErrors > 0 {
		return fmt.Errorf("%d response lines and %d task lines could not be used (listed above)", sum.Failed, sum.TaskErrors)
	}
	return nil
}

// writeOut runs write on stdout, or on a file written whole: to a
// temporary file beside it, renamed into place once complete.
func writeOut(a *app, path string, write func(w io.Writer) error) error {
	if path == "" {
		return write(a.stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return usagef("--out: %v", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
