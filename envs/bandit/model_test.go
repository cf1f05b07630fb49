package bandit

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// TestWorldModelMatchesSteps builds the model of an instance and replays
// episodes of another env of the same instance along it (random pulls, a
// mix with the best arm, the oracle's): every step's success and regret
// are the model's outcome's, the payout is one of the outcomes' (Bernoulli,
// with the outcome's probability μ_a) or their mean (Gaussian), and the
// state's step count is the episode's.
func TestWorldModelMatchesSteps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		id   string
		opts dojo.Options
		seed uint64
	}{
		{"bandit/Bernoulli-2-v0", dojo.Options{"horizon": 40}, 0},
		{"bandit/Bernoulli-5-v0", dojo.Options{"horizon": 57}, 3},
		{"bandit/Bernoulli-10-v0", dojo.Options{"horizon": 30, "gap": 0.2}, 1},
		{"bandit/Gaussian-10-v0", dojo.Options{"horizon": 25}, 2},
	} {
		e := makeEnv(t, c.id, c.opts)
		m, p, err := e.WorldModel(ctx, c.seed, 100_000)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Check(); err != nil {
			t.Fatal(err)
		}
		if err := p.Check(m); err != nil {
			t.Fatal(err)
		}
		play := makeEnv(t, c.id, c.opts)
		nc := len(p.Components)
		first := make([]int, m.NS*m.NA)
		n := 0
		for s := range m.NS {
			for a := range m.NA {
				first[s*m.NA+a] = n
				n += len(m.P[s][a])
			}
		}
		rng := rand.New(rand.NewPCG(c.seed, 9))
		successes := 0
		for ep := range 40 {
			reset(t, play, c.seed)
			best := play.Means()
			s := 0
			for t1 := 1; ; t1++ {
				if p.StateSteps[s] != t1-1 {
					t.Fatalf("%s: state %d counts %d steps, the episode %d", c.id, s, p.StateSteps[s], t1-1)
				}
				a := rng.IntN(play.k)
				if ep%4 == 0 || (ep%2 == 1 && rng.IntN(4) > 0) {
					a = play.best
				}
				st, err := play.Step(ctx, dojo.Action{Kind: dojo.ActIndex, Index: a})
				if err != nil {
					t.Fatal(err)
				}
				outs := m.P[s][a]
				i := first[s*m.NA+a]
				found := false
				for k, o := range outs {
					v := p.Values[(i+k)*nc:]
					if v[cSuccess] != st.Info.Parts[cSuccess].Value || v[cRegret] != st.Info.Parts[cRegret].Value || v[cInvalid] != 0 {
						t.Fatalf("%s episode %d step %d arm %d: parts %v, model %v", c.id, ep, t1, a, st.Info.Parts, v[:nc])
					}
					switch {
					case play.kind == kindGaussian:
						found = v[cPayout] == best[a] && o.Prob == 1
					case v[cPayout] == st.Info.Parts[cPayout].Value:
						want := best[a]
						if v[cPayout] == 0 {
							want = 1 - best[a]
						}
						if o.Prob != want {
							t.Fatalf("%s arm %d: payout %v has probability %v in the model, want %v", c.id, a, v[cPayout], o.Prob, want)
						}
						found = true
					}
				}
				if !found {
					t.Fatalf("%s step %d arm %d: payout %v not among the model's outcomes %v", c.id, t1, a, st.Info.Parts[cPayout].Value, outs)
				}
				if st.Info.Success {
					successes++
				}
				if st.Truncated {
					if outs[0].Next != m.NS-1 {
						t.Fatalf("%s: the horizon's step goes to state %d, not the end", c.id, outs[0].Next)
					}
					break
				}
				s = outs[0].Next
			}
		}
		if successes < 10 {
			t.Errorf("%s: %d successes in 40 episodes, want the best-arm episodes' 10 at least", c.id, successes)
		}
	}
}

func TestWorldModelRefusals(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"bandit/Drifting-10-v0", "bandit/Linear-10-v0"} {
		_, _, err := makeEnv(t, id, nil).WorldModel(context.Background(), 0, 1000)
		if err == nil || !strings.Contains(err.Error(), "no exact model") {
			t.Errorf("%s: %v, want no exact model", id, err)
		}
	}
	_, _, err := makeEnv(t, "bandit/Bernoulli-2-v0", dojo.Options{"horizon": 100}).WorldModel(context.Background(), 0, 100)
	if err == nil || !strings.Contains(err.Error(), "146 states (horizon 100), above the cap of the exact model, 100") {
		t.Errorf("cap: %v", err)
	}
}
