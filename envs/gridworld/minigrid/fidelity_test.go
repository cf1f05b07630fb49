package minigrid

import (
	"context"
	"math"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/state"
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

// mgUnsolvableMaps are maps MiniGrid plays whose goal the agent cannot
// reach, one of each kind.
var mgUnsolvableMaps = []struct {
	name string
	rows []string
}{
	{"goal walled off", []string{"#######", "#>.#G.#", "#######"}},
	{"goal behind lava", []string{"######", "#>.LG#", "######"}},
	{"locked door without a key", []string{"#######", "#>.D.G#", "#######"}},
	{"locked door with the wrong key", []string{"#######", "#>aD.G#", "#######", "", "a: red key"}},
	{"key behind the locked door", []string{"#######", "#>.DKG#", "#######"}},
}

// TestMiniGridRequireSolvable checks that each unsolvable map is refused by
// default and, with require_solvable=false, plays to the step limit with
// an oracle that reports it has no action.
func TestMiniGridRequireSolvable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := mgTestRegistry(t)
	for _, tc := range mgUnsolvableMaps {
		t.Run(tc.name, func(t *testing.T) {
			_, err := reg.Make("gridworld/Custom-v0", dojo.Options{"map": tc.rows})
			if dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), "the agent cannot reach a goal") || !strings.Contains(err.Error(), "require_solvable=false") {
				t.Fatalf("by default: %v, want the map refused: the agent cannot reach a goal", err)
			}
			_, err = reg.Make("gridworld/Custom-v0", dojo.Options{"map": tc.rows, "require_solvable": true})
			if err == nil {
				t.Fatalf("require_solvable=true: accepted")
			}
			const limit = 30
			env, err := reg.Make("gridworld/Custom-v0", dojo.Options{"map": tc.rows, "require_solvable": false, "max_steps": limit})
			if err != nil {
				t.Fatalf("require_solvable=false: %v", err)
			}
			e := env.(*Env)
			_, info, err := e.Reset(ctx, 3)
			if err != nil {
				t.Fatal(err)
			}
			if d := info.Metrics[0].Value; d != -1 {
				t.Errorf("distance at Reset %v, want -1 (success unreachable)", d)
			}
			// A fixed cycle of every action: the agent picks up the key
			// where there is one and tries it on the door.
			cycle := []int{mgActForward, mgActPickup, mgActToggle, mgActForward, mgActForward, mgActLeft, mgActLeft, mgActRight, mgActRight, mgActDrop, mgActDone}
			for step := 1; ; step++ {
				_, err := e.OracleAction(ctx)
				if dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), "the oracle has no action") {
					t.Fatalf("step %d: OracleAction: %v, want an invalid error: the oracle has no action", step, err)
				}
				a := cycle[(step-1)%len(cycle)]
				if a == mgActForward && e.grid[e.agent+e.fwd[e.dir]].Type == mgLava {
					a = mgActDone // lava would end the episode before the limit
				}
				s, err := e.Step(ctx, dojo.IndexAction(a))
				if err != nil {
					t.Fatal(err)
				}
				if s.Info.Success || s.Reward != 0 {
					t.Fatalf("step %d: success %v reward %v in a world without a way to the goal", step, s.Info.Success, s.Reward)
				}
				if s.Terminated {
					t.Fatalf("step %d: terminated", step)
				}
				if s.Truncated {
					if step != limit {
						t.Fatalf("truncated at step %d, want %d", step, limit)
					}
					break
				}
			}
		})
	}
}

