package dojo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/google/go-cmp/cmp"
)

// coin is a minimal env for the registry tests: guess a hidden bit.
type coin struct {
	spec    dojo.Spec
	bit     int
	started bool
	done    bool
	parts   []dojo.Part
	weights []float64
}

func coinSpec() dojo.Spec {
	return dojo.Spec{
		ID:             "test/Coin-v0",
		Description:    "guess the hidden bit",
		Observation:    dojo.Space{Kind: dojo.KindNone},
		Action:         dojo.Discrete(2, "heads", "tails"),
		MaxSteps:       1,
		Rewards:        []dojo.Component{{Name: "success", Shaped: 1}, {Name: "guess", Shaped: 0.5}},
		Profiles:       map[string]map[string]float64{"half": {"success": 0.5}},
		DefaultProfile: "sparse",
		Options: []dojo.Option{
			dojo.Option{Name: "bias", Type: dojo.OptFloat, Default: 0.5}.Range(0, 1),
			dojo.Option{Name: "rounds", Type: dojo.OptInt, Default: 1}.Range(1, 10),
			{Name: "mode", Type: dojo.OptString, Default: "fair", Choices: []string{"fair", "loaded"}},
			{Name: "names", Type: dojo.OptStrings, Default: []string{"a"}},
			{Name: "verbose", Type: dojo.OptBool, Default: false},
		},
	}
}

func newCoin(opts dojo.Options) (dojo.Env, error) {
	spec := coinSpec()
	w, err := spec.Weights(opts[dojo.RewardOption])
	if err != nil {
		return nil, err
	}
	return &coin{spec: spec, weights: w}, nil
}

func (c *coin) Spec() dojo.Spec { return c.spec }

func (c *coin) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	c.bit, c.started, c.done = int(seed%2), true, false
	c.parts = []dojo.Part{{Name: "success", Weight: c.weights[0]}, {Name: "guess", Weight: c.weights[1]}}
	return dojo.Obs{Text: "guess"}, dojo.Info{Parts: c.parts}, nil
}

func (c *coin) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	if !c.started {
		return dojo.Step{}, dojo.ErrNotReset
	}
	if c.done {
		return dojo.Step{}, dojo.ErrEnded
	}
	c.done = true
	ok := a.Index == c.bit
	v := 0.0
	if ok {
		v = 1
	}
	c.parts[0].Value, c.parts[1].Value = v, v
	return dojo.Step{Reward: dojo.Sum(c.parts), Terminated: true, Info: dojo.Info{Success: ok, Parts: c.parts}}, nil
}

func testRegistry(t *testing.T) *dojo.Registry {
	t.Helper()
	var r dojo.Registry
	if err := r.Register(coinSpec(), newCoin); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestRegistryMakeResolvesOptions(t *testing.T) {
	r := testRegistry(t)
	spec, err := r.Spec("test/Coin-v0")
	if err != nil {
		t.Fatal(err)
	}
	got, err := spec.Resolve(dojo.Options{"bias": 1, "rounds": 3.0, "names": []any{"x", "y"}})
	if err != nil {
		t.Fatal(err)
	}
	want := dojo.Options{"bias": 1.0, "rounds": 3, "mode": "fair", "names": []string{"x", "y"}, "verbose": false}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Resolve (-want +got):\n%s", d)
	}
	if _, ok := spec.Option("reward"); !ok {
		t.Errorf("Register did not add the reward option")
	}
}

