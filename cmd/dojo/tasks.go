package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/atomicfile"
	"github.com/dojo-rl/dojo/internal/shard"
	"github.com/dojo-rl/dojo/protocol"
	"github.com/dojo-rl/dojo/taskdata"
)

// cmdGen writes generated tasks as data set rows (see package taskdata):
// JSON lines or Parquet, one file, or one file per split in a directory,
// with a data card beside them.
func cmdGen(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "gen", "ID [--n N] [--seed S] [--split name=first:end,...] [--opt k=v ...] [--reward P] [--format jsonl|jsonl.gz|parquet] [--tools-format openai|mcp] [--out FILE|DIR] [--shard i/n]")
	n := fs.Int("n", 1, "number of tasks")
	seed := fs.Uint64("seed", 0, "seed of the first task; task i has seed+i")
	out := fs.String("out", "", "write the tasks to this `file` (default stdout); with --split, the directory that gets one file per split")
	reward := fs.String("reward", "", "reward profile the verifier scores with: sparse, shaped, a named preset, or `name=weight,...`")
	shardFlag := addShardFlag(fs)
	format := fs.String("format", "", "file format: jsonl, jsonl.gz or parquet (default: from --out: .parquet, .gz, else jsonl)")
	toolsFormat := fs.String("tools-format", "openai", "shape of the tools column: openai (function tools) or mcp (inputSchema)")
	card := fs.Bool("card", true, "write a data card (README.md) beside the output file; never over a README.md dojo did not write")
	var splits optFlags
	fs.Var(&splits, "split", "seed ranges per split, `name=first:end` (end exclusive; repeatable or comma-separated), e.g. train=0:9000,test=9000:10000")
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
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	tf, err := taskdata.ParseToolsFormat(*toolsFormat)
	if err != nil {
		return usagef("--tools-format: %v", err)
	}
	var parts []taskdata.Split
	if len(splits) > 0 {
		if set["n"] || set["seed"] {
			return usagef("--split gives each split's seeds: it takes no --n or --seed")
		}
		if *out == "" {
			return usagef("--split writes one file per split: give the directory with --out DIR")
		}
		if parts, err = taskdata.ParseSplits(splits); err != nil {
			return usagef("--split: %v", err)
		}
	} else {
		if *n < 1 {
			return usagef("--n %d: want at least 1 task", *n)
		}
		if *seed > ^uint64(0)-uint64(*n-1) {
			return usagef("--seed %d with --n %d: the seeds overflow 64 bits", *seed, *n)
		}
		parts = []taskdata.Split{{Name: "train", First: *seed, End: *seed + uint64(*n)}}
	}
	ff := taskdata.JSONL
	switch {
	case *format != "":
		if ff, err = taskdata.ParseFormat(*format); err != nil {
			return usagef("--format: %v", err)
		}
	case len(splits) == 0 && *out != "":
		ff = taskdata.FormatOf(*out)
	}
	if ff != taskdata.JSONL && *out == "" && termWidth(a.stdout) > 0 {
		return usagef("--format %s writes binary data: give --out FILE or redirect stdout", ff)
	}
	sh, err := resolveShard(a, "gen", *shardFlag)
	if err != nil {
		return err
	}
	if sh.Sharded() {
		// A shard's lines carry their shard's tag, which dojo merge reads
		// and removes: JSON lines of one seed range only.
		if len(splits) > 0 {
			return usagef("--shard %v: a shard covers one seed range (--n, --seed), not --split; merge the shards, then split", sh)
		}
		if ff != taskdata.JSONL {
			return usagef("--shard %v: shards are written as JSON lines, which dojo merge puts together; not %s", sh, ff)
		}
		if err := checkShardSize(sh, *n, "tasks"); err != nil {
			return err
		}
	}
	o, err := resolveOptions(a.reg, id, opts, *reward)
	if err != nil {
		return err
	}
	// The first task answers whether the env generates tasks at all, before
	// any file is made.
	tk := protocol.NewTasker(a.reg)
	defer tk.Close()
	first, err := tk.Generate(ctx, id, o, parts[0].First)
	if err != nil {
		if dojo.ErrorCode(err) == protocol.CodeUnsupported {
			return usagef("%v; %s", err, taskEnvs(a.reg))
		}
		return err
	}
	dataNotes(ctx, a, "gen", dataEntry{id, o})

	var files []taskdata.CardFile
	dir := filepath.Dir(*out)
	if len(splits) > 0 {
		dir = *out
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return usagef("--out: %v", err)
		}
	}
	for _, sp := range parts {
		path := *out
		if len(splits) > 0 {
			path = filepath.Join(dir, sp.Name+ff.Ext())
		}
		err := writeOut(a, path, func(w io.Writer) error {
			if sh.Sharded() {
				return writeShardRows(ctx, tk, id, o, sp, tf, sh, w)
			}
			tw := taskdata.NewWriter(w, ff)
			for s := sp.First; s < sp.End; s++ {
				row, err := genRow(ctx, tk, id, o, s, sp.Name, tf)
				if err != nil {
					return err
				}
				if err := tw.Write(row); err != nil {
					return err
				}
			}
			return tw.Close()
		})
		if err != nil {
			return err
		}
		if path != "" && sh.Sharded() {
			fmt.Fprintf(a.stderr, "dojo gen: wrote %d tasks of %s (shard %v of seeds %d to %d) to %s\n", sh.Size(sp.N()), id, sh, sp.First, sp.End-1, path)
			return nil // a shard gets no data card: its merge is the data set
		}
		if path != "" {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, taskdata.CardFile{Split: sp, Path: filepath.ToSlash(rel), Rows: sp.N()})
			fmt.Fprintf(a.stderr, "dojo gen: wrote %d tasks of %s (seeds %d to %d) to %s\n", sp.N(), id, sp.First, sp.End-1, path)
		}
	}
	if *out != "" && *card {
		// The card names the options as the tasks carry them (defaults
		// filled in), not only those given.
		return writeCard(a, id, first.Options, ff, tf, dir, files)
	}
	return nil
}

