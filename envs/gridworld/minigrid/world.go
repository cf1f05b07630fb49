package minigrid

import (
	"math/rand/v2"
)

// MiniGrid's object, colour and door-state indices (minigrid/core/
// constants.py: OBJECT_TO_IDX, COLOR_TO_IDX, STATE_TO_IDX). The image
// encodings use them as they are.
const (
	mgUnseen = 0
	mgEmpty  = 1
	mgWall   = 2
	mgFloor  = 3
	mgDoor   = 4
	mgKey    = 5
	mgBall   = 6
	mgBox    = 7
	mgGoal   = 8
	mgLava   = 9
	mgAgent  = 10
	mgNumObj = 11
)

const (
	mgRed    = 0
	mgGreen  = 1
	mgBlue   = 2
	mgPurple = 3
	mgYellow = 4
	mgGrey   = 5
	mgNumCol = 6
)

const (
	mgOpen   = 0
	mgClosed = 1
	mgLocked = 2
)

var mgObjNames = [mgNumObj]string{"unseen", "empty", "wall", "floor", "door", "key", "ball", "box", "goal", "lava", "agent"}

var mgColorNames = [mgNumCol]string{"red", "green", "blue", "purple", "yellow", "grey"}

var mgStateNames = [3]string{"open", "closed", "locked"}

// mgDirVec is MiniGrid's DIR_TO_VEC: 0 right (+x), 1 down (+y), 2 left, 3 up.
var mgDirVec = [4][2]int{{1, 0}, {0, 1}, {-1, 0}, {0, -1}}

// mgTarget flags the object a pickup mission asks for (KeyCorridor's ball):
// MiniGrid compares the carried object by identity, dojo by this flag.
const mgTarget = 1

// mgObj is the content of a cell, or the carried object. The zero value is
// "nothing" (used for an empty hand and an empty box); grid cells without an
// object hold mgEmpty. A box keeps its contents in In and InColor (one
// level: MiniGrid's boxes could nest, no MiniGrid world does).
type mgObj struct {
	Type, Color, State uint8
	In, InColor        uint8
	Flags              uint8
}

var (
	mgEmptyObj = mgObj{Type: mgEmpty}
	mgWallObj  = mgObj{Type: mgWall, Color: mgGrey}
)

func mgGoalObj() mgObj { return mgObj{Type: mgGoal, Color: mgGreen} }
func mgLavaObj() mgObj { return mgObj{Type: mgLava, Color: mgRed} }

func mgDoorObj(color, state uint8) mgObj { return mgObj{Type: mgDoor, Color: color, State: state} }

// code returns MiniGrid's 3-number encoding (type, colour, state) of o.
func (o mgObj) code() [3]int8 {
	if o.Type == mgDoor {
		return [3]int8{mgDoor, int8(o.Color), int8(o.State)}
	}
	return [3]int8{int8(o.Type), int8(o.Color), 0}
}

// canOverlap reports whether the agent may walk onto the cell
// (WorldObj.can_overlap; an empty cell too).
func (o mgObj) canOverlap() bool {
	switch o.Type {
	case mgEmpty, mgFloor, mgGoal, mgLava:
		return true
	case mgDoor:
		return o.State == mgOpen
	}
	return false
}

// standable reports whether the agent can be on the cell with the episode
// going on: overlappable and neither goal nor lava.
func (o mgObj) standable() bool {
	switch o.Type {
	case mgEmpty, mgFloor:
		return true
	case mgDoor:
		return o.State == mgOpen
	}
	return false
}

// seeBehind is WorldObj.see_behind: walls and closed doors occlude.
func (o mgObj) seeBehind() bool {
	switch o.Type {
	case mgWall:
		return false
	case mgDoor:
		return o.State == mgOpen
	}
	return true
}

func (o mgObj) canPickup() bool { return o.Type == mgKey || o.Type == mgBall || o.Type == mgBox }

