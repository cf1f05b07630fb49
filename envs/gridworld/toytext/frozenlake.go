package toytext

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dojo-rl/dojo"
)

// FrozenLake actions, numbered as Gymnasium's.
const (
	flLeft = iota
	flDown
	flRight
	flUp
)

var flLabels = []string{"left", "down", "right", "up"}

// flMaps are Gymnasium's preloaded maps.
var flMaps = map[string][]string{
	"4x4": {"SFFF", "FHFH", "FFFH", "HFFG"},
	"8x8": {
		"SFFFFFFF",
		"FFFFFFFF",
		"FFFHFFFF",
		"FFFFFHFF",
		"FFFHFFFF",
		"FHHFFFHF",
		"FHFFHFHF",
		"FFFHFFFG",
	},
}

// flMaxSide bounds the rows and columns of a custom map.
const flMaxSide = 128

// flMaxFile bounds the size of a map file, in bytes.
const flMaxFile = 1 << 20

func frozenLakeSpec(id, mapName string) dojo.Spec {
	opts := []dojo.Option{
		{Name: "map_name", Type: dojo.OptString, Default: mapName, Choices: []string{"4x4", "8x8"}, Description: "Gymnasium's preloaded map (used when desc, map_file and random_map are unset)"},
		{Name: "desc", Type: dojo.OptStrings, Description: "a custom map: rows of S (start, exactly one), F (frozen), H (hole), G (goal, at least one), as Gymnasium's desc; overrides map_name"},
		{Name: "map_file", Type: dojo.OptString, Path: true, Default: "", Description: "path of an ASCII map file: one row of S F H G per line; blank lines and lines starting with # are ignored"},
		dojo.Option{Name: "random_map", Type: dojo.OptInt, Default: 0, Description: "side length (2..64) of a random square map with a path from S to G, generated from map_seed as Gymnasium's generate_random_map; 0 for none"}.Range(0, 64),
		dojo.Option{Name: "random_map_p", Type: dojo.OptFloat, Default: 0.8, Description: "probability that a tile of a random map is frozen"}.Range(0, 1),
		dojo.Option{Name: "map_seed", Type: dojo.OptInt, Default: 0, Description: "seed of the random map"}.Range(0, 1<<53),
		{Name: "is_slippery", Type: dojo.OptBool, Default: true, Description: "slippery ice: the move goes in the chosen direction with probability success_rate and to each perpendicular side with (1-success_rate)/2"},
		dojo.Option{Name: "success_rate", Type: dojo.OptFloat, Default: 1.0 / 3.0, Description: "probability of moving in the chosen direction on slippery ice (Gymnasium's success_rate)"}.Range(0, 1),
		{Name: "reward_schedule", Type: dojo.OptJSON, Default: []float64{1, 0, 0}, Description: "Gymnasium's reward_schedule: the gym rewards [goal, hole, frozen] for landing on G, H and F or S"},
	}
	opts = append(opts, toyOptions(0, 0, "step limit; 0 for Gymnasium's registration: 200 for the 8x8 map (FrozenLake8x8-v1), else 100 (FrozenLake-v1)")...)
	name := "FrozenLake"
	if mapName == "8x8" {
		name = "FrozenLake 8x8"
	}
	return dojo.Spec{
		ID:             id,
		Description:    name + " (Gymnasium toy text): walk on a frozen lake from the start S to the goal G without falling into a hole H; the ice is slippery unless is_slippery is false.",
		Observation:    dojo.Space{Kind: dojo.KindDiscrete, N: len(flMaps[mapName]) * len(flMaps[mapName][0]), Description: "the agent's tile, row*ncol+col"},
		Action:         dojo.Discrete(4, flLabels...),
		MaxSteps:       map[string]int{"4x4": 100, "8x8": 200}[mapName],
		Stochastic:     true,
		Rewards:        toyRewards("the reward_schedule value of the tile landed on (default 1 on G, else 0)"),
		Profiles:       toyProfiles(),
		DefaultProfile: "gym",
		Options:        opts,
		Tags:           toyTags(),
	}
}

