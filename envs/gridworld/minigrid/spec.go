package minigrid

import (
	"fmt"
	"slices"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
)

// mgDemoMap is Custom-v0's map when neither map nor map_file is given.
var mgDemoMap = []string{
	"#########",
	"#>..#...#",
	"#.a.D.L.#",
	"#...#..G#",
	"#########",
	"",
	"a: purple box with yellow key",
}

const mgDefaultMission = "get to the green goal square"

// mgMaxView bounds view_size. MiniGrid asserts only an odd size of at
// least 3; 255 = 2·128 − 1 lets the agent see the largest map (128 cells a
// side) whole from any cell, and keeps the padded grid, which grows with
// the view, within tens of megabytes.
const mgMaxView = 255

func mgRewards() []dojo.Component {
	return []dojo.Component{
		{Name: dojo.SuccessComponent, Description: "1 on the step that ends the episode successfully (reaching a goal; KeyCorridor: picking up the ball), else 0"},
		{Name: "minigrid", Shaped: 1, Description: "MiniGrid's reward: 1 − 0.9·t/T on success (t steps taken, T the step limit), else 0"},
		{Name: "potential", Shaped: 1, Description: "potential-based shaping γΦ(s')−Φ(s) (Ng et al. 1999), Φ(s) = −min(d(s), 2·d0)/d0 with d the actions to success in a relaxed full-state model (exact without balls and boxes), d0 = d at the start, Φ = −2 if unreachable, Φ(s') = 0 when the step ends the episode (terminated, or truncated at the step limit)"},
		{Name: "step_cost", Description: "−1 on every step (weight 0.02 in shaped+cost; not in shaped: it can change the optimal policy)"},
		{Name: "explore", Description: "count-based exploration bonus β/√N(cell), N the steps ended on the agent's cell this episode (option explore_beta = β)"},
		{Name: "lava", Shaped: 1, Description: "−1 on stepping into lava, else 0"},
		{Name: "invalid", Shaped: 0.1, Description: "−1 when the action is invalid (out-of-range index, unknown word, tool call), else 0"},
	}
}

var mgProfiles = map[string]map[string]float64{
	"minigrid":    {"minigrid": 1},
	"explore":     {"minigrid": 1, "explore": 1},
	"shaped+cost": {"minigrid": 1, "potential": 1, "step_cost": 0.02, "lava": 1, "invalid": 0.1},
}

func mgOptions(v *mgVariant) []dojo.Option {
	opts := []dojo.Option{
		{Name: "obs", Type: dojo.OptString, Default: "egocentric", Choices: []string{"egocentric", "full"}, Description: "observation image: egocentric (MiniGrid's view_size×view_size partial view) or full (the whole grid with the agent, as MiniGrid's FullyObsWrapper)"},
		family.Text("also describe the state in words (Obs.Text and Messages): mission, carried object, cell in front, visible objects (or the whole map with obs=full) and the action words"),
		dojo.Option{Name: "view_size", Type: dojo.OptInt, Default: 7, Description: "side of the egocentric view (odd, at least 3 as MiniGrid asserts; at most 255, which sees a 128-cell map whole from any cell), MiniGrid's agent_view_size"}.Range(3, mgMaxView),
		{Name: "see_through_walls", Type: dojo.OptBool, Default: v.seeThrough, Description: "when false, walls and closed doors hide the cells behind them in the egocentric view (MiniGrid's process_vis); MiniGrid's default for this world"},
	}
	if v.layout.kind == mgLayoutCustom {
		opts = append(opts,
			dojo.Option{Name: "max_steps", Type: dojo.OptInt, Default: 0, Description: "step limit; 0 means 10·width·height of the map"}.Range(0, 1e7),
			dojo.Option{Name: "map", Type: dojo.OptStrings, Default: slices.Clone(mgDemoMap), Description: "the ASCII map, one line per element (see the package doc: # wall, . empty, G goal, L lava, F floor, K key, D/d/_ locked/closed/open door, B ball, X box, > v < ^ agent, other symbols in a legend); excludes map_file"},
			dojo.Option{Name: "map_file", Type: dojo.OptString, Path: true, Default: "", Description: "path of a text file holding an ASCII map; excludes map"},
			dojo.Option{Name: "mission", Type: dojo.OptString, Default: mgDefaultMission, Description: "the mission string of the observation"},
			dojo.Option{Name: "require_solvable", Type: dojo.OptBool, Default: true, Description: "refuse a map whose goal the agent cannot reach (walled off, behind lava, behind a locked door without its key); false accepts it, as MiniGrid does: the episode runs to the step limit and the oracle reports that it has no action"},
		)
	} else {
		opts = append(opts, dojo.Option{Name: "max_steps", Type: dojo.OptInt, Default: v.maxSteps, Description: "step limit (MiniGrid's max_steps for this world by default)"}.Range(1, 1e7))
	}
	opts = append(opts,
		dojo.Option{Name: "gamma", Type: dojo.OptFloat, Default: 0.99, Description: "discount γ of the potential shaping γΦ(s')−Φ(s)"}.Range(0, 1),
		dojo.Option{Name: "explore_beta", Type: dojo.OptFloat, Default: 0.1, Description: "β of the exploration bonus β/√N(cell)"}.Range(0, 1e6),
	)
	opts = append(opts, family.InvalidOptions(family.InvalidText{
		Action:  "what an invalid action does: penalize (invalid component −1, state unchanged, episode goes on) or terminate (also end the episode, unsuccessfully, at the max_invalid-th invalid action)",
		Counted: "invalid actions",
		Ends:    "ends",
		Max:     1e9,
	})...)
	return append(opts,
		dojo.Option{Name: dojo.RewardOption, Type: dojo.OptReward, Description: "reward profile: minigrid (default: MiniGrid's 1 − 0.9·t/T on success), sparse, shaped, shaped+cost, explore, or an object of component weights"},
	)
}

