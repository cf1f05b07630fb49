package render

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"math"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/state"
	"github.com/dojo-rl/dojo/runner"
)

// Replay draws the frames of one recorded episode: frame 0 shows the state
// after Reset, frame k the state after step k. Every frame of a replay has
// the same size. NewReplay decodes and checks the whole record once, so
// drawing a frame does no parsing and allocates nothing. A Replay is safe
// for concurrent use by several goroutines drawing into their own images.
type Replay struct {
	ep     *runner.Episode
	frames []frameInfo
	body   body
	bounds image.Rectangle
	header image.Rectangle
	bodyR  image.Rectangle
	panelR image.Rectangle // empty when the body has no side panel
	parts  []partScale     // the reward components, in record order
	title  string
	ident  string
}

// frameInfo is what the header and the side panel show of a frame.
type frameInfo struct {
	step, status  string
	statusColor   [4]uint8
	reward        string
	action        string
	parts         []dojo.Part
	err           string
	errLines      []string
	metrics       string
	metricLines   []string
	invalid, done bool
}

type partScale struct {
	name string
	max  float64 // the largest |value| of the component in the episode
}

// body draws the main part of a frame: a world from its state, a bandit,
// or a transcript.
type body interface {
	// size is the body's size in pixels.
	size() image.Point
	// draw draws frame k into r, of body's size.
	draw(dst *image.RGBA, r image.Rectangle, k int)
	// panel returns extra lines for the side panel of frame k (a heading
	// and its text), or nil.
	panel(k int) []panelEntry
	// sidePanel reports whether the frame has the side panel of reward
	// parts (a transcript draws its own).
	sidePanel() bool
}

type panelEntry struct {
	heading string
	lines   []string
}

// Layout constants, in pixels.
const (
	margin       = 10
	headerHeight = 46
	panelWidth   = 270
)

// NewReplay checks ep and prepares its frames. Its error names the step
// whose record cannot be drawn (a state that is not what its kind
// describes); the caller adds the file, line and episode.
func NewReplay(ep *runner.Episode) (*Replay, error) {
	if ep.Reset == nil {
		return nil, noSteps(ep)
	}
	r := &Replay{ep: ep}
	regular, _, _, _ := faces()
	r.title = ep.Env
	r.ident = fmt.Sprintf("episode %d · seed %d · agent %s", ep.Episode, ep.Seed, ep.Agent)
	b, err := newBody(ep)
	if err != nil {
		return nil, err
	}
	r.body = b
	r.scaleParts()
	r.describeFrames()

	bs := b.size()
	if b.sidePanel() {
		ph := r.panelHeight(regular)
		h := max(bs.Y, ph)
		r.header = image.Rect(0, 0, margin+bs.X+margin+panelWidth+margin, headerHeight)
		r.bodyR = image.Rectangle{Min: image.Pt(margin, headerHeight+margin), Max: image.Pt(margin+bs.X, headerHeight+margin+bs.Y)}
		r.panelR = image.Rect(r.bodyR.Max.X+margin, headerHeight+margin, r.bodyR.Max.X+margin+panelWidth, headerHeight+margin+h)
		r.bounds = image.Rect(0, 0, r.header.Max.X, headerHeight+margin+h+margin)
	} else {
		r.header = image.Rect(0, 0, margin+bs.X+margin, headerHeight)
		r.bodyR = image.Rectangle{Min: image.Pt(margin, headerHeight+margin), Max: image.Pt(margin+bs.X, headerHeight+margin+bs.Y)}
		r.bounds = image.Rect(0, 0, r.header.Max.X, r.bodyR.Max.Y+margin)
	}
	return r, nil
}

// noSteps explains why a record without a reset record cannot be drawn:
// its episode failed before its first observation, or it was recorded with
// dojo run --no-steps, and then how to record the episode with its steps.
func noSteps(ep *runner.Episode) error {
	if !ep.StepsLeftOut() {
		return fmt.Errorf("the record has no steps to draw: its episode failed before its first observation (%s)", firstLine(ep.Error))
	}
	return fmt.Errorf("the record has no steps to draw: it was recorded with --no-steps, which keeps each episode's outcome but not its steps; "+
		"to draw this episode, record it again without --no-steps (with the --opt flags of the first run, if any): "+
		"dojo run %s --agent %s --seed %d --episodes 1 --out steps.jsonl, then dojo render steps.jsonl",
		shellWord(ep.Env), shellWord(ep.Agent), ep.Seed)
}

