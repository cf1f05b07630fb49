package minigrid

import (
	"context"
	"encoding/binary"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/reward"
)

// MiniGrid's actions.
const (
	mgActLeft = iota
	mgActRight
	mgActForward
	mgActPickup
	mgActDrop
	mgActToggle
	mgActDone
	mgNumActs
)

// numComponents is the number of reward components, len(mgRewards()).
const numComponents = 7

// Indices of the reward components in Spec.Rewards: constants, so that
// Step sets its parts without bounds checks, held to the components' names
// when the package is initialised (family.MustConst).
const (
	cSuccess = iota
	cMiniGrid
	cPotential
	cStepCost
	cExplore
	cLava
	cInvalid
)

var _ = [...]int{
	family.MustConst(mgRewards(), cSuccess, dojo.SuccessComponent),
	family.MustConst(mgRewards(), cMiniGrid, "minigrid"),
	family.MustConst(mgRewards(), cPotential, "potential"),
	family.MustConst(mgRewards(), cStepCost, "step_cost"),
	family.MustConst(mgRewards(), cExplore, "explore"),
	family.MustConst(mgRewards(), cLava, "lava"),
	family.MustConst(mgRewards(), cInvalid, "invalid"),
}

// mgSeedStream is the second word of the PCG seed of every MiniGrid world.
const mgSeedStream = 0x6d696e6967726964 // "minigrid"

// Obs is the structured observation (Obs.Value) of the MiniGrid
// worlds, MiniGrid's observation dict. Image is MiniGrid's encoding of the
// agent's view (or of the whole grid with obs=full): three numbers per cell
// (object, colour, state), indexed [x][y][channel] as MiniGrid's numpy image
// and flattened in row-major order, so the number for view column x, row y,
// channel c is Image[(x*height+y)*3+c]. Direction is the agent's heading
// (0 right, 1 down, 2 left, 3 up) and Mission the task in words.
//
// The env reuses one Obs and its Image for every step: the value is
// valid until the next Step or Reset; Clone (or dojo.CloneValue) copies it.
type Obs struct {
	Image     []int8 `json:"image"`
	Direction int    `json:"direction"`
	Mission   string `json:"mission"`
}

// Clone returns a deep copy of o.
func (o *Obs) Clone() *Obs {
	c := *o
	c.Image = slices.Clone(o.Image)
	return &c
}

// CloneValue implements the copying hook of dojo.CloneValue.
func (o *Obs) CloneValue() any { return o.Clone() }

// mgConfig is an env's configuration, from its variant and options.
type mgConfig struct {
	layout     mgLayout
	full, text bool
	view       int
	seeThrough bool
	maxSteps   int
	gamma      float64
	beta       float64
	policy     family.Policy
	reach      bool // success = reaching a goal; else picking up the target
}

// Env implements dojo.Env and these optional interfaces.
var (
	_ dojo.Env    = (*Env)(nil)
	_ dojo.Oracle = (*Env)(nil)
	_ dojo.Stater = (*Env)(nil)
)