func TestRegistryErrorsNameTheProblem(t *testing.T) {
	r := testRegistry(t)
	tests := []struct {
		id    string
		opts  dojo.Options
		code  dojo.Code
		field string
		msg   string
	}{
		{"test/Coin-v9", nil, dojo.CodeNotFound, "id", `unknown env id "test/Coin-v9" (did you mean test/Coin-v0?)`},
		{"nope/Thing-v0", nil, dojo.CodeNotFound, "id", "dojo list"},
		{"test/Coin-v0", dojo.Options{"biass": 0.1}, dojo.CodeInvalid, "options.biass", `unknown option "biass"`},
		{"test/Coin-v0", dojo.Options{"bias": 2.0}, dojo.CodeInvalid, "options.bias", "above the maximum 1"},
		{"test/Coin-v0", dojo.Options{"bias": "high"}, dojo.CodeInvalid, "options.bias", `want a number, got "high"`},
		{"test/Coin-v0", dojo.Options{"rounds": 1.5}, dojo.CodeInvalid, "options.rounds", "1.5 is not an integer"},
		{"test/Coin-v0", dojo.Options{"mode": "weird"}, dojo.CodeInvalid, "options.mode", `"weird" is not one of fair, loaded`},
		{"test/Coin-v0", dojo.Options{"verbose": "yes"}, dojo.CodeInvalid, "options.verbose", "want true or false"},
		{"test/Coin-v0", dojo.Options{"names": []any{"a", 3.0}}, dojo.CodeInvalid, "options.names", "element 1"},
		{"test/Coin-v0", dojo.Options{"reward": "dense"}, dojo.CodeInvalid, "options.reward", `unknown reward profile "dense" (profiles: sparse, shaped, half`},
		{"test/Coin-v0", dojo.Options{"reward": map[string]any{"speed": 1.0}}, dojo.CodeInvalid, "options.reward", `unknown component "speed" (components: success, guess)`},
		{"test/Coin-v0", dojo.Options{"reward": map[string]any{"guess": "x"}}, dojo.CodeInvalid, "options.reward", `weight of "guess"`},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.id, tc.opts), func(t *testing.T) {
			_, err := r.Make(tc.id, tc.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if dojo.ErrorCode(err) != tc.code || dojo.ErrorField(err) != tc.field || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %q (code %q, field %q), want code %q field %q containing %q", err, dojo.ErrorCode(err), dojo.ErrorField(err), tc.code, tc.field, tc.msg)
			}
		})
	}
}

func TestRegisterRejectsBadSpecs(t *testing.T) {
	var r dojo.Registry
	if err := r.Register(coinSpec(), newCoin); err != nil {
		t.Fatal(err)
	}
	if err := r.Register(coinSpec(), newCoin); err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Errorf("duplicate: got %v", err)
	}
	bad := coinSpec()
	bad.ID = "Coin"
	bad.Rewards = []dojo.Component{{Name: "guess"}}
	bad.MaxSteps = 0
	bad.DefaultProfile = "mystery"
	err := r.Register(bad, newCoin)
	for _, want := range []string{"not of the form family/Name-vN", "max_steps 0", `no "success" reward component`, `default profile "mystery"`, `weighs unknown component "success"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad spec: got %v, want it to mention %q", err, want)
		}
	}
}

func TestWeights(t *testing.T) {
	spec := coinSpec()
	tests := []struct {
		profile any
		want    []float64
	}{
		{nil, []float64{1, 0}},
		{"", []float64{1, 0}},
		{"sparse", []float64{1, 0}},
		{"shaped", []float64{1, 0.5}},
		{"half", []float64{0.5, 0}},
		{map[string]float64{"guess": 2}, []float64{0, 2}},
	}
	for _, tc := range tests {
		got, err := spec.Weights(tc.profile)
		if err != nil {
			t.Fatalf("%v: %v", tc.profile, err)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("Weights(%v) (-want +got):\n%s", tc.profile, d)
		}
	}
}

func TestParseOptionString(t *testing.T) {
	var r dojo.Registry
	r.MustRegister(coinSpec(), newCoin)
	spec, _ := r.Spec("test/Coin-v0")
	tests := []struct {
		name, text string
		want       any
		err        string
	}{
		{"bias", "0.25", 0.25, ""},
		{"rounds", "4", 4, ""},
		{"rounds", "four", nil, `"four" is not a valid int`},
		{"verbose", "true", true, ""},
		{"mode", "loaded", "loaded", ""},
		{"names", "a,b", []string{"a", "b"}, ""},
		{"names", `["a,b"]`, []string{"a,b"}, ""},
		{"reward", "shaped", "shaped", ""},
		{"reward", "success=1,guess=0.5", map[string]float64{"success": 1, "guess": 0.5}, ""},
		{"reward", `{"guess": 3}`, map[string]float64{"guess": 3}, ""},
		{"reward", "success=x", nil, `"success=x" is not name=number`},
		{"color", "red", nil, `unknown option "color"`},
	}
	for _, tc := range tests {
		got, err := spec.ParseOptionString(tc.name, tc.text)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s=%s: got %v, %v; want error containing %q", tc.name, tc.text, got, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s=%s: %v", tc.name, tc.text, err)
			continue
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("%s=%s (-want +got):\n%s", tc.name, tc.text, d)
		}
	}
}

func TestActionJSON(t *testing.T) {
	tests := []struct {
		wire string
		want dojo.Action
	}{
		{`3`, dojo.IndexAction(3)},
		{`-1`, dojo.IndexAction(-1)},
		{`"left"`, dojo.TextAction("left")},
		{`{"text":"done"}`, dojo.MessageAction("done")},
		{`{"tool_calls":[{"id":"c1","name":"add","arguments":{"a":1}}]}`,
			dojo.MessageAction("", dojo.ToolCall{ID: "c1", Name: "add", Arguments: json.RawMessage(`{"a":1}`)})},
	}
	for _, tc := range tests {
		var a dojo.Action
		if err := json.Unmarshal([]byte(tc.wire), &a); err != nil {
			t.Fatalf("%s: %v", tc.wire, err)
		}
		if d := cmp.Diff(tc.want, a); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.wire, d)
		}
		b, err := json.Marshal(a)
		if err != nil || string(b) != tc.wire {
			t.Errorf("round trip of %s gave %s, %v", tc.wire, b, err)
		}
	}
	for _, bad := range []string{`1.5`, `true`, `null`, `[1]`, `{"txt":"x"}`, `99999999999999999999`, `{"tool_calls":"x"}`} {
		var a dojo.Action
		if err := json.Unmarshal([]byte(bad), &a); err == nil {
			t.Errorf("%s: no error", bad)
		} else if !strings.Contains(err.Error(), "action") {
			t.Errorf("%s: error %q does not say it is about the action", bad, err)
		}
	}
}

func TestToolCallOpenAIForm(t *testing.T) {
	var c dojo.ToolCall
	in := `{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}}`
	if err := json.Unmarshal([]byte(in), &c); err != nil {
		t.Fatal(err)
	}
	want := dojo.ToolCall{ID: "call_1", Name: "get_weather", Arguments: json.RawMessage(`{"city": "Paris"}`)}
	if d := cmp.Diff(want, c); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestMetricsJSONKeepsOrder(t *testing.T) {
	m := dojo.Metrics{{"regret", 0.5}, {"best_arm", 3}, {"a", -1}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"regret":0.5,"best_arm":3,"a":-1}` {
		t.Errorf("got %s", b)
	}
	var back dojo.Metrics
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(m, back); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if v, ok := back.Get("best_arm"); !ok || v != 3 {
		t.Errorf("Get(best_arm) = %v, %v", v, ok)
	}
}

