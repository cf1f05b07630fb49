package toolcall

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/internal/race"
)

var update = flag.Bool("update", false, "rewrite golden files")

func registry(t testing.TB) *dojo.Registry {
	t.Helper()
	var r dojo.Registry
	if err := Register(&r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func makeEnv(t testing.TB, r *dojo.Registry, id string, opts dojo.Options) *Env {
	t.Helper()
	env, err := r.Make(id, opts)
	if err != nil {
		t.Fatal(err)
	}
	return env.(*Env)
}

var ids = []string{"toolcall/Bank-v0", "toolcall/Calendar-v0", "toolcall/Shop-v0", "toolcall/Travel-v0", "toolcall/Files-v0", "toolcall/Contacts-v0", "toolcall/Utility-v0", "toolcall/Mixed-v0"}

func TestRegisterIDs(t *testing.T) {
	r := registry(t)
	got := r.IDs()
	want := append([]string(nil), ids...)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("ids %v, want %v", got, want)
	}
}

func TestConformance(t *testing.T) {
	r := registry(t)
	for _, id := range ids {
		for _, kind := range append(append([]string(nil), kinds...), kindMixed) {
			t.Run(id+"/"+kind, func(t *testing.T) {
				t.Parallel()
				dojotest.CheckEnv(t, makeEnv(t, r, id, dojo.Options{"kind": kind}))
			})
		}
	}
}

// runEpisode plays actions chosen by act until the episode ends.
func runEpisode(t testing.TB, e *Env, seed uint64, act func(turn int) dojo.Action) (dojo.Step, []dojo.Action) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := e.Reset(ctx, seed); err != nil {
		t.Fatalf("seed %d: reset: %v", seed, err)
	}
	var acts []dojo.Action
	for turn := 0; ; turn++ {
		a := act(turn)
		acts = append(acts, a)
		st, err := e.Step(ctx, a)
		if err != nil {
			t.Fatalf("seed %d: step %d: %v", seed, turn, err)
		}
		if st.Done() {
			return st, acts
		}
	}
}

// probes are hacks that must never succeed.
func probes(e *Env) map[string]func(turn int) dojo.Action {
	return map[string]func(int) dojo.Action{
		"empty args to every tool": func(turn int) dojo.Action {
			if turn > 0 {
				return dojo.MessageAction("done")
			}
			var calls []dojo.ToolCall
			for i, tl := range e.tools {
				calls = append(calls, dojo.ToolCall{ID: fmt.Sprint(i), Name: tl.Name, Arguments: json.RawMessage(`{}`)})
			}
			return dojo.MessageAction("", calls...)
		},
		"empty answer": func(int) dojo.Action { return dojo.MessageAction("") },
		"stuffed answer": func(int) dojo.Action {
			return dojo.MessageAction(stuffed(e.g))
		},
		"repeat one call": func(turn int) dojo.Action {
			if turn >= 6 || len(e.g.Turns) == 0 {
				return dojo.MessageAction("done: " + stuffed(e.g))
			}
			return dojo.MessageAction("", e.g.Turns[0][0])
		},
	}
}

// stuffed is an answer naming every entity and number of the world.
func stuffed(g *gold) string {
	var b strings.Builder
	for _, tab := range g.Initial {
		for k, r := range tab {
			b.WriteString(k + " ")
			for _, v := range r {
				fmt.Fprintf(&b, "%v ", v)
			}
		}
	}
	return b.String()
}

// TestOracleAndProbes checks over 1000 seeds per id that the oracle
// succeeds and no hack probe does, and that VerifyTask agrees.
func TestOracleAndProbes(t *testing.T) {
	seeds := 1000
	if testing.Short() || race.Enabled {
		seeds = 100
	}
	r := registry(t)
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			checkSeeds(t, makeEnv(t, r, id, nil), makeEnv(t, r, id, nil), seeds)
		})
	}
}

// TestKinds runs every kind of every id, with more distractors and hops.
func TestKinds(t *testing.T) {
	seeds := 60
	if testing.Short() || race.Enabled {
		seeds = 15
	}
	r := registry(t)
	for _, id := range ids {
		for _, kind := range kinds {
			for _, opts := range []dojo.Options{{"kind": kind}, {"kind": kind, "hops": 3, "distractors": 8}} {
				t.Run(fmt.Sprintf("%s/%s/h%v", id, kind, opts["hops"]), func(t *testing.T) {
					t.Parallel()
					e := makeEnv(t, r, id, opts)
					checkSeeds(t, e, makeEnv(t, r, id, opts), seeds)
					task, err := e.GenerateTask(context.Background(), 1)
					if err != nil {
						t.Fatal(err)
					}
					if task.Meta["kind"] != kind {
						t.Errorf("kind %v, want %s", task.Meta["kind"], kind)
					}
				})
			}
		}
	}
}

func checkSeeds(t *testing.T, e, ver *Env, seeds int) {
	t.Helper()
	ps := probes(e)
	names := make([]string, 0, len(ps))
	for n := range ps {
		names = append(names, n)
	}
	sort.Strings(names)
	for seed := range uint64(seeds) {
		st, acts := runEpisode(t, e, seed, func(int) dojo.Action {
			a, err := e.OracleAction(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return a
		})
		if !st.Info.Success {
			t.Fatalf("seed %d (%s): oracle failed; request %q; gold %s", seed, e.g.Kind, e.prompt[1].Content, e.g.Answer)
		}
		if seed%5 == 0 {
			checkVerify(t, ver, seed, acts, true)
		}
		for _, n := range names {
			st, acts := runEpisode(t, e, seed, ps[n])
			if st.Info.Success {
				t.Fatalf("seed %d (%s): probe %q succeeded; request %q", seed, e.g.Kind, n, e.prompt[1].Content)
			}
			if seed%5 == 0 {
				checkVerify(t, ver, seed, acts, false)
			}
		}
	}
}

// checkVerify checks that VerifyTask agrees with the episode.
func checkVerify(t *testing.T, e *Env, seed uint64, acts []dojo.Action, want bool) {
	t.Helper()
	task, err := e.GenerateTask(context.Background(), seed)
	if err != nil {
		t.Fatal(err)
	}
	var resp dojo.Response
	for _, a := range acts {
		resp.Messages = append(resp.Messages, dojo.Message{Role: "assistant", Content: a.Text, ToolCalls: a.ToolCalls})
	}
	s, err := e.VerifyTask(context.Background(), task, resp)
	if err != nil {
		t.Fatal(err)
	}
	if s.Success != want {
		t.Fatalf("seed %d: VerifyTask success %v, episode %v", seed, s.Success, want)
	}
}