// newFrozenLake returns the factory of the FrozenLake id.
func newFrozenLake(id string) dojo.Factory {
	return func(opts dojo.Options) (dojo.Env, error) {
		spec := frozenLakeSpec(id, "4x4")
		if id == "gridworld/FrozenLake8x8-v1" {
			spec = frozenLakeSpec(id, "8x8")
		}
		desc, named, err := flMapFromOptions(opts)
		if err != nil {
			field := "options"
			switch {
			case opts.Strings("desc") != nil && opts.String("map_file") == "" && opts.Int("random_map") == 0:
				field = "options.desc"
			case opts.Strings("desc") == nil && opts.String("map_file") != "" && opts.Int("random_map") == 0:
				field = "options.map_file"
			case opts.Strings("desc") == nil && opts.String("map_file") == "" && opts.Int("random_map") != 0:
				field = "options.random_map"
			}
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s: %v", id, err).WithField(field)
		}
		sched, err := flSchedule(opts["reward_schedule"])
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s: option \"reward_schedule\": %v", id, err).WithField("options.reward_schedule")
		}
		maxSteps := opts.Int("max_steps")
		if maxSteps == 0 {
			maxSteps = 100
			if named == "8x8" {
				maxSteps = 200
			}
		}
		fl := &frozenLake{slippery: opts.Bool("is_slippery"), successRate: opts.Float("success_rate"), sched: sched}
		key := fmt.Sprintf("FrozenLake|%q|%t|%v|%v|%v", desc, fl.slippery, fl.successRate, sched, opts.Float("gamma"))
		w := sharedToyWorld(key, func() *toyWorld { return newToyWorld(fl.build(desc), opts.Float("gamma")) })
		return newEnv(w, spec, opts, maxSteps)
	}
}

// flMapFromOptions returns the map the options choose, and the name of the
// preloaded map when it is one.
func flMapFromOptions(opts dojo.Options) (desc []string, named string, err error) {
	desc, file, size := opts.Strings("desc"), opts.String("map_file"), opts.Int("random_map")
	var set []string
	if desc != nil {
		set = append(set, "desc")
	}
	if file != "" {
		set = append(set, "map_file")
	}
	if size != 0 {
		set = append(set, "random_map")
	}
	if len(set) > 1 {
		return nil, "", fmt.Errorf("options %s exclude each other: give one custom map", strings.Join(set, " and "))
	}
	switch {
	case desc != nil:
		desc, err = flParseMap(desc, func(i int) string { return fmt.Sprintf("desc row %d", i+1) })
		return desc, "", err
	case file != "":
		desc, err = flReadMapFile(file)
		return desc, "", err
	case size != 0:
		desc, err = flRandomMap(size, opts.Float("random_map_p"), uint64(opts.Int("map_seed")))
		return desc, "", err
	}
	name := opts.String("map_name")
	m, ok := flMaps[name]
	if !ok {
		return nil, "", fmt.Errorf("option \"map_name\": unknown map %q (want 4x4 or 8x8)", name)
	}
	return m, name, nil
}

// flReadMapFile reads and checks a map file.
func flReadMapFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("map_file: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, flMaxFile+1))
	if err != nil {
		return nil, fmt.Errorf("map_file: %v", err)
	}
	if len(data) > flMaxFile {
		return nil, fmt.Errorf("map_file %s: larger than %d bytes: not a map", path, flMaxFile)
	}
	return flParseMapText(string(data), "map_file "+path)
}

// flParseMapText parses the text of a map file; name prefixes errors.
func flParseMapText(text, name string) ([]string, error) {
	var rows []string
	var lines []int
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, line)
		lines = append(lines, i+1)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: no map rows (want lines of S, F, H and G)", name)
	}
	return flParseMap(rows, func(i int) string { return fmt.Sprintf("%s: line %d", name, lines[i]) })
}