func TestStepCloneIsIndependent(t *testing.T) {
	buf := []int8{1, 2, 3}
	parts := []dojo.Part{{Name: "success", Value: 1, Weight: 1}}
	tools := []dojo.Tool{{Name: "a"}}
	s := dojo.Step{Obs: dojo.Obs{Value: buf, Tools: tools}, Info: dojo.Info{Parts: parts, Metrics: dojo.Metrics{{"x", 1}}}}
	c := s.Clone()
	buf[0], parts[0].Value, s.Info.Metrics[0].Value, tools[0].Name = 9, 0, 0, "b"
	if c.Obs.Value.([]int8)[0] != 1 || c.Info.Parts[0].Value != 1 || c.Info.Metrics[0].Value != 1 || c.Obs.Tools[0].Name != "a" {
		t.Errorf("Clone shares buffers: %+v", c)
	}
}

func TestObsToolsOr(t *testing.T) {
	spec := dojo.Spec{Action: dojo.Space{Kind: dojo.KindToolCalls, Tools: []dojo.Tool{{Name: "a"}, {Name: "b"}, {Name: "c"}}}}
	task := []dojo.Tool{{Name: "c"}, {Name: "x"}}
	if got := (dojo.Obs{Tools: task}).ToolsOr(&spec); !cmp.Equal(got, task) {
		t.Errorf("with the task's tools: got %v, want %v", got, task)
	}
	if got := (dojo.Obs{Text: "hi"}).ToolsOr(&spec); !cmp.Equal(got, spec.Action.Tools) {
		t.Errorf("without: got %v, want the spec's %v", got, spec.Action.Tools)
	}
	b, _ := json.Marshal(dojo.Obs{Text: "hi"})
	if string(b) != `{"text":"hi"}` {
		t.Errorf("an observation without tools marshals to %s", b)
	}
}

