package minigrid

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

var _ dojo.WorldModel = (*Env)(nil)

// WorldModel returns the exact model of the world of Reset seed: the
// states reachable from the reset state, found by a breadth-first search
// in which every transition is the env's own Step from a restored state.
// A state is the agent's cell and heading, the carried object and every
// door, key, ball and box (with its state, colour and contents); the
// layout's walls, floors, goals and lava never change. The model has the
// seven actions (invalid actions are not in it), one outcome per action
// (the worlds are deterministic), and one absorbing state after the
// reachable ones, the next state of every terminating outcome. The
// components are those of Step: minigrid is given as the success indicator
// scaled by the step count (dojo.ModelParts.StepScale, reward.MiniGrid),
// potential with Φ(s') = 0 on the step that reaches the step limit
// (Truncated), and explore, which counts the visits of the episode, is not
// modelled. More than maxStates reachable states is an error. The env is
// reset with seed again at the end.
func (e *Env) WorldModel(ctx context.Context, seed uint64, maxStates int) (*dojo.MDP, *dojo.ModelParts, error) {
	if _, _, err := e.Reset(ctx, seed); err != nil {
		return nil, nil, err
	}
	defer e.Reset(ctx, seed) //nolint:errcheck // leaves the env at a fresh episode
	// The layout without its doors, keys, balls and boxes: a state puts
	// them back.
	base := make([]mgObj, len(e.grid))
	for c, o := range e.grid {
		if mgIsDynamic(o) {
			o = mgEmptyObj
		}
		base[c] = o
	}
	const nA = mgNumActs
	T := e.maxSteps
	index := map[string]int{}
	var keys []string
	add := func(k string) (int, error) {
		if i, ok := index[k]; ok {
			return i, nil
		}
		if len(keys) >= maxStates {
			return 0, dojo.Errorf(dojo.CodeInvalid, "%s seed %d: more than %d states reachable, the cap of the exact model; audit a smaller world", e.spec.ID, seed, maxStates)
		}
		index[k] = len(keys)
		keys = append(keys, k)
		return len(keys) - 1, nil
	}
	if _, err := add(string(e.modelKey(nil))); err != nil {
		return nil, nil, err
	}
	type out struct {
		next       int // −1: terminated
		values     [numComponents]float64
		last       [numComponents]float64
		terminated bool
	}
	names := make([]string, numComponents)
	for i, c := range e.spec.Rewards[:numComponents] {
		names[i] = c.Name
	}
	p := &dojo.ModelParts{
		Components: names,
		MaxSteps:   T,
		Gamma:      e.gamma,
		StepScale:  make([][]float64, numComponents),
		Unmodelled: []string{names[cExplore]},
	}
	scale := make([]float64, T)
	for t := range scale {
		scale[t] = reward.MiniGrid(t+1, T)
	}
	p.StepScale[cMiniGrid] = scale
	weights := make([]float64, numComponents)
	for i := range weights {
		weights[i] = e.parts.Weight(i)
	}
	// The rows of P and the parts are written as the search goes, state by
	// state; terminating outcomes point to the absorbing state once its
	// number is known.
	var rows [][][]dojo.Outcome
	var buf []byte
	act := func(key string, a, steps int) (dojo.Step, string, float64, error) {
		e.restore(key, base)
		e.steps = steps
		phi := e.phi
		st, err := e.Step(ctx, dojo.Action{Kind: dojo.ActIndex, Index: a})
		if err != nil {
			return st, "", 0, err
		}
		e.visits[e.agent] = 0
		buf = e.modelKey(buf[:0])
		return st, string(buf), phi, nil
	}
	for s := 0; s < len(keys); s++ {
		row := make([][]dojo.Outcome, nA)
		rows = append(rows, row)
		if s%256 == 0 {
			if err := dojo.CheckContext(ctx); err != nil {
				return nil, nil, err
			}
		}
		for a := range nA {
			var o out
			// An ordinary step (none before the limit when T = 1), then
			// the step that reaches the limit.
			for pass, steps := range [2]int{0, T - 1} {
				if pass == 0 && T == 1 {
					continue
				}
				st, next, _, err := act(keys[s], a, steps)
				if err != nil {
					return nil, nil, fmt.Errorf("%s seed %d: model step: %w", e.spec.ID, seed, err)
				}
				v := &o.values
				if pass == 1 {
					v = &o.last
				}
				for i, p := range st.Info.Parts[:numComponents] {
					v[i] = p.Value
				}
				// minigrid is the success indicator, scaled by the step
				// count (ModelParts.StepScale): check that Step agrees.
				if want := v[cSuccess] * reward.MiniGrid(e.steps, T); v[cMiniGrid] != want {
					return nil, nil, fmt.Errorf("%s seed %d: model step: minigrid %v after %d steps, want %v", e.spec.ID, seed, v[cMiniGrid], e.steps, want)
				}
				v[cMiniGrid] = v[cSuccess]
				v[cExplore] = 0
				o.terminated = st.Terminated
				if st.Terminated {
					o.next = -1
					continue
				}
				j, err := add(next)
				if err != nil {
					return nil, nil, err
				}
				o.next = j
				if pass == 0 {
					// Φ must be a function of the state: the env's Φ after
					// the step equals Φ recomputed from the state.
					got := e.phi
					e.restore(next, base)
					if e.phi != got {
						return nil, nil, fmt.Errorf("%s seed %d: Φ after a step is %v, %v from the state alone: the state does not determine the potential", e.spec.ID, seed, got, e.phi)
					}
				}
			}
			if T == 1 {
				o.values = o.last
			}
			// The reward under the env's profile, at the first step.
			var r float64
			for i, w := range weights {
				v := o.values[i]
				if i == cMiniGrid {
					v *= scale[0]
				}
				r += float64(w * v)
			}
			row[a] = []dojo.Outcome{{Prob: 1, Next: o.next, Reward: r, Terminated: o.terminated}}
			p.Values = append(p.Values, o.values[:]...)
			p.Truncated = append(p.Truncated, o.last[:]...)
		}
	}
	nS := len(keys) + 1 // the absorbing state last
	end := nS - 1
	m := &dojo.MDP{NS: nS, NA: nA, P: rows, InitialStateDistrib: make([]float64, nS)}
	m.InitialStateDistrib[0] = 1
	for _, row := range m.P {
		for _, outs := range row {
			if outs[0].Next < 0 {
				outs[0].Next = end
			}
		}
	}
	m.P = append(m.P, make([][]dojo.Outcome, nA))
	var zero [numComponents]float64
	for a := range nA {
		m.P[end][a] = []dojo.Outcome{{Prob: 1, Next: end}}
		p.Values = append(p.Values, zero[:]...)
		p.Truncated = append(p.Truncated, zero[:]...)
	}
	return m, p, nil
}

