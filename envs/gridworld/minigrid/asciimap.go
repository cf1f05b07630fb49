package minigrid

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// The ASCII map format of gridworld/Custom-v0 (documented in minigrid.go):
// one character per cell, rows of equal length, then optionally a legend
// defining more symbols. Lines whose first character is ';' are comments.

// mgBuiltin maps the built-in symbols to their objects.
var mgBuiltin = map[byte]mgObj{
	'#': mgWallObj,
	'.': mgEmptyObj,
	'G': mgGoalObj(),
	'L': mgLavaObj(),
	'F': {Type: mgFloor, Color: mgBlue},
	'K': {Type: mgKey, Color: mgYellow},
	'D': mgDoorObj(mgYellow, mgLocked),
	'd': mgDoorObj(mgYellow, mgClosed),
	'_': mgDoorObj(mgYellow, mgOpen),
	'B': {Type: mgBall, Color: mgBlue},
	'X': {Type: mgBox, Color: mgPurple},
}

// mgAgentDir maps an agent symbol to MiniGrid's direction (0 right, 1
// down, 2 left, 3 up).
func mgAgentDir(c byte) int {
	switch c {
	case '>':
		return 0
	case 'v':
		return 1
	case '<':
		return 2
	case '^':
		return 3
	}
	return -1
}

// mgAgentChar returns the agent's symbol for direction d.
func mgAgentChar(d int) byte { return ">v<^"[d] }

const mgBuiltinList = "# . G L F K D d _ B X > v < ^"

// mgMaxMapSide bounds a custom map's width and height.
const mgMaxMapSide = 128

// mgMaxMapFile bounds a map file's size.
const mgMaxMapFile = 1 << 20

// mgReadMapFile reads a map file into lines.
func mgReadMapFile(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("map_file: %v", err)
	}
	if st.Size() > mgMaxMapFile {
		return nil, fmt.Errorf("map_file %q: %d bytes, at most %d", path, st.Size(), mgMaxMapFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("map_file: %v", err)
	}
	return strings.Split(string(b), "\n"), nil
}

