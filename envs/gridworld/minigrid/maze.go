package minigrid

import "math/rand/v2"

// mgMazeScratch is the reusable storage of maze generation.
type mgMazeScratch struct {
	visited []bool
	stack   []int32
	dist    []int32
	queue   []int32
}

// mgGenMaze lays out a perfect maze (a spanning tree of the cell graph, so
// exactly one path between any two cells) on an odd-sized grid: cells sit at
// odd coordinates, walls everywhere else, and a randomized depth-first
// search (the "recursive backtracker", iterative here) from a random cell
// knocks down the wall between a cell and a random unvisited neighbour,
// backtracking at dead ends. The agent starts on a random cell facing a
// random direction and the goal goes on the cell farthest from it along the
// maze (the lowest index among ties), so the reward is as sparse as the
// maze allows.
func mgGenMaze(rng *rand.Rand, g *mgWorld, s *mgMazeScratch) {
	for i := range g.cells {
		g.cells[i] = mgWallObj
	}
	cw, ch := (g.w-1)/2, (g.h-1)/2
	n := cw * ch
	s.visited = mgResize(s.visited, n)
	clear(s.visited)
	s.stack = s.stack[:0]
	cellXY := func(c int32) (int, int) { return 2*int(c%int32(cw)) + 1, 2*int(c/int32(cw)) + 1 }
	start := int32(rng.IntN(n))
	s.visited[start] = true
	x, y := cellXY(start)
	g.set(x, y, mgEmptyObj)
	s.stack = append(s.stack, start)
	var nb [4]int32
	for len(s.stack) > 0 {
		c := s.stack[len(s.stack)-1]
		cx, cy := int(c%int32(cw)), int(c/int32(cw))
		k := 0
		for _, d := range mgDirVec {
			nx, ny := cx+d[0], cy+d[1]
			if nx < 0 || ny < 0 || nx >= cw || ny >= ch {
				continue
			}
			if m := int32(ny*cw + nx); !s.visited[m] {
				nb[k] = m
				k++
			}
		}
		if k == 0 {
			s.stack = s.stack[:len(s.stack)-1]
			continue
		}
		m := nb[rng.IntN(k)]
		s.visited[m] = true
		x0, y0 := cellXY(c)
		x1, y1 := cellXY(m)
		g.set((x0+x1)/2, (y0+y1)/2, mgEmptyObj)
		g.set(x1, y1, mgEmptyObj)
		s.stack = append(s.stack, m)
	}
	ax, ay := cellXY(start)
	g.ax, g.ay, g.dir = ax, ay, rng.IntN(4)
	// The goal: the farthest cell, by breadth-first search on the grid.
	s.dist = mgResize(s.dist, g.w*g.h)
	for i := range s.dist {
		s.dist[i] = -1
	}
	s.queue = append(s.queue[:0], int32(ay*g.w+ax))
	s.dist[ay*g.w+ax] = 0
	far := int32(ay*g.w + ax)
	for i := 0; i < len(s.queue); i++ {
		p := s.queue[i]
		if s.dist[p] > s.dist[far] || (s.dist[p] == s.dist[far] && p < far) {
			far = p
		}
		for _, d := range mgDirVec {
			q := p + int32(d[0]) + int32(d[1]*g.w)
			if q < 0 || int(q) >= len(g.cells) || s.dist[q] >= 0 || g.cells[q].Type != mgEmpty {
				continue
			}
			s.dist[q] = s.dist[p] + 1
			s.queue = append(s.queue, q)
		}
	}
	g.cells[far] = mgGoalObj()
	g.mission = "find the way through the maze to the green goal square"
}

// mgResize returns s with length n, reusing its storage when it can.
func mgResize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
