package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
)

// dojoBin is the dojo binary built once for the end-to-end tests, which run
// it as a user would.
var dojoBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dojo-cli-test")
	if err != nil {
		panic(err)
	}
	dojoBin = filepath.Join(dir, "dojo")
	build := exec.Command("go", "build", "-o", dojoBin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("building dojo: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// dojoCmd runs the binary with args in dir (the test's temp dir if empty).
func dojoCmd(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return runDojo(t, dir, nil, args...)
}

// runDojo runs the binary with args in dir (the test's temp dir if empty),
// reading stdin (none if nil).
func runDojo(t *testing.T, dir string, stdin io.Reader, args ...string) result {
	t.Helper()
	return runDojoWith(t, dir, stdin, nil, args...)
}

// runDojoEnv runs the binary in dir with extra environment variables.
func runDojoEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	return runDojoWith(t, dir, nil, env, args...)
}

// runDojoWith runs the binary with args in dir (the test's temp dir if
// empty), reading stdin (none if nil), with the extra environment
// variables env, for at most two minutes.
func runDojoWith(t *testing.T, dir string, stdin io.Reader, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, dojoBin, args...)
	if dir == "" {
		dir = t.TempDir()
	}
	cmd.Dir = dir
	cmd.Stdin = stdin
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("dojo %v: %v", args, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

func TestListAndDescribe(t *testing.T) {
	t.Parallel()
	r := dojoCmd(t, "", "list")
	if r.code != 0 {
		t.Fatalf("list: exit %d: %s", r.code, r.stderr)
	}
	for _, id := range []string{"gridworld/FrozenLake-v1", "gridworld/CliffWalking-v0", "gridworld/Taxi-v3", "gridworld/DoorKey-8x8-v0", "bandit/Bernoulli-10-v0"} {
		if !strings.Contains(r.stdout, id) {
			t.Errorf("list does not show %s", id)
		}
	}
	r = dojoCmd(t, "", "list", "--json")
	var specs []dojo.Spec
	if err := json.Unmarshal([]byte(r.stdout), &specs); err != nil || len(specs) < 10 {
		t.Fatalf("list --json: %d specs, %v", len(specs), err)
	}
	for _, s := range specs {
		if err := s.Validate(); err != nil {
			t.Errorf("list --json: %v", err)
		}
	}
	r = dojoCmd(t, "", "describe", "gridworld/FrozenLake-v1")
	for _, want := range []string{"is_slippery", "map_name", "reward components", "success", "Discrete(4)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("describe does not mention %q:\n%s", want, r.stdout)
		}
	}
	r = dojoCmd(t, "", "describe", "gridworld/FrozenLake-v1", "--opt", "map_name=8x8", "--json")
	var spec dojo.Spec
	if err := json.Unmarshal([]byte(r.stdout), &spec); err != nil || spec.Observation.N != 64 {
		t.Errorf("describe 8x8 --json: observation %+v, %v", spec.Observation, err)
	}
}

func TestUsageErrorsExit2AndNameTheProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "usage: dojo COMMAND"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"run"}, "needs exactly one env id"},
		{[]string{"run", "gridworld/FrozenLake-v9"}, `unknown env id "gridworld/FrozenLake-v9" (did you mean gridworld/FrozenLake-v1?)`},
		{[]string{"run", "gridworld/FrozenLak-v1"}, `unknown env id "gridworld/FrozenLak-v1" (did you mean gridworld/FrozenLake-v1, gridworld/FrozenLake8x8-v1?)`},
		{[]string{"run", "gridworld/FrozenLake-v1", "--episodez", "3"}, "flag provided but not defined: -episodez"},
		{[]string{"run", "gridworld/FrozenLake-v1", "--opt", "slippery=true"}, `unknown option "slippery"`},
		{[]string{"run", "gridworld/FrozenLake-v1", "--opt", "is_slippery=maybe"}, `option "is_slippery"`},
		{[]string{"run", "gridworld/FrozenLake-v1", "--opt", "is_slippery"}, "want key=value"},
		{[]string{"run", "gridworld/FrozenLake-v1", "--reward", "dense"}, `unknown reward profile "dense"`},
		{[]string{"run", "gridworld/FrozenLake-v1", "--reward", "speed=1"}, `unknown component "speed"`},
		{[]string{"run", "gridworld/FrozenLake-v1", "--agent", "genius"}, `unknown agent "genius"`},
		{[]string{"run", "gridworld/FrozenLake-v1", "--episodes", "0"}, "--episodes 0"},
		{[]string{"mdp", "gridworld/DoorKey-8x8-v0"}, "has no exact model"},
		{[]string{"list", "nofamily"}, `no env of family "nofamily"`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			r := dojoCmd(t, "", tc.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tc.want)
			}
		})
	}
}

