package protocol

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/runner"
)

// The exec agent tests run real agent processes: this test binary again,
// with DOJO_TEST_AGENT naming how the agent behaves (the os/exec
// helper-process pattern).
func TestMain(m *testing.M) {
	if mode := os.Getenv("DOJO_TEST_AGENT"); mode != "" {
		os.Exit(testAgent(mode))
	}
	os.Exit(m.Run())
}

// testAgent is an agent speaking the agent side of the protocol. It plays
// random actions drawn from the episode seed, and misbehaves as mode says:
//
//	random       plays well
//	crash        exits with status 3 at step 2 of episode 1
//	hang         stops answering at step 1 of episode 0
//	garbage      prints a non-JSON line at step 0 of episode 0
//	refuse       answers episode/start with an invalid-params error
//	unavailable  answers the first agent/act of each episode with -32005
//	stubborn     ignores SIGTERM and the end of its input
//	spawnhang    at step 1 of episode 0 starts `sleep 300` (its pid
//	             written to the file DOJO_TEST_CHILD), then hangs
//	spawn        starts `sleep 300` as spawnhang does when initialized,
//	             then plays well
//	stray        answers agent/act with an id dojo never sent
//	request      sends dojo a request instead of answering agent/act
//	gather       plays well, but its first agent/act waits until
//	             DOJO_TEST_GATHER="N DIR" has N processes (a file each in
//	             DIR), or 5s passed
func testAgent(mode string) int {
	if mode == "stubborn" {
		signal.Ignore(syscall.SIGTERM)
	}
	fmt.Fprintf(os.Stderr, "test agent %s started\n", mode)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 64<<20)
	out := bufio.NewWriter(os.Stdout)
	reply := func(id json.RawMessage, result any) {
		b, _ := json.Marshal(result)
		fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"result":%s}`+"\n", id, b)
		out.Flush()
	}
	replyErr := func(id json.RawMessage, code int, msg string) {
		fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"error":{"code":%d,"message":%q}}`+"\n", id, code, msg)
		out.Flush()
	}
	var rng *rand.Rand
	var nA int
	refused := map[int]bool{}
	gathered := false
	for in.Scan() {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params struct {
				Episode int       `json:"episode"`
				Step    int       `json:"step"`
				Seed    uint64    `json:"seed"`
				Spec    dojo.Spec `json:"spec"`
				Return  float64   `json:"return"`
				Success bool      `json:"success"`
				Obs     dojo.Obs  `json:"observation"`
			} `json:"params"`
		}
		if err := json.Unmarshal(in.Bytes(), &msg); err != nil {
			fmt.Fprintf(os.Stderr, "bad line from dojo: %v\n", err)
			return 1
		}
		p := msg.Params
		switch msg.Method {
		case "initialize":
			if mode == "spawn" {
				spawnChild()
			}
			if mode == "gather" {
				gather(true)
			}
			reply(msg.ID, map[string]any{"name": "test-agent"})
		case "episode/start":
			if mode == "refuse" {
				replyErr(msg.ID, -32602, "this agent plays bandits only")
				continue
			}
			rng = rand.New(rand.NewPCG(p.Seed, 1))
			nA = p.Spec.Action.N
			reply(msg.ID, nil)
		case "agent/act":
			switch {
			case mode == "crash" && p.Episode == 1 && p.Step == 2:
				fmt.Fprintln(os.Stderr, "about to crash")
				os.Exit(3)
			case mode == "hang" && p.Episode == 0 && p.Step == 1:
				fmt.Fprintln(os.Stderr, "hanging now")
				time.Sleep(time.Hour)
			case mode == "spawnhang" && p.Episode == 0 && p.Step == 1:
				spawnChild()
				fmt.Fprintln(os.Stderr, "hanging now")
				time.Sleep(time.Hour)
			case mode == "stray":
				fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%d,"result":{"action":0}}`+"\n", 1<<40)
				out.Flush()
				continue
			case mode == "request":
				fmt.Fprintln(out, `{"jsonrpc":"2.0","id":"x","method":"agent/help","params":{}}`)
				out.Flush()
				continue
			case mode == "garbage" && p.Episode == 0 && p.Step == 0:
				fmt.Fprintln(os.Stderr, "printing garbage")
				fmt.Fprintln(out, "hello, world")
				out.Flush()
				continue
			case mode == "gather" && !gathered:
				gathered = true
				gather(false)
			case mode == "unavailable" && !refused[p.Episode]:
				refused[p.Episode] = true
				replyErr(msg.ID, -32005, "busy, try again")
				continue
			}
			if p.Obs.Value == nil && p.Obs.Text == "" {
				fmt.Fprintln(os.Stderr, "no observation")
				return 1
			}
			reply(msg.ID, map[string]any{"action": rng.IntN(nA)})
		case "episode/end":
			fmt.Fprintf(os.Stderr, "episode %d ended: return %v success %v\n", p.Episode, p.Return, p.Success)
		}
	}
	if mode == "stubborn" {
		time.Sleep(time.Hour)
	}
	return 0
}

// spawnChild starts `sleep 300`, sharing the agent's stderr, and writes
// its pid to the file DOJO_TEST_CHILD.
func spawnChild() {
	cmd := exec.Command("sleep", "300")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "cannot start sleep: %v\n", err)
		os.Exit(1)
	}
	os.WriteFile(os.Getenv("DOJO_TEST_CHILD"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
}

// alive reports whether process pid runs (a zombie, exited but not yet
// reaped, does not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || (s[i+2] != 'Z' && s[i+2] != 'X')
}

// childPid waits for the file DOJO_TEST_CHILD names and returns the pid in
// it.
func childPid(t *testing.T, file string) int {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(file); err == nil && len(b) > 0 {
			pid, err := strconv.Atoi(string(b))
			if err != nil {
				t.Fatal(err)
			}
			return pid
		}
	}
	t.Fatalf("the agent wrote no child pid to %s", file)
	return 0
}

// gone waits up to 10s for process pid to be gone.
func gone(pid int) bool {
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if !alive(pid) {
			return true
		}
	}
	return false
}

// An agent that spawns a child and hangs is stopped at the action
// deadline with its child; an agent whose child outlives nothing but the
// run is stopped with it at Close.
func TestExecAgentKillsItsProcessGroup(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep command")
	}
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	t.Parallel()
	t.Run("action timeout", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "child")
		agent, logs := execAgent(t, "spawnhang", ExecOptions{Grace: 200 * time.Millisecond, Env: []string{"DOJO_TEST_CHILD=" + file}})
		done := make(chan []runner.Episode, 1)
		go func() { done <- run(t, agent, 1, 1, runner.Config{ActionTimeout: hangDeadline}) }()
		pid := childPid(t, file)
		if !alive(pid) {
			t.Fatalf("child %d is not running", pid)
		}
		var eps []runner.Episode
		select {
		case eps = <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("the run did not end at the action timeout:\n%s", logs.String())
		}
		if eps[0].ErrorCode != dojo.CodeTimeout {
			t.Errorf("episode: code %q error %q, want a timeout", eps[0].ErrorCode, eps[0].Error)
		}
		if !gone(pid) {
			t.Errorf("the agent's child %d still runs after the action timeout", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	t.Run("close", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "child")
		agent, logs := execAgent(t, "spawn", ExecOptions{Grace: 200 * time.Millisecond, Env: []string{"DOJO_TEST_CHILD=" + file}})
		eps := run(t, agent, 2, 1, runner.Config{})
		for _, ep := range eps {
			if ep.Error != "" {
				t.Fatalf("episode %d: %s\n%s", ep.Episode, ep.Error, logs.String())
			}
		}
		pid := childPid(t, file)
		done := make(chan struct{})
		go func() { agent.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("Close did not return")
		}
		if !gone(pid) {
			t.Errorf("the agent's child %d still runs after Close", pid)
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

// gather joins the gathering of the test agent's gather mode (join), or
// waits for it to be complete.
func gather(join bool) {
	var n int
	var dir string
	fmt.Sscan(os.Getenv("DOJO_TEST_GATHER"), &n, &dir)
	if join {
		os.WriteFile(filepath.Join(dir, strconv.Itoa(os.Getpid())), nil, 0o644)
		return
	}
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if files, _ := os.ReadDir(dir); len(files) >= n {
			return
		}
	}
}

// execAgent returns an ExecAgent running this test binary in mode, and the
// buffer its stderr goes to.
func execAgent(t *testing.T, mode string, opts ExecOptions) (*ExecAgent, *dojotest.SyncBuffer) {
	t.Helper()
	logs := &dojotest.SyncBuffer{}
	opts.Log = logs
	opts.Env = append(opts.Env, "DOJO_TEST_AGENT="+mode)
	a, err := NewExecAgent("'"+os.Args[0]+"' -test.run=^$", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a, logs
}

// run plays episodes of FrozenLake 8x8 with the agent and returns them.
func run(t *testing.T, agent dojo.AgentMaker, episodes, workers int, cfg runner.Config) []runner.Episode {
	t.Helper()
	cfg.Registry = testRegistry()
	cfg.Env = "gridworld/FrozenLake-v1"
	cfg.Options = dojo.Options{"map_name": "8x8"}
	cfg.Agent = agent
	cfg.AgentName = "exec:test"
	cfg.Episodes = episodes
	cfg.Workers = workers
	var eps []runner.Episode
	cfg.OnEpisode = func(ep runner.Episode) { eps = append(eps, ep) }
	if _, err := runner.Run(context.Background(), cfg); err != nil {
		t.Fatalf("runner.Run: %v", err)
	}
	byIndex := make([]runner.Episode, episodes)
	for _, ep := range eps {
		byIndex[ep.Episode] = ep
	}
	return byIndex
}

func TestExecAgentPlaysEpisodesOnePoolProcessPerWorker(t *testing.T) {
	t.Parallel()
	agent, logs := execAgent(t, "random", ExecOptions{})
	eps := run(t, agent, 8, 2, runner.Config{Seed: 5})
	for _, ep := range eps {
		if ep.Error != "" || ep.Length == 0 {
			t.Fatalf("episode %d: %+v", ep.Episode, ep)
		}
	}
	// The same run with one worker plays the same episodes: the agent's
	// randomness comes from the episode seed.
	again := run(t, agent, 8, 1, runner.Config{Seed: 5})
	for i := range eps {
		eps[i].WallMS, again[i].WallMS = 0, 0
	}
	if diff := cmp.Diff(eps, again); diff != "" {
		t.Errorf("1 worker vs 2 workers (-2 +1):\n%s", diff)
	}
	if err := agent.Close(); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if n := strings.Count(out, "test agent random started"); n < 1 || n > 2 {
		t.Errorf("%d agent processes for 2 workers:\n%s", n, out)
	}
	if n := strings.Count(out, "ended: return"); n != 16 {
		t.Errorf("%d episode/end notifications for 16 episodes:\n%s", n, out)
	}
	if !regexp.MustCompile(`(?m)^agent\[\d+\]: test agent random started$`).MatchString(out) {
		t.Errorf("agent stderr lines are not prefixed with agent[PID]:\n%s", out)
	}
}

// TestExecAgentInFlight checks that the runner's episodes in flight, not
// its workers, set the processes of an exec agent: one per episode in
// flight, each waiting at its first action until all are there.
func TestExecAgentInFlight(t *testing.T) {
	t.Parallel()
	const inFlight = 4
	agent, logs := execAgent(t, "gather", ExecOptions{Env: []string{fmt.Sprintf("DOJO_TEST_GATHER=%d %s", inFlight, t.TempDir())}})
	eps := run(t, agent, 12, 1, runner.Config{Seed: 3, InFlight: inFlight})
	for _, ep := range eps {
		if ep.Error != "" || ep.Length == 0 {
			t.Fatalf("episode %d: %+v", ep.Episode, ep)
		}
	}
	if err := agent.Close(); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if n := strings.Count(out, "test agent gather started"); n != inFlight {
		t.Errorf("%d agent processes for %d episodes in flight on 1 worker, want %d:\n%s", n, inFlight, inFlight, out)
	}
}

// hangDeadline is the deadline of the tests whose agent hangs: long enough
// for a loaded machine to start the agent's process and play its first
// step, so that only the hang can exceed it.
const hangDeadline = 5 * time.Second

func TestExecAgentFailuresFailTheirEpisodeAndRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode    string
		cfg     runner.Config
		failed  int // the episode that fails
		code    dojo.Code
		message []string
	}{
		{"crash", runner.Config{}, 1, dojo.CodeInternal, []string{"quit during agent/act at step 2 (exit status 3)", "its stderr ends with:", "\nabout to crash"}},
		{"garbage", runner.Config{}, 0, dojo.CodeInternal, []string{`not a JSON-RPC response on stdout: "hello, world"`, "log to stderr", "printing garbage"}},
		// The deadlines are seconds long: a loaded machine can take a
		// good part of a second to start the agent's process (under the
		// race detector), and the agent hangs only from step 1 on.
		{"hang", runner.Config{ActionTimeout: hangDeadline}, 0, dojo.CodeTimeout, []string{"action timeout"}},
		{"hang", runner.Config{EpisodeTimeout: hangDeadline}, 0, dojo.CodeTimeout, []string{"did not answer agent/act at step 1 before the deadline", "hanging now"}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s %v", tc.mode, tc.code), func(t *testing.T) {
			t.Parallel()
			agent, logs := execAgent(t, tc.mode, ExecOptions{Grace: 200 * time.Millisecond})
			eps := run(t, agent, 3, 1, tc.cfg)
			for _, ep := range eps {
				if ep.Episode != tc.failed {
					if ep.Error != "" {
						t.Errorf("episode %d failed too: %s", ep.Episode, ep.Error)
					}
					continue
				}
				if ep.ErrorCode != tc.code {
					t.Errorf("episode %d: code %q, want %q (error %s)", ep.Episode, ep.ErrorCode, tc.code, ep.Error)
				}
				for _, m := range tc.message {
					if !strings.Contains(ep.Error, m) {
						t.Errorf("episode %d error does not say %q:\n%s", ep.Episode, m, ep.Error)
					}
				}
			}
			// The failed process was replaced: two processes started.
			if n := strings.Count(logs.String(), "started"); n != 2 {
				t.Errorf("%d processes started, want 2 (one restart):\n%s", n, logs.String())
			}
		})
	}
}

func TestExecAgentActTimeoutQuotesStderr(t *testing.T) {
	t.Parallel()
	agent, _ := execAgent(t, "hang", ExecOptions{Grace: 100 * time.Millisecond})
	reg := testRegistry()
	env, _ := reg.Make("gridworld/FrozenLake-v1", nil)
	ctx := context.Background()
	obs, info, _ := env.Reset(ctx, 1)
	a, err := agent.NewAgent(ctx, dojo.EpisodeStart{Index: 0, Seed: 1, Spec: env.Spec(), Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Act(ctx, dojo.Turn{Obs: obs, Info: info}); err != nil {
		t.Fatal(err)
	}
	actx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = a.Act(actx, dojo.Turn{Step: 1, Obs: obs, Info: info})
	if dojo.ErrorCode(err) != dojo.CodeTimeout || !strings.Contains(err.Error(), "hanging now") {
		t.Errorf("hung agent: %v (code %s)", err, dojo.ErrorCode(err))
	}
	a.(dojo.EpisodeEnder).EndEpisode(ctx, dojo.EpisodeEnd{Err: err})
}

func TestExecAgentErrorsKeepTheirKind(t *testing.T) {
	t.Parallel()
	// -32602 from episode/start: the agent cannot play this env, and the
	// run stops with its words.
	refuse, _ := execAgent(t, "refuse", ExecOptions{})
	_, err := runner.Run(context.Background(), runner.Config{Registry: testRegistry(), Env: "gridworld/FrozenLake-v1", Agent: refuse, Episodes: 3})
	if dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), "this agent plays bandits only") {
		t.Errorf("refusing agent: %v", err)
	}
	// -32005 from agent/act is retried by the runner.
	busy, _ := execAgent(t, "unavailable", ExecOptions{})
	eps := run(t, busy, 2, 1, runner.Config{Retries: 1, RetryDelay: time.Millisecond})
	for _, ep := range eps {
		if ep.Error != "" {
			t.Errorf("episode %d: %s", ep.Episode, ep.Error)
		}
	}
	busy, _ = execAgent(t, "unavailable", ExecOptions{})
	eps = run(t, busy, 3, 1, runner.Config{Seed: 100})
	if eps[0].ErrorCode != dojo.CodeUnavailable || !strings.Contains(eps[0].Error, "busy, try again") {
		t.Errorf("unavailable without retries: code %q error %q", eps[0].ErrorCode, eps[0].Error)
	}
}

func TestExecAgentShutdownKillsStubbornProcesses(t *testing.T) {
	t.Parallel()
	agent, logs := execAgent(t, "stubborn", ExecOptions{Grace: 100 * time.Millisecond})
	run(t, agent, 2, 2, runner.Config{})
	agent.mu.Lock()
	var pids []int
	for _, p := range agent.idle {
		pids = append(pids, p.pid)
	}
	agent.mu.Unlock()
	if len(pids) == 0 {
		t.Fatalf("no idle process after the run:\n%s", logs.String())
	}
	done := make(chan struct{})
	go func() { agent.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return")
	}
	for _, pid := range pids {
		if p, err := os.FindProcess(pid); err == nil && p.Signal(syscall.Signal(0)) == nil {
			t.Errorf("process %d still runs after Close", pid)
		}
	}
	if _, err := agent.NewAgent(context.Background(), dojo.EpisodeStart{}); dojo.ErrorCode(err) != dojo.CodeCanceled {
		t.Errorf("NewAgent after Close: %v", err)
	}
}

func TestNewExecAgentChecksTheCommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ cmd, want string }{
		{"", "empty command"},
		{"   ", "empty command"},
		{"python3 'agent.py", "unterminated single quote"},
		{`python3 "agent.py`, "unterminated double quote"},
		{"dojo-no-such-program-x", `program "dojo-no-such-program-x" not found in PATH`},
		{"./no/such/agent", "./no/such/agent is not an executable file"},
	} {
		_, err := NewExecAgent(tc.cmd, ExecOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || dojo.ErrorCode(err) != dojo.CodeInvalid {
			t.Errorf("NewExecAgent(%q): %v, want an invalid error saying %q", tc.cmd, err, tc.want)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"python3 agent.py", []string{"python3", "agent.py"}},
		{"  a   b\tc  ", []string{"a", "b", "c"}},
		{`a 'b c' "d e"`, []string{"a", "b c", "d e"}},
		{`a 'it''s' x`, []string{"a", "its", "x"}},
		{`a "say \"hi\" \$HOME \\ \n"`, []string{"a", `say "hi" $HOME \ \n`}},
		{`a b\ c \'d`, []string{"a", "b c", "'d"}},
		{`a '' ""`, []string{"a", "", ""}},
		{`sh -c 'echo $X | cat'`, []string{"sh", "-c", "echo $X | cat"}},
	} {
		got, err := SplitCommand(tc.in)
		if err != nil || !cmp.Equal(got, tc.want) {
			t.Errorf("SplitCommand(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

// An agent that answers an id dojo never sent, or sends dojo a request,
// breaks the protocol: its episode fails at once, naming what it did,
// rather than waiting for a deadline.
func TestExecAgentStrayMessagesBreakTheProtocol(t *testing.T) {
	t.Parallel()
	for mode, want := range map[string]string{
		"stray":   "answered id 1099511627776, which dojo never sent",
		"request": `sent a request or notification ("\"agent/help\"")`,
	} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			agent, logs := execAgent(t, mode, ExecOptions{Grace: 200 * time.Millisecond})
			// The episode deadline only bounds the test should the
			// stray message be ignored.
			eps := run(t, agent, 1, 1, runner.Config{EpisodeTimeout: 20 * time.Second})
			ep := eps[0]
			if ep.ErrorCode != dojo.CodeInternal || !strings.Contains(ep.Error, "broke the protocol during agent/act at step 0") || !strings.Contains(ep.Error, want) {
				t.Errorf("code %q error:\n%s\nwant it to say %q\n%s", ep.ErrorCode, ep.Error, want, logs.String())
			}
		})
	}
}

// Without a deadline from the run, an exec agent's calls still have one.
func TestExecAgentDefaultActionTimeout(t *testing.T) {
	t.Parallel()
	if DefaultExecActionTimeout <= 0 {
		t.Fatal("no default action timeout")
	}
	agent, _ := execAgent(t, "hang", ExecOptions{Grace: 100 * time.Millisecond, ActionTimeout: hangDeadline})
	done := make(chan []runner.Episode, 1)
	go func() { done <- run(t, agent, 1, 1, runner.Config{}) }()
	select {
	case eps := <-done:
		if eps[0].ErrorCode != dojo.CodeTimeout || !strings.Contains(eps[0].Error, "did not answer agent/act at step 1 before the deadline") {
			t.Errorf("code %q error %q", eps[0].ErrorCode, eps[0].Error)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("a hung agent held the run past its default action timeout")
	}
}
