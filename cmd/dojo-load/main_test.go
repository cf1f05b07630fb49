package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/server"
	"github.com/dojo-rl/dojo/server/servertest"
)

func TestCommand(t *testing.T) {
	url := "ws://" + servertest.Start(t, server.Config{Registry: envs.Default(), Version: "test"})
	common := []string{"--url", url, "--sessions", "8", "--period", "100ms", "--ramp", "100ms", "--settle", "100ms", "--duration", "500ms", "--quiet"}

	var out, errb bytes.Buffer
	if code := run(append(common, "--pid", strconv.Itoa(os.Getpid())), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"8 sessions (8 connected)", "step ", "reset ", "errors 0", "server RSS:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if code := run(append(common, "--json", "--protocol", "rpc"), &out, &errb); code != 0 {
		t.Fatalf("--json exit %d: %s", code, errb.String())
	}
	var res struct {
		Protocol string `json:"protocol"`
		Steps    struct {
			Count int `json:"count"`
		} `json:"steps"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Protocol != "rpc" || res.Steps.Count < 8 {
		t.Fatalf("--json output %s (err %v)", out.String(), err)
	}

	// A run against nothing exits 1; a bad flag 2.
	if code := run([]string{"--url", "ws://127.0.0.1:1", "--sessions", "2", "--ramp", "10ms", "--settle", "10ms", "--duration", "100ms", "--timeout", "2s", "--quiet"}, &out, &errb); code != 1 {
		t.Errorf("no server: exit %d, want 1", code)
	}
	if code := run([]string{"--protocol", "grpc"}, &out, &errb); code != 2 {
		t.Errorf("--protocol grpc: exit %d, want 2", code)
	}
	if code := run([]string{"extra"}, &out, &errb); code != 2 {
		t.Errorf("an argument: exit %d, want 2", code)
	}
}
