package dojo

import "fmt"

// PartsModel is implemented by envs whose exact model (Model) also gives
// every reward component of every outcome, so that any weighting of the
// components, and the step limit, can be analysed exactly (package
// reward/audit: dojo reward audit and dojo reward distance).
type PartsModel interface {
	Model
	// ModelParts returns the components of the outcomes of MDP().P.
	ModelParts() *ModelParts
}

// ModelParts lists the reward components of every outcome of an MDP.
// Outcomes are numbered in the order of MDP.P: by state, then action, then
// outcome, so outcome i of P[s][a] comes after every outcome of P[s][a-1].
type ModelParts struct {
	// Components names the components, in Spec.Rewards order.
	Components []string `json:"components"`
	// Values[i*len(Components)+c] is component c of outcome i on a step
	// before the step limit.
	Values []float64 `json:"values"`
	// Truncated holds the values as Values does for a step that reaches
	// the step limit without terminating (where a potential-based term
	// takes Φ(s') = 0); nil when they are the same as Values.
	Truncated []float64 `json:"truncated,omitempty"`
	// MaxSteps is the step limit: the episode is truncated after MaxSteps
	// steps.
	MaxSteps int `json:"max_steps"`
	// Gamma is the discount of the env's potential-based shaping (its
	// option gamma), the discount under which the shaped profile keeps the
	// optimal policies.
	Gamma float64 `json:"gamma"`
}

// Check verifies that p fits m: as many values as outcomes times
// components.
func (p *ModelParts) Check(m *MDP) error {
	n := 0
	for _, acts := range m.P {
		for _, outs := range acts {
			n += len(outs)
		}
	}
	nc := len(p.Components)
	if nc == 0 || len(p.Values) != n*nc {
		return fmt.Errorf("model parts: %d values for %d outcomes and %d components", len(p.Values), n, nc)
	}
	if p.Truncated != nil && len(p.Truncated) != len(p.Values) {
		return fmt.Errorf("model parts: %d truncated values, want %d", len(p.Truncated), len(p.Values))
	}
	if p.MaxSteps <= 0 {
		return fmt.Errorf("model parts: step limit %d is not positive", p.MaxSteps)
	}
	if !(p.Gamma >= 0 && p.Gamma <= 1) {
		return fmt.Errorf("model parts: gamma %v is not in [0, 1]", p.Gamma)
	}
	return nil
}
