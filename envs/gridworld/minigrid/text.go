package minigrid

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dojo-rl/dojo"
)

// mgActionWords are MiniGrid's action names, indexed by action.
var mgActionWords = []string{"left", "right", "forward", "pickup", "drop", "toggle", "done"}

// mgActionPhrases are the other accepted spellings (BabyAI-Text's among
// them), compared ignoring case and runs of spaces.
var mgActionPhrases = [...]struct {
	s string
	a int
}{
	{"turn left", mgActLeft}, {"turn right", mgActRight},
	{"go forward", mgActForward}, {"move forward", mgActForward},
	{"pick up", mgActPickup}, {"open", mgActToggle},
}

const mgValidActions = "left, right, forward, pickup, drop, toggle, done (or an index 0..6)"

// mgParseActionText returns the action named by s: a word of
// mgActionWords or mgActionPhrases, or an index 0..6, case-insensitive,
// surrounding spaces and a trailing period ignored, optionally inside
// <answer>...</answer> (the last such block counts, so reasoning may come
// before it). It does not allocate.
func mgParseActionText(s string) (int, bool) {
	s = dojo.Answer(s)
	s = strings.TrimRight(s, ".!")
	s = strings.TrimSpace(s)
	if len(s) == 1 && s[0] >= '0' && s[0] < '0'+mgNumActs {
		return int(s[0] - '0'), true
	}
	for i, w := range mgActionWords {
		if strings.EqualFold(s, w) {
			return i, true
		}
	}
	for _, p := range mgActionPhrases {
		if mgEqualFoldSpaces(s, p.s) {
			return p.a, true
		}
	}
	return -1, false
}

// mgEqualFoldSpaces compares s with phrase (lower case, single spaces),
// ignoring case and treating runs of white space in s as one space.
func mgEqualFoldSpaces(s, phrase string) bool {
	i := 0
	for j := 0; j < len(s); j++ {
		c := s[j]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			if i >= len(phrase) || phrase[i] != ' ' {
				return false
			}
			i++
			for j+1 < len(s) && (s[j+1] == ' ' || s[j+1] == '\t' || s[j+1] == '\n' || s[j+1] == '\r') {
				j++
			}
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if i >= len(phrase) || phrase[i] != c {
			return false
		}
		i++
	}
	return i == len(phrase)
}

// parseAction returns the action index, or −1 and the error message of an
// invalid action.
func (e *Env) parseAction(a dojo.Action) (int, string) {
	switch a.Kind {
	case dojo.ActIndex:
		if a.Index >= 0 && a.Index < mgNumActs {
			return a.Index, ""
		}
		return -1, "invalid action " + strconv.Itoa(a.Index) + ": want one of " + mgValidActions
	case dojo.ActText:
		if i, ok := mgParseActionText(a.Text); ok {
			return i, ""
		}
		return -1, "invalid action " + mgQuote(a.Text) + ": want one of " + mgValidActions
	case dojo.ActMessage:
		if len(a.ToolCalls) > 0 {
			return -1, "invalid action: a tool call (" + mgQuote(a.ToolCalls[0].Name) + "), but this world has no tools: answer with one of " + mgValidActions
		}
		if i, ok := mgParseActionText(a.Text); ok {
			return i, ""
		}
		return -1, "invalid action " + mgQuote(a.Text) + ": want one of " + mgValidActions
	}
	return -1, "invalid action of unknown kind: want one of " + mgValidActions
}

