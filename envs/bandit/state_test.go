package bandit

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/state"
)

// TestState checks that the state holds the env's means, best arm, pulls,
// sums and last pull.
func TestState(t *testing.T) {
	t.Parallel()
	for _, v := range variants {
		e := makeEnv(t, v.id(), dojo.Options{"horizon": 50})
		reset(t, e, 3)
		rng := rand.New(rand.NewPCG(3, 3))
		pulls := make([]int, v.arms)
		sums := make([]float64, v.arms)
		s := e.State().(*state.Bandit)
		if s.Arm != -1 || s.Kind != "bandit" {
			t.Fatalf("%s: state after reset %+v", v.id(), s)
		}
		for range 50 {
			means := e.Means()
			arm := rng.IntN(v.arms + 1) // v.arms is invalid
			st := step(t, e, dojo.IndexAction(arm))
			pay := metric(t, st.Info.Metrics, "payout")
			want := arm
			if arm == v.arms {
				want = -1
			} else {
				pulls[arm]++
				sums[arm] += pay
			}
			s := e.State().(*state.Bandit)
			if s.Arm != want || s.Payout != pay || !slices.Equal(s.Pulls, pulls) || !slices.Equal(s.Sums, sums) {
				t.Fatalf("%s: after pulling %d: state %+v, want arm %d payout %v pulls %v sums %v", v.id(), arm, s, want, pay, pulls, sums)
			}
			if !slices.Equal(s.Means, e.Means()) || s.Means[s.Best] != slices.Max(s.Means) {
				t.Fatalf("%s: state means %v best %d, env means %v", v.id(), s.Means, s.Best, e.Means())
			}
			if v.kind < kindDrifting && !slices.Equal(means, s.Means) {
				t.Fatalf("%s: stationary means changed", v.id())
			}
		}
	}
}
