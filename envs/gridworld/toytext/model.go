package toytext

import (
	"github.com/dojo-rl/dojo"
)

// MDP returns Gymnasium's transition table P with rewards under the env's
// reward profile. Invalid actions are not in the model; absorbing terminal
// states keep Gymnasium's (1, s, 0, true) self-loop with reward 0.
func (e *Env) MDP() *dojo.MDP {
	var weights [numComponents]float64
	for i := range weights {
		weights[i] = e.parts.Weight(i)
	}
	return e.w.mdp(func(o *toyOutcome) float64 { return toyReward(&weights, o) })
}

// toyReward is the weighted sum of o's components, computed as
// reward.Parts.Sum computes it, so that the rewards of steps, of the model
// and of the parts agree exactly.
func toyReward(weights *[numComponents]float64, o *toyOutcome) float64 {
	var parts [numComponents]dojo.Part
	for i := range parts {
		parts[i].Weight = weights[i]
	}
	parts[cSuccess].Value = o.success
	parts[cGym].Value = o.gym
	parts[cPotential].Value = o.pot
	parts[cStepCost].Value = o.step
	return dojo.Sum(parts[:])
}