// mgParseMap parses an ASCII map. src names the map in errors ("map" or
// `map_file "x.txt"`); line numbers count from 1 over lines, where an
// element holding newlines counts as several lines.
func mgParseMap(in []string, src string) (*mgWorld, error) {
	var lines []string
	for _, l := range in {
		lines = append(lines, strings.Split(l, "\n")...)
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	isComment := func(l string) bool { return strings.HasPrefix(l, ";") }
	// The grid: the first run of non-blank lines.
	i := 0
	for i < len(lines) && (lines[i] == "" || isComment(lines[i])) {
		i++
	}
	var rows []int // line indices of the grid rows
	for ; i < len(lines) && lines[i] != ""; i++ {
		if !isComment(lines[i]) {
			rows = append(rows, i)
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: empty: want rows of cells such as \"#####\", \"#>.G#\", \"#####\"", src)
	}
	// The legend: every other non-blank line.
	legend := map[byte]mgObj{}
	agents := map[byte]mgStart{} // symbols of the agent on an object
	legendLine := map[byte]int{}
	for ; i < len(lines); i++ {
		l := lines[i]
		if l == "" || isComment(l) {
			continue
		}
		sym, desc, err := mgLegendLine(l)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %v", src, i+1, err)
		}
		if _, ok := mgBuiltin[sym]; ok || mgAgentDir(sym) >= 0 {
			return nil, fmt.Errorf("%s line %d: symbol %q is built in (%s); the legend defines other symbols", src, i+1, sym, mgBuiltinList)
		}
		if prev, ok := legendLine[sym]; ok {
			return nil, fmt.Errorf("%s line %d: symbol %q is already defined on line %d", src, i+1, sym, prev+1)
		}
		if st, ok, err := mgParseStart(desc); ok {
			if err != nil {
				return nil, fmt.Errorf("%s line %d: legend %q: %v", src, i+1, l, err)
			}
			agents[sym], legendLine[sym] = st, i
			continue
		}
		o, err := mgParseObject(desc)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: legend %q: %v", src, i+1, l, err)
		}
		legend[sym], legendLine[sym] = o, i
	}
	w, h := len(lines[rows[0]]), len(rows)
	if w < 3 || h < 3 {
		return nil, fmt.Errorf("%s: the grid is %dx%d, want at least 3x3 (MiniGrid's smallest)", src, w, h)
	}
	if w > mgMaxMapSide || h > mgMaxMapSide {
		return nil, fmt.Errorf("%s: the grid is %dx%d, at most %dx%d", src, w, h, mgMaxMapSide, mgMaxMapSide)
	}
	g := &mgWorld{}
	g.reset(w, h)
	agentLine, agentCol := -1, -1
	goals := 0
	for y, li := range rows {
		l := lines[li]
		if len(l) != w {
			return nil, fmt.Errorf("%s line %d: the row has %d cells, the first row (line %d) has %d: rows must all have the same length", src, li+1, len(l), rows[0]+1, w)
		}
		for x := 0; x < w; x++ {
			c := l[x]
			st, isAgent := agents[c]
			if d := mgAgentDir(c); d >= 0 {
				st, isAgent = mgStart{dir: d, on: mgEmptyObj}, true
			}
			if isAgent {
				if agentLine >= 0 {
					return nil, fmt.Errorf("%s line %d, column %d: a second agent %q (the first is at line %d, column %d); a map has exactly one agent", src, li+1, x+1, c, agentLine, agentCol)
				}
				agentLine, agentCol = li+1, x+1
				g.ax, g.ay, g.dir = x, y, st.dir
				if st.on.Type == mgGoal {
					goals++
				}
				g.set(x, y, st.on)
				continue
			}
			o, ok := mgBuiltin[c]
			if !ok {
				o, ok = legend[c]
			}
			if !ok {
				return nil, fmt.Errorf("%s line %d, column %d: unknown character %q (use %s, or define it in a legend line such as \"a: red key\" after a blank line)", src, li+1, x+1, c, mgBuiltinList)
			}
			if o.Type == mgGoal {
				goals++
			}
			g.set(x, y, o)
		}
	}
	if agentLine < 0 {
		return nil, fmt.Errorf("%s: no agent: put one of > v < ^ (facing right, down, left, up) where the agent starts", src)
	}
	if goals == 0 {
		return nil, fmt.Errorf("%s: no goal: put a G where the agent must go", src)
	}
	return g, nil
}

// mgStart is a legend symbol for the agent: its direction and the object
// it starts on.
type mgStart struct {
	dir int
	on  mgObj
}

const mgStartGrammar = `want "agent facing right|down|left|up [on OBJECT]", OBJECT one the agent can overlap: "empty", "[COLOR] floor", "open [COLOR] door", "goal" or "lava"`

// mgParseStart parses a legend description of the agent, "agent facing
// DIR [on OBJECT]"; ok is false when desc does not describe the agent.
// MiniGrid's reset accepts a start cell that is empty or that the agent can
// overlap (floor, an open door, a goal, lava), so these are the objects
// allowed under the agent.
func mgParseStart(desc string) (st mgStart, ok bool, err error) {
	words := strings.Fields(strings.ToLower(desc))
	for len(words) > 0 && (words[0] == "a" || words[0] == "an" || words[0] == "the") {
		words = words[1:]
	}
	if len(words) == 0 || words[0] != "agent" {
		return mgStart{}, false, nil
	}
	words = words[1:]
	if len(words) > 0 && words[0] == "facing" {
		words = words[1:]
	}
	st.dir = -1
	if len(words) > 0 {
		st.dir = slices.Index([]string{"right", "down", "left", "up"}, words[0])
	}
	if st.dir < 0 {
		return mgStart{}, true, fmt.Errorf("no direction (%s)", mgStartGrammar)
	}
	words = words[1:]
	st.on = mgEmptyObj
	if len(words) == 0 {
		return st, true, nil
	}
	if words[0] != "on" || len(words) == 1 {
		return mgStart{}, true, fmt.Errorf("unexpected %q (%s)", strings.Join(words, " "), mgStartGrammar)
	}
	o, err := mgParseObject(strings.Join(words[1:], " "))
	if err != nil {
		return mgStart{}, true, fmt.Errorf("the object under the agent: %v", err)
	}
	if !o.canOverlap() {
		return mgStart{}, true, fmt.Errorf("the agent cannot start on %s: MiniGrid starts the agent on an empty cell or on one it can overlap (floor, an open door, a goal, lava)", mgDescribeObject(o))
	}
	st.on = o
	return st, true, nil
}

