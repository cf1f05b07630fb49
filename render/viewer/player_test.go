package viewer

import (
	"bytes"
	"context"
	"image"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/render"
	"github.com/dojo-rl/dojo/runner"
)

// runTestEpisodes runs four episodes of DoorKey-5x5: the oracle's
// (successes) and a random agent's (failures within a short limit).
func runTestEpisodes() ([]runner.Episode, error) {
	var eps []runner.Episode
	for _, agent := range []string{"oracle", "random"} {
		ag, err := agents.New(agent)
		if err != nil {
			return nil, err
		}
		_, err = runner.Run(context.Background(), runner.Config{
			Registry: envs.Default(), Env: "gridworld/DoorKey-5x5-v0", Options: dojo.Options{"max_steps": 12},
			Agent: ag, AgentName: agent, Episodes: 2, Workers: 1,
			OnEpisode: func(e runner.Episode) { eps = append(eps, e) },
		})
		if err != nil {
			return nil, err
		}
	}
	return eps, nil
}

func testEpisodes(t testing.TB) []runner.Episode {
	t.Helper()
	eps, err := runTestEpisodes()
	if err != nil {
		t.Fatal(err)
	}
	return eps
}

func frameOf(t *testing.T, p *Player) *image.RGBA {
	t.Helper()
	img := p.Image()
	return img.SubImage(p.FrameRect()).(*image.RGBA)
}

func TestPlayer(t *testing.T) {
	eps := testEpisodes(t)
	p := NewPlayer("run.jsonl", eps, false)
	want := func(ep, frame int) {
		t.Helper()
		if e, f := p.Episode(); e != ep || f != frame {
			t.Fatalf("showing episode %d frame %d, want %d frame %d", e, f, ep, frame)
		}
		r, err := render.NewReplay(&eps[ep])
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := render.Compare(frameOf(t, p), r.Frame(frame), render.Tolerance{Channel: 1, Fraction: 1e-9}); !ok {
			t.Fatalf("episode %d frame %d: the picture differs from render's in %d pixels", ep, frame, d)
		}
	}
	want(0, 0)
	p.Do(StepForward)
	p.Do(StepForward)
	want(0, 2)
	p.Do(StepBack)
	want(0, 1)
	p.Do(Last)
	last := len(eps[0].Steps)
	want(0, last)
	p.Do(StepForward) // stays on the last frame
	want(0, last)
	p.Do(NextFailure) // episodes 2 and 3 are the random agent's failures
	want(2, 0)
	p.Do(NextFailure)
	want(3, 0)
	p.Do(NextFailure) // none after
	want(3, 0)
	p.Do(PrevFailure)
	want(2, 0)
	p.Do(PrevEpisode)
	want(1, 0)
	p.Do(First)
	want(1, 0)

	// Playing: 8 fps by default, faster and slower by steps.
	if p.FPS() != 8 {
		t.Fatalf("fps %v", p.FPS())
	}
	p.Do(Faster)
	p.Do(Faster)
	if p.FPS() != 30 {
		t.Fatalf("after two ↑: %v fps, want 30", p.FPS())
	}
	p.Do(Slower)
	if p.FPS() != 15 {
		t.Fatalf("after ↓: %v fps, want 15", p.FPS())
	}
	p.Do(PlayPause)
	p.Tick(time.Second / 15 * 3)
	p.Tick(time.Millisecond)
	if _, f := p.Episode(); f != 3 && f != 2 {
		t.Fatalf("after 3/15 s at 15 fps: frame %d, want 3", f)
	}
	// To the end of the episode, a second's hold, then the next one.
	for range 200 {
		p.Tick(50 * time.Millisecond)
	}
	if e, _ := p.Episode(); e != 3 {
		t.Fatalf("playing through: episode %d, want the last (3)", e)
	}
	if p.Playing() {
		t.Fatalf("still playing after the last frame of the last episode")
	}
	p.Do(PlayPause) // plays again from the start
	if _, f := p.Episode(); f != 0 || !p.Playing() {
		t.Fatalf("play at the end: frame %d, playing %v", f, p.Playing())
	}
	p.Do(Quit)
	if !p.Done() {
		t.Fatalf("quit not done")
	}
}

func TestPlayerLive(t *testing.T) {
	eps := testEpisodes(t)
	p := NewPlayer("run.jsonl", nil, true)
	img := p.Image()
	if img.Bounds().Empty() {
		t.Fatal("no picture before the first episode")
	}
	p.Add(eps[0])
	if !p.Dirty() {
		t.Fatal("an added episode does not redraw")
	}
	p.Do(PlayPause)
	for range 100 {
		p.Tick(100 * time.Millisecond)
	}
	// The last frame of the only episode: playing waits for more.
	if e, f := p.Episode(); e != 0 || f != len(eps[0].Steps) || !p.Playing() {
		t.Fatalf("live, one episode played: episode %d frame %d playing %v", e, f, p.Playing())
	}
	p.Add(eps[1])
	p.Tick(100 * time.Millisecond)
	if e, _ := p.Episode(); e != 1 {
		t.Fatalf("a new episode while waiting: showing %d, want 1", e)
	}
	p.Add(eps[2])
	p.Do(NewestEpisode)
	if e, _ := p.Episode(); e != 2 {
		t.Fatalf("newest: %d", e)
	}
	p.EndLive("the run finished")
	// A record that cannot be drawn shows why instead of a frame.
	bad := eps[3]
	bad.Reset = nil
	p.Add(bad)
	p.Do(NewestEpisode)
	if img := p.Image(); img.Bounds().Dx() < 480 || !bytes.Contains([]byte(p.bar()[0][0]), []byte("episode 1 (4 of 4")) {
		t.Fatalf("an undrawable record: %v %q", img.Bounds(), p.bar()[0][0])
	}
}
