//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/runner"
)

func TestGenOutFIFOIsWrittenInPlace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "tasks.pipe")
	got := dojotest.FIFOReader(t, fifo)
	r := dojoCmd(t, dir, "gen", "toolcall/Bank-v0", "--n", "2", "--out", fifo)
	if r.code != 0 {
		t.Fatalf("gen to a pipe: exit %d: %s", r.code, r.stderr)
	}
	var s string
	select {
	case s = <-got:
	case <-time.After(time.Minute):
		t.Fatal("the pipe's reader got nothing")
	}
	if n := strings.Count(s, "\n"); n != 2 {
		t.Errorf("the pipe's reader got %d lines, want 2: %.200q", n, s)
	}
	st, err := os.Lstat(fifo)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("%s is no longer a named pipe: %v %v", fifo, st.Mode(), err)
	}
}

func TestGenOutSymlinkKeepsTheLink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "real.jsonl"), []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "tasks.jsonl")
	if err := os.Symlink("real.jsonl", link); err != nil {
		t.Fatal(err)
	}
	r := dojoCmd(t, dir, "gen", "toolcall/Bank-v0", "--n", "3", "--out", link)
	if r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a symlink (%v)", link, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "real.jsonl"))
	if err != nil || bytes.Count(b, []byte("\n")) != 3 {
		t.Errorf("the link's target holds %d lines (%v), want the 3 tasks", bytes.Count(b, []byte("\n")), err)
	}
}

// tempFiles lists the hidden temporary files of output name in dir.
func tempFiles(t *testing.T, dir, name string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "."+name+".dojo-tmp.*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestGenRemovesTheTempFileOfAKilledGen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(dojoBin, "gen", "toolcall/Bank-v0", "--n", "50000000", "--out", "big.jsonl")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-exited:
			t.Fatalf("gen exited before it was killed: %s", stderr.String())
		default:
		}
		if m := tempFiles(t, dir, "big.jsonl"); len(m) == 1 {
			if st, err := os.Stat(m[0]); err == nil && st.Size() > 100000 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			t.Fatal("no temporary file of 100 kB after a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	<-exited
	left := tempFiles(t, dir, "big.jsonl")
	if len(left) != 1 {
		t.Fatalf("after SIGKILL: temporary files %v, want the killed one", left)
	}
	// Another's file of a similar name is not ours to remove.
	other := filepath.Join(dir, ".big.jsonl.12345")
	if err := os.WriteFile(other, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := dojoCmd(t, dir, "gen", "toolcall/Bank-v0", "--n", "2", "--out", "big.jsonl")
	if r.code != 0 {
		t.Fatalf("gen: exit %d: %s", r.code, r.stderr)
	}
	if m := tempFiles(t, dir, "big.jsonl"); len(m) != 0 {
		t.Errorf("the killed gen's temporary file is still there: %v", m)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("a file that is not a dojo temporary file was removed: %v", err)
	}
	if lines := readLines(t, filepath.Join(dir, "big.jsonl")); len(lines) != 2 {
		t.Errorf("big.jsonl holds %d lines, want 2", len(lines))
	}
}

func TestASecondRunOnOneFileIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"run", "gridworld/FrozenLake-v1", "--agent", "random", "--episodes", "1000000", "--workers", "1", "--out", "both.jsonl"}
	first := exec.Command(dojoBin, args...)
	first.Dir = dir
	var stderr bytes.Buffer
	first.Stderr = &stderr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- first.Wait() }()
	defer func() {
		first.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(time.Minute):
			first.Process.Kill()
			t.Error("the first run did not end on SIGINT within a minute")
		}
	}()
	deadline := time.Now().Add(time.Minute)
	for {
		if st, err := os.Stat(filepath.Join(dir, "both.jsonl")); err == nil && st.Size() > 1000 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the first run ended early: %v: %s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the first run wrote nothing in a minute")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := dojoCmd(t, dir, args...)
	if r.code == 0 {
		t.Fatal("the second run on the same file exited 0")
	}
	want := "locked by process " + itoa(first.Process.Pid)
	if !strings.Contains(r.stderr, "both.jsonl") || !strings.Contains(r.stderr, want) {
		t.Errorf("the second run's error does not name the file and %q: %s", want, r.stderr)
	}
}

