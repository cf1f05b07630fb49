package minigrid

import (
	"fmt"

	"github.com/dojo-rl/dojo"
)

// mgVariant is one registered MiniGrid world.
type mgVariant struct {
	name       string
	desc       string
	layout     mgLayout
	maxSteps   int
	seeThrough bool
	pickup     bool // success is picking up the target, not reaching a goal
}

func mgVariants() []mgVariant {
	var vs []mgVariant
	for _, n := range []int{5, 6, 8, 16} {
		vs = append(vs, mgVariant{
			name:       fmt.Sprintf("Empty-%dx%d", n, n),
			desc:       fmt.Sprintf("MiniGrid's Empty-%dx%d: reach the green goal square in the far corner of an empty %dx%d room", n, n, n, n),
			layout:     mgLayout{kind: mgLayoutEmpty, size: n},
			maxSteps:   4 * n * n,
			seeThrough: true,
		})
	}
	vs = append(vs, mgVariant{
		name:       "Empty-Random-5x5",
		desc:       "MiniGrid's Empty-Random-5x5: reach the green goal square of an empty 5x5 room from a random start",
		layout:     mgLayout{kind: mgLayoutEmpty, size: 5, randomStart: true},
		maxSteps:   100,
		seeThrough: true,
	}, mgVariant{
		name:     "FourRooms",
		desc:     "MiniGrid's FourRooms: reach the goal across four 9x9 rooms joined by gaps in the walls",
		layout:   mgLayout{kind: mgLayoutFourRooms},
		maxSteps: 100,
	})
	for _, n := range []int{5, 6, 8, 16} {
		vs = append(vs, mgVariant{
			name:     fmt.Sprintf("DoorKey-%dx%d", n, n),
			desc:     fmt.Sprintf("MiniGrid's DoorKey-%dx%d: pick up the key, unlock the door and reach the goal", n, n),
			layout:   mgLayout{kind: mgLayoutDoorKey, size: n},
			maxSteps: 10 * n * n,
		})
	}
	for _, n := range []int{5, 6, 7} {
		vs = append(vs, mgVariant{
			name:     fmt.Sprintf("LavaGap-%dx%d", n, n),
			desc:     fmt.Sprintf("MiniGrid's LavaGapS%d: cross a strip of lava through its gap to reach the goal", n),
			layout:   mgLayout{kind: mgLayoutLavaGap, size: n},
			maxSteps: 4 * n * n,
		})
	}
	for _, m := range []struct {
		name        string
		rooms, size int
	}{{"MultiRoom-N2-S4", 2, 4}, {"MultiRoom-N4-S5", 4, 5}, {"MultiRoom-N6", 6, 10}} {
		vs = append(vs, mgVariant{
			name:     m.name,
			desc:     fmt.Sprintf("MiniGrid's %s: open the doors of a chain of %d rooms (side at most %d) to reach the goal in the last", m.name, m.rooms, m.size),
			layout:   mgLayout{kind: mgLayoutMultiRoom, minRooms: m.rooms, maxRooms: m.rooms, maxRoomSize: m.size},
			maxSteps: 20 * m.rooms,
		})
	}
	for _, k := range [][2]int{{3, 1}, {3, 2}, {3, 3}, {4, 3}} {
		vs = append(vs, mgVariant{
			name:     fmt.Sprintf("KeyCorridor-S%dR%d", k[0], k[1]),
			desc:     fmt.Sprintf("MiniGrid's KeyCorridorS%dR%d: find the key, unlock the door and pick up the ball behind it", k[0], k[1]),
			layout:   mgLayout{kind: mgLayoutKeyCorridor, roomSize: k[0], rows: k[1]},
			maxSteps: 30 * k[0] * k[0],
			pickup:   true,
		})
	}
	for _, n := range []int{9, 15, 25} {
		vs = append(vs, mgVariant{
			name:     fmt.Sprintf("Maze-%dx%d", n, n),
			desc:     fmt.Sprintf("a random perfect %dx%d maze: reach the goal at the cell farthest from the start (sparse reward)", n, n),
			layout:   mgLayout{kind: mgLayoutMaze, size: n},
			maxSteps: 4 * n * n,
		})
	}
	vs = append(vs, mgVariant{
		name:   "Custom",
		desc:   "a MiniGrid world loaded from an ASCII map (option map or map_file): reach a goal",
		layout: mgLayout{kind: mgLayoutCustom},
	})
	return vs
}

// Register registers the MiniGrid worlds in r.
func Register(r *dojo.Registry) error {
	for _, v := range mgVariants() {
		spec := dojo.Spec{ID: "gridworld/" + v.name + "-v0", Options: mgOptions(&v), Rewards: mgRewards(), Profiles: mgProfiles, DefaultProfile: "minigrid"}
		opts, err := spec.Resolve(nil)
		if err != nil {
			return err
		}
		cfg, err := mgConfigure(&v, opts)
		if err != nil {
			return err
		}
		if err := r.Register(mgSpec(&v, &cfg), mgFactory(v)); err != nil {
			return err
		}
	}
	return nil
}

func mgFactory(v mgVariant) dojo.Factory {
	return func(opts dojo.Options) (dojo.Env, error) {
		cfg, err := mgConfigure(&v, opts)
		if err != nil {
			return nil, err
		}
		spec := mgSpec(&v, &cfg)
		if _, err := spec.Weights(opts[dojo.RewardOption]); err != nil {
			return nil, err
		}
		return newEnv(spec, cfg, opts), nil
	}
}
