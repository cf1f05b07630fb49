package toytext

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/state"
)

// TestToyTextState checks that the toy-text states place the agent on the
// cell of the observed state index, on the world's map.
func TestToyTextState(t *testing.T) {
	t.Parallel()
	var reg dojo.Registry
	if err := Register(&reg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range reg.IDs() {
		env, err := reg.Make(id, nil)
		if err != nil {
			t.Fatal(err)
		}
		obs, _, _ := env.Reset(ctx, 4)
		rng := rand.New(rand.NewPCG(4, 4))
		for range 40 {
			s := obs.Value.(int)
			switch st := env.(dojo.Stater).State().(type) {
			case *state.Tiles:
				cols := len(st.Map[0])
				if st.Kind != "tiles" || st.Agent != [2]int{s % cols, s / cols} {
					t.Fatalf("%s: state %d described as %+v", id, s, st)
				}
				if id == "gridworld/CliffWalking-v0" && (st.Map[3] != "SCCCCCCCCCCG" || len(st.Map) != 4) {
					t.Fatalf("%s: map %q", id, st.Map)
				}
				if id == "gridworld/FrozenLake-v1" && !slices.Equal(st.Map, flMaps["4x4"]) {
					t.Fatalf("%s: map %q", id, st.Map)
				}
			case *state.Taxi:
				row, col, pass, dest := taxiDecode(s)
				if st.Kind != "taxi" || st.Taxi != [2]int{col, row} || st.Passenger != pass || st.Destination != dest || !slices.Equal(st.Map, taxiMap) {
					t.Fatalf("%s: state %d described as %+v", id, s, st)
				}
			default:
				t.Fatalf("%s: State is a %T", id, st)
			}
			step, err := env.Step(ctx, dojo.IndexAction(rng.IntN(env.Spec().Action.N)))
			if err != nil {
				t.Fatal(err)
			}
			if step.Done() {
				break
			}
			obs = step.Obs
		}
	}
}