// Env is a MiniGrid world.
type Env struct {
	spec dojo.Spec
	mgConfig

	src   rand.PCG
	rng   *rand.Rand
	world mgWorld
	gen   mgGen

	// The runtime grid, padded by pad wall cells on every side so that
	// neither the view nor a move ever leaves the array.
	w, h, pad, pw, ph int
	grid              []mgObj
	enc               [][3]int8 // MiniGrid's encoding of each grid cell
	// lay holds the encoding again in four orientations, one per heading,
	// so that each column of the egocentric view is a contiguous run: for
	// heading 0 (right) rows with x reversed, 1 (down) columns with y
	// reversed, 2 (left) rows, 3 (up) columns.
	lay [4][]int8
	// opq holds, in the same orientations, 1 for cells that hide what lies
	// behind them (walls, closed doors), else 0.
	opq        [4][]uint8
	fwd        [4]int // cell index step of each direction
	agent, dir int
	carried    mgObj
	mission    string

	life           family.Lifecycle
	laidOut        bool // the grid has been written once (padding included)
	steps, invalid int

	// Observation buffers.
	obs      Obs
	value    any
	viewOff  [4][]int32 // cell offset of each view cell, in image order
	ego      []int8     // the egocentric image (also with obs=full, for text)
	vis      []bool     // occludeWide's visibility mask, [vx*view+vy]
	fullAt   int        // obs=full: the cell the agent is drawn on
	textBuf  []byte
	msgs     [2]dojo.Message
	lastText string

	stateGrid []int8 // State's grid

	// Rewards.
	parts   *reward.Parts
	weighed []int // components with a non-zero weight, in order
	metrics dojo.Metrics
	field   *mgField   // the table of the current world
	fields  [2]mgField // the current table and the previous one
	sigBuf  []mgDyn
	phi     float64
	d0      float64
	phiTab  []float64 // Φ by relaxed distance d, 0 ≤ d ≤ 2·d0
	visits  []uint32
	bonus   []float64 // β/√n by visit count n, 0 < n ≤ max_steps+1

	// World version: incremented when an object moves or a door changes;
	// lastAct is the (cell, dir, action) that did it.
	ver     int
	lastAct [3]int
	oracle  mgOracle
}

func newEnv(spec dojo.Spec, cfg mgConfig, opts dojo.Options) *Env {
	e := &Env{spec: spec, mgConfig: cfg}
	e.rng = rand.New(&e.src)
	e.w, e.h = cfg.layout.dims()
	e.pad = cfg.view - 1
	e.pw = e.w + 2*e.pad
	e.ph = e.h + 2*e.pad
	n := e.pw * e.ph
	e.grid = make([]mgObj, n)
	e.enc = make([][3]int8, n)
	for d := range e.lay {
		e.lay[d] = make([]int8, 3*n+3) // 3 bytes of slack for egocentric's 24-byte copies
		e.opq[d] = make([]uint8, n+8)  // slack for its 8-byte loads
	}
	e.visits = make([]uint32, n)
	for d := range 4 {
		e.fwd[d] = mgDirVec[d][0] + mgDirVec[d][1]*e.pw
	}
	v, hv := cfg.view, cfg.view/2
	for d := range 4 {
		fx, fy := mgDirVec[d][0], mgDirVec[d][1]
		rx, ry := -fy, fx
		off := make([]int32, v*v)
		for vx := range v {
			for vy := range v {
				dx := fx*(v-1-vy) + rx*(vx-hv)
				dy := fy*(v-1-vy) + ry*(vx-hv)
				off[vx*v+vy] = int32(dx + dy*e.pw)
			}
		}
		e.viewOff[d] = off
	}
	e.ego = make([]int8, v*v*3, v*v*3+3) // slack for egocentric's 24-byte copies
	if v > mgMaskView {
		e.vis = make([]bool, v*v)
	}
	if cfg.full {
		e.obs.Image = make([]int8, e.w*e.h*3)
	} else {
		e.obs.Image = e.ego
	}
	e.value = &e.obs
	e.parts = reward.MustNew(&e.spec, opts)
	for i := range numComponents {
		if e.parts.Weight(i) != 0 {
			e.weighed = append(e.weighed, i)
		}
	}
	// A cell is visited at most once at Reset and once per step.
	e.bonus = make([]float64, cfg.maxSteps+2)
	for n := 1; n < len(e.bonus); n++ {
		e.bonus[n] = cfg.beta / math.Sqrt(float64(n))
	}
	e.metrics = dojo.Metrics{{Name: "distance"}}
	return e
}

func (e *Env) Spec() dojo.Spec { return e.spec }

func (e *Env) cellOf(x, y int) int { return (y+e.pad)*e.pw + x + e.pad }