// flParseMap checks a map given as rows: equal lengths, only the letters S,
// F, H and G, exactly one S and at least one G. where names row i in error
// messages.
func flParseMap(rows []string, where func(i int) string) ([]string, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("the map has no rows (want rows of S, F, H and G)")
	}
	if len(rows) > flMaxSide {
		return nil, fmt.Errorf("the map has %d rows, more than the limit of %d", len(rows), flMaxSide)
	}
	width := utf8.RuneCountInString(rows[0])
	var starts []string
	goals := 0
	for i, row := range rows {
		n := utf8.RuneCountInString(row)
		if n == 0 {
			return nil, fmt.Errorf("%s is empty (want rows of S, F, H and G)", where(i))
		}
		if n > flMaxSide {
			return nil, fmt.Errorf("%s has %d cells, more than the limit of %d", where(i), n, flMaxSide)
		}
		col := 0
		for _, r := range row {
			col++
			switch r {
			case 'S':
				starts = append(starts, fmt.Sprintf("%s, column %d", where(i), col))
			case 'G':
				goals++
			case 'F', 'H':
			default:
				return nil, fmt.Errorf("%s, column %d: unknown letter %q (want S, F, H or G)", where(i), col, r)
			}
		}
		if n != width {
			return nil, fmt.Errorf("%s has %d cells but the first row has %d: rows must have equal lengths", where(i), n, width)
		}
	}
	switch {
	case len(starts) == 0:
		return nil, fmt.Errorf("the map has no start S (want exactly one)")
	case len(starts) > 1:
		return nil, fmt.Errorf("the map has %d starts S (%s): want exactly one", len(starts), strings.Join(starts, "; "))
	case goals == 0:
		return nil, fmt.Errorf("the map has no goal G (want at least one)")
	}
	return append([]string(nil), rows...), nil
}

// flMapSeedStream is the PCG stream of random maps.
const flMapSeedStream = 0x666c2d6d6170 // "fl-map"

// flRandomMapTries bounds the attempts at a valid random map.
const flRandomMapTries = 10000

// flRandomMap generates a size×size map as Gymnasium's generate_random_map
// does: each tile frozen with probability p, else a hole, S at the top left
// and G at the bottom right, drawn again until a path leads from S to G.
func flRandomMap(size int, p float64, seed uint64) ([]string, error) {
	if size < 2 || size > 64 {
		return nil, fmt.Errorf("option \"random_map\": side %d is out of range (want 2..64, or 0 for no random map)", size)
	}
	p = min(1, p)
	rng := rand.New(rand.NewPCG(seed, flMapSeedStream))
	board := make([][]byte, size)
	for i := range board {
		board[i] = make([]byte, size)
	}
	for range flRandomMapTries {
		for _, row := range board {
			for j := range row {
				if rng.Float64() < p {
					row[j] = 'F'
				} else {
					row[j] = 'H'
				}
			}
		}
		board[0][0] = 'S'
		board[size-1][size-1] = 'G'
		if flPathExists(board) {
			rows := make([]string, size)
			for i, row := range board {
				rows[i] = string(row)
			}
			return rows, nil
		}
	}
	return nil, fmt.Errorf("option \"random_map\": no %dx%d map with a path from S to G in %d tries with random_map_p=%v: raise random_map_p", size, size, flRandomMapTries, p)
}

// flPathExists reports whether a G can be reached from the top-left tile
// through tiles that are not holes (Gymnasium's is_valid).
func flPathExists(board [][]byte) bool {
	rows, cols := len(board), len(board[0])
	seen := make([]bool, rows*cols)
	stack := []int{0}
	seen[0] = true
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		r, c := s/cols, s%cols
		for _, d := range [4][2]int{{1, 0}, {0, 1}, {-1, 0}, {0, -1}} {
			nr, nc := r+d[0], c+d[1]
			if nr < 0 || nr >= rows || nc < 0 || nc >= cols || seen[nr*cols+nc] {
				continue
			}
			switch board[nr][nc] {
			case 'G':
				return true
			case 'H':
				continue
			}
			seen[nr*cols+nc] = true
			stack = append(stack, nr*cols+nc)
		}
	}
	return false
}

