package minigrid

// Hold classes of the relaxed model behind the potential: what the agent
// carries, as far as reaching success is concerned.
const (
	mgHoldNone  = 0 // empty hands
	mgHoldOther = 7 // an object that opens nothing: a ball, a box, a key without a locked door
	// 1+c: a key of colour c that opens a locked door of the grid.
)

// mgField is d(s), the number of actions from state s to success in a
// relaxed model of the current world, for every position, direction and
// hold class at once. The relaxed model keeps the grid as it is (walls,
// lava, objects in their cells, door states) and the agent's actions, with
// two relaxations that make it a table the env can update cheaply: entering
// a closed door (or a locked door while holding its key) costs 2 (toggle,
// forward) and leaves the door as it was, and picking up an object while
// holding another costs 2 (drop, pickup) wherever the agent stands. While
// holding a key, cells holding keys of that colour count as free (the one
// picked up left its cell). On worlds without objects (Empty, FourRooms,
// LavaGap, Maze), with closed doors only (MultiRoom) and with one key and
// door (DoorKey) d is the exact shortest distance; on KeyCorridor it can
// undercount the turns needed to find a free cell for a drop.
//
// It is recomputed when an object moves or a door changes, by a Dial
// (bucketed Dijkstra) search backwards from the success states.
type mgField struct {
	ncell   int
	nl      int
	layerOf [8]int8 // hold class → layer, −1 when absent
	classOf [8]uint8
	dist    []int32 // [layer][cell][dir]; −1: success unreachable
	bucket  [3][]int32
	targets []int32 // goal cells, or the target's cell
	// The world the table is for: its doors, keys, balls and boxes, and
	// the carried object (see Env.updateField).
	sig     []mgDyn
	carried mgObj
	start   int  // compute's start
	valid   bool // false from Reset until computed for this episode
}

// holdClass returns the hold class of carrying o.
func (f *mgField) holdClass(o mgObj) int {
	switch {
	case o.Type == 0:
		return mgHoldNone
	case o.Type == mgKey && f.layerOf[1+o.Color] >= 0:
		return 1 + int(o.Color)
	}
	return mgHoldOther
}

// The table has a layer for empty hands, one per colour of locked door, and
// one for other objects when something else can be carried.

// at returns d for the agent at cell facing dir holding o.
func (f *mgField) at(cell, dir int, o mgObj) int32 {
	l := f.layerOf[f.holdClass(o)]
	return f.dist[(int(l)*f.ncell+cell)*4+dir]
}

// passable reports whether the relaxed agent can stand on o in hold class
// h, and what entering it costs.
func mgPassable(o mgObj, h uint8) (ok bool, cost int32) {
	switch o.Type {
	case mgEmpty, mgFloor:
		return true, 1
	case mgDoor:
		switch o.State {
		case mgOpen:
			return true, 1
		case mgClosed:
			return true, 2
		}
		return h == 1+o.Color, 2
	case mgKey:
		return h == 1+o.Color, 1
	}
	return false, 0
}

// compute fills the table for grid (padded, row stride pw via fwd) with
// success at the goal cells (reach) or at picking up the target object.
// start is −1, or the agent's cell when it stands where it could not walk
// (MiniGrid lets the agent start on a goal or on lava): the table then
// also holds the distances from there, though no move enters that cell.
func (f *mgField) compute(grid []mgObj, fwd *[4]int, reach bool, carried mgObj, start int) {
	f.ncell = len(grid)
	for i := range f.layerOf {
		f.layerOf[i] = -1
	}
	f.nl = 0
	add := func(h uint8) {
		if f.layerOf[h] < 0 {
			f.layerOf[h] = int8(f.nl)
			f.classOf[f.nl] = h
			f.nl++
		}
	}
	add(mgHoldNone)
	var locked, keys [mgNumCol]bool
	other := false
	f.targets = f.targets[:0]
	for c, o := range grid {
		switch o.Type {
		case mgDoor:
			if o.State == mgLocked && !locked[o.Color] {
				locked[o.Color] = true
				add(1 + o.Color)
			}
		case mgKey:
			keys[o.Color] = true
		case mgBall, mgBox:
			other = true
		}
		if (reach && o.Type == mgGoal) || (!reach && o.Flags&mgTarget != 0 && o.canPickup()) {
			f.targets = append(f.targets, int32(c))
		}
	}
	for c := range keys {
		other = other || (keys[c] && !locked[c])
	}
	if carried.Type != 0 && (carried.Type != mgKey || !locked[carried.Color]) {
		other = true
	}
	if other {
		add(mgHoldOther)
	}
	n := f.nl * f.ncell * 4
	f.dist = mgResize(f.dist, n)
	for i := range f.dist {
		f.dist[i] = -1
	}
	for i := range f.bucket {
		f.bucket[i] = f.bucket[i][:0]
	}
	relax := func(s int, d int32) {
		if cur := f.dist[s]; cur < 0 || d < cur {
			f.dist[s] = d
			f.bucket[d%3] = append(f.bucket[d%3], int32(s))
		}
	}
	// Sources: the last action before success, facing a goal or target.
	for _, t := range f.targets {
		for d := range 4 {
			c := int(t) - fwd[d]
			for l := 0; l < f.nl; l++ {
				h := f.classOf[l]
				if ok, _ := mgPassable(grid[c], h); !ok && c != start {
					continue
				}
				if reach || h == mgHoldNone {
					relax((l*f.ncell+c)*4+d, 1)
				} else {
					relax((l*f.ncell+c)*4+d, 2)
				}
			}
		}
	}
	pending := len(f.bucket[0]) + len(f.bucket[1]) + len(f.bucket[2])
	for cur := int32(1); pending > 0; cur++ {
		b := f.bucket[cur%3]
		for i := 0; i < len(b); i++ {
			s := int(b[i])
			if f.dist[s] != cur {
				continue
			}
			l, c, d := s/(4*f.ncell), (s/4)%f.ncell, s&3
			h := f.classOf[l]
			lb := l * f.ncell * 4
			relax(lb+c*4+(d+1)&3, cur+1)
			relax(lb+c*4+(d+3)&3, cur+1)
			if _, cost := mgPassable(grid[c], h); cost > 0 {
				p := c - fwd[d]
				if p >= 0 && p < f.ncell {
					if ok, _ := mgPassable(grid[p], h); ok || p == start {
						relax(lb+p*4+d, cur+cost)
					}
				}
			}
			// Picking up a key of class h from this spot.
			if fr := grid[c+fwd[d]]; h != mgHoldNone && h != mgHoldOther && fr.Type == mgKey && 1+fr.Color == h {
				for l2 := 0; l2 < f.nl; l2++ {
					h2 := f.classOf[l2]
					if h2 == h {
						continue
					}
					if ok, _ := mgPassable(grid[c], h2); !ok && c != start {
						continue
					}
					cost := int32(2)
					if h2 == mgHoldNone {
						cost = 1
					}
					relax((l2*f.ncell+c)*4+d, cur+cost)
				}
			}
		}
		f.bucket[cur%3] = b[:0]
		pending = len(f.bucket[0]) + len(f.bucket[1]) + len(f.bucket[2])
	}
}