func (e *Env) xyOf(c int) (int, int) { return c%e.pw - e.pad, c/e.pw - e.pad }

func (e *Env) setCell(c int, o mgObj) {
	e.grid[c] = o
	code := o.code()
	e.enc[c] = code
	px, py := c%e.pw, c/e.pw
	var opaque uint8
	if !o.seeBehind() {
		opaque = 1
	}
	for d := range e.lay {
		i := e.layIndex(d, px, py)
		*(*[3]int8)(e.lay[d][3*i:]) = code
		e.opq[d][i] = opaque
	}
}

// layIndex returns the index of padded cell (px, py) in orientation d.
func (e *Env) layIndex(d, px, py int) int {
	switch d {
	case 0:
		return py*e.pw + e.pw - 1 - px
	case 1:
		return px*e.ph + e.ph - 1 - py
	case 2:
		return py*e.pw + px
	}
	return px*e.ph + py
}

// Reset lays out a new world from seed.
func (e *Env) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	e.src.Seed(seed, mgSeedStream)
	if err := e.layout.generate(e.rng, &e.world, &e.gen); err != nil {
		return dojo.Obs{}, dojo.Info{}, dojo.Errorf(dojo.CodeInternal, "%s: seed %d: %v", e.spec.ID, seed, err)
	}
	// Cells are rewritten (in every orientation) only where they differ
	// from the last episode's; the padding stays walls.
	if !e.laidOut {
		for i := range e.grid {
			e.setCell(i, mgWallObj)
		}
		e.laidOut = true
	}
	for y := 0; y < e.h; y++ {
		for x := 0; x < e.w; x++ {
			if c, o := e.cellOf(x, y), e.world.at(x, y); e.grid[c] != o {
				e.setCell(c, o)
			}
		}
	}
	e.agent, e.dir = e.cellOf(e.world.ax, e.world.ay), e.world.dir
	e.carried = mgObj{}
	e.mission = e.world.mission
	e.obs.Mission = e.mission
	e.life.Begin()
	e.steps, e.invalid = 0, 0
	e.ver++
	e.oracle.valid = false
	clear(e.visits)
	e.visits[e.agent] = 1
	e.fields[0].valid, e.fields[1].valid = false, false
	e.field = &e.fields[1]
	e.updateField()
	d := e.field.at(e.agent, e.dir, e.carried)
	e.d0 = math.Max(1, float64(d))
	e.phiTab = mgResize(e.phiTab, 2*int(e.d0)+1)
	for i := range e.phiTab {
		e.phiTab[i] = -float64(i) / e.d0
	}
	e.phi = e.potential(d)
	e.metrics[0].Value = float64(d)
	e.parts.Reset()
	e.fullAt = -1
	e.observe(true)
	obs := dojo.Obs{Value: e.value}
	if e.text {
		e.textObs(&obs, true, "")
	}
	return obs, dojo.Info{Parts: e.parts.Parts(), Metrics: e.metrics}, nil
}

// updateField makes e.field the distance table of the current world. The
// table of the previous world is kept: an agent that picks an object up and
// puts it back, or opens and closes a door, gets it back without a new
// search.
func (e *Env) updateField() {
	sig := e.sigBuf[:0]
	for c, o := range e.grid {
		if mgIsDynamic(o) {
			sig = append(sig, mgDyn{int32(c), o})
		}
	}
	e.sigBuf = sig
	other := &e.fields[0]
	if other == e.field {
		other = &e.fields[1]
	}
	start := -1
	if !e.grid[e.agent].standable() {
		start = e.agent // on the goal or lava it started on
	}
	if !other.valid || other.carried != e.carried || other.start != start || !slices.Equal(other.sig, sig) {
		other.compute(e.grid, &e.fwd, e.reach, e.carried, start)
		other.sig = append(other.sig[:0], sig...)
		other.carried, other.start = e.carried, start
		other.valid = true
	}
	e.field = other
}

