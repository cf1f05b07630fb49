package render_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/render"
	"github.com/dojo-rl/dojo/runner"
)

var update = flag.Bool("update", false, "rewrite the golden frames in testdata")

var registry = sync.OnceValue(envs.Default)

// episode runs one episode of id with a built-in agent and returns its
// record, as a file would hold it (read back from JSON).
func episode(t testing.TB, id, agent string, seed uint64, opts dojo.Options) *runner.Episode {
	t.Helper()
	ag, err := agents.New(agent)
	if err != nil {
		t.Fatal(err)
	}
	var ep runner.Episode
	_, err = runner.Run(context.Background(), runner.Config{
		Registry: registry(), Env: id, Options: opts, Agent: ag, AgentName: agent, Seed: seed,
		OnEpisode: func(e runner.Episode) { ep = e },
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(ep)
	if err != nil {
		t.Fatal(err)
	}
	var back runner.Episode
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return &back
}

// goldenCases are the golden frames: one world of each kind and a
// language episode of each language family.
var goldenCases = []struct {
	name, id, agent string
	seed            uint64
	opts            dojo.Options
	frame           int // -1: the last
}{
	{"doorkey", "gridworld/DoorKey-8x8-v0", "oracle", 3, nil, 8},
	{"keycorridor", "gridworld/KeyCorridor-S3R2-v0", "oracle", 1, nil, 12},
	{"frozenlake", "gridworld/FrozenLake8x8-v1", "oracle", 2, nil, 10},
	{"cliffwalking", "gridworld/CliffWalking-v0", "bfs", 0, nil, 6},
	{"taxi", "gridworld/Taxi-v3", "oracle", 5, nil, 9},
	{"bandit", "bandit/Bernoulli-10-v0", "thompson", 1, dojo.Options{"horizon": 300}, 200},
	{"toolcall", "toolcall/Bank-v0", "oracle", 2, nil, 2},
	{"sql", "sql/Generated-v0", "oracle", 1, dojo.Options{"difficulty": "medium"}, -1},
}

func TestGoldenFrames(t *testing.T) {
	for _, c := range goldenCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ep := episode(t, c.id, c.agent, c.seed, c.opts)
			r, err := render.NewReplay(ep)
			if err != nil {
				t.Fatal(err)
			}
			k := c.frame
			if k < 0 || k >= r.Len() {
				k = r.Len() - 1
			}
			got := r.Frame(k)
			path := filepath.Join("testdata", c.name+".png")
			if *update {
				var buf bytes.Buffer
				if err := render.WritePNG(&buf, got); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := readPNG(t, path)
			if n, ok := render.Compare(got, want, render.Tolerance{}); !ok {
				out := filepath.Join(t.TempDir(), c.name+".png")
				f, _ := os.Create(out)
				png.Encode(f, got)
				f.Close()
				t.Errorf("frame %d differs from %s in %d pixels (the frame drawn is %s; go test -update rewrites the golden if the change is intended)", k, path, n, out)
			}
		})
	}
}

