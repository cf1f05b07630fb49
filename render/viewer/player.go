// Package viewer shows recorded episodes in a window: it plays them frame
// by frame as package render draws them, steps forward and back, changes
// speed, moves between episodes and jumps to failed ones, with the keys
// listed on screen. Episodes may keep arriving while it runs (a run in
// progress, or a file another process is writing).
//
// The window needs ebiten (github.com/hajimehoshi/ebiten/v2), hence cgo and
// the X11 and OpenGL development headers: it is built with the build tag
// ebiten (go build -tags ebiten ./cmd/dojo). Without the tag the package
// holds only the Player, the viewer's logic, which draws into plain
// images; the default build stays free of cgo.
package viewer

import (
	"fmt"
	"image"
	"time"

	"github.com/dojo-rl/dojo/render"
	"github.com/dojo-rl/dojo/runner"
)

// Config configures a window.
type Config struct {
	Title    string           // the window's title
	Source   string           // what is shown, for the status line (a file name)
	Episodes []runner.Episode // the episodes to start with
	// Live, when not nil, brings more episodes; closing it says no more
	// will come, and LiveDone (if set) then gives the note for the status
	// line ("the run finished").
	Live     <-chan runner.Episode
	LiveDone func() string
	// Stop, when not nil, closes the window when it is closed (Ctrl-C).
	Stop <-chan struct{}
}

// Action is something the user asks of the viewer.
type Action uint8

// The actions, and the keys that ask for them (see Keys).
const (
	PlayPause     Action = iota + 1 // space
	StepForward                     // right arrow, l
	StepBack                        // left arrow, j
	First                           // home, 0
	Last                            // end, $
	Faster                          // up arrow, +
	Slower                          // down arrow, -
	NextEpisode                     // n, page down
	PrevEpisode                     // p, page up
	NextFailure                     // f
	PrevFailure                     // shift+f
	NewestEpisode                   // g
	ToggleHelp                      // h, ?
	Quit                            // q, escape
	numActions
)

// Keys lists the keys of each action as the help line shows them.
var Keys = [][2]string{
	{"space", "play/pause"}, {"←/→", "step"}, {"home/end", "first/last"}, {"↑/↓", "speed"},
	{"n/p", "next/previous episode"}, {"f/F", "next/previous failure"}, {"g", "newest"},
	{"h", "help"}, {"q", "quit"},
}

// Player is the viewer's state: the episodes, the one shown, the frame,
// the speed. It draws what the window shows into an image. It is not safe
// for concurrent use: the window's loop calls it.
type Player struct {
	eps      []*entry
	cur      int // index into eps
	frame    int
	playing  bool
	fps      float64
	help     bool
	live     bool // more episodes may come
	done     bool // Quit was asked
	clock    time.Duration
	hold     time.Duration // time left on the last frame before moving on
	canvas   *image.RGBA
	dirty    bool
	source   string
	liveNote string
}

type entry struct {
	ep     runner.Episode
	replay *render.Replay
	err    error
}

func (e *entry) failed() bool { return e.ep.Error != "" || !e.ep.Success }

// speeds are the frame rates ↑ and ↓ move between.
var speeds = []float64{0.5, 1, 2, 4, 8, 15, 30, 60}

// NewPlayer returns a player of eps (which may be empty when live), from
// source (a file name, for the status line). With live, episodes added
// later are expected and the status line says so.
func NewPlayer(source string, eps []runner.Episode, live bool) *Player {
	p := &Player{fps: 8, help: true, live: live, dirty: true, source: source}
	for _, ep := range eps {
		p.Add(ep)
	}
	return p
}

// Add appends an episode. When it is the first, it is shown.
func (p *Player) Add(ep runner.Episode) {
	p.eps = append(p.eps, &entry{ep: ep})
	p.dirty = true
}

// EndLive records that no more episodes will come.
func (p *Player) EndLive(note string) {
	p.live = false
	p.liveNote = note
	p.dirty = true
}

// Done reports whether the user asked to quit.
func (p *Player) Done() bool { return p.done }

// Episode returns the index (in the order added) of the episode shown and
// its frame.
func (p *Player) Episode() (index, frame int) { return p.cur, p.frame }

// Playing reports whether frames advance by themselves.
func (p *Player) Playing() bool { return p.playing }

// FPS is the playing speed.
func (p *Player) FPS() float64 { return p.fps }

func (p *Player) entry() *entry {
	if len(p.eps) == 0 {
		return nil
	}
	e := p.eps[p.cur]
	if e.replay == nil && e.err == nil {
		e.replay, e.err = render.NewReplay(&e.ep)
	}
	return e
}

func (p *Player) frames() int {
	if e := p.entry(); e != nil && e.replay != nil {
		return e.replay.Len()
	}
	return 1
}