// modelKey appends to b the state WorldModel tells apart: the agent's cell
// and heading, the carried object and every door, key, ball and box.
func (e *Env) modelKey(b []byte) []byte {
	obj := func(b []byte, o mgObj) []byte {
		return append(b, o.Type, o.Color, o.State, o.In, o.InColor, o.Flags)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(e.agent))
	b = append(b, byte(e.dir))
	b = obj(b, e.carried)
	for c, o := range e.grid {
		if mgIsDynamic(o) {
			b = binary.LittleEndian.AppendUint32(b, uint32(c))
			b = obj(b, o)
		}
	}
	return b
}

// restore puts the env in the state of key (modelKey) on the layout base,
// ready to step: the grid, the agent, the carried object, the distance
// table and Φ of the state, the episode running.
func (e *Env) restore(key string, base []mgObj) {
	k := key
	agent := int(binary.LittleEndian.Uint32([]byte(k[:4])))
	dir := int(k[4])
	obj := func(b string) mgObj {
		return mgObj{Type: b[0], Color: b[1], State: b[2], In: b[3], InColor: b[4], Flags: b[5]}
	}
	carried := obj(k[5:11])
	dyn := k[11:]
	// The cells holding a door, key, ball or box now (e.sigBuf, kept by
	// updateField) that the state leaves empty go back to the layout; then
	// the state's objects are put in place.
	changed := false
	for _, d := range e.sigBuf {
		found := false
		for i := 0; i < len(dyn); i += 10 {
			if int32(binary.LittleEndian.Uint32([]byte(dyn[i:i+4]))) == d.cell {
				found = true
				break
			}
		}
		if c := int(d.cell); !found && e.grid[c] != base[c] {
			e.setCell(c, base[c])
			changed = true
		}
	}
	for i := 0; i < len(dyn); i += 10 {
		c := int(binary.LittleEndian.Uint32([]byte(dyn[i : i+4])))
		if o := obj(dyn[i+4 : i+10]); e.grid[c] != o {
			e.setCell(c, o)
			changed = true
		}
	}
	e.agent, e.dir, e.carried = agent, dir, carried
	if changed {
		e.ver++
	}
	e.oracle.valid = false
	e.visits[e.agent] = 0
	e.invalid = 0
	e.fullAt = -1
	e.updateField()
	e.phi = e.potential(e.field.at(e.agent, e.dir, e.carried))
	e.life.Begin()
}
