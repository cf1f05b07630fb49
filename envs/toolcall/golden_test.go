package toolcall

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/internal/race"
)

// TestGoldenTasks pins generated tasks byte for byte (request, tools,
// gold): a change to any shows here and must bump the env's version.
func TestGoldenTasks(t *testing.T) {
	t.Parallel()
	r := registry(t)
	var b bytes.Buffer
	for _, id := range ids {
		for _, c := range []struct {
			opts dojo.Options
			seed uint64
		}{{nil, 1}, {dojo.Options{"kind": "multi", "hops": 2}, 2}, {dojo.Options{"kind": "recovery", "distractors": 0}, 3}, {dojo.Options{"kind": "irrelevance"}, 4}, {dojo.Options{"kind": "parallel", "reward": "toolrl"}, 5}} {
			e := makeEnv(t, r, id, c.opts)
			task, err := e.GenerateTask(context.Background(), c.seed)
			if err != nil {
				t.Fatal(err)
			}
			line, err := json.Marshal(task)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	path := filepath.Join("testdata", "tasks.jsonl")
	dojotest.Golden(t, path, b.Bytes(), *update)
}

// TestGenerateDeterministic checks that a seed gives the same task every
// time, and that Reset shows the task's prompt.
func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	r := registry(t)
	ctx := context.Background()
	for _, id := range ids {
		e := makeEnv(t, r, id, nil)
		for seed := range uint64(20) {
			a, err := e.GenerateTask(ctx, seed)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := e.GenerateTask(ctx, seed)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if !bytes.Equal(ja, jb) {
				t.Fatalf("%s seed %d: two generations differ", id, seed)
			}
			obs, info, err := e.Reset(ctx, seed)
			if err != nil {
				t.Fatal(err)
			}
			jp, _ := json.Marshal(obs.Messages)
			jt, _ := json.Marshal(a.Prompt)
			if !bytes.Equal(jp, jt) {
				t.Fatalf("%s seed %d: Reset's messages differ from the task's prompt", id, seed)
			}
			if tools, ok := info.Extra["tools"].([]dojo.Tool); !ok || len(tools) != len(a.Tools) {
				t.Fatalf("%s seed %d: Info.Extra[tools] = %v", id, seed, info.Extra["tools"])
			}
		}
	}
}

// TestVerifyText scores single completions (ToolRL's setting).
func TestVerifyText(t *testing.T) {
	t.Parallel()
	r := registry(t)
	e := makeEnv(t, r, "toolcall/Utility-v0", dojo.Options{"kind": "single", "reward": "toolrl"})
	ctx := context.Background()
	task, err := e.GenerateTask(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	var g gold
	if err := json.Unmarshal(task.Verify, &g); err != nil {
		t.Fatal(err)
	}
	c := g.Turns[0][0]
	good := "<think>one call</think>\n<tool_call>\n{\"name\": \"" + c.Name + "\", \"parameters\": " + string(c.Arguments) + "}\n</tool_call>"
	s, err := e.VerifyTask(ctx, task, dojo.Response{Text: good})
	if err != nil {
		t.Fatal(err)
	}
	if s.Reward != 4 {
		t.Errorf("ToolRL reward of the gold completion = %v, want 4 (parts %+v)", s.Reward, s.Parts)
	}
	if s.Success || s.Parts[cFormat].Value != 0 || s.Parts[cCorrectness].Value != 1 {
		t.Errorf("calls-only completion: success %v, parts %+v; want no success (no answer), format 0, correctness 1", s.Success, s.Parts)
	}
	s, _ = e.VerifyTask(ctx, task, dojo.Response{Text: "no idea"})
	if s.Reward != -3 {
		t.Errorf("ToolRL reward of a completion without calls = %v, want -3 (parts %+v)", s.Reward, s.Parts)
	}
	// Without Verify the gold is regenerated from the seed.
	task.Verify = nil
	s2, err := e.VerifyTask(ctx, task, dojo.Response{Text: good})
	if err != nil || s2.Reward != 4 {
		t.Errorf("regenerated gold: %v, %v", s2.Reward, err)
	}
}

// TestGeneratorFirstDraw checks that the first draw of a seed makes a task
// (the redraw in generate is a safety net, not a habit) over many seeds,
// every domain and kind, with the largest hops.
func TestGeneratorFirstDraw(t *testing.T) {
	t.Parallel()
	seeds := 300
	if race.Enabled {
		seeds = 40
	}
	allTools()
	for _, d := range append(append([]*domain(nil), domains...), nil) {
		for _, kind := range kinds {
			c := genConfig{domain: d, kind: kind, distractors: 3, hops: 3}
			for seed := range uint64(seeds) {
				if _, _, _, err := generateOnce(c, rand.New(rand.NewPCG(seed, genStream))); err != nil {
					t.Fatalf("%v %s seed %d: %v", d, kind, seed, err)
				}
			}
		}
	}
}
