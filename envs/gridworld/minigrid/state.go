package minigrid

import "github.com/dojo-rl/dojo/envs/state"

// State describes the current state (dojo.Stater): a *state.MiniGrid,
// whose Grid is a buffer of the env valid until the next Step or Reset.
func (e *Env) State() any {
	n := e.w * e.h * 3
	if cap(e.stateGrid) < n {
		e.stateGrid = make([]int8, n)
	}
	g := e.stateGrid[:n]
	for x := 0; x < e.w; x++ {
		for y := 0; y < e.h; y++ {
			*(*[3]int8)(g[(x*e.h+y)*3:]) = e.enc[e.cellOf(x, y)]
		}
	}
	x, y := e.xyOf(e.agent)
	s := &state.MiniGrid{
		Kind: state.KindMiniGrid, Width: e.w, Height: e.h, Grid: g,
		Agent: [2]int{x, y}, Dir: e.dir, View: e.view, SeeThroughWalls: e.seeThrough, Mission: e.mission,
		Actions: mgActionWords,
	}
	if e.carried.Type != 0 {
		c := e.carried.code()
		s.Carrying = &c
	}
	return s
}
