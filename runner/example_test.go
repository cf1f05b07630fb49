package runner_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
	"github.com/dojo-rl/dojo/runner"
)

// coin is a one-step env: guess how a coin drawn from the seed landed.
type coin struct {
	spec  dojo.Spec
	parts *reward.Parts
	side  int
	done  bool
}

func (c *coin) Spec() dojo.Spec { return c.spec }

func (c *coin) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	c.side, c.done = rand.New(rand.NewPCG(seed, 1)).IntN(2), false
	c.parts.Reset()
	return dojo.Obs{Text: "Heads (0) or tails (1)?"}, dojo.Info{Parts: c.parts.Parts()}, nil
}

func (c *coin) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	if c.done {
		return dojo.Step{}, dojo.ErrEnded
	}
	c.done = true
	win := a.Index == c.side
	c.parts.Reset()
	if win {
		c.parts.Set(0, 1)
	}
	return dojo.Step{Reward: c.parts.Sum(), Terminated: true, Info: dojo.Info{Success: win, Parts: c.parts.Parts()}}, nil
}

func Example() {
	reg := &dojo.Registry{}
	reg.MustRegister(dojo.Spec{
		ID: "demo/Coin-v0", Description: "guess a coin flip",
		Observation: dojo.Space{Kind: dojo.KindNone}, ObsText: true,
		Action: dojo.Discrete(2, "heads", "tails"), MaxSteps: 1,
		Rewards:        []dojo.Component{{Name: "success", Description: "1 for a right guess", Shaped: 1}},
		DefaultProfile: "sparse",
	}, func(opts dojo.Options) (dojo.Env, error) {
		c := &coin{}
		c.spec, _ = reg.Spec("demo/Coin-v0")
		c.parts = reward.MustNew(&c.spec, opts)
		return c, nil
	})
	alwaysHeads := dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
			return dojo.IndexAction(0), nil
		}), nil
	})
	sum, err := runner.Run(context.Background(), runner.Config{
		Registry:  reg,
		Env:       "demo/Coin-v0",
		Agent:     alwaysHeads,
		AgentName: "heads",
		Episodes:  200,
		Seed:      1,
		Workers:   4,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d/%d right: success %.3f, 95%% CI [%.3f, %.3f]\n",
		sum.Successes, sum.Episodes, sum.SuccessRate, sum.SuccessCI.Lo, sum.SuccessCI.Hi)
	// Output:
	// 95/200 right: success 0.475, 95% CI [0.407, 0.544]
}
