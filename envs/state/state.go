// Package state holds the states the env families describe (dojo.Stater)
// and package render draws: one Go type per state kind, written by the envs
// that produce it and decoded by render, so that the two cannot drift apart.
//
// Each type marshals to the JSON object the runner records in episode
// files: the whole state at Reset, then, at each step, the top-level
// members that changed (runner.MergeState applies them). The member names
// are the json tags below; Kind names the kind and tells render how to draw
// the state.
//
// An env's state may share buffers with the env (a grid, the arms' means):
// it is valid until the env's next Step or Reset. The package imports
// nothing from the module.
package state

// The state kinds, the Kind member of each type.
const (
	KindTiles    = "tiles"    // Tiles: FrozenLake and CliffWalking
	KindTaxi     = "taxi"     // Taxi
	KindMiniGrid = "minigrid" // MiniGrid: the MiniGrid worlds
	KindBandit   = "bandit"   // Bandit: the bandits
)

// Tiles is the state of FrozenLake and CliffWalking (kind "tiles"): the
// map, one string per row of tile letters (S start, F frozen, H hole,
// G goal, . ground, C cliff), the agent's cell and the action words, by
// index.
type Tiles struct {
	Kind    string   `json:"kind"` // "tiles"
	Map     []string `json:"map"`
	Agent   [2]int   `json:"agent"`   // [x, y]: column and row
	Actions []string `json:"actions"` // the action words, by index
}

// Taxi is the state of Taxi (kind "taxi"): Gymnasium's map, the taxi's
// cell, where the passenger is (0-3 the places R, G, Y, B in that order,
// 4 in the taxi), the destination (0-3) and the action words.
type Taxi struct {
	Kind        string   `json:"kind"` // "taxi"
	Map         []string `json:"map"`
	Taxi        [2]int   `json:"taxi"` // [x, y]
	Passenger   int      `json:"passenger"`
	Destination int      `json:"destination"`
	Actions     []string `json:"actions"`
}

// MiniGrid is the state of the MiniGrid worlds (kind "minigrid"): the
// whole grid in MiniGrid's encoding (object, colour, state per cell)
// without the agent, laid out as the full observation
// (Grid[(x*Height+y)*3+channel]), the agent's cell and heading, what it
// carries (absent when nothing), its view size, whether walls hide what
// lies behind them, the mission, and the action words. (The states of all
// the grid kinds list the action words, so that a picture of a step can
// name its action.)
type MiniGrid struct {
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

// Bandit is the state of a bandit (kind "bandit").
type Bandit struct {
	Kind string `json:"kind"` // "bandit"
	// Means are the arms' expected rewards for the coming pull (for
	// Linear, x_{t,a}·θ with the coming step's features), Best the index
	// of the best of them (the lowest on a tie).
	Means []float64 `json:"means"`
	Best  int       `json:"best"`
	// Pulls and Sums are each arm's pulls so far and the sum of what they
	// paid.
	Pulls []int     `json:"pulls"`
	Sums  []float64 `json:"sums"`
	// Arm is the arm the last step pulled (-1 at Reset and after an
	// invalid action) and Payout what it paid.
	Arm    int     `json:"arm"`
	Payout float64 `json:"payout"`
}
