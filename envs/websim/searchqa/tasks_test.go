package searchqa

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/internal/race"
	"github.com/dojo-rl/dojo/reward"
)

// oracleResponse plays the oracle on seed and returns its response as a
// trainer would send it (text mode: the whole text, turns and information;
// tools mode: the assistant messages) with the episode's return.
func oracleResponse(t testing.TB, env *Env, seed uint64) (dojo.Response, float64) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, seed); err != nil {
		t.Fatal(err)
	}
	var r dojo.Response
	var text strings.Builder
	ret := 0.0
	for {
		a, _ := env.OracleAction(ctx)
		st, err := env.Step(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		ret += st.Reward
		text.WriteString(a.Text)
		if !st.Done() {
			text.WriteString(st.Obs.Text)
		}
		r.Messages = append(r.Messages, dojo.Message{Role: "assistant", Content: a.Text, ToolCalls: a.ToolCalls})
		r.Messages = append(r.Messages, st.Obs.Messages...)
		if st.Done() {
			break
		}
	}
	if env.cfg.text {
		return dojo.Response{Text: text.String()}, ret
	}
	return r, ret
}

// TestGenerateVerify generates tasks and verifies the oracle's responses to
// them (success, with the episode's return), the same without the verify
// block (the task regenerated from its seed), and probes (failure).
func TestGenerateVerify(t *testing.T) {
	t.Parallel()
	seeds := 150
	if race.Enabled {
		seeds = 15
	}
	reg := qaRegistry(t)
	ctx := context.Background()
	for _, id := range searchIDs {
		for _, mode := range []string{"tools", "text"} {
			env := makeQAEnv(t, reg, id, dojo.Options{"mode": mode})
			for s := range uint64(seeds) {
				task, err := env.GenerateTask(ctx, s)
				if err != nil {
					t.Fatal(err)
				}
				if mode == "text" && len(task.Tools) > 0 || mode == "tools" && len(task.Tools) != 4 {
					t.Errorf("%s/%s: task tools %v", id, mode, task.Tools)
				}
				resp, ret := oracleResponse(t, env, s)
				sc, err := env.VerifyTask(ctx, task, resp)
				if err != nil {
					t.Fatal(err)
				}
				if !sc.Success || math.Abs(sc.Reward-ret) > 1e-9 || sc.Error != "" {
					t.Errorf("%s/%s seed %d: oracle scored %+v, the episode returned %v", id, mode, s, sc, ret)
				}
				if got := dojo.Sum(sc.Parts); got != sc.Reward {
					t.Errorf("%s/%s seed %d: parts sum to %v, reward %v", id, mode, s, got, sc.Reward)
				}
				bare := task
				bare.Verify = nil
				if sc2, err := env.VerifyTask(ctx, bare, resp); err != nil || !sc2.Success || sc2.Reward != sc.Reward {
					t.Errorf("%s/%s seed %d: without the verify block: %+v, %v", id, mode, s, sc2, err)
				}
				for _, probe := range []dojo.Response{{}, {Text: "<answer>" + task.Prompt[len(task.Prompt)-1].Content + "</answer>"}, {Text: "<answer>" + answersOf(t, task)[0] + "</answer>"}} {
					if sc, err := env.VerifyTask(ctx, task, probe); err != nil || sc.Success {
						t.Errorf("%s/%s seed %d: probe %q scored %+v, %v", id, mode, s, probe.Text, sc, err)
					}
				}
			}
		}
	}
}

