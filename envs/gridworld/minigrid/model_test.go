package minigrid

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// TestWorldModelMatchesSteps builds the model of a world and replays
// episodes of another env of the same world (random actions, and the
// oracle's) along it: every step's next state, termination and reward
// components (minigrid scaled by the step count, potential with Φ(s') = 0
// at the step limit) are the model's, explore aside.
func TestWorldModelMatchesSteps(t *testing.T) {
	t.Parallel()
	reg := mgTestRegistry(t)
	ctx := context.Background()
	for _, c := range []struct {
		id   string
		opts dojo.Options
		seed uint64
	}{
		{"gridworld/Empty-5x5-v0", nil, 0},
		{"gridworld/Empty-Random-5x5-v0", nil, 4},
		{"gridworld/DoorKey-5x5-v0", nil, 1},
		{"gridworld/DoorKey-6x6-v0", dojo.Options{"max_steps": 40, "gamma": 0.9}, 2},
		{"gridworld/LavaGap-5x5-v0", dojo.Options{"max_steps": 12}, 3},
		{"gridworld/KeyCorridor-S3R1-v0", nil, 0},
		{"gridworld/MultiRoom-N2-S4-v0", nil, 5},
	} {
		env, err := reg.Make(c.id, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		m, p, err := env.(dojo.WorldModel).WorldModel(ctx, c.seed, 100_000)
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		if err := m.Check(); err != nil {
			t.Fatal(err)
		}
		if err := p.Check(m); err != nil {
			t.Fatal(err)
		}
		if p.Unmodelled == nil || p.Unmodelled[0] != "explore" || p.StepScale[cMiniGrid] == nil {
			t.Fatalf("%s: parts %v unmodelled, step scales %v", c.id, p.Unmodelled, p.StepScale != nil)
		}
		first := map[[2]int]int{} // (state, action) → first outcome
		n := 0
		for s := range m.NS {
			for a := range m.NA {
				first[[2]int{s, a}] = n
				n += len(m.P[s][a])
			}
		}
		// The env is left at a fresh episode of the seed.
		play, err := reg.Make(c.id, c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := play.Reset(ctx, c.seed); err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(env.(dojo.Stater).State())
		b, _ := json.Marshal(play.(dojo.Stater).State())
		if string(a) != string(b) {
			t.Errorf("%s: after WorldModel the state is %s, want Reset's %s", c.id, a, b)
		}
		dojo.Close(env)
		rng := rand.New(rand.NewPCG(c.seed, 7))
		nc := len(p.Components)
		steps, successes := 0, 0
		for ep := range 30 {
			if _, _, err := play.Reset(ctx, c.seed); err != nil {
				t.Fatal(err)
			}
			s := 0
			for t1 := 1; ; t1++ {
				var act int
				if ep%3 == 0 {
					a, err := play.(dojo.Oracle).OracleAction(ctx)
					if err != nil {
						t.Fatal(err)
					}
					act = a.Index
				} else {
					act = []int{0, 1, 2, 2, 2, 3, 4, 5}[rng.IntN(8)]
				}
				st, err := play.Step(ctx, dojo.Action{Kind: dojo.ActIndex, Index: act})
				if err != nil {
					t.Fatal(err)
				}
				steps++
				o := m.P[s][act][0]
				i := first[[2]int{s, act}]
				vals := p.Values
				if t1 == p.MaxSteps {
					vals = p.Truncated
				}
				for k, part := range st.Info.Parts[:nc] {
					if p.Components[k] == "explore" {
						continue
					}
					want := vals[i*nc+k]
					if p.StepScale[k] != nil {
						want *= p.StepScale[k][t1-1]
					}
					if part.Value != want {
						t.Fatalf("%s seed %d episode %d step %d (state %d, action %d): %s = %v, model %v", c.id, c.seed, ep, t1, s, act, part.Name, part.Value, want)
					}
				}
				if st.Terminated != o.Terminated {
					t.Fatalf("%s step %d: terminated %v, model %v", c.id, t1, st.Terminated, o.Terminated)
				}
				if st.Info.Success {
					successes++
				}
				if st.Terminated || st.Truncated {
					break
				}
				s = o.Next
				if s == m.NS-1 {
					t.Fatalf("%s step %d: the model went to its absorbing state on a step that does not end the episode", c.id, t1)
				}
			}
		}
		dojo.Close(play)
		if successes < 10 {
			t.Errorf("%s: %d successes in 30 episodes, want the oracle's 10 at least", c.id, successes)
		}
		t.Logf("%s seed %d: %d states, %d steps replayed, %d successes", c.id, c.seed, m.NS, steps, successes)
	}
}

// TestWorldModelCap: a world with more reachable states than the cap is
// refused with an error naming the cap.
func TestWorldModelCap(t *testing.T) {
	t.Parallel()
	env, err := mgTestRegistry(t).Make("gridworld/DoorKey-5x5-v0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dojo.Close(env)
	_, _, err = env.(dojo.WorldModel).WorldModel(context.Background(), 0, 100)
	if err == nil || !strings.Contains(err.Error(), "more than 100 states reachable, the cap") || dojo.ErrorCode(err) != dojo.CodeInvalid {
		t.Errorf("DoorKey-5x5 with a cap of 100 states: %v", err)
	}
	if _, _, err := env.(dojo.WorldModel).WorldModel(context.Background(), 0, 1000); err != nil {
		t.Errorf("DoorKey-5x5 with a cap of 1000 states: %v", err)
	}
}
