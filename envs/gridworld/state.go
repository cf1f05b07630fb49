package gridworld

import "strings"

// The states the worlds describe (dojo.Stater), for episode files and
// package render. See the package documentation for their members.

// TilesState is the state of FrozenLake and CliffWalking (kind "tiles"):
// the map, one string per row of tile letters, and the agent's cell.
type TilesState struct {
	Kind    string   `json:"kind"` // "tiles"
	Map     []string `json:"map"`
	Agent   [2]int   `json:"agent"`   // [x, y]: column and row
	Actions []string `json:"actions"` // the action words, by index
}

// TaxiState is the state of Taxi (kind "taxi"): Gymnasium's map, the
// taxi's cell, where the passenger is (0-3 the places R, G, Y, B in that
// order, 4 in the taxi) and the destination (0-3).
type TaxiState struct {
	Kind        string   `json:"kind"` // "taxi"
	Map         []string `json:"map"`
	Taxi        [2]int   `json:"taxi"` // [x, y]
	Passenger   int      `json:"passenger"`
	Destination int      `json:"destination"`
	Actions     []string `json:"actions"`
}

// MiniGridState is the state of the MiniGrid worlds (kind "minigrid"):
// the whole grid in MiniGrid's encoding without the agent, laid out as the
// full observation ((x*height+y)*3+channel), the agent's cell and heading,
// what it carries (absent when nothing), its view size, whether walls hide
// what lies behind them, the mission, and the action words. (The states
// of all three kinds list the action words, so that a picture of a step
// can name its action.)
type MiniGridState struct {
	Kind            string   `json:"kind"` // "minigrid"
	Width           int      `json:"width"`
	Height          int      `json:"height"`
	Grid            []int8   `json:"grid"`
	Agent           [2]int   `json:"agent"` // [x, y]
	Dir             int      `json:"dir"`   // 0 right, 1 down, 2 left, 3 up
	Carrying        *[3]int8 `json:"carrying,omitempty"`
	View            int      `json:"view"`
	SeeThroughWalls bool     `json:"see_through_walls"`
	Mission         string   `json:"mission"`
	Actions         []string `json:"actions"`
}

// State describes the current state (dojo.Stater): a *TilesState or
// *TaxiState. The value shares the world's map.
func (e *toyEnv) State() any { return e.w.game.state(e.s) }

func (f *frozenLake) state(s int) any {
	return &TilesState{Kind: "tiles", Map: f.desc, Agent: [2]int{s % f.cols, s / f.cols}, Actions: flLabels}
}

// cwMap is CliffWalking's map as tiles: S start, . ground, C cliff, G goal.
var cwMap = func() []string {
	rows := make([]string, cwRows)
	for r := range rows {
		rows[r] = strings.Repeat(".", cwCols)
	}
	rows[cwRows-1] = "S" + strings.Repeat("C", cwCols-2) + "G"
	return rows
}()

func (cw *cliffWalking) state(s int) any {
	return &TilesState{Kind: "tiles", Map: cwMap, Agent: [2]int{s % cwCols, s / cwCols}, Actions: cwLabels}
}

func (t *taxi) state(s int) any {
	row, col, pass, dest := taxiDecode(s)
	return &TaxiState{Kind: "taxi", Map: taxiMap, Taxi: [2]int{col, row}, Passenger: pass, Destination: dest, Actions: taxiLabels}
}

// State describes the current state (dojo.Stater): a *MiniGridState,
// whose Grid is a buffer of the env valid until the next Step or Reset.
func (e *mgEnv) State() any {
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
	s := &MiniGridState{
		Kind: "minigrid", Width: e.w, Height: e.h, Grid: g,
		Agent: [2]int{x, y}, Dir: e.dir, View: e.view, SeeThroughWalls: e.seeThrough, Mission: e.mission,
		Actions: mgActionWords,
	}
	if e.carried.Type != 0 {
		c := e.carried.code()
		s.Carrying = &c
	}
	return s
}
