package minigrid

import (
	"context"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dojo-rl/dojo"
)

// mgCustom makes a Custom-v0 world from map rows and resets it.
func mgCustom(t *testing.T, rows []string, opts dojo.Options) *Env {
	t.Helper()
	if opts == nil {
		opts = dojo.Options{}
	}
	opts["map"] = rows
	env, err := mgTestRegistry(t).Make("gridworld/Custom-v0", opts)
	if err != nil {
		t.Fatalf("Make(Custom-v0, %v): %v", rows, err)
	}
	if _, _, err := env.Reset(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	return env.(*Env)
}

// do steps e with the named actions and returns the last step.
func (e *Env) do(t *testing.T, words ...string) dojo.Step {
	t.Helper()
	var s dojo.Step
	for _, w := range words {
		a, ok := mgParseActionText(w)
		if !ok {
			t.Fatalf("bad action word %q in test", w)
		}
		var err error
		if s, err = e.Step(context.Background(), dojo.IndexAction(a)); err != nil {
			t.Fatalf("Step(%s): %v", w, err)
		}
	}
	return s
}

// pos returns the agent's (x, y).
func (e *Env) pos() [2]int {
	x, y := e.xyOf(e.agent)
	return [2]int{x, y}
}

// at returns the object at (x, y).
func (e *Env) at(x, y int) mgObj { return e.grid[e.cellOf(x, y)] }

func mgPart(s dojo.Step, name string) float64 {
	for _, p := range s.Info.Parts {
		if p.Name == name {
			return p.Value
		}
	}
	panic("no part " + name)
}

func TestMiniGridWalls(t *testing.T) {
	t.Parallel()
	e := mgCustom(t, []string{
		"#####",
		"#^..#",
		"#..G#",
		"#####",
	}, nil)
	s := e.do(t, "forward")
	if got := e.pos(); got != [2]int{1, 1} || s.Done() {
		t.Fatalf("walking into the wall above: agent at %v (done=%v), want to stay at [1 1]", got, s.Done())
	}
	e.do(t, "left")
	if e.dir != 2 {
		t.Fatalf("left from up: direction %d, want 2 (left)", e.dir)
	}
	e.do(t, "forward")
	if got := e.pos(); got != [2]int{1, 1} {
		t.Fatalf("walking into the wall on the left: agent at %v, want [1 1]", got)
	}
	e.do(t, "right", "right", "forward", "forward", "forward")
	if got := e.pos(); got != [2]int{3, 1} {
		t.Fatalf("after three moves right: agent at %v, want [3 1] (stopped by the wall)", got)
	}
	s = e.do(t, "right", "forward")
	if !s.Terminated || !s.Info.Success || e.pos() != [2]int{3, 2} {
		t.Fatalf("stepping onto the goal: terminated=%v success=%v at %v, want success at [3 2]", s.Terminated, s.Info.Success, e.pos())
	}
	if want := mgPythonReward(10, e.maxSteps); s.Reward != want || mgPart(s, "minigrid") != want || mgPart(s, "success") != 1 {
		t.Errorf("reward %v (minigrid %v), want MiniGrid's 1 - 0.9 * (10 / %d) = %v", s.Reward, mgPart(s, "minigrid"), e.maxSteps, want)
	}
}

func TestMiniGridLava(t *testing.T) {
	t.Parallel()
	e := mgCustom(t, []string{
		"#####",
		"#>L.#",
		"#..G#",
		"#####",
	}, dojo.Options{"reward": "shaped"})
	s := e.do(t, "forward")
	if !s.Terminated || s.Info.Success || s.Truncated {
		t.Fatalf("stepping into lava: terminated=%v success=%v truncated=%v, want a terminal failure", s.Terminated, s.Info.Success, s.Truncated)
	}
	if e.pos() != [2]int{2, 1} {
		t.Errorf("the agent is at %v, want on the lava at [2 1] as in MiniGrid", e.pos())
	}
	if mgPart(s, "lava") != -1 || mgPart(s, "minigrid") != 0 || mgPart(s, "success") != 0 {
		t.Errorf("parts %v: want lava -1, minigrid 0, success 0", s.Info.Parts)
	}
	if _, err := e.Step(context.Background(), dojo.IndexAction(0)); dojo.ErrorCode(err) != dojo.CodeState {
		t.Errorf("Step after lava: %v, want a state error", err)
	}
}

func TestMiniGridDoorsAndKeys(t *testing.T) {
	t.Parallel()
	e := mgCustom(t, []string{
		"#######",
		"#a>D.G#",
		"#K.#..#",
		"#######",
		"",
		"a: red key",
	}, nil)
	door := func() uint8 { return e.at(3, 1).State }
	e.do(t, "toggle")
	if door() != mgLocked {
		t.Fatalf("toggling a locked door without a key: state %d, want locked", door())
	}
	e.do(t, "forward")
	if e.pos() != [2]int{2, 1} {
		t.Fatalf("walked through a locked door to %v", e.pos())
	}
	e.do(t, "left", "left", "pickup")
	if e.carried != (mgObj{Type: mgKey, Color: mgRed}) || e.at(1, 1).Type != mgEmpty {
		t.Fatalf("pickup of the red key: carrying %+v, cell %+v", e.carried, e.at(1, 1))
	}
	e.do(t, "right", "right", "toggle")
	if door() != mgLocked {
		t.Fatalf("a red key opened the yellow door: state %d", door())
	}
	e.do(t, "drop")
	if e.carried.Type == 0 || e.at(3, 1).Type != mgDoor {
		t.Fatalf("dropped the key onto a door")
	}
	e.do(t, "right", "drop") // facing down onto the empty (2,2)
	if e.carried.Type != 0 || e.at(2, 2) != (mgObj{Type: mgKey, Color: mgRed}) {
		t.Fatalf("drop onto an empty cell: carrying %+v, cell %+v", e.carried, e.at(2, 2))
	}
	e.do(t, "right", "forward", "left", "pickup")
	if e.pos() != [2]int{1, 1} || e.carried != (mgObj{Type: mgKey, Color: mgYellow}) {
		t.Fatalf("at %v carrying %+v, want at [1 1] with the yellow key", e.pos(), e.carried)
	}
	e.do(t, "left", "forward", "right")
	e.do(t, "pickup") // facing the red key at (2,2) with full hands
	if e.at(2, 2).Type != mgKey || e.carried.Color != mgYellow {
		t.Fatalf("picked up the red key while carrying the yellow one")
	}
	e.do(t, "left", "toggle")
	if door() != mgOpen {
		t.Fatalf("the yellow key did not open the yellow door: state %d", door())
	}
	e.do(t, "toggle")
	if door() != mgClosed {
		t.Fatalf("toggling an open door: state %d, want closed (unlocked)", door())
	}
	e.do(t, "drop") // onto a closed door: refused
	e.do(t, "toggle")
	if door() != mgOpen {
		t.Fatalf("toggling the closed door: state %d, want open", door())
	}
	e.do(t, "drop") // onto an open door: refused
	if e.carried.Type != mgKey {
		t.Fatalf("dropped the key onto an open door")
	}
	e.do(t, "forward")
	if e.pos() != [2]int{3, 1} {
		t.Fatalf("the agent did not walk onto the open door: at %v", e.pos())
	}
	s := e.do(t, "forward", "forward")
	if !s.Info.Success {
		t.Fatalf("the goal was not reached: at %v", e.pos())
	}
}

func TestMiniGridPickupDropBox(t *testing.T) {
	t.Parallel()
	e := mgCustom(t, []string{
		"#######",
		"#>aB.G#",
		"#.bX..#",
		"#######",
		"",
		"a: green box with red ball",
		"b: grey box",
	}, nil)
	// Boxes and balls are picked up; a box keeps its contents.
	e.do(t, "pickup")
	want := mgObj{Type: mgBox, Color: mgGreen, In: mgBall, InColor: mgRed}
	if e.carried != want {
		t.Fatalf("carrying %+v, want %+v", e.carried, want)
	}
	if c := e.ego[3*(3*7+6):][:3]; c[0] != mgBox || c[1] != mgGreen {
		t.Errorf("the egocentric view shows %v at the agent's cell, want the carried green box", c)
	}
	e.do(t, "forward", "pickup")
	if e.carried != want || e.at(3, 1).Type != mgBall {
		t.Fatalf("picked up a ball while carrying a box")
	}
	e.do(t, "toggle") // toggling a ball does nothing
	if e.at(3, 1).Type != mgBall {
		t.Fatalf("toggling a ball changed it")
	}
	e.do(t, "left", "left", "drop") // drop the box back at (1,1)
	if e.at(1, 1) != want || e.carried.Type != 0 {
		t.Fatalf("drop: cell %+v, carrying %+v", e.at(1, 1), e.carried)
	}
	e.do(t, "toggle")
	if e.at(1, 1) != (mgObj{Type: mgBall, Color: mgRed}) {
		t.Fatalf("toggling a box with a red ball left %+v, want the ball", e.at(1, 1))
	}
	e.do(t, "left", "toggle") // facing down at the empty grey box (2,2)
	if e.at(2, 2).Type != mgEmpty {
		t.Fatalf("toggling an empty box left %+v, want an empty cell", e.at(2, 2))
	}
	e.do(t, "pickup") // nothing to pick up
	if e.carried.Type != 0 {
		t.Fatalf("picked up %+v from an empty cell", e.carried)
	}
	e.do(t, "left", "left", "forward", "pickup") // facing up at the wall
	if e.carried.Type != 0 {
		t.Fatalf("picked up a wall")
	}
}

// mgEgoRows converts a hand-drawn view, rows[vy][vx], into the expected
// image: # wall, . empty, ? unseen, G goal, d closed and _ open yellow door,
// K yellow key, @ the agent's cell (empty hands).
func mgEgoRows(t *testing.T, rows []string) []int8 {
	t.Helper()
	codes := map[byte][3]int8{
		'#': {2, 5, 0}, '.': {1, 0, 0}, '?': {0, 0, 0}, 'G': {8, 1, 0},
		'd': {4, 4, 1}, '_': {4, 4, 0}, 'K': {5, 4, 0}, '@': {1, 0, 0},
	}
	v := len(rows)
	img := make([]int8, v*v*3)
	for vy, r := range rows {
		for vx := range v {
			c, ok := codes[r[vx]]
			if !ok {
				t.Fatalf("bad symbol %q", r[vx])
			}
			copy(img[(vx*v+vy)*3:], c[:])
		}
	}
	return img
}

func TestMiniGridEgocentricView(t *testing.T) {
	t.Parallel()
	room := []string{
		"#####",
		"#>..#",
		"#...#",
		"#..G#",
		"#####",
	}
	corridor := []string{
		"#######",
		"#>.d.G#",
		"#######",
	}
	tests := []struct {
		name    string
		m       []string
		through bool
		actions []string
		want    []string // rows vy = 0 (farthest) .. 6 (the agent's row)
	}{
		{"right see-through", room, true, nil, []string{
			"#######",
			"#######",
			"#######",
			"#######",
			"###..G#",
			"###...#",
			"###@..#",
		}},
		{"right occluded", room, false, nil, []string{
			"???????",
			"???????",
			"???????",
			"??#####",
			"??#..G#",
			"??#...#",
			"??#@..#",
		}},
		{"down occluded", room, false, []string{"right"}, []string{
			"???????",
			"???????",
			"???????",
			"#####??",
			"#G..#??",
			"#...#??",
			"#..@#??",
		}},
		{"closed door hides", corridor, false, []string{"forward"}, []string{
			"???????",
			"???????",
			"???????",
			"???????",
			"???????",
			"??#d#??",
			"??#@#??",
		}},
		{"open door shows", corridor, false, []string{"forward", "toggle"}, []string{
			"???????",
			"???????",
			"??###??",
			"??#G#??",
			"??#.#??",
			"??#_#??",
			"??#@#??",
		}},
		{"left see-through", corridor, true, []string{"forward", "left", "left"}, []string{
			"#######",
			"#######",
			"#######",
			"#######",
			"#######",
			"###.###",
			"###@###",
		}},
		{"up occluded", room, false, []string{"right", "forward", "forward", "left", "left"}, []string{
			"???????",
			"???????",
			"???????",
			"??#####",
			"??#...#",
			"??#...#",
			"??#@.G#",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := mgCustom(t, tc.m, dojo.Options{"see_through_walls": tc.through})
			e.do(t, tc.actions...)
			got := e.obs.Image
			want := mgEgoRows(t, tc.want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("view (-want +got):\n%s\ngot as rows:\n%s", diff, strings.Join(mgViewRows(got, 7), "\n"))
			}
		})
	}
}

// mgViewRows draws an image of side v as rows of symbols, for messages.
func mgViewRows(img []int8, v int) []string {
	rows := make([]string, v)
	for vy := range v {
		var b []byte
		for vx := range v {
			c := img[(vx*v+vy)*3:]
			switch {
			case c[0] == mgDoor && c[2] == mgOpen:
				b = append(b, '_')
			case c[0] == mgDoor:
				b = append(b, 'd')
			default:
				b = append(b, "?.#FdKBXGLA"[c[0]])
			}
		}
		rows[vy] = string(b)
	}
	return rows
}

func TestMiniGridFullObservation(t *testing.T) {
	t.Parallel()
	e := mgCustom(t, []string{
		"#####",
		"#>a.#",
		"#..G#",
		"#####",
		"",
		"a: locked red door",
	}, dojo.Options{"obs": "full"})
	if spec := e.Spec(); !cmp.Equal(spec.Observation.Fields[0].Space.Shape, []int{5, 4, 3}) {
		t.Errorf("image shape %v, want [5 4 3] (width, height, 3)", spec.Observation.Fields[0].Space.Shape)
	}
	cell := func(x, y int) [3]int8 {
		i := (x*4 + y) * 3
		return [3]int8(e.obs.Image[i : i+3])
	}
	check := func(x, y int, want [3]int8) {
		t.Helper()
		if got := cell(x, y); got != want {
			t.Errorf("cell (%d,%d) = %v, want %v", x, y, got, want)
		}
	}
	kept, ok := dojo.CloneValue(e.value).(*Obs)
	if !ok || &kept.Image[0] == &e.obs.Image[0] || !slices.Equal(kept.Image, e.obs.Image) {
		t.Fatalf("dojo.CloneValue did not deep-copy the observation")
	}
	check(1, 1, [3]int8{mgAgent, mgRed, 0})
	check(2, 1, [3]int8{mgDoor, mgRed, mgLocked})
	check(3, 2, [3]int8{mgGoal, mgGreen, 0})
	check(0, 0, [3]int8{mgWall, mgGrey, 0})
	check(1, 2, [3]int8{mgEmpty, 0, 0})
	e.do(t, "right", "forward")
	check(1, 1, [3]int8{mgEmpty, 0, 0})
	check(1, 2, [3]int8{mgAgent, mgRed, 1})
	if i := (1*4 + 1) * 3; kept.Image[i] != mgAgent {
		t.Errorf("the cloned observation changed with the env's buffer")
	}
	if e.obs.Direction != 1 {
		t.Errorf("direction %d, want 1 (down)", e.obs.Direction)
	}
}

func TestMiniGridMissions(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"Empty":       "^get to the green goal square$",
		"FourRooms":   "^reach the goal$",
		"DoorKey":     "^use the key to open the door and then get to the goal$",
		"LavaGap":     "^avoid the lava and get to the green goal square$",
		"MultiRoom":   "^traverse the rooms to get to the goal$",
		"KeyCorridor": "^pick up the (red|green|blue|purple|yellow|grey) ball$",
		"Maze":        "^find the way through the maze to the green goal square$",
		"Custom":      "^get to the green goal square$",
	}
	reg := mgTestRegistry(t)
	for _, id := range mgIDs(t) {
		name := strings.TrimPrefix(id, "gridworld/")
		name = name[:strings.IndexAny(name, "-")]
		re := regexp.MustCompile(want[name])
		env, err := reg.Make(id, nil)
		if err != nil {
			t.Fatal(err)
		}
		for seed := range uint64(20) {
			obs, _, err := env.Reset(context.Background(), seed)
			if err != nil {
				t.Fatal(err)
			}
			if m := obs.Value.(*Obs).Mission; !re.MatchString(m) {
				t.Errorf("%s seed %d: mission %q, want %s", id, seed, m, want[name])
			}
		}
	}
	e := mgCustom(t, []string{"###", "#>#", "#G#", "###"}, dojo.Options{"mission": "go south"})
	if e.obs.Mission != "go south" {
		t.Errorf("custom mission %q, want the option's", e.obs.Mission)
	}
}

