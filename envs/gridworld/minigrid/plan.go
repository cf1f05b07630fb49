package minigrid

import (
	"container/heap"
	"errors"
	"fmt"
)

// The planner finds a shortest action sequence to success over the full
// state: the agent's cell and direction, the carried object and every door,
// key, ball and box. A shortest plan alternates shortest walks (turns and
// forward moves, which change nothing but the agent's pose) with
// interactions (pickup, drop, toggle) that change the world, so the planner
// runs A* over "the agent has just interacted" states, expanding each with
// a breadth-first search over poses in that world; the heuristic, the
// number of cells to the goal (or to beside the target, plus the pickup)
// through anything but walls and lava, is consistent, so the first success
// taken from the queue is a shortest plan. Two prunings keep the search
// small without losing shortest plans in the registered worlds: doors are
// never closed again, and an object is dropped only when another object
// could still be picked up and it is not a key whose locked door remains.
// If the pruned search finds nothing (possible on custom maps that need a
// key put down and fetched again) it searches again without pruning drops.

// mgDyn is a dynamic object (door, key, ball or box) and its cell.
type mgDyn struct {
	cell int32
	obj  mgObj
}

type mgNode struct {
	dyn      []mgDyn // sorted by cell
	carried  mgObj
	cell     int32
	dir      uint8
	act      uint8 // the action done at (cell, dir) that made this node
	terminal bool
	g        int32
	parent   int32
}

// mgStage is one interaction of a plan: walk to (cell, dir), then act.
type mgStage struct {
	cell int
	dir  int
	act  int
	g    int // actions from the plan's start up to and including act
}

type mgPlanner struct {
	fwd     [4]int
	reach   bool
	base    []mgObj // the grid without dynamic objects
	scratch []mgObj
	dist    []int32
	stamp   []uint32
	cur     uint32
	queue   []int32
	nodes   []mgNode
	best    map[string]int32
	done    map[string]bool
	pq      mgPQ
	key     []byte
	h       []int32 // admissible estimate of the actions left, by cell
	ub      int32   // cost of the best success found so far
}

// errMgUnreachable is the planner's answer when no sequence of actions
// leads from the state to success.
var errMgUnreachable = errors.New("success cannot be reached from this state")

// mgMaxPlanNodes bounds one search.
const mgMaxPlanNodes = 400000

func mgIsDynamic(o mgObj) bool {
	switch o.Type {
	case mgDoor, mgKey, mgBall, mgBox:
		return true
	}
	return false
}

// plan returns the stages of a shortest plan from the given state and its
// length in actions.
func (p *mgPlanner) plan(grid []mgObj, fwd [4]int, reach bool, agent, dir int, carried mgObj) ([]mgStage, int, error) {
	p.fwd, p.reach = fwd, reach
	n := len(grid)
	p.base = mgResize(p.base, n)
	p.scratch = mgResize(p.scratch, n)
	p.dist = mgResize(p.dist, n*4)
	p.stamp = mgResize(p.stamp, n*4)
	var dyn []mgDyn
	for i, o := range grid {
		if mgIsDynamic(o) {
			dyn = append(dyn, mgDyn{int32(i), o})
			p.base[i] = mgEmptyObj
		} else {
			p.base[i] = o
		}
	}
	p.heuristic(grid, agent)
	root := mgNode{dyn: dyn, carried: carried, cell: int32(agent), dir: uint8(dir), act: 255, parent: -1}
	stages, cost, err := p.search(root, true)
	if err != nil {
		stages, cost, err = p.search(root, false)
	}
	return stages, cost, err
}