// shellWord quotes s for a shell command line when it holds more than
// letters, digits and the punctuation of ids, agents and URLs.
func shellWord(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:=,@+%", c)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	if s == "" {
		return "''"
	}
	return s
}

// Len is the number of frames: the steps and the reset.
func (r *Replay) Len() int { return len(r.frames) }

// Bounds is the size of every frame.
func (r *Replay) Bounds() image.Rectangle { return r.bounds }

// Episode is the record drawn.
func (r *Replay) Episode() *runner.Episode { return r.ep }

// Frame draws frame k into a new image.
func (r *Replay) Frame(k int) *image.RGBA {
	img := image.NewRGBA(r.bounds)
	r.Draw(img, k)
	return img
}

// Draw draws frame k (0 ≤ k < Len, clamped) into dst, whose bounds must
// be Bounds.
func (r *Replay) Draw(dst *image.RGBA, k int) {
	k = min(max(k, 0), len(r.frames)-1)
	fill(dst, r.bounds, cBackground)
	r.drawHeader(dst, k)
	if !r.panelR.Empty() {
		r.drawPanel(dst, k)
	}
	r.body.draw(dst, r.bodyR, k)
}

func (r *Replay) drawHeader(dst *image.RGBA, k int) {
	regular, bold, _, _ := faces()
	f := &r.frames[k]
	h := r.header
	fill(dst, h, cHeader)
	x := h.Min.X + margin
	right := h.Max.X - margin
	identW := regular.Width(r.ident)
	bold.Draw(dst, x, h.Min.Y+5, bold.ellipsize(r.title, right-x-identW-20), u(cHeaderText), h)
	regular.Draw(dst, right-identW, h.Min.Y+6, r.ident, u(cHeaderDim), h)
	y := h.Min.Y + 25
	x = regular.Draw(dst, x, y, f.step, u(cHeaderText), h)
	x = regular.Draw(dst, x+16, y, f.reward, u(cHeaderText), h)
	if f.status != "" {
		c := rgb(f.statusColor[0], f.statusColor[1], f.statusColor[2])
		w := regular.Width(f.status)
		s := f.status
		if w > right-x-16 {
			s = regular.ellipsize(s, right-x-16)
			w = regular.Width(s)
		}
		regular.Draw(dst, right-w, y, s, u(c), h)
	}
}

// panelHeight is the height the side panel needs for its tallest frame.
func (r *Replay) panelHeight(f *Face) int {
	h := 0
	for k := range r.frames {
		h = max(h, r.panelContentHeight(f, k))
	}
	return min(h, 720)
}

func (r *Replay) panelContentHeight(f *Face, k int) int {
	fr := &r.frames[k]
	lh := f.Height
	h := 8 + 2*lh // action
	h += lh + len(r.parts)*lh + 6
	for _, e := range r.body.panel(k) {
		h += lh + len(e.lines)*lh + 6
	}
	if len(fr.errLines) > 0 {
		h += lh + len(fr.errLines)*lh + 6
	}
	if len(fr.metricLines) > 0 {
		h += lh + len(fr.metricLines)*lh + 6
	}
	return h + 4
}

func (r *Replay) drawPanel(dst *image.RGBA, k int) {
	regular, bold, _, _ := faces()
	fr := &r.frames[k]
	p := r.panelR
	fill(dst, p, cPanel)
	outline(dst, p, 1, cBorder)
	clip := p.Inset(1)
	x := p.Min.X + 10
	y := p.Min.Y + 8
	lh := regular.Height
	heading := func(s string) {
		bold.Draw(dst, x, y, s, u(cDim), clip)
		y += lh
	}
	heading("action")
	c := cText
	if fr.invalid {
		c = cBad
	}
	regular.Draw(dst, x+8, y, regular.ellipsize(fr.action, p.Dx()-28), u(c), clip)
	y += lh + 6

	heading("reward parts (value × weight)")
	nameW, barW := 104, 56
	for i, ps := range r.parts {
		var part dojo.Part
		if i < len(fr.parts) {
			part = fr.parts[i]
		}
		tc := cText
		if part.Weight == 0 {
			tc = cDim
		}
		regular.Draw(dst, x+8, y, regular.ellipsize(ps.name, nameW-4), u(tc), clip)
		bx := x + 8 + nameW
		mid := bx + barW/2
		vline(dst, mid, y+2, y+lh-3, 1, cBarZero)
		if ps.max > 0 && part.Value != 0 {
			w := int(math.Round(math.Min(1, math.Abs(part.Value)/ps.max) * float64(barW/2-1)))
			w = max(w, 1)
			if part.Value > 0 {
				fill(dst, image.Rect(mid+1, y+4, mid+1+w, y+lh-5), cBarPos)
			} else {
				fill(dst, image.Rect(mid-w, y+4, mid, y+lh-5), cBarNeg)
			}
		}
		label := formatNum(part.Value) + " × " + formatNum(part.Weight)
		regular.Draw(dst, bx+barW+6, y, label, u(tc), clip)
		y += lh
	}
	y += 6
	section := func(title string, lines []string, c color.RGBA) {
		if len(lines) == 0 {
			return
		}
		heading(title)
		for _, l := range lines {
			regular.Draw(dst, x+8, y, l, u(c), clip)
			y += lh
		}
		y += 6
	}
	for _, e := range r.body.panel(k) {
		section(e.heading, e.lines, cText)
	}
	section("invalid action", fr.errLines, cBad)
	section("metrics", fr.metricLines, cDim)
}