func readPNG(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// TestToleranceCatchesRealChanges checks the tolerant comparison both
// ways on a golden frame: antialiasing noise on every edge pixel and a few
// stray pixels match; an agent moved by one cell, a missing wall or a
// different step number do not.
func TestToleranceCatchesRealChanges(t *testing.T) {
	t.Parallel()
	ep := episode(t, "gridworld/DoorKey-8x8-v0", "oracle", 3, nil)
	r, err := render.NewReplay(ep)
	if err != nil {
		t.Fatal(err)
	}
	base := r.Frame(0)

	// Antialiasing noise: every pixel that is a blend (an edge of text or
	// of a shape) is off by up to 40 levels, and 0.1% of the pixels are
	// wrong altogether.
	noisy := image.NewRGBA(base.Rect)
	copy(noisy.Pix, base.Pix)
	solid := map[[3]uint8]int{}
	for i := 0; i < len(base.Pix); i += 4 {
		solid[[3]uint8{base.Pix[i], base.Pix[i+1], base.Pix[i+2]}]++
	}
	n := len(base.Pix) / 4
	edges := 0
	for i := 0; i < len(base.Pix); i += 4 {
		if solid[[3]uint8{base.Pix[i], base.Pix[i+1], base.Pix[i+2]}] < n/2000 {
			edges++
			for c := range 3 {
				v := int(base.Pix[i+c]) + 40*(1-2*((i/4+c)%2))
				noisy.Pix[i+c] = uint8(min(max(v, 0), 255))
			}
		}
		if (i/4)%1000 == 7 {
			noisy.Pix[i], noisy.Pix[i+1], noisy.Pix[i+2] = 255-base.Pix[i], 0, 255
		}
	}
	if edges < 1000 {
		t.Fatalf("only %d antialiased pixels in the frame: the noise test tests nothing", edges)
	}
	if d, ok := render.Compare(noisy, base, render.Tolerance{}); !ok {
		t.Errorf("antialiasing noise on %d pixels: %d differ beyond tolerance, want a match", edges, d)
	}

	mutate := func(f func(s map[string]json.RawMessage)) *image.RGBA {
		t.Helper()
		e := *ep
		reset := *e.Reset
		var s map[string]json.RawMessage
		if err := json.Unmarshal(reset.State, &s); err != nil {
			t.Fatal(err)
		}
		f(s)
		reset.State, _ = json.Marshal(s)
		e.Reset = &reset
		r, err := render.NewReplay(&e)
		if err != nil {
			t.Fatal(err)
		}
		return r.Frame(0)
	}
	var agent [2]int
	json.Unmarshal(mustState(t, ep)["agent"], &agent)
	moved := mutate(func(s map[string]json.RawMessage) {
		s["agent"], _ = json.Marshal([2]int{agent[0], agent[1] + 1})
	})
	noWall := mutate(func(s map[string]json.RawMessage) {
		var grid []int8
		json.Unmarshal(s["grid"], &grid)
		grid[(3*8+7)*3] = 1 // the bottom wall cell of column 3: empty
		s["grid"], _ = json.Marshal(grid)
	})
	for name, img := range map[string]*image.RGBA{"agent moved one cell": moved, "a wall missing": noWall, "another step": r.Frame(1)} {
		if d, ok := render.Compare(img, base, render.Tolerance{}); ok {
			t.Errorf("%s: only %d pixels differ, and the frames match", name, d)
		}
	}
}

func mustState(t *testing.T, ep *runner.Episode) map[string]json.RawMessage {
	var s map[string]json.RawMessage
	if err := json.Unmarshal(ep.Reset.State, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGIF checks that the GIF has one image per frame, the reset's and
// each step's, and that playing it shows each frame as Frame draws it.
func TestGIF(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ id, agent string }{
		{"gridworld/Maze-9x9-v0", "oracle"},
		{"bandit/Bernoulli-5-v0", "ucb1"},
		{"toolcall/Bank-v0", "oracle"},
	} {
		ep := episode(t, c.id, c.agent, 2, dojo.Options{})
		if c.id == "bandit/Bernoulli-5-v0" {
			ep = episode(t, c.id, c.agent, 2, dojo.Options{"horizon": 60})
		}
		r, err := render.NewReplay(ep)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := render.WriteGIF(&buf, r, render.GIFOptions{FPS: 10}); err != nil {
			t.Fatal(err)
		}
		g, err := gif.DecodeAll(&buf)
		if err != nil {
			t.Fatalf("%s: the GIF does not decode: %v", c.id, err)
		}
		if len(g.Image) != len(ep.Steps)+1 {
			t.Fatalf("%s: %d images for %d steps, want %d", c.id, len(g.Image), len(ep.Steps), len(ep.Steps)+1)
		}
		if g.Config.Width != r.Bounds().Dx() || g.Config.Height != r.Bounds().Dy() {
			t.Errorf("%s: GIF %dx%d, frames %v", c.id, g.Config.Width, g.Config.Height, r.Bounds())
		}
		for i, d := range g.Delay {
			want := 10
			if i == len(g.Delay)-1 {
				want = 210
			}
			if d != want {
				t.Errorf("%s: image %d delay %d, want %d", c.id, i, d, want)
				break
			}
		}
		canvas := image.NewRGBA(r.Bounds())
		for k, img := range g.Image {
			draw.Draw(canvas, img.Bounds(), img, img.Bounds().Min, draw.Over)
			if k%7 != 0 && k != len(g.Image)-1 {
				continue
			}
			if d, ok := render.Compare(canvas, r.Frame(k), render.Tolerance{}); !ok {
				t.Fatalf("%s: the GIF shows frame %d with %d pixels off", c.id, k, d)
			}
		}
	}
	// Frame ranges and rates are checked.
	ep := episode(t, "gridworld/Empty-5x5-v0", "oracle", 0, nil)
	r, _ := render.NewReplay(ep)
	var buf bytes.Buffer
	if err := render.WriteGIF(&buf, r, render.GIFOptions{From: 1, To: 3}); err != nil {
		t.Fatal(err)
	}
	if g, err := gif.DecodeAll(&buf); err != nil || len(g.Image) != 3 {
		t.Errorf("frames 1 to 3: %v images, %v", len(g.Image), err)
	}
	for _, o := range []render.GIFOptions{{From: -1}, {From: 3, To: 2}, {To: r.Len()}, {FPS: 60}, {FPS: -1}} {
		if err := render.WriteGIF(&bytes.Buffer{}, r, o); err == nil {
			t.Errorf("WriteGIF(%+v): no error", o)
		}
	}
}

// TestEveryEnvDraws draws the first and last frame of an episode of every
// registered env: each must give a frame from its record alone.
func TestEveryEnvDraws(t *testing.T) {
	t.Parallel()
	reg := registry()
	for _, id := range reg.IDs() {
		agent := "random"
		if spec, _ := reg.Spec(id); spec.Action.Kind == dojo.KindText && len(spec.Action.Labels) == 0 {
			agent = "oracle" // random has no words to choose from in free text
		}
		ep := episode(t, id, agent, 1, dojo.Options{})
		if ep.ErrorCode == dojo.CodeNotFound {
			// An env over a data set that is absent here (sql/BIRD-v0,
			// sql/Spider-v0 without ../shared/data).
			t.Logf("%s: %s", id, ep.Error)
			continue
		}
		r, err := render.NewReplay(ep)
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		for _, k := range []int{0, r.Len() - 1} {
			img := r.Frame(k)
			if img.Bounds().Dx() < 300 || img.Bounds().Dy() < 200 {
				t.Errorf("%s: frame %d is %v", id, k, img.Bounds())
			}
		}
	}
}

// TestBadStates checks that a record whose state is not what its kind
// describes is an error naming the step, never a panic.
func TestBadStates(t *testing.T) {
	t.Parallel()
	ep := episode(t, "gridworld/Empty-5x5-v0", "oracle", 0, nil)
	for _, c := range []struct{ reset, step, want string }{
		{`{"kind":"minigrid","width":5}`, "", "reset: state: the grid is 5x0"},
		{`{"kind":"minigrid","width":5,"height":5,"grid":[1,2]}`, "", "reset: state: grid has 2 numbers, want width×height×3 = 75"},
		{"", `{"agent":[9,9]}`, "step 1: state: agent [9 9] is outside the 5x5 grid"},
		{"", `{"dir":7}`, "step 1: state: dir 7"},
		{"", `[1]`, "step 1: state: [1] is not a JSON object"},
		{"", `{"grid":"x"}`, `step 1: state: member "grid"`},
		{`{"kind":"tiles","map":["SF","F"],"agent":[0,0]}`, "", "map row 2 has 1 characters, row 1 has 2"},
		{`{"kind":"tiles","map":["","F"],"agent":[0,0]}`, "", "map row 1 has 0 characters: want 1 to"},
		{`{"kind":"taxi","map":["+-+","|R|","+-+"],"taxi":[0,0]}`, "", "does not mark the four places"},
		{`{"kind":"bandit","means":[0.5],"pulls":[],"sums":[0]}`, "", "1 means, 0 pulls and 1 sums"},
	} {
		e := *ep
		reset := *e.Reset
		if c.reset != "" {
			reset.State = json.RawMessage(c.reset)
		}
		e.Reset = &reset
		e.Steps = append([]runner.StepRecord(nil), ep.Steps...)
		if c.step != "" {
			e.Steps[0].State = json.RawMessage(c.step)
		}
		_, err := render.NewReplay(&e)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("reset %s, step %s: error %v, want %q", c.reset, c.step, err, c.want)
		}
	}
}

// TestRecordsWithoutSteps checks what NewReplay says of records that have
// no steps: written with --no-steps (it says so and how to record steps),
// or of an episode that failed before its first observation (it gives the
// failure).
func TestRecordsWithoutSteps(t *testing.T) {
	t.Parallel()
	ep := episode(t, "gridworld/Empty-5x5-v0", "oracle", 4, nil)
	noSteps := *ep
	noSteps.Reset, noSteps.Steps = nil, nil
	_, err := render.NewReplay(&noSteps)
	if err == nil {
		t.Fatal("a record written with --no-steps drew")
	}
	for _, want := range []string{"recorded with --no-steps", "dojo run gridworld/Empty-5x5-v0 --agent oracle --seed 4 --episodes 1 --out "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("a record written with --no-steps: %q, want it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "Reset: )") {
		t.Errorf("a record written with --no-steps: %q blames an empty Reset failure", err)
	}

	failed := noSteps
	failed.Error, failed.ErrorCode = "env Reset: sql: database not found: wta_1", dojo.CodeNotFound
	_, err = render.NewReplay(&failed)
	if err == nil || !strings.Contains(err.Error(), "failed before its first observation (env Reset: sql: database not found: wta_1)") || strings.Contains(err.Error(), "--no-steps") {
		t.Errorf("a record of an episode that failed at Reset: %v", err)
	}
}

// FuzzReplay feeds records of any shape to NewReplay and draws every
// frame it accepts: nothing may panic.
func FuzzReplay(f *testing.F) {
	for _, c := range []struct{ id, agent string }{
		{"gridworld/DoorKey-5x5-v0", "oracle"}, {"gridworld/Taxi-v3", "oracle"}, {"gridworld/FrozenLake-v1", "oracle"},
		{"bandit/Bernoulli-2-v0", "random"}, {"toolcall/Bank-v0", "oracle"},
	} {
		var opts dojo.Options
		if strings.HasPrefix(c.id, "bandit") {
			opts = dojo.Options{"horizon": 5}
		}
		ep := episode(f, c.id, c.agent, 1, opts)
		b, _ := json.Marshal(ep)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var ep runner.Episode
		if json.Unmarshal(line, &ep) != nil {
			return
		}
		r, err := render.NewReplay(&ep)
		if err != nil {
			return
		}
		if r.Bounds().Dx()*r.Bounds().Dy() > 4<<20 {
			t.Fatalf("frames of %v", r.Bounds())
		}
		dst := image.NewRGBA(r.Bounds())
		for k := range min(r.Len(), 50) {
			r.Draw(dst, k)
		}
	})
}