func TestMDPJSONIsGymnasiumLayout(t *testing.T) {
	t.Parallel()
	r := dojoCmd(t, "", "mdp", "gridworld/FrozenLake-v1", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var m struct {
		NS, NA int
		P      map[string]map[string][][4]any
		Init   []float64 `json:"initial_state_distrib"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatal(err)
	}
	if m.NS != 16 || m.NA != 4 || len(m.P) != 16 || len(m.Init) != 16 || m.Init[0] != 1 {
		t.Fatalf("nS=%d nA=%d |P|=%d init=%v", m.NS, m.NA, len(m.P), m.Init)
	}
	// Gymnasium: in state 14 (next to the goal), moving right (2) on slippery
	// ice goes down (stays, 14), right (goal 15, reward 1, terminated) or up
	// (10), a third each — the sides with (1 − 1/3)/2, which is
	// 0.33333333333333337 in floating point, as in Gymnasium's own table.
	got, _ := json.Marshal(m.P["14"]["2"])
	want := `[[0.33333333333333337,14,0,false],[0.3333333333333333,15,1,true],[0.33333333333333337,10,0,false]]`
	if string(got) != want {
		t.Errorf("P[14][2] = %s, want %s", got, want)
	}
}

func TestCheckCommand(t *testing.T) {
	t.Parallel()
	r := dojoCmd(t, "", "check", "gridworld/FrozenLake-v1", "bandit/Bernoulli-10-v0", "--seeds", "2")
	if r.code != 0 || !strings.Contains(r.stdout, "ok    gridworld/FrozenLake-v1") || !strings.Contains(r.stdout, "ok    bandit/Bernoulli-10-v0") {
		t.Errorf("check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// readLines returns the JSON lines of an episode file, failing on any line
// that does not parse.
func readLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s line %d is not JSON: %v", path, len(out)+1, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func episodeSet(t *testing.T, lines []map[string]any) map[int]bool {
	t.Helper()
	seen := map[int]bool{}
	for _, l := range lines {
		i := int(l["episode"].(float64))
		if seen[i] {
			t.Fatalf("episode %d recorded twice", i)
		}
		seen[i] = true
	}
	return seen
}

func TestInterruptLeavesCleanFileThatResumes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "run.jsonl")
	args := []string{"run", "gridworld/FrozenLake-v1", "--agent", "random", "--episodes", "200000", "--out", out, "--workers", "2"}
	cmd := exec.Command(dojoBin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until episodes are on disk, then interrupt as Ctrl-C would.
	deadline := time.Now().Add(time.Minute)
	for {
		if st, err := os.Stat(out); err == nil && st.Size() > 50000 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no output after a minute: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("interrupted run: %v, want exit status 1; stderr %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "rerun the same command to resume") {
		t.Errorf("stderr does not say how to resume: %s", stderr.String())
	}
	lines := readLines(t, out)
	n := len(lines)
	if n == 0 || n >= 200000 {
		t.Fatalf("%d episodes after the interrupt", n)
	}
	episodeSet(t, lines)
	// Resume with fewer episodes than the full run: only the missing ones of
	// the first n+50 run.
	r := dojoCmd(t, dir, "run", "gridworld/FrozenLake-v1", "--agent", "random", "--episodes", itoa(n+50), "--out", out, "--workers", "2", "--json")
	if r.code != 0 {
		t.Fatalf("resume: exit %d: %s", r.code, r.stderr)
	}
	lines = readLines(t, out)
	seen := episodeSet(t, lines)
	for i := range n + 50 {
		if !seen[i] && i < n+50 {
			// Episodes beyond n+50 may exist from the interrupted run (they
			// ran in parallel); every index below n+50 must be there.
			t.Fatalf("episode %d missing after resume", i)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestDemo(t *testing.T) {
	t.Parallel()
	r := dojoCmd(t, "", "demo")
	if r.code != 0 {
		t.Fatalf("demo: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"gridworld/FrozenLake-v1", "bandit/Bernoulli-10-v0", "thompson", "95% CI"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, r.stdout)
		}
	}
	// The oracle solves every deterministic world: those lines say 100%.
	oracles := 0
	for _, line := range strings.Split(r.stdout, "\n") {
		f := strings.Fields(line)
		k := slices.Index(f, "oracle") // env [options...] oracle episodes success ...
		if k < 1 || len(f) < k+3 || strings.Contains(f[0], "FrozenLake") {
			continue
		}
		oracles++
		if f[k+2] != "100.0%" {
			t.Errorf("oracle below 100%% on a deterministic world: %s", line)
		}
	}
	if oracles < 5 {
		t.Errorf("only %d oracle lines on deterministic worlds in the demo:\n%s", oracles, r.stdout)
	}
}

func TestRunRecordsAndResumes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"run", "gridworld/FrozenLake-v1", "--agent", "oracle", "--episodes", "20", "--seed", "7",
		"--opt", "is_slippery=false", "--reward", "shaped", "--out", "run.jsonl", "--json"}
	r := dojoCmd(t, dir, args...)
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	var sum struct {
		Episodes, Successes, Resumed int
		SuccessRate                  float64 `json:"success_rate"`
		MeanLength                   float64 `json:"mean_length"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("--json summary: %v\n%s", err, r.stdout)
	}
	if sum.Episodes != 20 || sum.Successes != 20 || sum.MeanLength != 6 {
		t.Errorf("summary %+v: want 20 successes of length 6", sum)
	}
	lines := readLines(t, filepath.Join(dir, "run.jsonl"))
	if len(lines) != 20 {
		t.Fatalf("%d lines, want 20", len(lines))
	}
	first := lines[0]
	if first["env"] != "gridworld/FrozenLake-v1" || first["agent"] != "oracle" || len(first["steps"].([]any)) != 6 {
		t.Errorf("episode line: env %v agent %v steps %d", first["env"], first["agent"], len(first["steps"].([]any)))
	}
	if opts := first["options"].(map[string]any); opts["reward"] != "shaped" || opts["is_slippery"] != false {
		t.Errorf("recorded options %v", opts)
	}
	// The same command again has nothing to do; more episodes add only the
	// missing ones.
	r = dojoCmd(t, dir, args...)
	if r.code != 0 || len(readLines(t, filepath.Join(dir, "run.jsonl"))) != 20 {
		t.Fatalf("rerun: exit %d, stderr %s", r.code, r.stderr)
	}
	args[5] = "25"
	r = dojoCmd(t, dir, args...)
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil || sum.Resumed != 20 || sum.Episodes != 25 {
		t.Errorf("resume: %+v, %v", sum, err)
	}
	if got := episodeSet(t, readLines(t, filepath.Join(dir, "run.jsonl"))); len(got) != 25 {
		t.Errorf("%d distinct episodes after resume, want 25", len(got))
	}
	// A different agent into the same file is refused: runs never mix.
	r = dojoCmd(t, dir, "run", "gridworld/FrozenLake-v1", "--agent", "random", "--out", "run.jsonl")
	if r.code == 0 || !strings.Contains(r.stderr, "run.jsonl") {
		t.Errorf("mixing runs: exit %d, stderr %s", r.code, r.stderr)
	}
}