// scaleParts lists the reward components with the largest magnitude each
// takes in the episode, the scale of its bars.
func (r *Replay) scaleParts() {
	idx := map[string]int{}
	add := func(ps []dojo.Part) {
		for _, p := range ps {
			i, ok := idx[p.Name]
			if !ok {
				i = len(r.parts)
				idx[p.Name] = i
				r.parts = append(r.parts, partScale{name: p.Name})
			}
			if v := math.Abs(p.Value); v > r.parts[i].max && !math.IsInf(v, 0) {
				r.parts[i].max = v
			}
		}
	}
	add(r.ep.Reset.Info.Parts)
	for i := range r.ep.Steps {
		add(r.ep.Steps[i].Info.Parts)
	}
}

// describeFrames fills in the header and panel texts of every frame.
func (r *Replay) describeFrames() {
	regular, _, _, _ := faces()
	ep := r.ep
	n := len(ep.Steps)
	r.frames = make([]frameInfo, n+1)
	textW := panelWidth - 28
	labels := actionLabels(r.body)
	ret := 0.0
	for k := range r.frames {
		f := &r.frames[k]
		var info *dojo.Info
		if k == 0 {
			info = &ep.Reset.Info
			f.step = fmt.Sprintf("reset · %d steps", n)
			f.action = "(reset)"
			f.reward = "return 0"
		} else {
			s := &ep.Steps[k-1]
			info = &s.Info
			ret += s.Reward
			f.step = fmt.Sprintf("step %d / %d", k, n)
			f.action = describeAction(s.Action, labels)
			f.reward = "reward " + formatNum(s.Reward) + " · return " + formatNum(ret)
			f.done = s.Terminated || s.Truncated
		}
		f.parts = info.Parts
		f.invalid = info.Invalid
		if info.Error != "" {
			f.err = info.Error
			f.errLines = clipLines(regular.wrap(info.Error, textW), 6)
		}
		if len(info.Metrics) > 0 {
			var parts []string
			for _, m := range info.Metrics {
				parts = append(parts, m.Name+" "+formatNum(m.Value))
			}
			f.metrics = strings.Join(parts, " · ")
			f.metricLines = clipLines(regular.wrap(f.metrics, textW), 4)
		}
	}
	last := &r.frames[n]
	switch {
	case ep.Error != "":
		last.status, last.statusColor = "error: "+firstLine(ep.Error), colorArr(cBad)
	case ep.Success:
		last.status, last.statusColor = "success", colorArr(cGood)
	case ep.Truncated:
		last.status, last.statusColor = "failure (truncated)", colorArr(cBad)
	default:
		last.status, last.statusColor = "failure", colorArr(cBad)
	}
	for k := 1; k < n; k++ {
		if ep.Steps[k-1].Info.Success {
			r.frames[k].status, r.frames[k].statusColor = "success so far", colorArr(cGood)
		}
	}
}

func colorArr(c interface{ RGBA() (r, g, b, a uint32) }) [4]uint8 {
	cr, cg, cb, ca := c.RGBA()
	return [4]uint8{uint8(cr >> 8), uint8(cg >> 8), uint8(cb >> 8), uint8(ca >> 8)}
}

// actionLabels returns the action words the body's state lists.
func actionLabels(b body) []string {
	if l, ok := b.(interface{ actionWords() []string }); ok {
		return l.actionWords()
	}
	return nil
}

