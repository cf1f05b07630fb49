package bench

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/internal/shard"
)

// wallClock matches the wall-clock members of a run directory's files:
// WallClockFields in report.json, wall_ms in the episode files.
var wallClock = regexp.MustCompile(`"(episode_seconds|wall_ms)": ?[-+0-9.eE]+`)

// readDir returns the files of a run directory with the wall-clock
// members zeroed, by path.
func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(wallClock.ReplaceAllFunc(b, func(m []byte) []byte {
			return regexp.MustCompile(`[-+0-9.eE]+$`).ReplaceAll(m, []byte("0"))
		}))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func runShard(t *testing.T, s *Suite, dir string, trials int, sh shard.Shard) *Report {
	t.Helper()
	rep, err := Run(context.Background(), Config{
		Registry: envs.Default(), Suite: s, Agent: agent(t, "random"), AgentName: "random",
		Trials: trials, Dir: dir, Workers: 2, Shard: sh,
	})
	if err != nil {
		t.Fatalf("shard %v: %v", sh, err)
	}
	return rep
}

// TestShardsMergeToTheWholeRun: the shards of a benchmark run, merged,
// give the whole run's directory: every file byte for byte, apart from
// the wall-clock members (the unsharded run plays on one worker so that
// its episode files are in task order, as merged ones are).
func TestShardsMergeToTheWholeRun(t *testing.T) {
	t.Parallel()
	// tiny, smaller: one entry of each kind, 2 trials.
	small := Suite{Name: "small-v1", Entries: []Entry{
		{Env: "gridworld/FrozenLake-v1", Tasks: 8, Seed: 5},
		{Env: "bandit/Bernoulli-2-v0", Options: map[string]any{"horizon": 20}, Tasks: 4, Seed: 100, Series: []string{RegretSeries}},
		{Env: "toolcall/Mixed-v0", Tasks: 4, Seed: 7},
	}}
	whole := t.TempDir()
	if _, err := Run(context.Background(), Config{
		Registry: envs.Default(), Suite: &small, Agent: agent(t, "random"), AgentName: "random",
		Trials: 2, Dir: whole, Workers: 1,
	}); err != nil {
		t.Fatal(err)
	}
	want := readDir(t, whole)
	if len(want) < 8 {
		t.Fatalf("the whole run wrote only %d files", len(want))
	}
	for _, n := range []int{1, 2, 3, 7} {
		var dirs []string
		root := t.TempDir()
		for i := range n {
			d := filepath.Join(root, fmt.Sprintf("shard-%d", i))
			rep := runShard(t, &small, d, 2, shard.Shard{Index: i, Count: n})
			if rep.Shard != fmt.Sprintf("%d/%d", i, n) || rep.Overall.Episodes == 0 {
				t.Fatalf("shard %d/%d: report of shard %q, %d episodes", i, n, rep.Shard, rep.Overall.Episodes)
			}
			dirs = append(dirs, d)
		}
		out := filepath.Join(root, "merged")
		rep, err := Merge(context.Background(), envs.Default(), out, dirs)
		if err != nil {
			t.Fatalf("%d shards: %v", n, err)
		}
		if rep.Shard != "" || rep.Overall.Episodes != (8+4+4)*2 {
			t.Fatalf("%d shards: merged report of shard %q, %d episodes", n, rep.Shard, rep.Overall.Episodes)
		}
		got := readDir(t, out)
		for name, w := range want {
			if got[name] != w {
				t.Errorf("%d shards: merged %s differs from the whole run's:\n%s\nwant\n%s", n, name, got[name], w)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("%d shards: merged run has %s, the whole run has not", n, name)
			}
		}
	}
}

