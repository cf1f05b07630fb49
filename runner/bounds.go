package runner

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dojo-rl/dojo"
)

// DefaultMaxActionBytes is the bound on an action's size when
// Config.MaxActionBytes is 0: 1 MiB, far above what any env reads from one
// action, far below what would make a record unreadable.
const DefaultMaxActionBytes = 1 << 20

// DefaultMaxRecordText is the bound on each text a record stores when
// Config.MaxRecordText is 0: 64 KiB.
const DefaultMaxRecordText = 64 << 10

// ClipMarker follows the kept start of a clipped text: fmt's %d is the
// text's length in bytes before clipping.
const ClipMarker = "…[clipped by dojo: %d bytes in all]"

// limit resolves a bound of Config: 0 is def, negative is none (0).
func limit(n, def int) int {
	switch {
	case n == 0:
		return def
	case n < 0:
		return 0
	}
	return n
}

// actionSize is the number of bytes an action carries: its text and its
// tool calls' ids, names and arguments.
func actionSize(a dojo.Action) int {
	n := len(a.Text)
	for _, c := range a.ToolCalls {
		n += len(c.ID) + len(c.Name) + len(c.Arguments)
	}
	return n
}

// checkAction refuses an action larger than max bytes (0: no bound).
func checkAction(a dojo.Action, max int) error {
	if n := actionSize(a); max > 0 && n > max {
		return dojo.Errorf(dojo.CodeInvalid, "the agent's action is %d bytes, above the bound of %d (max_action_bytes: dojo run --max-action-bytes)", n, max)
	}
	return nil
}

// clipText returns s, or when it is longer than max bytes (max > 0), its
// first bytes up to max, cut at a character boundary, followed by
// ClipMarker. The result never shares memory with a clipped s.
func clipText(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	var b strings.Builder
	b.Grow(cut + len(ClipMarker) + 20)
	b.WriteString(s[:cut])
	fmt.Fprintf(&b, ClipMarker, len(s))
	return b.String()
}

// clipJSON returns a JSON value (a tool call's arguments, a value frozen
// as JSON), or when it is longer than max bytes, the object
// {"clipped": {"bytes": N, "text": T}}: N is its length and T its clipped
// text (clipText), so the record stays valid JSON of the same shape.
func clipJSON(v json.RawMessage, max int) json.RawMessage {
	if max <= 0 || len(v) <= max {
		return v
	}
	type clipped struct {
		Bytes int    `json:"bytes"`
		Text  string `json:"text"`
	}
	b, err := json.Marshal(struct {
		Clipped clipped `json:"clipped"`
	}{clipped{len(v), clipText(string(v), max)}})
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}

// clipValue clips a string, or a value frozen as JSON by snapshotValue.
func clipValue(v any, max int) any {
	switch x := v.(type) {
	case string:
		return clipText(x, max)
	case json.RawMessage:
		return clipJSON(x, max)
	}
	return v
}

func clipCalls(calls []dojo.ToolCall, max int) {
	for i := range calls {
		calls[i].Arguments = clipJSON(calls[i].Arguments, max)
	}
}

// clipObs clips the texts of an observation the record owns (a snapshot).
func clipObs(o *dojo.Obs, max int) {
	if max <= 0 {
		return
	}
	o.Text = clipText(o.Text, max)
	for i := range o.Messages {
		m := &o.Messages[i]
		m.Content = clipText(m.Content, max)
		clipCalls(m.ToolCalls, max)
	}
	o.Value = clipValue(o.Value, max)
}

// clipInfo clips the error and the extra values of an info the record
// owns (a snapshot: its Extra map is a copy).
func clipInfo(i *dojo.Info, max int) {
	if max <= 0 {
		return
	}
	i.Error = clipText(i.Error, max)
	for k, v := range i.Extra {
		i.Extra[k] = clipValue(v, max)
	}
}

// clipAction clips the texts of an action the record owns (a snapshot).
func clipAction(a *dojo.Action, max int) {
	if max <= 0 {
		return
	}
	a.Text = clipText(a.Text, max)
	clipCalls(a.ToolCalls, max)
}
