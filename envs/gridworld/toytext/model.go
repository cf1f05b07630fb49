package toytext

import (
	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
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

// ModelParts returns the reward components of every outcome of MDP().P,
// and their values on a step truncated by the step limit (the potential
// with Φ(s') = 0).
func (e *Env) ModelParts() *dojo.ModelParts {
	w := e.w
	names := make([]string, numComponents)
	for i, c := range e.spec.Rewards {
		names[i] = c.Name
	}
	p := &dojo.ModelParts{
		Components: names,
		Values:     make([]float64, 0, len(w.out)*numComponents),
		Truncated:  make([]float64, 0, len(w.out)*numComponents),
		MaxSteps:   e.maxSteps,
		Gamma:      w.gamma,
	}
	for s := range w.nS {
		for i := w.off[s*w.nA]; i < w.off[(s+1)*w.nA]; i++ {
			o := &w.out[i]
			var v [numComponents]float64
			v[cSuccess], v[cGym], v[cPotential], v[cStepCost] = o.success, o.gym, o.pot, o.step
			p.Values = append(p.Values, v[:]...)
			if !w.absorbing[s] {
				v[cPotential] = reward.Potential(w.gamma, w.phi[s], 0, true)
			}
			p.Truncated = append(p.Truncated, v[:]...)
		}
	}
	return p
}
