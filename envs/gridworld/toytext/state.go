package toytext

import (
	"strings"

	"github.com/dojo-rl/dojo/envs/state"
)

// State describes the current state (dojo.Stater): a *state.Tiles
// (FrozenLake, CliffWalking) or a *state.Taxi. The value shares the
// world's map.
func (e *Env) State() any { return e.w.game.state(e.s) }

func (f *frozenLake) state(s int) any {
	return &state.Tiles{Kind: state.KindTiles, Map: f.desc, Agent: [2]int{s % f.cols, s / f.cols}, Actions: flLabels}
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
	return &state.Tiles{Kind: state.KindTiles, Map: cwMap, Agent: [2]int{s % cwCols, s / cwCols}, Actions: cwLabels}
}

func (t *taxi) state(s int) any {
	row, col, pass, dest := taxiDecode(s)
	return &state.Taxi{Kind: state.KindTaxi, Map: taxiMap, Taxi: [2]int{col, row}, Passenger: pass, Destination: dest, Actions: taxiLabels}
}
