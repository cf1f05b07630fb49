package minigrid

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/internal/race"
)

// mgLayoutSeeds is the number of layouts checked per world.
func mgLayoutSeeds() int {
	if race.Enabled {
		return 200
	}
	return 2000
}

// mgCount counts the cells of g satisfying f.
func mgCount(g *mgWorld, f func(x, y int, o mgObj) bool) int {
	n := 0
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			if f(x, y, g.at(x, y)) {
				n++
			}
		}
	}
	return n
}

// TestMiniGridLayouts generates many layouts of every world and checks
// MiniGrid's structure and that a plan to success exists.
func TestMiniGridLayouts(t *testing.T) {
	t.Parallel()
	for _, v := range mgVariants() {
		if v.layout.kind == mgLayoutCustom {
			continue
		}
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			var g mgWorld
			var s mgGen
			for seed := range uint64(mgLayoutSeeds()) {
				rng := rand.New(rand.NewPCG(seed, mgSeedStream))
				if err := v.layout.generate(rng, &g, &s); err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				if err := mgCheckLayout(&v, &g); err != nil {
					t.Fatalf("seed %d: %v\n%s", seed, err, strings.Join(mgFormatMap(g.w, g.h, g.at, g.ax, g.ay, g.dir, false), "\n"))
				}
				if _, err := mgSolve(&g, !v.pickup); err != nil {
					t.Fatalf("seed %d: unsolvable: %v\n%s", seed, err, strings.Join(mgFormatMap(g.w, g.h, g.at, g.ax, g.ay, g.dir, true), "\n"))
				}
			}
		})
	}
}

func mgCheckLayout(v *mgVariant, g *mgWorld) error {
	if !g.in(g.ax, g.ay) || g.at(g.ax, g.ay).Type != mgEmpty || g.dir < 0 || g.dir > 3 {
		return fmt.Errorf("agent at (%d,%d) dir %d on %+v", g.ax, g.ay, g.dir, g.at(g.ax, g.ay))
	}
	count := func(typ uint8) int {
		return mgCount(g, func(_, _ int, o mgObj) bool { return o.Type == typ })
	}
	for x := 0; x < g.w; x++ {
		for _, y := range []int{0, g.h - 1} {
			if g.at(x, y).Type != mgWall && v.layout.kind != mgLayoutMultiRoom {
				return fmt.Errorf("no wall at the border (%d,%d)", x, y)
			}
		}
	}
	goals := count(mgGoal)
	switch v.layout.kind {
	case mgLayoutEmpty:
		if g.at(g.w-2, g.h-2).Type != mgGoal || goals != 1 {
			return fmt.Errorf("the goal is not alone in the corner")
		}
		if !v.layout.randomStart && (g.ax != 1 || g.ay != 1 || g.dir != 0) {
			return fmt.Errorf("the agent does not start at (1,1) facing right")
		}
	case mgLayoutFourRooms:
		gaps := mgCount(g, func(x, y int, o mgObj) bool {
			return (x == 9 || y == 9) && x > 0 && y > 0 && x < 18 && y < 18 && o.Type != mgWall
		})
		if goals != 1 || gaps != 4 {
			return fmt.Errorf("%d goals and %d gaps in the inner walls, want 1 and 4", goals, gaps)
		}
	case mgLayoutDoorKey:
		split := -1
		for x := 2; x < g.w-2; x++ {
			if g.at(x, 0).Type == mgWall && mgCount(g, func(xx, _ int, o mgObj) bool { return xx == x && (o.Type == mgWall || o.Type == mgDoor) }) == g.h {
				split = x
			}
		}
		keys := mgCount(g, func(x, _ int, o mgObj) bool { return o == mgObj{Type: mgKey, Color: mgYellow} && x < split })
		doors := mgCount(g, func(x, _ int, o mgObj) bool { return o == mgDoorObj(mgYellow, mgLocked) && x == split })
		if split < 0 || keys != 1 || doors != 1 || count(mgKey) != 1 || count(mgDoor) != 1 || g.ax >= split || g.at(g.w-2, g.h-2).Type != mgGoal {
			return fmt.Errorf("split %d, %d keys and %d doors on the right sides, agent x %d", split, keys, doors, g.ax)
		}
	case mgLayoutLavaGap:
		lavaCols := mgCount(g, func(x, y int, o mgObj) bool {
			return y == 1 && (o.Type == mgLava || (o.Type == mgEmpty && g.at(x, 2).Type == mgLava))
		})
		if count(mgLava) != g.h-3 || goals != 1 || lavaCols != 1 || g.ax != 1 || g.ay != 1 {
			return fmt.Errorf("%d lava cells, want %d in one column with one gap", count(mgLava), g.h-3)
		}
	case mgLayoutMultiRoom:
		doors := mgCount(g, func(_, _ int, o mgObj) bool { return o.Type == mgDoor && o.State == mgClosed })
		if doors != v.layout.maxRooms-1 || count(mgDoor) != doors || goals != 1 {
			return fmt.Errorf("%d closed doors (%d doors), want %d; %d goals", doors, count(mgDoor), v.layout.maxRooms-1, goals)
		}
	case mgLayoutKeyCorridor:
		var locked []mgObj
		mgCount(g, func(_, _ int, o mgObj) bool {
			if o.Type == mgDoor && o.State == mgLocked {
				locked = append(locked, o)
			}
			return false
		})
		balls := mgCount(g, func(_, _ int, o mgObj) bool { return o.Type == mgBall && o.Flags&mgTarget != 0 })
		if len(locked) != 1 || count(mgKey) != 1 || balls != 1 || count(mgBall) != 1 || goals != 0 {
			return fmt.Errorf("%d locked doors, %d keys, %d target balls", len(locked), count(mgKey), balls)
		}
		if mgCount(g, func(_, _ int, o mgObj) bool { return o.Type == mgKey && o.Color == locked[0].Color }) != 1 {
			return fmt.Errorf("the key does not match the locked door")
		}
		if f := g.at(g.ax+mgDirVec[g.dir][0], g.ay+mgDirVec[g.dir][1]); f.Type == mgBall || f.Type == mgKey {
			return fmt.Errorf("the agent starts facing an object")
		}
	case mgLayoutMaze:
		if err := mgCheckMaze(g); err != nil {
			return err
		}
	}
	return nil
}

