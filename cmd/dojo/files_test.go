//go:build unix

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fifoReader makes a named pipe at path and reads it whole in a goroutine.
func fifoReader(t *testing.T, path string) <-chan string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ch := make(chan string, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			ch <- "open: " + err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		ch <- string(b)
	}()
	t.Cleanup(func() {
		// Unblock the reader if the writer never came.
		if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	return ch
}

func TestGenOutFIFOIsWrittenInPlace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "tasks.pipe")
	got := fifoReader(t, fifo)
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
