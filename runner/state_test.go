package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// statefulChain is the chain env describing its state: the position, a
// list of the cells visited (which grows), a member that appears only at
// the end, and one that disappears.
type statefulChain struct {
	*chainEnv
	visited []int
	bad     string // "marshal", "array" or "panic": a broken State
}

type chainState struct {
	Kind    string   `json:"kind"`
	Pos     int      `json:"pos"`
	Length  int      `json:"length"`
	Visited []int    `json:"visited"`
	Note    string   `json:"note,omitempty"` // "a {tricky} \"string\"" until the end
	Done    *bool    `json:"done,omitempty"`
	Bad     *float64 `json:"bad,omitempty"`
}

func (e *statefulChain) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	obs, info, err := e.chainEnv.Reset(ctx, seed)
	e.visited = append(e.visited[:0], 0)
	return obs, info, err
}

func (e *statefulChain) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	st, err := e.chainEnv.Step(ctx, a)
	if err == nil {
		e.visited = append(e.visited, e.pos)
	}
	return st, err
}

func (e *statefulChain) State() any {
	switch {
	case e.bad == "panic" && e.steps == 1:
		panic("state on purpose")
	case e.bad == "array" && e.steps == 1:
		return []int{1}
	}
	s := chainState{Kind: "chain", Pos: e.pos, Length: e.length, Visited: e.visited}
	if e.ended {
		done := true
		s.Done = &done
	} else {
		s.Note = `a {tricky} "string", with: [brackets]`
	}
	if e.bad == "marshal" && e.steps == 1 {
		nan := 0.0
		nan /= nan
		s.Bad = &nan
	}
	return s
}

func statefulRegistry(bad string) *dojo.Registry {
	return chainRegistryWith(func(e *chainEnv) dojo.Env { return &statefulChain{chainEnv: e, bad: bad} })
}

// TestStateRecorded checks that the records carry the env's whole state at
// Reset and its changes at each step, and that Episode.States gives back
// every state the env described, whatever the number of workers.
func TestStateRecorded(t *testing.T) {
	t.Parallel()
	var want [][]string // per episode, the state after reset and each step
	reg := statefulRegistry("")
	for i := range 6 {
		env, _ := reg.Make("test/Chain-v0", dojo.Options{"length": 4})
		agent, _ := walker(0.7).NewAgent(context.Background(), dojo.EpisodeStart{Seed: uint64(i)})
		obs, info, _ := env.Reset(context.Background(), uint64(i))
		turn := dojo.Turn{Obs: obs, Info: info}
		b, _ := json.Marshal(env.(dojo.Stater).State())
		states := []string{string(b)}
		for {
			a, _ := agent.Act(context.Background(), turn)
			st, err := env.Step(context.Background(), a)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(env.(dojo.Stater).State())
			states = append(states, string(b))
			if st.Done() {
				break
			}
			turn = dojo.Turn{Obs: st.Obs, Info: st.Info}
		}
		want = append(want, states)
	}
	var lines []string
	for _, w := range []int{1, 2} {
		var eps []Episode
		out := filepath.Join(t.TempDir(), "run.jsonl")
		_, err := Run(context.Background(), Config{
			Registry: reg, Env: "test/Chain-v0", Options: dojo.Options{"length": 4},
			Agent: walker(0.7), AgentName: "walker", Episodes: 6, Workers: w, Out: out,
			OnEpisode: func(ep Episode) { eps = append(eps, ep) },
		})
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, normalize(t, eps))
		for _, ep := range eps {
			got, err := ep.States()
			if err != nil {
				t.Fatalf("episode %d: %v", ep.Episode, err)
			}
			if len(got) != len(want[ep.Episode]) {
				t.Fatalf("episode %d: %d states, want %d", ep.Episode, len(got), len(want[ep.Episode]))
			}
			for k := range got {
				if !jsonEqual(t, got[k], want[ep.Episode][k]) {
					t.Errorf("episode %d, state after step %d: got %s, want %s", ep.Episode, k, got[k], want[ep.Episode][k])
				}
			}
			// A step that changed nothing records no state; the last
			// step removes the note and adds done.
			for _, s := range ep.Steps {
				if s.State != nil && !strings.Contains(string(s.State), `"visited"`) {
					t.Errorf("episode %d step %d: the visited list grew but is not in the change %s", ep.Episode, s.Step, s.State)
				}
				if strings.Contains(string(s.State), `"length"`) || strings.Contains(string(s.State), `"kind"`) {
					t.Errorf("episode %d step %d: unchanged members recorded: %s", ep.Episode, s.Step, s.State)
				}
			}
			last := ep.Steps[len(ep.Steps)-1].State
			if !strings.Contains(string(last), `"note":null`) || !strings.Contains(string(last), `"done":true`) {
				t.Errorf("episode %d: last step's change %s: want note removed (null) and done added", ep.Episode, last)
			}
		}
		// The file holds the same records.
		eps2 := readFile(t, out)
		if normalize(t, eps2) != normalize(t, eps) {
			t.Errorf("workers=%d: the file's records differ from OnEpisode's", w)
		}
	}
	if lines[0] != lines[1] {
		t.Errorf("records differ between 1 and 2 workers")
	}
}

