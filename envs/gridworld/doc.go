// Package gridworld registers dojo's grid worlds: Gymnasium's toy-text
// worlds (FrozenLake, CliffWalking, Taxi; package
// github.com/dojo-rl/dojo/envs/gridworld/toytext), reproduced exactly with
// their transition tables, and MiniGrid-style worlds with objects (Empty,
// FourRooms, DoorKey, LavaGap, MultiRoom, KeyCorridor, procedurally
// generated mazes and custom ASCII maps; package
// github.com/dojo-rl/dojo/envs/gridworld/minigrid). Register adds them all
// to a registry, under ids starting "gridworld/".
//
// Every world serves classic agents (a structured observation in
// Obs.Value, discrete actions) and language agents (with the option
// text=true, observations in words and actions as words) at once, computes
// every reward component on every step, and lets the "reward" option choose
// the weights. By default rewards equal the original benchmark's exactly
// (profile "gym" for toy-text, "minigrid" for MiniGrid); "sparse" gives 1 on
// success only; "shaped" adds potential-based shaping, which provably keeps
// the optimal policies (Ng, Harada and Russell 1999). The two packages
// document their worlds, observations, actions, reward formulas and
// options; the worlds' states (dojo.Stater) are the types of package
// github.com/dojo-rl/dojo/envs/state.
package gridworld

import (
	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/gridworld/minigrid"
	"github.com/dojo-rl/dojo/envs/gridworld/toytext"
)

// Register adds every grid world to r: the toy-text worlds, then the
// MiniGrid worlds.
func Register(r *dojo.Registry) error {
	if err := toytext.Register(r); err != nil {
		return err
	}
	return minigrid.Register(r)
}

// MiniGridObs is the structured observation (Obs.Value) of the MiniGrid
// worlds, the name their specs give it; see minigrid.Obs.
type MiniGridObs = minigrid.Obs
