package protocol

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/google/go-cmp/cmp"
)

func TestErrorsHaveTheirCodeKindAndField(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry()})
	c.make("bandit/Bernoulli-10-v0", nil)  // e1, reset below
	c.make("gridworld/FrozenLake-v1", nil) // e2, never reset
	c.ok("env/reset", map[string]any{"env": "e1", "seed": 1}, nil)
	tests := []struct {
		name  string
		line  string
		id    string // the response's id
		code  int
		kind  dojo.Code
		field string
		msg   string // a part of the message
	}{
		{"not JSON", `{"jsonrpc": "2.0", "id": 1, "method": `, "null", -32700, CodeParse, "", "not valid JSON"},
		{"garbage", `hello`, "null", -32700, CodeParse, "", "not valid JSON"},
		{"batch", `[{"jsonrpc":"2.0","id":1,"method":"initialize"}]`, "null", -32600, CodeInvalidRequest, "", "batch arrays are not supported"},
		{"null", `null`, "null", -32600, CodeInvalidRequest, "", "got null"},
		{"number", `42`, "null", -32600, CodeInvalidRequest, "", "got a number"},
		{"object id", `{"jsonrpc":"2.0","id":{},"method":"initialize"}`, "null", -32600, CodeInvalidRequest, "id", "id must be a string, a number or null"},
		{"id not UTF-8", "{\"jsonrpc\":\"2.0\",\"id\":\"a\xffb\",\"method\":\"initialize\"}", "null", -32600, CodeInvalidRequest, "id", "the id string is not valid UTF-8"},
		{"id with a lone surrogate", `{"jsonrpc":"2.0","id":"\ud800x","method":"nope"}`, `"\ud800x"`, -32601, CodeMethodNotFound, "method", `method "nope" not found`},
		{"old version", `{"jsonrpc":"1.0","id":7,"method":"initialize"}`, "7", -32600, CodeInvalidRequest, "jsonrpc", `"jsonrpc" must be "2.0"`},
		{"no version no id", `{"method":"initialize"}`, "null", -32600, CodeInvalidRequest, "jsonrpc", `"jsonrpc" must be "2.0"`},
		{"no method", `{"jsonrpc":"2.0","id":"a"}`, `"a"`, -32600, CodeInvalidRequest, "method", `no "method"`},
		{"a response", `{"jsonrpc":"2.0","id":3,"result":1}`, "3", -32600, CodeInvalidRequest, "method", "takes no responses"},
		{"method not a string", `{"jsonrpc":"2.0","id":3,"method":5}`, "3", -32600, CodeInvalidRequest, "method", `"method" must be a string`},
		{"unknown method", `{"jsonrpc":"2.0","id":3,"method":"env/frobnicate"}`, "3", -32601, CodeMethodNotFound, "method", `method "env/frobnicate" not found`},
		{"case matters", `{"jsonrpc":"2.0","ID":3,"Method":"initialize"}`, "null", -32600, CodeInvalidRequest, "method", `no "method"`},
		{"params array", `{"jsonrpc":"2.0","id":3,"method":"env/reset","params":[1]}`, "3", -32602, dojo.CodeInvalid, "params", "params must be an object"},
		{"unknown param", `{"jsonrpc":"2.0","id":3,"method":"env/reset","params":{"env":"e1","sed":1}}`, "3", -32602, dojo.CodeInvalid, "sed", `unknown parameter "sed" (parameters: env, seed)`},
		{"negative seed", `{"jsonrpc":"2.0","id":3,"method":"env/reset","params":{"env":"e1","seed":-1}}`, "3", -32602, dojo.CodeInvalid, "seed", "seed: want an unsigned 64-bit integer, got number -1"},
		{"string seed", `{"jsonrpc":"2.0","id":3,"method":"env/reset","params":{"env":"e1","seed":"x"}}`, "3", -32602, dojo.CodeInvalid, "seed", "want an unsigned 64-bit integer, got string"},
		{"no env", `{"jsonrpc":"2.0","id":3,"method":"env/reset","params":{}}`, "3", -32602, dojo.CodeInvalid, "env", "env: required"},
		{"unknown handle", `{"jsonrpc":"2.0","id":3,"method":"env/reset","params":{"env":"e99"}}`, "3", -32001, dojo.CodeNotFound, "env", `unknown env handle "e99"`},
		{"unknown env id", `{"jsonrpc":"2.0","id":3,"method":"env/make","params":{"id":"gridworld/FrozenLake-v9"}}`, "3", -32001, dojo.CodeNotFound, "id", `unknown env id "gridworld/FrozenLake-v9" (did you mean gridworld/FrozenLake-v1?)`},
		{"no env id", `{"jsonrpc":"2.0","id":3,"method":"env/make","params":{"options":{}}}`, "3", -32602, dojo.CodeInvalid, "id", "id: required"},
		{"unknown option", `{"jsonrpc":"2.0","id":3,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1","options":{"slippery":true}}}`, "3", -32602, dojo.CodeInvalid, "options.slippery", `unknown option "slippery"`},
		{"bad option", `{"jsonrpc":"2.0","id":3,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1","options":{"is_slippery":3}}}`, "3", -32602, dojo.CodeInvalid, "options.is_slippery", `option "is_slippery"`},
		{"options not an object", `{"jsonrpc":"2.0","id":3,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1","options":[1]}}`, "3", -32602, dojo.CodeInvalid, "options", "want a JSON object"},
		{"bad action", `{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e1","action":[1]}}`, "3", -32602, dojo.CodeInvalid, "action", "want an integer, a string or an object"},
		{"no action", `{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e1"}}`, "3", -32602, dojo.CodeInvalid, "action", "action: required"},
		{"step before reset", `{"jsonrpc":"2.0","id":3,"method":"env/step","params":{"env":"e2","action":0}}`, "3", -32002, dojo.CodeState, "env", "step before reset"},
		{"render before reset", `{"jsonrpc":"2.0","id":3,"method":"env/render","params":{"env":"e2"}}`, "3", -32002, dojo.CodeState, "env", "render before reset"},
		{"bad format", `{"jsonrpc":"2.0","id":3,"method":"env/render","params":{"env":"e1","format":"gif"}}`, "3", -32602, dojo.CodeInvalid, "format", `format "gif": want "text", "png" or "rgb"`},
		{"not a task env", `{"jsonrpc":"2.0","id":3,"method":"task/generate","params":{"id":"gridworld/FrozenLake-v1"}}`, "3", -32006, CodeUnsupported, "id", "gridworld/FrozenLake-v1 does not generate tasks"},
		{"verify on not a task env", `{"jsonrpc":"2.0","id":3,"method":"task/verify","params":{"task":{"env":"bandit/Bernoulli-10-v0","seed":1},"response":"1"}}`, "3", -32006, CodeUnsupported, "id", "bandit/Bernoulli-10-v0 does not verify tasks"},
		{"count 0", `{"jsonrpc":"2.0","id":3,"method":"task/generate","params":{"id":"arith/Add-v0","count":0}}`, "3", -32602, dojo.CodeInvalid, "count", "count 0: want 1 to 10000"},
		{"seed overflow", `{"jsonrpc":"2.0","id":3,"method":"task/generate","params":{"id":"arith/Add-v0","count":2,"seed":18446744073709551615}}`, "3", -32602, dojo.CodeInvalid, "seed", "overflow"},
		{"no task", `{"jsonrpc":"2.0","id":3,"method":"task/verify","params":{"response":"1"}}`, "3", -32602, dojo.CodeInvalid, "task", "task: required"},
		{"bad task seed", `{"jsonrpc":"2.0","id":3,"method":"task/verify","params":{"task":{"env":"arith/Add-v0","seed":"one"},"response":"1"}}`, "3", -32602, dojo.CodeInvalid, "task.seed", "want an unsigned 64-bit integer"},
		{"no response", `{"jsonrpc":"2.0","id":3,"method":"task/verify","params":{"task":{"env":"arith/Add-v0","seed":1}}}`, "3", -32602, dojo.CodeInvalid, "response", "response: required"},
		{"response a number", `{"jsonrpc":"2.0","id":3,"method":"task/verify","params":{"task":{"env":"arith/Add-v0","seed":1},"response":12}}`, "3", -32602, dojo.CodeInvalid, "response", "got a number"},
		{"no steps", `{"jsonrpc":"2.0","id":3,"method":"env/stepMany","params":{}}`, "3", -32602, dojo.CodeInvalid, "steps", "no steps"},
		{"both forms", `{"jsonrpc":"2.0","id":3,"method":"env/stepMany","params":{"steps":[],"envs":[]}}`, "3", -32602, dojo.CodeInvalid, "steps", "not both"},
		{"lengths differ", `{"jsonrpc":"2.0","id":3,"method":"env/stepMany","params":{"envs":["e1"],"actions":[0,1]}}`, "3", -32602, dojo.CodeInvalid, "actions", "2 actions for 1 envs"},
		{"close unknown", `{"jsonrpc":"2.0","id":3,"method":"env/close","params":{"env":"e7"}}`, "3", -32001, dojo.CodeNotFound, "env", `unknown env handle "e7"`},
	}
	for _, tc := range tests {
		resp := c.send(tc.line)
		var r rpcResponse
		if err := json.Unmarshal([]byte(resp), &r); err != nil {
			t.Fatalf("%s: response %s: %v", tc.name, resp, err)
		}
		if r.JSONRPC != "2.0" || string(r.ID) != tc.id || r.Error == nil || r.Result != nil {
			t.Errorf("%s: response %s, want an error with id %s", tc.name, resp, tc.id)
			continue
		}
		e := r.Error
		if e.Code != tc.code || e.Data == nil || e.Data.Kind != tc.kind || e.Data.Field != tc.field || !strings.Contains(e.Message, tc.msg) {
			t.Errorf("%s: got %s\nwant code %d kind %s field %q message containing %q", tc.name, resp, tc.code, tc.kind, tc.field, tc.msg)
		}
	}
	// The session survived all of it.
	c.ok("env/step", map[string]any{"env": "e1", "action": 0}, nil)
}