func TestMDPJSONAndValueIteration(t *testing.T) {
	// Two states: from 0, action 1 reaches terminal state 1 with reward 1;
	// action 0 stays.
	m := &dojo.MDP{NS: 2, NA: 2, InitialStateDistrib: []float64{1, 0}, P: [][][]dojo.Outcome{
		{{{1, 0, 0, false}}, {{0.5, 1, 1, true}, {0.5, 0, 0, false}}},
		{{{1, 1, 0, true}}, {{1, 1, 0, true}}},
	}}
	if err := m.Check(); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(m)
	want := `{"nS":2,"nA":2,"P":{"0":{"0":[[1,0,0,false]],"1":[[0.5,1,1,true],[0.5,0,0,false]]},"1":{"0":[[1,1,0,true]],"1":[[1,1,0,true]]}},"initial_state_distrib":[1,0]}`
	if string(b) != want {
		t.Errorf("MDP JSON:\n got %s\nwant %s", b, want)
	}
	v, pi := m.ValueIteration(0.9, 1e-12)
	// V(0) = 0.5 + 0.5*0.9*V(0) → V(0) = 0.5/0.55.
	if pi[0] != 1 || v[0] < 0.5/0.55-1e-9 || v[0] > 0.5/0.55+1e-9 {
		t.Errorf("ValueIteration: v=%v pi=%v", v, pi)
	}
	m.P[0][1][0].Prob = 0.6
	if err := m.Check(); err == nil || !strings.Contains(err.Error(), "P[0][1] sums to 1.1") {
		t.Errorf("Check of a bad MDP: %v", err)
	}
}

func TestErrorCodes(t *testing.T) {
	base := dojo.Errorf(dojo.CodeNotFound, "no such thing")
	wrapped := fmt.Errorf("outer: %w", base)
	if dojo.ErrorCode(wrapped) != dojo.CodeNotFound {
		t.Errorf("code through wrapping: %q", dojo.ErrorCode(wrapped))
	}
	if dojo.ErrorCode(context.DeadlineExceeded) != dojo.CodeTimeout || dojo.ErrorCode(context.Canceled) != dojo.CodeCanceled {
		t.Errorf("context errors map wrong")
	}
	if dojo.ErrorCode(errors.New("x")) != dojo.CodeInternal || dojo.ErrorCode(nil) != "" {
		t.Errorf("plain errors map wrong")
	}
	inner := errors.New("disk full")
	e := dojo.Errorf(dojo.CodeInternal, "write: %w", inner)
	if !errors.Is(e, inner) {
		t.Errorf("Errorf does not wrap %%w")
	}
}

