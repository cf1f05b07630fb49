package toytext

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dojo-rl/dojo"
)

func TestCliffWalkingP(t *testing.T) {
	t.Parallel()
	o := func(p float64, next int, r float64, term bool) dojo.Outcome {
		return dojo.Outcome{Prob: p, Next: next, Reward: r, Terminated: term}
	}
	slip := dojo.Options{"is_slippery": true}
	const third = 1.0 / 3.0
	toyCheckP(t, []toyPCase{
		{"start up", cwID, nil, 36, cwUp, []dojo.Outcome{o(1, 24, -1, false)}},
		{"start right is the cliff: back to start, -100, not terminal", cwID, nil, 36, cwRight, []dojo.Outcome{o(1, 36, -100, false)}},
		{"start down stays", cwID, nil, 36, cwDown, []dojo.Outcome{o(1, 36, -1, false)}},
		{"start left stays", cwID, nil, 36, cwLeft, []dojo.Outcome{o(1, 36, -1, false)}},
		{"above a cliff cell", cwID, nil, 30, cwDown, []dojo.Outcome{o(1, 36, -100, false)}},
		{"into the goal", cwID, nil, 35, cwDown, []dojo.Outcome{o(1, 47, -1, true)}},
		{"top-right corner", cwID, nil, 11, cwRight, []dojo.Outcome{o(1, 11, -1, false)}},
		{"cliff cell up (never occupied, still in P)", cwID, nil, 40, cwUp, []dojo.Outcome{o(1, 28, -1, false)}},
		{"cliff cell left onto the cliff", cwID, nil, 40, cwLeft, []dojo.Outcome{o(1, 36, -100, false)}},
		{"first cliff cell left to the start", cwID, nil, 37, cwLeft, []dojo.Outcome{o(1, 36, -1, false)}},
		{"goal up", cwID, nil, 47, cwUp, []dojo.Outcome{o(1, 35, -1, false)}},
		{"goal left onto the cliff", cwID, nil, 47, cwLeft, []dojo.Outcome{o(1, 36, -100, false)}},
		{"goal right stays in the goal", cwID, nil, 47, cwRight, []dojo.Outcome{o(1, 47, -1, true)}},
		{"slippery start up: left, up, right", cwID, slip, 36, cwUp,
			[]dojo.Outcome{o(third, 36, -1, false), o(third, 24, -1, false), o(third, 36, -100, false)}},
		{"slippery down into the goal: right, down, left", cwID, slip, 35, cwDown,
			[]dojo.Outcome{o(third, 35, -1, false), o(third, 47, -1, true), o(third, 34, -1, false)}},
		{"slippery left above the cliff: down onto the cliff, left, up", cwID, slip, 26, cwLeft,
			[]dojo.Outcome{o(third, 36, -100, false), o(third, 25, -1, false), o(third, 14, -1, false)}},
		{"slippery right at the top edge: up stays, right, down", cwID, slip, 5, cwRight,
			[]dojo.Outcome{o(third, 5, -1, false), o(third, 6, -1, false), o(third, 17, -1, false)}},
	})
}

func TestCliffWalkingResetAndText(t *testing.T) {
	t.Parallel()
	env := toyMake(t, cwID, dojo.Options{"text": true})
	m := env.MDP()
	want := make([]float64, 48)
	want[36] = 1
	if diff := cmp.Diff(want, m.InitialStateDistrib); diff != "" {
		t.Errorf("initial_state_distrib (-want +got):\n%s", diff)
	}
	ctx := context.Background()
	obs, _, err := env.Reset(ctx, 9)
	if err != nil || obs.Value != 36 {
		t.Fatalf("Reset = %v, %v; want 36", obs.Value, err)
	}
	// Gymnasium's ansi render, exactly.
	ansi := "o  o  o  o  o  o  o  o  o  o  o  o\n" +
		"o  o  o  o  o  o  o  o  o  o  o  o\n" +
		"o  o  o  o  o  o  o  o  o  o  o  o\n" +
		"x  C  C  C  C  C  C  C  C  C  C  T\n\n"
	if !strings.Contains(obs.Text, "\n"+ansi) {
		t.Errorf("reset text lacks Gymnasium's ansi render:\n%s", obs.Text)
	}
	st, err := env.Step(ctx, dojo.TextAction("right"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Obs.Value != 36 || st.Reward != -100 || st.Done() || !strings.Contains(st.Obs.Text, "fell off the cliff") {
		t.Errorf("stepping on the cliff: state %v reward %v done %v text:\n%s", st.Obs.Value, st.Reward, st.Done(), st.Obs.Text)
	}
	for _, a := range []string{"up", "up", "right"} {
		if st, err = env.Step(ctx, dojo.TextAction(a)); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(st.Obs.Text, "o  x  o") || st.Obs.Value != 13 {
		t.Errorf("after up, up, right: state %v, text:\n%s", st.Obs.Value, st.Obs.Text)
	}
}

func TestCliffWalkingStepLimit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		opts dojo.Options
		want int
	}{{nil, 500}, {dojo.Options{"max_steps": 13}, 13}} {
		env := toyMake(t, cwID, c.opts)
		ctx := context.Background()
		if _, _, err := env.Reset(ctx, 1); err != nil {
			t.Fatal(err)
		}
		for i := 1; ; i++ {
			st, err := env.Step(ctx, dojo.IndexAction(cwLeft))
			if err != nil {
				t.Fatal(err)
			}
			if st.Done() {
				if i != c.want || !st.Truncated || st.Terminated {
					t.Errorf("%v: ended at step %d (terminated %v truncated %v), want truncation at %d", c.opts, i, st.Terminated, st.Truncated, c.want)
				}
				break
			}
		}
	}
	// Reaching the goal on the last allowed step is both terminated and
	// truncated, as under Gymnasium's TimeLimit.
	env := toyMake(t, cwID, dojo.Options{"max_steps": 13})
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, 1); err != nil {
		t.Fatal(err)
	}
	var st dojo.Step
	for range 13 {
		a, _ := env.OracleAction(ctx)
		st, _ = env.Step(ctx, a)
	}
	if !st.Terminated || !st.Truncated || !st.Info.Success {
		t.Errorf("goal on the last step: terminated %v truncated %v success %v, want all true", st.Terminated, st.Truncated, st.Info.Success)
	}
}
