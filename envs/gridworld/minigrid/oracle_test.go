package minigrid

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// mgOracleSeeds is the number of seeds the oracle is run on per world
// (about 5 s in all, 15 s under the race detector).
func mgOracleSeeds() int { return 1000 }

// TestMiniGridOracle follows the oracle from Reset on many seeds of every
// world: it must always succeed, with MiniGrid's reward for its length, and
// on the worlds where the potential's distance is exact, in exactly d(s0)
// steps.
func TestMiniGridOracle(t *testing.T) {
	reg := mgTestRegistry(t)
	for _, id := range mgIDs(t) {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			env, err := reg.Make(id, dojo.Options{"reward": map[string]float64{"minigrid": 1}})
			if err != nil {
				t.Fatal(err)
			}
			o := env.(dojo.Oracle)
			spec := env.Spec()
			exact := !strings.Contains(id, "KeyCorridor") && !strings.Contains(id, "Custom")
			ctx := context.Background()
			for seed := range uint64(mgOracleSeeds()) {
				_, info, err := env.Reset(ctx, seed)
				if err != nil {
					t.Fatalf("seed %d: Reset: %v", seed, err)
				}
				d0, _ := info.Metrics.Get("distance")
				for step := 1; ; step++ {
					a, err := o.OracleAction(ctx)
					if err != nil {
						t.Fatalf("seed %d step %d: OracleAction: %v", seed, step, err)
					}
					s, err := env.Step(ctx, a)
					if err != nil {
						t.Fatalf("seed %d step %d: Step: %v", seed, step, err)
					}
					if s.Info.Invalid {
						t.Fatalf("seed %d step %d: oracle action %v invalid: %s", seed, step, a, s.Info.Error)
					}
					if !s.Done() {
						continue
					}
					if !s.Info.Success {
						t.Fatalf("seed %d: oracle failed after %d steps (terminated=%v truncated=%v)", seed, step, s.Terminated, s.Truncated)
					}
					if want := 1 - 0.9*float64(step)/float64(spec.MaxSteps); math.Abs(s.Reward-want) > 1e-12 {
						t.Fatalf("seed %d: reward %v after %d steps, want MiniGrid's %v", seed, s.Reward, step, want)
					}
					if exact && float64(step) != d0 {
						t.Fatalf("seed %d: the oracle took %d steps but the potential's distance at the start is %v", seed, step, d0)
					}
					break
				}
			}
		})
	}
}
