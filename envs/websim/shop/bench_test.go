package shop

import (
	"context"
	"testing"

	"github.com/dojo-rl/dojo"
)

// benchResets returns a function resetting env to the next of 512 seeds,
// its catalog made up front.
func benchResets(b *testing.B, env *Env) func() {
	env.catalog()
	seed := uint64(0)
	return func() {
		if _, _, err := env.Reset(context.Background(), seed%512); err != nil {
			b.Fatal(err)
		}
		seed++
	}
}

func BenchmarkShopReset(b *testing.B) {
	reset := benchResets(b, makeShop(b, nil))
	b.ReportAllocs()
	for b.Loop() {
		reset()
	}
}

func BenchmarkShopStepSearch(b *testing.B) {
	env := makeShop(b, nil)
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, 1); err != nil {
		b.Fatal(err)
	}
	search := dojo.TextAction("search[" + env.g.Instruction + "]")
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		if _, _, err := env.Reset(ctx, 1); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if st, err := env.Step(ctx, search); err != nil || st.Info.Invalid {
			b.Fatal(err, st.Info.Error)
		}
	}
}

func BenchmarkShopStepClick(b *testing.B) {
	env := makeShop(b, dojo.Options{"max_steps": 500})
	ctx := context.Background()
	clicks := []dojo.Action{dojo.TextAction("click[Next >]"), dojo.TextAction("click[< Prev]")}
	reset := func() {
		if _, _, err := env.Reset(ctx, 1); err != nil {
			b.Fatal(err)
		}
		env.Step(ctx, dojo.TextAction("search["+env.g.Instruction+"]"))
	}
	reset()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		st, err := env.Step(ctx, clicks[i%2])
		if err != nil || st.Info.Invalid {
			b.Fatal(err, st.Info.Error)
		}
		if i++; st.Done() {
			b.StopTimer()
			reset()
			i = 0
			b.StartTimer()
		}
	}
}

func BenchmarkShopOracleEpisode(b *testing.B) {
	env := makeShop(b, nil)
	ctx := context.Background()
	reset := benchResets(b, env)
	b.ReportAllocs()
	for b.Loop() {
		reset()
		for {
			a, _ := env.OracleAction(ctx)
			st, err := env.Step(ctx, a)
			if err != nil {
				b.Fatal(err)
			}
			if st.Done() {
				if !st.Info.Success {
					b.Fatal("oracle failed")
				}
				break
			}
		}
	}
}

func BenchmarkShopCatalog(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		generateCatalog(catalogConfig{Products: 1000, Variants: 2})
	}
}

func BenchmarkTokenSetRatio(b *testing.B) {
	pa, pb := fuzzTokens("wrinkle resistant"), fuzzTokens("slip resistant")
	b.ReportAllocs()
	for b.Loop() {
		tokenSetRatioOf(pa, pb)
	}
}
