package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dojo-rl/dojo/agents/openai/openaitest"
)

// gateLLM is an OpenAI-compatible server that holds every request until
// want requests are in flight at once (or, as a fallback that keeps a
// failing test short, until gateFallback after the first request), then
// answers each with a final message. Its Peak is the most requests it saw
// in flight at once: want when the client keeps want requests in flight,
// fewer when it cannot.
type gateLLM struct {
	*openaitest.Server
	want     int32
	inFlight atomic.Int32 // requests held at the gate
	once     sync.Once
	open     chan struct{}
	first    sync.Once
}

const gateFallback = 5 * time.Second

func newGateLLM(t *testing.T, want int) *gateLLM {
	g := &gateLLM{want: int32(want), open: make(chan struct{})}
	g.Server = openaitest.NewServer(t, func(r *openaitest.Request) openaitest.Reply {
		g.first.Do(func() { time.AfterFunc(gateFallback, g.release) })
		if g.inFlight.Add(1) >= g.want {
			g.release()
		}
		select {
		case <-g.open:
		case <-r.Context().Done():
		}
		g.inFlight.Add(-1)
		return openaitest.Reply{Body: `{"choices":[{"message":{"role":"assistant","content":"done"}}],"usage":{"prompt_tokens":10,"completion_tokens":1}}`}
	})
	return g
}

func (g *gateLLM) release() { g.once.Do(func() { close(g.open) }) }

func (g *gateLLM) url() string { return "openai:" + g.URL }

// TestLLMConcurrency checks that the episodes of an LLM agent in flight
// are set by --concurrency (16 by default), not by the CPU workers: toolcall
// episodes answered at once by a final message make one request each, and
// the server sees as many at once as episodes are in flight.
func TestLLMConcurrency(t *testing.T) {
	t.Parallel()
	suite := filepath.Join(t.TempDir(), "suite.json")
	if err := os.WriteFile(suite, []byte(`{"name":"gate-v0","entries":[{"env":"toolcall/Bank-v0","tasks":12,"seed":0}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		want int // requests in flight at once
		args []string
	}{
		{"run --concurrency 8", 8, []string{"run", "toolcall/Bank-v0", "--episodes", "12", "--concurrency", "8"}},
		{"run default", 16, []string{"run", "toolcall/Bank-v0", "--episodes", "20"}},
		{"run --concurrency 3 --workers 1", 3, []string{"run", "toolcall/Bank-v0", "--episodes", "6", "--concurrency", "3", "--workers", "1"}},
		{"bench run --concurrency 12", 12, []string{"bench", "run", suite, "--concurrency", "12", "--out", "bench"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newGateLLM(t, tc.want)
			args := append(tc.args, "--agent", g.url(), "--model", "m", "--json")
			r := dojoCmd(t, "", args...)
			if r.code != 0 {
				t.Fatalf("dojo %v: exit %d\n%s", args, r.code, r.stderr)
			}
			if p := g.Peak(); p != tc.want {
				t.Errorf("dojo %v: at most %d requests in flight at once, want %d", args, p, tc.want)
			}
			var out struct {
				Episodes int `json:"episodes"`
				Errors   int `json:"errors"`
			}
			if tc.args[0] == "run" {
				if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
					t.Fatalf("summary: %v\n%s", err, r.stdout)
				}
				n, _ := strconv.Atoi(tc.args[3])
				if out.Episodes != n || out.Errors != 0 || g.Count() != n {
					t.Errorf("%d episodes, %d errors, %d requests; want %d, 0, %d", out.Episodes, out.Errors, g.Count(), n, n)
				}
			}
		})
	}
}

// TestAgentFlagsInFlight checks which agents --concurrency asks the runner
// for episodes in flight: exec agents explicitly; the openai agent says it
// itself (runner.InFlighter); built-in agents take no --concurrency.
func TestAgentFlagsInFlight(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"--agent", "exec:python3 agent.py", "--concurrency", "5"}, 5},
		{[]string{"--agent", "exec:python3 agent.py"}, 0},
		{[]string{"--agent", "openai:http://127.0.0.1:1/v1", "--concurrency", "5"}, 0},
		{[]string{"--agent", "random"}, 0},
	} {
		fs := flag.NewFlagSet("run", flag.ContinueOnError)
		af := addAgentFlags(fs, "random")
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if got := af.inFlight(); got != tc.want {
			t.Errorf("%v: %d episodes in flight asked of the runner, want %d", tc.args, got, tc.want)
		}
	}
}

// TestHistoryFlag checks that --history is recorded with the agent in each
// episode line, so that resuming under another policy is refused, and that
// a bad policy or a policy for another agent is a usage error.
func TestHistoryFlag(t *testing.T) {
	t.Parallel()
	g := newGateLLM(t, 1)
	dir := t.TempDir()
	run := func(args ...string) result {
		return dojoCmd(t, dir, append([]string{"run", "toolcall/Bank-v0", "--agent", g.url(), "--model", "m", "--out", "run.jsonl"}, args...)...)
	}
	if r := run("--episodes", "2", "--history", "last:3"); r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "run.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	for _, l := range lines {
		var ep struct{ Agent string }
		if err := json.Unmarshal([]byte(l), &ep); err != nil || !strings.HasSuffix(ep.Agent, " model=m history=last:3") {
			t.Errorf("record agent %q (%v): want the history policy in it", ep.Agent, err)
		}
	}
	if len(lines) != 2 {
		t.Errorf("%d records, want 2", len(lines))
	}
	r := run("--episodes", "3", "--history", "full")
	if r.code == 0 || !strings.Contains(r.stderr, "from another run") {
		t.Errorf("resuming under --history full: exit %d, stderr %q; want a refusal", r.code, r.stderr)
	}
	if r := run("--episodes", "3", "--history", "last:3"); r.code != 0 {
		t.Errorf("resuming under the same policy: exit %d\n%s", r.code, r.stderr)
	}
	for _, args := range [][]string{
		{"run", "toolcall/Bank-v0", "--agent", g.url(), "--model", "m", "--history", "last:0"},
		{"run", "toolcall/Bank-v0", "--agent", g.url(), "--model", "m", "--history", "recent"},
		{"run", "toolcall/Bank-v0", "--agent", g.url(), "--model", "m", "--rps", "-1"},
		{"run", "toolcall/Bank-v0", "--agent", g.url(), "--model", "m", "--concurrency", "-1"},
		{"run", "toolcall/Bank-v0", "--agent", "random", "--history", "last:2"},
		{"run", "toolcall/Bank-v0", "--agent", "random", "--rps", "2"},
		{"bench", "run", "core-v1", "--agent", g.url(), "--model", "m", "--history", "last"},
	} {
		if r := dojoCmd(t, dir, args...); r.code != 2 {
			t.Errorf("dojo %v: exit %d, want 2 (usage)\n%s", args, r.code, r.stderr)
		}
	}
}