// mgLegendLine splits "x: description" (or "x = description").
func mgLegendLine(l string) (sym byte, desc string, err error) {
	bad := fmt.Errorf("want a legend line \"x: description\" (for example \"a: red key\"), got %q", l)
	if len(l) < 2 || l[0] <= ' ' || l[0] > '~' || l[0] == ':' || l[0] == '=' || l[0] == ';' {
		return 0, "", bad
	}
	rest := strings.TrimLeft(l[1:], " \t")
	if rest == "" || (rest[0] != ':' && rest[0] != '=') {
		return 0, "", bad
	}
	return l[0], strings.TrimSpace(rest[1:]), nil
}

const mgObjectGrammar = `want "[open|closed|locked] [COLOR] door", "[COLOR] key", "[COLOR] ball", "[COLOR] box [with [COLOR] key|ball|box]", "[COLOR] wall", "[COLOR] floor", "goal", "lava" or "empty", COLOR one of red, green, blue, purple, yellow, grey`

// mgParseObject parses an object description of the legend.
func mgParseObject(desc string) (mgObj, error) {
	words := strings.Fields(strings.ToLower(strings.ReplaceAll(desc, ",", " ")))
	var inner []string
	for i, w := range words {
		if w == "with" || w == "containing" {
			words, inner = words[:i], words[i+1:]
			break
		}
	}
	o, err := mgParseNoun(words, true)
	if err != nil {
		return mgObj{}, err
	}
	if inner != nil {
		if o.Type != mgBox {
			return mgObj{}, fmt.Errorf("only a box holds an object (%s)", mgObjectGrammar)
		}
		c, err := mgParseNoun(inner, false)
		if err != nil {
			return mgObj{}, fmt.Errorf("box contents: %v", err)
		}
		if !c.canPickup() {
			return mgObj{}, fmt.Errorf("box contents: a box holds a key, a ball or a box, not %s", mgObjNames[c.Type])
		}
		if c.Type == mgBox {
			c.In = 0
		}
		o.In, o.InColor = c.Type, c.Color
	}
	return o, nil
}

