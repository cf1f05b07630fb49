package gridworld

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dojo-rl/dojo"
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
		e := ego.(*mgEnv)
		ctx := context.Background()
		for seed := range uint64(3) {
			ego.Reset(ctx, seed)
			obs, _, _ := full.Reset(ctx, seed)
			rng := rand.New(rand.NewPCG(seed, 5))
			for step := 0; step < 60; step++ {
				s := e.State().(*MiniGridState)
				img := obs.Value.(*MiniGridObs).Image
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

// TestToyTextState checks that the toy-text states place the agent on the
// cell of the observed state index, on the world's map.
func TestToyTextState(t *testing.T) {
	t.Parallel()
	var reg dojo.Registry
	if err := registerToyText(&reg); err != nil {
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
			case *TilesState:
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
			case *TaxiState:
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
