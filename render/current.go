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

// BarLineHeight is the height of a line of DrawBar.
const BarLineHeight = 20

// DrawBar draws lines of text across r in the header's colours, each line
// a left text and a right-aligned one, BarLineHeight pixels apart. The
// viewer draws its status and key help with it.
func DrawBar(dst *image.RGBA, r image.Rectangle, lines [][2]string) {
	regular, _, _, _ := faces()
	fill(dst, r, cHeader)
	y := r.Min.Y + (BarLineHeight-regular.Height)/2 + 1
	for _, l := range lines {
		x := r.Min.X + margin
		right := r.Max.X - margin
		rw := regular.Width(l[1])
		regular.Draw(dst, x, y, regular.ellipsize(l[0], max(0, right-x-rw-16)), u(cHeaderText), r)
		regular.Draw(dst, right-rw, y, l[1], u(cHeaderDim), r)
		y += BarLineHeight
	}
}