// genRow generates the task of a seed as a row of split.
func genRow(ctx context.Context, tk *protocol.Tasker, id string, o dojo.Options, seed uint64, split string, tf taskdata.ToolsFormat) (taskdata.Row, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return taskdata.Row{}, err
	}
	task, err := tk.Generate(ctx, id, o, seed)
	if err != nil {
		return taskdata.Row{}, err
	}
	row, err := taskdata.FromTask(&task, split, tf)
	if err != nil {
		return taskdata.Row{}, dojo.Errorf(dojo.CodeInternal, "%v", err)
	}
	return row, nil
}

// writeShardRows writes the rows of the seeds shard sh owns, each JSON
// line tagged with the shard (dojo merge checks and removes the tags).
func writeShardRows(ctx context.Context, tk *protocol.Tasker, id string, o dojo.Options, sp taskdata.Split, tf taskdata.ToolsFormat, sh shard.Shard, w io.Writer) error {
	var line bytes.Buffer
	lw := taskdata.NewWriter(&line, taskdata.JSONL)
	bw := bufio.NewWriterSize(w, 64<<10)
	tag := shard.Tag{Index: sh.Index, Count: sh.Count, Total: sp.N(), Seed: sp.First}
	for i := range sp.N() {
		if !sh.Owns(i) {
			continue
		}
		row, err := genRow(ctx, tk, id, o, sp.First+uint64(i), sp.Name, tf)
		if err != nil {
			return err
		}
		line.Reset()
		if err := lw.Write(row); err != nil {
			return err
		}
		bw.Write(tag.Append(line.Bytes()))
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writeCard writes the data card README.md in dir, unless a README.md
// that dojo did not write is there (then it says so and leaves it).
func writeCard(a *app, id string, o dojo.Options, ff taskdata.Format, tf taskdata.ToolsFormat, dir string, files []taskdata.CardFile) error {
	path := filepath.Join(dir, "README.md")
	ok, err := taskdata.CardWritable(path)
	if err != nil {
		return fmt.Errorf("data card: %v", err)
	}
	if !ok {
		fmt.Fprintf(a.stderr, "dojo gen: no data card written: %s exists and is not one dojo wrote (--card=false silences this)\n", path)
		return nil
	}
	c := taskdata.Card{Env: id, Options: "{}", Format: ff, Tools: tf, Version: version(), Files: files}
	if spec, err := a.reg.Spec(id); err == nil {
		c.Description = spec.Description
	}
	if len(o) > 0 {
		b, err := json.Marshal(o)
		if err != nil {
			return err
		}
		c.Options = string(b)
	}
	return writeOut(a, path, c.Write)
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
	tasks, err := taskdata.Open(*tasksPath)
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

// writeOut runs write on stdout, or on the file path written whole by
// atomicfile.Write: a regular file through a temporary file renamed into
// place, a pipe or a device in place.
func writeOut(a *app, path string, write func(w io.Writer) error) error {
	if path == "" {
		return write(a.stdout)
	}
	return atomicfile.Write(path, write)
}
