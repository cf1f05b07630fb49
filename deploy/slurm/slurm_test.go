package slurm

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// jobWait bounds the wait for a job: to start, then to finish.
const jobWait = 5 * time.Minute

// requireCluster skips the test unless a Slurm cluster answers.
func requireCluster(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Skip("no Slurm here: sbatch is not on PATH (deploy/slurm/ci-cluster.sh starts a single-node cluster)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "sinfo", "-h", "-o", "%t").CombinedOutput()
	if err != nil {
		t.Skipf("no Slurm cluster answers (sinfo: %v: %s); deploy/slurm/ci-cluster.sh starts a single-node one", err, bytes.TrimSpace(out))
	}
	if !regexp.MustCompile(`(?m)^(idle|mix|alloc)`).Match(out) {
		t.Skipf("the Slurm cluster has no node up (sinfo says %q)", bytes.TrimSpace(out))
	}
}

// buildDojo builds the dojo binary into dir, as make build does.
func buildDojo(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "dojo")
	// deploy/ is a module of its own: build from the repository's root,
	// in dojo's module.
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/dojo")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building dojo: %v\n%s", err, out)
	}
	return bin
}

func run(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// jobState is the state of a job (COMPLETED, RUNNING, PENDING, FAILED...)
// while slurmctld remembers it; "" once it has forgotten it.
func jobState(id string) string {
	out, err := exec.Command("scontrol", "-o", "show", "job", id).Output()
	if err != nil {
		return ""
	}
	// An array job shows one line per task: report the first task not
	// completed, if any.
	states := regexp.MustCompile(`JobState=(\S+)`).FindAllStringSubmatch(string(out), -1)
	if len(states) == 0 {
		return ""
	}
	for _, s := range states {
		if s[1] != "COMPLETED" {
			return s[1]
		}
	}
	return "COMPLETED"
}

// waitJob waits for a job to end and returns its last state. It skips the
// test when the job could not even start within jobWait (a busy cluster).
func waitJob(t *testing.T, id string, done func() bool) string {
	t.Helper()
	deadline := time.Now().Add(jobWait)
	started := false
	for {
		st := jobState(id)
		switch {
		case st == "" && done():
			return "COMPLETED"
		case st == "":
			return "GONE"
		case st == "PENDING":
		case st == "RUNNING" || st == "CONFIGURING" || st == "COMPLETING":
			started = true
		default:
			return st
		}
		if time.Now().After(deadline) {
			if !started {
				t.Skipf("job %s still pending after %v: the cluster is busy", id, jobWait)
			}
			t.Fatalf("job %s still %s after %v", id, st, jobWait)
		}
		time.Sleep(time.Second)
	}
}

// wallClock matches the wall-clock members of a run directory's files
// (bench.WallClockFields and the episodes' wall_ms).
var wallClock = regexp.MustCompile(`"(wall_ms|episode_seconds)": ?[-+0-9.eE]+`)

func zeroWall(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return wallClock.ReplaceAllStringFunc(string(b), func(m string) string {
		return m[:strings.LastIndexByte(m, ':')+1] + "0"
	})
}

// TestBenchArray submits a benchmark as a job array of 3 shards and the
// dependent merge job with submit-bench.sh, waits for the merge, and
// compares the merged run with an unsharded run of the same suite: every
// file the same, byte for byte, apart from the wall-clock fields.
func TestBenchArray(t *testing.T) {
	requireCluster(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	bin := buildDojo(t, dir)
	suite := filepath.Join(dir, "suite.json")
	os.WriteFile(suite, []byte(`{"name": "slurm-v1", "entries": [
		{"env": "gridworld/FrozenLake-v1", "tasks": 10, "seed": 5},
		{"env": "bandit/Bernoulli-2-v0", "options": {"horizon": 20}, "tasks": 5, "seed": 9, "series": ["cumulative_regret"]},
		{"env": "toolcall/Mixed-v0", "tasks": 4, "seed": 7}]}`), 0o644)
	whole := filepath.Join(dir, "whole")
	run(t, nil, bin, "bench", "run", suite, "--agent", "random", "--workers", "1", "--out", whole)

	results := filepath.Join(dir, "results")
	ids := strings.Fields(run(t, []string{"DOJO_BIN=" + bin}, "./submit-bench.sh", suite, "random", results, "3", "--chdir="+dir))
	if len(ids) != 2 {
		t.Fatalf("submit-bench.sh printed %q, want the array's and the merge's job ids", ids)
	}
	array, merge := ids[0], ids[1]
	t.Cleanup(func() { exec.Command("scancel", array, merge).Run() })
	merged := filepath.Join(results, "merged")
	st := waitJob(t, merge, func() bool { _, err := os.Stat(filepath.Join(merged, "report.md")); return err == nil })
	if st != "COMPLETED" {
		logs, _ := filepath.Glob(filepath.Join(results, "slurm-*.out"))
		var b strings.Builder
		for _, l := range logs {
			data, _ := os.ReadFile(l)
			fmt.Fprintf(&b, "--- %s\n%s", filepath.Base(l), data)
		}
		t.Fatalf("merge job %s ended %s (array %s: %s)\n%s", merge, st, array, jobState(array), b.String())
	}
	for i := range 3 {
		if _, err := os.Stat(filepath.Join(results, fmt.Sprintf("shard-%d", i), "run.json")); err != nil {
			t.Errorf("shard %d of the array: %v", i, err)
		}
	}
	n := 0
	err := filepath.Walk(whole, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(whole, p)
		if got, want := zeroWall(t, filepath.Join(merged, rel)), zeroWall(t, p); got != want {
			t.Errorf("merged %s differs from the unsharded run's:\n%s\nwant\n%s", rel, got, want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 6 {
		t.Fatalf("the unsharded run wrote only %d files", n)
	}
	t.Logf("array %s (3 shards) and merge %s: %d files identical to the unsharded run's", array, merge, n)
}

// TestServe submits serve.sbatch on loopback, waits for the server's
// address and health check, and cancels the job.
func TestServe(t *testing.T) {
	requireCluster(t)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	bin := buildDojo(t, dir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	tok := make([]byte, 16)
	rand.Read(tok)
	addrs := filepath.Join(dir, "addrs")
	env := []string{"DOJO_BIN=" + bin, "DOJO_TOKEN=" + hex.EncodeToString(tok), "DOJO_ADDRS=" + addrs,
		"DOJO_LISTEN_HOST=127.0.0.1", fmt.Sprintf("DOJO_PORT=%d", port)}
	id := run(t, env, "sbatch", "--parsable", "--chdir="+dir, "--output="+filepath.Join(dir, "serve-%j.out"), "serve.sbatch")
	id, _, _ = strings.Cut(id, ";")
	t.Cleanup(func() { exec.Command("scancel", id).Run() })
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(jobWait)
	for {
		resp, err := client.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		st := jobState(id)
		if st != "PENDING" && st != "RUNNING" && st != "CONFIGURING" {
			out, _ := os.ReadFile(filepath.Join(dir, "serve-"+id+".out"))
			t.Fatalf("serve job %s is %q before its server answered:\n%s", id, st, out)
		}
		if time.Now().After(deadline) {
			if st == "PENDING" {
				t.Skipf("serve job %s still pending after %v: the cluster is busy", id, jobWait)
			}
			t.Fatalf("no health check on %s after %v (job %s)", base, jobWait, st)
		}
		time.Sleep(500 * time.Millisecond)
	}
	data, err := os.ReadFile(addrs)
	if err != nil || !strings.Contains(string(data), fmt.Sprintf(":%d\n", port)) {
		t.Errorf("addresses file: %q, %v; want a line HOST:%d", data, err, port)
	}
	// The token guards every other route.
	resp, err := client.Get(base + "/envs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /envs without the token: %s, want 401", resp.Status)
	}
	// scancel stops the server.
	run(t, nil, "scancel", id)
	for end := time.Now().Add(time.Minute); ; {
		if _, err := client.Get(base + "/health"); err != nil {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the server still answers a minute after scancel %s", id)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