// heuristic sets p.h: the number of forward moves from each cell to the
// goal (reach) or to beside the target plus the pickup, through anything
// but walls and lava. The agent needs at least that many actions, and it
// changes by at most one per move, so A* with it finds shortest plans.
//
// The agent may start on lava (MiniGrid lets it start on any cell it can
// overlap), which the search above does not enter: its cell gets one more
// than its best neighbour, as the agent must leave it first.
func (p *mgPlanner) heuristic(grid []mgObj, agent int) {
	p.h = mgResize(p.h, len(grid))
	q := p.queue[:0]
	for i, o := range grid {
		p.h[i] = -1
		if (p.reach && o.Type == mgGoal) || (!p.reach && o.Flags&mgTarget != 0) {
			p.h[i] = 0
			q = append(q, int32(i))
		}
	}
	for i := 0; i < len(q); i++ {
		c := int(q[i])
		for _, f := range p.fwd {
			n := c + f
			if n < 0 || n >= len(grid) || p.h[n] >= 0 || grid[n].Type == mgWall || grid[n].Type == mgLava {
				continue
			}
			p.h[n] = p.h[c] + 1
			q = append(q, int32(n))
		}
	}
	p.queue = q
	if p.h[agent] < 0 {
		for _, f := range p.fwd {
			if n := agent + f; n >= 0 && n < len(grid) && p.h[n] >= 0 && (p.h[agent] < 0 || p.h[n]+1 < p.h[agent]) {
				p.h[agent] = p.h[n] + 1
			}
		}
	}
}

// estimate returns the heuristic of a node at cell: the moves to the goal,
// or to beside the target plus the pickup; a large number where they
// cannot be reached at all.
func (p *mgPlanner) estimate(cell int32) int32 {
	if h := p.h[cell]; h >= 0 {
		return h
	}
	return 1 << 30
}

func (p *mgPlanner) search(root mgNode, prune bool) ([]mgStage, int, error) {
	p.nodes = append(p.nodes[:0], root)
	p.best = map[string]int32{}
	p.done = map[string]bool{}
	p.pq = p.pq[:0]
	p.ub = 1 << 30
	p.best[p.nodeKey(&root)] = 0
	heap.Push(&p.pq, mgPQItem{p.estimate(root.cell), 0})
	for p.pq.Len() > 0 {
		it := heap.Pop(&p.pq).(mgPQItem)
		nd := &p.nodes[it.node]
		if nd.terminal {
			return p.stages(it.node), int(nd.g), nil
		}
		k := p.nodeKey(nd)
		if p.done[k] || p.best[k] < nd.g {
			continue
		}
		p.done[k] = true
		if len(p.nodes) > mgMaxPlanNodes {
			return nil, 0, fmt.Errorf("plan search gave up after %d states", len(p.nodes))
		}
		p.expand(it.node, prune)
	}
	return nil, 0, errMgUnreachable
}

func (p *mgPlanner) stages(i int32) []mgStage {
	var out []mgStage
	for ; p.nodes[i].parent >= 0; i = p.nodes[i].parent {
		nd := &p.nodes[i]
		out = append(out, mgStage{cell: int(nd.cell), dir: int(nd.dir), act: int(nd.act), g: int(nd.g)})
	}
	for a, b := 0, len(out)-1; a < b; a, b = a+1, b-1 {
		out[a], out[b] = out[b], out[a]
	}
	return out
}

func (p *mgPlanner) nodeKey(nd *mgNode) string {
	b := p.key[:0]
	b = append(b, byte(nd.cell), byte(nd.cell>>8), byte(nd.cell>>16), nd.dir)
	b = mgAppendObj(b, nd.carried)
	for _, d := range nd.dyn {
		b = append(b, byte(d.cell), byte(d.cell>>8), byte(d.cell>>16))
		b = mgAppendObj(b, d.obj)
	}
	p.key = b
	return string(b)
}

func mgAppendObj(b []byte, o mgObj) []byte {
	return append(b, o.Type, o.Color, o.State, o.In, o.InColor, o.Flags)
}

// walk runs a breadth-first search over poses from (cell, dir) in the
// scratch grid, leaving the poses reached in p.queue in order of distance
// and their distances in p.dist (valid where p.stamp == p.cur).
func (p *mgPlanner) walk(cell, dir int) {
	p.cur++
	if p.cur == 0 {
		clear(p.stamp)
		p.cur = 1
	}
	s0 := int32(cell*4 + dir)
	p.queue = append(p.queue[:0], s0)
	p.dist[s0], p.stamp[s0] = 0, p.cur
	for i := 0; i < len(p.queue); i++ {
		s := p.queue[i]
		c, d := int(s>>2), int(s&3)
		next := [3]int32{int32(c*4 + (d+3)&3), int32(c*4 + (d+1)&3), -1}
		if f := c + p.fwd[d]; p.scratch[f].standable() {
			next[2] = int32(f*4 + d)
		}
		for _, t := range next {
			if t >= 0 && p.stamp[t] != p.cur {
				p.stamp[t], p.dist[t] = p.cur, p.dist[s]+1
				p.queue = append(p.queue, t)
			}
		}
	}
}