// potential returns Φ for relaxed distance d: −min(d, 2·d0)/d0, −2 when
// success is unreachable.
func (e *Env) potential(d int32) float64 {
	if d < 0 {
		return -2
	}
	return e.phiTab[min(int(d), len(e.phiTab)-1)]
}

// Step applies an action.
func (e *Env) Step(ctx context.Context, a dojo.Action) (st dojo.Step, err error) {
	if !e.life.Ready(ctx) {
		return dojo.Step{}, e.life.Step(ctx)
	}
	act, errMsg := a.Index, ""
	if a.Kind != dojo.ActIndex || uint(act) >= mgNumActs {
		act, errMsg = e.parseAction(a)
	}
	e.steps++
	p := e.parts
	var terminated, success, moved, changed bool
	lava, invalid := 0.0, 0.0
	if act < 0 {
		e.invalid++
		invalid = -1
		terminated = e.policy.Ends(e.invalid)
	} else {
		f := e.agent + e.fwd[e.dir]
		fo := e.grid[f]
		switch act {
		case mgActLeft:
			e.dir = (e.dir + 3) & 3
			moved = true
		case mgActRight:
			e.dir = (e.dir + 1) & 3
			moved = true
		case mgActForward:
			if fo.canOverlap() {
				e.agent = f
				moved = true
			}
			switch fo.Type {
			case mgGoal:
				terminated = e.reach
				success = e.reach
			case mgLava:
				terminated = true
				lava = -1
			}
		case mgActPickup:
			if fo.canPickup() && e.carried.Type == 0 {
				e.carried = fo
				e.setCell(f, mgEmptyObj)
				changed = true
				if !e.reach && fo.Flags&mgTarget != 0 {
					terminated, success = true, true
				}
			}
		case mgActDrop:
			if fo.Type == mgEmpty && e.carried.Type != 0 {
				e.setCell(f, e.carried)
				e.carried = mgObj{}
				changed = true
			}
		case mgActToggle:
			switch fo.Type {
			case mgDoor:
				switch fo.State {
				case mgLocked:
					if e.carried.Type == mgKey && e.carried.Color == fo.Color {
						e.setCell(f, mgDoorObj(fo.Color, mgOpen))
						changed = true
					}
				case mgOpen:
					e.setCell(f, mgDoorObj(fo.Color, mgClosed))
					changed = true
				default:
					e.setCell(f, mgDoorObj(fo.Color, mgOpen))
					changed = true
				}
			case mgBox:
				e.setCell(f, fo.contents())
				changed = true
			}
		}
	}
	truncated := e.steps >= e.maxSteps
	if changed {
		e.ver++
		e.lastAct = [3]int{e.agent, e.dir, act}
		e.updateField()
	}
	parts := p.Parts()[:numComponents]
	if success {
		parts[cSuccess].Value = 1
		parts[cMiniGrid].Value = reward.MiniGrid(e.steps, e.maxSteps)
	} else {
		parts[cSuccess].Value = 0
		parts[cMiniGrid].Value = 0
	}
	parts[cStepCost].Value = -1
	parts[cLava].Value = lava
	parts[cInvalid].Value = invalid
	e.visits[e.agent]++
	parts[cExplore].Value = e.bonus[e.visits[e.agent]]
	d := e.field.at(e.agent, e.dir, e.carried)
	if success {
		d = 0
	}
	phi := e.potential(d)
	// Φ(s') = 0 on a step that ends the episode, terminated or truncated,
	// so that the shaping sums to −Φ(s0) over every episode.
	parts[cPotential].Value = reward.Potential(e.gamma, e.phi, phi, terminated || truncated)
	e.phi = phi
	e.metrics[0].Value = float64(d)
	if terminated || truncated {
		e.life.End()
	}
	if moved || changed {
		e.observe(changed)
	}
	st.Obs.Value = e.value
	// The weighted sum over the non-zero weights: the same number as
	// p.Sum(), whose other terms add zeros.
	for _, i := range e.weighed {
		st.Reward += float64(parts[i].Value * parts[i].Weight) // unfused, as dojo.Sum
	}
	st.Terminated, st.Truncated = terminated, truncated
	st.Info.Success = success
	st.Info.Parts = parts
	st.Info.Invalid = act < 0
	st.Info.Error = errMsg
	st.Info.Metrics = e.metrics
	if e.text {
		e.textObs(&st.Obs, false, errMsg)
	}
	return st, nil
}

