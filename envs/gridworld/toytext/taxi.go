package toytext

import (
	"fmt"

	"github.com/dojo-rl/dojo"
)

// Taxi actions, numbered as Gymnasium's.
const (
	taxiSouth = iota
	taxiNorth
	taxiEast
	taxiWest
	taxiPickup
	taxiDropoff
)

var taxiLabels = []string{"south", "north", "east", "west", "pickup", "dropoff"}

var taxiAnsiNames = []string{"South", "North", "East", "West", "Pickup", "Dropoff"}

// taxiMap is Gymnasium's map: ':' between two cells means no wall.
var taxiMap = []string{
	"+---------+",
	"|R: | : :G|",
	"| : | : : |",
	"| : : : : |",
	"| | : | : |",
	"|Y| : |B: |",
	"+---------+",
}

// taxiLocs are the four places R, G, Y and B, as (row, col).
var taxiLocs = [4][2]int{{0, 0}, {0, 4}, {4, 0}, {4, 3}}

const taxiLocNames = "RGYB"

const (
	taxiStates = 500
	taxiMax    = 4  // largest row and column
	taxiLine   = 12 // bytes of a line of the text map, newline included
	taxiInTaxi = 4  // passenger index meaning "in the taxi"
)

// taxiEncode is Gymnasium's state number.
func taxiEncode(row, col, pass, dest int) int { return ((row*5+col)*5+pass)*4 + dest }

// taxiDecode inverts taxiEncode.
func taxiDecode(s int) (row, col, pass, dest int) {
	dest, s = s%4, s/4
	pass, s = s%5, s/5
	col, row = s%5, s/5
	return row, col, pass, dest
}

// taxiDir maps a move (dr, dc) to its action.
func taxiDir(dr, dc int) int8 {
	switch {
	case dr > 0:
		return taxiSouth
	case dr < 0:
		return taxiNorth
	case dc > 0:
		return taxiEast
	}
	return taxiWest
}

func taxiSpec() dojo.Spec {
	opts := []dojo.Option{
		{Name: "is_rainy", Type: dojo.OptBool, Default: false, Description: "rain (Gymnasium 1.2's is_rainy): a move goes in the chosen direction with probability 0.8 and to each perpendicular side with 0.1, subject to Gymnasium's wall checks"},
	}
	opts = append(opts, toyOptions(200, 1, "step limit (Gymnasium's Taxi-v3 registration: 200)")...)
	return dojo.Spec{
		ID:             "gridworld/Taxi-v3",
		Description:    "Taxi (Gymnasium toy text; Dietterich 2000): drive a taxi on a 5x5 map with walls to the passenger waiting at one of the places R, G, Y, B, pick them up and drop them off at their destination.",
		Observation:    dojo.Space{Kind: dojo.KindDiscrete, N: taxiStates, Description: "((taxi_row*5 + taxi_col)*5 + passenger)*4 + destination; passenger 0-3 = R, G, Y, B, 4 = in the taxi; destination 0-3 = R, G, Y, B"},
		Action:         dojo.Discrete(6, taxiLabels...),
		MaxSteps:       200,
		Rewards:        toyRewards("-1 per step, +20 for delivering the passenger, -10 for an illegal pickup or dropoff"),
		Profiles:       toyProfiles(),
		DefaultProfile: "gym",
		Options:        opts,
		Tags:           toyTags(),
	}
}

func newTaxi(opts dojo.Options) (dojo.Env, error) {
	key := fmt.Sprintf("Taxi|%t|%v", opts.Bool("is_rainy"), opts.Float("gamma"))
	w := sharedToyWorld(key, func() *toyWorld { return buildTaxi(opts) })
	return newEnv(w, taxiSpec(), opts, opts.Int("max_steps"))
}

