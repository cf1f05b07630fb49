package dojo

import (
	"context"
	"fmt"
	"slices"
)

// PartsModel is implemented by envs whose exact model (Model) also gives
// every reward component of every outcome, so that any weighting of the
// components, and the step limit, can be analysed exactly (package
// reward/audit: dojo reward audit and dojo reward distance).
type PartsModel interface {
	Model
	// ModelParts returns the components of the outcomes of MDP().P.
	ModelParts() *ModelParts
}

// WorldModel is implemented by envs whose exact model is that of one
// world drawn at Reset (a MiniGrid layout, a bandit's arm means) and is
// built on demand by enumerating the states reachable from the reset
// state, which can fail (more than maxStates states). WorldModel resets
// the env with seed and returns the model of that world with its reward
// components; the env is left at the start of a fresh episode of seed.
// Such envs do not implement Model: their observations are not the
// model's state numbers.
type WorldModel interface {
	WorldModel(ctx context.Context, seed uint64, maxStates int) (*MDP, *ModelParts, error)
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
	// StepScale makes components depend on the step count: when
	// StepScale[c] is not nil (it then has MaxSteps entries), component c
	// of an outcome on the step that brings the count to t (1..MaxSteps)
	// is its value in Values (or Truncated) times StepScale[c][t−1], as
	// MiniGrid's success reward 1 − 0.9·t/T. Nil when no component
	// depends on the step count. The success component never does.
	StepScale [][]float64 `json:"step_scale,omitempty"`
	// StateSteps[s], when StateSteps is not nil, is the number of steps
	// taken whenever the env is in state s (a model whose state counts
	// the steps, as the bandits'), or −1 when s can occur after any
	// number of steps. Solvers skip the pairs (s, t) that cannot occur.
	StateSteps []int `json:"state_steps,omitempty"`
	// Unmodelled names the components the model does not give, because
	// they depend on the episode's history beyond the state (an
	// exploration bonus counting visits): their values are 0 and a
	// profile that weighs them cannot be analysed.
	Unmodelled []string `json:"unmodelled,omitempty"`
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
	if p.StepScale != nil {
		if len(p.StepScale) != nc {
			return fmt.Errorf("model parts: %d step scales for %d components", len(p.StepScale), nc)
		}
		for c, row := range p.StepScale {
			if row == nil {
				continue
			}
			if len(row) != p.MaxSteps {
				return fmt.Errorf("model parts: component %q has %d step scales, want max_steps %d", p.Components[c], len(row), p.MaxSteps)
			}
			if p.Components[c] == SuccessComponent {
				return fmt.Errorf("model parts: the %q component cannot depend on the step count", SuccessComponent)
			}
		}
	}
	if p.StateSteps != nil && len(p.StateSteps) != m.NS {
		return fmt.Errorf("model parts: %d state steps for %d states", len(p.StateSteps), m.NS)
	}
	for _, u := range p.Unmodelled {
		if !slices.Contains(p.Components, u) {
			return fmt.Errorf("model parts: unmodelled component %q is not a component", u)
		}
	}
	return nil
}