// mgConfigure reads the options of a variant.
func mgConfigure(v *mgVariant, opts dojo.Options) (mgConfig, error) {
	cfg := mgConfig{
		layout:     v.layout,
		full:       opts.String("obs") == "full",
		text:       opts.Bool(family.TextOption),
		view:       opts.Int("view_size"),
		seeThrough: opts.Bool("see_through_walls"),
		maxSteps:   opts.Int("max_steps"),
		gamma:      opts.Float("gamma"),
		beta:       opts.Float("explore_beta"),
		policy:     family.NewPolicy(opts),
		reach:      !v.pickup,
	}
	if cfg.view%2 == 0 || cfg.view < 3 {
		return cfg, dojo.Errorf(dojo.CodeInvalid, "gridworld/%s-v0: option \"view_size\": %d is not an odd number of at least 3 (MiniGrid's view is an odd square: 3, 5, 7, ...)", v.name, cfg.view).WithField("options.view_size")
	}
	if v.layout.kind == mgLayoutCustom {
		w, err := mgLoadCustom(opts)
		if err != nil {
			return cfg, dojo.Errorf(dojo.CodeInvalid, "gridworld/Custom-v0: %v", err).WithField("options.map")
		}
		cfg.layout.custom = w
		if cfg.maxSteps == 0 {
			cfg.maxSteps = 10 * w.w * w.h
		}
	}
	return cfg, nil
}

// mgLoadCustom reads and checks Custom-v0's map.
func mgLoadCustom(opts dojo.Options) (*mgWorld, error) {
	lines, file := opts.Strings("map"), opts.String("map_file")
	src := "map"
	if file != "" {
		if !slices.Equal(lines, mgDemoMap) && len(lines) > 0 {
			return nil, fmt.Errorf("options map and map_file exclude each other: give one")
		}
		var err error
		if lines, err = mgReadMapFile(file); err != nil {
			return nil, err
		}
		src = fmt.Sprintf("map_file %q", file)
	} else if len(lines) == 0 {
		lines = mgDemoMap
	}
	w, err := mgParseMap(lines, src)
	if err != nil {
		return nil, err
	}
	w.mission = opts.String("mission")
	if w.mission == "" {
		w.mission = mgDefaultMission
	}
	if !opts.Bool("require_solvable") {
		return w, nil
	}
	if _, err := mgSolve(w, true); err != nil {
		return nil, fmt.Errorf("%s: the agent cannot reach a goal: %v (require_solvable=false accepts such a map)", src, err)
	}
	return w, nil
}

// mgSolve returns the length of a shortest plan to success in world w.
func mgSolve(w *mgWorld, reach bool) (int, error) {
	pw := w.w + 2
	grid := make([]mgObj, pw*(w.h+2))
	for i := range grid {
		grid[i] = mgWallObj
	}
	for y := 0; y < w.h; y++ {
		for x := 0; x < w.w; x++ {
			grid[(y+1)*pw+x+1] = w.at(x, y)
		}
	}
	var fwd [4]int
	for d := range 4 {
		fwd[d] = mgDirVec[d][0] + mgDirVec[d][1]*pw
	}
	var p mgPlanner
	_, n, err := p.plan(grid, fwd, reach, (w.ay+1)*pw+w.ax+1, w.dir, mgObj{})
	return n, err
}

// mgSpec returns the spec of variant v configured by cfg.
func mgSpec(v *mgVariant, cfg *mgConfig) dojo.Spec {
	w, h := cfg.layout.dims()
	shape := []int{cfg.view, cfg.view, 3}
	imgDesc := fmt.Sprintf("MiniGrid's egocentric %dx%d view, (object, colour, state) per cell, indexed [x][y][channel] (agent at x=%d, y=%d facing up), flattened row-major", cfg.view, cfg.view, cfg.view/2, cfg.view-1)
	if cfg.full {
		shape = []int{w, h, 3}
		imgDesc = fmt.Sprintf("the whole %dx%d grid, (object, colour, state) per cell, the agent as (10, 0, direction), indexed [x][y][channel], flattened row-major", w, h)
	}
	tags := []string{"minigrid", "gridworld", "partially-observable"}
	if cfg.full {
		tags[2] = "fully-observable"
	}
	return dojo.Spec{
		ID:          "gridworld/" + v.name + "-v0",
		Description: v.desc,
		Observation: dojo.Space{
			Kind:        dojo.KindDict,
			Description: "MiniGrid's observation dict; Value is a *gridworld.MiniGridObs",
			Fields: []dojo.Field{
				{Name: "image", Space: dojo.Space{Kind: dojo.KindBox, Shape: shape, Low: 0, High: mgAgent, DType: "int8", Description: imgDesc}},
				{Name: "direction", Space: dojo.Space{Kind: dojo.KindDiscrete, N: 4, Labels: []string{"right", "down", "left", "up"}, Description: "the agent's heading"}},
				{Name: "mission", Space: dojo.Space{Kind: dojo.KindText, Description: "the task in words"}},
			},
		},
		ObsText: cfg.text,
		Action: dojo.Space{
			Kind: dojo.KindDiscrete, N: mgNumActs, Labels: slices.Clone(mgActionWords),
			Description: "MiniGrid's actions: turn left, turn right, move forward, pick up, drop, toggle, done (no effect); also as words",
		},
		MaxSteps:       cfg.maxSteps,
		Rewards:        mgRewards(),
		Profiles:       mgProfiles,
		DefaultProfile: "minigrid",
		Options:        mgOptions(v),
		Tags:           tags,
	}
}
