package minigrid

import (
	"context"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

// mgPythonReward is MiniGrid's _reward, 1 - 0.9 * (step_count / max_steps),
// evaluated as Python evaluates it: three IEEE-754 double operations, each
// rounded to nearest even, in that order. big.Float at 53 bits of precision
// rounds every operation as the hardware does, and never fuses a multiply
// with an add.
func mgPythonReward(t, maxSteps int) float64 {
	op := func() *big.Float { return new(big.Float).SetPrec(53).SetMode(big.ToNearestEven) }
	q := op().Quo(big.NewFloat(float64(t)), big.NewFloat(float64(maxSteps)))
	p := op().Mul(big.NewFloat(0.9), q)
	r := op().Sub(big.NewFloat(1), p)
	f, _ := r.Float64()
	return f
}

// TestMiniGridRewardBits plays the two episodes on which MiniGrid's rewards
// were seen to differ in their last bit from 1 − (0.9·t)/T.
func TestMiniGridRewardBits(t *testing.T) {
	t.Parallel()
	m := []string{"#####", "#>.G#", "#####"}
	tests := []struct {
		maxSteps int
		actions  []string
		want     float64 // as MiniGrid 3.1.0 prints it
	}{
		{5, []string{"forward", "forward"}, 0.6399999999999999},
		{7, []string{"left", "right", "forward", "forward"}, 0.48571428571428577},
	}
	for _, tc := range tests {
		e := mgCustom(t, m, dojo.Options{"max_steps": tc.maxSteps})
		s := e.do(t, tc.actions...)
		if !s.Terminated || !s.Info.Success {
			t.Fatalf("max_steps %d, %v: terminated=%v success=%v, want success", tc.maxSteps, tc.actions, s.Terminated, s.Info.Success)
		}
		if math.Float64bits(s.Reward) != math.Float64bits(tc.want) || math.Float64bits(mgPart(s, "minigrid")) != math.Float64bits(tc.want) {
			t.Errorf("max_steps %d, %v: reward %v (minigrid component %v), want MiniGrid's %v",
				tc.maxSteps, tc.actions, s.Reward, mgPart(s, "minigrid"), tc.want)
		}
		if got := mgPythonReward(len(tc.actions), tc.maxSteps); got != tc.want {
			t.Errorf("the reference gives %v for t=%d, T=%d, want %v", got, len(tc.actions), tc.maxSteps, tc.want)
		}
	}
}

// TestMiniGridRewardAllSteps checks reward.MiniGrid, which Step calls,
// against MiniGrid's formula evaluated in MiniGrid's order, bit for bit,
// for every 1 ≤ t ≤ T ≤ 1000 (MiniGrid rewards success on any step up to
// and including the last, where the step is also truncated).
func TestMiniGridRewardAllSteps(t *testing.T) {
	t.Parallel()
	bad, old := 0, 0
	for T := 1; T <= 1000; T++ {
		for step := 1; step <= T; step++ {
			want := mgPythonReward(step, T)
			if got := reward.MiniGrid(step, T); math.Float64bits(got) != math.Float64bits(want) {
				if bad++; bad <= 10 {
					t.Errorf("reward.MiniGrid(%d, %d) = %v (%#x), want %v (%#x)", step, T, got, math.Float64bits(got), want, math.Float64bits(want))
				}
			}
			// The other order, (0.9·t)/T, differs on a share of the pairs:
			// the comparison can tell the two apart.
			if o := 1 - float64(0.9*float64(step))/float64(T); o != want {
				old++
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of 500500 pairs differ", bad)
	}
	if old < 50000 {
		t.Errorf("1 − (0.9·t)/T differs from MiniGrid's order on only %d of 500500 pairs, want a fifth or so", old)
	}
}

// TestMiniGridRewardSteps plays corridor episodes that reach the goal on
// every step t ≤ T of every step limit T ≤ 40 and compares the env's
// reward with MiniGrid's bit for bit.
func TestMiniGridRewardSteps(t *testing.T) {
	t.Parallel()
	m := []string{"#####", "#>.G#", "#####"}
	for T := 2; T <= 40; T++ {
		e := mgCustom(t, m, dojo.Options{"max_steps": T})
		for step := 2; step <= T; step++ {
			if _, _, err := e.Reset(context.Background(), uint64(step)); err != nil {
				t.Fatal(err)
			}
			acts := append(strings.Fields(strings.Repeat("done ", step-2)), "forward", "forward")
			s := e.do(t, acts...)
			if !s.Info.Success || s.Truncated != (step == T) {
				t.Fatalf("T=%d t=%d: success=%v truncated=%v", T, step, s.Info.Success, s.Truncated)
			}
			if want := mgPythonReward(step, T); math.Float64bits(s.Reward) != math.Float64bits(want) {
				t.Errorf("T=%d t=%d: reward %v, want MiniGrid's %v", T, step, s.Reward, want)
			}
		}
	}
}
