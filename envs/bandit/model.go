package bandit

import (
	"context"

	"github.com/dojo-rl/dojo"
)

var _ dojo.WorldModel = (*Env)(nil)

// WorldModel returns the exact model of the instance of Reset seed, for
// the Bernoulli and Gaussian bandits (the means of Drifting and Linear
// move with the world's random stream, which a finite model cannot
// follow). The arms' means are known to the model: it is the instance,
// not a learning problem. A state is what the components need besides the
// arm means: the number of pulls t taken and, in the success window (the
// last W = ⌈horizon/10⌉ steps), how many of its pulls were of a best arm;
// dojo.ModelParts.StateSteps gives t. The state after the horizon-th pull
// is an absorbing state, last. A pull of arm a pays 1 with probability μ_a
// and 0 otherwise (Bernoulli: two outcomes) or its mean μ_a (Gaussian: one
// outcome, whose payout is the expected payout; the noise changes no
// expected return). regret is −(μ* − μ_a), success 1 on the horizon-th
// pull when more than W/2 of the window's pulls were of a best arm.
// Invalid actions are not in the model. maxStates caps the states.
func (e *Env) WorldModel(ctx context.Context, seed uint64, maxStates int) (*dojo.MDP, *dojo.ModelParts, error) {
	if e.kind != kindBernoulli && e.kind != kindGaussian {
		return nil, nil, dojo.Errorf(dojo.CodeInvalid, "%s: no exact model: the %v bandit's means change with its random stream; only the Bernoulli and Gaussian bandits have one", e.spec.ID, e.kind)
	}
	if _, _, err := e.Reset(ctx, seed); err != nil {
		return nil, nil, err
	}
	H, W, K := e.horizon, e.window, e.k
	L := H - W // steps before the window
	// States: t < L (index t); L ≤ t < H with c ≤ t−L best pulls in the
	// window (index L + j(j+1)/2 + c, j = t−L); the end.
	idx := func(t, c int) int {
		if t < L {
			return t
		}
		j := t - L
		return L + j*(j+1)/2 + c
	}
	end := L + W*(W+1)/2
	nS := end + 1
	if nS > maxStates {
		return nil, nil, dojo.Errorf(dojo.CodeInvalid, "%s: %d states (horizon %d), above the cap of the exact model, %d; lower the horizon", e.spec.ID, nS, H, maxStates)
	}
	m := &dojo.MDP{NS: nS, NA: K, P: make([][][]dojo.Outcome, nS), InitialStateDistrib: make([]float64, nS)}
	m.InitialStateDistrib[0] = 1
	names := make([]string, len(components))
	for i, c := range components {
		names[i] = c.Name
	}
	nc := len(names)
	p := &dojo.ModelParts{Components: names, MaxSteps: H, Gamma: 1, StateSteps: make([]int, nS)}
	w := []float64{e.w.success, e.w.payout, e.w.regret, e.w.invalid}
	outcome := func(next int, prob float64, success, payout, regret float64) dojo.Outcome {
		v := make([]float64, nc)
		v[cSuccess], v[cPayout], v[cRegret] = success, payout, regret
		p.Values = append(p.Values, v...)
		var r float64
		for i, x := range v {
			r += float64(x * w[i])
		}
		return dojo.Outcome{Prob: prob, Next: next, Reward: r}
	}
	for t := range H {
		cs := 1
		if t >= L {
			cs = t - L + 1
		}
		for c := range cs {
			s := idx(t, c)
			p.StateSteps[s] = t
			m.P[s] = make([][]dojo.Outcome, K)
			for a := range K {
				mu := e.mu[a]
				c2 := c
				if t >= L && mu == e.muMax {
					c2++
				}
				next, success := end, 0.0
				if t+1 < H {
					next = idx(t+1, c2)
				} else if 2*c2 > W {
					success = 1
				}
				regret := 0.0 // not −0
				if mu != e.muMax {
					regret = -(e.muMax - mu)
				}
				var outs []dojo.Outcome
				switch {
				case e.kind == kindGaussian:
					outs = append(outs, outcome(next, 1, success, mu, regret))
				case mu >= 1:
					outs = append(outs, outcome(next, 1, success, 1, regret))
				case mu <= 0:
					outs = append(outs, outcome(next, 1, success, 0, regret))
				default:
					outs = append(outs, outcome(next, mu, success, 1, regret), outcome(next, 1-mu, success, 0, regret))
				}
				m.P[s][a] = outs
			}
		}
	}
	p.StateSteps[end] = H
	m.P[end] = make([][]dojo.Outcome, K)
	for a := range K {
		m.P[end][a] = []dojo.Outcome{outcome(end, 1, 0, 0, 0)}
	}
	return m, p, nil
}
