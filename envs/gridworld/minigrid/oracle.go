package minigrid

import (
	"context"
	"errors"

	"github.com/dojo-rl/dojo"
)

// mgOracle is the oracle's cached plan: its stages, the stage being
// walked to, and the walking distances to it.
type mgOracle struct {
	planner mgPlanner
	valid   bool
	none    bool // no plan leads to success from world version ver
	ver     int  // the env's world version the field (or none) is for
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
	if o.none && o.ver == e.ver {
		// Moving or turning cannot make success reachable: the agent's
		// moves are reversible, and entering lava or a goal ends the episode.
		return dojo.Action{}, e.noPlan()
	}
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
	if errors.Is(err, errMgUnreachable) {
		o.valid, o.none, o.ver = false, true, e.ver
		return e.noPlan()
	}
	if err != nil {
		o.valid = false
		return dojo.Errorf(dojo.CodeInternal, "%s: oracle: %v", e.spec.ID, err)
	}
	o.stages, o.j, o.valid, o.none = stages, 0, true, false
	o.walkField(e)
	return nil
}

// noPlan is the oracle's answer where success cannot be reached (a map
// loaded with require_solvable=false): it has no action.
func (e *Env) noPlan() error {
	return dojo.Errorf(dojo.CodeInvalid, "%s: no sequence of actions leads from this state to success: the oracle has no action (the map's goal cannot be reached)", e.spec.ID)
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
	// The agent's cell counts as one to stand on even when it is not (the
	// agent may start on a goal or lava), but no forward move enters it.
	if o.j == len(o.stages)-1 {
		for c, obj := range e.grid {
			if !obj.standable() && c != e.agent {
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
		if p := c - e.fwd[d]; p >= 0 && p < len(e.grid) && e.grid[c].standable() && (e.grid[p].standable() || p == e.agent) {
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
