package toytext

import (
	"context"
	"testing"

	"github.com/dojo-rl/dojo"
)

// toyBench steps env with cycling actions, resetting when an episode ends.
func toyBench(b *testing.B, id string, opts dojo.Options) {
	env := toyMake(b, id, opts)
	ctx := context.Background()
	actions := make([]dojo.Action, env.w.nA)
	for i := range actions {
		actions[i] = dojo.IndexAction(i)
	}
	seed := uint64(1)
	if _, _, err := env.Reset(ctx, seed); err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		st, err := env.Step(ctx, actions[i])
		if err != nil {
			b.Fatal(err)
		}
		if i++; i == len(actions) {
			i = 0
		}
		if st.Done() {
			seed++
			if _, _, err := env.Reset(ctx, seed); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkFrozenLake8x8SlipperyStep(b *testing.B) { toyBench(b, fl8ID, nil) }

func BenchmarkCliffWalkingStep(b *testing.B) { toyBench(b, cwID, nil) }

func BenchmarkTaxiStep(b *testing.B) { toyBench(b, taxiID, nil) }

func BenchmarkFrozenLakeTextStep(b *testing.B) { toyBench(b, flID, dojo.Options{"text": true}) }

func BenchmarkTaxiRainyTextStep(b *testing.B) {
	toyBench(b, taxiID, dojo.Options{"is_rainy": true, "text": true})
}

func BenchmarkFrozenLakeWordStep(b *testing.B) {
	env := toyMake(b, fl8ID, nil)
	ctx := context.Background()
	words := []dojo.Action{dojo.TextAction("left"), dojo.TextAction(" Down"), dojo.TextAction("<answer>right</answer>"), dojo.TextAction("UP.")}
	if _, _, err := env.Reset(ctx, 1); err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		st, err := env.Step(ctx, words[i&3])
		if err != nil || st.Info.Invalid {
			b.Fatal(err, st.Info.Error)
		}
		i++
		if st.Done() {
			env.Reset(ctx, uint64(i))
		}
	}
}

func BenchmarkFrozenLake8x8SlipperyOracle(b *testing.B) {
	env := toyMake(b, fl8ID, nil)
	ctx := context.Background()
	env.Reset(ctx, 1)
	b.ReportAllocs()
	for b.Loop() {
		a, err := env.OracleAction(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if st, _ := env.Step(ctx, a); st.Done() {
			env.Reset(ctx, 2)
		}
	}
}
