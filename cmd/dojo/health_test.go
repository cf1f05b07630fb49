package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/server"
	"github.com/dojo-rl/dojo/server/servertest"
)

// TestHealthProbe runs `dojo health` (the container health check) against
// a real server with a token (/health needs none), a server answering 503,
// one answering 200 with another body, a closed port and bad URLs.
func TestHealthProbe(t *testing.T) {
	t.Parallel()
	addr := servertest.Start(t, server.Config{Registry: envs.Default(), Token: "secret-tok"})
	if r := dojoCmd(t, "", "health", "http://"+addr+"/health"); r.code != 0 || !strings.Contains(r.stdout, "healthy") {
		t.Errorf("healthy server: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := dojoCmd(t, "", "health", "--quiet", "http://"+addr+"/health"); r.code != 0 || r.stdout != "" {
		t.Errorf("--quiet: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// A route behind the token answers 401: unhealthy, and said so.
	if r := dojoCmd(t, "", "health", "http://"+addr+"/envs"); r.code != 1 || !strings.Contains(r.stderr, "401") {
		t.Errorf("401: exit %d, stderr %q", r.code, r.stderr)
	}

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "draining", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	if r := dojoCmd(t, "", "health", down.URL+"/health"); r.code != 1 || !strings.Contains(r.stderr, "503") {
		t.Errorf("503: exit %d, stderr %q", r.code, r.stderr)
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status":"starting"}`))
	}))
	defer other.Close()
	if r := dojoCmd(t, "", "health", other.URL+"/health"); r.code != 1 || !strings.Contains(r.stderr, "starting") {
		t.Errorf("200 not healthy: exit %d, stderr %q", r.code, r.stderr)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	if r := dojoCmd(t, "", "health", "--timeout", "5s", "http://"+closed+"/health"); r.code != 1 || !strings.Contains(r.stderr, "refused") {
		t.Errorf("closed port: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, args := range [][]string{
		{"health", "127.0.0.1:8000/health"},
		{"health", "ftp://127.0.0.1/health"},
		{"health", "http://a/health", "http://b/health"},
		{"health", "--timeout", "0s"},
	} {
		if r := dojoCmd(t, "", args...); r.code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage); stderr %q", args, r.code, r.stderr)
		}
	}
}
