package runner

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/internal/shard"
)

// wallMS matches the one wall-clock field of a record.
var wallMS = regexp.MustCompile(`"wall_ms":[-+0-9.eE]+`)

func zeroWall(b []byte) string {
	return string(wallMS.ReplaceAll(b, []byte(`"wall_ms":0`)))
}

// runShards runs the n shards of cfg into files of dir and returns them.
func runShards(t *testing.T, cfg Config, dir string, n int) []string {
	t.Helper()
	var paths []string
	for i := n - 1; i >= 0; i-- {
		c := cfg
		c.Shard = shard.Shard{Index: i, Count: n}
		c.Out = filepath.Join(dir, fmt.Sprintf("shard-%d-of-%d.jsonl", i, n))
		sum, err := Run(context.Background(), c)
		if err != nil {
			t.Fatalf("shard %d/%d: %v", i, n, err)
		}
		if want := c.Shard.Size(c.Episodes); sum.Episodes != want || sum.Requested != want {
			t.Fatalf("shard %d/%d: %d of %d episodes, want %d", i, n, sum.Episodes, sum.Requested, want)
		}
		paths = append(paths, c.Out)
	}
	return paths
}

func mergeFiles(t *testing.T, paths []string) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := MergeShards(paths, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestShardsMergeToTheWholeRun: the shards of a run, merged, are the
// whole run's file byte for byte but for the wall times (a run of one
// worker writes its episodes in order, as a merge does).
func TestShardsMergeToTheWholeRun(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg) // failing and panicking episodes included
	cfg.Workers = 1
	cfg.Out = filepath.Join(t.TempDir(), "whole.jsonl")
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(whole, []byte(`"shard"`)) {
		t.Fatal("an unsharded run's records carry a shard tag")
	}
	cfg.Workers = 2
	for _, n := range []int{1, 2, 3, 7} {
		paths := runShards(t, cfg, t.TempDir(), n)
		first, _ := os.ReadFile(paths[0])
		if !bytes.Contains(first, fmt.Appendf(nil, `"shard":{"index":%d,"count":%d,"total":24,"seed":100}}`+"\n", n-1, n)) {
			t.Fatalf("shard %d/%d's records are not tagged:\n%s", n-1, n, first)
		}
		got := mergeFiles(t, paths)
		if zeroWall(got) != zeroWall(whole) {
			t.Fatalf("%d shards merge to\n%s\nwant\n%s", n, zeroWall(got), zeroWall(whole))
		}
	}
}

// TestShardResumed: a shard interrupted and run again finishes, and its
// file merges as one never interrupted.
func TestShardResumed(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Workers = 1
	dir := t.TempDir()
	want := zeroWall(mergeFiles(t, runShards(t, cfg, t.TempDir(), 3)))

	paths := runShards(t, cfg, dir, 3)
	// Shard 1/3 again from scratch, canceled after 3 episodes...
	c := cfg
	c.Shard = shard.Shard{Index: 1, Count: 3}
	c.Out = filepath.Join(dir, "interrupted.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	played := 0
	c.OnEpisode = func(Episode) {
		if played++; played == 3 {
			cancel()
		}
	}
	if _, err := Run(ctx, c); err == nil {
		t.Fatal("canceled shard: no error")
	}
	// ... and killed while writing a line.
	f, err := os.OpenFile(c.Out, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"episode":13,"env":"test/Ch`)
	f.Close()
	withInterrupted := []string{paths[0], c.Out, paths[2]}
	if _, err := MergeShards(withInterrupted, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "interrupted.jsonl: shard 1/3 is incomplete: ") {
		t.Fatalf("merging an unfinished shard: %v", err)
	}
	c.OnEpisode = nil
	sum, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed < 3 || sum.Resumed >= 8 || sum.Episodes != 8 {
		t.Fatalf("resumed shard: %d resumed, %d episodes; want 3 to 7 and 8", sum.Resumed, sum.Episodes)
	}
	if got := zeroWall(mergeFiles(t, withInterrupted)); got != want {
		t.Fatalf("with the resumed shard, the merge is\n%s\nwant\n%s", got, want)
	}

	// A shard's file resumes only as the same shard of the same run.
	for _, other := range []struct {
		shard    shard.Shard
		episodes int
		want     string
	}{
		{shard.Shard{}, 24, "it is of shard 1/3 of 24 episodes, this run is the whole run (no --shard)"},
		{shard.Shard{Index: 2, Count: 3}, 24, "it is of shard 1/3 of 24 episodes, this run is shard 2/3 of 24 episodes"},
		{shard.Shard{Index: 1, Count: 3}, 30, "it is of shard 1/3 of 24 episodes, this run is shard 1/3 of 30 episodes"},
	} {
		o := c
		o.Shard, o.Episodes = other.shard, other.episodes
		if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), other.want) {
			t.Errorf("resuming shard 1/3 as %v of %d: %v, want an error saying %q", other.shard, other.episodes, err, other.want)
		}
	}
}

func TestMergeShardsErrors(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Episodes = 9
	dir := t.TempDir()
	paths := runShards(t, cfg, dir, 3) // shards 2, 1, 0
	other := cfg
	other.AgentName = "other"
	otherDir := t.TempDir()
	otherPaths := runShards(t, other, otherDir, 3)
	moreDir := t.TempDir()
	more := runShards(t, cfg, moreDir, 4)
	whole := cfg
	whole.Out = filepath.Join(dir, "whole.jsonl")
	if _, err := Run(context.Background(), whole); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		paths []string
		want  string
	}{
		{"missing", paths[:2], "shard 0/3 missing"},
		{"duplicate", []string{paths[0], paths[1], paths[1], paths[2]}, paths[1] + " and " + paths[1] + " are both shard 1/3"},
		{"other agent", []string{paths[0], otherPaths[1], paths[2]}, otherPaths[1] + ` line 1: shards of different work: this line is of env test/Chain-v0, options {"fail_every":7,"length":4,"panic_every":11,"sleep_ms":0,"slip":0.2,"work":0}, agent "other", but ` + paths[0] + ` line 1 is of`},
		{"other count", []string{paths[0], paths[1], more[0]}, more[0] + ": shard 3/4 of 9 items from seed 100, but " + paths[0] + ": shard 2/3"},
		{"unsharded", []string{whole.Out}, whole.Out + " line 1: no shard tag"},
		{"none", nil, "no shard files"},
		{"not there", []string{filepath.Join(dir, "nope.jsonl")}, "nope.jsonl"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := MergeShards(c.paths, new(bytes.Buffer))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
		})
	}
}