func answersOf(t testing.TB, task dojo.Task) []string {
	var vb qaVerifyBlock
	if err := json.Unmarshal(task.Verify, &vb); err != nil {
		t.Fatal(err)
	}
	return vb.Answers
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	reg := qaRegistry(t)
	ctx := context.Background()
	env := makeQAEnv(t, reg, "websim/SearchQA-v0", nil)
	task, err := env.GenerateTask(ctx, 9)
	if err != nil {
		t.Fatal(err)
	}
	corpusEnv := makeQAEnv(t, reg, "websim/Corpus-v0", nil)
	ctask, err := corpusEnv.GenerateTask(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(task dojo.Task, f func(*qaVerifyBlock)) dojo.Task {
		var vb qaVerifyBlock
		json.Unmarshal(task.Verify, &vb)
		f(&vb)
		task.Verify, _ = json.Marshal(vb)
		return task
	}
	for _, c := range []struct {
		env  *Env
		task dojo.Task
		want string
	}{
		{env, dojo.Task{ID: "x", Verify: []byte(`{"question": 1}`)}, "verify block"},
		{env, dojo.Task{ID: "x", Verify: []byte(`{"answers": ["a"], "extra": 1}`)}, "unknown field"},
		{env, edit(task, func(vb *qaVerifyBlock) { vb.WorldHash = "beef" }), "world_hash"},
		{env, edit(task, func(vb *qaVerifyBlock) { vb.Evidence[0] = []string{"no-such-page"} }), `page "no-such-page"`},
		{env, edit(task, func(vb *qaVerifyBlock) { vb.World.Size = 5 }), "world size 5"},
		{env, ctask, "verified with websim/Corpus-v0"},
		{corpusEnv, task, "over a generated world"},
		{corpusEnv, edit(ctask, func(vb *qaVerifyBlock) { vb.CorpusHash = "beef" }), "corpus_hash"},
		{env, dojo.Task{ID: "y", Env: "websim/SearchR1-v0", Seed: 1}, "is for websim/SearchR1-v0"},
	} {
		_, err := c.env.VerifyTask(ctx, c.task, dojo.Response{Text: "x"})
		if err == nil || !strings.Contains(err.Error(), c.want) || dojo.ErrorCode(err) != dojo.CodeInvalid {
			t.Errorf("task %s: error %v (code %q), want code invalid naming %q", c.task.ID, err, dojo.ErrorCode(err), c.want)
		}
	}
}

// TestSearchR1Profile checks that under the searchr1 profile an episode's
// return is Search-R1's reward of the episode's text, and that verifying a
// response scores it as reward.SearchR1 scores the replayed text.
func TestSearchR1Profile(t *testing.T) {
	t.Parallel()
	reg := qaRegistry(t)
	env := makeQAEnv(t, reg, "websim/SearchR1-v0", nil)
	ctx := context.Background()
	gold := func(e *Env) string { return e.t.it.answers[0] }
	wrong := func(*Env) string { return "Nobody" }
	text := func(s string) func(*Env) dojo.Action {
		return func(*Env) dojo.Action { return dojo.TextAction(s) }
	}
	seeds := 200
	if race.Enabled {
		seeds = 20
	}
	for _, script := range [][]func(*Env) dojo.Action{
		{answerWith(gold)}, // valid format, no search
		{text("<answer>x</answer>")},
		{searchFor(func(e *Env) string { return e.t.it.question }), answerWith(wrong)},
		{text("I think."), answerWith(gold)},
		{text("<think>a</think><search>q</search> trailing"), text("<answer>Nobody</answer>")},
		{text("<think>…</think>")},
	} {
		for s := range uint64(seeds) {
			if _, _, err := env.Reset(ctx, s); err != nil {
				t.Fatal(err)
			}
			ret := 0.0
			for i := 0; env.life.Running(); i++ {
				a := script[min(i, len(script)-1)](env)
				st, err := env.Step(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				ret += st.Reward
			}
			want := reward.SearchR1(env.ep.traj.String(), env.t.it.answers).Reward
			if ret != want {
				t.Fatalf("seed %d: return %v, reward.SearchR1 of the episode's text %v\n%s", s, ret, want, env.ep.traj.String())
			}
		}
	}
	for s := range uint64(seeds) {
		task, _ := env.GenerateTask(ctx, s)
		resp, ret := oracleResponse(t, env, s)
		sc, err := env.VerifyTask(ctx, task, resp)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Reward != 1 || ret != 1 || reward.SearchR1(resp.Text, answersOf(t, task)).Reward != 1 {
			t.Fatalf("seed %d: the oracle's text scores %v (episode %v)", s, sc.Reward, ret)
		}
	}
}

// TestGoldenTasks pins generated tasks byte for byte.
func TestGoldenTasks(t *testing.T) {
	t.Parallel()
	reg := qaRegistry(t)
	var b bytes.Buffer
	for _, c := range []struct {
		id   string
		opts dojo.Options
		seed uint64
	}{
		{"websim/SearchQA-v0", nil, 1},
		{"websim/SearchQA-v0", dojo.Options{"kind": "comparison", "hops": 4, "size": 500, "noise": 1.0}, 77},
		{"websim/SearchQA-Bridge-v0", dojo.Options{"hops": 3}, 5},
		{"websim/SearchQA-Aggregation-v0", dojo.Options{"mode": "text"}, 40},
		{"websim/SearchR1-v0", nil, 123},
		{"websim/Corpus-v0", nil, 3},
	} {
		task, err := makeQAEnv(t, reg, c.id, c.opts).GenerateTask(context.Background(), c.seed)
		if err != nil {
			t.Fatal(err)
		}
		line, _ := json.Marshal(task)
		b.Write(line)
		b.WriteByte('\n')
	}
	dojotest.Golden(t, filepath.Join("testdata", "tasks.jsonl"), b.Bytes(), *update)
}

// TestGoldenEpisodes pins episodes (the oracle's, and one of mistakes)
// byte for byte: observations, rewards, parts and flags.
func TestGoldenEpisodes(t *testing.T) {
	t.Parallel()
	reg := qaRegistry(t)
	ctx := context.Background()
	var b bytes.Buffer
	for _, c := range []struct {
		id   string
		opts dojo.Options
		seed uint64
	}{
		{"websim/SearchQA-v0", dojo.Options{"hops": 3}, 2},
		{"websim/SearchR1-v0", dojo.Options{"hops": 2}, 8},
		{"websim/Corpus-v0", dojo.Options{"mode": "tools"}, 5},
	} {
		env := makeQAEnv(t, reg, c.id, c.opts)
		mistakes := []dojo.Action{
			dojo.MessageAction("", dojo.ToolCall{ID: "m1", Name: "search", Arguments: []byte(`{"query": "who"}`)}, dojo.ToolCall{ID: "m2", Name: "find", Arguments: []byte(`{"text": "x"}`)}),
			dojo.TextAction("<think>hm</think>"),
			dojo.MessageAction("", dojo.ToolCall{ID: "m3", Name: "open", Arguments: []byte(`{"page": 7}`)}),
			dojo.TextAction("<answer>Nobody</answer>"),
		}
		for ep := range 2 {
			obs, info, err := env.Reset(ctx, c.seed)
			if err != nil {
				t.Fatal(err)
			}
			line, _ := json.Marshal(map[string]any{"env": c.id, "options": c.opts, "seed": c.seed, "obs": obs, "info": info})
			b.Write(line)
			b.WriteByte('\n')
			for i := 0; env.life.Running(); i++ {
				a, _ := env.OracleAction(ctx)
				if ep == 1 {
					a = mistakes[min(i, len(mistakes)-1)]
				}
				st, err := env.Step(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				line, _ := json.Marshal(map[string]any{"action": a, "step": st})
				b.Write(line)
				b.WriteByte('\n')
			}
		}
	}
	dojotest.Golden(t, filepath.Join("testdata", "episodes.jsonl"), b.Bytes(), *update)
}
