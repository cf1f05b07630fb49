package minigrid

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/dojo-rl/dojo"
)

// mgBenchActions is a random action sequence (all seven actions equally
// likely), as a random agent steps.
var mgBenchActions = func() []dojo.Action {
	rng := rand.New(rand.NewPCG(1, 2))
	a := make([]dojo.Action, 4096)
	for i := range a {
		a[i] = dojo.IndexAction(rng.IntN(mgNumActs))
	}
	return a
}()

// mgBenchStep measures Step; the Resets that start new episodes are not
// timed (they are rare: the random agent seldom finds the goal).
func mgBenchStep(b *testing.B, id string, opts dojo.Options) {
	env, err := mgTestRegistry(b).Make(id, opts)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, 1); err != nil {
		b.Fatal(err)
	}
	seed := uint64(1)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		s, err := env.Step(ctx, mgBenchActions[i])
		if err != nil {
			b.Fatal(err)
		}
		if i++; i == len(mgBenchActions) {
			i = 0
		}
		if s.Done() {
			b.StopTimer()
			seed++
			if _, _, err := env.Reset(ctx, seed); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
}

// BenchmarkEmpty16x16Step steps Empty-16x16 with the structured
// egocentric observation (see-through walls, as MiniGrid's Empty).
func BenchmarkEmpty16x16Step(b *testing.B) { mgBenchStep(b, "gridworld/Empty-16x16-v0", nil) }

// BenchmarkEmpty16x16OccludedStep is the same with walls occluding the
// view (MiniGrid's process_vis), as in every other world.
func BenchmarkEmpty16x16OccludedStep(b *testing.B) {
	mgBenchStep(b, "gridworld/Empty-16x16-v0", dojo.Options{"see_through_walls": false})
}

func BenchmarkDoorKey8x8Step(b *testing.B) { mgBenchStep(b, "gridworld/DoorKey-8x8-v0", nil) }

func BenchmarkEmpty16x16TextStep(b *testing.B) {
	mgBenchStep(b, "gridworld/Empty-16x16-v0", dojo.Options{"text": true})
}

func BenchmarkEmpty16x16FullStep(b *testing.B) {
	mgBenchStep(b, "gridworld/Empty-16x16-v0", dojo.Options{"obs": "full"})
}

func BenchmarkMaze25x25Reset(b *testing.B) {
	env, err := mgTestRegistry(b).Make("gridworld/Maze-25x25-v0", nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	seed := uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		seed++
		if _, _, err := env.Reset(ctx, seed); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDoorKey16x16Oracle runs whole oracle episodes: planning at
// Reset and following the plan.
func BenchmarkDoorKey16x16Oracle(b *testing.B) {
	env, err := mgTestRegistry(b).Make("gridworld/DoorKey-16x16-v0", nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	o := env.(dojo.Oracle)
	seed := uint64(0)
	b.ReportAllocs()
	for b.Loop() {
		seed++
		if _, _, err := env.Reset(ctx, seed); err != nil {
			b.Fatal(err)
		}
		for {
			a, err := o.OracleAction(ctx)
			if err != nil {
				b.Fatal(err)
			}
			s, err := env.Step(ctx, a)
			if err != nil {
				b.Fatal(err)
			}
			if s.Done() {
				break
			}
		}
	}
}
