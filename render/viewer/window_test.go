//go:build ebiten

package viewer

import (
	"fmt"
	"image"
	"os"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"

	// Without a display the tests stop with a message, not ebiten's panic.
	_ "github.com/dojo-rl/dojo/internal/display"
	"github.com/dojo-rl/dojo/render"
	"github.com/dojo-rl/dojo/runner"
)

// The window tests need a display (CI runs them under xvfb-run) and the
// window system's main thread, so TestMain opens one real window, drives
// it with scripted keys, reads back the pixels it showed after each, and
// then lets the tests check them.

// phase is a step of the script: the actions delivered as key presses,
// an episode to arrive live first, and what the window showed after them.
type phase struct {
	name    string
	actions []Action
	arrive  *runner.Episode
	shot    *image.RGBA // the screen, read back after drawing
	episode int         // what the player showed
	frame   int
}

type scriptInput struct {
	phases []*phase
	i      int  // the phase whose actions are delivered next
	sent   bool // its actions were delivered; waiting for its drawing
	drawn  int  // frames drawn since; the screen takes a new size one frame late
}

func (s *scriptInput) actions() []Action {
	if s.i >= len(s.phases) || s.sent || s.phases[s.i].arrive != nil {
		return nil
	}
	s.sent = true
	return s.phases[s.i].actions
}

var (
	script    *scriptInput
	scriptEps []runner.Episode
	windowErr error
)

func TestMain(m *testing.M) {
	eps, err := runTestEpisodes()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scriptEps = eps
	live := make(chan runner.Episode, 1)
	script = &scriptInput{phases: []*phase{
		{name: "start"},
		{name: "two steps forward", actions: []Action{StepForward, StepForward}},
		{name: "next failure", actions: []Action{NextFailure}},
		{name: "last frame", actions: []Action{Last}},
		{name: "help off", actions: []Action{ToggleHelp}},
		{name: "a live episode, newest", arrive: &eps[3], actions: []Action{NewestEpisode}},
		{name: "quit", actions: []Action{Quit}},
	}}
	g := newGame(Config{Title: "dojo viewer test", Source: "test", Episodes: eps[:3], Live: live}, script)
	g.afterDraw = func(screen *ebiten.Image) {
		s := script
		if s.i >= len(s.phases) {
			return
		}
		ph := s.phases[s.i]
		if ph.arrive != nil {
			live <- *ph.arrive // drained by the next Update, before the actions
			ph.arrive = nil
			return
		}
		if !s.sent {
			return
		}
		if s.drawn++; s.drawn < 2 {
			return
		}
		s.drawn = 0
		b := screen.Bounds()
		shot := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		screen.ReadPixels(shot.Pix)
		ph.shot = shot
		ph.episode, ph.frame = g.p.Episode()
		s.i++
		s.sent = false
	}
	windowErr = g.run()
	os.Exit(m.Run())
}

func TestWindowShowsFrames(t *testing.T) {
	if windowErr != nil {
		t.Fatalf("the window failed: %v", windowErr)
	}
	wantAt := []struct{ episode, frame int }{
		{0, 0}, {0, 2}, {2, 0}, {2, len(scriptEps[2].Steps)}, {2, len(scriptEps[2].Steps)}, {3, 0},
	}
	for i, w := range wantAt {
		ph := script.phases[i]
		if ph.shot == nil {
			t.Fatalf("%s: the window never drew it", ph.name)
		}
		if ph.episode != w.episode || ph.frame != w.frame {
			t.Errorf("%s: showed episode %d frame %d, want %d frame %d", ph.name, ph.episode, ph.frame, w.episode, w.frame)
			continue
		}
		r, err := render.NewReplay(&scriptEps[w.episode])
		if err != nil {
			t.Fatal(err)
		}
		want := r.Frame(w.frame)
		got := ph.shot.SubImage(want.Bounds()).(*image.RGBA)
		// The pixels went through the GPU: allow a level or two of
		// difference, and no more.
		if d, ok := render.Compare(got, want, render.Tolerance{Channel: 3, Fraction: 0.0005}); !ok {
			save(t, ph.name, ph.shot)
			t.Errorf("%s: the window's frame differs from render's in %d pixels", ph.name, d)
		}
		// Below the frame: the status line, and the key help until it is
		// turned off.
		lines := (ph.shot.Bounds().Dy() - want.Bounds().Dy() - 4) / render.BarLineHeight
		wantLines := 3
		if i >= 4 {
			wantLines = 1
		}
		if lines != wantLines {
			t.Errorf("%s: %d lines below the frame, want %d", ph.name, lines, wantLines)
		}
	}
	// VIEWER_SCREENSHOT=file.png keeps a picture of the window (the README's).
	if path := os.Getenv("VIEWER_SCREENSHOT"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		render.WritePNG(f, script.phases[1].shot)
		f.Close()
	}
	// Stepping changed the picture where the agent moved.
	if d, ok := render.Compare(script.phases[0].shot, script.phases[1].shot, render.Tolerance{}); ok {
		t.Errorf("two steps forward changed only %d pixels", d)
	}
}

func save(t *testing.T, name string, img *image.RGBA) {
	f, err := os.CreateTemp("", "viewer-*.png")
	if err != nil {
		return
	}
	defer f.Close()
	render.WritePNG(f, img)
	t.Logf("%s: the window showed %s", name, f.Name())
}