// flSchedule reads the reward_schedule option.
func flSchedule(v any) ([3]float64, error) {
	var out [3]float64
	var xs []float64
	switch x := v.(type) {
	case nil:
		return [3]float64{1, 0, 0}, nil
	case []float64:
		xs = x
	case []int:
		for _, i := range x {
			xs = append(xs, float64(i))
		}
	case []any:
		for i, e := range x {
			switch n := e.(type) {
			case float64:
				xs = append(xs, n)
			case int:
				xs = append(xs, float64(n))
			default:
				return out, fmt.Errorf("element %d is %v, not a number (want [goal, hole, frozen] rewards)", i, e)
			}
		}
	default:
		return out, fmt.Errorf("want a list of three numbers [goal, hole, frozen], got %T", v)
	}
	if len(xs) != 3 {
		return out, fmt.Errorf("want three numbers [goal, hole, frozen], got %d", len(xs))
	}
	for i, f := range xs {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return out, fmt.Errorf("element %d is %v, not a finite number", i, f)
		}
		out[i] = f
	}
	return out, nil
}

// frozenLake is Gymnasium's FrozenLakeEnv on one map.
type frozenLake struct {
	desc        []string
	rows, cols  int
	slippery    bool
	successRate float64
	sched       [3]float64 // rewards for landing on G, H and F (or S)
	grid        []byte     // the map, one line per row
	tail        string     // legend, rules and actions of the text observation
}

// inc is Gymnasium's move: the tile reached from (row, col) by action a,
// staying in place at the edges.
func (f *frozenLake) inc(row, col, a int) (int, int) {
	switch a {
	case flLeft:
		col = max(col-1, 0)
	case flDown:
		row = min(row+1, f.rows-1)
	case flRight:
		col = min(col+1, f.cols-1)
	case flUp:
		row = max(row-1, 0)
	}
	return row, col
}

// build makes Gymnasium's P for the map desc (already checked).
func (f *frozenLake) build(desc []string) toyBuild {
	f.desc, f.rows, f.cols = desc, len(desc), len(desc[0])
	nS := f.rows * f.cols
	b := toyBuild{game: f, labels: flLabels, init: make([]float64, nS), absorbing: make([]bool, nS)}
	b.P = f.table(f.slippery)
	if f.slippery {
		b.det = f.table(false)
	}
	for r, row := range desc {
		for c := 0; c < f.cols; c++ {
			s := r*f.cols + c
			switch row[c] {
			case 'S':
				b.init[s] = 1
			case 'G', 'H':
				b.absorbing[s] = true
			}
		}
	}
	f.grid = f.grid[:0]
	for _, row := range desc {
		f.grid = append(f.grid, row...)
		f.grid = append(f.grid, '\n')
	}
	var t strings.Builder
	t.WriteString("Legend: A = you, S = start, F = frozen ice, H = hole (falling in ends the episode), G = goal (reaching it ends the episode successfully).\n")
	if f.slippery && f.successRate < 1 {
		fail := (1 - f.successRate) / 2
		fmt.Fprintf(&t, "The ice is slippery: you move in the chosen direction with probability %s and to each side of it with probability %s.\n", flProb(f.successRate), flProb(fail))
	}
	t.WriteString("Actions: left, down, right, up.\n")
	f.tail = t.String()
	return b
}

// flProb writes a probability briefly: 1/3 as "1/3".
func flProb(p float64) string {
	if math.Abs(p-1.0/3) < 1e-12 {
		return "1/3"
	}
	return strconv.FormatFloat(p, 'g', 4, 64)
}

// table builds P as Gymnasium does: G and H are absorbing; a slippery move
// lists the outcomes of (a-1)%4, a and (a+1)%4 with probabilities
// (1-success_rate)/2, success_rate and (1-success_rate)/2, unmerged.
func (f *frozenLake) table(slippery bool) [][][]toyOutcome {
	nS := f.rows * f.cols
	fail := (1.0 - f.successRate) / 2.0
	P := make([][][]toyOutcome, nS)
	for r := 0; r < f.rows; r++ {
		for c := 0; c < f.cols; c++ {
			s := r*f.cols + c
			P[s] = make([][]toyOutcome, 4)
			letter := f.desc[r][c]
			for a := range 4 {
				if letter == 'G' || letter == 'H' {
					P[s][a] = []toyOutcome{{prob: 1, next: int32(s), term: true, move: -1}}
					continue
				}
				if !slippery {
					P[s][a] = []toyOutcome{f.outcome(r, c, a, 1)}
					continue
				}
				outs := make([]toyOutcome, 0, 3)
				for _, b := range [3]int{(a + 3) % 4, a, (a + 1) % 4} {
					p := fail
					if b == a {
						p = f.successRate
					}
					outs = append(outs, f.outcome(r, c, b, p))
				}
				P[s][a] = outs
			}
		}
	}
	return P
}

