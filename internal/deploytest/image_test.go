package deploytest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/server"
	"github.com/dojo-rl/dojo/server/servertest"
)

// docker runs the docker command line with args (and extra environment
// variables env) for at most timeout, returning its stdout and an error
// carrying its stderr.
func docker(timeout time.Duration, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// dockerLogs is what the container wrote on stdout and stderr.
func dockerLogs(name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "logs", name).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("docker logs: %v: %s", err, out)
	}
	return string(out)
}

// needDocker skips the test, saying why, unless a Docker daemon answers.
func needDocker(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("docker is not installed (CI installs Debian's docker.io): the image is not built here")
	}
	v, err := docker(30*time.Second, nil, "version", "--format", "{{.Server.Version}}")
	if err != nil {
		t.Skipf("no Docker daemon answers, so the image is not built here: %v", err)
	}
	t.Logf("Docker daemon %s", strings.TrimSpace(v))
}

// imageInfo is what the test reads of `docker image inspect`.
type imageInfo struct {
	Size   int64
	Config struct {
		User         string
		Labels       map[string]string
		Entrypoint   []string
		Cmd          []string
		ExposedPorts map[string]struct{}
		Healthcheck  *struct {
			Test []string
		}
	}
}

// TestReleaseImage builds the release image (deploy/build-image.sh, as make
// image does) from a freshly built binary, runs it with the token from an
// environment variable and its port published on 127.0.0.1, waits for
// Docker's health check to pass, plays a FrozenLake episode through the
// container over OpenEnv's WebSocket and over /rpc (the same answers as a
// server in this process gives), checks the token is enforced, that the
// server runs as a user other than root and /tmp is writable, and that
// docker stop ends it with exit status 0 (SIGTERM handled as PID 1, not
// killed at the end of the grace period). It removes the container and the
// image, and logs the image's size.
func TestReleaseImage(t *testing.T) {
	needDocker(t)
	root := repoRoot(t)
	bin := buildDojo(t, t.TempDir())

	suffix := make([]byte, 6)
	rand.Read(suffix)
	name := "dojo-test-" + hex.EncodeToString(suffix)
	tag := name + ":test"
	build := exec.Command(filepath.Join(root, "deploy", "build-image.sh"), bin, tag, "0.0.0-test")
	build.Env = append(os.Environ(), "REVISION=test-revision")
	out, err := build.CombinedOutput()
	t.Cleanup(func() {
		if _, err := docker(time.Minute, nil, "image", "rm", "-f", tag); err != nil {
			t.Errorf("removing the image: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("deploy/build-image.sh: %v\n%s", err, out)
	}

	js, err := docker(time.Minute, nil, "image", "inspect", tag)
	if err != nil {
		t.Fatal(err)
	}
	var infos []imageInfo
	if err := json.Unmarshal([]byte(js), &infos); err != nil || len(infos) != 1 {
		t.Fatalf("docker image inspect: %v: %.500s", err, js)
	}
	img := infos[0]
	t.Logf("release image: %.1f MB (%d bytes)", float64(img.Size)/1e6, img.Size)
	if u := img.Config.User; u == "" || u == "0" || u == "root" || strings.HasPrefix(u, "0:") || strings.HasPrefix(u, "root:") {
		t.Errorf("image user %q: want a user other than root", u)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.version":  "0.0.0-test",
		"org.opencontainers.image.revision": "test-revision",
		"org.opencontainers.image.source":   "https://github.com/dojo-rl/dojo",
	} {
		if got := img.Config.Labels[k]; got != want {
			t.Errorf("label %s = %q, want %q", k, got, want)
		}
	}
	if hc := img.Config.Healthcheck; hc == nil || !slices.Contains(hc.Test, "health") {
		t.Errorf("health check %+v: want dojo health", hc)
	}
	if got := strings.Join(append(img.Config.Entrypoint, img.Config.Cmd...), " "); got != "/dojo serve --listen 0.0.0.0:8000" {
		t.Errorf("entrypoint and command %q, want /dojo serve --listen 0.0.0.0:8000", got)
	}

	// The token goes in through the environment (docker run -e DOJO_TOKEN
	// takes the value from docker's own environment), not the command line.
	const token = "image-test-token-5be1"
	if _, err := docker(time.Minute, []string{"DOJO_TOKEN=" + token},
		"run", "-d", "--name", name, "-p", "127.0.0.1::8000", "-e", "DOJO_TOKEN", tag); err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			t.Logf("container logs:\n%s", dockerLogs(name))
		}
		if _, err := docker(time.Minute, nil, "rm", "-f", name); err != nil {
			t.Errorf("removing the container: %v", err)
		}
	})
	ports, err := docker(time.Minute, nil, "port", name, "8000/tcp")
	if err != nil {
		t.Fatal(err)
	}
	var addr string
	for _, l := range strings.Fields(ports) {
		if strings.HasPrefix(l, "127.0.0.1:") {
			addr = l
		}
	}
	if addr == "" {
		t.Fatalf("docker port: %q, want 127.0.0.1:PORT", ports)
	}

	// Docker's own health check (dojo health inside the container) must
	// pass: its first run comes after the 10 s interval.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := docker(time.Minute, nil, "inspect", "-f", "{{.State.Status}} {{.State.Health.Status}}", name)
		if err != nil {
			t.Fatal(err)
		}
		st = strings.TrimSpace(st)
		if st == "running healthy" {
			break
		}
		if !strings.HasPrefix(st, "running") || strings.HasSuffix(st, "unhealthy") || time.Now().After(deadline) {
			logs, _ := docker(time.Minute, nil, "inspect", "-f", "{{json .State}}", name)
			t.Fatalf("container state %q, want running healthy:\n%s", st, logs)
		}
		time.Sleep(time.Second)
	}

	base := "http://" + addr
	get := func(path, tok string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := get("/health", ""); c != http.StatusOK {
		t.Errorf("GET /health from the host: %d", c)
	}
	if c := get("/envs", ""); c != http.StatusUnauthorized {
		t.Errorf("GET /envs without the token: %d, want 401", c)
	}
	if c := get("/envs", token); c != http.StatusOK {
		t.Errorf("GET /envs with the token: %d, want 200", c)
	}

	// An episode through the container, and the same one in this process.
	ctx := context.Background()
	local := servertest.Start(t, server.Config{Registry: envs.Default()})
	actions := []int{1, 2, 2, 1, 0, 2, 3, 1}
	const env = "gridworld/FrozenLake-v1"
	play := func(base, tok string) (openenv, rpc []string) {
		t.Helper()
		s, err := dial(ctx, base+"/envs/"+env+"/ws", tok)
		if err != nil {
			t.Fatal(err)
		}
		defer s.close()
		if openenv, err = s.playOpenEnv(ctx, 7, actions); err != nil {
			t.Fatalf("OpenEnv episode at %s: %v", base, err)
		}
		r, err := dial(ctx, base+"/rpc", tok)
		if err != nil {
			t.Fatal(err)
		}
		defer r.close()
		if rpc, err = r.playRPC(ctx, env, 7, actions); err != nil {
			t.Fatalf("rpc episode at %s: %v", base, err)
		}
		return openenv, rpc
	}
	gotOE, gotRPC := play("ws://"+addr, token)
	wantOE, wantRPC := play("ws://"+local, "")
	if !slices.Equal(gotOE, wantOE) || !slices.Equal(gotRPC, wantRPC) {
		t.Errorf("the container's episode differs from this process's:\nOpenEnv %q\nwant %q\nrpc %q\nwant %q", gotOE, wantOE, gotRPC, wantRPC)
	}
	t.Logf("played a %d-step episode over OpenEnv and a %d-step one over /rpc through the container", len(gotOE)-1, len(gotRPC)-1)

	// The server's process, seen by the host, runs as a user other than
	// root.
	top, err := docker(time.Minute, nil, "top", name, "-o", "uid,pid,args")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(top), "\n")
	if len(lines) < 2 {
		t.Fatalf("docker top: %q", top)
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 3 || f[0] == "0" || f[0] == "root" {
			t.Errorf("process %q runs as root (docker top)", l)
		}
	}
	// /tmp is writable by that user: a run writes its episodes there.
	if out, err := docker(2*time.Minute, nil, "exec", name, "/dojo", "run", env, "--agent", "random", "--episodes", "3", "--out", "/tmp/episodes.jsonl"); err != nil {
		t.Errorf("dojo run --out /tmp/episodes.jsonl in the container: %v\n%s", err, out)
	}

	// docker stop sends SIGTERM to PID 1 (dojo) and kills it at the end of
	// the grace period: exit status 0 means dojo ended by itself.
	start := time.Now()
	if _, err := docker(2*time.Minute, nil, "stop", "-t", "30", name); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	st, err := docker(time.Minute, nil, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}", name)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(st); got != "exited 0 false" {
		t.Fatalf("after docker stop: %q (status, exit code, OOM), want exited 0 false (137 is a kill after the grace period)\n%s", got, dockerLogs(name))
	}
	stopped = true
	t.Logf("docker stop ended the container in %v with exit status 0", took.Round(time.Millisecond))
}
