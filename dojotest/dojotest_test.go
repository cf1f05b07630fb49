package dojotest_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
)

// walk is a small corridor env: move right (1) to reach cell n, left (0)
// moves back. bug turns on deliberate contract violations (several, joined
// by commas), so the tests show that each check can fail.
type walk struct {
	n, pos, t int
	started   bool
	done      bool
	parts     []dojo.Part
	bug       string
	calls     int
}

// has tells whether w has the named bug.
func (w *walk) has(bug string) bool {
	return slices.Contains(strings.Split(w.bug, ","), bug)
}

func (w *walk) Spec() dojo.Spec {
	return dojo.Spec{
		ID: "test/Walk-v0", Description: "walk right to the end of a corridor",
		Observation: dojo.Discrete(w.n + 1), Action: dojo.Discrete(2, "left", "right"),
		MaxSteps: 20, DefaultProfile: "shaped",
		Rewards: []dojo.Component{{Name: "success", Shaped: 1}, {Name: "invalid", Shaped: 0.1}},
	}
}

func (w *walk) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	w.calls++
	w.pos, w.t, w.started, w.done = 0, 0, true, false
	if w.has("nondeterministic") {
		w.pos = w.calls % 3
	}
	w.parts = []dojo.Part{{Name: "success", Weight: 1}, {Name: "invalid", Weight: 0.1}}
	return dojo.Obs{Value: w.pos}, dojo.Info{Parts: w.parts}, nil
}

func (w *walk) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	if !w.started {
		if w.has("step-before-reset") {
			return dojo.Step{}, nil
		}
		return dojo.Step{}, dojo.ErrNotReset
	}
	if w.done {
		return dojo.Step{}, dojo.ErrEnded
	}
	w.t++
	w.parts[0].Value, w.parts[1].Value = 0, 0
	var info dojo.Info
	if a.Kind == dojo.ActText {
		switch a.Text {
		case "left":
			a = dojo.IndexAction(0)
		case "right":
			a = dojo.IndexAction(1)
		}
	}
	switch {
	case a.Kind != dojo.ActIndex || a.Index < 0 || a.Index > 1:
		if !w.has("silent-invalid") {
			info.Invalid, info.Error = true, "want left or right"
		}
		w.parts[1].Value = -1
	case a.Index == 1:
		w.pos++
	case w.pos > 0:
		w.pos--
	}
	s := dojo.Step{Obs: dojo.Obs{Value: w.pos}, Terminated: w.pos == w.n, Truncated: w.t >= 20}
	if s.Terminated {
		w.parts[0].Value = 1
		info.Success = true
	}
	w.done = s.Done()
	info.Parts = w.parts
	s.Info = info
	s.Reward = dojo.Sum(w.parts)
	if w.has("bad-sum") {
		s.Reward += 0.5
	}
	return s, nil
}

func (w *walk) OracleAction(ctx context.Context) (dojo.Action, error) {
	if w.has("panic-oracle") {
		panic("oracle bug")
	}
	if w.has("bad-oracle") {
		return dojo.IndexAction(0), nil
	}
	return dojo.IndexAction(1), nil
}

// taskWalk is a walk that generates tasks: a prompt and a tool, shown in
// the first observation too (or, with bug "task-tools", another tool).
type taskWalk struct{ *walk }

var walkTool = dojo.Tool{Name: "step", Description: "moves", InputSchema: []byte(`{"type":"object"}`)}

func (w taskWalk) GenerateTask(ctx context.Context, seed uint64) (dojo.Task, error) {
	return dojo.Task{ID: fmt.Sprint(seed), Env: "test/Walk-v0", Seed: seed,
		Prompt: []dojo.Message{{Role: "user", Content: "walk"}}, Tools: []dojo.Tool{walkTool}}, nil
}

func (w taskWalk) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	obs, info, err := w.walk.Reset(ctx, seed)
	obs.Tools = []dojo.Tool{walkTool}
	if w.has("task-tools") {
		obs.Tools[0].Name = "stride"
	}
	return obs, info, err
}

func TestCheckEnvPassesGoodEnv(t *testing.T) {
	dojotest.CheckEnv(t, &walk{n: 3})
}

