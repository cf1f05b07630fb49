package deploytest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/server"
	"github.com/dojo-rl/dojo/server/servertest"
)

// needNginx returns the nginx binary, or skips the test saying why.
func needNginx(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	t.Skip("nginx is not installed (CI installs Debian's nginx): the load balancer config is not run here")
	return ""
}

// renderNginx writes dir/dojo.conf, deploy/nginx/dojo.conf with its
// upstream's servers replaced by upstreams, its listen by 127.0.0.1:port
// and its access log by dir/access.log, and dir/nginx.conf, a main config
// around it that keeps every file nginx writes in dir. It returns the main
// config's path.
func renderNginx(t *testing.T, upstreams []string, port int, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "nginx", "dojo.conf"))
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	replace := func(re, with string) {
		t.Helper()
		r := regexp.MustCompile(re)
		if n := len(r.FindAllStringIndex(conf, -1)); n != 1 {
			t.Fatalf("deploy/nginx/dojo.conf: %d matches of %s, want 1", n, re)
		}
		conf = r.ReplaceAllLiteralString(conf, with)
	}
	var servers strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&servers, "    server %s;\n", u)
	}
	replace(`(?m)(^    server [^;]+;\n)+`, servers.String())
	replace(`(?m)^    listen 8080;$`, fmt.Sprintf("    listen 127.0.0.1:%d;", port))
	replace(`/var/log/nginx/dojo-access\.log`, filepath.Join(dir, "access.log"))
	if err := os.WriteFile(filepath.Join(dir, "dojo.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	main := fmt.Sprintf(`# The test's nginx: one process (no workers to switch users), every file in %[1]s.
daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 1024; }
http {
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    access_log off;
    include %[1]s/dojo.conf;
}
`, dir)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startReplica serves a dojo network server on a loopback port until the
// test ends.
func startReplica(t *testing.T, token string) (*server.Server, string) {
	t.Helper()
	return servertest.StartServer(t, server.Config{Registry: envs.Default(), Token: token})
}

// waitFor polls cond every 50 ms for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestNginxSpreadsSessions runs deploy/nginx/dojo.conf under Debian's nginx
// in front of two dojo replicas, all on loopback, and plays episodes
// through it over OpenEnv's WebSocket and dojo's /rpc, with the token as a
// header and as a path prefix: both replicas get sessions, every session
// keeps working on its replica while the others are open (the same
// answers as a replica gives directly), closing them through nginx frees
// the replicas' slots, and the access log names both replicas but never
// the token.
func TestNginxSpreadsSessions(t *testing.T) {
	nginx := needNginx(t)
	const token = "nginx-test-token-77c0"
	a, addrA := startReplica(t, token)
	b, addrB := startReplica(t, token)
	dir := t.TempDir()
	port := freePort(t)
	conf := renderNginx(t, []string{addrA, addrB}, port, dir)
	if out, err := exec.Command(nginx, "-t", "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(nginx, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT) // graceful stop
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx error log:\n%s", log)
		}
	})
	base := fmt.Sprintf("127.0.0.1:%d", port)
	waitFor(t, "nginx to answer /health", func() bool {
		select {
		case err := <-exited:
			t.Fatalf("nginx exited: %v", err)
		default:
		}
		resp, err := http.Get("http://" + base + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	ctx := context.Background()
	const env = "gridworld/FrozenLake-v1"
	actions := []int{2, 1, 2, 2, 1, 0, 3}

	// The reference: episodes played on a replica directly.
	direct := map[int][]string{}
	for seed := range 4 {
		s, err := dial(ctx, "ws://"+addrA+"/envs/"+env+"/ws", token)
		if err != nil {
			t.Fatal(err)
		}
		if direct[seed], err = s.playOpenEnv(ctx, seed, actions); err != nil {
			t.Fatal(err)
		}
		s.close()
	}
	waitFor(t, "the direct sessions to end", func() bool { return a.Sessions() == 0 })

	// Four OpenEnv sessions through nginx, held open together: two with
	// the token as a header, two with it in the path.
	var sessions []*wsSession
	defer func() {
		for _, s := range sessions {
			s.close()
		}
	}()
	for i := range 4 {
		url, tok := "ws://"+base+"/envs/"+env+"/ws", token
		if i%2 == 1 {
			url, tok = "ws://"+base+"/t/"+token+"/envs/"+env+"/ws", ""
		}
		s, err := dial(ctx, url, tok)
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s)
		got, err := s.playOpenEnv(ctx, i, actions)
		if err != nil {
			t.Fatalf("OpenEnv session %d through nginx: %v", i, err)
		}
		if !slices.Equal(got, direct[i]) {
			t.Errorf("session %d through nginx:\n%q\nwant (direct)\n%q", i, got, direct[i])
		}
	}
	waitFor(t, "4 sessions on the replicas", func() bool { return a.Sessions()+b.Sessions() == 4 })
	if a.Sessions() == 0 || b.Sessions() == 0 {
		t.Errorf("OpenEnv sessions per replica: %d and %d, want both used", a.Sessions(), b.Sessions())
	}
	t.Logf("OpenEnv sessions per replica: %d and %d", a.Sessions(), b.Sessions())

	// Two /rpc sessions.
	for i := range 2 {
		s, err := dial(ctx, "ws://"+base+"/rpc", token)
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s)
		if _, err := s.playRPC(ctx, env, 10+i, actions); err != nil {
			t.Fatalf("rpc session %d through nginx: %v", i, err)
		}
	}
	waitFor(t, "6 sessions on the replicas", func() bool { return a.Sessions()+b.Sessions() == 6 })
	na, nb := a.Sessions(), b.Sessions()
	if na == 0 || nb == 0 {
		t.Errorf("sessions per replica: %d and %d, want both used", na, nb)
	}
	t.Logf("sessions per replica with OpenEnv and /rpc: %d and %d", na, nb)

	// Every session plays on, on its replica, while the others are open:
	// the counts do not move.
	for i, s := range sessions {
		var err error
		if i < 4 {
			var got []string
			got, err = s.playOpenEnv(ctx, i, actions)
			if err == nil && !slices.Equal(got, direct[i]) {
				err = fmt.Errorf("second episode differs from the direct one")
			}
		} else {
			_, err = s.playRPC(ctx, env, 20+i, actions)
		}
		if err != nil {
			t.Errorf("session %d, second episode: %v", i, err)
		}
	}
	if a.Sessions() != na || b.Sessions() != nb {
		t.Errorf("sessions per replica moved from %d, %d to %d, %d", na, nb, a.Sessions(), b.Sessions())
	}

	// A one-shot POST /rpc through nginx.
	req, _ := http.NewRequest(http.MethodPost, "http://"+base+"/rpc", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"env/list"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "FrozenLake") {
		t.Errorf("POST /rpc env/list through nginx: %s %.300s", resp.Status, body)
	}
	resp, err = http.Get("http://" + base + "/envs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /envs without the token through nginx: %s, want 401", resp.Status)
	}

	// Closing the sessions through nginx ends them on the replicas.
	for _, s := range sessions {
		s.close()
	}
	sessions = nil
	waitFor(t, "the sessions to end on the replicas", func() bool { return a.Sessions()+b.Sessions() == 0 })

	// The access log: both replicas, and the token of /t/TOKEN/ paths
	// redacted.
	var logText string
	waitFor(t, "the access log", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "access.log"))
		logText = string(b)
		return strings.Contains(logText, "/t/REDACTED/envs/")
	})
	if strings.Contains(logText, token) {
		t.Errorf("the access log shows the token:\n%s", logText)
	}
	for _, addr := range []string{addrA, addrB} {
		if !strings.Contains(logText, addr) {
			t.Errorf("the access log never names replica %s:\n%s", addr, logText)
		}
	}
}
