package bandit_test

import (
	"context"
	"fmt"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/bandit"
)

// A language agent plays a two-armed bandit whose best arm always pays 1 and
// whose other arm never pays (gap 1).
func Example() {
	reg := new(dojo.Registry)
	if err := bandit.Register(reg); err != nil {
		panic(err)
	}
	env, err := reg.Make("bandit/Bernoulli-2-v0", dojo.Options{"gap": 1.0, "best_mean": 1.0, "horizon": 3, "text": true})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	obs, _, _ := env.Reset(ctx, 2)
	fmt.Println(obs.Text)
	for _, answer := range []string{"<answer>arm0</answer>", "arm7", "ARM1"} {
		s, _ := env.Step(ctx, dojo.TextAction(answer))
		regret, _ := s.Info.Metrics.Get("regret")
		fmt.Printf("%-22q reward %v regret %v invalid %v\n", answer, s.Reward, regret, s.Info.Invalid)
	}
	// Output:
	// You are playing a 2-armed bandit for 3 pulls. Each pull of an arm pays 1 with a fixed probability unknown to you, else 0. Earn as much as you can in total.
	//
	// Step 0 of 3.
	// arm0: not pulled yet
	// arm1: not pulled yet
	//
	// Reply with the arm to pull next, one of arm0 to arm1, e.g. <answer>arm0</answer>.
	// "<answer>arm0</answer>" reward 1 regret 0 invalid false
	// "arm7"                 reward 0 regret 1 invalid true
	// "ARM1"                 reward 0 regret 1 invalid false
}
