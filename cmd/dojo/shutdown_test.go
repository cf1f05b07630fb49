package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitServeExit waits up to limit for cmd to exit, killing it after, and
// returns its error and how long it took from start.
func waitServeExit(t *testing.T, cmd *exec.Cmd, start time.Time, limit time.Duration) (error, time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err, time.Since(start)
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("dojo serve still runs %v after SIGTERM", limit)
		return nil, 0
	}
}

// SIGTERM ends dojo serve within its shutdown grace even when no one reads
// its stdout, and after its stdin has ended.
func TestServeSIGTERMWithStdoutUnread(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(dojoBin, "serve")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe() // read once, to know the server is up
	defer stdout.Close()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, `{"jsonrpc":"2.0","id":"up","method":"initialize"}`+"\n")
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || !strings.Contains(line, `"id":"up"`) {
		t.Fatalf("initialize: %q %v", line, err)
	}
	// env/list answers tens of KB: a few hundred fill the pipe many
	// times over, and the responses block.
	var req bytes.Buffer
	for i := range 300 {
		fmt.Fprintf(&req, `{"jsonrpc":"2.0","id":%d,"method":"env/list"}`+"\n", i)
	}
	wrote := make(chan struct{})
	go func() {
		stdin.Write(req.Bytes())
		stdin.Close()
		close(wrote)
	}()
	select {
	case <-wrote:
	case <-time.After(20 * time.Second):
	}
	time.Sleep(500 * time.Millisecond) // the responses are blocked by now
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	err, took := waitServeExit(t, cmd, start, 15*time.Second)
	if err != nil {
		t.Errorf("dojo serve after SIGTERM: %v, want exit status 0; stderr:\n%s", err, stderr.String())
	}
	t.Logf("exited %v after SIGTERM with its stdout unread", took.Round(time.Millisecond))
}

// A step in flight when SIGTERM comes is answered with the canceled error
// (-32004), and the server exits 0.
func TestServeSIGTERMCancelsStepInFlight(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(dojoBin, "serve")
	stdin, _ := cmd.StdinPipe()
	defer stdin.Close()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(stdout)
	send := func(s string) { io.WriteString(stdin, s+"\n") }
	read := func() map[string]any {
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("reading a response: %v; stderr:\n%s", err, stderr.String())
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("response %q: %v", line, err)
		}
		return m
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"sql/Retail-v0","options":{"timeout_ms":60000}}}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"env/reset","params":{"env":"e1","seed":3}}`)
	for range 2 {
		if m := read(); m["error"] != nil {
			t.Fatalf("setup: %v", m)
		}
	}
	q := "SELECT COUNT(*) FROM orders a, orders b, orders c, orders d, orders e"
	send(`{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e1","action":{"tool_calls":[{"id":"c1","name":"run_sql","arguments":{"sql":"` + q + `"}}]}}}`)
	time.Sleep(500 * time.Millisecond) // the query runs
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	m := read()
	e, _ := m["error"].(map[string]any)
	if e == nil || e["code"] != float64(-32004) {
		t.Errorf("the step in flight at SIGTERM was answered %v, want the canceled error -32004", m)
	}
	err, took := waitServeExit(t, cmd, start, 15*time.Second)
	if err != nil {
		t.Errorf("dojo serve after SIGTERM: %v, want exit status 0; stderr:\n%s", err, stderr.String())
	}
	t.Logf("exited %v after SIGTERM with a query in flight", took.Round(time.Millisecond))
}

// A reader that goes away ends the session with an error naming the
// failed write (exit status 1), not a death by SIGPIPE (141).
func TestServeReaderGoneIsAnError(t *testing.T) {
	t.Parallel()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dojoBin, "serve")
	cmd.Stdout = w
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, _ := cmd.StdinPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	r.Close() // the reader is gone before the first response
	go func() {
		for i := range 100 {
			if _, err := fmt.Fprintf(stdin, `{"jsonrpc":"2.0","id":%d,"method":"initialize"}`+"\n", i); err != nil {
				break
			}
		}
		stdin.Close()
	}()
	err, _ = waitServeExit(t, cmd, time.Now(), 20*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("dojo serve with its reader gone: %v, want exit status 1; stderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "writing a response") || !strings.Contains(stderr.String(), "broken pipe") {
		t.Errorf("stderr does not name the failed write:\n%s", stderr.String())
	}
}
