package audit

import (
	"fmt"
	"math"
)

// StepReward is a reward of every outcome of a model at every step: a
// profile's, with its step-dependent components and its values on the step
// that reaches the limit, or a fixed reward per outcome (a user's table).
type StepReward struct {
	r     *stepRewards
	fixed []float64
}

// StepRewards returns the reward of profile p at every step.
func (m *Model) StepRewards(p Profile) (StepReward, error) {
	if len(p.Weights) != len(m.Parts.Components) {
		return StepReward{}, fmt.Errorf("audit: profile %q has %d weights for %d components", p.Name, len(p.Weights), len(m.Parts.Components))
	}
	if u := m.Unmodelled(p); u != nil {
		return StepReward{}, unmodelledError(p, u)
	}
	return StepReward{r: m.stepRewards(p.Weights)}, nil
}

// FixedReward is the reward r (one per outcome, as Rewards and
// TableRewards give) at every step.
func FixedReward(r []float64) StepReward { return StepReward{fixed: r} }

func (r StepReward) at(t int, last bool) []float64 {
	if r.r == nil {
		return r.fixed
	}
	return r.r.at(t, last)
}

// FiniteDistance is the STARC distance of Distance on the finite-horizon
// model the audit solves: the state is the env's state and the steps
// taken t = 0..MaxSteps−1 (less the pairs dojo.ModelParts.StateSteps rules
// out), the episode ends at a terminating outcome or after MaxSteps steps,
// and the reward may depend on t (MiniGrid's 1 − 0.9·t/T) and take its
// truncated values on the last step. The canonicalisation is the
// Value-Adjusted Levelling of that model, with V^π of the uniformly random
// policy by backward induction (0 after the limit), so γ = 1 is allowed:
//
//	c(R)(s, t, a) = E_{S'~τ(s,a)}[R_t(s, a, S') + γ·V^π_{t+1}(S')] − V^π_t(s)
//
// then d = ½·‖c(R1)/‖c(R1)‖₂ − c(R2)/‖c(R2)‖₂‖₂ over the (s, t, a) triples.
// A potential shaping with Φ(s') = 0 on the step that ends the episode,
// terminated or truncated, is at distance 0 from the unshaped reward.
func (m *Model) FiniteDistance(r1, r2 StepReward, gamma float64) (float64, error) {
	if !(gamma >= 0 && gamma <= 1) {
		return 0, fmt.Errorf("audit: gamma %v is not in [0, 1]", gamma)
	}
	if n := m.Pairs(); n > MaxStateSteps {
		return 0, fmt.Errorf("audit: %.3g (state, step) pairs, above the cap of %d: lower max_steps or use a smaller world", n, MaxStateSteps)
	}
	var n1, n2, d float64
	m.finitePass(r1, r2, gamma, func(c1, c2 float64) {
		n1 += c1 * c1
		n2 += c2 * c2
	})
	n1, n2 = math.Sqrt(n1), math.Sqrt(n2)
	if n1 == 0 {
		n1 = 1 // s(R) = c(R) = 0
	}
	if n2 == 0 {
		n2 = 1
	}
	m.finitePass(r1, r2, gamma, func(c1, c2 float64) {
		x := c1/n1 - c2/n2
		d += x * x
	})
	return math.Sqrt(d) / 2, nil
}

// finitePass computes the canonicalised rewards of r1 and r2 at every
// (s, t, a) by backward induction and calls f with each pair.
func (m *Model) finitePass(r1, r2 StepReward, gamma float64, f func(c1, c2 float64)) {
	T, nS, nA := m.Parts.MaxSteps, m.MDP.NS, m.MDP.NA
	steps := m.Parts.StateSteps
	v1, v2 := make([]float64, nS), make([]float64, nS) // V at t+1
	w1, w2 := make([]float64, nS), make([]float64, nS)
	q1, q2 := make([]float64, nA), make([]float64, nA)
	inv := 1 / float64(nA)
	for t := T - 1; t >= 0; t-- {
		last := t == T-1
		a1, a2 := r1.at(t, last), r2.at(t, last)
		for s := range nS {
			if steps != nil && steps[s] >= 0 && steps[s] != t {
				w1[s], w2[s] = 0, 0
				continue
			}
			var m1, m2 float64
			for a := range nA {
				x1, x2 := m.backup(s, a, gamma, a1, v1), m.backup(s, a, gamma, a2, v2)
				q1[a], q2[a] = x1, x2
				m1 += x1
				m2 += x2
			}
			m1 *= inv
			m2 *= inv
			for a := range nA {
				f(q1[a]-m1, q2[a]-m2)
			}
			w1[s], w2[s] = m1, m2
		}
		v1, w1 = w1, v1
		v2, w2 = w2, v2
	}
}