func TestCodeTableIsABijection(t *testing.T) {
	t.Parallel()
	seen := map[int]bool{}
	for _, c := range codeTable {
		if seen[c.code] {
			t.Errorf("code %d used twice", c.code)
		}
		seen[c.code] = true
		if KindOf(RPCCode(c.kind)) != c.kind {
			t.Errorf("%s does not round-trip", c.kind)
		}
		if c.code != -32602 && c.code > -32600 && (c.code > -32000 || c.code < -32099) {
			t.Errorf("%s: code %d is outside the server range -32000..-32099", c.kind, c.code)
		}
	}
	for _, k := range []dojo.Code{dojo.CodeInvalid, dojo.CodeNotFound, dojo.CodeState, dojo.CodeTimeout, dojo.CodeCanceled, dojo.CodeUnavailable, dojo.CodeInternal} {
		if KindOf(RPCCode(k)) != k {
			t.Errorf("dojo code %s has no code of its own", k)
		}
	}
	if KindOf(-32603) != dojo.CodeInternal || KindOf(12) != dojo.CodeInternal {
		t.Errorf("unknown codes are not internal")
	}
}

func TestResetStepAndInitialize(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry(), Version: "1.2.3"})
	var init InitializeResult
	c.ok("initialize", map[string]any{"protocolVersion": "1", "clientInfo": map[string]any{"name": "test"}}, &init)
	if init.ProtocolVersion != ProtocolVersion || init.ServerInfo != (ProgramInfo{"dojo", "1.2.3"}) || init.Capabilities.Limits.MaxEnvs != DefaultMaxEnvs ||
		len(init.Capabilities.Methods) != len(methods) || init.Capabilities.Autoreset != "next-step" {
		t.Errorf("initialize: %+v", init)
	}
	var made struct {
		Env  string    `json:"env"`
		Spec dojo.Spec `json:"spec"`
	}
	c.ok("env/make", map[string]any{"id": "gridworld/FrozenLake-v1", "options": map[string]any{"map_name": "8x8"}}, &made)
	if made.Env != "e1" || made.Spec.ID != "gridworld/FrozenLake-v1" || made.Spec.Observation.N != 64 {
		t.Fatalf("env/make: %+v", made)
	}
	// The protocol gives what the env gives.
	env, err := testRegistry().Make("gridworld/FrozenLake-v1", dojo.Options{"map_name": "8x8"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	obs, info, _ := env.Reset(ctx, 9)
	want, _ := json.Marshal(map[string]any{"observation": obs, "info": info})
	got := c.ok("env/reset", map[string]any{"env": "e1", "seed": 9}, nil)
	if !jsonEqual(t, got, want) {
		t.Errorf("env/reset: %s\nwant %s", got, want)
	}
	for i := range 30 {
		st, err := env.Step(ctx, dojo.IndexAction(i%4))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(st)
		got := c.ok("env/step", map[string]any{"env": "e1", "action": i % 4}, nil)
		if !jsonEqual(t, got, want) {
			t.Fatalf("step %d: %s\nwant %s", i, got, want)
		}
		if st.Done() {
			e := c.fails("env/step", map[string]any{"env": "e1", "action": 0})
			if e.Code != -32002 || !strings.Contains(e.Message, "step after the episode ended") {
				t.Errorf("step after the end: %+v", e)
			}
			break
		}
	}
	// A reset without a seed takes the next one.
	obs, info, _ = env.Reset(ctx, 10)
	want, _ = json.Marshal(map[string]any{"observation": obs, "info": info})
	got = c.ok("env/reset", map[string]any{"env": "e1"}, nil)
	if !jsonEqual(t, got, want) {
		t.Errorf("env/reset without seed: %s\nwant %s", got, want)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return cmp.Equal(x, y)
}

func TestEnvListFiltersByFamily(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry()})
	var all, bandits struct {
		Envs []dojo.Spec `json:"envs"`
	}
	c.ok("env/list", nil, &all)
	c.ok("env/list", map[string]any{"family": "bandit"}, &bandits)
	if len(all.Envs) != len(testRegistry().IDs()) || len(bandits.Envs) == 0 || len(bandits.Envs) >= len(all.Envs) {
		t.Fatalf("%d envs, %d bandits", len(all.Envs), len(bandits.Envs))
	}
	for _, s := range bandits.Envs {
		if dojo.Family(s.ID) != "bandit" {
			t.Errorf("env/list family=bandit lists %s", s.ID)
		}
	}
	var none struct {
		Envs []dojo.Spec `json:"envs"`
	}
	if res := c.ok("env/list", map[string]any{"family": "nope"}, &none); !strings.Contains(string(res), `"envs":[]`) {
		t.Errorf("env/list of no family: %s, want an empty list", res)
	}
}