// TestMiniGridKeyCorridorTarget checks that picking up the target ball is
// the success, with MiniGrid's reward, and that the mission names its
// colour.
func TestMiniGridKeyCorridorTarget(t *testing.T) {
	t.Parallel()
	env, err := mgTestRegistry(t).Make("gridworld/KeyCorridor-S3R1-v0", nil)
	if err != nil {
		t.Fatal(err)
	}
	e := env.(*Env)
	for seed := range uint64(50) {
		if _, _, err := e.Reset(context.Background(), seed); err != nil {
			t.Fatal(err)
		}
		balls := 0
		for x := 0; x < e.w; x++ {
			for y := 0; y < e.h; y++ {
				if o := e.at(x, y); o.Type == mgBall {
					balls++
					if o.Flags&mgTarget == 0 || !strings.Contains(e.mission, mgColorNames[o.Color]+" ball") {
						t.Fatalf("seed %d: ball %+v, mission %q", seed, o, e.mission)
					}
				}
			}
		}
		if balls != 1 {
			t.Fatalf("seed %d: %d balls, want 1", seed, balls)
		}
	}
}

func TestMiniGridTruncation(t *testing.T) {
	t.Parallel()
	m := []string{"#####", "#>.G#", "#####"}
	tests := []struct {
		name                  string
		actions               []string
		terminated, truncated bool
		reward                float64
	}{
		{"limit without success", []string{"done", "left", "right", "done", "done"}, false, true, 0},
		{"success on the last step", []string{"done", "done", "done", "forward", "forward"}, true, true, 1 - 0.9*5/5.0},
		{"success before the limit", []string{"forward", "forward"}, true, false, 1 - 0.9*2/5.0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := mgCustom(t, m, dojo.Options{"max_steps": 5})
			s := e.do(t, tc.actions...)
			if s.Terminated != tc.terminated || s.Truncated != tc.truncated || math.Abs(s.Reward-tc.reward) > 1e-15 {
				t.Errorf("terminated=%v truncated=%v reward=%v, want %v %v %v", s.Terminated, s.Truncated, s.Reward, tc.terminated, tc.truncated, tc.reward)
			}
			if _, err := e.Step(context.Background(), dojo.IndexAction(0)); dojo.ErrorCode(err) != dojo.CodeState {
				t.Errorf("Step after the end: %v, want a state error", err)
			}
		})
	}
}

