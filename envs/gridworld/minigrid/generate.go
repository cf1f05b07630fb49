package minigrid

import (
	"fmt"
	"math/rand/v2"
)

// Layout kinds.
const (
	mgLayoutEmpty = iota
	mgLayoutFourRooms
	mgLayoutDoorKey
	mgLayoutLavaGap
	mgLayoutMultiRoom
	mgLayoutKeyCorridor
	mgLayoutMaze
	mgLayoutCustom
)

// mgLayout says how a world lays out its grid at each Reset. The rules
// follow MiniGrid's _gen_grid of each environment; the random numbers come
// from the env's own generator, so layouts differ from MiniGrid's for the
// same seed while having the same distribution.
type mgLayout struct {
	kind        int
	size        int  // grid side (Empty, DoorKey, LavaGap, Maze)
	randomStart bool // Empty-Random
	// MultiRoom
	minRooms, maxRooms, maxRoomSize int
	// KeyCorridor
	roomSize, rows int
	// Custom
	custom *mgWorld
}

// dims returns the grid's width and height.
func (l *mgLayout) dims() (w, h int) {
	switch l.kind {
	case mgLayoutFourRooms:
		return 19, 19
	case mgLayoutMultiRoom:
		return 25, 25
	case mgLayoutKeyCorridor:
		return (l.roomSize-1)*3 + 1, (l.roomSize-1)*l.rows + 1
	case mgLayoutCustom:
		return l.custom.w, l.custom.h
	}
	return l.size, l.size
}

// mgGen holds the scratch storage of layout generation, reused across
// resets.
type mgGen struct {
	rooms, cur []mgRoom
	maze       mgMazeScratch
}

// generate lays out g for one episode.
func (l *mgLayout) generate(rng *rand.Rand, g *mgWorld, s *mgGen) error {
	w, h := l.dims()
	g.reset(w, h)
	switch l.kind {
	case mgLayoutEmpty:
		mgGenEmpty(rng, g, l.randomStart)
	case mgLayoutFourRooms:
		mgGenFourRooms(rng, g)
	case mgLayoutDoorKey:
		mgGenDoorKey(rng, g)
	case mgLayoutLavaGap:
		mgGenLavaGap(rng, g)
	case mgLayoutMultiRoom:
		return mgGenMultiRoom(rng, g, s, l.minRooms, l.maxRooms, l.maxRoomSize)
	case mgLayoutKeyCorridor:
		return mgGenKeyCorridor(rng, g, l.roomSize, l.rows)
	case mgLayoutMaze:
		mgGenMaze(rng, g, &s.maze)
	case mgLayoutCustom:
		c := l.custom
		copy(g.cells, c.cells)
		g.ax, g.ay, g.dir, g.mission = c.ax, c.ay, c.dir, c.mission
	default:
		return fmt.Errorf("unknown layout kind %d", l.kind)
	}
	return nil
}

// mgGenEmpty is MiniGrid's EmptyEnv: a walled room, the goal in the
// bottom-right corner, the agent at (1, 1) facing right or, for the Random
// variants, anywhere facing anywhere.
func mgGenEmpty(rng *rand.Rand, g *mgWorld, randomStart bool) {
	g.wallRect(0, 0, g.w, g.h)
	g.set(g.w-2, g.h-2, mgGoalObj())
	if randomStart {
		g.placeAgent(rng, 0, 0, g.w, g.h)
	} else {
		g.ax, g.ay, g.dir = 1, 1, 0
	}
	g.mission = "get to the green goal square"
}

// mgGenFourRooms is MiniGrid's FourRoomsEnv: a 19x19 grid split into four
// 9x9 rooms, one random gap in each of the four inner walls, agent and goal
// anywhere.
func mgGenFourRooms(rng *rand.Rand, g *mgWorld) {
	w, h := g.w, g.h
	g.horzWall(0, 0, w)
	g.horzWall(0, h-1, w)
	g.vertWall(0, 0, h)
	g.vertWall(w-1, 0, h)
	rw, rh := w/2, h/2
	for j := range 2 {
		for i := range 2 {
			xl, yt := i*rw, j*rh
			xr, yb := xl+rw, yt+rh
			if i+1 < 2 {
				g.vertWall(xr, yt, rh)
				g.set(xr, yt+1+rng.IntN(yb-yt-1), mgEmptyObj)
			}
			if j+1 < 2 {
				g.horzWall(xl, yb, rw)
				g.set(xl+1+rng.IntN(xr-xl-1), yb, mgEmptyObj)
			}
		}
	}
	g.placeAgent(rng, 0, 0, w, h)
	g.placeObj(rng, mgGoalObj(), 0, 0, w, h)
	g.mission = "reach the goal"
}

