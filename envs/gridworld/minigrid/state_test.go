package minigrid

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/state"
)

// TestMiniGridState checks that the state describes the whole world: its
// grid with the agent drawn on it is the full observation of an env with
// obs=full on the same seed and actions, and the agent, heading, carried
// object and mission are the env's.
func TestMiniGridState(t *testing.T) {
	t.Parallel()
	reg := mgTestRegistry(t)
	for _, id := range mgIDs(t) {
		if id == "gridworld/Custom-v0" {
			continue
		}
		ego, err := reg.Make(id, nil)
		if err != nil {
			t.Fatal(err)
		}
		full, err := reg.Make(id, dojo.Options{"obs": "full"})
		if err != nil {
			t.Fatal(err)
		}
		e := ego.(*Env)
		ctx := context.Background()
		for seed := range uint64(3) {
			ego.Reset(ctx, seed)
			obs, _, _ := full.Reset(ctx, seed)
			rng := rand.New(rand.NewPCG(seed, 5))
			for step := 0; step < 60; step++ {
				s := e.State().(*state.MiniGrid)
				img := obs.Value.(*Obs).Image
				got := slices.Clone(s.Grid)
				x, y := s.Agent[0], s.Agent[1]
				copy(got[(x*s.Height+y)*3:], []int8{mgAgent, mgRed, int8(s.Dir)})
				if !slices.Equal(got, img) {
					t.Fatalf("%s seed %d step %d: the state's grid with the agent is not the full observation", id, seed, step)
				}
				if s.Kind != "minigrid" || s.Width*s.Height*3 != len(s.Grid) || s.Dir != e.dir || s.Mission != e.mission || s.View != 7 {
					t.Fatalf("%s seed %d step %d: state %+v", id, seed, step, s)
				}
				if (s.Carrying != nil) != (e.carried.Type != 0) || (s.Carrying != nil && *s.Carrying != e.carried.code()) {
					t.Fatalf("%s seed %d step %d: carrying %v, env carries %+v", id, seed, step, s.Carrying, e.carried)
				}
				a := dojo.IndexAction(rng.IntN(mgNumActs))
				st, err := ego.Step(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				fst, _ := full.Step(ctx, a)
				obs = fst.Obs
				if st.Done() {
					break
				}
			}
		}
	}
}
