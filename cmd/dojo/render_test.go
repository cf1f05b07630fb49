package main

import (
	"errors"
	"image/gif"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// recordRun writes an episode file with dojo run and returns its path.
func recordRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out := filepath.Join(dir, "run.jsonl")
	r := dojoCmd(t, dir, append(append([]string{"run"}, args...), "--out", out)...)
	if r.code != 0 {
		t.Fatalf("dojo run: %d %s", r.code, r.stderr)
	}
	return out
}

func TestRenderCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run := recordRun(t, dir, "gridworld/DoorKey-5x5-v0", "--agent", "oracle", "--episodes", "3")

	// A GIF of episode 2: one frame per step and the reset.
	r := dojoCmd(t, dir, "render", run, "--episode", "2", "--out", "ep2.gif", "--fps", "10")
	if r.code != 0 || !strings.Contains(r.stdout, "wrote ep2.gif") {
		t.Fatalf("render gif: %d %s %s", r.code, r.stdout, r.stderr)
	}
	f, err := os.Open(filepath.Join(dir, "ep2.gif"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	// "wrote ep2.gif: N frames of ..."
	if !strings.Contains(r.stdout, ": "+itoa(len(g.Image))+" frames") || len(g.Image) < 5 || g.Delay[0] != 10 {
		t.Errorf("gif of %d images, delay %d; said %q", len(g.Image), g.Delay[0], r.stdout)
	}

	// One PNG: the last frame by default, or --step.
	for _, args := range [][]string{{"--out", "last.png"}, {"--out", "first.png", "--step", "0"}} {
		r := dojoCmd(t, dir, append([]string{"render", run}, args...)...)
		if r.code != 0 {
			t.Fatalf("render %v: %s", args, r.stderr)
		}
		f, err := os.Open(filepath.Join(dir, args[1]))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(f); err != nil {
			t.Errorf("%s: %v", args[1], err)
		}
		f.Close()
	}
	// Numbered PNGs, one per frame of a range.
	r = dojoCmd(t, dir, "render", run, "--out", "frame-%03d.png", "--from", "1", "--to", "3")
	if r.code != 0 {
		t.Fatalf("render frames: %s", r.stderr)
	}
	for _, name := range []string{"frame-001.png", "frame-002.png", "frame-003.png"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "frame-000.png")); err == nil {
		t.Errorf("frame-000.png written outside --from 1")
	}

	// Usage errors exit 2 and say what would be right.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"render", run}, "--out is required"},
		{[]string{"render", run, "--out", "x.jpg"}, "want a .gif or .png file"},
		{[]string{"render", run, "--out", "x.gif", "--episode", "7"}, "no such episode (it holds 3 records, episodes 0 to 2)"},
		{[]string{"render", run, "--out", "x.png", "--step", "99"}, "has frames 0 (the reset) to"},
		{[]string{"render", run, "--out", "x.gif", "--fps", "100"}, "at most 50"},
		{[]string{"render", run, "--out", "f-%s.png"}, "one integer verb"},
		{[]string{"render", run, "--out", "x.gif", "--fps", "0"}, "--fps 0: want frames per second above 0"},
		{[]string{"render", run, "--out", "x.gif", "--fps", "-2"}, "--fps -2: want frames per second above 0"},
		{[]string{"render", run, "--out", "x.png", "--fps", "5"}, "--fps is for a .gif"},
		{[]string{"render", run, "--out", "x.gif", "--episode", "-1"}, "--episode -1: want an episode index, 0 or more"},
		{[]string{"render", run, "--out", "x.gif", "--step", "-1"}, "--step -1: --step picks the frame of a single .png"},
		{[]string{"render", run, "--out", "f-%03d.png", "--step", "2"}, "--step 2: --step picks the frame of a single .png"},
		{[]string{"render", run, "--out", "x.png", "--from", "1"}, "--from 1: --from and --to are for a .gif"},
	} {
		r := dojoCmd(t, dir, c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, r.code, r.stderr, c.want)
		}
	}

	// A record that cannot be drawn: the error names the file, the line
	// and the episode.
	data, _ := os.ReadFile(run)
	lines := strings.SplitAfter(string(data), "\n")
	lines[1] = strings.Replace(lines[1], `"dir":`, `"dir":9,"x":`, 1)
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(strings.Join(lines, "")), 0o644)
	ep := episodeOfLine(lines[1])
	r = dojoCmd(t, dir, "render", bad, "--out", "x.gif", "--episode", ep)
	if r.code != 1 || !strings.Contains(r.stderr, bad+" line 2 (episode "+ep+")") || !strings.Contains(r.stderr, "reset: state: dir 9") {
		t.Errorf("bad state: exit %d, %q", r.code, r.stderr)
	}
	os.WriteFile(bad, []byte(lines[0]+"not json\n"), 0o644)
	if r := dojoCmd(t, dir, "render", bad, "--out", "x.gif"); r.code != 2 || !strings.Contains(r.stderr, "line 2 is not an episode record") {
		t.Errorf("a line that is not a record: exit %d, %q", r.code, r.stderr)
	}
}