// TestMiniGridStartCells starts the agent on each kind of cell MiniGrid's
// reset accepts (empty or can_overlap: floor, open door, goal, lava) and
// checks the observation, the state, leaving the cell, and that the oracle
// and the distance metric find the shortest way to success; the other
// kinds are refused with the reason.
func TestMiniGridStartCells(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		on   string
		code [3]int8
		// The corridor "#a.G#": facing up at x=1, the agent needs right,
		// forward, forward: 3 actions.
	}{
		{"empty", [3]int8{mgEmpty, 0, 0}},
		{"green floor", [3]int8{mgFloor, mgGreen, 0}},
		{"open red door", [3]int8{mgDoor, mgRed, mgOpen}},
		{"goal", [3]int8{mgGoal, mgGreen, 0}},
		{"lava", [3]int8{mgLava, mgRed, 0}},
	}
	for _, tc := range tests {
		rows := []string{"#####", "#a.G#", "#####", "", "a: agent facing up on " + tc.on}
		for _, full := range []bool{false, true} {
			opts := dojo.Options{}
			if full {
				opts["obs"] = "full"
			}
			e := mgCustom(t, rows, opts)
			if e.pos() != [2]int{1, 1} || e.dir != 3 {
				t.Fatalf("on %s: agent at %v facing %d, want [1 1] facing 3 (up)", tc.on, e.pos(), e.dir)
			}
			if got := e.at(1, 1).code(); got != tc.code {
				t.Errorf("on %s: the cell under the agent is %v, want %v", tc.on, got, tc.code)
			}
			// The state's grid is the world without the agent.
			if sg := e.State().(*state.MiniGrid).Grid; !slices.Equal(sg[(1*3+1)*3:(1*3+1)*3+3], tc.code[:]) {
				t.Errorf("on %s: State's grid at the agent %v, want %v", tc.on, sg[(1*3+1)*3:(1*3+1)*3+3], tc.code)
			}
			if full {
				// FullyObsWrapper draws the agent over its cell.
				if got := e.obs.Image[(1*3+1)*3 : (1*3+1)*3+3]; !slices.Equal(got, []int8{mgAgent, mgRed, 3}) {
					t.Errorf("on %s: full image at the agent %v, want (10, 0, 3)", tc.on, got)
				}
			} else if k := (e.view/2)*e.view + e.view - 1; !slices.Equal(e.obs.Image[3*k:3*k+3], []int8{mgEmpty, 0, 0}) {
				t.Errorf("on %s: egocentric image at the agent %v, want empty (it carries nothing)", tc.on, e.obs.Image[3*k:3*k+3])
			}
			// The oracle's plan is 3 actions, the distance metric too.
			if d := e.metrics[0].Value; d != 3 {
				t.Errorf("on %s: distance %v at Reset, want 3", tc.on, d)
			}
			if _, _, err := e.Reset(ctx, 1); err != nil {
				t.Fatal(err)
			}
			var s dojo.Step
			for n := 1; ; n++ {
				a, err := e.OracleAction(ctx)
				if err != nil {
					t.Fatalf("on %s: step %d: OracleAction: %v", tc.on, n, err)
				}
				if s, err = e.Step(ctx, a); err != nil {
					t.Fatal(err)
				}
				if s.Done() {
					if !s.Info.Success || n != 3 {
						t.Errorf("on %s: the oracle ended after %d steps, success %v; want success in 3", tc.on, n, s.Info.Success)
					}
					break
				}
				if n == 1 && e.at(1, 1).code() != tc.code {
					t.Errorf("on %s: turning changed the start cell to %v", tc.on, e.at(1, 1).code())
				}
			}
		}
		// Turning and acting in place never ends the episode; leaving the
		// cell leaves its object behind.
		e := mgCustom(t, rows, nil)
		s := e.do(t, "left", "right", "pickup", "toggle", "done", "right", "forward")
		if s.Done() || e.pos() != [2]int{2, 1} || e.at(1, 1).code() != tc.code {
			t.Errorf("on %s: after leaving: done %v, agent at %v, start cell %v", tc.on, s.Done(), e.pos(), e.at(1, 1).code())
		}
		if tc.on == "goal" {
			if s := e.do(t, "left", "left", "forward"); !s.Info.Success {
				t.Errorf("stepping back onto the goal started on: success %v, want true", s.Info.Success)
			}
		}
	}
	for _, on := range []string{"wall", "closed door", "locked blue door", "key", "ball", "box"} {
		rows := []string{"#####", "#a.G#", "#####", "", "a: agent facing up on " + on}
		_, err := mgTestRegistry(t).Make("gridworld/Custom-v0", dojo.Options{"map": rows})
		if dojo.ErrorCode(err) != dojo.CodeInvalid || !strings.Contains(err.Error(), "the agent cannot start on") || !strings.Contains(err.Error(), "line 5") {
			t.Errorf("agent on %s: %v, want an invalid error naming line 5: the agent cannot start on it", on, err)
		}
	}
}

// TestMiniGridStartOnGoalOnly: the only goal under the agent still counts
// as the map's goal; the agent must step off and back.
func TestMiniGridStartOnGoalOnly(t *testing.T) {
	t.Parallel()
	e := mgCustom(t, []string{"#####", "#.a.#", "#####", "", "a: agent facing right on goal"}, nil)
	if d := e.metrics[0].Value; d != 4 {
		t.Errorf("distance %v, want 4 (forward, left, left, forward)", d)
	}
	s := e.do(t, "forward", "left", "left", "forward")
	if !s.Info.Success {
		t.Errorf("success %v, want true", s.Info.Success)
	}
}

// TestMiniGridStartOnLavaAct: from lava, the only way out is through a
// closed door the agent opens without leaving the cell.
func TestMiniGridStartOnLavaAct(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := mgCustom(t, []string{"######", "#ad.G#", "######", "", "a: agent facing right on lava"}, nil)
	if d := e.metrics[0].Value; d != 4 {
		t.Errorf("distance %v, want 4 (toggle, forward, forward, forward)", d)
	}
	var got []int
	for range 10 {
		a, err := e.OracleAction(ctx)
		if err != nil {
			t.Fatalf("OracleAction after %v: %v", got, err)
		}
		got = append(got, a.Index)
		s, err := e.Step(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if s.Done() {
			if !s.Info.Success {
				t.Fatalf("the oracle's %v ended without success", got)
			}
			break
		}
	}
	if want := []int{mgActToggle, mgActForward, mgActForward, mgActForward}; !slices.Equal(got, want) {
		t.Errorf("oracle played %v, want %v", got, want)
	}
}

// TestMiniGridLargestView plays the largest view, 255 cells a side, against
// MiniGrid's algorithm (mgRefView).
func TestMiniGridLargestView(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env, err := mgTestRegistry(t).Make("gridworld/MultiRoom-N4-S5-v0", dojo.Options{"view_size": mgMaxView})
	if err != nil {
		t.Fatal(err)
	}
	e := env.(*Env)
	if len(e.obs.Image) != mgMaxView*mgMaxView*3 || e.Spec().Observation.Fields[0].Space.Shape[0] != mgMaxView {
		t.Fatalf("image of %d numbers, shape %v", len(e.obs.Image), e.Spec().Observation.Fields[0].Space.Shape)
	}
	if _, _, err := e.Reset(ctx, 5); err != nil {
		t.Fatal(err)
	}
	rng := mgTestRNG(5)
	for step := range 20 {
		if want := mgRefView(e); !slices.Equal(want, e.obs.Image) {
			t.Fatalf("step %d: the view differs from MiniGrid's algorithm", step)
		}
		if s, _ := e.Step(ctx, dojo.IndexAction(rng.IntN(3))); s.Done() {
			break
		}
	}
}
