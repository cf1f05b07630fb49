// Package render draws episodes as pictures, in pure Go: the frames of a
// recorded episode (a runner.Episode, a line of an episode file) from the
// record alone, without the env, as PNG frames or an animated GIF; and the
// current state of a live env, for the protocol's env/render.
//
// A frame has a header (env id, episode, seed, agent, step, reward,
// return, the outcome on the last frame), a body, and a side panel (the
// step's action, its reward parts as bars scaled to each part's largest
// magnitude in the episode, the env's panel lines, an invalid action's
// error, the metrics). The body depends on the state the env recorded
// (dojo.Stater), by its "kind":
//
//   - "minigrid": MiniGrid's tiles as MiniGrid draws them (walls, floors,
//     doors open, closed and locked, keys, balls, boxes, goals, lava), the
//     agent as a triangle with its heading, its egocentric view outlined
//     and the cells it sees lit (from the egocentric observation).
//   - "tiles": FrozenLake and CliffWalking's tiles (S start, F ice, H
//     hole, G goal, . ground, C cliff) and the agent.
//   - "taxi": Gymnasium's Taxi map with its walls, the four places, the
//     destination framed, the passenger and the taxi.
//   - "bandit": each arm's estimated mean against its true mean, the pull
//     counts, the best arm, and the cumulative regret curve up to the step
//     (from the steps' cumulative_regret metric).
//
// Episodes without a state, or with a kind render does not know, are
// drawn as a transcript: the observations' messages (system, user, tool
// results), text or values, and each step's action — the assistant's text
// and tool calls — with the current step highlighted. Any language env
// draws this way without code of its own.
//
// The states are decoded into the types of package envs/state, the ones
// the envs describe themselves with, from the reset's state and each step's
// changes (see runner.StepRecord.State) once, by NewReplay, which checks them and
// names the step of any that is not what its kind says; drawing a frame
// then parses nothing. Text uses Go's fonts (golang.org/x/image/font/
// gofont), rasterized once per glyph. Frames are image.RGBA; WritePNG
// writes them with a palette holding every colour the frames use, and
// WriteGIF writes an episode with one image per frame, each storing only
// what changed. Compare is the tolerant comparison the golden frames use.
//
// Layering: render depends on the root package, the runner's records, the
// state types of envs/state (a leaf package) and golang.org/x/image. No env
// family imports it: families describe their
// state, render draws it, so the drawing of episode files and of live
// envs is one code path.
package render