// mgQuote quotes s for a message, shortened to 60 bytes.
func mgQuote(s string) string {
	if len(s) > 60 {
		cut := 60
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return strconv.Quote(s)
}

var mgHeadings = [4]string{"east", "south", "west", "north"}

// mgAppendNoun appends the noun phrase of the object encoded as (t, c, s).
func mgAppendNoun(b []byte, t, c, s int8) []byte {
	switch t {
	case mgWall:
		return append(b, "a wall"...)
	case mgFloor:
		return append(append(append(b, "a "...), mgColorNames[c]...), " floor tile"...)
	case mgDoor:
		if s == mgOpen {
			b = append(b, "an open "...)
		} else {
			b = append(append(append(b, "a "...), mgStateNames[s]...), ' ')
		}
		return append(append(b, mgColorNames[c]...), " door"...)
	case mgKey, mgBall, mgBox:
		return append(append(append(append(b, "a "...), mgColorNames[c]...), ' '), mgObjNames[t]...)
	case mgGoal:
		return append(b, "the green goal square"...)
	case mgLava:
		return append(b, "lava"...)
	case mgEmpty:
		return append(b, "empty floor"...)
	}
	return append(b, "something unseen"...)
}

func mgAppendSteps(b []byte, n int, dir string) []byte {
	b = strconv.AppendInt(b, int64(n), 10)
	if n == 1 {
		b = append(b, " step "...)
	} else {
		b = append(b, " steps "...)
	}
	return append(b, dir...)
}

// appendEgoText describes the egocentric view in words, BabyAI-Text
// style: the objects seen with their position relative to the agent, and
// the nearest wall straight ahead, left and right.
func (e *Env) appendEgoText(b []byte) []byte {
	v, hv := e.view, e.view/2
	img := e.ego
	agentK := hv*v + v - 1
	front := img[3*(agentK-1):]
	b = append(b, "You face "...)
	b = append(b, mgHeadings[e.dir]...)
	b = append(b, " and carry "...)
	if e.carried.Type == 0 {
		b = append(b, "nothing"...)
	} else {
		c := e.carried.code()
		b = mgAppendNoun(b, c[0], c[1], c[2])
	}
	b = append(b, ". In front of you is "...)
	b = mgAppendNoun(b, front[0], front[1], front[2])
	b = append(b, ".\n"...)
	// Nearest walls in line.
	wallAt := func(k int) bool { return img[3*k] == mgWall }
	for fw := 1; fw < v; fw++ {
		if wallAt(hv*v + v - 1 - fw) {
			b = append(mgAppendSteps(append(b, "You see a wall "...), fw, "forward"), ".\n"...)
			break
		}
	}
	for l := 1; l <= hv; l++ {
		if wallAt((hv-l)*v + v - 1) {
			b = append(mgAppendSteps(append(b, "You see a wall "...), l, "left"), ".\n"...)
			break
		}
	}
	for r := 1; r <= hv; r++ {
		if wallAt((hv+r)*v + v - 1) {
			b = append(mgAppendSteps(append(b, "You see a wall "...), r, "right"), ".\n"...)
			break
		}
	}
	for vy := v - 1; vy >= 0; vy-- {
		fw := v - 1 - vy
		for vx := 0; vx < v; vx++ {
			k := vx*v + vy
			if k == agentK {
				continue
			}
			t := img[3*k]
			switch t {
			case mgUnseen, mgEmpty, mgWall, mgFloor:
				continue
			}
			b = append(b, "You see "...)
			b = mgAppendNoun(b, t, img[3*k+1], img[3*k+2])
			b = append(b, ' ')
			lat := vx - hv
			if fw > 0 {
				b = mgAppendSteps(b, fw, "forward")
				if lat != 0 {
					b = append(b, " and "...)
				}
			}
			switch {
			case lat < 0:
				b = mgAppendSteps(b, -lat, "left")
			case lat > 0:
				b = mgAppendSteps(b, lat, "right")
			}
			b = append(b, ".\n"...)
		}
	}
	return b
}

// appendFullText draws the whole grid as an ASCII map.
func (e *Env) appendFullText(b []byte) []byte {
	x, y := e.xyOf(e.agent)
	rows := mgFormatMap(e.w, e.h, func(x, y int) mgObj { return e.grid[e.cellOf(x, y)] }, x, y, e.dir, false)
	b = append(b, "Map (you are the arrow; # wall, . empty, G goal, L lava, K yellow key, D locked yellow door, d closed yellow door, _ open yellow door, B blue ball, X purple box, F floor, others in the legend below the map):\n"...)
	for _, r := range rows {
		b = append(append(b, r...), '\n')
	}
	b = append(b, "You face "...)
	b = append(b, mgHeadings[e.dir]...)
	b = append(b, " and carry "...)
	if e.carried.Type == 0 {
		b = append(b, "nothing"...)
	} else {
		c := e.carried.code()
		b = mgAppendNoun(b, c[0], c[1], c[2])
	}
	f := e.enc[e.agent+e.fwd[e.dir]]
	b = append(b, ". In front of you is "...)
	b = mgAppendNoun(b, f[0], f[1], f[2])
	return append(b, ".\n"...)
}

// textObs fills the Text and Messages of obs.
func (e *Env) textObs(obs *dojo.Obs, reset bool, errMsg string) {
	b := e.textBuf[:0]
	if errMsg != "" {
		b = append(b, 'I')
		b = append(b, errMsg[1:]...)
		b = append(b, ". Nothing happened.\n"...)
	}
	b = append(b, "Mission: "...)
	b = append(b, e.mission...)
	b = append(b, '\n')
	if e.full {
		b = e.appendFullText(b)
	} else {
		b = e.appendEgoText(b)
	}
	if !e.life.Running() {
		b = append(b, "The episode is over.\n"...)
	} else {
		b = append(b, "Steps left: "...)
		b = strconv.AppendInt(b, int64(e.maxSteps-e.steps), 10)
		b = append(b, ". Actions: left, right, forward, pickup, drop, toggle, done."...)
	}
	e.textBuf = b
	s := string(b)
	if reset {
		sys := e.systemPrompt()
		e.msgs[0] = dojo.Message{Role: "system", Content: sys}
		e.msgs[1] = dojo.Message{Role: "user", Content: s}
		obs.Messages = e.msgs[:2]
		obs.Text = sys + "\n\n" + s
		return
	}
	e.msgs[1] = dojo.Message{Role: "user", Content: s}
	obs.Messages = e.msgs[1:2]
	obs.Text = s
}

func (e *Env) systemPrompt() string {
	var sb strings.Builder
	sb.WriteString("You are an agent in a MiniGrid world: a grid of cells seen from above, with walls, doors, keys, balls, boxes, lava and a goal square. ")
	if e.full {
		sb.WriteString("You see the whole grid as a map. ")
	} else {
		hv := e.view / 2
		sb.WriteString("You see the cells in front of you, up to " + strconv.Itoa(e.view-1) + " steps ahead and " + strconv.Itoa(hv) + " to each side")
		if e.seeThrough {
			sb.WriteString(". ")
		} else {
			sb.WriteString("; walls and closed doors hide what lies behind them. ")
		}
	}
	sb.WriteString("Each turn, answer with one action:\n" +
		"left: turn left\n" +
		"right: turn right\n" +
		"forward: move one cell forward (into lava ends the episode as a failure)\n" +
		"pickup: pick up the key, ball or box in front of you (you carry at most one object)\n" +
		"drop: put what you carry on the empty cell in front of you\n" +
		"toggle: open or close the door in front of you (a locked door opens only while you carry a key of its colour), or open the box in front of you\n" +
		"done: do nothing\n" +
		"You have " + strconv.Itoa(e.maxSteps) + " steps. Answer with the action word alone or as <answer>forward</answer>.")
	return sb.String()
}