// mgGenDoorKey is MiniGrid's DoorKeyEnv: a vertical wall splits the room, a
// locked yellow door in it, the yellow key and the agent on the left, the
// goal in the bottom-right corner.
func mgGenDoorKey(rng *rand.Rand, g *mgWorld) {
	w, h := g.w, g.h
	g.wallRect(0, 0, w, h)
	g.set(w-2, h-2, mgGoalObj())
	split := 2 + rng.IntN(w-4)
	g.vertWall(split, 0, h)
	g.placeAgent(rng, 0, 0, split, h)
	door := 1 + rng.IntN(w-3)
	g.set(split, door, mgDoorObj(mgYellow, mgLocked))
	g.placeObj(rng, mgObj{Type: mgKey, Color: mgYellow}, 0, 0, split, h)
	g.mission = "use the key to open the door and then get to the goal"
}

// mgGenLavaGap is MiniGrid's LavaGapEnv: a vertical strip of lava with one
// gap between the agent (top-left, facing right) and the goal
// (bottom-right).
func mgGenLavaGap(rng *rand.Rand, g *mgWorld) {
	w, h := g.w, g.h
	g.wallRect(0, 0, w, h)
	g.ax, g.ay, g.dir = 1, 1, 0
	g.set(w-2, h-2, mgGoalObj())
	gx := 2 + rng.IntN(w-4)
	gy := 1 + rng.IntN(h-2)
	for y := 1; y < h-1; y++ {
		g.set(gx, y, mgLavaObj())
	}
	g.set(gx, gy, mgEmptyObj)
	g.mission = "avoid the lava and get to the green goal square"
}

// mgRoom is a room of MultiRoom or KeyCorridor.
type mgRoom struct {
	x, y, w, h int    // top-left corner and size, walls included
	entry      [2]int // MultiRoom: entry door position
	// KeyCorridor: door positions and whether a door (or an opening) is
	// there, per side (0 right, 1 down, 2 left, 3 up).
	doorPos [4][2]int
	hasPos  [4]bool
	open    [4]bool
	locked  bool
}

// mgGenMultiRoom is MiniGrid's MultiRoomEnv: a chain of rooms placed at
// random, each connected to the next by a closed door of a colour
// different from the previous door's; the agent in the first room, the goal
// in the last.
func mgGenMultiRoom(rng *rand.Rand, g *mgWorld, s *mgGen, minRooms, maxRooms, maxSize int) error {
	n := minRooms + rng.IntN(maxRooms-minRooms+1)
	s.rooms = s.rooms[:0]
	for tries := 0; len(s.rooms) < n; tries++ {
		if tries > 100000 {
			return fmt.Errorf("multiroom: could not place %d rooms", n)
		}
		s.cur = s.cur[:0]
		entry := [2]int{rng.IntN(g.w - 2), rng.IntN(g.w - 2)}
		mgPlaceRoom(rng, g, &s.cur, n, 4, maxSize, 2, entry)
		if len(s.cur) > len(s.rooms) {
			s.rooms, s.cur = append(s.rooms[:0], s.cur...), s.rooms
		}
	}
	prev := -1
	for i, r := range s.rooms {
		for k := 0; k < r.w; k++ {
			g.set(r.x+k, r.y, mgWallObj)
			g.set(r.x+k, r.y+r.h-1, mgWallObj)
		}
		for k := 0; k < r.h; k++ {
			g.set(r.x, r.y+k, mgWallObj)
			g.set(r.x+r.w-1, r.y+k, mgWallObj)
		}
		if i > 0 {
			c := rng.IntN(mgNumCol)
			if prev >= 0 {
				c = rng.IntN(mgNumCol - 1)
				if c >= prev {
					c++
				}
			}
			g.set(r.entry[0], r.entry[1], mgDoorObj(uint8(c), mgClosed))
			prev = c
		}
	}
	first, last := s.rooms[0], s.rooms[len(s.rooms)-1]
	if !g.placeAgent(rng, first.x, first.y, first.w, first.h) {
		return fmt.Errorf("multiroom: no room for the agent")
	}
	if _, _, ok := g.placeObj(rng, mgGoalObj(), last.x, last.y, last.w, last.h); !ok {
		return fmt.Errorf("multiroom: no room for the goal")
	}
	g.mission = "traverse the rooms to get to the goal"
	return nil
}