func TestAutoresetIsNextStep(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry()})
	c.ok("env/make", map[string]any{"id": arithID, "autoreset": true}, nil)
	plain := c.make(arithID, nil)
	c.ok("env/reset", map[string]any{"env": "e1", "seed": 5}, nil)
	var st struct {
		Observation dojo.Obs  `json:"observation"`
		Reward      float64   `json:"reward"`
		Terminated  bool      `json:"terminated"`
		Truncated   bool      `json:"truncated"`
		Info        dojo.Info `json:"info"`
	}
	c.ok("env/step", map[string]any{"env": "e1", "action": "<answer>0</answer>"}, &st)
	if !st.Terminated {
		t.Fatalf("arith did not end after one step: %+v", st)
	}
	// The next step resets with NextSeed(5) and ignores the action.
	next := NextSeed(5)
	st.Info = dojo.Info{}
	c.ok("env/step", map[string]any{"env": "e1", "action": "ignored"}, &st)
	var reset struct {
		Observation dojo.Obs  `json:"observation"`
		Info        dojo.Info `json:"info"`
	}
	c.ok("env/reset", map[string]any{"env": plain, "seed": next}, &reset)
	if st.Reward != 0 || st.Terminated || st.Truncated || !cmp.Equal(st.Observation, reset.Observation) {
		t.Errorf("autoreset step %+v, want the reset observation %+v with reward 0 and no flags", st, reset.Observation)
	}
	if st.Info.Extra["autoreset"] != true || st.Info.Extra["seed"] != float64(next) {
		t.Errorf("autoreset info.extra = %v, want autoreset true and seed %d", st.Info.Extra, next)
	}
	// Then the episode of that seed goes on as usual.
	var fin struct {
		Reward float64   `json:"reward"`
		Info   dojo.Info `json:"info"`
	}
	q := reset.Observation.Text
	var a, b int
	fmt.Sscanf(q, "What is %d + %d?", &a, &b)
	c.ok("env/step", map[string]any{"env": "e1", "action": fmt.Sprintf("<answer>%d</answer>", a+b)}, &fin)
	if !fin.Info.Success || fin.Info.Extra != nil {
		t.Errorf("step after autoreset: %+v", fin)
	}
}

