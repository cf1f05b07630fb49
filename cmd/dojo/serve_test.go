package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeOverPipes drives dojo serve as a client process would: a
// scripted session on its stdin, responses on its stdout, nothing else on
// stdout, and a clean exit at the end of the input.
func TestServeOverPipes(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(dojoBin, "serve", "--log-level", "info")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := bufio.NewReader(stdout)
	call := func(line string) map[string]any {
		t.Helper()
		if _, err := io.WriteString(stdin, line+"\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the response to %s: %v (stderr: %s)", line, err, stderr.String())
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(resp), &m); err != nil || m["jsonrpc"] != "2.0" {
			t.Fatalf("response %q to %s is not JSON-RPC: %v", resp, line, err)
		}
		return m
	}
	errCode := func(m map[string]any) float64 {
		e, _ := m["error"].(map[string]any)
		c, _ := e["code"].(float64)
		return c
	}
	init := call(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1","clientInfo":{"name":"cli-test"}}}`)
	if r, _ := init["result"].(map[string]any); r["protocolVersion"] != "1" {
		t.Errorf("initialize: %v", init)
	}
	if m := call(`{"jsonrpc":"2.0","id":2,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1","options":{"is_slippery":false}}}`); m["result"].(map[string]any)["env"] != "e1" {
		t.Fatalf("env/make: %v", m)
	}
	call(`{"jsonrpc":"2.0","id":3,"method":"env/reset","params":{"env":"e1","seed":0}}`)
	// Down, down, right, right, down, right reaches the goal of the 4x4 map.
	var last map[string]any
	for i, a := range []int{1, 1, 2, 2, 1, 2} {
		last = call(`{"jsonrpc":"2.0","id":` + itoa(10+i) + `,"method":"env/step","params":{"env":"e1","action":` + itoa(a) + `}}`)
	}
	res := last["result"].(map[string]any)
	if res["terminated"] != true || res["info"].(map[string]any)["success"] != true {
		t.Errorf("the path to the goal did not succeed: %v", res)
	}
	if m := call(`not json at all`); errCode(m) != -32700 || m["id"] != nil {
		t.Errorf("malformed line: %v", m)
	}
	if m := call(`{"jsonrpc":"2.0","id":20,"method":"env/fly"}`); errCode(m) != -32601 {
		t.Errorf("unknown method: %v", m)
	}
	if m := call(`{"jsonrpc":"2.0","id":21,"method":"env/step","params":{"env":"e1","action":0}}`); errCode(m) != -32002 {
		t.Errorf("step after the end: %v", m)
	}
	if m := call(`{"jsonrpc":"2.0","id":22,"method":"task/generate","params":{"id":"gridworld/FrozenLake-v1"}}`); errCode(m) != -32006 {
		t.Errorf("task/generate on a non-task env: %v", m)
	}
	call(`{"jsonrpc":"2.0","id":23,"method":"env/close","params":{"env":"e1"}}`)
	stdin.Close()
	rest, _ := io.ReadAll(out)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("dojo serve after the end of its input: %v; stderr:\n%s", err, stderr.String())
	}
	if len(rest) != 0 {
		t.Errorf("stdout after the last response: %q", rest)
	}
	if !strings.Contains(stderr.String(), "client initialized") || strings.Contains(stderr.String(), `"jsonrpc"`) {
		t.Errorf("stderr should hold logs only:\n%s", stderr.String())
	}
}

func TestServeStopsCleanlyOnInterrupt(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(dojoBin, "serve")
	stdin, _ := cmd.StdinPipe()
	defer stdin.Close()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, `{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"bandit/Bernoulli-10-v0"}}`+"\n")
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || !strings.Contains(line, `"env":"e1"`) {
		t.Fatalf("env/make: %q %v", line, err)
	}
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("dojo serve after SIGINT: %v, want exit status 0", err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("dojo serve did not exit after SIGINT")
	}
}

func TestServeUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "extra"}, "serve takes no arguments"},
		{[]string{"serve", "--log-level", "loud"}, `--log-level "loud"`},
		{[]string{"serve", "--max-envs", "0"}, "must be positive"},
	} {
		r := dojoCmd(t, "", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("dojo %v: exit %d, stderr %q, want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