// mgPlaceRoom is MultiRoomEnv._placeRoom: it places a room of random size
// with its entry door on the given wall at the given position, then tries
// up to 8 times to place the rest of the chain from an exit door on another
// wall. It reports false when this room does not fit.
func mgPlaceRoom(rng *rand.Rand, g *mgWorld, rooms *[]mgRoom, left, minSz, maxSz, entryWall int, entry [2]int) bool {
	sx := minSz + rng.IntN(maxSz-minSz+1)
	sy := minSz + rng.IntN(maxSz-minSz+1)
	var x, y int
	ex, ey := entry[0], entry[1]
	switch {
	case len(*rooms) == 0:
		x, y = ex, ey
	case entryWall == 0:
		x = ex - sx + 1
		y = ey - sy + 2 + rng.IntN(sy-2)
	case entryWall == 1:
		x = ex - sx + 2 + rng.IntN(sx-2)
		y = ey - sy + 1
	case entryWall == 2:
		x = ex
		y = ey - sy + 2 + rng.IntN(sy-2)
	default:
		x = ex - sx + 2 + rng.IntN(sx-2)
		y = ey
	}
	if x < 0 || y < 0 || x+sx > g.w || y+sy >= g.h {
		return false
	}
	rs := *rooms
	for i := 0; i < len(rs)-1; i++ {
		r := rs[i]
		apart := x+sx < r.x || r.x+r.w <= x || y+sy < r.y || r.y+r.h <= y
		if !apart {
			return false
		}
	}
	*rooms = append(*rooms, mgRoom{x: x, y: y, w: sx, h: sy, entry: entry})
	if left == 1 {
		return true
	}
	for range 8 {
		walls := [3]int{}
		k := 0
		for wl := range 4 {
			if wl != entryWall {
				walls[k] = wl
				k++
			}
		}
		exitWall := walls[rng.IntN(3)]
		var exit [2]int
		switch exitWall {
		case 0:
			exit = [2]int{x + sx - 1, y + 1 + rng.IntN(sy-2)}
		case 1:
			exit = [2]int{x + 1 + rng.IntN(sx-2), y + sy - 1}
		case 2:
			exit = [2]int{x, y + 1 + rng.IntN(sy-2)}
		default:
			exit = [2]int{x + 1 + rng.IntN(sx-2), y}
		}
		if mgPlaceRoom(rng, g, rooms, left-1, minSz, maxSz, (exitWall+2)%4, exit) {
			break
		}
	}
	return true
}

