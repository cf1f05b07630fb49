package toolcall

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Rec is one record of a table: field name to a scalar (string, float64 or
// bool).
type Rec map[string]any

// World is the state of the tool back ends: table name to record key to
// record. It is a plain value: Clone copies it, Equal compares it, and its
// JSON form (encoding/json sorts map keys) is canonical.
type World map[string]map[string]Rec

// Clone returns a deep copy of w.
func (w World) Clone() World {
	out := make(World, len(w))
	for t, recs := range w {
		m := make(map[string]Rec, len(recs))
		for k, r := range recs {
			m[k] = r.clone()
		}
		out[t] = m
	}
	return out
}

func (r Rec) clone() Rec {
	c := make(Rec, len(r))
	for k, v := range r {
		c[k] = v
	}
	return c
}

// Equal reports whether w and o hold the same records. A missing table and
// an empty one are equal.
func (w World) Equal(o World) bool {
	for t, recs := range w {
		if !tableEqual(recs, o[t]) {
			return false
		}
	}
	for t, recs := range o {
		if _, ok := w[t]; !ok && len(recs) > 0 {
			return false
		}
	}
	return true
}

func tableEqual(a, b map[string]Rec) bool {
	if len(a) != len(b) {
		return false
	}
	for k, r := range a {
		s, ok := b[k]
		if !ok || !r.equal(s) {
			return false
		}
	}
	return true
}

func (r Rec) equal(s Rec) bool {
	if len(r) != len(s) {
		return false
	}
	for k, v := range r {
		u, ok := s[k]
		if !ok || u != v {
			return false
		}
	}
	return true
}

// String renders w canonically: JSON with sorted keys.
func (w World) String() string {
	b, err := json.Marshal(w)
	if err != nil {
		return fmt.Sprintf("<unrenderable world: %v>", err)
	}
	return string(b)
}

// UnmarshalJSON reads a world written by MarshalJSON, keeping numbers as
// float64.
func (w *World) UnmarshalJSON(b []byte) error {
	var m map[string]map[string]map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	out := make(World, len(m))
	for t, recs := range m {
		tm := make(map[string]Rec, len(recs))
		for k, r := range recs {
			rec := make(Rec, len(r))
			for f, v := range r {
				switch v.(type) {
				case string, float64, bool:
				default:
					return fmt.Errorf("world: %s/%s field %q is %T, want a string, number or bool", t, k, f, v)
				}
				rec[f] = v
			}
			tm[k] = rec
		}
		out[t] = tm
	}
	*w = out
	return nil
}

// table returns table t of w, creating it.
func (w World) table(t string) map[string]Rec {
	m := w[t]
	if m == nil {
		m = map[string]Rec{}
		w[t] = m
	}
	return m
}

// sortedKeys returns the keys of table t, sorted.
func (w World) sortedKeys(t string) []string {
	keys := make([]string, 0, len(w[t]))
	for k := range w[t] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// change is a record that the gold calls change: its key and its value in
// the gold end state (nil when the gold deletes it).
type change struct {
	table, key string
	want       Rec
}

// changes lists the records that differ between from and to, sorted.
func changes(from, to World) []change {
	var out []change
	seen := map[string]bool{}
	add := func(t string) {
		if seen[t] {
			return
		}
		seen[t] = true
		keys := map[string]bool{}
		for k := range from[t] {
			keys[k] = true
		}
		for k := range to[t] {
			keys[k] = true
		}
		ks := make([]string, 0, len(keys))
		for k := range keys {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			a, aok := from[t][k]
			b, bok := to[t][k]
			if aok != bok || (aok && !a.equal(b)) {
				out = append(out, change{t, k, b})
			}
		}
	}
	ts := make([]string, 0, len(from)+len(to))
	for t := range from {
		ts = append(ts, t)
	}
	for t := range to {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	for _, t := range ts {
		add(t)
	}
	return out
}

// achieved counts the changes that w has made.
func achieved(w World, cs []change) int {
	n := 0
	for _, c := range cs {
		r, ok := w[c.table][c.key]
		if c.want == nil {
			if !ok {
				n++
			}
		} else if ok && r.equal(c.want) {
			n++
		}
	}
	return n
}

// money rounds x to cents.
func money(x float64) float64 { return math.Round(x*100) / 100 }

// Fact is something the final answer must state: it holds if the answer
// contains any of its aliases (case-insensitively; a numeric alias must not
// be part of a longer number).
type Fact struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
}

// textFact is a fact stated by a word or phrase.
func textFact(name string, aliases ...string) Fact { return Fact{Name: name, Aliases: aliases} }

// numFact is a fact stated by a number, with its usual spellings: 1250,
// 1,250, 1250.00, 1,250.00 (and 12.5 for 12.50).
func numFact(name string, x float64) Fact {
	x = money(x)
	var al []string
	two := strconv.FormatFloat(x, 'f', 2, 64)
	short := strconv.FormatFloat(x, 'f', -1, 64)
	al = append(al, two, commas(two))
	if short != two {
		al = append(al, short, commas(short))
	}
	out := al[:0]
	seen := map[string]bool{}
	for _, a := range al {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return Fact{Name: name, Aliases: out}
}

// commas groups the integer digits of a decimal string by thousands.
func commas(s string) string {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// holds reports whether answer states f.
func (f Fact) holds(answer string) bool {
	low := strings.ToLower(answer)
	for _, a := range f.Aliases {
		if a == "" {
			continue
		}
		if containsBounded(low, strings.ToLower(a)) {
			return true
		}
	}
	return false
}

// containsBounded reports whether s contains sub not glued to further digits
// (so "1250" is not found in "12500" or "1250.75") or, for an alias starting
// or ending with a letter, further letters.
func containsBounded(s, sub string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(sub)
		ok := true
		if j > 0 && glued(s[j-1], sub[0]) {
			ok = false
		}
		if end < len(s) && glued(s[end], sub[len(sub)-1]) {
			ok = false
		}
		if end+1 < len(s) && s[end] == '.' && isDigit(s[end+1]) && isDigit(sub[len(sub)-1]) {
			ok = false // 1250 in 1250.75
		}
		if ok {
			return true
		}
		i = j + 1
	}
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func glued(neighbour, edge byte) bool {
	return isDigit(edge) && isDigit(neighbour) || isLetter(edge) && isLetter(neighbour)
}

// canonicalJSON re-encodes a JSON value with sorted keys.
func canonicalJSON(b []byte) []byte {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return b
	}
	out, err := json.Marshal(v)
	if err != nil {
		return b
	}
	return bytes.TrimSpace(out)
}