func mgParseNoun(words []string, top bool) (mgObj, error) {
	color, state := -1, -1
	kind := -1
	for _, w := range words {
		switch w {
		case "a", "an", "the":
			continue
		case "open":
			state = mgOpen
			continue
		case "closed":
			state = mgClosed
			continue
		case "locked":
			state = mgLocked
			continue
		}
		if c := mgColorIndex(w); c >= 0 {
			if color >= 0 {
				return mgObj{}, fmt.Errorf("two colours (%s)", mgObjectGrammar)
			}
			color = c
			continue
		}
		k := -1
		for t, n := range mgObjNames {
			if n == w {
				k = t
			}
		}
		switch k {
		case mgEmpty, mgWall, mgFloor, mgDoor, mgKey, mgBall, mgBox, mgGoal, mgLava:
		default:
			return mgObj{}, fmt.Errorf("unknown word %q (%s)", w, mgObjectGrammar)
		}
		if kind >= 0 {
			return mgObj{}, fmt.Errorf("two objects %q and %q (%s)", mgObjNames[kind], w, mgObjectGrammar)
		}
		kind = k
	}
	if kind < 0 {
		return mgObj{}, fmt.Errorf("no object named (%s)", mgObjectGrammar)
	}
	if state >= 0 && kind != mgDoor {
		return mgObj{}, fmt.Errorf("%q applies to doors only", mgStateNames[state])
	}
	def := map[int]int{mgWall: mgGrey, mgFloor: mgBlue, mgDoor: mgYellow, mgKey: mgYellow, mgBall: mgBlue, mgBox: mgPurple}
	switch kind {
	case mgEmpty, mgGoal, mgLava:
		if color >= 0 {
			return mgObj{}, fmt.Errorf("%s has no colour choice", mgObjNames[kind])
		}
		switch kind {
		case mgGoal:
			return mgGoalObj(), nil
		case mgLava:
			return mgLavaObj(), nil
		}
		return mgEmptyObj, nil
	}
	if color < 0 {
		color = def[kind]
	}
	o := mgObj{Type: uint8(kind), Color: uint8(color)}
	if kind == mgDoor {
		o.State = mgClosed
		if state >= 0 {
			o.State = uint8(state)
		}
	}
	return o, nil
}

func mgColorIndex(w string) int {
	if w == "gray" {
		w = "grey"
	}
	for i, n := range mgColorNames {
		if n == w {
			return i
		}
	}
	return -1
}

// mgDescribeObject is the canonical legend description of o.
func mgDescribeObject(o mgObj) string {
	switch o.Type {
	case mgEmpty, mgGoal, mgLava:
		return mgObjNames[o.Type]
	case mgDoor:
		return mgStateNames[o.State] + " " + mgColorNames[o.Color] + " door"
	case mgBox:
		s := mgColorNames[o.Color] + " box"
		if o.In != 0 {
			s += " with " + mgColorNames[o.InColor] + " " + mgObjNames[o.In]
		}
		return s
	}
	return mgColorNames[o.Color] + " " + mgObjNames[o.Type]
}

// mgLegendSymbols are the symbols mgFormatMap gives objects without a
// built-in symbol, in order.
const mgLegendSymbols = "abcefghijklmnopqrstuwxyz0123456789ACEHIJMNOPQRSTUVWYZ!$%&*+-/?@|~"

// mgFormatMap writes a world in the ASCII map format: the rows, then a
// blank line and the legend when objects need one. The agent is drawn on
// its cell whatever lies under it, unless under is set and the cell is not
// empty: then a legend symbol "agent facing DIR on OBJECT" keeps it.
func mgFormatMap(w, h int, at func(x, y int) mgObj, ax, ay, dir int, under bool) []string {
	sym := map[mgObj]byte{}
	for c, o := range mgBuiltin {
		sym[o] = c
	}
	var legend []string
	next := 0
	agent := mgAgentChar(dir)
	if o := at(ax, ay); under && o.Type != mgEmpty && next < len(mgLegendSymbols) {
		agent = mgLegendSymbols[next]
		next++
		legend = append(legend, string(agent)+": agent facing "+[4]string{"right", "down", "left", "up"}[dir]+" on "+mgDescribeObject(o))
	}
	rows := make([]string, h)
	var b []byte
	for y := range h {
		b = b[:0]
		for x := range w {
			if x == ax && y == ay {
				b = append(b, agent)
				continue
			}
			o := at(x, y)
			o.Flags = 0
			c, ok := sym[o]
			if !ok {
				c = '?'
				if next < len(mgLegendSymbols) {
					c = mgLegendSymbols[next]
					next++
					legend = append(legend, string(c)+": "+mgDescribeObject(o))
				}
				sym[o] = c
			}
			b = append(b, c)
		}
		rows[y] = string(b)
	}
	if len(legend) > 0 {
		rows = append(rows, "")
		rows = append(rows, legend...)
	}
	return rows
}