// mgCheckMaze checks that g is a perfect maze: cells at odd coordinates,
// cells−1 passages, every cell connected, and the goal on a cell farthest
// from the agent.
func mgCheckMaze(g *mgWorld) error {
	cw, ch := (g.w-1)/2, (g.h-1)/2
	passages := 0
	for y := 0; y < g.h; y++ {
		for x := 0; x < g.w; x++ {
			open := g.at(x, y).Type != mgWall
			switch {
			case x%2 == 1 && y%2 == 1:
				if !open {
					return fmt.Errorf("cell (%d,%d) is a wall", x, y)
				}
			case x%2 == 0 && y%2 == 0:
				if open {
					return fmt.Errorf("corner (%d,%d) is open", x, y)
				}
			default:
				if open {
					if x == 0 || y == 0 || x == g.w-1 || y == g.h-1 {
						return fmt.Errorf("the border is open at (%d,%d)", x, y)
					}
					passages++
				}
			}
		}
	}
	if passages != cw*ch-1 {
		return fmt.Errorf("%d passages between %d cells, a perfect maze has %d", passages, cw*ch, cw*ch-1)
	}
	dist := make([]int, g.w*g.h)
	for i := range dist {
		dist[i] = -1
	}
	q := []int{g.ay*g.w + g.ax}
	dist[q[0]] = 0
	far, goal := 0, -1
	for i := 0; i < len(q); i++ {
		p := q[i]
		far = max(far, dist[p])
		if g.cells[p].Type == mgGoal {
			goal = dist[p]
		}
		for _, d := range mgDirVec {
			n := p + d[0] + d[1]*g.w
			if g.cells[n].Type != mgWall && dist[n] < 0 {
				dist[n] = dist[p] + 1
				q = append(q, n)
			}
		}
	}
	if reached := mgCount(g, func(x, y int, o mgObj) bool { return o.Type != mgWall && dist[y*g.w+x] >= 0 }); reached != cw*ch+passages {
		return fmt.Errorf("%d open cells reached, want all %d", reached, cw*ch+passages)
	}
	if goal != far {
		return fmt.Errorf("the goal is %d steps away, the farthest cell %d", goal, far)
	}
	return nil
}
