package dojo_test

import (
	"context"
	"fmt"

	"github.com/dojo-rl/dojo"
)

// A registry makes envs by id, validating options against the spec; the
// reward option chooses the weights of the reward's named parts.
func ExampleRegistry() {
	var reg dojo.Registry
	reg.MustRegister(coinSpec(), newCoin)

	_, err := reg.Make("test/Coin-v0", dojo.Options{"bias": 3.0})
	fmt.Println(err)

	env, _ := reg.Make("test/Coin-v0", dojo.Options{"reward": "shaped"})
	ctx := context.Background()
	env.Reset(ctx, 7) // the hidden bit is 7 % 2 = 1
	step, _ := env.Step(ctx, dojo.IndexAction(1))
	fmt.Println(step.Reward, step.Info.Success, step.Terminated)
	for _, p := range step.Info.Parts {
		fmt.Printf("%s: %g × %g\n", p.Name, p.Value, p.Weight)
	}
	// Output:
	// test/Coin-v0: option "bias": 3 is above the maximum 1
	// 1.5 true true
	// success: 1 × 1
	// guess: 1 × 0.5
}