// Do applies an action.
func (p *Player) Do(a Action) {
	p.dirty = true
	n := p.frames()
	switch a {
	case PlayPause:
		if !p.playing && p.frame >= n-1 {
			p.frame = 0 // play again from the start
		}
		p.playing = !p.playing
		p.clock, p.hold = 0, 0
	case StepForward:
		p.playing = false
		p.frame = min(p.frame+1, n-1)
	case StepBack:
		p.playing = false
		p.frame = max(p.frame-1, 0)
	case First:
		p.frame = 0
	case Last:
		p.frame = n - 1
	case Faster, Slower:
		i := 0
		for i < len(speeds)-1 && speeds[i] < p.fps {
			i++
		}
		if a == Faster {
			i = min(i+1, len(speeds)-1)
		} else {
			i = max(i-1, 0)
		}
		p.fps = speeds[i]
	case NextEpisode:
		p.show(p.cur + 1)
	case PrevEpisode:
		p.show(p.cur - 1)
	case NewestEpisode:
		p.show(len(p.eps) - 1)
	case NextFailure, PrevFailure:
		step := 1
		if a == PrevFailure {
			step = -1
		}
		for i := p.cur + step; i >= 0 && i < len(p.eps); i += step {
			if p.eps[i].failed() {
				p.show(i)
				break
			}
		}
	case ToggleHelp:
		p.help = !p.help
	case Quit:
		p.done = true
	}
}

func (p *Player) show(i int) {
	if i < 0 || i >= len(p.eps) || i == p.cur {
		return
	}
	p.cur, p.frame, p.clock, p.hold = i, 0, 0, 0
}

// Tick advances time by dt: while playing, frames advance at the speed,
// and after the last frame of an episode (held a second) the next episode
// plays, when there is one.
func (p *Player) Tick(dt time.Duration) {
	if !p.playing {
		return
	}
	n := p.frames()
	if p.frame >= n-1 {
		p.hold += dt
		if p.hold >= time.Second && p.cur+1 < len(p.eps) {
			p.show(p.cur + 1)
			p.dirty = true
		} else if p.hold >= time.Second && !p.live {
			p.playing = false
			p.dirty = true
		}
		return
	}
	p.clock += dt
	per := time.Duration(float64(time.Second) / p.fps)
	for p.clock >= per && p.frame < n-1 {
		p.clock -= per
		p.frame++
		p.dirty = true
	}
}

// Dirty reports whether the picture changed since the last Image.
func (p *Player) Dirty() bool { return p.dirty }

// bar is the status line and, with help, the key line.
func (p *Player) bar() [][2]string {
	var status, right string
	if e := p.entry(); e == nil {
		status = "no episode yet"
	} else {
		verdict := "success"
		if e.ep.Error != "" {
			verdict = "error"
		} else if !e.ep.Success {
			verdict = "failure"
		}
		status = fmt.Sprintf("episode %d (%d of %d, %s) · frame %d of %d", e.ep.Episode, p.cur+1, len(p.eps), verdict, p.frame, p.frames()-1)
	}
	state := "paused"
	if p.playing {
		state = "playing"
	}
	right = fmt.Sprintf("%s · %s fps", state, trimFloat(p.fps))
	switch {
	case p.live:
		right += " · live: episodes appear as they finish"
	case p.liveNote != "":
		right += " · " + p.liveNote
	}
	lines := [][2]string{{status, right}}
	if p.help {
		// Two lines, so that they fit the narrowest frames.
		for _, part := range [][][2]string{Keys[:4], Keys[4:]} {
			var keys string
			for i, k := range part {
				if i > 0 {
					keys += " · "
				}
				keys += k[0] + " " + k[1]
			}
			lines = append(lines, [2]string{keys, ""})
		}
	}
	return lines
}

func trimFloat(f float64) string {
	if f == float64(int(f)) {
		return fmt.Sprint(int(f))
	}
	return fmt.Sprint(f)
}

// Image draws what the window shows: the frame and, below it, the status
// and key lines. The image is reused by the next call.
func (p *Player) Image() *image.RGBA {
	p.dirty = false
	lines := p.bar()
	e := p.entry()
	var frame image.Rectangle
	if e != nil && e.replay != nil {
		frame = e.replay.Bounds()
	} else {
		frame = image.Rect(0, 0, 640, 120)
	}
	size := image.Rect(0, 0, max(frame.Dx(), 480), frame.Dy()+len(lines)*render.BarLineHeight+4)
	if p.canvas == nil || p.canvas.Rect != size {
		p.canvas = image.NewRGBA(size)
	}
	c := p.canvas
	switch {
	case e == nil:
		render.DrawBar(c, frame, [][2]string{{"", ""}, {"waiting for the first episode of " + p.source, ""}})
	case e.err != nil:
		render.DrawBar(c, frame, [][2]string{{fmt.Sprintf("episode %d cannot be drawn:", e.ep.Episode), ""}, {e.err.Error(), ""}})
	default:
		sub := c.SubImage(frame).(*image.RGBA)
		e.replay.Draw(sub, p.frame)
	}
	render.DrawBar(c, image.Rect(0, frame.Dy(), size.Dx(), size.Dy()), lines)
	if frame.Dx() < size.Dx() {
		render.DrawBar(c, image.Rect(frame.Dx(), 0, size.Dx(), frame.Dy()), nil)
	}
	return c
}

// FrameRect is where the episode's frame lies in Image.
func (p *Player) FrameRect() image.Rectangle {
	if e := p.entry(); e != nil && e.replay != nil {
		return e.replay.Bounds()
	}
	return image.Rectangle{}
}
