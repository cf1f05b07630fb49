package searchqa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/internal/race"
	"github.com/google/go-cmp/cmp"
)

func qaRegistry(t testing.TB) *dojo.Registry {
	t.Helper()
	r := new(dojo.Registry)
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	return r
}

func makeQAEnv(t testing.TB, r *dojo.Registry, id string, opts dojo.Options) *Env {
	t.Helper()
	env, err := r.Make(id, opts)
	if err != nil {
		t.Fatal(err)
	}
	return env.(*Env)
}

// qaOracleEpisode plays the oracle from Reset(seed) and reports success.
func qaOracleEpisode(t testing.TB, env *Env, seed uint64) bool {
	t.Helper()
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, seed); err != nil {
		t.Fatal(err)
	}
	for {
		a, err := env.OracleAction(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st, err := env.Step(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if st.Done() {
			return st.Info.Success
		}
	}
}

var searchIDs = []string{"websim/SearchQA-v0", "websim/SearchQA-Bridge-v0", "websim/SearchQA-Comparison-v0", "websim/SearchQA-Aggregation-v0", "websim/SearchR1-v0", "websim/Corpus-v0"}

func TestRegisteredIDs(t *testing.T) {
	reg := qaRegistry(t)
	for _, id := range searchIDs {
		if _, err := reg.Spec(id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	want := slices.Sorted(slices.Values(searchIDs))
	if diff := cmp.Diff(want, reg.IDs()); diff != "" {
		t.Errorf("registered ids (-want +got):\n%s", diff)
	}
}

// TestConformance runs dojotest.CheckEnv on every id in both modes.
func TestConformance(t *testing.T) {
	t.Parallel()
	reg := qaRegistry(t)
	c := dojotest.Config{}
	if race.Enabled {
		c = dojotest.Config{Seeds: 2, OracleEpisodes: 4}
	}
	for _, id := range searchIDs {
		for _, mode := range []string{"tools", "text"} {
			t.Run(id+"/"+mode, func(t *testing.T) {
				t.Parallel()
				c.CheckEnv(t, makeQAEnv(t, reg, id, dojo.Options{"mode": mode}))
			})
		}
	}
}

// TestOracle plays the gold search path on thousands of seeds (a hundred
// under the race detector) for every id and mode, with worlds of several
// sizes and noise levels: it always succeeds.
func TestOracle(t *testing.T) {
	t.Parallel()
	seeds := 1500
	if race.Enabled {
		seeds = 60
	}
	reg := qaRegistry(t)
	for _, c := range []struct {
		id   string
		opts dojo.Options
	}{
		{"websim/SearchQA-v0", nil},
		{"websim/SearchQA-v0", dojo.Options{"mode": "text", "noise": 1.0, "topk": 1}},
		{"websim/SearchQA-Bridge-v0", dojo.Options{"hops": 4, "size": 1000}},
		{"websim/SearchQA-Comparison-v0", dojo.Options{"size": 20, "noise": 1.0}},
		{"websim/SearchQA-Aggregation-v0", dojo.Options{"mode": "text"}},
		{"websim/SearchR1-v0", dojo.Options{"questions_per_world": 1}},
		{"websim/Corpus-v0", nil},
	} {
		env := makeQAEnv(t, reg, c.id, c.opts)
		fails := 0
		for s := range uint64(seeds) {
			if !qaOracleEpisode(t, env, s) {
				fails++
				if fails <= 3 {
					t.Errorf("%s %v: the oracle failed on seed %d (%q)", c.id, c.opts, s, env.t.it.question)
				}
			}
		}
	}
}

// playScript resets env to seed, plays the actions in turn (stopping when
// the episode ends) and returns the last step.
func playScript(t testing.TB, env *Env, seed uint64, actions ...func(*Env) dojo.Action) dojo.Step {
	t.Helper()
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, seed); err != nil {
		t.Fatal(err)
	}
	var st dojo.Step
	for _, a := range actions {
		var err error
		st, err = env.Step(ctx, a(env))
		if err != nil {
			t.Fatal(err)
		}
		if st.Done() {
			break
		}
	}
	return st
}

func qaCall(name string, args string) func(*Env) dojo.Action {
	return func(*Env) dojo.Action {
		return dojo.MessageAction("", dojo.ToolCall{ID: "c1", Name: name, Arguments: []byte(args)})
	}
}

func answerWith(f func(e *Env) string) func(*Env) dojo.Action {
	return func(e *Env) dojo.Action {
		if e.cfg.text {
			return dojo.TextAction("<think>I know it.</think>\n<answer>" + f(e) + "</answer>")
		}
		b, _ := json.Marshal(map[string]string{"text": f(e)})
		return dojo.MessageAction("", dojo.ToolCall{ID: "a", Name: "answer", Arguments: b})
	}
}

func searchFor(f func(e *Env) string) func(*Env) dojo.Action {
	return func(e *Env) dojo.Action {
		if e.cfg.text {
			return dojo.TextAction("<think>Let me search.</think>\n<search>" + f(e) + "</search>")
		}
		b, _ := json.Marshal(map[string]string{"query": f(e)})
		return dojo.MessageAction("", dojo.ToolCall{ID: "s", Name: "search", Arguments: b})
	}
}

// TestHackProbes plays answers that must never succeed, on many seeds in
// both modes: every entity name of the world at once, the empty answer,
// the gold answer without searching, the question itself, and the question
// searched and then a long answer stuffed with candidates (the gold among
// them).
func TestHackProbes(t *testing.T) {
	t.Parallel()
	seeds := 400
	if race.Enabled {
		seeds = 40
	}
	reg := qaRegistry(t)
	allNames := func(e *Env) string {
		var names []string
		for _, x := range e.t.world.Entities {
			names = append(names, x.Name)
		}
		return strings.Join(names, ", ")
	}
	stuffed := func(e *Env) string {
		names := []string{e.t.it.answers[0]}
		for i := 0; len(strings.Join(names, " ")) < 900 && i < len(e.t.world.Entities); i++ {
			names = append(names, e.t.world.Entities[i].Name)
		}
		return strings.Join(names, " ")
	}
	question := func(e *Env) string { return e.t.it.question }
	gold := func(e *Env) string { return e.t.it.answers[0] }
	probes := []struct {
		name   string
		script []func(*Env) dojo.Action
		emOK   bool // exact match may hold (the answer is right, the search missing)
	}{
		{"every entity name", []func(*Env) dojo.Action{answerWith(allNames)}, false},
		{"empty answer", []func(*Env) dojo.Action{answerWith(func(*Env) string { return "" })}, false},
		{"gold without searching", []func(*Env) dojo.Action{answerWith(gold)}, true},
		{"the question", []func(*Env) dojo.Action{answerWith(question)}, false},
		{"stuffed", []func(*Env) dojo.Action{searchFor(question), answerWith(stuffed)}, false},
	}
	for _, mode := range []string{"tools", "text"} {
		env := makeQAEnv(t, reg, "websim/SearchQA-v0", dojo.Options{"mode": mode})
		for _, p := range probes {
			wins, ems := 0, 0
			for s := range uint64(seeds) {
				st := playScript(t, env, s, p.script...)
				if st.Info.Success {
					wins++
				}
				for _, part := range st.Info.Parts {
					if part.Name == "em" && part.Value == 1 {
						ems++
					}
				}
			}
			if wins > 0 {
				t.Errorf("%s/%s: succeeded %d times in %d", mode, p.name, wins, seeds)
			}
			if !p.emOK && ems > 0 {
				t.Errorf("%s/%s: exact match %d times in %d", mode, p.name, ems, seeds)
			}
		}
	}
}

// TestInvalidActions checks that bad calls and turns are invalid actions,
// not errors: each names the problem, scores invalid or format -1, and the
// episode goes on (or, with invalid_action=terminate, ends).
func TestInvalidActions(t *testing.T) {
	t.Parallel()
	reg := qaRegistry(t)
	env := makeQAEnv(t, reg, "websim/SearchQA-v0", nil)
	for _, c := range []struct {
		action dojo.Action
		part   string
		want   string
	}{
		{dojo.MessageAction("", dojo.ToolCall{Name: "browse", Arguments: []byte(`{}`)}), "invalid", `unknown tool "browse"`},
		{dojo.MessageAction("", dojo.ToolCall{Name: "search", Arguments: []byte(`{}`)}), "invalid", `missing argument "query"`},
		{dojo.MessageAction("", dojo.ToolCall{Name: "search", Arguments: []byte(`{"query": 3}`)}), "invalid", `argument "query" must be a string`},
		{dojo.MessageAction("", dojo.ToolCall{Name: "search", Arguments: []byte(`{"query": "x", "k": 2.5}`)}), "invalid", `"k" must be an integer`},
		{dojo.MessageAction("", dojo.ToolCall{Name: "search", Arguments: []byte(`{"query": "x", "k": 99}`)}), "invalid", `"k" is 99, want 1..10`},
		{dojo.MessageAction("", dojo.ToolCall{Name: "search", Arguments: []byte(`{"query": ""}`)}), "invalid", `has 0 characters, want 1..500`},
		{dojo.MessageAction("", dojo.ToolCall{Name: "open", Arguments: []byte(`{"page": "x", "tab": 1}`)}), "invalid", `unknown argument "tab"`},
		{dojo.MessageAction("", dojo.ToolCall{Name: "find", Arguments: []byte(`[1]`)}), "invalid", `arguments must be a JSON object`},
		{dojo.TextAction(`<tool_call>{"name": "search", "arguments": </tool_call>`), "format", "not valid JSON"},
		{dojo.IndexAction(3), "format", "no action"},
	} {
		ctx := context.Background()
		if _, _, err := env.Reset(ctx, 1); err != nil {
			t.Fatal(err)
		}
		st, err := env.Step(ctx, c.action)
		if err != nil {
			t.Fatalf("%v: error %v", c.action, err)
		}
		if !st.Info.Invalid || !strings.Contains(st.Info.Error, c.want) || st.Done() {
			t.Errorf("%v: invalid %v, error %q, done %v; want invalid naming %q, episode going on", c.action, st.Info.Invalid, st.Info.Error, st.Done(), c.want)
		}
		if v := partOf(st.Info.Parts, c.part); v != -1 {
			t.Errorf("%v: %s = %v, want -1", c.action, c.part, v)
		}
	}
	// Text mode: a turn without an action gets Search-R1's message.
	text := makeQAEnv(t, reg, "websim/SearchR1-v0", nil)
	st := playScript(t, text, 2, func(*Env) dojo.Action { return dojo.TextAction("<think>hmm</think> I will search.") })
	if !st.Info.Invalid || st.Obs.Text != searchR1Invalid || partOf(st.Info.Parts, "format") != -1 {
		t.Errorf("text mode without an action: %+v", st)
	}
	// terminate ends the episode at the first invalid call.
	term := makeQAEnv(t, reg, "websim/SearchQA-v0", dojo.Options{"invalid_action": "terminate"})
	st = playScript(t, term, 3, qaCall("open", `{}`), qaCall("search", `{"query": "x"}`))
	if !st.Terminated || st.Info.Success {
		t.Errorf("terminate: %+v", st)
	}
}

func partOf(parts []dojo.Part, name string) float64 {
	for _, p := range parts {
		if p.Name == name {
			return p.Value
		}
	}
	return math.NaN()
}

// TestTools checks each tool's results: search lists pages with snippets,
// open shows a page (an unknown one is an answer of the web, not an invalid
// call), find needs an open page and returns its matching sentences.
func TestTools(t *testing.T) {
	t.Parallel()
	reg := qaRegistry(t)
	env := makeQAEnv(t, reg, "websim/SearchQA-Bridge-v0", dojo.Options{"hops": 1})
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, 4); err != nil {
		t.Fatal(err)
	}
	target := env.t.web.page(int(env.t.it.targets[0]))
	step := func(a dojo.Action) dojo.Step {
		st, err := env.Step(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := step(qaCall("find", `{"text": "born"}`)(env))
	if st.Info.Invalid || !strings.Contains(st.Obs.Messages[0].Content, "no page is open") {
		t.Errorf("find without a page: %+v", st.Obs)
	}
	st = step(qaCall("open", `{"page": "no-such-page"}`)(env))
	if st.Info.Invalid || !strings.Contains(st.Obs.Messages[0].Content, `no page \"no-such-page\"`) {
		t.Errorf("open of an unknown page: %+v", st.Obs)
	}
	q, _ := json.Marshal(map[string]any{"query": target.Title, "k": 2})
	st = step(dojo.MessageAction("", dojo.ToolCall{ID: "x", Name: "search", Arguments: q}))
	var res struct {
		Results []searchResult `json:"results"`
	}
	if err := json.Unmarshal([]byte(st.Obs.Messages[0].Content), &res); err != nil || len(res.Results) != 2 || res.Results[0].Page != target.ID || res.Results[0].Snippet == "" {
		t.Errorf("search %q: %s (%v)", target.Title, st.Obs.Messages[0].Content, err)
	}
	if m := st.Obs.Messages[0]; m.Role != "tool" || m.Name != "search" || m.ToolCallID != "x" {
		t.Errorf("tool message: %+v", m)
	}
	if partOf(st.Info.Parts, "retrieval") != 1 || partOf(st.Info.Parts, "search_cost") != -1 {
		t.Errorf("search parts: %v", st.Info.Parts)
	}
	st = step(qaCall("open", fmt.Sprintf(`{"page": %q}`, strings.ToUpper(target.Title)))(env))
	if !strings.Contains(st.Obs.Messages[0].Content, target.ID) || partOf(st.Info.Parts, "opened") != 1 {
		t.Errorf("open by title: %s %v", st.Obs.Messages[0].Content, st.Info.Parts)
	}
	word := lastWord(target.Title)
	st = step(qaCall("find", fmt.Sprintf(`{"text": %q}`, strings.ToLower(word)))(env))
	var found struct {
		Count   int      `json:"count"`
		Matches []string `json:"matches"`
	}
	if err := json.Unmarshal([]byte(st.Obs.Messages[0].Content), &found); err != nil || found.Count == 0 || !strings.Contains(found.Matches[0], word) {
		t.Errorf("find %q: %s", word, st.Obs.Messages[0].Content)
	}
}

// TestLifecycleErrors: Step and OracleAction before Reset are ErrNotReset,
// after the episode ended ErrEnded, and a done context is dojo.CheckContext's
// error (code canceled or timeout, wrapping the context's error) in Reset,
// Step, GenerateTask and VerifyTask.
func TestLifecycleErrors(t *testing.T) {
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	env := makeQAEnv(t, qaRegistry(t), "websim/SearchQA-v0", nil)
	if _, err := env.Step(ctx, dojo.TextAction("x")); err != dojo.ErrNotReset {
		t.Fatalf("Step before Reset: %v, want ErrNotReset", err)
	}
	if _, err := env.OracleAction(ctx); err != dojo.ErrNotReset {
		t.Fatalf("OracleAction before Reset: %v, want ErrNotReset", err)
	}
	isCanceled := func(what string, err error) {
		t.Helper()
		if dojo.ErrorCode(err) != dojo.CodeCanceled || !errors.Is(err, context.Canceled) {
			t.Fatalf("%s with a canceled context: %v (code %q), want code canceled wrapping context.Canceled", what, err, dojo.ErrorCode(err))
		}
	}
	_, _, err := env.Reset(canceled, 1)
	isCanceled("Reset", err)
	_, err = env.GenerateTask(canceled, 1)
	isCanceled("GenerateTask", err)
	_, err = env.VerifyTask(canceled, dojo.Task{Seed: 1}, dojo.Response{Text: "x"})
	isCanceled("VerifyTask", err)
	if _, _, err := env.Reset(ctx, 1); err != nil {
		t.Fatal(err)
	}
	_, err = env.Step(canceled, dojo.TextAction("x"))
	isCanceled("Step", err)
	if !qaOracleEpisode(t, env, 1) {
		t.Fatal("the oracle failed seed 1")
	}
	if _, err := env.Step(ctx, dojo.TextAction("x")); err != dojo.ErrEnded {
		t.Fatalf("Step after the end: %v, want ErrEnded", err)
	}
	if _, err := env.OracleAction(ctx); err != dojo.ErrEnded {
		t.Fatalf("OracleAction after the end: %v, want ErrEnded", err)
	}
}
