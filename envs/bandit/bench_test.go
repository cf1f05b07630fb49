package bandit

import (
	"context"
	"testing"

	"github.com/dojo-rl/dojo"
)

func benchStep(b *testing.B, id string, opts dojo.Options, text bool) {
	r := new(dojo.Registry)
	if err := Register(r); err != nil {
		b.Fatal(err)
	}
	env, err := r.Make(id, opts)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, 1); err != nil {
		b.Fatal(err)
	}
	k := env.Spec().Action.N
	actions := make([]dojo.Action, k)
	for i := range actions {
		actions[i] = dojo.IndexAction(i)
		if text {
			actions[i] = dojo.TextAction("<answer>" + armName(i) + "</answer>")
		}
	}
	seed := uint64(1)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		s, err := env.Step(ctx, actions[i])
		if err != nil {
			b.Fatal(err)
		}
		if i++; i == k {
			i = 0
		}
		if s.Terminated || s.Truncated {
			seed++
			env.Reset(ctx, seed)
		}
	}
}

// BenchmarkBernoulli10Step steps bandit/Bernoulli-10-v0 with index actions
// and structured observations: the hot path, which must not allocate.
func BenchmarkBernoulli10Step(b *testing.B) {
	benchStep(b, "bandit/Bernoulli-10-v0", nil, false)
}

// BenchmarkLinear10Step steps bandit/Linear-10-v0 (d=5): new features for
// every arm each step.
func BenchmarkLinear10Step(b *testing.B) {
	benchStep(b, "bandit/Linear-10-v0", nil, false)
}

// BenchmarkBernoulli10TextStep steps bandit/Bernoulli-10-v0 with text=true
// and text actions in <answer> tags: parsing plus the text observation.
func BenchmarkBernoulli10TextStep(b *testing.B) {
	benchStep(b, "bandit/Bernoulli-10-v0", dojo.Options{"text": true}, true)
}

// BenchmarkDrifting10Step steps bandit/Drifting-10-v0: every mean moves each step.
func BenchmarkDrifting10Step(b *testing.B) {
	benchStep(b, "bandit/Drifting-10-v0", nil, false)
}