// observe recomputes the image. With obs=full only the cells that can
// have changed are rewritten unless all is set.
func (e *Env) observe(all bool) {
	e.obs.Direction = e.dir
	if !e.full {
		e.egocentric()
		return
	}
	img := e.obs.Image
	if all || e.fullAt < 0 {
		for x := 0; x < e.w; x++ {
			for y := 0; y < e.h; y++ {
				*(*[3]int8)(img[(x*e.h+y)*3:]) = e.enc[e.cellOf(x, y)]
			}
		}
	} else {
		x, y := e.xyOf(e.fullAt)
		*(*[3]int8)(img[(x*e.h+y)*3:]) = e.enc[e.fullAt]
	}
	x, y := e.xyOf(e.agent)
	*(*[3]int8)(img[(x*e.h+y)*3:]) = [3]int8{mgAgent, mgRed, int8(e.dir)}
	e.fullAt = e.agent
}

// egocentric computes MiniGrid's partial view into e.ego: the view cells
// in front of the agent (gen_obs_grid), the occlusion of process_vis unless
// see_through_walls, and the carried object (or an empty cell) at the
// agent's place, the bottom centre.
func (e *Env) egocentric() {
	v, hv := e.view, e.view/2
	img := e.ego
	d := e.dir
	src := e.lay[d]
	// The view's column vx runs from the far cell (vy = 0) to the agent's
	// row, one contiguous run of src.
	ax, ay := e.agent%e.pw, e.agent/e.pw
	fx, fy := mgDirVec[d][0], mgDirVec[d][1]
	rx, ry := -fy, fx
	x0, y0 := ax+fx*(v-1)-rx*hv, ay+fy*(v-1)-ry*hv
	cell := e.layIndex(d, x0, y0)
	cellStep := e.layIndex(d, x0+rx, y0+ry) - cell
	start, step := 3*cell, 3*cellStep
	if v == 7 {
		// 24-byte copies compile to three moves; each spills 3 bytes into
		// the next column, which the next copy overwrites (the last into
		// the slack beyond the image).
		wide := img[:cap(img)]
		for vx := range 7 {
			*(*[24]int8)(wide[21*vx:]) = *(*[24]int8)(src[start:])
			start += step
		}
	} else {
		n := 3 * v
		for vx := range v {
			copy(img[n*vx:n*vx+n], src[start:start+n])
			start += step
		}
	}
	agentK := hv*v + v - 1
	if !e.seeThrough && v > mgMaskView {
		e.occludeWide()
	} else if !e.seeThrough {
		var opaque [16]uint16
		if v <= 8 {
			// Each column's opacity flags are v consecutive bytes of opq:
			// one load, gathered into a bit mask (bit vy), then the 8x8
			// bit matrix is transposed into row masks (bit vx).
			opq := e.opq[d]
			keep := uint64(1)<<(8*v) - 1
			var cols uint64
			for vx := range v {
				w := binary.LittleEndian.Uint64(opq[cell:]) & keep
				cols |= ((w * 0x0102040810204080) >> 56) << (8 * vx)
				cell += cellStep
			}
			rows := mgTranspose8(cols)
			for vy := range v {
				opaque[vy] = uint16(rows >> (8 * vy) & 0xff)
			}
		} else {
			for vx := range v {
				col := img[3*v*vx : 3*v*(vx+1)]
				for vy := range v {
					t := col[3*vy]
					if t == mgWall || (t == mgDoor && col[3*vy+2] != mgOpen) {
						opaque[vy] |= 1 << vx
					}
				}
			}
		}
		e.occlude(&opaque)
	}
	if e.carried.Type != 0 {
		*(*[3]int8)(img[3*agentK:]) = e.carried.code()
	} else {
		*(*[3]int8)(img[3*agentK:]) = [3]int8{mgEmpty, 0, 0}
	}
}

