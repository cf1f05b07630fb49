package openenv_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/protocol"
	"github.com/dojo-rl/dojo/server/openenv"
)

var update = flag.Bool("update", false, "rewrite golden files")

var registry = envs.Default()

// newServer serves a Handler on 127.0.0.1 for the test.
func newServer(t testing.TB, cfg openenv.Config) (*httptest.Server, *openenv.Handler) {
	t.Helper()
	if cfg.Registry == nil {
		cfg.Registry = registry
	}
	if cfg.Version == "" {
		cfg.Version = "1.0.0-test"
	}
	h := openenv.New(cfg)
	srv := httptest.NewServer(h) // httptest listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv, h
}

// toOpenEnv writes a dojo action as an OpenEnv action object.
func toOpenEnv(a dojo.Action) map[string]any {
	switch a.Kind {
	case dojo.ActIndex:
		return map[string]any{"action": a.Index}
	case dojo.ActText:
		return map[string]any{"text": a.Text}
	}
	m := map[string]any{}
	if a.Text != "" || len(a.ToolCalls) == 0 {
		m["text"] = a.Text
	}
	if len(a.ToolCalls) > 0 {
		var calls []map[string]any
		for _, c := range a.ToolCalls {
			calls = append(calls, map[string]any{"id": c.ID, "name": c.Name, "arguments": c.Arguments})
		}
		m["tool_calls"] = calls
	}
	return m
}