func (p *mgPlanner) expand(i int32, prune bool) {
	nd := p.nodes[i]
	copy(p.scratch, p.base)
	canPick := false
	for _, d := range nd.dyn {
		p.scratch[d.cell] = d.obj
		canPick = canPick || d.obj.canPickup()
	}
	dropOK := nd.carried.Type != 0
	if prune && dropOK {
		dropOK = canPick
		if nd.carried.Type == mgKey {
			for _, d := range nd.dyn {
				if d.obj.Type == mgDoor && d.obj.State == mgLocked && d.obj.Color == nd.carried.Color {
					dropOK = false
				}
			}
		}
	}
	p.walk(int(nd.cell), int(nd.dir))
	for _, s := range p.queue {
		c, d := int(s>>2), int(s&3)
		f := c + p.fwd[d]
		o := p.scratch[f]
		g := nd.g + p.dist[s] + 1
		child := func(act int, carried mgObj, cellObj mgObj, terminal bool) {
			ch := mgNode{carried: carried, cell: int32(c), dir: uint8(d), act: uint8(act), terminal: terminal, g: g, parent: i}
			if terminal {
				if g < p.ub {
					p.ub = g
					p.nodes = append(p.nodes, ch)
					heap.Push(&p.pq, mgPQItem{g, int32(len(p.nodes) - 1)})
				}
				return
			}
			score := g + p.estimate(int32(c))
			if score >= p.ub {
				return
			}
			ch.dyn = mgSetDyn(nd.dyn, int32(f), cellObj)
			k := p.nodeKey(&ch)
			if b, ok := p.best[k]; ok && b <= g {
				return
			}
			p.best[k] = g
			p.nodes = append(p.nodes, ch)
			heap.Push(&p.pq, mgPQItem{score, int32(len(p.nodes) - 1)})
		}
		switch {
		case o.Type == mgGoal:
			if p.reach {
				child(mgActForward, nd.carried, o, true)
			}
		case o.canPickup():
			if nd.carried.Type != 0 {
				break
			}
			if !p.reach && o.Flags&mgTarget != 0 {
				child(mgActPickup, o, mgEmptyObj, true)
			} else {
				child(mgActPickup, o, mgEmptyObj, false)
			}
			if o.Type == mgBox {
				child(mgActToggle, nd.carried, o.contents(), false)
			}
		case o.Type == mgDoor:
			switch {
			case o.State == mgClosed,
				o.State == mgLocked && nd.carried.Type == mgKey && nd.carried.Color == o.Color:
				child(mgActToggle, nd.carried, mgDoorObj(o.Color, mgOpen), false)
			}
		case o.Type == mgEmpty:
			if dropOK {
				child(mgActDrop, mgObj{}, nd.carried, false)
			}
		}
		if o.Type == mgBox && nd.carried.Type != 0 {
			child(mgActToggle, nd.carried, o.contents(), false)
		}
	}
}

// mgSetDyn returns a copy of dyn with the object at cell set to o (removed
// when o is not dynamic), kept sorted by cell.
func mgSetDyn(dyn []mgDyn, cell int32, o mgObj) []mgDyn {
	out := make([]mgDyn, 0, len(dyn)+1)
	placed := !mgIsDynamic(o)
	for _, d := range dyn {
		if d.cell == cell {
			continue
		}
		if !placed && d.cell > cell {
			out = append(out, mgDyn{cell, o})
			placed = true
		}
		out = append(out, d)
	}
	if !placed {
		out = append(out, mgDyn{cell, o})
	}
	return out
}

type mgPQItem struct {
	f    int32 // g plus the heuristic
	node int32
}

type mgPQ []mgPQItem

func (q mgPQ) Len() int { return len(q) }
func (q mgPQ) Less(i, j int) bool {
	if q[i].f != q[j].f {
		return q[i].f < q[j].f
	}
	return q[i].node < q[j].node
}
func (q mgPQ) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *mgPQ) Push(x any)   { *q = append(*q, x.(mgPQItem)) }
func (q *mgPQ) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