// mgGenKeyCorridor is MiniGrid's KeyCorridorEnv on its RoomGrid: three
// columns of rows rooms; the middle column is a corridor (walls between its
// rooms removed); a ball of random colour sits behind a locked door in a
// room of the right column; the key of the door's colour lies in a room of
// the left column; the agent starts in the middle room not facing an
// object; random closed doors are added until every room is reachable
// (RoomGrid.connect_all). The mission is to pick up the ball.
func mgGenKeyCorridor(rng *rand.Rand, g *mgWorld, size, rows int) error {
	const cols = 3
	var rooms [3][3]mgRoom // [row][col]; rows <= 3
	if rows > 3 {
		return fmt.Errorf("keycorridor: %d rows, at most 3", rows)
	}
	for j := range rows {
		for i := range cols {
			r := &rooms[j][i]
			r.x, r.y, r.w, r.h = i*(size-1), j*(size-1), size, size
			g.wallRect(r.x, r.y, size, size)
		}
	}
	for j := range rows {
		for i := range cols {
			r := &rooms[j][i]
			xl, yl := r.x+1, r.y+1
			xm, ym := r.x+size-1, r.y+size-1
			if i < cols-1 {
				r.doorPos[0], r.hasPos[0] = [2]int{xm, yl + rng.IntN(ym-yl)}, true
			}
			if j < rows-1 {
				r.doorPos[1], r.hasPos[1] = [2]int{xl + rng.IntN(xm-xl), ym}, true
			}
			if i > 0 {
				r.doorPos[2], r.hasPos[2] = rooms[j][i-1].doorPos[0], true
			}
			if j > 0 {
				r.doorPos[3], r.hasPos[3] = rooms[j-1][i].doorPos[1], true
			}
		}
	}
	// The agent's provisional position, which objects keep away from.
	g.ax, g.ay, g.dir = (cols/2)*(size-1)+size/2, (rows/2)*(size-1)+size/2, 0
	neighbor := func(i, j, k int) (int, int) {
		return i + mgDirVec[k][0], j + mgDirVec[k][1]
	}
	// Connect the middle column into a hallway.
	for j := 1; j < rows; j++ {
		r := &rooms[j][1]
		for k := 1; k < size-1; k++ {
			g.set(r.x+k, r.y, mgEmptyObj)
		}
		r.open[3] = true
		rooms[j-1][1].open[1] = true
	}
	addDoor := func(i, j, k int, color uint8, locked bool) {
		r := &rooms[j][i]
		r.locked = locked
		st := uint8(mgClosed)
		if locked {
			st = mgLocked
		}
		p := r.doorPos[k]
		g.set(p[0], p[1], mgDoorObj(color, st))
		r.open[k] = true
		ni, nj := neighbor(i, j, k)
		rooms[nj][ni].open[(k+2)%4] = true
	}
	roomIdx := rng.IntN(rows)
	doorColor := uint8(rng.IntN(mgNumCol))
	addDoor(2, roomIdx, 2, doorColor, true)
	inRoom := func(i, j int, o mgObj) (mgObj, bool) {
		r := rooms[j][i]
		x, y, ok := g.randEmpty(rng, r.x, r.y, r.w, r.h, g.ax, g.ay, 2)
		if ok {
			g.set(x, y, o)
		}
		return o, ok
	}
	ball, ok := inRoom(2, roomIdx, mgObj{Type: mgBall, Color: uint8(rng.IntN(mgNumCol)), Flags: mgTarget})
	if !ok {
		return fmt.Errorf("keycorridor: no room for the ball")
	}
	if _, ok := inRoom(0, rng.IntN(rows), mgObj{Type: mgKey, Color: doorColor}); !ok {
		return fmt.Errorf("keycorridor: no room for the key")
	}
	mid := rooms[rows/2][1]
	placed := false
	for range 1000 {
		if !g.placeAgent(rng, mid.x, mid.y, mid.w, mid.h) {
			break
		}
		f := g.at(g.ax+mgDirVec[g.dir][0], g.ay+mgDirVec[g.dir][1])
		if f.Type == mgEmpty || f.Type == mgWall {
			placed = true
			break
		}
	}
	if !placed {
		return fmt.Errorf("keycorridor: could not place the agent")
	}
	// connect_all: add random closed doors until every room is reachable
	// from the agent's room, never into the locked room.
	start := [2]int{g.ax / (size - 1), g.ay / (size - 1)}
	for it := 0; ; it++ {
		var seen [3][3]bool
		stack := [][2]int{start}
		n := 0
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[c[1]][c[0]] {
				continue
			}
			seen[c[1]][c[0]] = true
			n++
			for k := range 4 {
				if rooms[c[1]][c[0]].open[k] {
					ni, nj := neighbor(c[0], c[1], k)
					stack = append(stack, [2]int{ni, nj})
				}
			}
		}
		if n == rows*cols {
			break
		}
		if it > 5000 {
			return fmt.Errorf("keycorridor: connect_all failed")
		}
		i, j, k := rng.IntN(cols), rng.IntN(rows), rng.IntN(4)
		r := rooms[j][i]
		if !r.hasPos[k] || r.open[k] {
			continue
		}
		ni, nj := neighbor(i, j, k)
		if r.locked || rooms[nj][ni].locked {
			continue
		}
		addDoor(i, j, k, uint8(rng.IntN(mgNumCol)), false)
	}
	g.mission = "pick up the " + mgColorNames[ball.Color] + " ball"
	return nil
}
