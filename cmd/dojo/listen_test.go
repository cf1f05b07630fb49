package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/dojo-rl/dojo/dojotest"
)

// TestServeListen runs dojo serve --listen on 127.0.0.1 with a token from
// DOJO_TOKEN, plays a FrozenLake episode over the WebSocket with the token
// as a path prefix, checks the token is required and never logged, and
// stops it with SIGTERM: exit status 0.
func TestServeListen(t *testing.T) {
	t.Parallel()
	const token = "tok-3f9a1c"
	cmd := exec.Command(dojoBin, "serve", "--listen", "127.0.0.1:0", "--log-level", "debug", "--max-sessions", "8")
	cmd.Env = append(cmd.Environ(), "DOJO_TOKEN="+token)
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var stderr dojotest.SyncBuffer
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderrPipe)
		re := regexp.MustCompile(`^listening on (\S+)$`)
		for sc.Scan() {
			stderr.Write([]byte(sc.Text() + "\n"))
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case <-time.After(30 * time.Second):
		t.Fatalf("no listening line on stderr:\n%s", stderr.String())
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("bound %s, want 127.0.0.1", addr)
	}

	// The token is required.
	resp, err := http.Get("http://" + addr + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/health: %d", resp.StatusCode)
	}
	resp, err = http.Post("http://"+addr+"/rpc", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"env/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("POST /rpc without the token: %d, want 401", resp.StatusCode)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/t/"+token+"/rpc", nil)
	if err != nil {
		t.Fatalf("dial: %v\n%s", err, stderr.String())
	}
	defer c.CloseNow()
	call := func(id int, method, params string) map[string]any {
		t.Helper()
		msg := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":%q,"params":%s}`, id, method, params)
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil || m["error"] != nil {
			t.Fatalf("%s: %s (%v)", method, b, err)
		}
		return m["result"].(map[string]any)
	}
	call(1, "env/make", `{"id":"gridworld/FrozenLake-v1","options":{"is_slippery":false}}`)
	call(2, "env/reset", `{"env":"e1","seed":0}`)
	var last map[string]any
	for i, a := range []int{1, 1, 2, 2, 1, 2} {
		last = call(10+i, "env/step", fmt.Sprintf(`{"env":"e1","action":%d}`, a))
	}
	if last["terminated"] != true || last["info"].(map[string]any)["success"] != true {
		t.Errorf("the path to the goal did not succeed: %v", last)
	}

	// SIGTERM with the session open: a close 1001, and exit status 0.
	cmd.Process.Signal(syscall.SIGTERM)
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("the session ended with %v, want a close 1001", err)
	}
	done := make(chan error, 1)
	go func() { io.Copy(io.Discard, stderrPipe); done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("dojo serve --listen after SIGTERM: %v, want exit status 0\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("dojo serve --listen did not exit after SIGTERM")
	}
	if strings.Contains(stderr.String(), token) {
		t.Errorf("the token is in the log:\n%s", stderr.String())
	}
}

// TestServeListenFlags: usage errors name the flag.
func TestServeListenFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--token", "x"}, "--token applies to --listen only"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--max-sessions", "0"}, "must be positive"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--allow-origin", "[x"}, "allowed origin"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", "/nonexistent/dir"}, "data dir"},
	} {
		r := dojoCmd(t, "", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("dojo %v: exit %d, stderr %q, want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestListenWarning: serving beyond loopback without a token warns.
func TestListenWarning(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		ip    string
		token string
		warn  bool
	}{
		{"127.0.0.1", "", false}, {"::1", "", false}, {"0.0.0.0", "", true}, {"::", "", true},
		{"192.168.1.4", "", true}, {"0.0.0.0", "t", false},
	} {
		w := listenWarning(&net.TCPAddr{IP: net.ParseIP(tc.ip), Port: 8000}, tc.token)
		if (w != "") != tc.warn || (tc.warn && !strings.Contains(w, "without a token")) {
			t.Errorf("%s token %q: warning %q", tc.ip, tc.token, w)
		}
	}
}