func buildTaxi(opts dojo.Options) *toyWorld {
	t := &taxi{rainy: opts.Bool("is_rainy")}
	b := toyBuild{game: t, labels: taxiLabels, init: make([]float64, taxiStates), absorbing: make([]bool, taxiStates)}
	b.P = t.table(t.rainy)
	if t.rainy {
		b.det = t.table(false)
	}
	for s := range taxiStates {
		if _, _, pass, dest := taxiDecode(s); pass < 4 && pass != dest {
			b.init[s] += 1
		}
	}
	sum := 0.0
	for _, p := range b.init {
		sum += p
	}
	for s := range b.init {
		b.init[s] /= sum
	}
	for _, row := range taxiMap {
		t.grid = append(t.grid, row...)
		t.grid = append(t.grid, '\n')
	}
	t.tail = "Legend: T = the taxi (empty), @ = the taxi with the passenger aboard, R G Y B = the places where passengers are picked up and dropped off, | = a wall the taxi cannot cross.\n"
	if t.rainy {
		t.tail += "It is raining: a move goes in the chosen direction with probability 0.8 and to each side of it with probability 0.1.\n"
	}
	t.tail += "Actions: south, north, east, west, pickup, dropoff.\n"
	return newToyWorld(b, opts.Float("gamma"))
}

// taxi is Gymnasium's TaxiEnv.
type taxi struct {
	rainy bool
	grid  []byte
	tail  string
}

// open reports whether the map has no wall at column x of the text row of
// taxi row r (Gymnasium's desc[1 + r, x] == b":").
func taxiOpen(r, x int) bool { return taxiMap[1+r][x] == ':' }

// pickup is Gymnasium's _pickup.
func taxiPickupAt(row, col, pass int, rew float64) (int, float64) {
	if pass < 4 && taxiLocs[pass] == [2]int{row, col} {
		return taxiInTaxi, rew
	}
	return pass, -10
}

// dropoff is Gymnasium's _dropoff.
func taxiDropoffAt(row, col, pass, dest int, rew float64) (int, float64, bool) {
	loc := [2]int{row, col}
	if loc == taxiLocs[dest] && pass == taxiInTaxi {
		return dest, 20, true
	}
	if pass == taxiInTaxi {
		for i, l := range taxiLocs {
			if l == loc {
				return i, rew, false
			}
		}
	}
	return pass, -10, false
}

// table builds Gymnasium's P, dry or rainy.
func (t *taxi) table(rainy bool) [][][]toyOutcome {
	P := make([][][]toyOutcome, taxiStates)
	for s := range P {
		P[s] = make([][]toyOutcome, 6)
		row, col, pass, dest := taxiDecode(s)
		for a := range 6 {
			if rainy {
				P[s][a] = taxiRainy(row, col, pass, dest, a)
			} else {
				P[s][a] = []toyOutcome{taxiDry(row, col, pass, dest, a)}
			}
		}
	}
	return P
}

// taxiDry is Gymnasium's _build_dry_transitions.
func taxiDry(row, col, pass, dest, a int) toyOutcome {
	nr, nc, np, rew, term := row, col, pass, -1.0, false
	move := int8(-1)
	switch a {
	case taxiSouth:
		nr, move = min(row+1, taxiMax), taxiSouth
	case taxiNorth:
		nr, move = max(row-1, 0), taxiNorth
	case taxiEast:
		move = taxiEast
		if taxiOpen(row, 2*col+2) {
			nc = min(col+1, taxiMax)
		}
	case taxiWest:
		move = taxiWest
		if taxiOpen(row, 2*col) {
			nc = max(col-1, 0)
		}
	case taxiPickup:
		np, rew = taxiPickupAt(row, col, pass, rew)
	case taxiDropoff:
		np, rew, term = taxiDropoffAt(row, col, pass, dest, rew)
	}
	return toyOutcome{prob: 1, next: int32(taxiEncode(nr, nc, np, dest)), gym: rew, term: term, succ: term, move: move}
}

// taxiRainyMoves are Gymnasium's rainy moves: intended, then the two sides.
var taxiRainyMoves = [4][3][2]int{
	taxiSouth: {{1, 0}, {0, -1}, {0, 1}},
	taxiNorth: {{-1, 0}, {0, -1}, {0, 1}},
	taxiEast:  {{0, 1}, {1, 0}, {-1, 0}},
	taxiWest:  {{0, -1}, {1, 0}, {-1, 0}},
}

