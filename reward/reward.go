// Package reward holds the reward machinery every env shares: the named
// components of a step's reward, their weights under a profile, and
// potential-based shaping.
//
// A step's reward is the weighted sum of its components:
//
//	reward = Σ_i weight_i · value_i
//
// Components are computed every step whatever the profile, so users can
// study them; the profile (the "reward" option of every env) only chooses
// the weights: "sparse" (success 1, the rest 0), "shaped" (the env's
// documented defaults), a named preset of the env, or explicit weights.
//
// The package also holds scorers that families and trainers share: tool-call
// parsing and matching (ParseToolCalls, MatchCalls), ToolRL's reward
// reproduced exactly (ToolRL, ToolRLFormat, ToolRLCorrectness; formulas on
// ToolRL), BFCL's evaluator for its v3 and v4 AST categories, Python, Java
// and JavaScript (LoadBFCL, ScoreBFCL, ScoreBFCLWith, BFCLOptions), SQuAD
// v1.1's answer normalization, exact match and token F1 (NormalizeAnswer,
// ExactMatch, TokenF1), and Search-R1's format-aware reward (SearchR1,
// SearchR1Format). Scorers that mirror an evaluator written in Python
// lower-case text as Python's str.lower does (internal/pylower). Package
// reward/group scores whole groups of responses as GRPO-style trainers do.
package reward

import (
	"fmt"

	"github.com/dojo-rl/dojo"
)

// Parts computes a step's reward parts into a buffer it owns, so an env can
// report them with no allocation per step. The slice returned by Parts stays
// valid until the next Reset.
type Parts struct {
	parts []dojo.Part
}

// New resolves the profile in opts (the "reward" option) against the spec's
// components.
func New(spec *dojo.Spec, opts dojo.Options) (*Parts, error) {
	w, err := spec.Weights(opts[dojo.RewardOption])
	if err != nil {
		return nil, err
	}
	p := &Parts{parts: make([]dojo.Part, len(spec.Rewards))}
	for i, c := range spec.Rewards {
		p.parts[i] = dojo.Part{Name: c.Name, Weight: w[i]}
	}
	return p, nil
}

// MustNew is New for specs and options already validated by the registry.
func MustNew(spec *dojo.Spec, opts dojo.Options) *Parts {
	p, err := New(spec, opts)
	if err != nil {
		panic(fmt.Sprintf("reward: %v", err))
	}
	return p
}

// Reset sets every component's value to 0.
func (p *Parts) Reset() {
	for i := range p.parts {
		p.parts[i].Value = 0
	}
}

// Set sets the value of component i (its index in Spec.Rewards).
func (p *Parts) Set(i int, v float64) { p.parts[i].Value = v }

// Value returns the value of component i.
func (p *Parts) Value(i int) float64 { return p.parts[i].Value }

// Weight returns the weight of component i under the profile.
func (p *Parts) Weight(i int) float64 { return p.parts[i].Weight }

// Parts returns the components with their values and weights.
func (p *Parts) Parts() []dojo.Part { return p.parts }

// Sum returns the reward: the weighted sum of the components.
func (p *Parts) Sum() float64 { return dojo.Sum(p.parts) }

// Index returns the index of the named component in spec, or panics: envs
// call it once when building their component table.
func Index(spec *dojo.Spec, name string) int {
	for i, c := range spec.Rewards {
		if c.Name == name {
			return i
		}
	}
	panic(fmt.Sprintf("reward: %s has no component %q", spec.ID, name))
}

// Potential returns the potential-based shaping term of Ng, Harada and
// Russell (1999) for a transition s → s':
//
//	F(s, s') = γ·Φ(s') − Φ(s)
//
// with Φ(s') taken as 0 when s' is terminal. Adding F to any reward leaves
// the optimal policies of the MDP unchanged.
func Potential(gamma, phiS, phiNext float64, terminal bool) float64 {
	if terminal {
		phiNext = 0
	}
	return float64(gamma*phiNext) - phiS // no fused multiply-add: same bits everywhere
}

// MiniGrid returns MiniGrid's success reward 1 − 0.9·t/T for success after
// t steps of at most T, computed as MiniGrid's _reward computes it,
// 1 - 0.9 * (step_count / max_steps): the quotient first, then the product,
// then the difference, each rounded to float64, so that the result has the
// same bits as MiniGrid's (1 − (0.9·t)/T differs in the last bit on about a
// fifth of the pairs t ≤ T ≤ 1000).
func MiniGrid(t, maxSteps int) float64 {
	q := float64(t) / float64(maxSteps)
	return 1 - float64(0.9*q) // no fused multiply-add: same bits everywhere
}
