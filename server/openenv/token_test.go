package openenv_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/dojo-rl/dojo/server"
	"github.com/dojo-rl/dojo/server/servertest"
)

// TestEveryFamilyThroughTheServer plays an episode of every family through
// dojo's network server (package server mounts this handler at /envs/),
// with the token sent the two ways an OpenEnv client can: as a path prefix
// (OpenEnv's WebSocket client cannot send headers) and as a Bearer header.
// Without it, or with a wrong one, the handshake is refused.
func TestEveryFamilyThroughTheServer(t *testing.T) {
	const token = "s3cret-token"
	root := "http://" + servertest.Start(t, server.Config{Registry: registry, Token: token, Version: "1.0.0-test"})

	for _, how := range []string{"prefix", "header"} {
		t.Run(how, func(t *testing.T) {
			prefix := ""
			if how == "prefix" {
				prefix = "/t/" + token
			} else {
				authHeader = http.Header{"Authorization": {"Bearer " + token}}
				t.Cleanup(func() { authHeader = nil })
			}
			for _, ep := range familyEpisodes(t) {
				t.Run(ep.id, func(t *testing.T) {
					frames, _ := play(t, root+prefix+"/envs/"+ep.id, ep)
					if len(frames) < 2 {
						t.Fatalf("%d frames", len(frames))
					}
				})
			}
		})
	}

	// No token, a wrong header, a wrong prefix: refused with 401.
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	for _, c := range []struct {
		url    string
		header http.Header
	}{
		{root + "/envs/gridworld/FrozenLake-v1/ws", nil},
		{root + "/envs/gridworld/FrozenLake-v1/ws", http.Header{"Authorization": {"Bearer nope"}}},
		{root + "/t/nope/envs/gridworld/FrozenLake-v1/ws", nil},
	} {
		_, resp, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(c.url, "http"), &websocket.DialOptions{HTTPHeader: c.header})
		if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
			code := 0
			if resp != nil {
				code = resp.StatusCode
			}
			t.Errorf("%s with %v: err %v, status %d; want a 401", c.url, c.header, err, code)
		}
	}
	// The env's health route stays open, as OpenEnv's client probes it.
	resp, err := http.Get(root + "/envs/gridworld/FrozenLake-v1/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health without a token: %v %v", resp, err)
	}
	resp.Body.Close()
}