// taxiSide is Gymnasium's _calc_new_position: the side move, unless the
// map shows a wall at the given offset of the new cell.
func taxiSide(row, col int, d [2]int, offset int) (int, int) {
	nr := max(0, min(row+d[0], taxiMax))
	nc := max(0, min(col+d[1], taxiMax))
	if taxiOpen(nr, 2*nc+offset) {
		return nr, nc
	}
	return row, col
}

// taxiRainy is Gymnasium's _build_rainy_transitions.
func taxiRainy(row, col, pass, dest, a int) []toyOutcome {
	nr, nc, np, rew, term := row, col, pass, -1.0, false
	lr, lc, rr, rc := row, col, row, col
	moved := false
	switch {
	case a == taxiSouth || a == taxiNorth || (a == taxiEast && taxiOpen(row, 2*col+2)) || (a == taxiWest && taxiOpen(row, 2*col)):
		d := taxiRainyMoves[a][0]
		nr = max(0, min(row+d[0], taxiMax))
		nc = max(0, min(col+d[1], taxiMax))
		lr, lc = taxiSide(row, col, taxiRainyMoves[a][1], 2)
		rr, rc = taxiSide(row, col, taxiRainyMoves[a][2], 0)
		moved = true
	case a == taxiPickup:
		np, rew = taxiPickupAt(row, col, pass, rew)
	case a == taxiDropoff:
		np, rew, term = taxiDropoffAt(row, col, pass, dest, rew)
	}
	intended := int32(taxiEncode(nr, nc, np, dest))
	if a > taxiWest {
		return []toyOutcome{{prob: 1, next: intended, gym: rew, term: term, succ: term, move: -1}}
	}
	ml, mr := int8(a), int8(a)
	if moved {
		ml = taxiDir(taxiRainyMoves[a][1][0], taxiRainyMoves[a][1][1])
		mr = taxiDir(taxiRainyMoves[a][2][0], taxiRainyMoves[a][2][1])
	}
	return []toyOutcome{
		{prob: 0.8, next: intended, gym: -1, term: term, succ: term, move: int8(a)},
		{prob: 0.1, next: int32(taxiEncode(lr, lc, np, dest)), gym: -1, term: term, succ: term, move: ml},
		{prob: 0.1, next: int32(taxiEncode(rr, rc, np, dest)), gym: -1, term: term, succ: term, move: mr},
	}
}

// taxiMask is Gymnasium's action_mask: 1 where the action changes the
// state.
func taxiMask(s int) [6]bool {
	row, col, pass, dest := taxiDecode(s)
	var m [6]bool
	m[taxiSouth] = row < taxiMax
	m[taxiNorth] = row > 0
	m[taxiEast] = col < taxiMax && taxiOpen(row, 2*col+2)
	m[taxiWest] = col > 0 && taxiOpen(row, 2*col)
	loc := [2]int{row, col}
	m[taxiPickup] = pass < 4 && loc == taxiLocs[pass]
	if pass == taxiInTaxi {
		m[taxiDropoff] = loc == taxiLocs[dest]
		for _, l := range taxiLocs {
			m[taxiDropoff] = m[taxiDropoff] || l == loc
		}
	}
	return m
}

var taxiMaskNames = [6]string{"mask_south", "mask_north", "mask_east", "mask_west", "mask_pickup", "mask_dropoff"}

func (t *taxi) metrics(m dojo.Metrics, s int) dojo.Metrics {
	mask := taxiMask(s)
	for i, ok := range mask {
		v := 0.0
		if ok {
			v = 1
		}
		m = append(m, dojo.Metric{Name: taxiMaskNames[i], Value: v})
	}
	return m
}

