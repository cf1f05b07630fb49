package audit

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// Rewards returns the reward of every outcome of the model (ModelParts
// numbering) under the profile, on steps before the step limit.
func (m *Model) Rewards(p Profile) ([]float64, error) {
	if len(p.Weights) != len(m.Parts.Components) {
		return nil, fmt.Errorf("audit: profile %q has %d weights for %d components", p.Name, len(p.Weights), len(m.Parts.Components))
	}
	if u := m.Unmodelled(p); u != nil {
		return nil, unmodelledError(p, u)
	}
	for c, w := range p.Weights {
		if w != 0 && m.scaled(c) {
			return nil, fmt.Errorf("audit: profile %q weighs %s, which depends on the step count; the STARC distance compares rewards R(s, a, s') of the state alone: give weights without it", p.Name, m.Parts.Components[c])
		}
	}
	return m.rewards(p.Weights, false), nil
}

// Outcomes is the number of outcomes of the model.
func (m *Model) Outcomes() int { return m.first[len(m.first)-1] }

// UniformValues returns V^π of the uniformly random policy π for rewards r
// (one per outcome) with discount gamma: V(s) = (1/|A|) Σ_a Σ_k p_k
// (r_k + γ·V(s'_k)), with V(s'_k) = 0 on a terminating outcome. It
// iterates to a change below 1e-14·max(1, max|V|).
func (m *Model) UniformValues(r []float64, gamma float64) ([]float64, error) {
	mdp := m.MDP
	if len(r) != m.Outcomes() {
		return nil, fmt.Errorf("audit: %d rewards for %d outcomes", len(r), m.Outcomes())
	}
	if !(gamma >= 0 && gamma < 1) {
		return nil, fmt.Errorf("audit: STARC distances need a discount in [0, 1), got %v", gamma)
	}
	v := make([]float64, mdp.NS)
	inv := 1 / float64(mdp.NA)
	for iter := 0; iter < 1_000_000; iter++ {
		delta, scale := 0.0, 1.0
		for s := range mdp.NS {
			// One sum over every action's outcomes (in this order, for
			// the same bits as ever).
			var x float64
			for a := range mdp.NA {
				i := m.first[s*mdp.NA+a]
				for k, o := range mdp.P[s][a] {
					x += o.Prob * r[i+k]
					if !o.Terminated {
						x += o.Prob * gamma * v[o.Next]
					}
				}
			}
			x *= inv
			delta = max(delta, math.Abs(x-v[s]))
			scale = max(scale, math.Abs(x))
			v[s] = x
		}
		if delta < 1e-14*scale {
			return v, nil
		}
	}
	return nil, fmt.Errorf("audit: the values of the uniform policy did not converge (discount %v)", gamma)
}

// Canonicalize returns the Value-Adjusted Levelling canonicalisation of
// rewards r (one per outcome), for each state and action (index s·|A|+a):
//
//	c(R)(s, a) = E_{S'~τ(s,a)}[R(s, a, S') + γ·V^π(S')] − V^π(s)
//
// with π the uniformly random policy and V^π(S') = 0 when the outcome
// terminates.
func (m *Model) Canonicalize(r []float64, gamma float64) ([]float64, error) {
	v, err := m.UniformValues(r, gamma)
	if err != nil {
		return nil, err
	}
	mdp := m.MDP
	c := make([]float64, mdp.NS*mdp.NA)
	for s := range mdp.NS {
		for a := range mdp.NA {
			c[s*mdp.NA+a] = m.backup(s, a, gamma, r, v) - v[s]
		}
	}
	return c, nil
}

// standardize returns c/‖c‖₂, or c when ‖c‖₂ = 0.
func standardize(c []float64) []float64 {
	var n float64
	for _, x := range c {
		n += x * x
	}
	n = math.Sqrt(n)
	out := make([]float64, len(c))
	for i, x := range c {
		if n > 0 {
			out[i] = x / n
		} else {
			out[i] = x
		}
	}
	return out
}

