// Package toytext holds Gymnasium's toy-text worlds (FrozenLake,
// CliffWalking, Taxi), reproduced exactly with their transition tables.
// Register adds them to a registry; package gridworld registers them with
// the MiniGrid worlds of package minigrid.
//
// Every world serves classic agents (a structured observation in
// Obs.Value, discrete actions) and language agents (with the option
// text=true, observations in words and actions as words) at once, computes
// every reward component on every step, and lets the "reward" option choose
// the weights. By default rewards equal Gymnasium's exactly (profile
// "gym"); "sparse" gives 1 on success only; "shaped" adds potential-based
// shaping, which provably keeps the optimal policies (Ng, Harada and
// Russell 1999; checked exactly by dojo reward audit on every world).
//
// FrozenLake, CliffWalking and Taxi reproduce Gymnasium's toy_text
// environments exactly (Gymnasium 1.2: frozen_lake.py, cliffwalking.py,
// taxi.py and the registrations in gymnasium/envs/__init__.py): the same
// state numbering, action numbering, rewards, transition probabilities
// (Gymnasium's table P, outcome order included), reset distribution,
// terminal conditions and step limits (Gymnasium's TimeLimit: when the limit
// is reached the step is truncated, also when it terminates). Only the
// random numbers differ: each env draws from its own PCG generator seeded by
// Reset, so episodes are deterministic given the seed but not the same
// numbers numpy would draw.
//
// Ids:
//
//   - gridworld/FrozenLake-v1: cross a frozen lake from S to a goal G
//     without falling into a hole H. State row*ncol+col, nS = rows*cols.
//     Actions 0 left, 1 down, 2 right, 3 up. Landing on G or H terminates;
//     G and H are absorbing in P (Gymnasium's (1, s, 0, true) self-loop).
//     With is_slippery (default true) the move goes in the chosen direction
//     with probability success_rate (default 1/3) and to each perpendicular
//     side with (1-success_rate)/2, P listing (a-1)%4, a, (a+1)%4 without
//     merging equal outcomes. Step limit 100 (200 for the preloaded 8x8
//     map, as Gymnasium's FrozenLake8x8-v1).
//   - gridworld/FrozenLake8x8-v1: FrozenLake-v1 with map_name "8x8".
//   - gridworld/CliffWalking-v0: the 4x12 grid of Sutton and Barto's example
//     6.6. State row*12+col, start 36, goal 47 (terminates). Actions 0 up,
//     1 right, 2 down, 3 left. Every move costs -1; stepping on the cliff
//     (row 3, columns 1..10) costs -100 and puts the agent back at the start
//     without ending the episode. is_slippery (default false, Gymnasium's
//     CliffWalking-v1 option) moves in (a-1)%4, a, (a+1)%4 with probability
//     1/3 each. Gymnasium registers no step limit; max_steps defaults to 500.
//   - gridworld/Taxi-v3: Dietterich's taxi on a 5x5 map with walls. State
//     ((row*5+col)*5+passenger)*4+destination (passenger 0-3 = R, G, Y, B,
//     4 = in the taxi), 500 states; resets uniformly over the 300 states with
//     the passenger waiting at a place other than its destination. Actions
//     0 south, 1 north, 2 east, 3 west, 4 pickup, 5 dropoff. Rewards -1 per
//     step, +20 for delivering (terminates), -10 for an illegal pickup or
//     dropoff; dropping the passenger at another of the four places leaves
//     them there for -1. is_rainy (Gymnasium 1.2) moves in the intended
//     direction with probability 0.8 and to each side with 0.1, with
//     Gymnasium's wall checks. Gymnasium's fickle_passenger is not offered:
//     it changes the destination outside the 500-state table P. Step limit
//     200. Gymnasium's action mask is reported as the metrics mask_south ..
//     mask_dropoff (1 where the action changes the state).
//
// Observation: Value is the state, an int in 0..nS-1 (Discrete nS). With
// the option text=true, Text (and Messages, as one user message) also show
// the map as Gymnasium's ansi render draws it — with the highlighted agent
// drawn as a letter, since colours are lost on language agents: A on
// FrozenLake, x on CliffWalking (as Gymnasium), T or, with the passenger
// aboard, @ on Taxi — preceded
// by a line saying what the last step did and followed by the position, a
// legend and the action words. Observations live in buffers owned by the env
// that stay valid until the next Step or Reset.
//
// With text=true and instructions=true, the Reset observation's Messages
// start with a system message for language agents, as MiniGrid's text
// observations do: the task and its rules (what ends the episode, what
// costs points, slipping or rain), the step limit, every action word with
// what it does, and the reply format (the word alone, its number, or
// <answer>word</answer>); Obs.Text is that message, a blank line and the
// usual text. Nothing else changes: the steps are those of text=true alone.
// instructions without text=true is an error naming the option, since the
// instructions belong to the text observation.
//
// Actions: the discrete index, or its word (FrozenLake left, down, right,
// up; CliffWalking up, right, down, left; Taxi south, north, east, west,
// pickup, dropoff), case-insensitive, surrounding spaces, a trailing period
// and an <answer>...</answer> wrapper tolerated; a number given as text is
// an index. An out-of-range index or an unknown word is an invalid action:
// the state is unchanged, Info.Invalid is set, Info.Error names the action
// and lists the valid ones, and the step still counts toward the step
// limit.
//
// Rewards, each computed on every step (weights chosen by the "reward"
// option; the default profile "gym" = {gym: 1} gives Gymnasium's rewards
// exactly):
//
//	success   = 1 on the step that ends the episode successfully (FrozenLake:
//	            landing on G; CliffWalking: reaching the goal; Taxi:
//	            delivering the passenger), else 0
//	gym       = Gymnasium's reward for the transition (0 for an invalid action)
//	potential = γ·Φ(s') − Φ(s) (Ng, Harada and Russell 1999), Φ(s) = 1 − d(s)/(D+1)
//	            with d(s) the fewest actions from s to success in the
//	            deterministic map graph (no slipping, no rain), D the largest
//	            finite d; Φ = 0 where no path exists and on absorbing
//	            terminal states; Φ(s') = 0 on every step that ends the
//	            episode: when it terminates and when it reaches the step
//	            limit (truncated); an invalid action stays in s, so it earns
//	            γ·Φ(s) − Φ(s) (−Φ(s) if it ends the episode); γ is the option
//	            gamma (default 0.99)
//	step_cost = −1 on every step
//	invalid   = −1 when the action is invalid, else 0
//
// The "shaped" profile weighs success 1, potential 1 and invalid 0.1 (gym
// and step_cost 0). It keeps the sparse task's optimal policies, in the
// discounted sense with the option gamma as γ and with the step limit as
// the env applies it: the episode is a finite-horizon problem whose state
// includes the steps taken, and since Φ(s') = 0 on the step that ends it,
// terminated or truncated, the potential terms of every episode sum to
// −Φ(s0) whatever the policy, so every policy's shaped return is its sparse
// return minus the same constant. The invalid penalty only lowers an action
// that stays in place (or ends the episode unsuccessfully), which under the
// sparse reward and γ < 1 is never better than the best valid action, and
// strictly worse wherever success is still possible. dojo reward audit
// verifies the potential part exactly on every world by backward induction
// over (state, steps taken).
//
// Φ lies in [0, 1], highest next to the goal: the shaping then never pays
// for standing still ((γ−1)·Φ(s) ≤ 0) nor for ending the episode without
// success (−Φ(s) ≤ 0). Any constant added to Φ keeps the optimal policies;
// this one also keeps learning on track: Q-learning from zero on the shaped
// reward learns as Q-learning on the sparse reward started from Φ
// (Wiewiora 2003), which here is high towards the goal and 0 at holes,
// where the earlier Φ = −d(s)/(D+1) made every hole look better than the
// start (tabular Q-learning, 5000 training episodes on slippery FrozenLake
// 8x8: 0.2% success with that Φ, 73% with this one, 82% on sparse).
//
// The "shaped+cost" profile adds step_cost 0.01 (success 1, potential 1,
// step_cost 0.01, invalid 0.1: the "shaped" of earlier versions). A step
// cost is not potential-based and changes the optimal policies where
// success is uncertain: on slippery FrozenLake 8x8 (γ = 0.99) its optimal
// policy succeeds with probability 0.37 instead of 0.86, preferring a quick
// hole to the long walk (dojo reward audit gridworld/FrozenLake8x8-v1).
//
// Options common to the three worlds: max_steps (the step limit; FrozenLake's
// 0 means Gymnasium's registration value), gamma (the shaping discount),
// text, instructions, invalid_action ("penalize": continue after an invalid action;
// "terminate": end the episode, terminated and unsuccessful, once
// max_invalid invalid actions were taken, default 1) and reward. FrozenLake
// also takes map_name ("4x4", "8x8"), desc (rows of S F H G; overrides
// map_name), map_file (an ASCII map, one row per line, lines starting with #
// and blank lines ignored), random_map (a side length 2..64: a random map
// with a path from S to G, generated as Gymnasium's generate_random_map does
// from the option map_seed, with frozen probability random_map_p, default
// 0.8), is_slippery, success_rate and reward_schedule ([goal, hole, frozen]
// rewards, default [1, 0, 0], as Gymnasium's). desc, map_file and random_map
// exclude each other. A custom map has exactly one S and at least one G.
//
// The worlds implement dojo.Model (MDP returns Gymnasium's P with rewards
// under the configured profile; invalid actions are not in the model, and
// absorbing states keep reward 0) and dojo.Oracle (the shortest path when
// deterministic; when slippery or rainy, the greedy policy of value iteration
// with discount 0.999 on the success-probability MDP). Info.Metrics carry
// Gymnasium's info "prob" (the probability of the outcome drawn), "distance"
// (d of the new state, −1 if the goal cannot be reached) and, for Taxi, the
// action mask. Spec.Stochastic is set when some action has more than one
// possible outcome. Step with structured observations allocates nothing:
// observations, reward parts and metrics live in buffers owned by the env,
// valid until the next Step or Reset.
//
// # State
//
// Every world describes its whole current state (dojo.Stater), which the
// runner records in episode files and package render draws from (package
// github.com/dojo-rl/dojo/envs/state holds the types): a *state.Tiles
// (kind "tiles": FrozenLake and CliffWalking, the map as rows of tile
// letters, S start, F frozen, H hole, G goal, . ground, C cliff, and the
// agent's [x, y]) or a *state.Taxi (kind "taxi": Gymnasium's map, the
// taxi's [x, y], the passenger's place or 4 in the taxi, the destination).
// Each also lists the action words. State is not called by Step, which
// stays allocation-free.
//
// The episode lifecycle (not reset, ended, the context), the options text,
// invalid_action and max_invalid with their policy, the lookup of component
// indices by name and the cache of shared worlds (at most 256, the least
// recently used evicted first) come from envs/internal/family, shared by
// every family.
package toytext
