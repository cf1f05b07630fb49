package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dojo-rl/dojo/agents/openai/openaitest"
)

// closedPort returns the URL of a port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/v1"
	l.Close()
	return url
}

const badKey = `{"error":{"message":"Incorrect API key provided: sk-bad","type":"invalid_request_error"}}`

// TestRunFailuresAreLoud: episodes that fail with an infrastructure error
// make dojo run say so on stderr, with the message recorded in the file,
// and exit 1; --allow-errors exits 0 and warns.
func TestRunFailuresAreLoud(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A folder without the Spider data.
	r := dojoCmd(t, dir, "run", "sql/Spider-v0", "--agent", "oracle", "--episodes", "2", "--out", "spider.jsonl")
	want := "not_found ×2: env Reset: sql: no Spider data set at ../shared/data/spider-dev"
	if r.code != 1 || !strings.Contains(r.stderr, "2 of 2 episodes failed with an infrastructure error") || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "--allow-errors") {
		t.Errorf("missing data: exit %d, stderr:\n%s\nwant 1 and %q", r.code, r.stderr, want)
	}
	if !strings.Contains(r.stdout, "2 (not_found:2)") {
		t.Errorf("summary table:\n%s", r.stdout)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "spider.jsonl"))
	var ep struct{ Error string }
	json.Unmarshal(b[:bytes.IndexByte(b, '\n')], &ep)
	if ep.Error == "" || !strings.Contains(r.stderr, "not_found ×2: "+ep.Error) {
		t.Errorf("stderr does not quote the error recorded in the file, %q:\n%s", ep.Error, r.stderr)
	}
	// Resuming the same file says it again.
	if again := dojoCmd(t, dir, "run", "sql/Spider-v0", "--agent", "oracle", "--episodes", "2", "--out", "spider.jsonl"); again.code != 1 || !strings.Contains(again.stderr, want) {
		t.Errorf("resumed: exit %d, stderr:\n%s", again.code, again.stderr)
	}
	r = dojoCmd(t, dir, "run", "sql/Spider-v0", "--agent", "oracle", "--episodes", "2", "--allow-errors")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: 2 of 2 episodes failed") || !strings.Contains(r.stderr, want) {
		t.Errorf("--allow-errors: exit %d, stderr:\n%s", r.code, r.stderr)
	}

	// An exec agent writing garbage.
	script := filepath.Join(dir, "garbage.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nwhile read l; do echo garbage; done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r = dojoCmd(t, dir, "run", "gridworld/FrozenLake-v1", "--agent", "exec:./garbage.sh", "--episodes", "3")
	if r.code != 1 || !strings.Contains(r.stderr, "internal ×3: NewAgent: exec agent \"./garbage.sh\"") || !strings.Contains(r.stderr, "broke the protocol") {
		t.Errorf("garbage agent: exit %d, stderr:\n%s", r.code, r.stderr)
	}

	// Episodes that run out of their deadline are the agent's failures,
	// not infrastructure errors: exit 0.
	r = dojoCmd(t, dir, "run", "gridworld/FrozenLake-v1", "--agent", "random", "--episodes", "3", "--timeout", "1ns")
	if r.code != 0 || !strings.Contains(r.stdout, "timeout:3") || strings.Contains(r.stderr, "infrastructure") {
		t.Errorf("timeouts: exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestRejectedKeyStopsRunAndBench: a server answering 401 stops dojo run
// and dojo bench run at once, with its message, exit 1; the bench's report
// says the run stopped. At most one request per episode in flight is sent:
// those already on their way when the first 401 comes back.
func TestRejectedKeyStopsRunAndBench(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Always(openaitest.Reply{Status: http.StatusUnauthorized, Body: badKey}))
	url := srv.URL
	dir := t.TempDir()
	r := dojoCmd(t, dir, "run", "toolcall/Bank-v0", "--agent", "openai:"+url, "--model", "m", "--episodes", "50", "--concurrency", "2")
	want := "401 Unauthorized: Incorrect API key provided: sk-bad"
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("run: exit %d, stderr:\n%s\nwant 1 and %q", r.code, r.stderr, want)
	}
	if n := srv.Count(); n > 2 {
		t.Errorf("run: %d requests with 2 episodes in flight: it went on after the 401", n)
	}
	before := srv.Count()
	r = dojoCmd(t, dir, "bench", "run", "llm-v1", "--agent", "openai:"+url, "--model", "m", "--out", "b", "--concurrency", "2")
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("bench: exit %d, stderr:\n%s\nwant 1 and %q", r.code, r.stderr, want)
	}
	if n := srv.Count() - before; n > 2 {
		t.Errorf("bench: %d requests with 2 episodes in flight: it went on after the 401", n)
	}
	var rep struct {
		Stopped string
		Overall struct{ Episodes int }
	}
	b, err := os.ReadFile(filepath.Join(dir, "b", "report.json"))
	if err != nil || json.Unmarshal(b, &rep) != nil || !strings.Contains(rep.Stopped, want) || rep.Overall.Episodes != 0 {
		t.Errorf("report.json (%v): stopped %q, overall %+v: want why it stopped", err, rep.Stopped, rep.Overall)
	}
	if md, _ := os.ReadFile(filepath.Join(dir, "b", "report.md")); !bytes.Contains(md, []byte("The run stopped before the end of the suite")) {
		t.Errorf("report.md does not say the run stopped:\n%s", md)
	}
}

