package minigrid

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/internal/race"
)

var mgRegistryOnce = sync.OnceValues(func() (*dojo.Registry, error) {
	var r dojo.Registry
	err := Register(&r)
	return &r, err
})

// mgTestRegistry returns a registry holding the MiniGrid worlds only.
func mgTestRegistry(t testing.TB) *dojo.Registry {
	t.Helper()
	r, err := mgRegistryOnce()
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	return r
}

// mgIDs returns the registered MiniGrid ids.
func mgIDs(t testing.TB) []string {
	var ids []string
	for _, id := range mgTestRegistry(t).IDs() {
		if !strings.Contains(id, "FrozenLake") && !strings.Contains(id, "CliffWalking") && !strings.Contains(id, "Taxi") {
			ids = append(ids, id)
		}
	}
	return ids
}

// mgCheckConfig is the dojotest configuration: the defaults, or under the
// race detector (ten times slower) shorter random episodes.
func mgCheckConfig() dojotest.Config {
	if race.Enabled {
		return dojotest.Config{Seeds: 4, MaxEpisodeSteps: 300}
	}
	return dojotest.Config{}
}

func TestMiniGridConformance(t *testing.T) {
	reg := mgTestRegistry(t)
	if !race.Enabled {
		dojotest.CheckRegistry(t, reg, mgIDs(t)...)
		return
	}
	for _, id := range mgIDs(t) {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			env, err := reg.Make(id, nil)
			if err != nil {
				t.Fatal(err)
			}
			mgCheckConfig().CheckEnv(t, env)
		})
	}
}

// TestMiniGridConformanceOptions runs dojotest.CheckEnv on worlds made
// with other options: text, full observations, other view sizes, the
// terminate policy and other reward profiles.
func TestMiniGridConformanceOptions(t *testing.T) {
	tests := []struct {
		id   string
		opts dojo.Options
	}{
		{"gridworld/DoorKey-6x6-v0", dojo.Options{"text": true}},
		{"gridworld/KeyCorridor-S3R2-v0", dojo.Options{"obs": "full", "text": true}},
		{"gridworld/FourRooms-v0", dojo.Options{"obs": "full"}},
		{"gridworld/Maze-15x15-v0", dojo.Options{"text": true, "view_size": 5, "reward": "shaped"}},
		{"gridworld/LavaGap-6x6-v0", dojo.Options{"invalid_action": "terminate", "max_invalid": 2, "see_through_walls": true}},
		{"gridworld/MultiRoom-N4-S5-v0", dojo.Options{"view_size": 9, "reward": "explore"}},
		{"gridworld/Empty-8x8-v0", dojo.Options{"view_size": 3, "see_through_walls": false, "reward": map[string]any{"potential": 1.0, "step_cost": 0.5}}},
		{"gridworld/Custom-v0", dojo.Options{"text": true, "obs": "full"}},
	}
	reg := mgTestRegistry(t)
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			env, err := reg.Make(tc.id, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			mgCheckConfig().CheckEnv(t, env)
		})
	}
}

// mgRefView is MiniGrid's gen_obs_grid and encode done naively on a 2-D
// grid, as minigrid_env.py and grid.py do it: slice the view square
// (get_view_exts; cells outside the grid are walls), rotate it left
// dir+1 times, process_vis unless see-through, put the carried object at
// the agent's place, encode with the visibility mask.
func mgRefView(e *Env) []int8 {
	v := e.view
	ax, ay := e.xyOf(e.agent)
	var tx, ty int
	switch e.dir {
	case 0:
		tx, ty = ax, ay-v/2
	case 1:
		tx, ty = ax-v/2, ay
	case 2:
		tx, ty = ax-v+1, ay-v/2
	case 3:
		tx, ty = ax-v/2, ay-v+1
	}
	g := make([][]mgObj, v) // g[i][j], i the column
	for i := range v {
		g[i] = make([]mgObj, v)
		for j := range v {
			x, y := tx+i, ty+j
			if x >= 0 && y >= 0 && x < e.w && y < e.h {
				g[i][j] = e.at(x, y)
			} else {
				g[i][j] = mgWallObj
			}
		}
	}
	for range e.dir + 1 {
		r := make([][]mgObj, v)
		for i := range v {
			r[i] = make([]mgObj, v)
		}
		for i := range v {
			for j := range v {
				r[j][v-1-i] = g[i][j]
			}
		}
		g = r
	}
	vis := make([][]bool, v)
	for i := range v {
		vis[i] = make([]bool, v)
		for j := range v {
			vis[i][j] = e.seeThrough
		}
	}
	if !e.seeThrough {
		vis[v/2][v-1] = true
		for j := v - 1; j >= 0; j-- {
			for i := 0; i < v-1; i++ {
				if !vis[i][j] || !g[i][j].seeBehind() {
					continue
				}
				vis[i+1][j] = true
				if j > 0 {
					vis[i+1][j-1], vis[i][j-1] = true, true
				}
			}
			for i := v - 1; i >= 1; i-- {
				if !vis[i][j] || !g[i][j].seeBehind() {
					continue
				}
				vis[i-1][j] = true
				if j > 0 {
					vis[i-1][j-1], vis[i][j-1] = true, true
				}
			}
		}
	}
	if e.carried.Type != 0 {
		g[v/2][v-1] = e.carried
	} else {
		g[v/2][v-1] = mgEmptyObj
	}
	img := make([]int8, v*v*3)
	for i := range v {
		for j := range v {
			if vis[i][j] {
				c := g[i][j].code()
				copy(img[(i*v+j)*3:], c[:])
			}
		}
	}
	return img
}

// TestMiniGridViewReference compares the env's egocentric view with
// mgRefView along random walks in several worlds and view sizes, up to
// 15 (occlude, on bit masks) and beyond (occludeWide).
func TestMiniGridViewReference(t *testing.T) {
	reg := mgTestRegistry(t)
	for _, id := range []string{"gridworld/DoorKey-8x8-v0", "gridworld/KeyCorridor-S3R3-v0", "gridworld/MultiRoom-N4-S5-v0", "gridworld/FourRooms-v0", "gridworld/Custom-v0"} {
		for _, view := range []int{3, 5, 7, 9, 11, 15, 17, 31} {
			for _, through := range []bool{false, true} {
				env, err := reg.Make(id, dojo.Options{"view_size": view, "see_through_walls": through})
				if err != nil {
					t.Fatal(err)
				}
				e := env.(*Env)
				ctx := context.Background()
				rng := mgTestRNG(uint64(view))
				for seed := range uint64(3) {
					e.Reset(ctx, seed)
					for step := 0; step < 300; step++ {
						if want := mgRefView(e); !slices.Equal(want, e.obs.Image) {
							t.Fatalf("%s view %d see-through %v seed %d step %d: view differs from MiniGrid's algorithm\ngot:\n%s\nwant:\n%s", id, view, through, seed, step,
								strings.Join(mgViewRows(e.obs.Image, view), "\n"), strings.Join(mgViewRows(want, view), "\n"))
						}
						s, _ := e.Step(ctx, dojo.IndexAction(rng.IntN(mgNumActs)))
						if s.Done() {
							break
						}
					}
				}
			}
		}
	}
}