// describeAction names an action in a line: its word when the state lists
// the action words, the text, or the tool calls.
func describeAction(a dojo.Action, labels []string) string {
	switch a.Kind {
	case dojo.ActIndex:
		if a.Index >= 0 && a.Index < len(labels) {
			return fmt.Sprintf("%s (%d)", labels[a.Index], a.Index)
		}
		return strconv.Itoa(a.Index)
	case dojo.ActText:
		return strconv.Quote(oneLine(a.Text, 200))
	}
	var parts []string
	if a.Text != "" {
		parts = append(parts, strconv.Quote(oneLine(a.Text, 80)))
	}
	for _, c := range a.ToolCalls {
		parts = append(parts, c.Name+"("+oneLine(string(c.Arguments), 80)+")")
	}
	if len(parts) == 0 {
		return `""`
	}
	return strings.Join(parts, " ")
}

// oneLine collapses s to one line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		cut := n
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xc0 != 0x80 }

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// clipLines keeps at most n lines, the last saying how many were left out.
func clipLines(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	out := append([]string(nil), lines[:n-1]...)
	return append(out, fmt.Sprintf("… (%d more lines)", len(lines)-n+1))
}

// formatNum formats a number compactly: at most 4 significant digits,
// integers without a point.
func formatNum(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case v == math.Trunc(v) && math.Abs(v) < 1e9:
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// newBody picks the body of an episode: the kind of its state, else a
// transcript.
func newBody(ep *runner.Episode) (body, error) {
	if len(ep.Reset.State) == 0 {
		return newTranscript(ep, nil), nil
	}
	var head struct {
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal(ep.Reset.State, &head); err != nil {
		return nil, fmt.Errorf("reset: state: %v", err)
	}
	switch head.Kind {
	case state.KindMiniGrid:
		return newMiniGrid(ep)
	case state.KindTiles:
		return newTiles(ep)
	case state.KindTaxi:
		return newTaxi(ep)
	case state.KindBandit:
		return newBandit(ep)
	}
	// A kind render does not know: the transcript, with the state shown
	// as JSON in it.
	states, err := ep.States()
	if err != nil {
		return nil, err
	}
	return newTranscript(ep, states), nil
}

// decodeStates decodes the state after the reset and after every step
// into T, one of the state types of package envs/state, applying each
// step's changes to a copy of the state before it; check validates a whole
// state.
func decodeStates[T any](ep *runner.Episode, check func(s *T) error) ([]T, error) {
	fields := memberFields(reflect.TypeFor[T]())
	out := make([]T, len(ep.Steps)+1)
	if err := applyChange(&out[0], ep.Reset.State, fields); err != nil {
		return nil, fmt.Errorf("reset: state: %v", err)
	}
	if err := check(&out[0]); err != nil {
		return nil, fmt.Errorf("reset: state: %v", err)
	}
	for i := range ep.Steps {
		out[i+1] = out[i]
		if len(ep.Steps[i].State) == 0 {
			continue
		}
		if err := applyChange(&out[i+1], ep.Steps[i].State, fields); err != nil {
			return nil, fmt.Errorf("step %d: state: %v", ep.Steps[i].Step, err)
		}
		if err := check(&out[i+1]); err != nil {
			return nil, fmt.Errorf("step %d: state: %v", ep.Steps[i].Step, err)
		}
	}
	return out, nil
}

// applyChange sets the fields of *s named by the members of the JSON
// object raw (a whole state or a step's changes), each to its member
// decoded into a fresh value, so that states never share what a change
// replaced. Members that name no field of *s ("kind", members added later)
// are ignored; null resets a field to its zero value.
func applyChange[T any](s *T, raw json.RawMessage, fields map[string]int) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return fmt.Errorf("%s is not a JSON object", abbreviate(raw))
	}
	v := reflect.ValueOf(s).Elem()
	for k, raw := range m {
		i, ok := fields[k]
		if !ok {
			continue
		}
		f := v.Field(i)
		x := reflect.New(f.Type())
		if err := json.Unmarshal(raw, x.Interface()); err != nil {
			return fmt.Errorf("member %q: %v", k, err)
		}
		f.Set(x.Elem())
	}
	return nil
}

// memberFields maps the member names of the struct type t (the names of
// its json tags) to its fields' indices.
func memberFields(t reflect.Type) map[string]int {
	if m, ok := memberFieldsCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	memberFieldsCache.Store(t, m)
	return m
}

var memberFieldsCache sync.Map // reflect.Type → map[string]int

func abbreviate(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}
