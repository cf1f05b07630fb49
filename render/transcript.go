package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"sort"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/runner"
)

// ---- the transcript of a language episode, or of any episode without a
// state render knows

// Transcript geometry.
const (
	transcriptW = 640
	transcriptH = 600
	blockPad    = 4
	stripW      = 4
)

// block is one entry of a transcript: a message, an action, an
// observation.
type block struct {
	label string
	color color.RGBA
	face  *Face
	lines []string
	y, h  int // position in the whole transcript
}

type transcript struct {
	blocks []block
	first  []int // per frame, the index of its first block; first[k+1] ends it
	height int
}

// newTranscript lays out the episode's messages, actions and
// observations; states, when given, are the states of a kind render does
// not know, shown as JSON.
func newTranscript(ep *runner.Episode, states []json.RawMessage) body {
	regular, _, mono, _ := faces()
	t := &transcript{}
	textW := transcriptW - 2*margin - stripW - 8
	add := func(label string, c color.RGBA, f *Face, text string, maxLines int) {
		text = strings.TrimRight(text, "\n ")
		if text == "" {
			text = "(empty)"
		}
		lines := clipLines(f.wrap(text, textW), maxLines)
		t.blocks = append(t.blocks, block{label: label, color: c, face: f, lines: lines})
	}
	addObs := func(o *dojo.Obs, firstTurn bool) {
		switch {
		case len(o.Messages) > 0:
			for _, m := range o.Messages {
				label, c, f, limit := m.Role, cDim, regular, 14
				switch m.Role {
				case "system":
					limit = 6
				case "user":
					c = cAccent
				case "tool":
					c, f = cWarn, mono
					if m.Name != "" {
						label += " " + m.Name
					}
					if m.ToolCallID != "" {
						label += " · " + m.ToolCallID
					}
					if !looksLikeJSON(m.Content) {
						f = regular
					}
				case "assistant":
					c = cGood
				}
				text := m.Content
				for _, call := range m.ToolCalls {
					text += "\n→ " + call.Name + "(" + string(call.Arguments) + ")"
				}
				add(label, c, f, text, limit)
			}
		case o.Text != "":
			limit := 14
			if firstTurn {
				limit = 10
			}
			add("observation", cAccent, regular, o.Text, limit)
		case o.Value != nil:
			b, err := json.Marshal(o.Value)
			if err != nil {
				b = []byte(fmt.Sprint(o.Value))
			}
			add("observation", cAccent, mono, oneLine(string(b), 600), 6)
		}
	}
	addState := func(k int, raw json.RawMessage) {
		if states == nil || len(raw) == 0 {
			return
		}
		add("state", cDim, mono, compactJSON(raw), 6)
	}

	t.first = append(t.first, 0)
	addObs(&ep.Reset.Obs, true)
	if names := toolNames(ep.Reset.Info.Extra["tools"]); names != "" {
		add("tools", cDim, regular, names, 4)
	}
	if states != nil {
		addState(0, states[0])
	}
	for i := range ep.Steps {
		s := &ep.Steps[i]
		t.first = append(t.first, len(t.blocks))
		a := s.Action
		switch a.Kind {
		case dojo.ActIndex:
			add(fmt.Sprintf("action · step %d", s.Step), cGood, regular, fmt.Sprintf("%d", a.Index), 2)
		case dojo.ActText:
			add(fmt.Sprintf("assistant · step %d", s.Step), cGood, regular, a.Text, 14)
		default:
			text := a.Text
			for _, c := range a.ToolCalls {
				text += "\n→ " + c.Name + "(" + string(c.Arguments) + ")"
			}
			add(fmt.Sprintf("assistant · step %d", s.Step), cGood, regular, strings.TrimLeft(text, "\n"), 14)
		}
		if s.Info.Error != "" {
			add("invalid", cBad, regular, s.Info.Error, 4)
		}
		addObs(&s.Obs, false)
		if states != nil {
			addState(i+1, s.State)
		}
	}
	t.first = append(t.first, len(t.blocks))
	_, _, _, small := faces()
	y := 0
	for i := range t.blocks {
		b := &t.blocks[i]
		b.h = blockPad + small.Height + 2 + len(b.lines)*b.face.Height + blockPad
		b.y = y
		y += b.h + 4
	}
	t.height = y
	return t
}

func looksLikeJSON(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// toolNames lists the names of tools in OpenAI or MCP form.
func toolNames(v any) string {
	b, err := json.Marshal(v)
	if err != nil || v == nil {
		return ""
	}
	var tools []struct {
		Name     string `json:"name"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(b, &tools) != nil {
		return ""
	}
	var names []string
	for _, t := range tools {
		if t.Name == "" {
			t.Name = t.Function.Name
		}
		if t.Name != "" {
			names = append(names, t.Name)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (t *transcript) size() image.Point { return image.Pt(transcriptW, transcriptH) }
func (t *transcript) sidePanel() bool   { return true }
func (t *transcript) panel(k int) []panelEntry {
	return nil
}

func (t *transcript) draw(dst *image.RGBA, r image.Rectangle, k int) {
	_, _, _, small := faces()
	fill(dst, r, cPanel)
	outline(dst, r, 1, cBorder)
	inner := r.Inset(1)
	from, to := t.first[k], t.first[k+1]
	end := t.height
	if to < len(t.blocks) {
		end = t.blocks[to].y
	}
	start := 0
	if from < len(t.blocks) {
		start = t.blocks[from].y
	}
	viewH := inner.Dy() - 2*margin
	off := max(0, end-viewH)
	if end-start > viewH {
		off = start // the step does not fit: show its beginning
	}
	x := inner.Min.X + margin
	for i := range t.blocks {
		b := &t.blocks[i]
		if i >= to {
			break
		}
		top := inner.Min.Y + margin + b.y - off
		if top+b.h < inner.Min.Y || top > inner.Max.Y {
			continue
		}
		box := image.Rect(x, top, inner.Max.X-margin, top+b.h).Intersect(inner)
		if i >= from {
			fill(dst, box, cHighlight)
		} else {
			fill(dst, box, cCode)
		}
		fill(dst, image.Rect(x, top, x+stripW, top+b.h).Intersect(inner), b.color)
		tx := x + stripW + 6
		y := top + blockPad
		small.Draw(dst, tx, y+1, b.label, u(b.color), inner)
		y += small.Height + 2
		for _, l := range b.lines {
			if y > inner.Max.Y {
				break
			}
			if y+b.face.Height > inner.Min.Y {
				b.face.Draw(dst, tx, y, l, u(cText), inner)
			}
			y += b.face.Height
		}
	}
}
