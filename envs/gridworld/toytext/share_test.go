package toytext

import (
	"context"
	"sync"
	"testing"

	"github.com/dojo-rl/dojo"
)

// TestToyWorldsAreShared checks that envs with the same map and dynamics
// share one read-only world, that different dynamics do not, and that
// stepping envs that share a world in parallel is safe (run with -race).
func TestToyWorldsAreShared(t *testing.T) {
	reg := toyRegistry(t)
	mk := func(id string, o dojo.Options) *Env {
		t.Helper()
		env, err := reg.Make(id, o)
		if err != nil {
			t.Fatal(err)
		}
		return env.(*Env)
	}
	a := mk("gridworld/FrozenLake-v1", dojo.Options{"map_name": "8x8", "text": true})
	b := mk("gridworld/FrozenLake-v1", dojo.Options{"map_name": "8x8"})
	c := mk("gridworld/FrozenLake-v1", dojo.Options{"map_name": "8x8", "is_slippery": false})
	d := mk("gridworld/FrozenLake-v1", dojo.Options{"map_name": "8x8", "gamma": 0.5})
	if a.w != b.w {
		t.Errorf("two 8x8 slippery FrozenLakes built two worlds")
	}
	if a.w == c.w || a.w == d.w {
		t.Errorf("FrozenLakes with other dynamics or shaping share a world")
	}
	if mk("gridworld/Taxi-v3", nil).w != mk("gridworld/Taxi-v3", dojo.Options{"text": true}).w {
		t.Errorf("two Taxis built two worlds")
	}
	if mk("gridworld/Taxi-v3", nil).w == mk("gridworld/Taxi-v3", dojo.Options{"is_rainy": true}).w {
		t.Errorf("a rainy Taxi shares the dry Taxi's world")
	}

	var wg sync.WaitGroup
	for i := range 8 {
		env := mk("gridworld/FrozenLake-v1", dojo.Options{"map_name": "8x8", "text": i%2 == 0})
		wg.Go(func() {
			ctx := context.Background()
			env.Reset(ctx, uint64(i))
			for k := range 2000 {
				s, err := env.Step(ctx, dojo.IndexAction(k%4))
				if err != nil {
					t.Error(err)
					return
				}
				if s.Done() {
					env.Reset(ctx, uint64(i+k))
				}
			}
		})
	}
	wg.Wait()
}

// TestToyWorldsBound checks that the cache of worlds keeps at most
// toyWorldsMax of them, evicting the least recently used, and that an env
// whose world was evicted still steps.
func TestToyWorldsBound(t *testing.T) {
	reg := toyRegistry(t)
	ctx := context.Background()
	var first *Env
	for i := range toyWorldsMax + 10 {
		env, err := reg.Make("gridworld/FrozenLake-v1", dojo.Options{"gamma": 0.5 + float64(i)/1000})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = env.(*Env)
		}
		if n := toyWorlds.Len(); n > toyWorldsMax {
			t.Fatalf("after %d worlds the cache holds %d, want at most %d", i+1, n, toyWorldsMax)
		}
	}
	env, err := reg.Make("gridworld/FrozenLake-v1", dojo.Options{"gamma": 0.5 + float64(toyWorldsMax+9)/1000})
	if err != nil {
		t.Fatal(err)
	}
	if n := toyWorlds.Len(); n != toyWorldsMax {
		t.Errorf("the cache holds %d worlds, want %d", n, toyWorldsMax)
	}
	again, err := reg.Make("gridworld/FrozenLake-v1", dojo.Options{"gamma": 0.5 + float64(toyWorldsMax+9)/1000})
	if err != nil {
		t.Fatal(err)
	}
	if env.(*Env).w != again.(*Env).w {
		t.Errorf("the most recent world was not kept")
	}
	if _, _, err := first.Reset(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := first.Step(ctx, dojo.IndexAction(1)); err != nil {
		t.Errorf("an env whose world was evicted: %v", err)
	}
}