func TestStepManyFormsAgreeWithSingleSteps(t *testing.T) {
	t.Parallel()
	const n = 40
	reg := testRegistry()
	single := startSession(t, &Server{Registry: reg})
	// The stepMany sessions step in parallel from the start, however
	// quick the steps.
	list := startSession(t, &Server{Registry: reg, Parallelism: 3, fanOutAfter: -1})
	compact := startSession(t, &Server{Registry: reg, Parallelism: 3, fanOutAfter: -1})
	var handles []string
	for i := range n {
		opts := map[string]any{"map_name": "8x8", "is_slippery": true}
		for _, c := range []*client{single, list, compact} {
			h := c.make("gridworld/FrozenLake-v1", opts)
			c.ok("env/reset", map[string]any{"env": h, "seed": 100 + i}, nil)
			if c == single {
				handles = append(handles, h)
			}
		}
	}
	for round := range 12 {
		var steps []map[string]any
		var actions []int
		for i, h := range handles {
			a := (i*7 + round*3) % 4
			steps = append(steps, map[string]any{"env": h, "action": a})
			actions = append(actions, a)
		}
		var want []json.RawMessage
		for _, s := range steps {
			r := single.call("env/step", s)
			if r.Error != nil {
				want = append(want, json.RawMessage(fmt.Sprintf(`{"error":{"code":%d}}`, r.Error.Code)))
			} else {
				want = append(want, r.Result)
			}
		}
		var lr struct {
			Results []json.RawMessage `json:"results"`
		}
		list.ok("env/stepMany", map[string]any{"steps": steps}, &lr)
		var cr struct {
			Observations []json.RawMessage `json:"observations"`
			Rewards      []float64         `json:"rewards"`
			Terminated   []bool            `json:"terminated"`
			Truncated    []bool            `json:"truncated"`
			Errors       []*Error          `json:"errors"`
			Infos        []json.RawMessage `json:"infos"`
		}
		compact.ok("env/stepMany", map[string]any{"envs": handles, "actions": actions, "compact": true, "info": true}, &cr)
		if len(lr.Results) != n || len(cr.Observations) != n || len(cr.Rewards) != n || len(cr.Errors) != n || len(cr.Infos) != n {
			t.Fatalf("round %d: %d results, %d observations", round, len(lr.Results), len(cr.Observations))
		}
		for i := range n {
			var w struct {
				Error       *Error          `json:"error"`
				Observation json.RawMessage `json:"observation"`
				Reward      float64         `json:"reward"`
				Terminated  bool            `json:"terminated"`
				Truncated   bool            `json:"truncated"`
				Info        json.RawMessage `json:"info"`
			}
			json.Unmarshal(want[i], &w)
			if w.Error != nil {
				// Stepping an ended episode fails the same way in both forms.
				if cr.Errors[i] == nil || cr.Errors[i].Code != w.Error.Code || !strings.Contains(string(lr.Results[i]), fmt.Sprint(w.Error.Code)) {
					t.Errorf("round %d env %d: want error %d, got list %s compact %+v", round, i, w.Error.Code, lr.Results[i], cr.Errors[i])
				}
				continue
			}
			if !bytes.Equal(lr.Results[i], want[i]) {
				t.Errorf("round %d env %d: list form %s, want %s", round, i, lr.Results[i], want[i])
			}
			if !bytes.Equal(cr.Observations[i], w.Observation) || cr.Rewards[i] != w.Reward || cr.Terminated[i] != w.Terminated ||
				cr.Truncated[i] != w.Truncated || cr.Errors[i] != nil || !bytes.Equal(cr.Infos[i], w.Info) {
				t.Errorf("round %d env %d: compact form differs from %s", round, i, want[i])
			}
		}
	}
}

