package agents

import (
	"context"
	"slices"
	"strings"

	"github.com/dojo-rl/dojo"
)

const baselineDoc = "a baseline policy the env provides (dojo.Baseliner), chosen with policy=NAME (default: the env's first), e.g. baseline:policy=top-result on websim/Shop-v0; fails on envs without baselines"

func newBaseline(p Params) (dojo.AgentMaker, error) {
	if err := unknownParams(p, "policy"); err != nil {
		return nil, err
	}
	return baselineMaker{policy: p["policy"]}, nil
}

// baselineMaker makes agents that ask the episode's env for the action of
// one of its baseline policies every turn. An env without baselines, or
// without the policy asked for, is an error of code dojo.CodeInvalid when
// the agent is made.
type baselineMaker struct{ policy string }

func (m baselineMaker) NewAgent(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
	if ep.Env == nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "baseline: the episode start carries no env to ask (EpisodeStart.Env is nil)").WithField("agent")
	}
	b, ok := ep.Env.(dojo.Baseliner)
	if !ok {
		return nil, dojo.Errorf(dojo.CodeInvalid, "baseline: %s provides no baseline policies; try random or oracle", ep.Spec.ID).WithField("agent")
	}
	names := b.Baselines()
	policy := m.policy
	if policy == "" && len(names) > 0 {
		policy = names[0]
	}
	if !slices.Contains(names, policy) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "baseline: %s has no baseline %q (baselines: %s)", ep.Spec.ID, policy, strings.Join(names, ", ")).WithField("agent")
	}
	return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
		return b.BaselineAction(ctx, policy)
	}), nil
}