func (t *taxi) appendText(b []byte, ev toyEvent) []byte {
	row, col, pass, dest := taxiDecode(ev.state)
	_, _, prevPass, _ := taxiDecode(ev.prev)
	switch {
	case ev.invalid != "":
		b = toyAppendInvalid(b, ev)
	case ev.out == nil:
		b = append(b, "New episode: a passenger waits at "...)
		b = append(b, taxiLocNames[pass])
		b = append(b, " and wants to go to "...)
		b = append(b, taxiLocNames[dest])
		b = append(b, '.')
	case ev.action == taxiPickup:
		switch {
		case pass == taxiInTaxi && prevPass != taxiInTaxi:
			b = append(b, "You picked up the passenger."...)
		case prevPass == taxiInTaxi:
			b = append(b, "Illegal pickup: the passenger is already in the taxi."...)
		default:
			b = append(b, "Illegal pickup: the passenger is not here."...)
		}
	case ev.action == taxiDropoff:
		switch {
		case ev.out.succ:
			b = append(b, "You delivered the passenger to their destination "...)
			b = append(b, taxiLocNames[dest])
			b = append(b, ": the episode is over."...)
		case prevPass == taxiInTaxi && pass != taxiInTaxi:
			b = append(b, "You dropped the passenger off at "...)
			b = append(b, taxiLocNames[pass])
			b = append(b, ", which is not their destination."...)
		case prevPass != taxiInTaxi:
			b = append(b, "Illegal dropoff: the passenger is not in the taxi."...)
		default:
			b = append(b, "Illegal dropoff: passengers get off only at R, G, Y or B."...)
		}
	default:
		m := int(ev.out.move)
		if m != ev.action {
			b = append(b, "You tried to drive "...)
			b = append(b, taxiLabels[ev.action]...)
			b = append(b, " but the rain pushed the taxi "...)
		} else {
			b = append(b, "You drove "...)
		}
		b = append(b, taxiLabels[m]...)
		b = append(b, '.')
		if ev.state == ev.prev {
			b = append(b, " A wall or the edge of the map kept the taxi in place."...)
		}
	}
	b = toyAppendEnd(b, ev)
	b = append(b, '\n')
	start := len(b)
	b = append(b, t.grid...)
	if pass == taxiInTaxi {
		b[start+(1+row)*taxiLine+2*col+1] = '@'
	} else {
		b[start+(1+row)*taxiLine+2*col+1] = 'T'
	}
	if ev.last >= 0 {
		b = append(b, "  ("...)
		b = append(b, taxiAnsiNames[ev.last]...)
		b = append(b, ")\n"...)
	} else {
		b = append(b, '\n')
	}
	b = append(b, "The taxi is at "...)
	b = toyAppendRC(b, row, col, ev.state)
	switch {
	case pass == taxiInTaxi:
		b = append(b, ". The passenger is in the taxi"...)
	case pass == dest:
		b = append(b, ". The passenger is at their destination "...)
		b = append(b, taxiLocNames[pass])
	default:
		b = append(b, ". The passenger waits at "...)
		b = taxiAppendLoc(b, pass)
	}
	b = append(b, ". Destination: "...)
	b = taxiAppendLoc(b, dest)
	b = append(b, ".\n"...)
	return append(b, t.tail...)
}

// taxiAppendLoc appends "Y (row 4, column 0)".
func taxiAppendLoc(b []byte, i int) []byte {
	b = append(b, taxiLocNames[i], ' ', '(')
	b = append(b, "row "...)
	b = append(b, byte('0'+taxiLocs[i][0]))
	b = append(b, ", column "...)
	b = append(b, byte('0'+taxiLocs[i][1]))
	return append(b, ')')
}

func (t *taxi) task() string {
	s := "You are playing Taxi (Gymnasium's toy text; Dietterich 2000). Your task: drive the taxi on a 5x5 map to the passenger waiting at one of the places R, G, Y and B, pick them up, drive them to their destination (another of those places) and drop them off there. " +
		"Walls | block moves across them; a move into a wall or off the map keeps the taxi in place. " +
		"Every step costs 1 point, a pickup or dropoff at a wrong place costs 10, and the delivery earns 20. Dropping the passenger off at the destination ends the episode as a success. " +
		"Rows are numbered from 0 at the top and columns from 0 at the left; T is the empty taxi, @ the taxi with the passenger aboard. "
	if t.rainy {
		s += "It is raining: a move goes in the chosen direction with probability 0.8 and to each side of it with probability 0.1. "
	}
	return s
}

func (t *taxi) meanings() []string {
	return []string{
		"drive one row down (south)", "drive one row up (north)", "drive one column right (east)", "drive one column left (west)",
		"pick up the passenger (the taxi must be at their place)", "drop off the passenger (at the destination to deliver them)",
	}
}