func TestStepManyEntriesFailAlone(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	var mu sync.Mutex
	srv := &Server{Registry: testRegistry(), Log: slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))}
	c := startSession(t, srv)
	for range 4 {
		h := c.make(flakyID, nil)
		c.ok("env/reset", map[string]any{"env": h, "seed": 1}, nil)
	}
	c.make(flakyID, nil) // e5, never reset
	// e1 steps twice (in order), e2 gets a NaN, e3 panics, e4 a bad
	// action, e9 does not exist, e5 was never reset.
	res := c.ok("env/stepMany", map[string]any{"steps": []map[string]any{
		{"env": "e1", "action": 0},
		{"env": "e2", "action": 2},
		{"env": "e3", "action": 3},
		{"env": "e4", "action": []int{1}},
		{"env": "e9", "action": 0},
		{"env": "e1", "action": 1},
		{"env": "e5", "action": 0},
		{"env": "", "action": 0},
	}}, nil)
	var r struct {
		Results []struct {
			Observation *dojo.Obs `json:"observation"`
			Error       *Error    `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal(res, &r); err != nil || len(r.Results) != 8 {
		t.Fatalf("%s: %v", res, err)
	}
	type want struct {
		value float64 // observation value when ok
		code  int
		field string
		msg   string
	}
	wants := []want{
		{value: 1},
		{code: -32000, msg: "the reward is NaN"},
		{code: -32000, msg: "Step panicked"},
		{code: -32602, field: "steps.3.action", msg: "want an integer"},
		{code: -32001, field: "steps.4.env", msg: `unknown env handle "e9"`},
		{value: 2},
		{code: -32002, field: "steps.6.env", msg: "step before reset"},
		{code: -32602, field: "steps.7.env", msg: "required"},
	}
	for i, w := range wants {
		got := r.Results[i]
		if w.code == 0 {
			if got.Error != nil || got.Observation == nil || got.Observation.Value != w.value {
				t.Errorf("entry %d: %+v, want value %v", i, got, w.value)
			}
			continue
		}
		if got.Error == nil || got.Error.Code != w.code || got.Error.Data.Field != w.field || !strings.Contains(got.Error.Message, w.msg) {
			t.Errorf("entry %d: %+v, want code %d field %q message containing %q", i, got.Error, w.code, w.field, w.msg)
		}
	}
	// The panic's text went to the log, not to the client.
	if strings.Contains(string(res), "boom") {
		t.Errorf("the panic's text leaked to the client: %s", res)
	}
	mu.Lock()
	logged := logs.String()
	mu.Unlock()
	if !strings.Contains(logged, "flaky env: boom") {
		t.Errorf("the panic was not logged: %s", logged)
	}
	// The env that panicked is unusable until closed; the others go on.
	if e := c.fails("env/step", map[string]any{"env": "e3", "action": 0}); e.Code != -32002 || !strings.Contains(e.Message, "unusable") {
		t.Errorf("step after a panic: %+v", e)
	}
	c.ok("env/close", map[string]any{"env": "e3"}, nil)
	c.ok("env/step", map[string]any{"env": "e2", "action": 0}, nil)
	// Compact form: a failed entry has a null observation.
	res = c.ok("env/stepMany", map[string]any{"envs": []string{"e1", "e3", "e2"}, "actions": []any{0, 0, "x"}, "compact": true}, nil)
	want2 := `{"observations":[{"value":3},null,{"value":3}],"rewards":[0,0,0],"terminated":[false,false,false],"truncated":[false,false,false],"errors":[null,{"code":-32001,"message":"unknown env handle \"e3\": env/make returns handles, and env/close or a failed env/make ends them","data":{"kind":"not_found","field":"envs.1"}},null]}`
	if string(res) != want2 {
		t.Errorf("compact stepMany:\n got %s\nwant %s", res, want2)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func TestPanicInSingleStepIsInternalAndEnvUnusable(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry()})
	h := c.make(flakyID, nil)
	c.ok("env/reset", map[string]any{"env": h}, nil)
	e := c.fails("env/step", map[string]any{"env": h, "action": 3})
	if e.Code != -32000 || e.Data.Kind != dojo.CodeInternal || strings.Contains(e.Message, "boom") || !strings.Contains(e.Message, "panicked") {
		t.Errorf("panic: %+v", e)
	}
	if e := c.fails("env/reset", map[string]any{"env": h}); e.Code != -32002 {
		t.Errorf("reset after a panic: %+v", e)
	}
	e = c.fails("env/step", map[string]any{"env": h, "action": 2})
	if e.Code != -32002 {
		t.Errorf("step after a panic: %+v", e)
	}
	h2 := c.make(flakyID, nil)
	c.ok("env/reset", map[string]any{"env": h2}, nil)
	if e := c.fails("env/step", map[string]any{"env": h2, "action": 2}); e.Code != -32000 || !strings.Contains(e.Message, "NaN") {
		t.Errorf("NaN reward: %+v", e)
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry()})
	h := c.make(arithID, nil)
	c.ok("env/reset", map[string]any{"env": h, "seed": 3}, nil)
	var r struct {
		MimeType string `json:"mimeType"`
		Data     string `json:"data"`
	}
	c.ok("env/render", map[string]any{"env": h}, &r)
	if r.MimeType != "text/plain; charset=utf-8" || !strings.HasPrefix(r.Data, "What is ") {
		t.Errorf("text render: %+v", r)
	}
	c.ok("env/render", map[string]any{"env": h, "format": "png"}, &r)
	b, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil || r.MimeType != "image/png" {
		t.Fatalf("png render: %s %v", r.MimeType, err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() != 4 {
		t.Fatalf("png render does not decode: %v", err)
	}
	// An env without text renders its value.
	b2 := c.make("bandit/Bernoulli-10-v0", nil)
	c.ok("env/reset", map[string]any{"env": b2, "seed": 3}, nil)
	c.ok("env/render", map[string]any{"env": b2, "format": "text"}, &r)
	if r.Data == "" {
		t.Errorf("text render of a valued observation is empty")
	}
	// Envs that do not draw themselves are drawn by package render: from
	// their state (dojo.Stater), as episode files are, or their last
	// observation.
	for _, id := range []string{"bandit/Bernoulli-10-v0", "gridworld/DoorKey-5x5-v0", flakyID} {
		h := c.make(id, nil)
		c.ok("env/reset", map[string]any{"env": h, "seed": 3}, nil)
		c.ok("env/render", map[string]any{"env": h, "format": "png"}, &r)
		b, err := base64.StdEncoding.DecodeString(r.Data)
		if err != nil || r.MimeType != "image/png" {
			t.Fatalf("%s: png render: %s %v", id, r.MimeType, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil || img.Bounds().Dx() < 300 || img.Bounds().Dy() < 200 {
			t.Fatalf("%s: png render: %v, %v", id, err, img.Bounds())
		}
		// "rgb" gives the same frame's pixels, uncompressed.
		var rgb struct {
			MimeType      string `json:"mimeType"`
			Data          string `json:"data"`
			Width, Height int
		}
		c.ok("env/render", map[string]any{"env": h, "format": "rgb"}, &rgb)
		pix, err := base64.StdEncoding.DecodeString(rgb.Data)
		bd := img.Bounds()
		if err != nil || rgb.MimeType != "application/octet-stream" || rgb.Width != bd.Dx() || rgb.Height != bd.Dy() || len(pix) != 3*bd.Dx()*bd.Dy() {
			t.Fatalf("%s: rgb render: %s %dx%d, %d bytes, %v; the png is %v", id, rgb.MimeType, rgb.Width, rgb.Height, len(pix), err, bd)
		}
		for y := 0; y < bd.Dy(); y++ {
			for x := 0; x < bd.Dx(); x++ {
				r, g, bl, _ := img.At(bd.Min.X+x, bd.Min.Y+y).RGBA()
				i := 3 * (y*bd.Dx() + x)
				if pix[i] != byte(r>>8) || pix[i+1] != byte(g>>8) || pix[i+2] != byte(bl>>8) {
					t.Fatalf("%s: rgb pixel (%d, %d) = %v, the png's is %d %d %d", id, x, y, pix[i:i+3], r>>8, g>>8, bl>>8)
				}
			}
		}
	}
}

// badStateEnv describes its state as something that is not one.
type badStateEnv struct{ dojo.Env }

func (badStateEnv) State() any { return map[string]any{"kind": "minigrid", "width": 3} }

func TestRenderBadState(t *testing.T) {
	t.Parallel()
	reg := testRegistry()
	spec, _ := reg.Spec("gridworld/FrozenLake-v1")
	spec.ID = "test/BadState-v0"
	reg.MustRegister(spec, func(o dojo.Options) (dojo.Env, error) {
		env, err := testRegistry().Make("gridworld/FrozenLake-v1", nil)
		return badStateEnv{env}, err
	})
	c := startSession(t, &Server{Registry: reg})
	h := c.make("test/BadState-v0", nil)
	c.ok("env/reset", map[string]any{"env": h, "seed": 3}, nil)
	e := c.fails("env/render", map[string]any{"env": h, "format": "png"})
	if e.Code != -32006 || !strings.Contains(e.Message, "cannot be drawn: reset: state: the grid is 3x0") {
		t.Errorf("bad state: %+v", e)
	}
}

func TestNotificationsAreServedButNotAnswered(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry()})
	h := c.make(flakyID, nil)
	io.WriteString(c.w, `{"jsonrpc":"2.0","method":"env/close","params":{"env":"`+h+`"}}`+"\n")
	io.WriteString(c.w, `{"jsonrpc":"2.0","method":"no/such/method"}`+"\n")
	// The next response is the answer to the next request, and the env is
	// gone.
	if e := c.fails("env/reset", map[string]any{"env": h}); e.Code != -32001 {
		t.Errorf("reset after env/close notification: %+v", e)
	}
}

func TestPipelinedRequestsOnOneEnvKeepTheirOrder(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry()})
	// Everything at once, without waiting: make, reset, 30 steps, close,
	// and one more step that must find the env gone.
	var in strings.Builder
	in.WriteString(`{"jsonrpc":"2.0","id":0,"method":"env/make","params":{"id":"test/Flaky-v0","options":{"sleep_ms":1}}}` + "\n")
	in.WriteString(`{"jsonrpc":"2.0","id":1,"method":"env/reset","params":{"env":"e1"}}` + "\n")
	for i := range 30 {
		fmt.Fprintf(&in, `{"jsonrpc":"2.0","id":%d,"method":"env/step","params":{"env":"e1","action":%d}}`+"\n", i+2, i%2)
	}
	in.WriteString(`{"jsonrpc":"2.0","id":32,"method":"env/close","params":{"env":"e1"}}` + "\n")
	in.WriteString(`{"jsonrpc":"2.0","id":33,"method":"env/step","params":{"env":"e1","action":0}}` + "\n")
	go io.WriteString(c.w, in.String())
	got := map[int]rpcResponse{}
	for range 34 {
		var r rpcResponse
		line := c.read()
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		var id int
		json.Unmarshal(r.ID, &id)
		got[id] = r
	}
	for i := range 30 {
		r := got[i+2]
		var st struct {
			Observation dojo.Obs `json:"observation"`
		}
		if r.Error != nil || json.Unmarshal(r.Result, &st) != nil || st.Observation.Value != float64(i+1) {
			t.Fatalf("step %d: %s %+v, want value %d", i, r.Result, r.Error, i+1)
		}
	}
	if got[32].Error != nil || string(got[32].Result) != "null" {
		t.Errorf("close: %+v", got[32])
	}
	if got[33].Error == nil || got[33].Error.Code != -32001 {
		t.Errorf("step after close: %+v", got[33])
	}
}

func TestSlowEnvDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry()})
	slow := c.make(flakyID, map[string]any{"sleep_ms": 500})
	fast := c.make(flakyID, nil)
	c.ok("env/reset", map[string]any{"env": slow}, nil)
	c.ok("env/reset", map[string]any{"env": fast}, nil)
	io.WriteString(c.w, `{"jsonrpc":"2.0","id":"slow","method":"env/step","params":{"env":"`+slow+`","action":0}}`+"\n")
	io.WriteString(c.w, `{"jsonrpc":"2.0","id":"fast","method":"env/step","params":{"env":"`+fast+`","action":0}}`+"\n")
	var first rpcResponse
	json.Unmarshal([]byte(c.read()), &first)
	if string(first.ID) != `"fast"` {
		t.Errorf("first response is %s: a slow env blocked another", first.ID)
	}
	c.read()
}

func TestOpenEnvLimit(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry(), MaxEnvs: 2})
	a := c.make(flakyID, nil)
	c.make(flakyID, nil)
	e := c.fails("env/make", map[string]any{"id": flakyID})
	if e.Code != -32007 || e.Data.Kind != CodeLimit || !strings.Contains(e.Message, "2 envs are open") {
		t.Errorf("third env: %+v", e)
	}
	// A failed make does not count.
	c.fails("env/make", map[string]any{"id": "nope/Nope-v0"})
	c.ok("env/close", map[string]any{"env": a}, nil)
	if h := c.make(flakyID, nil); h != "e3" {
		t.Errorf("handle after a close: %s, want e3 (handles are never reused)", h)
	}
}

func TestLongLinesAreRejectedAndServingGoesOn(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry(), MaxLineBytes: 200})
	long := `{"jsonrpc":"2.0","id":1,"method":"env/list","params":{"family":"` + strings.Repeat("x", 300) + `"}}`
	resp := c.send(long)
	var r rpcResponse
	json.Unmarshal([]byte(resp), &r)
	if r.Error == nil || r.Error.Code != -32600 || string(r.ID) != "null" || !strings.Contains(r.Error.Message, "longer than the limit of 200 bytes") {
		t.Errorf("long line: %s", resp)
	}
	// Exactly at the limit is fine.
	exact := `{"jsonrpc":"2.0","id":2,"method":"env/list","params":{"family":"` + strings.Repeat("x", 200-64-3) + `"}}`
	if len(exact) != 200 {
		t.Fatalf("test line of %d bytes", len(exact))
	}
	c.ok("initialize", nil, nil)
	if resp := c.send(exact); !strings.Contains(resp, `"result":{"envs":[]}`) {
		t.Errorf("line at the limit: %s", resp)
	}
}

func TestEndOfInputFinishesRequestsAndClosesEnvs(t *testing.T) {
	t.Parallel()
	tag := t.Name()
	inR, inW := io.Pipe()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- (&Server{Registry: testRegistry()}).Serve(context.Background(), inR, &out) }()
	fmt.Fprintf(inW, `{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"test/Flaky-v0","options":{"tag":%q,"sleep_ms":100}}}`+"\n", tag)
	fmt.Fprintf(inW, `{"jsonrpc":"2.0","id":2,"method":"env/make","params":{"id":"test/Flaky-v0","options":{"tag":%q}}}`+"\n", tag)
	io.WriteString(inW, `{"jsonrpc":"2.0","id":3,"method":"env/reset","params":{"env":"e1"}}`+"\n")
	io.WriteString(inW, `{"jsonrpc":"2.0","id":4,"method":"env/step","params":{"env":"e1","action":0}}`)
	inW.Close() // the last line has no newline
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.Contains(out.String(), `"id":4,"result":{"observation":{"value":1}`) {
		t.Errorf("responses:\n%s", out.String())
	}
	if n := closedCount(tag); n != 2 {
		t.Errorf("%d envs closed at the end of the session, want 2", n)
	}
}

func TestCancelStopsTheSession(t *testing.T) {
	t.Parallel()
	tag := t.Name()
	inR, inW := io.Pipe()
	defer inW.Close() // Serve returns without waiting for the input to end
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&Server{Registry: testRegistry()}).Serve(ctx, inR, outW) }()
	fmt.Fprintf(inW, `{"jsonrpc":"2.0","id":1,"method":"env/make","params":{"id":"test/Flaky-v0","options":{"tag":%q}}}`+"\n", tag)
	if line, err := bufio.NewReader(outR).ReadString('\n'); err != nil || !strings.Contains(line, `"env":"e1"`) {
		t.Fatalf("env/make: %s %v", line, err)
	}
	go io.Copy(io.Discard, outR)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if n := closedCount(tag); n != 1 {
		t.Errorf("%d envs closed after cancel, want 1", n)
	}
}

type failingWriter struct{}

func (failingWriter) Write(b []byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriteFailureEndsTheSession(t *testing.T) {
	t.Parallel()
	inR, inW := io.Pipe()
	defer inW.Close()
	done := make(chan error, 1)
	go func() { done <- (&Server{Registry: testRegistry()}).Serve(context.Background(), inR, failingWriter{}) }()
	io.WriteString(inW, `{"jsonrpc":"2.0","id":1,"method":"initialize"}`+"\n")
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "broken pipe") {
			t.Errorf("Serve: %v, want the write error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after a failed write")
	}
}

func TestTaskMethods(t *testing.T) {
	t.Parallel()
	c := startSession(t, &Server{Registry: testRegistry()})
	var gen struct {
		Tasks []dojo.Task `json:"tasks"`
	}
	c.ok("task/generate", map[string]any{"id": arithID, "options": map[string]any{"digits": 3}, "seed": 10, "count": 3}, &gen)
	if len(gen.Tasks) != 3 {
		t.Fatalf("%d tasks", len(gen.Tasks))
	}
	for i, task := range gen.Tasks {
		if task.Seed != uint64(10+i) || task.Verify != nil || task.Env != arithID || len(task.Prompt) != 1 {
			t.Errorf("task %d: %+v", i, task)
		}
	}
	var withGold struct {
		Tasks []dojo.Task `json:"tasks"`
	}
	c.ok("task/generate", map[string]any{"id": arithID, "options": map[string]any{"digits": 3}, "seed": 10, "verify": true}, &withGold)
	var gold arithGold
	if err := json.Unmarshal(withGold.Tasks[0].Verify, &gold); err != nil || withGold.Tasks[0].ID != gen.Tasks[0].ID {
		t.Fatalf("task with verify: %+v: %v", withGold.Tasks[0], err)
	}
	right := fmt.Sprintf("<answer>%d</answer>", gold.Sum)
	tests := []struct {
		name     string
		params   map[string]any
		reward   float64
		success  bool
		errNote  bool
		wantCode int
		field    string
	}{
		{"without gold, right", map[string]any{"task": gen.Tasks[0], "response": right}, 1.1, true, false, 0, ""},
		{"with gold, right", map[string]any{"id": arithID, "task": withGold.Tasks[0], "response": right}, 1.1, true, false, 0, ""},
		{"untagged", map[string]any{"task": gen.Tasks[0], "response": fmt.Sprint(gold.Sum)}, 1, true, false, 0, ""},
		{"wrong", map[string]any{"task": gen.Tasks[0], "response": "<answer>-1</answer>"}, 0.1, false, false, 0, ""},
		{"empty", map[string]any{"task": gen.Tasks[0], "response": ""}, 0, false, true, 0, ""},
		{"messages", map[string]any{"task": gen.Tasks[0], "response": map[string]any{"messages": []dojo.Message{{Role: "assistant", Content: right}}}}, 1.1, true, false, 0, ""},
		{"env from id", map[string]any{"id": arithID, "task": map[string]any{"id": gen.Tasks[0].ID, "options": map[string]any{"digits": 3}, "seed": 10}, "response": right}, 1.1, true, false, 0, ""},
		{"forged id", map[string]any{"task": map[string]any{"id": "other", "env": arithID, "options": map[string]any{"digits": 3}, "seed": 10}, "response": right}, 0, false, false, -32602, "task.id"},
		{"id differs from env", map[string]any{"id": "gridworld/FrozenLake-v1", "task": gen.Tasks[0], "response": right}, 0, false, false, -32602, "id"},
		{"bad options", map[string]any{"task": map[string]any{"env": arithID, "options": map[string]any{"digits": 30}, "seed": 10}, "response": right}, 0, false, false, -32602, "options.digits"},
		{"response fields", map[string]any{"task": gen.Tasks[0], "response": map[string]any{"txt": right}}, 0, false, false, -32602, "response"},
	}
	for _, tc := range tests {
		if tc.wantCode != 0 {
			e := c.fails("task/verify", tc.params)
			if e.Code != tc.wantCode || e.Data.Field != tc.field {
				t.Errorf("%s: %+v, want code %d field %q", tc.name, e, tc.wantCode, tc.field)
			}
			continue
		}
		var sc dojo.Score
		c.ok("task/verify", tc.params, &sc)
		if sc.Reward != tc.reward || sc.Success != tc.success || (sc.Error != "") != tc.errNote || len(sc.Parts) != 2 {
			t.Errorf("%s: %+v, want reward %v success %v", tc.name, sc, tc.reward, tc.success)
		}
	}
}

func TestNextSeed(t *testing.T) {
	// SplitMix64's first output from state 0 (Vigna's reference values).
	if got := NextSeed(0); got != 0xe220a8397b1dcdaf {
		t.Errorf("NextSeed(0) = %#x, want 0xe220a8397b1dcdaf", got)
	}
	// Envs seeded base+i never meet each other's seeds in the next few
	// autoresets, as seed+1 would make them do at once.
	seen := map[uint64]int{}
	for i := range uint64(64) {
		s := 1000 + i
		for range 4 {
			if j, dup := seen[s]; dup && j != int(i) {
				t.Fatalf("env %d and env %d share seed %d", i, j, s)
			}
			seen[s] = int(i)
			s = NextSeed(s)
		}
	}
}

// TestStepManySpreadsSlowSteps checks that an env/stepMany whose steps
// prove slow is spread over Server.Parallelism goroutines part way
// through, and that every entry still gets its own env's step.
func TestStepManySpreadsSlowSteps(t *testing.T) {
	t.Parallel()
	const n, sleep = 20, time.Millisecond
	c := startSession(t, &Server{Registry: testRegistry(), Parallelism: 2})
	var handles []string
	for range n {
		h := c.make(flakyID, map[string]any{"sleep_ms": int(sleep / time.Millisecond), "tag": "spread-probe"})
		c.ok("env/reset", map[string]any{"env": h}, nil)
		handles = append(handles, h)
	}
	actions := make([]int, n)
	for round := 1; round <= 2; round++ {
		var r struct {
			Observations []int  `json:"observations"`
			Errors       []any  `json:"errors"`
			Truncated    []bool `json:"truncated"`
		}
		c.ok("env/stepMany", map[string]any{"envs": handles, "actions": actions, "compact": true, "values": true}, &r)
		want := make([]int, n)
		for i := range want {
			want[i] = round // each env's step count
		}
		if diff := cmp.Diff(want, r.Observations); diff != "" {
			t.Errorf("round %d: observations (-want +got):\n%s", round, diff)
		}
		for i, e := range r.Errors {
			if e != nil {
				t.Errorf("round %d: entry %d failed: %v", round, i, e)
			}
		}
	}
	// Steps this slow are spread: some ran at the same time.
	if got := mostInflight("spread-probe"); got < 2 {
		t.Errorf("at most %d of %d slow steps ran at once: stepMany did not spread them over goroutines", got, n)
	}
}