// TestLLMOnTextlessSuiteStops: core-v1 plays FrozenLake on its numbers; an
// LLM agent stops there at once, naming the options (and the suite) an LLM
// plays, before sending any request.
func TestLLMOnTextlessSuiteStops(t *testing.T) {
	t.Parallel()
	srv := openaitest.NewServer(t, openaitest.Always(openaitest.Reply{Body: `{"choices":[{"message":{"role":"assistant","content":"left"}}]}`}))
	url := srv.URL
	dir := t.TempDir()
	r := dojoCmd(t, dir, "bench", "run", "core-v1", "--agent", "openai:"+url, "--model", "m", "--out", "b")
	want := "gridworld/FrozenLake-v1 was made without text"
	if r.code != 1 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "llm-v1") {
		t.Errorf("bench core-v1: exit %d, stderr:\n%s\nwant 1, %q and llm-v1", r.code, r.stderr, want)
	}
	r = dojoCmd(t, dir, "run", "gridworld/FrozenLake-v1", "--agent", "openai:"+url, "--model", "m")
	if r.code != 1 || !strings.Contains(r.stderr, "--opt text=true --opt instructions=true") {
		t.Errorf("run FrozenLake: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if n := srv.Count(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestUnreachableServerStopsRunAndBench: a server that no request reaches
// stops the run once it was unreachable for DOJO_UNREACHABLE_AFTER (one
// minute by default, shortened here), exit 1.
func TestUnreachableServerStopsRunAndBench(t *testing.T) {
	t.Parallel()
	url := closedPort(t)
	env := []string{"DOJO_UNREACHABLE_AFTER=1s"}
	dir := t.TempDir()
	want := "no request has succeeded and the server has been unreachable for 1s"
	r := runDojoEnv(t, dir, env, "run", "toolcall/Bank-v0", "--agent", "openai:"+url, "--model", "m", "--episodes", "1000")
	if r.code != 1 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "connection refused") {
		t.Errorf("run: exit %d, stderr:\n%s\nwant 1 and %q", r.code, r.stderr, want)
	}
	r = runDojoEnv(t, dir, env, "bench", "run", "llm-v1", "--agent", "openai:"+url, "--model", "m", "--out", "b")
	if r.code != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("bench: exit %d, stderr:\n%s\nwant 1 and %q", r.code, r.stderr, want)
	}
	if r := runDojoEnv(t, dir, []string{"DOJO_UNREACHABLE_AFTER=soon"}, "run", "toolcall/Bank-v0", "--agent", "openai:"+url, "--model", "m"); r.code != 2 || !strings.Contains(r.stderr, "DOJO_UNREACHABLE_AFTER") {
		t.Errorf("bad DOJO_UNREACHABLE_AFTER: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// TestProgressLinesOffATerminal: off a terminal, dojo run writes a
// progress line every DOJO_PROGRESS_EVERY with the requests and tokens of
// an LLM agent, and a last one at the end.
func TestProgressLinesOffATerminal(t *testing.T) {
	t.Parallel()
	answer := `{"choices":[{"message":{"role":"assistant","content":"done"}}],"usage":{"prompt_tokens":100,"completion_tokens":5}}`
	url := openaitest.NewServer(t, openaitest.Always(openaitest.Reply{Body: answer, Delay: 150 * time.Millisecond})).URL
	r := runDojoEnv(t, t.TempDir(), []string{"DOJO_PROGRESS_EVERY=20ms"}, "run", "toolcall/Bank-v0", "--agent", "openai:"+url, "--model", "m", "--episodes", "4", "--workers", "1")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := lines[len(lines)-1]
	if len(lines) < 2 || !strings.Contains(last, "toolcall/Bank-v0  4/4  100%") || !strings.Contains(last, "req 4  tok 420") {
		t.Errorf("progress lines:\n%s\nwant several, the last at 4/4 with 4 requests and 420 tokens", r.stderr)
	}
	if r := runDojoEnv(t, t.TempDir(), []string{"DOJO_PROGRESS_EVERY=often"}, "run", "toolcall/Bank-v0", "--agent", "random"); r.code != 2 || !strings.Contains(r.stderr, "DOJO_PROGRESS_EVERY") {
		t.Errorf("bad DOJO_PROGRESS_EVERY: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// TestBenchFailuresAreLoud: a bench whose episodes fail with an
// infrastructure error stops after the entry and exits 1, listing the
// errors; with --allow-errors it goes on and exits 0, and the report marks
// the entry as not run.
func TestBenchFailuresAreLoud(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeSuite(t, dir, `{"name": "data-v1", "entries": [
		{"env": "sql/Spider-v0", "tasks": 3, "seed": 0},
		{"env": "gridworld/FrozenLake-v1", "options": {"is_slippery": false}, "tasks": 5, "seed": 3}
	]}`)
	r := dojoCmd(t, dir, "bench", "run", "suite.json", "--agent", "oracle", "--out", "o")
	if r.code != 1 || !strings.Contains(r.stderr, "3 of 3 episodes failed with an infrastructure error") || !strings.Contains(r.stderr, "sql/Spider-v0:\n    not_found ×3: env Reset: sql: no Spider data set") || !strings.Contains(r.stderr, "the run stopped after that entry") {
		t.Errorf("bench: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "not run: all 3 episodes failed with an infrastructure error (not_found: 3)") || !strings.Contains(r.stdout, "not played: no episodes recorded (the run did not get to it)") {
		t.Errorf("bench table:\n%s", r.stdout)
	}
	r = dojoCmd(t, dir, "bench", "run", "suite.json", "--agent", "oracle", "--out", "o2", "--allow-errors")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: 3 of 8 episodes failed") || !regexp.MustCompile(`overall \(mean of 1 envs\) +5 +100.0%`).MatchString(r.stdout) {
		t.Errorf("--allow-errors: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestHelpDocumentsExitStatus(t *testing.T) {
	t.Parallel()
	r := dojoCmd(t, "", "help")
	for _, want := range []string{"exit status:", "--allow-errors exits 0", "DOJO_UNREACHABLE_AFTER", "DOJO_PROGRESS_EVERY"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dojo help lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, cmd := range [][]string{{"run", "-h"}, {"bench", "run", "-h"}} {
		if r := dojoCmd(t, "", cmd...); !strings.Contains(r.stderr, "-allow-errors") {
			t.Errorf("dojo %v does not list --allow-errors:\n%s", cmd, r.stderr)
		}
	}
}