// contents returns what toggling a box leaves in its cell.
func (o mgObj) contents() mgObj {
	if o.In == 0 {
		return mgEmptyObj
	}
	return mgObj{Type: o.In, Color: o.InColor}
}

// mgWorld is a grid being laid out: generators write it, the env copies it
// into its padded runtime grid. Coordinates are (x, y), x the column.
type mgWorld struct {
	w, h    int
	cells   []mgObj
	ax, ay  int // agent position
	dir     int // agent direction
	mission string
}

// reset makes g an empty w×h grid, reusing its storage.
func (g *mgWorld) reset(w, h int) {
	g.w, g.h = w, h
	if cap(g.cells) < w*h {
		g.cells = make([]mgObj, w*h)
	}
	g.cells = g.cells[:w*h]
	for i := range g.cells {
		g.cells[i] = mgEmptyObj
	}
	g.ax, g.ay, g.dir = -1, -1, 0
	g.mission = ""
}

func (g *mgWorld) in(x, y int) bool { return x >= 0 && y >= 0 && x < g.w && y < g.h }

func (g *mgWorld) at(x, y int) mgObj { return g.cells[y*g.w+x] }

func (g *mgWorld) set(x, y int, o mgObj) { g.cells[y*g.w+x] = o }

func (g *mgWorld) horzWall(x, y, n int) {
	for i := range n {
		g.set(x+i, y, mgWallObj)
	}
}

func (g *mgWorld) vertWall(x, y, n int) {
	for j := range n {
		g.set(x, y+j, mgWallObj)
	}
}

// wallRect draws the outline of a rectangle (Grid.wall_rect).
func (g *mgWorld) wallRect(x, y, w, h int) {
	g.horzWall(x, y, w)
	g.horzWall(x, y+h-1, w)
	g.vertWall(x, y, h)
	g.vertWall(x+w-1, y, h)
}

// randEmpty draws a cell uniformly among the empty cells of the rectangle
// (x0, y0, w, h), clipped to the grid, that are not the agent's and are not
// within Manhattan distance minDist-1 of (nx, ny) when minDist > 0. It is
// MiniGrid's place_obj without the rejection loop: the same distribution
// over the same cells. ok is false when no cell qualifies.
func (g *mgWorld) randEmpty(rng *rand.Rand, x0, y0, w, h int, nx, ny, minDist int) (x, y int, ok bool) {
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 := min(x0+w, g.w), min(y0+h, g.h)
	n := 0
	for pass := 0; pass < 2; pass++ {
		k := 0
		if pass == 1 {
			if n == 0 {
				return 0, 0, false
			}
			k = rng.IntN(n)
		}
		for yy := y0; yy < y1; yy++ {
			for xx := x0; xx < x1; xx++ {
				if g.at(xx, yy).Type != mgEmpty || (xx == g.ax && yy == g.ay) {
					continue
				}
				if minDist > 0 && mgAbs(xx-nx)+mgAbs(yy-ny) < minDist {
					continue
				}
				if pass == 0 {
					n++
					continue
				}
				if k == 0 {
					return xx, yy, true
				}
				k--
			}
		}
	}
	return 0, 0, false
}

// placeAgent puts the agent on a random empty cell of the rectangle facing
// a random direction (MiniGridEnv.place_agent).
func (g *mgWorld) placeAgent(rng *rand.Rand, x0, y0, w, h int) bool {
	g.ax, g.ay = -1, -1
	x, y, ok := g.randEmpty(rng, x0, y0, w, h, 0, 0, 0)
	if !ok {
		return false
	}
	g.ax, g.ay, g.dir = x, y, rng.IntN(4)
	return true
}

// placeObj puts o on a random empty cell of the rectangle
// (MiniGridEnv.place_obj).
func (g *mgWorld) placeObj(rng *rand.Rand, o mgObj, x0, y0, w, h int) (x, y int, ok bool) {
	x, y, ok = g.randEmpty(rng, x0, y0, w, h, 0, 0, 0)
	if ok {
		g.set(x, y, o)
	}
	return x, y, ok
}

func mgAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
