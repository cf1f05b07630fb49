package agents

import (
	"context"

	"github.com/dojo-rl/dojo"
)

const oracleDoc = "the env's own oracle (dojo.Oracle): the gold solution or an optimal policy, asked each turn; fails on envs without one"

func newOracle(p Params) (dojo.AgentMaker, error) {
	if err := tabNoParams(p); err != nil {
		return nil, err
	}
	return oracleMaker{}, nil
}

// oracleMaker makes agents that ask the episode's env (EpisodeStart.Env)
// for its OracleAction every turn. An env without an oracle is an error of
// code dojo.CodeInvalid when the agent is made.
type oracleMaker struct{}

func (oracleMaker) NewAgent(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
	if ep.Env == nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "oracle: the episode start carries no env to ask (EpisodeStart.Env is nil)").WithField("agent")
	}
	o, ok := ep.Env.(dojo.Oracle)
	if !ok {
		return nil, dojo.Errorf(dojo.CodeInvalid, "oracle: %s has no oracle (its env does not implement dojo.Oracle); try random, or bfs or qlearning on gridworlds", ep.Spec.ID).WithField("agent")
	}
	return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
		return o.OracleAction(ctx)
	}), nil
}
