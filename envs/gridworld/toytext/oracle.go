package toytext

import (
	"context"
	"math"

	"github.com/dojo-rl/dojo"
)

// toyOracleGamma is the discount of the success-probability MDP the oracle
// solves on stochastic worlds.
const toyOracleGamma = 0.999

// OracleAction returns a shortest-path action on deterministic worlds, and
// the greedy action of value iteration on the success-probability MDP on
// stochastic ones.
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Action{}, dojo.CheckContext(ctx)
	}
	if err := e.life.Check(); err != nil {
		return dojo.Action{}, err
	}
	w := e.w
	if w.stochastic {
		if e.oracle == nil {
			_, e.oracle = w.successMDP().ValueIteration(toyOracleGamma, 1e-10)
		}
		return dojo.IndexAction(e.oracle[e.s]), nil
	}
	a := w.shortestAction(e.s)
	if a < 0 {
		return dojo.Action{}, dojo.Errorf(dojo.CodeInvalid, "%s: no path leads from state %d to the goal: the oracle cannot solve this map", e.spec.ID, e.s)
	}
	return dojo.IndexAction(a), nil
}

// shortestAction returns the first action on a shortest path to success
// from s in the deterministic graph, or -1 if there is none.
func (w *toyWorld) shortestAction(s int) int {
	best, bestD := -1, int32(math.MaxInt32)
	for a := range w.nA {
		var d int32
		switch n := w.distNext[s*w.nA+a]; {
		case n == -2:
			d = 1
		case n < 0 || w.dist[n] < 0:
			continue
		default:
			d = w.dist[n] + 1
		}
		if d < bestD {
			best, bestD = a, d
		}
	}
	return best
}

// successMDP returns the model with reward 1 on successful transitions and
// 0 elsewhere.
func (w *toyWorld) successMDP() *dojo.MDP {
	return w.mdp(func(o *toyOutcome) float64 { return o.success })
}