// obsMembers is a local observation as the maps a client decodes.
func obsMembers(t testing.TB, o dojo.Obs) map[string]any {
	t.Helper()
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func asJSON(t testing.TB, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkObs compares a remote observation with the local env's.
func checkObs(t testing.TB, where string, got map[string]any, obs dojo.Obs, info dojo.Info, terminated, truncated bool) {
	t.Helper()
	if len(got) == 0 {
		t.Fatalf("%s: empty observation", where)
	}
	md, ok := got["metadata"].(map[string]any)
	if !ok {
		t.Fatalf("%s: observation without metadata: %v", where, got)
	}
	if md["terminated"] != terminated || md["truncated"] != truncated {
		t.Errorf("%s: metadata terminated/truncated %v/%v, want %v/%v", where, md["terminated"], md["truncated"], terminated, truncated)
	}
	if wantInfo := asJSON(t, info); !reflect.DeepEqual(md["info"], wantInfo) {
		t.Errorf("%s: metadata.info\n got %v\nwant %v", where, md["info"], wantInfo)
	}
	members := map[string]any{}
	for k, v := range got {
		if k != "metadata" {
			members[k] = v
		}
	}
	if want := obsMembers(t, obs); !reflect.DeepEqual(members, want) {
		t.Errorf("%s: observation members\n got %v\nwant %v", where, members, want)
	}
}

type episode struct {
	id          string
	options     map[string]any
	seed        uint64
	prefix      []dojo.Action // actions played before the oracle's
	wantSuccess bool
}

// play runs an episode over the wire and with a local env side by side,
// the local env's oracle choosing the actions, and checks every answer
// against the local step. It returns the frames received and the actions
// sent.
func play(t *testing.T, base string, ep episode) ([][]byte, []map[string]any) {
	t.Helper()
	ctx := context.Background()
	local, err := registry.Make(ep.id, dojo.Options(ep.options))
	if err != nil {
		t.Fatal(err)
	}
	defer dojo.Close(local)
	obs, info, err := local.Reset(ctx, ep.seed)
	if err != nil {
		t.Fatal(err)
	}
	c := dialEnv(t, base)
	c.schemas = fetchSchemas(t, base)
	kwargs := map[string]any{"seed": ep.seed, "episode_id": "ep-" + ep.id}
	for k, v := range ep.options {
		kwargs[k] = v
	}
	r, err := c.reset(kwargs)
	if err != nil {
		t.Fatalf("reset: %v", err)
	}
	if r.Done || r.Reward != nil {
		t.Errorf("reset: done %v reward %v, want false and null", r.Done, r.Reward)
	}
	checkObs(t, "reset", r.Observation, obs, info, false, false)
	var sent []map[string]any
	spec := local.Spec()
	steps := 0
	for {
		if steps > spec.MaxSteps {
			t.Fatalf("no end after %d steps", steps)
		}
		var a dojo.Action
		if steps < len(ep.prefix) {
			a = ep.prefix[steps]
		} else {
			or, ok := local.(dojo.Oracle)
			if !ok {
				t.Fatalf("%s has no oracle", ep.id)
			}
			if a, err = or.OracleAction(ctx); err != nil {
				t.Fatal(err)
			}
		}
		want, err := local.Step(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		oa := toOpenEnv(a)
		sent = append(sent, oa)
		got, err := c.step(oa)
		if err != nil {
			t.Fatalf("step %d (%v): %v", steps, oa, err)
		}
		steps++
		if got.Reward == nil || *got.Reward != want.Reward {
			t.Errorf("step %d: reward %v, want %v", steps, got.Reward, want.Reward)
		}
		if got.Done != want.Done() {
			t.Errorf("step %d: done %v, want %v", steps, got.Done, want.Done())
		}
		checkObs(t, "step", got.Observation, want.Obs, want.Info, want.Terminated, want.Truncated)
		if want.Done() {
			if want.Info.Success != ep.wantSuccess && ep.wantSuccess {
				t.Errorf("%s: episode not won", ep.id)
			}
			break
		}
	}
	st, err := c.state()
	if err != nil {
		t.Fatal(err)
	}
	if st["step_count"] != float64(steps) || st["done"] != true || st["seed"] != float64(ep.seed) ||
		st["episode_id"] != "ep-"+ep.id || st["env_id"] != ep.id {
		t.Errorf("state %v after %d steps", st, steps)
	}
	// The episode is over: a further step is an error, and the session
	// goes on.
	if _, err := c.step(sent[0]); err == nil {
		t.Errorf("step after the end: no error")
	} else if se := err.(*serverError); se.Code != "EXECUTION_ERROR" {
		t.Errorf("step after the end: %v", err)
	}
	c.close()
	return c.frames, sent
}

// toolSeed returns the first seed whose oracle starts with a tool call.
func toolSeed(t *testing.T, id string) uint64 {
	t.Helper()
	ctx := context.Background()
	env, err := registry.Make(id, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dojo.Close(env)
	for seed := uint64(0); seed < 100; seed++ {
		if _, _, err := env.Reset(ctx, seed); err != nil {
			t.Fatal(err)
		}
		a, err := env.(dojo.Oracle).OracleAction(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(a.ToolCalls) > 0 {
			return seed
		}
	}
	t.Fatalf("%s: no seed below 100 whose oracle calls a tool", id)
	return 0
}

func familyEpisodes(t *testing.T) []episode {
	runSQL := dojo.MessageAction("", dojo.ToolCall{ID: "call_x", Name: "run_sql", Arguments: json.RawMessage(`{"sql":"SELECT 1"}`)})
	return []episode{
		{id: "gridworld/FrozenLake-v1", options: map[string]any{"is_slippery": false}, seed: 3, wantSuccess: true},
		{id: "gridworld/DoorKey-5x5-v0", seed: 1, wantSuccess: true},
		{id: "bandit/Bernoulli-2-v0", options: map[string]any{"horizon": 12}, seed: 5},
		{id: "toolcall/Bank-v0", seed: toolSeed(t, "toolcall/Bank-v0"), wantSuccess: true},
		{id: "sql/Generated-v0", seed: 2, prefix: []dojo.Action{runSQL}, wantSuccess: true},
		{id: "websim/SearchQA-v0", seed: 0, wantSuccess: true},
		{id: "websim/Shop-v0", seed: 0, wantSuccess: true},
		{id: "websim/SearchR1-v0", seed: 1, wantSuccess: true},
	}
}

// TestEpisodesOfEveryFamily plays an episode of every family with the
// OpenEnv client, checking each answer against a local env.
func TestEpisodesOfEveryFamily(t *testing.T) {
	srv, _ := newServer(t, openenv.Config{})
	for _, ep := range familyEpisodes(t) {
		t.Run(ep.id, func(t *testing.T) {
			_, sent := play(t, srv.URL+"/envs/"+ep.id, ep)
			kinds := map[string]bool{}
			for _, a := range sent {
				if calls, ok := a["tool_calls"].([]map[string]any); ok {
					for _, c := range calls {
						kinds[c["name"].(string)] = true
					}
				}
			}
			switch dojo.Family(ep.id) {
			case "toolcall":
				if len(kinds) == 0 {
					t.Errorf("no tool call played: %v", sent)
				}
			case "sql":
				if !kinds["run_sql"] || !kinds["submit_sql"] {
					t.Errorf("sql episode called %v, want run_sql and submit_sql", kinds)
				}
			}
			if ep.id == "websim/SearchQA-v0" && (!kinds["search"] || !kinds["answer"]) {
				t.Errorf("search episode called %v, want search and answer", kinds)
			}
		})
	}
}

// TestDeterministicFrames plays the same episodes twice: the frames are
// byte-identical, and match the golden files.
func TestDeterministicFrames(t *testing.T) {
	srv, _ := newServer(t, openenv.Config{})
	for _, ep := range []episode{
		{id: "gridworld/FrozenLake-v1", seed: 11},
		{id: "toolcall/Bank-v0", seed: toolSeed(t, "toolcall/Bank-v0"), wantSuccess: true},
	} {
		base := srv.URL + "/envs/" + ep.id
		a, _ := play(t, base, ep)
		b, _ := play(t, base, ep)
		joined := bytes.Join(a, []byte("\n"))
		if !bytes.Equal(joined, bytes.Join(b, []byte("\n"))) {
			t.Fatalf("%s: two runs gave different frames", ep.id)
		}
		golden := filepath.Join("testdata", dojo.Family(ep.id)+".golden")
		joined = append(joined, '\n')
		if *update {
			if err := os.WriteFile(golden, joined, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if !bytes.Equal(joined, want) {
			t.Errorf("%s: frames differ from %s (go test -update rewrites it)", ep.id, golden)
		}
	}
}

// TestResetOptionsAndSeed: options and the seed travel in the reset data;
// a reset without a seed takes the next one; other options remake the env.
func TestResetOptionsAndSeed(t *testing.T) {
	srv, _ := newServer(t, openenv.Config{})
	base := srv.URL + "/envs/gridworld/FrozenLake-v1"
	c := dialEnv(t, base)
	c.schemas = fetchSchemas(t, base)
	ctx := context.Background()
	localObs := func(opts dojo.Options, seed uint64) (dojo.Obs, dojo.Info) {
		env, err := registry.Make("gridworld/FrozenLake-v1", opts)
		if err != nil {
			t.Fatal(err)
		}
		o, i, err := env.Reset(ctx, seed)
		if err != nil {
			t.Fatal(err)
		}
		return o.Clone(), i.Clone()
	}
	r, err := c.reset(map[string]any{"seed": 7, "is_slippery": false, "episode_id": "run-1"})
	if err != nil {
		t.Fatal(err)
	}
	o, i := localObs(dojo.Options{"is_slippery": false}, 7)
	checkObs(t, "reset seed 7", r.Observation, o, i, false, false)
	st, _ := c.state()
	if st["seed"] != 7.0 || st["episode_id"] != "run-1" || st["step_count"] != 0.0 {
		t.Errorf("state after reset(seed=7): %v", st)
	}
	// Steps are deterministic (is_slippery false): right goes right.
	if r, err = c.step(map[string]any{"action": 2}); err != nil || r.Observation["value"] != 1.0 {
		t.Errorf("step right: %v %v", r.Observation, err)
	}
	if r, err = c.reset(map[string]any{"is_slippery": false}); err != nil {
		t.Fatal(err)
	}
	st, _ = c.state()
	if st["seed"] != float64(protocol.NextSeed(7)) || st["episode_id"] != nil {
		t.Errorf("state after a reset without seed: %v, want seed %d", st, protocol.NextSeed(7))
	}
	// Other options: the env is made again.
	if r, err = c.reset(map[string]any{"seed": 0, "map_name": "8x8"}); err != nil {
		t.Fatal(err)
	}
	o, i = localObs(dojo.Options{"map_name": "8x8"}, 0)
	checkObs(t, "reset 8x8", r.Observation, o, i, false, false)
	o4, i4 := localObs(nil, 0)
	if reflect.DeepEqual(asJSON(t, i), asJSON(t, i4)) && reflect.DeepEqual(asJSON(t, o), asJSON(t, o4)) {
		t.Fatalf("8x8 and 4x4 first observations are alike: the test cannot tell them apart")
	}
	c.close()
}

// TestReadmeExample plays the README's GenericEnvClient example, through
// the token-less base URL.
func TestReadmeExample(t *testing.T) {
	srv, _ := newServer(t, openenv.Config{})
	c := dialEnv(t, srv.URL+"/envs/gridworld/FrozenLake-v1")
	r, err := c.reset(map[string]any{"seed": 0, "is_slippery": false})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []int{1, 1, 2, 2, 1, 2} {
		if r, err = c.step(map[string]any{"action": a}); err != nil {
			t.Fatal(err)
		}
	}
	info := r.Observation["metadata"].(map[string]any)["info"].(map[string]any)
	if r.Reward == nil || *r.Reward != 1 || !r.Done || info["success"] != true {
		t.Errorf("the README's episode: reward %v done %v success %v, want 1 true true", r.Reward, r.Done, info["success"])
	}
	st, _ := c.state()
	if st["step_count"] != 6.0 || st["done"] != true {
		t.Errorf("state %v", st)
	}
	c.close()
}
