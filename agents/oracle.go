package agents

import (
	"context"

	"github.com/dojo-rl/dojo"
)

const oracleDoc = "the env's own oracle (dojo.Oracle): the gold solution or an optimal policy, asked each turn; fails on envs without one. Parameter: eps (default 0): with probability eps each turn, act as the random agent instead — a noisy oracle, an agent of chosen skill between random and the oracle"

func newOracle(p Params) (dojo.AgentMaker, error) {
	if err := unknownParams(p, "eps"); err != nil {
		return nil, err
	}
	eps, err := tabFloat(p, "eps", 0, 0, 1)
	if err != nil {
		return nil, err
	}
	return oracleMaker{eps: eps}, nil
}

// oracleMaker makes agents that ask the episode's env (EpisodeStart.Env)
// for its OracleAction every turn, or with probability eps act as the
// random agent would (from a generator seeded by the episode seed). An env
// without an oracle is an error of code dojo.CodeInvalid when the agent is
// made, and so is an env the random agent cannot play when eps > 0.
type oracleMaker struct{ eps float64 }

func (m oracleMaker) NewAgent(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
	if ep.Env == nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "oracle: the episode start carries no env to ask (EpisodeStart.Env is nil)").WithField("agent")
	}
	o, ok := ep.Env.(dojo.Oracle)
	if !ok {
		return nil, dojo.Errorf(dojo.CodeInvalid, "oracle: %s has no oracle (its env does not implement dojo.Oracle); try random, or bfs or qlearning on gridworlds", ep.Spec.ID).WithField("agent")
	}
	if m.eps == 0 {
		return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
			return o.OracleAction(ctx)
		}), nil
	}
	rnd, err := randomMaker{}.NewAgent(ctx, ep)
	if err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "oracle with eps=%g acts at random at times, and %v", m.eps, err).WithField("agent")
	}
	rng := tabRNG(ep.Seed, tabSaltNoisyOracle)
	return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
		if rng.Float64() < m.eps {
			return rnd.Act(ctx, t)
		}
		return o.OracleAction(ctx)
	}), nil
}