func TestMiniGridInvalidActions(t *testing.T) {
	t.Parallel()
	m := []string{"#####", "#>.G#", "#####"}
	tests := []struct {
		name   string
		action dojo.Action
		errHas []string
	}{
		{"index too large", dojo.IndexAction(7), []string{"invalid action 7", "left, right, forward, pickup, drop, toggle, done"}},
		{"negative index", dojo.IndexAction(-1), []string{"invalid action -1"}},
		{"unknown word", dojo.TextAction("jump"), []string{`invalid action "jump"`, "toggle"}},
		{"two words", dojo.TextAction("left right"), []string{`"left right"`}},
		{"empty answer", dojo.TextAction("<answer></answer>"), []string{`"<answer></answer>"`}},
		{"tool call", dojo.MessageAction("", dojo.ToolCall{Name: "move"}), []string{"tool call", `"move"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := mgCustom(t, m, dojo.Options{"text": true, "reward": "shaped"})
			before := e.pos()
			s, err := e.Step(context.Background(), tc.action)
			if err != nil {
				t.Fatalf("an invalid action is not an error: %v", err)
			}
			if !s.Info.Invalid || mgPart(s, "invalid") != -1 || e.steps != 1 || e.pos() != before || e.dir != 0 || s.Done() {
				t.Fatalf("invalid=%v parts=%v steps=%d pos=%v dir=%d done=%v: want invalid, -1, one step counted, state unchanged", s.Info.Invalid, s.Info.Parts, e.steps, e.pos(), e.dir, s.Done())
			}
			for _, h := range tc.errHas {
				if !strings.Contains(s.Info.Error, h) {
					t.Errorf("error %q lacks %q", s.Info.Error, h)
				}
			}
			if !strings.HasPrefix(s.Obs.Text, "Invalid action") {
				t.Errorf("the observation does not explain the invalid action:\n%s", s.Obs.Text)
			}
		})
	}
	t.Run("terminate policy", func(t *testing.T) {
		t.Parallel()
		e := mgCustom(t, m, dojo.Options{"invalid_action": "terminate", "max_invalid": 2})
		s, _ := e.Step(context.Background(), dojo.TextAction("fly"))
		if s.Done() {
			t.Fatalf("ended after 1 invalid action with max_invalid 2")
		}
		e.do(t, "left")
		s, _ = e.Step(context.Background(), dojo.IndexAction(9))
		if !s.Terminated || s.Info.Success || !s.Info.Invalid {
			t.Fatalf("second invalid action: terminated=%v success=%v invalid=%v, want an unsuccessful end", s.Terminated, s.Info.Success, s.Info.Invalid)
		}
	})
	t.Run("words", func(t *testing.T) {
		t.Parallel()
		e := mgCustom(t, m, nil)
		for _, w := range []string{"Forward", " <answer> FORWARD. </answer>"} {
			s, _ := e.Step(context.Background(), dojo.TextAction(w))
			if s.Info.Invalid {
				t.Fatalf("%q rejected: %s", w, s.Info.Error)
			}
		}
		if e.life.Running() {
			t.Errorf("two forward words did not reach the goal: at %v", e.pos())
		}
	})
}

func TestMiniGridText(t *testing.T) {
	t.Parallel()
	e := mgCustom(t, []string{
		"#######",
		"#>.a..#",
		"#..B.G#",
		"#######",
		"",
		"a: red key",
	}, dojo.Options{"text": true})
	obs, _, err := e.Reset(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs.Messages) != 2 || obs.Messages[0].Role != "system" || obs.Messages[1].Role != "user" {
		t.Fatalf("reset messages %+v, want system then user", obs.Messages)
	}
	if !strings.HasSuffix(obs.Text, obs.Messages[1].Content) || !strings.HasPrefix(obs.Text, obs.Messages[0].Content) {
		t.Errorf("Text is not the system and user messages")
	}
	want := "Mission: get to the green goal square\n" +
		"You face east and carry nothing. In front of you is empty floor.\n" +
		"You see a wall 5 steps forward.\n" +
		"You see a wall 1 step left.\n" +
		"You see a wall 2 steps right.\n" +
		"You see a red key 2 steps forward.\n" +
		"You see a blue ball 2 steps forward and 1 step right.\n" +
		"You see the green goal square 4 steps forward and 1 step right.\n" +
		"Steps left: 280. Actions: left, right, forward, pickup, drop, toggle, done."
	if diff := cmp.Diff(want, obs.Messages[1].Content); diff != "" {
		t.Errorf("text observation (-want +got):\n%s", diff)
	}
	s := e.do(t, "forward", "pickup")
	if !strings.Contains(s.Obs.Text, "carry a red key") || !strings.Contains(s.Obs.Text, "Steps left: 278") {
		t.Errorf("after picking up the key:\n%s", s.Obs.Text)
	}
	if len(s.Obs.Messages) != 1 || s.Obs.Messages[0].Content != s.Obs.Text {
		t.Errorf("step messages %+v, want one user message holding Text", s.Obs.Messages)
	}
	f := mgCustom(t, []string{"#####", "#>aG#", "#####", "", "a: open red door"}, dojo.Options{"text": true, "obs": "full"})
	s = f.do(t, "done")
	for _, line := range []string{"#####\n#>aG#\n#####\n\na: open red door\n", "In front of you is an open red door."} {
		if !strings.Contains(s.Obs.Text, line) {
			t.Errorf("full text observation lacks %q:\n%s", line, s.Obs.Text)
		}
	}
}

// TestMiniGridPotential checks that the potential component is a function
// of the state (the same state always has the same distance metric) and
// telescopes: Σ γ^t·F_t = γ^T·Φ(s_T) − Φ(s_0), Φ(s_T) = 0 when terminal.
func TestMiniGridPotential(t *testing.T) {
	t.Parallel()
	reg := mgTestRegistry(t)
	for _, id := range []string{"gridworld/DoorKey-6x6-v0", "gridworld/KeyCorridor-S3R2-v0", "gridworld/MultiRoom-N2-S4-v0", "gridworld/LavaGap-5x5-v0"} {
		env, err := reg.Make(id, dojo.Options{"gamma": 0.9})
		if err != nil {
			t.Fatal(err)
		}
		e := env.(*Env)
		ctx := context.Background()
		for seed := range uint64(4) {
			seen := map[string]float64{}
			for ep := range 10 {
				_, info, _ := e.Reset(ctx, seed)
				d, _ := info.Metrics.Get("distance")
				phi0 := e.phi
				sum, disc := 0.0, 1.0
				rng := mgTestRNG(seed*100 + uint64(ep))
				for {
					k := mgStateKey(e)
					if v, ok := seen[k]; ok && v != d {
						t.Fatalf("%s seed %d: the same state has distances %v and %v", id, seed, v, d)
					}
					seen[k] = d
					s, err := e.Step(ctx, dojo.IndexAction(rng.IntN(mgNumActs)))
					if err != nil {
						t.Fatal(err)
					}
					d, _ = s.Info.Metrics.Get("distance")
					sum += disc * mgPart(s, "potential")
					disc *= 0.9
					if s.Done() {
						// Φ(s_T) = 0 whether the episode terminated or
						// reached the step limit: the terms sum to −Φ(s_0).
						if want := -phi0; math.Abs(sum-want) > 1e-9 {
							t.Fatalf("%s seed %d: discounted potential terms sum to %v, want −Φ(s_0) = %v (terminated %v, truncated %v)", id, seed, sum, want, s.Terminated, s.Truncated)
						}
						break
					}
				}
			}
		}
	}
}

// mgStateKey identifies the full state of e within an episode: the agent,
// what it carries, and the doors, keys, balls and boxes (nothing else
// changes).
func mgStateKey(e *Env) string {
	b := []byte{byte(e.agent), byte(e.agent >> 8), byte(e.dir)}
	b = mgAppendObj(b, e.carried)
	for c, o := range e.grid {
		if mgIsDynamic(o) {
			b = append(b, byte(c), byte(c>>8))
			b = mgAppendObj(b, o)
		}
	}
	return string(b)
}

func mgTestRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }
