package render_test

import (
	"image"
	"io"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/render"
)

// BenchmarkFrame draws the frames of an episode of each kind, in turn.
func BenchmarkFrame(b *testing.B) {
	for _, c := range []struct {
		name, id, agent string
		opts            dojo.Options
	}{
		{"minigrid-doorkey8", "gridworld/DoorKey-8x8-v0", "oracle", nil},
		{"minigrid-maze25", "gridworld/Maze-25x25-v0", "oracle", nil},
		{"tiles-frozenlake8", "gridworld/FrozenLake8x8-v1", "oracle", nil},
		{"taxi", "gridworld/Taxi-v3", "oracle", nil},
		{"bandit-10arms-1000", "bandit/Bernoulli-10-v0", "thompson", nil},
		{"transcript-toolcall", "toolcall/Bank-v0", "oracle", nil},
	} {
		b.Run(c.name, func(b *testing.B) {
			ep := episode(b, c.id, c.agent, 2, c.opts)
			r, err := render.NewReplay(ep)
			if err != nil {
				b.Fatal(err)
			}
			dst := image.NewRGBA(r.Bounds())
			k := 0
			b.ReportAllocs()
			for b.Loop() {
				r.Draw(dst, k)
				k = (k + 1) % r.Len()
			}
		})
	}
}

// BenchmarkGIF encodes the GIF of a whole long episode: a 1000-step
// bandit episode (1001 frames) and a 900-step random walk in a 15x15 maze.
// The time per op is the time for the whole GIF.
func BenchmarkGIF(b *testing.B) {
	for _, c := range []struct{ name, id, agent string }{
		{"bandit-1000-steps", "bandit/Bernoulli-10-v0", "thompson"},
		{"maze15-900-steps", "gridworld/Maze-15x15-v0", "random"},
	} {
		b.Run(c.name, func(b *testing.B) {
			ep := episode(b, c.id, c.agent, 3, nil)
			r, err := render.NewReplay(ep)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := render.WriteGIF(io.Discard, r, render.GIFOptions{FPS: 20}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.Len()), "frames")
		})
	}
}

// BenchmarkNewReplay decodes the recorded states of an episode of each
// state kind into the frames' states.
func BenchmarkNewReplay(b *testing.B) {
	for _, c := range []struct{ name, id, agent string }{
		{"minigrid-maze25", "gridworld/Maze-25x25-v0", "oracle"},
		{"tiles-frozenlake8", "gridworld/FrozenLake8x8-v1", "oracle"},
		{"taxi", "gridworld/Taxi-v3", "oracle"},
		{"bandit-10arms-1000", "bandit/Bernoulli-10-v0", "thompson"},
	} {
		b.Run(c.name, func(b *testing.B) {
			ep := episode(b, c.id, c.agent, 2, nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := render.NewReplay(ep); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
