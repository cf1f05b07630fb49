package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dojo-rl/dojo/bench"
	"github.com/dojo-rl/dojo/internal/shard"
	"github.com/dojo-rl/dojo/runner"
)

const shardUsage = "play only shard `i/n` of the work (0-based): the episodes or tasks whose index is ≡ i mod n, with the whole run's seeds; " +
	"default from DOJO_SHARD, JOB_COMPLETION_INDEX with DOJO_SHARDS, or SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT; none: the whole work"

// addShardFlag adds --shard to a command's flags.
func addShardFlag(fs *flag.FlagSet) *string {
	return fs.String("shard", "", shardUsage)
}

// resolveShard returns the shard the flag or the environment names, and
// says on stderr where it came from.
func resolveShard(a *app, cmd, flagValue string) (shard.Shard, error) {
	s, src, err := shard.Resolve(flagValue, os.Getenv)
	if err != nil {
		return shard.Shard{}, usagef("%v", err)
	}
	if s.Sharded() && src != "" && src[0] != '-' {
		fmt.Fprintf(a.stderr, "dojo %s: shard %v (from %s)\n", cmd, s, src)
	}
	return s, nil
}

// checkShardSize refuses more shards than items: a shard that owns no
// item would write an empty file, which cannot say which shard it is.
func checkShardSize(s shard.Shard, total int, what string) error {
	if s.Sharded() && s.Count > total {
		return usagef("--shard %v: %d shards of %d %s leave shard %d with none: use at most %d shards", s, s.Count, total, what, s.Count-1, total)
	}
	return nil
}

// cmdMerge merges the shards of a run or of dojo gen.
func cmdMerge(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "merge", "--out FILE SHARD.jsonl ...")
	out := fs.String("out", "", "write the merged file here (default stdout)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("merge needs the shard files: of dojo run --shard i/n --out F, or of dojo gen --shard i/n --out F")
	}
	kind, err := shardFileKind(pos[0])
	if err != nil {
		return err
	}
	var n int
	err = writeOut(a, *out, func(w io.Writer) error {
		var err error
		if kind == "episodes" {
			n, err = runner.MergeShards(pos, w)
			return err
		}
		in := make([]shard.Input, len(pos))
		for i, p := range pos {
			in[i] = shard.Input{Path: p}
		}
		n, err = shard.Merge(in, nil, taskItem, w)
		return err
	})
	if err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(a.stderr, "dojo merge: %d %s of %d shards in %s\n", n, kind, len(pos), *out)
	}
	return nil
}

// shardFileKind says whether a shard file holds episode records or tasks,
// from its first line.
func shardFileKind(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", usagef("%v", err)
	}
	defer f.Close()
	line, _ := bufio.NewReaderSize(f, 1<<16).ReadBytes('\n')
	_, rest, _, _ := shard.Cut(line)
	var m map[string]json.RawMessage
	if json.Unmarshal(rest, &m) != nil {
		return "", usagef("%s: the first line is not a JSON object: want a file of dojo run --shard or dojo gen --shard", path)
	}
	if _, ok := m["episode"]; ok {
		return "episodes", nil
	}
	if _, ok := m["prompt"]; ok {
		return "tasks", nil
	}
	return "", usagef("%s: the first line is neither an episode record nor a task: want a file of dojo run --shard or dojo gen --shard", path)
}

// taskItem reads a task of a dojo gen shard: its key is its index (seed
// minus the shard's seed), its identity the env and options.
func taskItem(line []byte, tag shard.Tag) (shard.Item, error) {
	var t struct {
		Env     string          `json:"env"`
		Options json.RawMessage `json:"options"`
		Seed    *uint64         `json:"seed"`
	}
	if err := json.Unmarshal(line, &t); err != nil || t.Seed == nil || t.Env == "" {
		return shard.Item{}, fmt.Errorf("not a task of dojo gen (want env and seed)")
	}
	if *t.Seed < tag.Seed || *t.Seed-tag.Seed >= uint64(tag.Total) {
		return shard.Item{}, fmt.Errorf("task of seed %d is outside the shard's seeds %d to %d", *t.Seed, tag.Seed, tag.Seed+uint64(tag.Total)-1)
	}
	var opts any
	if len(t.Options) > 0 {
		if err := json.Unmarshal(t.Options, &opts); err != nil {
			return shard.Item{}, fmt.Errorf("options: %v", err)
		}
	}
	if text, ok := opts.(string); ok { // a row's options column: JSON text
		if err := json.Unmarshal([]byte(text), &opts); err != nil {
			return shard.Item{}, fmt.Errorf("options: %v", err)
		}
	}
	canon, _ := json.Marshal(opts) // sorted keys
	return shard.Item{Key: int(*t.Seed - tag.Seed), Identity: fmt.Sprintf("env %s, options %s", t.Env, canon)}, nil
}

// cmdBenchMerge merges the shard directories of a benchmark run.
func cmdBenchMerge(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "bench merge", "--out DIR SHARD_DIR ... [--json]")
	out := fs.String("out", "", "the `directory` of the merged run (must not hold a run)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("bench merge needs --out DIR, the directory of the merged run")
	}
	if len(pos) == 0 {
		return usagef("bench merge needs the shard directories (of dojo bench run --shard i/n --out DIR)")
	}
	start := time.Now()
	rep, err := bench.Merge(ctx, a.reg, *out, pos)
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintf(a.stdout, "merged %d shards into %s in %v\n", len(pos), filepath.Clean(*out), time.Since(start).Round(time.Millisecond))
	}
	return printReport(a, rep, *out, *asJSON, 0)
}
