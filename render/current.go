package render

import (
	"encoding/json"
	"fmt"
	"image"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/runner"
)

// Current draws the current state of a live env, as the protocol's
// env/render does for envs that do not draw themselves: its state (from
// dojo.Stater, as JSON; nil when it has none) drawn as an episode file's
// state is, or else its last observation as a transcript. The header names
// the env and the seed of its episode.
func Current(env string, seed uint64, obs dojo.Obs, state json.RawMessage) (*image.RGBA, error) {
	ep := &runner.Episode{Env: env, Seed: seed, Reset: &runner.ResetRecord{Obs: obs, State: state}}
	r, err := NewReplay(ep)
	if err != nil {
		return nil, err
	}
	r.ident = fmt.Sprintf("seed %d", seed)
	f := &r.frames[0]
	f.step, f.action, f.reward, f.status = "current state", "(the last observation)", "", ""
	return r.Frame(0), nil
}