func TestRunDedupe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"run", "gridworld/FrozenLake-v1", "--agent", "random", "--episodes", "5", "--out", "run.jsonl"}
	if r := dojoCmd(t, dir, args...); r.code != 0 {
		t.Fatalf("run: %d %s", r.code, r.stderr)
	}
	path := filepath.Join(dir, "run.jsonl")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Two runs' lines, interleaved as two writers would leave them.
	if err := os.WriteFile(path, append(b, b...), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := dojoCmd(t, dir, append(args[:len(args):len(args)], "--episodes", "7")...); r.code == 0 || !strings.Contains(r.stderr, "--dedupe") {
		t.Fatalf("resuming a file with repeats: exit %d: %s; want an error pointing at --dedupe", r.code, r.stderr)
	}
	r := dojoCmd(t, dir, append(args[:len(args):len(args)], "--episodes", "7", "--dedupe")...)
	if r.code != 0 {
		t.Fatalf("--dedupe: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "removed 5 repeated episode lines") {
		t.Errorf("--dedupe does not say what it removed: %s", r.stderr)
	}
	lines := readLines(t, path)
	if len(lines) != 7 {
		t.Errorf("%d lines after --dedupe, want 7", len(lines))
	}
	episodeSet(t, lines)
}

func TestRunOutDevStdoutThroughAPipe(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(dojoBin, "run", "gridworld/FrozenLake-v1", "--agent", "random", "--episodes", "40", "--out", "/dev/stdout")
	cmd.Dir = t.TempDir()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(out); got <- b }()
	var b []byte
	select {
	case b = <-got:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("dojo run --out /dev/stdout | cat did not end in a minute")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	if n := bytes.Count(b, []byte(`{"episode":`)); n != 40 {
		t.Errorf("%d records on stdout, want 40", n)
	}
}

func TestRunEndsOnSIGTERMWhileItsPipeIsNotRead(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(dojoBin, "run", "gridworld/FrozenLake-v1", "--agent", "random", "--episodes", "1000000", "--out", "/dev/stdout")
	cmd.Dir = t.TempDir()
	cmd.Stdout = w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	time.Sleep(time.Second) // the pipe's buffer fills; nobody reads it
	cmd.Process.Signal(syscall.SIGTERM)
	start := time.Now()
	select {
	case <-exited:
		t.Logf("ended %v after SIGTERM, exit %d", time.Since(start).Round(time.Millisecond), cmd.ProcessState.ExitCode())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("dojo run still running 30s after SIGTERM: %s", stderr.String())
	}
	if cmd.ProcessState.ExitCode() == 0 {
		t.Errorf("an interrupted run exited 0")
	}
}

func TestRenderAClippedRecord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "run.jsonl")
	long := strings.Repeat("a long answer ", 30000) // 420 kB
	_, err := runner.Run(context.Background(), runner.Config{
		Registry: envs.Default(), Env: "toolcall/Bank-v0", Episodes: 1, Out: out, AgentName: "long",
		Agent: dojo.AgentMakerFunc(func(context.Context, dojo.EpisodeStart) (dojo.Agent, error) {
			return dojo.AgentFunc(func(context.Context, dojo.Turn) (dojo.Action, error) {
				return dojo.MessageAction(long), nil
			}), nil
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if marker := fmt.Sprintf(runner.ClipMarker, len(long)); !bytes.Contains(b, []byte(marker)) || len(b) > len(long)/2 {
		t.Fatalf("the record (%d bytes) does not hold the clipped action (%q)", len(b), marker)
	}
	r := dojoCmd(t, dir, "render", out, "--out", "x.png")
	if r.code != 0 {
		t.Fatalf("render of a clipped record: exit %d: %s", r.code, r.stderr)
	}
	if st, err := os.Stat(filepath.Join(dir, "x.png")); err != nil || st.Size() == 0 {
		t.Errorf("no frame drawn: %v", err)
	}
}

// bigAgent is an exec agent answering every action with 2 MB of text.
const bigAgent = `import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if "id" not in m:
        continue
    r = {"action": "x" * 2000000} if m.get("method") == "agent/act" else {}
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": m["id"], "result": r}) + "\n")
    sys.stdout.flush()
`

func TestExecAgentActionsAreBounded(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.py"), []byte(bigAgent), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"run", "toolcall/Bank-v0", "--agent", "exec:python3 big.py", "--episodes", "2", "--out", "big.jsonl"}
	r := dojoCmd(t, dir, args...)
	if r.code != 1 || !strings.Contains(r.stderr, "2000000 bytes, above the bound of 1048576 (max_action_bytes") {
		t.Errorf("2 MB actions: exit %d, stderr:\n%s\nwant 1 and the size and bound named", r.code, r.stderr)
	}
	// Allowed, they are clipped in the records.
	r = dojoCmd(t, dir, append(args[:len(args):len(args)], "--out", "clipped.jsonl", "--max-action-bytes", "-1", "--max-record-text", "1000")...)
	if r.code != 0 {
		t.Fatalf("unbounded actions: exit %d: %s", r.code, r.stderr)
	}
	st, err := os.Stat(filepath.Join(dir, "clipped.jsonl"))
	if err != nil || st.Size() > 200000 {
		t.Errorf("records of 2 MB actions clipped to 1000 bytes take %d bytes (%v)", st.Size(), err)
	}
	for _, bad := range []string{"--max-record-text=0", "--max-action-bytes=-5"} {
		if r := dojoCmd(t, dir, "run", "gridworld/FrozenLake-v1", bad); r.code != 2 || !strings.Contains(r.stderr, strings.Split(bad, "=")[0]) {
			t.Errorf("%s: exit %d, %s; want a usage error naming it", bad, r.code, r.stderr)
		}
	}
}