// outcome is the result of moving by b from (r, c), with probability p.
func (f *frozenLake) outcome(r, c, b int, p float64) toyOutcome {
	nr, nc := f.inc(r, c, b)
	letter := f.desc[nr][nc]
	o := toyOutcome{prob: p, next: int32(nr*f.cols + nc), move: int8(b)}
	switch letter {
	case 'G':
		o.gym, o.term, o.succ = f.sched[0], true, true
	case 'H':
		o.gym, o.term = f.sched[1], true
	default:
		o.gym = f.sched[2]
	}
	return o
}

var flAnsiNames = []string{"Left", "Down", "Right", "Up"}

var flTiles = map[byte]string{'S': "the start S", 'F': "frozen ice F", 'H': "a hole H", 'G': "the goal G"}

func (f *frozenLake) appendText(b []byte, ev toyEvent) []byte {
	r, c := ev.state/f.cols, ev.state%f.cols
	letter := f.desc[r][c]
	switch {
	case ev.invalid != "":
		b = toyAppendInvalid(b, ev)
	case ev.out == nil:
		b = append(b, "New episode: you stand on the start S."...)
	default:
		m := int(ev.out.move)
		if m != ev.action {
			b = append(b, "You tried to go "...)
			b = append(b, flLabels[ev.action]...)
			b = append(b, " but slipped and went "...)
		} else {
			b = append(b, "You went "...)
		}
		b = append(b, flLabels[m]...)
		b = append(b, '.')
		if ev.state == ev.prev {
			b = append(b, " The edge of the lake kept you in place."...)
		}
		switch letter {
		case 'H':
			b = append(b, " You fell into a hole: the episode is over."...)
		case 'G':
			b = append(b, " You reached the goal: the episode is over."...)
		}
	}
	b = toyAppendEnd(b, ev)
	b = append(b, '\n')
	if ev.last >= 0 {
		b = append(b, "  ("...)
		b = append(b, flAnsiNames[ev.last]...)
		b = append(b, ")\n"...)
	} else {
		b = append(b, '\n')
	}
	start := len(b)
	b = append(b, f.grid...)
	b[start+r*(f.cols+1)+c] = 'A'
	b = append(b, "You are at "...)
	b = toyAppendRC(b, r, c, ev.state)
	b = append(b, " on "...)
	b = append(b, flTiles[letter]...)
	b = append(b, ".\n"...)
	return append(b, f.tail...)
}

func (f *frozenLake) metrics(m dojo.Metrics, s int) dojo.Metrics { return m }

func (f *frozenLake) task() string {
	var b strings.Builder
	b.WriteString("You are playing FrozenLake (Gymnasium's toy text). Your task: cross a frozen lake, drawn as a grid of tiles, from the start S to the goal G. " +
		"F is frozen ice, safe to stand on; H is a hole: falling into one ends the episode as a failure. Reaching G ends the episode as a success. " +
		"Rows are numbered from 0 at the top and columns from 0 at the left; A marks where you stand. ")
	if f.slippery && f.successRate < 1 {
		fmt.Fprintf(&b, "The ice is slippery: a move goes in the chosen direction with probability %s and to each side of it with probability %s, so plan routes that stay away from holes. ", flProb(f.successRate), flProb((1-f.successRate)/2))
	} else {
		b.WriteString("The ice is not slippery: every move goes in the chosen direction. ")
	}
	b.WriteString("A move against the edge of the lake keeps you in place. ")
	return b.String()
}

func (f *frozenLake) meanings() []string {
	return []string{"move one column left", "move one row down", "move one column right", "move one row up"}
}
