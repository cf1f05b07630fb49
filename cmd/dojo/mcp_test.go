package main

import (
	"context"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/envs"
)

// mcpProcess starts dojo mcp and connects the SDK's client to it with its
// default handshake; everything the process writes on stdout is kept.
func mcpProcess(t *testing.T, args ...string) (*exec.Cmd, io.WriteCloser, *mcp.ClientSession, *dojotest.SyncBuffer, *dojotest.SyncBuffer) {
	t.Helper()
	cmd := exec.Command(dojoBin, append([]string{"mcp"}, args...)...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var out, stderr dojotest.SyncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx,
		&mcp.IOTransport{Reader: io.NopCloser(io.TeeReader(stdout, &out)), Writer: stdin}, nil)
	if err != nil {
		t.Fatalf("connect: %v; stderr:\n%s", err, stderr.String())
	}
	if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
		t.Errorf("negotiated %s, want 2026-07-28", v)
	}
	return cmd, stdin, cs, &out, &stderr
}

func waitExit(t *testing.T, cmd *exec.Cmd, what string, stderr *dojotest.SyncBuffer) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("dojo mcp after %s: %v, want exit status 0; stderr:\n%s", what, err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("dojo mcp did not exit after %s", what)
	}
}

func callTool(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b, _ := json.Marshal(res.StructuredContent)
	if res.IsError {
		t.Fatalf("%s: tool error %v", name, res.Content)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %s: %v", name, b, err)
	}
	return m
}

// TestMCPOverStdio: a handshake, an episode won with the oracle's SQL, and
// the end of stdin ends the process with status 0; stdout held JSON-RPC
// messages only.
func TestMCPOverStdio(t *testing.T) {
	t.Parallel()
	cmd, stdin, cs, out, stderr := mcpProcess(t, "--log-level", "info", "--env", "sql/HR-v0,toolcall/*")
	lt, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range lt.Tools {
		names = append(names, tl.Name)
	}
	if !strings.Contains(strings.Join(names, " "), "submit_sql") || strings.Contains(strings.Join(names, " "), "shop_search") {
		t.Errorf("tools with --env sql/HR-v0,toolcall/*: %v", names)
	}
	env, err := envs.Default().Make("sql/HR-v0", nil)
	if err != nil {
		t.Fatal(err)
	}
	env.Reset(context.Background(), 4)
	a, err := env.(dojo.Oracle).OracleAction(context.Background())
	if err != nil || len(a.ToolCalls) != 1 {
		t.Fatalf("oracle: %v %v", a, err)
	}
	var gold map[string]any
	json.Unmarshal(a.ToolCalls[0].Arguments, &gold)

	st := callTool(t, cs, "start_episode", map[string]any{"env": "sql/HR-v0", "seed": 4})
	h := st["handle"].(string)
	callTool(t, cs, "list_tables", map[string]any{"handle": h})
	sr := callTool(t, cs, "submit_sql", map[string]any{"handle": h, "sql": gold["sql"]})
	if sr["ended"] != true {
		t.Fatalf("submit_sql: %v", sr)
	}
	end := callTool(t, cs, "end_episode", map[string]any{"handle": h})
	if end["success"] != true {
		t.Fatalf("end_episode: %v", end)
	}
	stdin.Close()
	waitExit(t, cmd, "stdin closed", stderr)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 5 {
		t.Fatalf("stdout: %q", out.String())
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["jsonrpc"] != "2.0" {
			t.Errorf("stdout line is not a JSON-RPC message: %q", l)
		}
	}
	if !strings.Contains(stderr.String(), "episode started") || strings.Contains(stderr.String(), `"jsonrpc"`) {
		t.Errorf("stderr should hold the logs only:\n%s", stderr.String())
	}
}

func TestMCPStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	cmd, _, cs, _, stderr := mcpProcess(t)
	callTool(t, cs, "start_episode", map[string]any{"env": "toolcall/Bank-v0"})
	cmd.Process.Signal(syscall.SIGTERM)
	waitExit(t, cmd, "SIGTERM", stderr)
}

// The SDK's own command transport starts dojo mcp, and its Close (which
// closes stdin) ends it.
func TestMCPCommandTransport(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(dojoBin, "mcp")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 20 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	le := callTool(t, cs, "list_envs", nil)
	if n := len(le["envs"].([]any)); n < 20 {
		t.Errorf("list_envs: %d envs", n)
	}
	if err := cs.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("dojo mcp's exit: %v", cmd.ProcessState)
	}
}

func TestMCPUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
		code int
	}{
		{[]string{"mcp", "extra"}, "mcp takes no arguments", 2},
		{[]string{"mcp", "--max-episodes", "0"}, "must be positive", 2},
		{[]string{"mcp", "--log-level", "loud"}, `--log-level "loud"`, 2},
		{[]string{"mcp", "--env", "gridworld/*"}, "no env whose actions are tool calls", 2},
	} {
		r := dojoCmd(t, "", tc.args...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("dojo %v: exit %d, stdout %q, stderr %q, want %d and %q", tc.args, r.code, r.stdout, r.stderr, tc.code, tc.want)
		}
	}
}