func TestMergeErrors(t *testing.T) {
	t.Parallel()
	s := Suite{Name: "x-v1", Entries: []Entry{
		{Env: "gridworld/FrozenLake-v1", Tasks: 5, Seed: 3},
		{Env: "bandit/Bernoulli-2-v0", Options: map[string]any{"horizon": 10}, Tasks: 2, Seed: 9},
	}}
	root := t.TempDir()
	dirs := make([]string, 3)
	for i := range dirs {
		dirs[i] = filepath.Join(root, fmt.Sprintf("s%d", i))
		runShard(t, &s, dirs[i], 1, shard.Shard{Index: i, Count: 3})
	}
	// Shard 2/3 owns no task of the bandit entry: the merge still works.
	if _, err := Merge(context.Background(), envs.Default(), filepath.Join(root, "ok"), dirs); err != nil {
		t.Fatal(err)
	}
	other := Suite{Name: "x-v1", Entries: s.Entries[:1]}
	otherDir := filepath.Join(root, "other")
	runShard(t, &other, otherDir, 1, shard.Shard{Index: 1, Count: 3})
	fourDir := filepath.Join(root, "four")
	runShard(t, &s, fourDir, 1, shard.Shard{Index: 1, Count: 4})
	wholeDir := filepath.Join(root, "whole")
	runShard(t, &s, wholeDir, 1, shard.Shard{})
	// A shard cut short, as a killed run leaves it.
	cut := filepath.Join(root, "cut")
	runShard(t, &s, cut, 1, shard.Shard{Index: 1, Count: 3})
	m, _ := s.Manifest(envs.Default())
	p := episodeFile(cut, &m.Entries[0], 0)
	data, _ := os.ReadFile(p)
	lines := bytes.SplitAfter(data, []byte("\n"))
	os.WriteFile(p, lines[0], 0o644)

	for _, c := range []struct {
		name string
		dirs []string
		want string
	}{
		{"missing", dirs[:2], "shard 2/3 missing"},
		{"duplicate", []string{dirs[0], dirs[1], dirs[1], dirs[2]}, dirs[1] + " and " + dirs[1] + " are both shard 1/3"},
		{"other work", []string{dirs[0], otherDir, dirs[2]}, otherDir + " is a shard of other work"},
		{"other split", []string{dirs[0], fourDir, dirs[2]}, fourDir + " is shard 1/4, but " + dirs[0] + " is shard 0/3"},
		{"whole run", []string{dirs[0], wholeDir}, wholeDir + " holds a run of the whole suite, not a shard"},
		{"incomplete", []string{dirs[0], cut, dirs[2]}, "shard 1/3 is incomplete: 1 of its 2 items (missing"},
		{"not a run", []string{dirs[0], root}, root + " is not a dojo bench run directory"},
		{"into a run", dirs, "already holds a run"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "merged")
			if c.name == "into a run" {
				out = dirs[0]
			}
			_, err := Merge(context.Background(), envs.Default(), out, c.dirs)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
		})
	}

	// A shard's report does not compare with a whole run's.
	rs, err := Load(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	rw, err := Load(wholeDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compare(rw, rs, false); err == nil || !strings.Contains(err.Error(), "run A is a whole run and run B is shard 0/3 of a run: merge the shards first") {
		t.Errorf("comparing a shard with a whole run: %v", err)
	}
	// A shard's directory resumes only as the same shard.
	_, err = Run(context.Background(), Config{Registry: envs.Default(), Suite: &s, Agent: agent(t, "random"), AgentName: "random", Dir: dirs[1], Shard: shard.Shard{Index: 2, Count: 3}})
	if err == nil || !strings.Contains(err.Error(), "holds shard 1/3 of the suite, not shard 2/3 of the suite") {
		t.Errorf("another shard in a shard's directory: %v", err)
	}
	_, err = Run(context.Background(), Config{Registry: envs.Default(), Suite: &s, Agent: agent(t, "random"), AgentName: "random", Dir: dirs[1]})
	if err == nil || !strings.Contains(err.Error(), "holds shard 1/3 of the suite, not a run of the whole suite") {
		t.Errorf("the whole suite in a shard's directory: %v", err)
	}
	// Resuming the cut shard finishes it, and the merge works.
	runShard(t, &s, cut, 1, shard.Shard{Index: 1, Count: 3})
	if _, err := Merge(context.Background(), envs.Default(), filepath.Join(root, "resumed"), []string{dirs[0], cut, dirs[2]}); err != nil {
		t.Fatalf("after resuming the cut shard: %v", err)
	}
}
