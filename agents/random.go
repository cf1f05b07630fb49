package agents

import (
	"context"
	"math/rand/v2"

	"github.com/dojo-rl/dojo"
)

const randomDoc = "uniform random actions: a discrete index, a label of a text action space, or an empty answer in tool-calling and free-text envs; seeded by the episode seed"

func newRandom(p Params) (dojo.AgentMaker, error) {
	if err := tabNoParams(p); err != nil {
		return nil, err
	}
	return randomMaker{}, nil
}

// randomMaker makes agents that act uniformly at random over the action
// space: Index uniform in [0, N) for discrete spaces; one of
// Spec.Action.Labels, as text, for text spaces that list labels; for
// tool-calling spaces, an assistant message with no tool call and empty
// text (the empty final answer, the floor any agent should beat); for free
// text spaces (a single SQL query, a WebShop page action), the empty text,
// the same floor. Each episode's generator is
// seeded from EpisodeStart.Seed, mixed so that it is independent of the
// env's own generator.
type randomMaker struct{}

func (randomMaker) NewAgent(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
	sp := ep.Spec.Action
	rng := tabRNG(ep.Seed, tabSaltRandom)
	switch {
	case sp.Kind == dojo.KindDiscrete && sp.N > 0:
		return &randomAgent{rng: rng, n: sp.N}, nil
	case sp.Kind == dojo.KindText && len(sp.Labels) > 0:
		return &randomAgent{rng: rng, labels: sp.Labels}, nil
	case sp.Kind == dojo.KindToolCalls:
		return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
			return dojo.MessageAction(""), nil
		}), nil
	case sp.Kind == dojo.KindText:
		return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
			return dojo.TextAction(""), nil
		}), nil
	}
	return nil, dojo.Errorf(dojo.CodeInvalid, "random: %s has a %q action space; random plays discrete, text and tool-call spaces", ep.Spec.ID, sp.Kind).WithField("agent")
}

type randomAgent struct {
	rng    *rand.Rand
	n      int
	labels []string
}

func (a *randomAgent) Act(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
	if a.labels != nil {
		return dojo.TextAction(a.labels[a.rng.IntN(len(a.labels))]), nil
	}
	return dojo.IndexAction(a.rng.IntN(a.n)), nil
}