func FuzzActionUnmarshal(f *testing.F) {
	for _, s := range []string{`3`, `"left"`, `{"text":"x","tool_calls":[{"name":"f","arguments":"{}"}]}`, `{`, `1e3`, `"\ud800"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a dojo.Action
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			return
		}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("%q decoded to %+v which does not marshal: %v", s, a, err)
		}
		var back dojo.Action
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		if back.Kind != a.Kind || back.Index != a.Index || back.Text != a.Text || len(back.ToolCalls) != len(a.ToolCalls) {
			t.Fatalf("round trip changed %+v into %+v", a, back)
		}
	})
}

func TestMetricsFloatsFormatLikeEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -2.5, 1e-7, 3.2e-9, 1e21, 123456789012, 0.1 + 0.2, -1e-300} {
		want, _ := json.Marshal(map[string]float64{"x": f})
		got, err := json.Marshal(dojo.Metrics{{"x", f}})
		if err != nil || string(got) != string(want) {
			t.Errorf("%v: got %s, %v; want %s", f, got, err, want)
		}
	}
}

func TestFatalKeepsCodeAndMessage(t *testing.T) {
	base := dojo.Errorf(dojo.CodeUnavailable, "server down")
	err := fmt.Errorf("agent Act: %w", dojo.Fatal(base))
	if !dojo.IsFatal(err) || dojo.ErrorCode(err) != dojo.CodeUnavailable || err.Error() != "agent Act: server down" {
		t.Errorf("wrapped Fatal: fatal %v, code %q, message %q", dojo.IsFatal(err), dojo.ErrorCode(err), err)
	}
	if dojo.IsFatal(base) || dojo.IsFatal(nil) || dojo.Fatal(nil) != nil {
		t.Errorf("IsFatal(base) = %v, IsFatal(nil) = %v, Fatal(nil) = %v", dojo.IsFatal(base), dojo.IsFatal(nil), dojo.Fatal(nil))
	}
}

// TestRegistrySuggestsNearestIDs checks that an unknown id's error suggests
// the registered ids nearest to it by edit distance, nearest first: within
// the family, then across families for a name in the wrong one.
func TestRegistrySuggestsNearestIDs(t *testing.T) {
	var r dojo.Registry
	for _, id := range []string{
		"bandit/Bernoulli-10-v0", "bandit/Bernoulli-2-v0", "bandit/Gaussian-10-v0",
		"gridworld/CliffWalking-v0", "gridworld/Custom-v0", "gridworld/DoorKey-16x16-v0", "gridworld/DoorKey-5x5-v0",
		"gridworld/DoorKey-6x6-v0", "gridworld/DoorKey-8x8-v0", "gridworld/Empty-16x16-v0", "gridworld/Empty-5x5-v0",
		"gridworld/Empty-6x6-v0", "gridworld/Empty-8x8-v0", "gridworld/FourRooms-v0", "gridworld/FrozenLake-v1",
		"gridworld/FrozenLake8x8-v1", "gridworld/Taxi-v3", "sql/Spider-v0", "sql/KaggleDBQA-v0",
		"toolcall/Bank-v0", "toolcall/Shop-v0", "websim/Shop-v0", "websim/SearchQA-v0",
		"toolcall/Mixed-v0", "sql/BIRD-v0", "gridworld/Maze-9x9-v0", "gridworld/Maze-15x15-v0",
	} {
		spec := coinSpec()
		spec.ID = id
		r.MustRegister(spec, newCoin)
	}
	for _, c := range []struct {
		id   string
		want []string // the suggestions, nearest first
	}{
		{"gridworld/FrozenLak-v1", []string{"gridworld/FrozenLake-v1", "gridworld/FrozenLake8x8-v1"}}, // a missing letter
		// When the name is right, only the ids of that name.
		{"gridworld/FrozenLake-v0", []string{"gridworld/FrozenLake-v1"}}, // the wrong version
		{"gridworld/frozenlake-v1", []string{"gridworld/FrozenLake-v1"}}, // case
		{"gridworld/FrozenLake", []string{"gridworld/FrozenLake-v1"}},    // no version
		{"gridworld/FrozenLake8x8-v0", []string{"gridworld/FrozenLake8x8-v1"}},
		{"bandit/FrozenLake-v1", []string{"gridworld/FrozenLake-v1"}}, // the wrong family
		{"FrozenLake-v1", []string{"gridworld/FrozenLake-v1"}},        // no family
		{"bandit/FrozenLak-v1", []string{"gridworld/FrozenLake-v1", "gridworld/FrozenLake8x8-v1"}},
		{"gridworld/Taxi-v2", []string{"gridworld/Taxi-v3"}},
		{"gridworld/DorKey-5x5-v0", []string{"gridworld/DoorKey-5x5-v0", "gridworld/DoorKey-6x6-v0", "gridworld/DoorKey-8x8-v0"}},
		{"gridworld/Empty-7x7-v0", []string{"gridworld/Empty-5x5-v0", "gridworld/Empty-6x6-v0", "gridworld/Empty-8x8-v0"}},
		{"sql/spider-v0", []string{"sql/Spider-v0"}},
		{"sql/Spidr-v1", []string{"sql/Spider-v0"}},
		{"toolcall/Shopp-v0", []string{"toolcall/Shop-v0", "websim/Shop-v0"}}, // the family first
		{"websim/Bank-v0", []string{"toolcall/Bank-v0"}},
		{"toolcall/Mixd-v0", []string{"toolcall/Mixed-v0"}}, // not sql/BIRD-v0, as near but short
		{"gridworld/Maze-v0", []string{"gridworld/Maze-9x9-v0", "gridworld/Maze-15x15-v0"}},
	} {
		_, err := r.Spec(c.id)
		want := fmt.Sprintf("unknown env id %q (did you mean %s?)", c.id, strings.Join(c.want, ", "))
		if err == nil || err.Error() != want {
			t.Errorf("Spec(%q): %v\nwant %s", c.id, err, want)
		}
	}
	// Nothing near: the family's ids, or dojo list for an unknown family.
	if _, err := r.Spec("bandit/Zzzzzzzzzz-v0"); err == nil || !strings.Contains(err.Error(), "(did you mean bandit/Bernoulli-10-v0, bandit/Bernoulli-2-v0, bandit/Gaussian-10-v0?)") {
		t.Errorf("an id far from every other of its family: %v", err)
	}
	if _, err := r.Spec("nope/Zzzzzzzzzz-v0"); err == nil || !strings.Contains(err.Error(), "(dojo list shows the ids)") {
		t.Errorf("an id far from every other: %v", err)
	}
}