func jsonEqual(t *testing.T, a json.RawMessage, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

func TestStateNotRecordedWithoutSteps(t *testing.T) {
	t.Parallel()
	var ep Episode
	_, err := Run(context.Background(), Config{
		Registry: statefulRegistry(""), Env: "test/Chain-v0", Agent: walker(1), AgentName: "w",
		NoSteps: true, OnEpisode: func(e Episode) { ep = e },
	})
	if err != nil {
		t.Fatal(err)
	}
	if ep.Reset != nil || ep.Steps != nil || !ep.Success {
		t.Errorf("NoSteps record: reset %v, %d steps, success %v", ep.Reset, len(ep.Steps), ep.Success)
	}
	if s, err := ep.States(); s != nil || err != nil {
		t.Errorf("States of a record without steps: %v, %v", s, err)
	}
}

// TestBrokenState checks that a State that panics, does not marshal or is
// not an object fails its episode with an error saying so, and the run
// goes on.
func TestBrokenState(t *testing.T) {
	t.Parallel()
	for bad, want := range map[string]string{
		"panic":   "panic in env State at step 1: state on purpose",
		"marshal": "env State at step 1: the env's State does not marshal to JSON",
		"array":   "env State at step 1: the env's State is [1], not a JSON object",
	} {
		var eps []Episode
		_, err := Run(context.Background(), Config{
			Registry: statefulRegistry(bad), Env: "test/Chain-v0", Agent: walker(1), AgentName: "w",
			Episodes: 2, Workers: 1, OnEpisode: func(e Episode) { eps = append(eps, e) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(eps) != 2 {
			t.Fatalf("%s: %d episodes recorded, want 2", bad, len(eps))
		}
		for _, ep := range eps {
			if !strings.HasPrefix(ep.Error, want) || ep.ErrorCode != dojo.CodeInternal {
				t.Errorf("%s: episode %d error %q (%s), want prefix %q", bad, ep.Episode, ep.Error, ep.ErrorCode, want)
			}
		}
	}
}

func TestSplitObject(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	values := []any{1, -2.5e-7, "x", `a"b\c{}[],:`, true, nil, []any{1, "]", map[string]any{"k": "}"}}, map[string]any{"a": []any{}, "b": map[string]any{}}}
	for i := range 500 {
		obj := map[string]any{}
		for k := range rng.IntN(6) {
			obj[fmt.Sprintf("k%d\"%d", k, i%3)] = values[rng.IntN(len(values))]
		}
		b, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		ms, ok := splitObject(string(b))
		if !ok {
			t.Fatalf("splitObject(%s) failed", b)
		}
		if len(ms) != len(obj) {
			t.Fatalf("splitObject(%s): %d members, want %d", b, len(ms), len(obj))
		}
		for _, m := range ms {
			var k string
			if err := json.Unmarshal([]byte(m.key), &k); err != nil {
				t.Fatalf("%s: key %s: %v", b, m.key, err)
			}
			want, _ := json.Marshal(obj[k])
			if string(want) != string(m.value) {
				t.Errorf("%s: member %s = %s, want %s", b, k, m.value, want)
			}
		}
	}
	for _, bad := range []string{"", "[]", "1", `"{}"`, "{", `{"a"}`, `{"a":"}`, `{"a":1}"b":2}`, `{"a":{}`, `{"a":1,}`, `{,"a":1}`} {
		if _, ok := splitObject(bad); ok {
			t.Errorf("splitObject(%q) accepted", bad)
		}
	}
}

func TestMergeState(t *testing.T) {
	t.Parallel()
	got, err := MergeState(json.RawMessage(`{"a":1,"b":[1,2],"c":"x"}`), json.RawMessage(`{"b":[3],"c":null,"d":{"e":1}}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"a":1,"b":[3],"d":{"e":1}}`; string(got) != want {
		t.Errorf("MergeState = %s, want %s", got, want)
	}
	if got, _ := MergeState(json.RawMessage(`{"a":1}`), nil); string(got) != `{"a":1}` {
		t.Errorf("MergeState without a change = %s", got)
	}
	for _, c := range [][2]string{{`[1]`, `{"a":1}`}, {`{"a":1}`, `3`}, {`null`, `{}`}} {
		if _, err := MergeState(json.RawMessage(c[0]), json.RawMessage(c[1])); err == nil {
			t.Errorf("MergeState(%s, %s): no error", c[0], c[1])
		}
	}
}