func Example() {
	reg := envs.Default()
	oracle, _ := agents.New("oracle")
	var ep runner.Episode
	runner.Run(context.Background(), runner.Config{
		Registry: reg, Env: "gridworld/DoorKey-5x5-v0", Agent: oracle, AgentName: "oracle",
		OnEpisode: func(e runner.Episode) { ep = e },
	})
	r, err := render.NewReplay(&ep)
	if err != nil {
		fmt.Println(err)
		return
	}
	var gifBytes bytes.Buffer
	render.WriteGIF(&gifBytes, r, render.GIFOptions{FPS: 8})
	g, _ := gif.DecodeAll(&gifBytes)
	fmt.Printf("%d steps, %d frames of %v\n", len(ep.Steps), len(g.Image), r.Bounds().Size())
	// Output:
	// 9 steps, 10 frames of (620,426)
}

// TestMiniGridWideViewAndStartCell replays an episode with a view wider
// than the old limit of 63 cells, the agent starting on lava.
func TestMiniGridWideViewAndStartCell(t *testing.T) {
	t.Parallel()
	ep := episode(t, "gridworld/Custom-v0", "oracle", 1, dojo.Options{
		"view_size": 65,
		"map":       []string{"#######", "#a..G.#", "#######", "", "a: agent facing right on lava"},
	})
	if !ep.Success {
		t.Fatalf("the oracle failed: %+v", ep)
	}
	r, err := render.NewReplay(ep)
	if err != nil {
		t.Fatalf("NewReplay: %v", err)
	}
	if r.Len() != len(ep.Steps)+1 || r.Frame(0).Bounds().Empty() {
		t.Errorf("%d frames for %d steps", r.Len(), len(ep.Steps))
	}
}
