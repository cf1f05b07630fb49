//go:build ebiten

package viewer

import (
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
)

// Run opens the window and returns when the user closes it (or quits with
// q). It must be called from the program's main goroutine, as the window
// system requires.
func Run(cfg Config) error {
	g := newGame(cfg, ebitenInput{})
	return g.run()
}

// input reads the actions asked since the last frame.
type input interface {
	actions() []Action
}

type ebitenInput struct{}

// keyActions maps keys to actions; a held key repeats its action.
var keyActions = []struct {
	key    ebiten.Key
	shift  bool // needs shift (false: either)
	action Action
	repeat bool
}{
	{ebiten.KeySpace, false, PlayPause, false},
	{ebiten.KeyArrowRight, false, StepForward, true},
	{ebiten.KeyL, false, StepForward, true},
	{ebiten.KeyArrowLeft, false, StepBack, true},
	{ebiten.KeyJ, false, StepBack, true},
	{ebiten.KeyHome, false, First, false},
	{ebiten.Key0, false, First, false},
	{ebiten.KeyEnd, false, Last, false},
	{ebiten.KeyArrowUp, false, Faster, false},
	{ebiten.KeyEqual, false, Faster, false},
	{ebiten.KeyNumpadAdd, false, Faster, false},
	{ebiten.KeyArrowDown, false, Slower, false},
	{ebiten.KeyMinus, false, Slower, false},
	{ebiten.KeyNumpadSubtract, false, Slower, false},
	{ebiten.KeyN, false, NextEpisode, true},
	{ebiten.KeyPageDown, false, NextEpisode, true},
	{ebiten.KeyP, false, PrevEpisode, true},
	{ebiten.KeyPageUp, false, PrevEpisode, true},
	{ebiten.KeyG, false, NewestEpisode, false},
	{ebiten.KeyH, false, ToggleHelp, false},
	{ebiten.KeySlash, false, ToggleHelp, false},
	{ebiten.KeyQ, false, Quit, false},
	{ebiten.KeyEscape, false, Quit, false},
}

func (ebitenInput) actions() []Action {
	var out []Action
	shift := ebiten.IsKeyPressed(ebiten.KeyShift)
	if inpututil.IsKeyJustPressed(ebiten.KeyF) {
		if shift {
			out = append(out, PrevFailure)
		} else {
			out = append(out, NextFailure)
		}
	}
	for _, k := range keyActions {
		d := inpututil.KeyPressDuration(k.key)
		// Pressed now, or held past a quarter second: repeat 15 times a second.
		if d == 1 || (k.repeat && d > 15 && d%4 == 0) {
			out = append(out, k.action)
		}
	}
	return out
}

type game struct {
	cfg    Config
	p      *Player
	in     input
	img    *ebiten.Image
	last   time.Time
	closed bool // Live was closed
	// afterDraw, in tests, sees each frame drawn.
	afterDraw func(screen *ebiten.Image)
}

func newGame(cfg Config, in input) *game {
	return &game{cfg: cfg, p: NewPlayer(cfg.Source, cfg.Episodes, cfg.Live != nil), in: in}
}

func (g *game) run() error {
	img := g.p.Image()
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	ebiten.SetWindowSize(w, h)
	ebiten.SetWindowTitle(g.cfg.Title)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetScreenClearedEveryFrame(false)
	err := ebiten.RunGame(g)
	if err == ebiten.Termination {
		err = nil
	}
	return err
}

func (g *game) Update() error {
	now := time.Now()
	if g.last.IsZero() {
		g.last = now
	}
	dt := now.Sub(g.last)
	g.last = now
	if g.cfg.Stop != nil {
		select {
		case <-g.cfg.Stop:
			return ebiten.Termination
		default:
		}
	}
	if g.cfg.Live != nil && !g.closed {
	drain:
		for {
			select {
			case ep, ok := <-g.cfg.Live:
				if !ok {
					g.closed = true
					note := "no more episodes"
					if g.cfg.LiveDone != nil {
						note = g.cfg.LiveDone()
					}
					g.p.EndLive(note)
					break drain
				}
				g.p.Add(ep)
			default:
				break drain
			}
		}
	}
	for _, a := range g.in.actions() {
		g.p.Do(a)
	}
	if g.p.Done() {
		return ebiten.Termination
	}
	g.p.Tick(dt)
	g.refresh()
	return nil
}

// refresh uploads the player's picture when it changed, before Layout
// sizes the screen to it.
func (g *game) refresh() {
	if !g.p.Dirty() && g.img != nil {
		return
	}
	pic := g.p.Image()
	b := pic.Bounds()
	if g.img == nil || g.img.Bounds().Size() != b.Size() {
		if g.img != nil {
			g.img.Deallocate()
		}
		g.img = ebiten.NewImage(b.Dx(), b.Dy())
	}
	g.img.WritePixels(pic.Pix)
}

func (g *game) Draw(screen *ebiten.Image) {
	g.refresh()
	screen.Clear()
	screen.DrawImage(g.img, nil)
	if g.afterDraw != nil {
		g.afterDraw(screen)
	}
}

func (g *game) Layout(outsideWidth, outsideHeight int) (int, int) {
	g.refresh()
	b := g.img.Bounds()
	return b.Dx(), b.Dy()
}