// TestRenderNoSteps checks that rendering a file recorded with --no-steps
// says so and how to record one that renders.
func TestRenderNoSteps(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "outcomes.jsonl")
	if r := dojoCmd(t, dir, "run", "gridworld/FrozenLake-v1", "--agent", "random", "--episodes", "2", "--seed", "7", "--workers", "1", "--no-steps", "--out", out); r.code != 0 {
		t.Fatalf("dojo run --no-steps: %d %s", r.code, r.stderr)
	}
	r := dojoCmd(t, dir, "render", out, "--episode", "1", "--out", "x.gif")
	for _, want := range []string{out + " line 2 (episode 1)", "recorded with --no-steps", "dojo run gridworld/FrozenLake-v1 --agent random --seed 8 --episodes 1 --out "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("render of a --no-steps file: exit %d, %q; want it to contain %q", r.code, r.stderr, want)
		}
	}
	if r.code != 1 || strings.Contains(r.stderr, "Reset: )") {
		t.Errorf("render of a --no-steps file: exit %d, %q", r.code, r.stderr)
	}
}

func episodeOfLine(line string) string {
	_, rest, _ := strings.Cut(line, `"episode":`)
	n, _, _ := strings.Cut(rest, ",")
	return n
}

// TestWatchWithoutViewer checks that the default build's watch and
// run --watch say how to get the viewer.
func TestWatchWithoutViewer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run := recordRun(t, dir, "bandit/Bernoulli-2-v0", "--agent", "random", "--episodes", "1")
	for _, args := range [][]string{
		{"watch", run},
		{"run", "bandit/Bernoulli-2-v0", "--agent", "random", "--watch"},
	} {
		r := dojoCmd(t, dir, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "go build -tags ebiten -o bin/dojo-viewer ./cmd/dojo-viewer") || !strings.Contains(r.stderr, "libx11-dev") {
			t.Errorf("%v: exit %d, %q", args, r.code, r.stderr)
		}
	}
}

// TestWatchStartsTheViewer checks that dojo watch and dojo run --watch
// start dojo-viewer on the file (a stand-in recording what it got here,
// since the window needs a display), and that a viewer built without its
// window makes dojo watch a usage error.
func TestWatchStartsTheViewer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	run := recordRun(t, dir, "bandit/Bernoulli-2-v0", "--agent", "random", "--episodes", "1")
	fake := filepath.Join(dir, "fake-viewer")
	got := filepath.Join(dir, "viewer-args")
	os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" >> "+got+"\nfor a; do last=$a; done\nwc -l < \"$last\" >> "+got+"\n"), 0o755)
	env := append(os.Environ(), "DOJO_VIEWER="+fake)
	cmd := exec.Command(dojoBin, "watch", "--no-follow", run)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("dojo watch: %v %s", err, out)
	}
	out2 := filepath.Join(dir, "live.jsonl")
	cmd = exec.Command(dojoBin, "run", "gridworld/Empty-5x5-v0", "--agent", "oracle", "--episodes", "3", "--watch", "--out", out2)
	cmd.Dir, cmd.Env = dir, env
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "close the viewer's window") {
		t.Fatalf("dojo run --watch: %v %s", err, out)
	}
	b, _ := os.ReadFile(got)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 4 || lines[0] != "--no-follow "+run || lines[2] != out2 {
		t.Errorf("the viewer was started with %q", b)
	}
	if eps := readRecordsT(t, out2); len(eps) != 3 {
		t.Errorf("the watched run recorded %d episodes, want 3", len(eps))
	}
	// The viewer built without the ebiten tag says so, and dojo watch
	// exits 2.
	stub := filepath.Join(dir, "dojo-viewer")
	build := exec.Command("go", "build", "-o", stub, "../dojo-viewer")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the viewer stub: %v %s", err, out)
	}
	cmd = exec.Command(dojoBin, "watch", run)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "DOJO_VIEWER="+stub)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "built without the window") {
		t.Errorf("a viewer without its window: %v %s", err, out)
	}
}

func readRecordsT(t *testing.T, path string) []record {
	t.Helper()
	recs, err := readRecords(path)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