// Distance returns the STARC distance between rewards r1 and r2 (one per
// outcome): ½·‖s(R1) − s(R2)‖₂ with s(R) = c(R)/‖c(R)‖₂ (s(R) = 0 when
// c(R) = 0) and c the Value-Adjusted Levelling of Canonicalize. It lies in
// [0, 1]: 0 when the rewards differ by potential shaping and positive
// scaling, 1 when one is the other negated.
func (m *Model) Distance(r1, r2 []float64, gamma float64) (float64, error) {
	c1, err := m.Canonicalize(r1, gamma)
	if err != nil {
		return 0, err
	}
	c2, err := m.Canonicalize(r2, gamma)
	if err != nil {
		return 0, err
	}
	s1, s2 := standardize(c1), standardize(c2)
	var d float64
	for i := range s1 {
		x := s1[i] - s2[i]
		d += x * x
	}
	return math.Sqrt(d) / 2, nil
}

// Table is a user's reward table R(s, a, s') in JSON:
//
//	{"default": 0, "rewards": [[s, a, s', r], ...]}
//
// Each entry gives the reward of the transitions from state s under action
// a to state s' (every outcome of P[s][a] with next state s'); transitions
// not listed get "default" (0 when absent). States and actions are the
// model's numbers (dojo.MDP), and every entry must name a transition the
// model can make.
type Table struct {
	Default *float64     `json:"default"`
	Rewards [][4]float64 `json:"rewards"`
}

// ReadTable reads a Table from a JSON file.
func ReadTable(path string) (*Table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var t Table
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: want {\"default\": number, \"rewards\": [[s, a, next_state, reward], ...]}: %v", path, err)
	}
	if t.Rewards == nil {
		return nil, fmt.Errorf("%s: no \"rewards\" list of [s, a, next_state, reward]", path)
	}
	return &t, nil
}

// TableRewards returns the reward of every outcome of the model under the
// table.
func (m *Model) TableRewards(t *Table) ([]float64, error) {
	mdp := m.MDP
	def := 0.0
	if t.Default != nil {
		def = *t.Default
	}
	type key struct{ s, a, next int }
	set := map[key]float64{}
	for i, e := range t.Rewards {
		k := key{int(e[0]), int(e[1]), int(e[2])}
		if float64(k.s) != e[0] || float64(k.a) != e[1] || float64(k.next) != e[2] {
			return nil, fmt.Errorf("reward table entry %d %v: s, a and next_state must be integers", i, e)
		}
		if k.s < 0 || k.s >= mdp.NS || k.next < 0 || k.next >= mdp.NS || k.a < 0 || k.a >= mdp.NA {
			return nil, fmt.Errorf("reward table entry %d %v: states are 0..%d and actions 0..%d", i, e, mdp.NS-1, mdp.NA-1)
		}
		if math.IsNaN(e[3]) || math.IsInf(e[3], 0) {
			return nil, fmt.Errorf("reward table entry %d %v: the reward is not finite", i, e)
		}
		if _, dup := set[k]; dup {
			return nil, fmt.Errorf("reward table entry %d %v: (%d, %d, %d) is listed twice", i, e, k.s, k.a, k.next)
		}
		found := false
		for _, o := range mdp.P[k.s][k.a] {
			if o.Next == k.next && o.Prob > 0 {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("reward table entry %d %v: action %d in state %d never leads to state %d", i, e, k.a, k.s, k.next)
		}
		set[k] = e[3]
	}
	r := make([]float64, m.Outcomes())
	for s := range mdp.NS {
		for a := range mdp.NA {
			i := m.first[s*mdp.NA+a]
			for k, o := range mdp.P[s][a] {
				x, ok := set[key{s, a, o.Next}]
				if !ok {
					x = def
				}
				r[i+k] = x
			}
		}
	}
	return r, nil
}

// backup is the expected one-step return of action a in state s: the
// outcomes' rewards r (indexed as Rewards gives them) plus gamma times the
// value v of the next state where the outcome does not end the episode.
func (m *Model) backup(s, a int, gamma float64, r, v []float64) float64 {
	i := m.first[s*m.MDP.NA+a]
	var x float64
	for k, o := range m.MDP.P[s][a] {
		x += o.Prob * r[i+k]
		if !o.Terminated {
			x += o.Prob * gamma * v[o.Next]
		}
	}
	return x
}
