package protocol

import (
	"bytes"
	"encoding/json"

	"github.com/dojo-rl/dojo"
)

// The hot requests (env/step and env/stepMany with parallel arrays) are
// read by a small strict lexer that accepts only their plain shape: ASCII
// strings without escapes, integer actions, the known members once each.
// Anything else (an escape, a float, an unknown or repeated member, a
// syntax error) declines, and encoding/json reads the params instead, so
// results and error messages are the same either way; the fuzz tests
// check it.
//
// gjson does not replace this lexer: it reads leniently (it skips what
// lies between members, takes "1x" for a number, and never reports a
// syntax error), so it cannot decline what must go to encoding/json, and
// its validator recurses without bound on a deeply nested line.

type lexer struct {
	b []byte
	i int
}

func (l *lexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

// next skips blanks and reports whether the next byte is c, consuming it.
func (l *lexer) next(c byte) bool {
	l.ws()
	if l.i < len(l.b) && l.b[l.i] == c {
		l.i++
		return true
	}
	return false
}

func (l *lexer) peek() byte {
	l.ws()
	if l.i < len(l.b) {
		return l.b[l.i]
	}
	return 0
}

// str reads a string of printable ASCII without escapes.
func (l *lexer) str() ([]byte, bool) {
	if !l.next('"') {
		return nil, false
	}
	start := l.i
	for l.i < len(l.b) {
		c := l.b[l.i]
		switch {
		case c == '"':
			l.i++
			return l.b[start : l.i-1], true
		case c < 0x20 || c == '\\' || c >= 0x80:
			return nil, false
		}
		l.i++
	}
	return nil, false
}

// int reads an integer of at most 15 digits (no fraction, no exponent).
func (l *lexer) int() (int, bool) {
	l.ws()
	neg := false
	if l.i < len(l.b) && l.b[l.i] == '-' {
		neg = true
		l.i++
	}
	start := l.i
	n := 0
	for l.i < len(l.b) && l.b[l.i] >= '0' && l.b[l.i] <= '9' {
		n = n*10 + int(l.b[l.i]-'0')
		l.i++
	}
	digits := l.i - start
	if digits == 0 || digits > 15 || (digits > 1 && l.b[start] == '0') {
		return 0, false
	}
	if l.i < len(l.b) {
		switch l.b[l.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

func (l *lexer) boolean() (v, ok bool) {
	l.ws()
	switch {
	case len(l.b)-l.i >= 4 && string(l.b[l.i:l.i+4]) == "true":
		l.i += 4
		return true, true
	case len(l.b)-l.i >= 5 && string(l.b[l.i:l.i+5]) == "false":
		l.i += 5
		return false, true
	}
	return false, false
}

// action reads an integer or a plain string.
func (l *lexer) action() (dojo.Action, bool) {
	if l.peek() == '"' {
		s, ok := l.str()
		return dojo.TextAction(string(s)), ok
	}
	n, ok := l.int()
	return dojo.IndexAction(n), ok
}

// end reports whether only blanks remain.
func (l *lexer) end() bool {
	l.ws()
	return l.i == len(l.b)
}

// object calls member for each member of an object; member reads the
// value.
func (l *lexer) object(member func(name []byte) bool) bool {
	if !l.next('{') {
		return false
	}
	if l.next('}') {
		return l.end()
	}
	for {
		name, ok := l.str()
		if !ok || !l.next(':') || !member(name) {
			return false
		}
		if l.next(',') {
			continue
		}
		return l.next('}') && l.end()
	}
}

// fastStep reads env/step params {"env", "action"}.
func fastStep(raw []byte) (env string, a dojo.Action, ok bool) {
	l := lexer{b: raw}
	var seenEnv, seenAction bool
	ok = l.object(func(name []byte) bool {
		switch {
		case string(name) == "env" && !seenEnv:
			s, ok := l.str()
			env, seenEnv = string(s), true
			return ok
		case string(name) == "action" && !seenAction:
			a, ok = l.action()
			seenAction = true
			return ok
		}
		return false
	})
	return env, a, ok && seenEnv && seenAction && env != ""
}

// fastStepMany reads env/stepMany params in the parallel-arrays form
// {"envs", "actions", "compact", "info", "values"}.
func fastStepMany(raw []byte) (p stepManyParams, names [][]byte, actions []dojo.Action, ok bool) {
	return fastStepManyInto(raw, nil, nil)
}

// fastStepManyInto is fastStepMany appending the names and actions to the
// given slices (emptied first), so a caller may reuse their arrays.
func fastStepManyInto(raw []byte, names0 [][]byte, actions0 []dojo.Action) (p stepManyParams, names [][]byte, actions []dojo.Action, ok bool) {
	l := lexer{b: raw}
	// The members seen, one bit each.
	const (
		envs = 1 << iota
		acts
		compact
		info
		values
	)
	seen := 0
	ok = l.object(func(name []byte) bool {
		bit := 0
		switch string(name) {
		case "envs":
			bit = envs
		case "actions":
			bit = acts
		case "compact":
			bit = compact
		case "info":
			bit = info
		case "values":
			bit = values
		}
		if bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		switch bit {
		case envs:
			if !l.next('[') {
				return false
			}
			names = names0[:0]
			if l.next(']') {
				return true
			}
			for {
				s, ok := l.str()
				if !ok || len(s) == 0 {
					return false
				}
				names = append(names, s) // valid while the request is read
				if !l.next(',') {
					return l.next(']')
				}
			}
		case acts:
			if !l.next('[') {
				return false
			}
			actions = actions0[:0]
			if l.next(']') {
				return true
			}
			for {
				a, ok := l.action()
				if !ok {
					return false
				}
				actions = append(actions, a)
				if !l.next(',') {
					return l.next(']')
				}
			}
		case compact:
			var ok bool
			p.Compact, ok = l.boolean()
			return ok
		case info:
			var ok bool
			p.Info, ok = l.boolean()
			return ok
		default:
			var ok bool
			p.Values, ok = l.boolean()
			return ok
		}
	})
	return p, names, actions, ok && seen&(envs|acts) == envs|acts && len(names) == len(actions)
}

// skip skips the value at l.i, finding only where strings, arrays and
// objects end, without checking what lies between (fastEnvelope leaves the
// params to their reader, which checks them). gjson finds ends the same
// way but only behind a path lookup, and gjson.GetBytes copies the value
// it finds: an allocation per request on the hot path.
func (l *lexer) skip() bool {
	l.ws()
	j := valueEnd(l.b, l.i)
	if j <= l.i {
		return false
	}
	l.i = j
	return true
}

// valueEnd returns the index just past the JSON value starting at b[i], or
// -1 when b ends first. A number or a literal ends at the next ',', ':',
// '}', ']' or white space (so at i itself when there is none).
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = stringEnd(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(b) {
		switch b[i] {
		case ',', ':', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// stringEnd returns the index just past the string whose opening quote is
// b[i], or -1 when b ends first.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// fastEnvelope reads a request line of the plain shape: an object of
// "jsonrpc" and "method" as strings without escapes, "id" as such a
// string, a number or null, and "params", each at most once. Everything
// but the params is checked here: scan is lineJSON when there are none,
// paramsUnchecked when there are, and scanDeclined when slowEnvelope must
// read the line.
func fastEnvelope(line []byte) (env envelope, scan lineScan) {
	l := lexer{b: line}
	var seen [4]bool
	ok := l.object(func(name []byte) bool {
		k := -1
		switch string(name) {
		case "jsonrpc":
			k = 0
		case "id":
			k = 1
		case "method":
			k = 2
		case "params":
			k = 3
		}
		if k < 0 || seen[k] {
			return false
		}
		seen[k] = true
		l.ws()
		start := l.i
		switch k {
		case 0, 2:
			if _, ok := l.str(); !ok {
				return false
			}
		case 1:
			switch c := l.peek(); {
			case c == '"':
				if _, ok := l.str(); !ok {
					return false
				}
			case c == 'n':
				if !l.literal("null") {
					return false
				}
			default:
				if !l.number() {
					return false
				}
			}
		case 3:
			if !l.skip() {
				return false
			}
		}
		raw := json.RawMessage(line[start:l.i:l.i])
		switch k {
		case 0:
			env.JSONRPC = raw
		case 1:
			env.ID = raw
		case 2:
			env.Method = raw
		default:
			env.Params = raw
		}
		return true
	})
	switch {
	case !ok:
		return envelope{}, scanDeclined
	case seen[3]:
		return env, paramsUnchecked
	}
	return env, lineJSON
}

// literal reads the given literal.
func (l *lexer) literal(s string) bool {
	l.ws()
	if len(l.b)-l.i >= len(s) && string(l.b[l.i:l.i+len(s)]) == s {
		l.i += len(s)
		return true
	}
	return false
}

// number reads a JSON number.
func (l *lexer) number() bool {
	l.ws()
	digits := func() int {
		start := l.i
		for l.i < len(l.b) && l.b[l.i] >= '0' && l.b[l.i] <= '9' {
			l.i++
		}
		return l.i - start
	}
	if l.i < len(l.b) && l.b[l.i] == '-' {
		l.i++
	}
	start := l.i
	if n := digits(); n == 0 || (n > 1 && l.b[start] == '0') {
		return false
	}
	if l.i < len(l.b) && l.b[l.i] == '.' {
		l.i++
		if digits() == 0 {
			return false
		}
	}
	if l.i < len(l.b) && (l.b[l.i] == 'e' || l.b[l.i] == 'E') {
		l.i++
		if l.i < len(l.b) && (l.b[l.i] == '+' || l.b[l.i] == '-') {
			l.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// plainString returns the contents of a raw JSON string without escapes.
func plainString(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' || bytes.IndexByte(raw[1:len(raw)-1], '\\') >= 0 {
		return nil, false
	}
	return raw[1 : len(raw)-1], true
}
