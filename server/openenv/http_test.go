package openenv_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/server/openenv"
)

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q", url, ct)
	}
	decodeBody(t, resp, v)
	return resp.StatusCode
}

func postJSON(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestValidateCriteria checks what `openenv validate --url BASE` checks of
// a running server (openenv.cli._validation.validate_running_environment).
func TestValidateCriteria(t *testing.T) {
	srv, _ := newServer(t, openenv.Config{Version: "1.2.3"})
	base := srv.URL + "/envs/gridworld/FrozenLake-v1"

	var api map[string]any
	if st := getJSON(t, base+"/openapi.json", &api); st != 200 {
		t.Fatalf("openapi.json: %d", st)
	}
	info, _ := api["info"].(map[string]any)
	if v, ok := info["version"].(string); !ok || v != "1.2.3" {
		t.Errorf("openapi info.version %v, want 1.2.3", info["version"])
	}
	if v, _ := api["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Errorf("openapi %q, want 3.x", v)
	}
	paths, _ := api["paths"].(map[string]any)
	for _, p := range []string{"/reset", "/step", "/state", "/health", "/metadata", "/schema", "/ws"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("openapi paths lack %s", p)
		}
	}
	// Every $ref resolves.
	comps := api["components"].(map[string]any)["schemas"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if _, ok := comps[name]; !ok {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(api)

	var health map[string]any
	if st := getJSON(t, base+"/health", &health); st != 200 || health["status"] != "healthy" {
		t.Errorf("health: %d %v", st, health)
	}
	var md map[string]any
	if st := getJSON(t, base+"/metadata", &md); st != 200 {
		t.Errorf("metadata: %d", st)
	}
	if md["name"] != "gridworld/FrozenLake-v1" || md["version"] != "1.2.3" {
		t.Errorf("metadata %v", md)
	}
	if d, ok := md["description"].(string); !ok || d == "" {
		t.Errorf("metadata description %v", md["description"])
	}
	var sch map[string]any
	if st := getJSON(t, base+"/schema", &sch); st != 200 {
		t.Errorf("schema: %d", st)
	}
	for _, k := range []string{"action", "observation", "state"} {
		if _, ok := sch[k].(map[string]any); !ok {
			t.Errorf("schema lacks an object %q", k)
		}
	}
	st, b := postJSON(t, base+"/mcp", `{}`)
	var rpc map[string]any
	if err := json.Unmarshal(b, &rpc); st != 200 || err != nil || rpc["jsonrpc"] != "2.0" {
		t.Errorf("POST /mcp: %d %s", st, b)
	}
	var ids struct{ Envs []string }
	if st := getJSON(t, srv.URL+"/envs", &ids); st != 200 || len(ids.Envs) != len(registry.IDs()) {
		t.Errorf("GET /envs: %d, %d ids", st, len(ids.Envs))
	}
}

// TestSchemasOfEveryEnv: every env's schemas compile, and the first
// observation of every env whose data is present matches its schema.
func TestSchemasOfEveryEnv(t *testing.T) {
	srv, _ := newServer(t, openenv.Config{})
	served := 0
	for _, id := range registry.IDs() {
		base := srv.URL + "/envs/" + id
		s := fetchSchemas(t, base)
		st, b := postJSON(t, base+"/reset", `{"seed": 1}`)
		if st != 200 {
			// Only data-set envs whose data is absent may fail.
			env, err := registry.Make(id, nil)
			if err == nil {
				_, _, err = env.Reset(context.Background(), 1)
				dojo.Close(env)
			}
			if dojo.ErrorCode(err) != dojo.CodeNotFound {
				t.Errorf("POST %s/reset: %d %s", id, st, b)
			}
			continue
		}
		var res map[string]any
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatal(err)
		}
		s.validate(t, s.observation, id+" observation", res["observation"])
		served++
	}
	t.Logf("%d of %d envs served a reset", served, len(registry.IDs()))
	if served < 50 {
		t.Errorf("only %d envs served a reset", served)
	}
}

func TestStatelessRoutes(t *testing.T) {
	srv, _ := newServer(t, openenv.Config{MaxMessageBytes: 4096})
	base := srv.URL + "/envs/gridworld/FrozenLake-v1"
	s := fetchSchemas(t, base)

	// POST /reset answers what a session's reset answers, byte for byte.
	st, b := postJSON(t, base+"/reset", `{"seed": 3, "is_slippery": false, "episode_id": "x"}`)
	if st != 200 {
		t.Fatalf("POST /reset: %d %s", st, b)
	}
	c := dialEnv(t, base)
	if _, err := c.reset(map[string]any{"seed": 3, "is_slippery": false}); err != nil {
		t.Fatal(err)
	}
	var frame struct{ Data json.RawMessage }
	json.Unmarshal(c.frames[0], &frame)
	if !bytes.Equal(b, frame.Data) {
		t.Errorf("POST /reset\n%s\nsession reset\n%s", b, frame.Data)
	}
	if st, b = postJSON(t, base+"/reset", ``); st != 200 {
		t.Errorf("POST /reset without a body: %d %s", st, b)
	}

	// POST /step: a fresh env reset with the seed, then the action.
	st, b = postJSON(t, base+"/step", `{"action": {"action": 2}, "seed": 3, "is_slippery": false, "timeout_s": 5, "request_id": "r1"}`)
	if st != 200 {
		t.Fatalf("POST /step: %d %s", st, b)
	}
	wantStep, err := c.step(map[string]any{"action": 2})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	json.Unmarshal(b, &got)
	s.validate(t, s.observation, "POST /step observation", got["observation"])
	if !reflect.DeepEqual(got["observation"], wantStep.Observation) || got["done"] != wantStep.Done || got["reward"] != *wantStep.Reward {
		t.Errorf("POST /step %v, session step %v", got, wantStep)
	}
	c.close()

	// Tool envs take tool calls.
	st, b = postJSON(t, srv.URL+"/envs/sql/Generated-v0/step", `{"action": {"tool_calls": [{"id": "1", "name": "run_sql", "arguments": {"sql": "SELECT 1"}}]}}`)
	if st != 200 || !strings.Contains(string(b), `"done":false`) {
		t.Errorf("POST sql step: %d %s", st, b)
	}

	// Invalid bodies are 422, naming what is wrong.
	for _, c := range []struct {
		route, body string
		loc         []any
		substr      string
	}{
		{"step", `{"action": {"action": 9}}`, []any{"body", "action", "action"}, "out of range"},
		{"step", `{"action": 2}`, []any{"body", "action"}, "JSON object"},
		{"step", `{"action": {"act": 2}}`, []any{"body", "action", "act"}, "unknown action member"},
		{"step", `{}`, []any{"body", "action"}, `missing "action"`},
		{"step", `[1]`, []any{"body"}, "JSON object"},
		{"step", `{"action": {"action": 1}, "timeout_s": -1}`, []any{"body", "timeout_s"}, "positive"},
		{"step", `{"action": {"action": 1}, "slippery": true}`, []any{"body", "options", "slippery"}, `"slippery"`},
		{"reset", `{"nope": 1}`, []any{"body", "options", "nope"}, `"nope"`},
		{"reset", `{"seed": "x"}`, []any{"body", "seed"}, "seed"},
		{"reset", `not json`, []any{"body", "data"}, "JSON object"},
	} {
		st, b := postJSON(t, base+"/"+c.route, c.body)
		var v struct {
			Detail []struct {
				Type string
				Loc  []any
				Msg  string
			}
		}
		if err := json.Unmarshal(b, &v); st != 422 || err != nil || len(v.Detail) != 1 {
			t.Errorf("POST /%s %s: %d %s, want a 422", c.route, c.body, st, b)
			continue
		}
		if !reflect.DeepEqual(v.Detail[0].Loc, c.loc) || !strings.Contains(v.Detail[0].Msg, c.substr) {
			t.Errorf("POST /%s %s: detail %+v, want loc %v and %q", c.route, c.body, v.Detail[0], c.loc, c.substr)
		}
	}
	if st, b := postJSON(t, base+"/step", `{"action": {"action": 1}, "pad": "`+strings.Repeat("x", 5000)+`"}`); st != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d %s", st, b)
	}

	// GET /state: a fresh env's state.
	var state map[string]any
	if st := getJSON(t, base+"/state", &state); st != 200 {
		t.Fatalf("GET /state: %d", st)
	}
	s.validate(t, s.state, "GET /state", state)
	if state["step_count"] != 0.0 || state["episode_id"] != nil || state["env_id"] != "gridworld/FrozenLake-v1" {
		t.Errorf("GET /state: %v", state)
	}
}
