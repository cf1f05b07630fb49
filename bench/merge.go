package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/shard"
	"github.com/dojo-rl/dojo/runner"
)

// WallClockFields are the members of report.json that measure time and
// so differ between two runs of the same work: a merged report equals
// the unsharded run's once they are removed (report.md and the plots hold
// none of them). In the episode files the one such member is wall_ms.
var WallClockFields = []string{"entries[].episode_seconds"}

// Merge makes the directories of the shards of a run (dojo bench run
// --shard i/n) into the directory of the whole run, out, and returns its
// report, written there as a run writes it: run.json, report.json,
// report.md and the plots, and the episode files with each entry's
// episodes in task order. The entries' references (for the normalized
// scores), which shards leave out, are looked up or computed with reg as
// a run does.
//
// The shards must be of one run (the same manifest hash, agent and
// trials, and the same number of shards), each given once and each
// finished; a missing, repeated, unfinished or mismatched shard is an
// error naming its directory (or the shard missing). The report is the
// one the unsharded run writes, byte for byte, apart from
// WallClockFields. out must not hold a run already.
func Merge(ctx context.Context, reg *dojo.Registry, out string, dirs []string) (*Report, error) {
	if len(dirs) == 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "bench merge: no shard directories to merge")
	}
	rfs := make([]*runFile, len(dirs))
	for i, d := range dirs {
		rf, err := readRunFile(d)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s is not a dojo bench run directory (no %s)", d, runFileName)
		}
		if err != nil {
			return nil, err
		}
		if rf.Shard == nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s holds a run of the whole suite, not a shard (run with --shard i/n)", d)
		}
		rfs[i] = rf
	}
	first, d0 := rfs[0], dirs[0]
	byIndex := map[int]int{}
	for i, rf := range rfs {
		d := dirs[i]
		switch {
		case rf.Manifest.SHA256 != first.Manifest.SHA256:
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s is a shard of other work (suite %s, manifest %s), but %s of suite %s, manifest %s", d, rf.Manifest.Suite, rf.Manifest.Short(), d0, first.Manifest.Suite, first.Manifest.Short())
		case rf.Agent != first.Agent:
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s is a shard of a run of agent %q, but %s of agent %q", d, rf.Agent, d0, first.Agent)
		case rf.Trials != first.Trials:
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s is a shard of a run of %d trials, but %s of %d", d, rf.Trials, d0, first.Trials)
		case rf.Shard.Count != first.Shard.Count:
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s is shard %v, but %s is shard %v: not shards of the same split", d, rf.Shard, d0, first.Shard)
		case rf.Stopped != "":
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s (shard %v) stopped before the end of the suite: %s; rerun the shard with the same command to finish it", d, rf.Shard, rf.Stopped)
		}
		if prev, dup := byIndex[rf.Shard.Index]; dup {
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s and %s are both shard %v: give each shard once", dirs[prev], d, rf.Shard)
		}
		byIndex[rf.Shard.Index] = i
	}
	n := first.Shard.Count
	var missing []string
	for i := range n {
		if _, ok := byIndex[i]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, n))
		}
	}
	if len(missing) > 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "shard %s missing: no directory given holds it (%d of %d shards given)", strings.Join(missing, ", "), len(dirs), n)
	}
	if _, err := readRunFile(out); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s already holds a run: merge into a new directory", out).WithField("out")
	}
	merged := &runFile{Manifest: first.Manifest, Agent: first.Agent, Trials: first.Trials}
	// Shards in index order: the first shard's word is kept where they
	// could differ (why an entry cannot be played).
	order := slices.Clone(rfs)
	orderDirs := slices.Clone(dirs)
	for i := range n {
		order[i], orderDirs[i] = rfs[byIndex[i]], dirs[byIndex[i]]
	}
	for _, rf := range order {
		for label, why := range rf.Unplayable {
			if _, ok := merged.Unplayable[label]; ok {
				continue
			}
			if merged.Unplayable == nil {
				merged.Unplayable = map[string]string{}
			}
			merged.Unplayable[label] = why
		}
	}
	if err := os.MkdirAll(filepath.Join(out, "episodes"), 0o755); err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "output directory: %w", err).WithField("out")
	}
	trials := max(first.Trials, 1)
	for ei := range first.Manifest.Entries {
		e := &first.Manifest.Entries[ei]
		if _, ok := merged.Unplayable[e.Label]; ok {
			continue
		}
		for t := range trials {
			in := make([]shard.Input, n)
			for i, d := range orderDirs {
				sh := *order[i].Shard
				p := episodeFile(d, e, t)
				if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
					if sh.Size(e.Tasks) > 0 {
						return nil, dojo.Errorf(dojo.CodeInvalid, "%s: shard %v has no episodes of %s (trial %d): the shard did not get to it; rerun it with the same command to finish it", d, sh, e.Label, t+1)
					}
					p = os.DevNull // the shard owns no task of the entry
				}
				in[i] = shard.Input{Path: p, Name: p, Shard: sh}
			}
			var b bytes.Buffer
			_, err := shard.Merge(in, &shard.Expect{Count: n, Total: e.Tasks, Seed: e.Seed}, runner.ShardItem, &b)
			if err != nil {
				return nil, dojo.Errorf(dojo.CodeInvalid, "%s, trial %d: %v", e.Label, t+1, err)
			}
			if err := writeFileAtomic(episodeFile(out, e, t), b.Bytes()); err != nil {
				return nil, err
			}
		}
	}
	if err := merged.addReferences(ctx, reg, 0); err != nil {
		return nil, err
	}
	if err := merged.write(out); err != nil {
		return nil, err
	}
	rep, err := Load(out)
	if err != nil {
		return nil, err
	}
	return rep, rep.WriteFiles(out)
}
