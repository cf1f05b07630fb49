package audit

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/dojo-rl/dojo"
)

// MaxStateSteps caps the size of an audit: states × step limit. Each
// profile's backward induction visits every (state, step) pair once per
// action, keeping two layers of values, so the cap bounds the time, not
// the memory.
const MaxStateSteps = 200_000_000

// Profile is a weighting of an env's reward components.
type Profile struct {
	// Name is the profile's name, or a description of custom weights.
	Name string `json:"name"`
	// Weights are the component weights, in ModelParts.Components order.
	Weights []float64 `json:"-"`
}

// Model is an env's exact model with its reward components: the input of
// Audit and Distance.
type Model struct {
	MDP   *dojo.MDP
	Parts *dojo.ModelParts
	// first[s*NA+a] is the index of the first outcome of P[s][a] among all
	// outcomes (ModelParts numbering).
	first []int
}

// NewModel checks m and p against each other and returns the model.
func NewModel(m *dojo.MDP, p *dojo.ModelParts) (*Model, error) {
	if m == nil || p == nil {
		return nil, errors.New("audit: no model")
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	if err := p.Check(m); err != nil {
		return nil, err
	}
	first := make([]int, m.NS*m.NA+1)
	i := 0
	for s := range m.NS {
		for a := range m.NA {
			first[s*m.NA+a] = i
			i += len(m.P[s][a])
		}
	}
	first[m.NS*m.NA] = i
	return &Model{MDP: m, Parts: p, first: first}, nil
}

// component returns the index of the named component, or -1.
func (m *Model) component(name string) int {
	for i, c := range m.Parts.Components {
		if c == name {
			return i
		}
	}
	return -1
}

// Sparse returns the profile of the sparse task: success weighted 1.
func (m *Model) Sparse() (Profile, error) {
	c := m.component(dojo.SuccessComponent)
	if c < 0 {
		return Profile{}, fmt.Errorf("audit: the model has no %q component", dojo.SuccessComponent)
	}
	w := make([]float64, len(m.Parts.Components))
	w[c] = 1
	return Profile{Name: "sparse", Weights: w}, nil
}

// rewards returns the reward of every outcome under weights, on a step
// before the limit (last false) or on the last step, leaving out the
// components that depend on the step count (see stepRewards).
func (m *Model) rewards(weights []float64, last bool) []float64 {
	vals := m.Parts.Values
	if last && m.Parts.Truncated != nil {
		vals = m.Parts.Truncated
	}
	nc := len(m.Parts.Components)
	r := make([]float64, len(vals)/nc)
	for i := range r {
		var x float64
		for c, w := range weights {
			if w != 0 && !m.scaled(c) {
				x += w * vals[i*nc+c]
			}
		}
		r[i] = x
	}
	return r
}

// scaled reports whether component c depends on the step count.
func (m *Model) scaled(c int) bool {
	return m.Parts.StepScale != nil && m.Parts.StepScale[c] != nil
}

// stepRewards gives the rewards of a profile at each step: the
// components that do not depend on the step count, and, for each one that
// does and has a weight, its weighted values to scale.
type stepRewards struct {
	base, baseLast []float64
	scale          [][]float64 // the step scales of the weighted scaled components
	vals, valsLast [][]float64 // their weighted values per outcome
	buf            []float64
}

func (m *Model) stepRewards(weights []float64) *stepRewards {
	r := &stepRewards{base: m.rewards(weights, false), baseLast: m.rewards(weights, true)}
	nc := len(m.Parts.Components)
	for c, w := range weights {
		if w == 0 || !m.scaled(c) {
			continue
		}
		col := func(vals []float64) []float64 {
			out := make([]float64, len(vals)/nc)
			for i := range out {
				out[i] = w * vals[i*nc+c]
			}
			return out
		}
		v := col(m.Parts.Values)
		vl := v
		if m.Parts.Truncated != nil {
			vl = col(m.Parts.Truncated)
		}
		r.scale = append(r.scale, m.Parts.StepScale[c])
		r.vals, r.valsLast = append(r.vals, v), append(r.valsLast, vl)
	}
	if r.scale != nil {
		r.buf = make([]float64, len(r.base))
	}
	return r
}

// at returns the rewards of the step taken after t steps (0 ≤ t < T), the
// last step when last is set. The slice is valid until the next call.
func (r *stepRewards) at(t int, last bool) []float64 {
	base, vals := r.base, r.vals
	if last {
		base, vals = r.baseLast, r.valsLast
	}
	if r.scale == nil {
		return base
	}
	copy(r.buf, base)
	for j, v := range vals {
		f := r.scale[j][t]
		for i, x := range v {
			r.buf[i] += f * x
		}
	}
	return r.buf
}

// Unmodelled returns the components p weighs that the model does not give
// (dojo.ModelParts.Unmodelled).
func (m *Model) Unmodelled(p Profile) []string {
	var out []string
	for _, u := range m.Parts.Unmodelled {
		if c := m.component(u); c >= 0 && c < len(p.Weights) && p.Weights[c] != 0 {
			out = append(out, u)
		}
	}
	return out
}

// Modelled splits profiles into those the model can analyse and those
// that weigh a component it does not give, which it returns in skipped
// with those components.
func (m *Model) Modelled(profiles []Profile) (ok []Profile, skipped []Skipped) {
	for _, p := range profiles {
		if u := m.Unmodelled(p); u != nil {
			skipped = append(skipped, Skipped{Profile: p.Name, Components: u})
			continue
		}
		ok = append(ok, p)
	}
	return ok, skipped
}

// Skipped is a profile left out of an audit: it weighs components the
// model does not give.
type Skipped struct {
	Profile    string   `json:"profile"`
	Components []string `json:"components"`
}

// unmodelledError is the error of a profile that weighs components the
// model does not give.
func unmodelledError(p Profile, u []string) error {
	return fmt.Errorf("audit: profile %q weighs %s, which the model does not give (%s depends on the episode's history, not only on the state and the step count); give weights without it", p.Name, strings.Join(u, ", "), strings.Join(u, ", "))
}

// Row is the audit of one profile.
type Row struct {
	Profile string             `json:"profile"`
	Weights map[string]float64 `json:"weights"`
	// Success is the probability that the profile's optimal policy
	// succeeds within the step limit, from the initial distribution.
	Success float64 `json:"success"`
	// Return is the expected discounted sparse return (Σ γ^t success_t)
	// of the profile's optimal policy.
	Return float64 `json:"return"`
	// Loss is the sparse optimum's return minus Return (0 when the
	// profile's optimal policy is optimal for the sparse task).
	Loss float64 `json:"loss"`
	// SuccessChange is Success minus the sparse optimum's success.
	SuccessChange float64 `json:"success_change"`
	// Suboptimal counts the (state, steps taken) pairs where the profile's
	// optimal action is not optimal for the sparse task (reachable from
	// the start or not; pairs that dojo.ModelParts.StateSteps rules out
	// are not counted).
	Suboptimal int `json:"suboptimal_decisions"`
	// Preserves is true when the profile's optimal policy is optimal for
	// the sparse task in every state at every step: Suboptimal is 0.
	Preserves bool `json:"preserves"`
	// Verdict says it in words.
	Verdict string `json:"verdict"`
}

// Report is an audit of profiles on one env.
type Report struct {
	Env      string `json:"env,omitempty"`
	States   int    `json:"states"`
	Actions  int    `json:"actions"`
	MaxSteps int    `json:"max_steps"`
	// Pairs is the number of (state, steps taken) pairs solved.
	Pairs int     `json:"pairs"`
	Gamma float64 `json:"gamma"`
	// Optimum is the sparse task's optimal policy: its success
	// probability and expected discounted sparse return.
	Optimum  Row   `json:"sparse_optimum"`
	Profiles []Row `json:"profiles"`
	// Skipped lists profiles left out because they weigh components the
	// model does not give (filled in by callers that use Modelled).
	Skipped []Skipped `json:"skipped,omitempty"`
}

// Tol is the tolerance of the comparison of values: an action is
// optimal for the sparse task when its value is within Tol·max(1, |V*|) of
// the best.
const Tol = 1e-9

// Audit solves the finite-horizon MDP of m (the state extended with the
// number of steps taken, 0..MaxSteps-1; the step that reaches the limit
// uses the truncated values of the components) under each profile by
// backward induction with discount gamma, and evaluates each profile's
// optimal policy on the sparse task.
func Audit(m *Model, gamma float64, profiles []Profile) (*Report, error) {
	if !(gamma >= 0 && gamma <= 1) {
		return nil, fmt.Errorf("audit: gamma %v is not in [0, 1]", gamma)
	}
	mdp, T := m.MDP, m.Parts.MaxSteps
	if n := m.Pairs(); n > MaxStateSteps {
		return nil, fmt.Errorf("audit: %d states × %d steps = %.3g (state, step) pairs, above the cap of %d: lower max_steps or use a smaller world", mdp.NS, T, n, MaxStateSteps)
	}
	sparse, err := m.Sparse()
	if err != nil {
		return nil, err
	}
	rep := &Report{States: mdp.NS, Actions: mdp.NA, MaxSteps: T, Pairs: int(m.Pairs()), Gamma: gamma}
	sp := m.solve(gamma, sparse, sparse)
	rep.Optimum = m.row(sparse, sp, sp)
	for _, p := range profiles {
		if len(p.Weights) != len(m.Parts.Components) {
			return nil, fmt.Errorf("audit: profile %q has %d weights for %d components", p.Name, len(p.Weights), len(m.Parts.Components))
		}
		if u := m.Unmodelled(p); u != nil {
			return nil, unmodelledError(p, u)
		}
		rep.Profiles = append(rep.Profiles, m.row(p, m.solve(gamma, p, sparse), sp))
	}
	return rep, nil
}

// Pairs is the number of (state, steps taken) pairs the audit solves:
// states × MaxSteps, less the pairs dojo.ModelParts.StateSteps rules out.
func (m *Model) Pairs() float64 {
	T := float64(m.Parts.MaxSteps)
	if m.Parts.StateSteps == nil {
		return float64(m.MDP.NS) * T
	}
	var n float64
	for _, k := range m.Parts.StateSteps {
		if k < 0 {
			n += T
		} else if k < m.Parts.MaxSteps {
			n++
		}
	}
	return n
}

// solution is what solve finds from the initial distribution.
type solution struct {
	ret, success float64 // sparse return and success of the policy
	suboptimal   int
}

// solve finds an optimal policy of profile p by backward induction and
// evaluates it, at the same time, on the sparse task, whose optimal values
// it also computes to count the policy's suboptimal decisions. Ties go to
// the lowest action.
func (m *Model) solve(gamma float64, p, sparse Profile) solution {
	mdp, T, nS, nA := m.MDP, m.Parts.MaxSteps, m.MDP.NS, m.MDP.NA
	rp, rs := m.stepRewards(p.Weights), m.stepRewards(sparse.Weights)
	steps := m.Parts.StateSteps
	sc, nc := m.component(dojo.SuccessComponent), len(m.Parts.Components)
	// Layer t+1 (after the swap, t) of: the profile's optimal values, the
	// sparse optimal values, the policy's sparse values and its success
	// probabilities; all 0 at the step limit.
	vp, vs, vq, ps := make([]float64, nS), make([]float64, nS), make([]float64, nS), make([]float64, nS)
	np, ns, nq, nps := make([]float64, nS), make([]float64, nS), make([]float64, nS), make([]float64, nS)
	qs := make([]float64, nA)
	var sol solution
	for t := T - 1; t >= 0; t-- {
		last := t == T-1
		r, r2, succ := rp.at(t, last), rs.at(t, last), m.Parts.Values
		if last && m.Parts.Truncated != nil {
			succ = m.Parts.Truncated
		}
		for s := range nS {
			if steps != nil && steps[s] >= 0 && steps[s] != t {
				// The env is never in s after t steps.
				np[s], ns[s], nq[s], nps[s] = 0, 0, 0, 0
				continue
			}
			bestP, bestS, choice := math.Inf(-1), math.Inf(-1), 0
			for a := range nA {
				qp, q2 := m.backup(s, a, gamma, r, vp), m.backup(s, a, gamma, r2, vs)
				qs[a] = q2
				if qp > bestP {
					bestP, choice = qp, a
				}
				bestS = max(bestS, q2)
			}
			if qs[choice] < bestS-Tol*math.Max(1, math.Abs(bestS)) {
				sol.suboptimal++
			}
			np[s], ns[s] = bestP, bestS
			// The policy's sparse value and success probability.
			var q, pr float64
			i := m.first[s*nA+choice]
			for k, o := range mdp.P[s][choice] {
				q += o.Prob * r2[i+k]
				pr += o.Prob * succ[(i+k)*nc+sc]
				if !o.Terminated {
					q += o.Prob * gamma * vq[o.Next]
					pr += o.Prob * ps[o.Next]
				}
			}
			nq[s], nps[s] = q, pr
		}
		vp, np = np, vp
		vs, ns = ns, vs
		vq, nq = nq, vq
		ps, nps = nps, ps
	}
	for s, w := range mdp.InitialStateDistrib {
		if w > 0 {
			sol.ret += w * vq[s]
			sol.success += w * ps[s]
		}
	}
	return sol
}

// row reports profile p's solution against the sparse optimum opt.
func (m *Model) row(p Profile, sol, opt solution) Row {
	w := map[string]float64{}
	for c, x := range p.Weights {
		if x != 0 {
			w[m.Parts.Components[c]] = x
		}
	}
	r := Row{
		Profile: p.Name, Weights: w,
		Success: sol.success, Return: sol.ret,
		Loss:          opt.ret - sol.ret,
		SuccessChange: sol.success - opt.success,
		Suboptimal:    sol.suboptimal,
		Preserves:     sol.suboptimal == 0,
	}
	if math.Abs(r.Loss) < Tol*math.Max(1, math.Abs(opt.ret)) {
		r.Loss = 0
	}
	if math.Abs(r.SuccessChange) < Tol {
		r.SuccessChange = 0
	}
	switch {
	case r.Preserves:
		r.Verdict = "preserves the optimum"
	case r.Loss > 0:
		r.Verdict = fmt.Sprintf("changes the optimum: sparse return %.4g lower, success %+.2f points", r.Loss, 100*r.SuccessChange)
	default:
		r.Verdict = fmt.Sprintf("changes the optimum in %d (state, step) pairs off the start's optimal play", r.Suboptimal)
	}
	return r
}