func TestCheckFindsEachBug(t *testing.T) {
	tests := []struct{ bug, want string }{
		{"step-before-reset", "Step before Reset"},
		{"nondeterministic", "different episode"},
		{"silent-invalid", "not reported as invalid"},
		{"bad-sum", "parts sum to"},
		{"bad-oracle", "oracle failed"},
		{"task-tools", "not its task's Tools"},
		{"panic-oracle", "Oracle: panic: oracle bug"},
	}
	for _, tc := range tests {
		t.Run(tc.bug, func(t *testing.T) {
			var env dojo.Env = &walk{n: 3, bug: tc.bug}
			if tc.bug == "task-tools" {
				env = taskWalk{&walk{n: 3, bug: tc.bug}}
			}
			err := dojotest.Config{Seeds: 3, OracleEpisodes: 3}.Check(env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want a problem mentioning %q", err, tc.want)
			}
		})
	}
	if err := (dojotest.Config{}).Check(&walk{n: 3}); err != nil {
		t.Errorf("good env: %v", err)
	}
	if err := dojotest.Check(taskWalk{&walk{n: 3}}); err != nil {
		t.Errorf("good task env: %v", err)
	}
}

// TestCheckReportsAll checks that Check goes on after a problem: an env
// broken in four ways gets one *Error naming every problem of each.
func TestCheckReportsAll(t *testing.T) {
	env := taskWalk{&walk{n: 3, bug: "step-before-reset,bad-sum,task-tools,bad-oracle"}}
	err := dojotest.Config{Seeds: 3, OracleEpisodes: 3}.Check(env)
	var ce *dojotest.Error
	if !errors.As(err, &ce) {
		t.Fatalf("Check = %v, want a *dojotest.Error", err)
	}
	if ce.Env != "test/Walk-v0" {
		t.Errorf("Env = %q, want test/Walk-v0", ce.Env)
	}
	wants := []string{
		"Step before Reset: got error <nil>",
		"seed 3 step 1: reward 0.5 but parts sum to 0",
		"seed 3: the first observation's Tools are not its task's Tools",
		"seed 7922: the first observation's Tools are not its task's Tools",
		"oracle failed on seed 11 of a deterministic env",
		"oracle failed on seed 104740 of a deterministic env",
		"oracle failed on seed 209469 of a deterministic env",
	}
	var got []string
	for _, p := range ce.Problems {
		got = append(got, p.Error())
	}
	if len(got) != len(wants) {
		t.Fatalf("%d problems, want %d:\n%s", len(got), len(wants), strings.Join(got, "\n"))
	}
	for i, want := range wants {
		if !strings.HasPrefix(got[i], want) {
			t.Errorf("problem %d: %q, want it to start with %q", i, got[i], want)
		}
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "test/Walk-v0: 7 problems:\n\tStep before Reset") {
		t.Errorf("Error() = %q, want the env and the problems listed", msg)
	}
}

// TestCheckEnvReports checks that the testing wrapper fails the test with
// the problems Check finds.
func TestCheckEnvReports(t *testing.T) {
	r := &recorder{}
	dojotest.Config{Seeds: 3, OracleEpisodes: 2}.CheckEnv(r, &walk{n: 3, bug: "silent-invalid,bad-oracle"})
	for _, want := range []string{"test/Walk-v0: ", "not reported as invalid", "oracle failed on seed 11"} {
		if !strings.Contains(r.msg, want) {
			t.Errorf("CheckEnv reported %q, want it to mention %q", r.msg, want)
		}
	}
}

func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "g.jsonl")
	dojotest.Golden(t, path, []byte("a\nb\n"), true)
	dojotest.Golden(t, path, []byte("a\nb\n"), false)
	for _, tc := range []struct{ got, want string }{
		{"a\nc\n", "differs at line 2"},
		{"a\nb\n\n", "got 4 lines, want 3"},
	} {
		r := &recorder{}
		dojotest.Golden(r, path, []byte(tc.got), false)
		if !strings.Contains(r.msg, tc.want) {
			t.Errorf("Golden(%q): %q, want a failure mentioning %q", tc.got, r.msg, tc.want)
		}
	}
}

// recorder is a testing.TB that keeps the last error message.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Errorf(format string, args ...any) { r.msg = fmt.Sprintf(format, args...) }
func (r *recorder) Error(args ...any)                 { r.msg = fmt.Sprint(args...) }