// mgMaskView is the widest view occlude handles, on 16-bit row masks;
// occludeWide handles wider ones.
const mgMaskView = 15

// occludeWide blanks the cells of e.ego the agent cannot see, cell by cell
// in the order of MiniGrid's Grid.process_vis: from the agent's row up, in
// each row a pass to the right then one to the left; a visible cell that
// can be seen through (not a wall, not a closed door) makes visible its
// neighbour in the direction of the pass and the two cells above those.
func (e *Env) occludeWide() {
	v := e.view
	img, vis := e.ego, e.vis
	clear(vis)
	through := func(k int) bool {
		t := img[3*k]
		return t != mgWall && (t != mgDoor || img[3*k+2] == mgOpen)
	}
	vis[(v/2)*v+v-1] = true
	for vy := v - 1; vy >= 0; vy-- {
		for vx := 0; vx < v-1; vx++ {
			if k := vx*v + vy; vis[k] && through(k) {
				vis[k+v] = true
				if vy > 0 {
					vis[k+v-1], vis[k-1] = true, true
				}
			}
		}
		for vx := v - 1; vx > 0; vx-- {
			if k := vx*v + vy; vis[k] && through(k) {
				vis[k-v] = true
				if vy > 0 {
					vis[k-v-1], vis[k-1] = true, true
				}
			}
		}
	}
	for k, ok := range vis {
		if !ok {
			*(*[3]int8)(img[3*k:]) = [3]int8{}
		}
	}
}

// mgTranspose8 transposes the 8x8 bit matrix x (byte i = row i, bit j =
// column j), by Hacker's Delight's three rounds of swaps.
func mgTranspose8(x uint64) uint64 {
	t := (x ^ (x >> 7)) & 0x00AA00AA00AA00AA
	x = x ^ t ^ (t << 7)
	t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCC
	x = x ^ t ^ (t << 14)
	t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0
	return x ^ t ^ (t << 28)
}

// occlude blanks the cells of e.ego the agent cannot see, as MiniGrid's
// Grid.process_vis does, on bit masks: row vy of the view is a mask over
// vx. In each row, from the bottom (the agent's) up, visibility spreads
// right then left through cells that can be seen through (not walls, not
// closed doors), and from each such cell to the row above, at the same
// column and the next one in the direction of the pass. opaque[vy] marks
// the cells of row vy that cannot be seen through.
func (e *Env) occlude(opaque *[16]uint16) {
	v := e.view
	img := e.ego
	full := uint16(1)<<v - 1
	notLast := full >> 1  // cells 0..v-2 spread right
	notFirst := full &^ 1 // cells 1..v-1 spread left
	mask := uint16(1) << (v / 2)
	for vy := v - 1; vy >= 0; vy-- {
		see := full &^ opaque[vy]
		m := mask
		for {
			n := m | (m&see&notLast)<<1
			if n == m {
				break
			}
			m = n
		}
		r := m & see & notLast
		up := r | r<<1
		for {
			n := m | (m&see&notFirst)>>1
			if n == m {
				break
			}
			m = n
		}
		l := m & see & notFirst
		up |= l | l>>1
		mask = up
		for hidden := full &^ m; hidden != 0; hidden &= hidden - 1 {
			vx := bits.TrailingZeros16(hidden)
			*(*[3]int8)(img[3*(vx*v+vy):]) = [3]int8{}
		}
	}
}
