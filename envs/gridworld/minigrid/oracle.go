package minigrid

import (
	"context"

	"github.com/dojo-rl/dojo"
)

// mgOracle is the oracle's cached plan: its stages, the stage being
// walked to, and the walking distances to it.
type mgOracle struct {
	planner mgPlanner
	valid   bool
	ver     int // the env's world version the field was computed for
	stages  []mgStage
	j       int
	field   []int32 // [cell][dir]: actions to complete stage j; −1 unreachable
	queue   []int32
}

// OracleAction returns the next action of a shortest plan to success from
// the current state. The plan is cached and followed; it is searched again
// when the world changed in a way the plan did not foresee.
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Action{}, err
	}
	if err := e.life.Check(); err != nil {
		return dojo.Action{}, err
	}
	o := &e.oracle
	if !o.valid || o.ver != e.ver {
		advance := o.valid && e.ver == o.ver+1 && o.j+1 < len(o.stages)
		if advance {
			st := o.stages[o.j]
			advance = e.lastAct == [3]int{st.cell, st.dir, st.act}
		}
		if advance {
			o.j++
			o.walkField(e)
		} else if err := e.replan(); err != nil {
			return dojo.Action{}, err
		}
	}
	s := e.agent*4 + e.dir
	if o.field[s] < 0 {
		if err := e.replan(); err != nil {
			return dojo.Action{}, err
		}
		if o.field[s] < 0 {
			return dojo.Action{}, dojo.Errorf(dojo.CodeInternal, "%s: oracle: no way to the next stage of its plan", e.spec.ID)
		}
	}
	v := o.field[s]
	if v == 1 {
		if o.j == len(o.stages)-1 && e.reach {
			return dojo.IndexAction(mgActForward), nil
		}
		return dojo.IndexAction(o.stages[o.j].act), nil
	}
	if f := e.agent + e.fwd[e.dir]; e.grid[f].standable() && o.field[f*4+e.dir] == v-1 {
		return dojo.IndexAction(mgActForward), nil
	}
	if o.field[e.agent*4+(e.dir+3)&3] == v-1 {
		return dojo.IndexAction(mgActLeft), nil
	}
	return dojo.IndexAction(mgActRight), nil
}

// replan searches a plan from the current state.
func (e *Env) replan() error {
	o := &e.oracle
	stages, _, err := o.planner.plan(e.grid, e.fwd, e.reach, e.agent, e.dir, e.carried)
	if err != nil {
		o.valid = false
		return dojo.Errorf(dojo.CodeInternal, "%s: oracle: %v", e.spec.ID, err)
	}
	o.stages, o.j, o.valid = stages, 0, true
	o.walkField(e)
	return nil
}

// walkField computes, for every pose in the current world, the actions
// needed to complete stage j: a backward breadth-first search from the
// stage's pose (from every pose facing the goal or target for the last
// stage, which ends the episode).
func (o *mgOracle) walkField(e *Env) {
	o.ver = e.ver
	n := len(e.grid) * 4
	o.field = mgResize(o.field, n)
	for i := range o.field {
		o.field[i] = -1
	}
	o.queue = o.queue[:0]
	st := o.stages[o.j]
	if o.j == len(o.stages)-1 {
		for c, obj := range e.grid {
			if !obj.standable() {
				continue
			}
			for d := range 4 {
				fr := e.grid[c+e.fwd[d]]
				if (e.reach && fr.Type == mgGoal) || (!e.reach && fr.Flags&mgTarget != 0 && fr.canPickup()) {
					o.field[c*4+d] = 1
					o.queue = append(o.queue, int32(c*4+d))
				}
			}
		}
	} else {
		o.field[st.cell*4+st.dir] = 1
		o.queue = append(o.queue, int32(st.cell*4+st.dir))
	}
	for i := 0; i < len(o.queue); i++ {
		s := int(o.queue[i])
		c, d := s>>2, s&3
		v := o.field[s] + 1
		preds := [3]int{c*4 + (d+1)&3, c*4 + (d+3)&3, -1}
		if p := c - e.fwd[d]; p >= 0 && p < len(e.grid) && e.grid[p].standable() {
			preds[2] = p*4 + d
		}
		for _, t := range preds {
			if t >= 0 && o.field[t] < 0 {
				o.field[t] = v
				o.queue = append(o.queue, int32(t))
			}
		}
	}
}
