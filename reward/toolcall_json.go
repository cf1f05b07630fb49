package reward

import (
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// jkind is the kind of a parsed JSON value.
type jkind uint8

const (
	jNull jkind = iota
	jBool
	jInt    // an integer literal that fits int64 (i)
	jBigInt // an integer literal that does not (s: its digits, with sign)
	jFloat  // a number with a fraction or exponent, NaN or ±Infinity (f)
	jStr    // s
	jArr    // arr
	jObj    // keys and vals, in first-occurrence order, last value wins
)

// jval is a JSON value as Python's json.loads reads it: integers stay exact
// integers, other numbers are float64 (NaN, Infinity and -Infinity
// included), and a repeated object key keeps its first position and its
// last value. Strings need no copy when they hold no escapes.
type jval struct {
	kind jkind
	b    bool
	i    int64
	f    float64
	s    string
	arr  []jval
	keys []string
	vals []jval
	// raw is the value's source text, for arguments handed on as JSON.
	raw string
}

// maxJSONDepth bounds nesting, as Python's recursion limit (1000) bounds
// json.loads.
const maxJSONDepth = 990

// jsonError says what is wrong at a byte offset.
type jsonError struct {
	off int
	msg string
}

func (e *jsonError) Error() string { return e.msg + " at offset " + strconv.Itoa(e.off) }

type jparser struct {
	s     string
	pos   int
	depth int
}

// parseJSON parses one JSON document (surrounded by JSON whitespace only),
// with the grammar of Python's json.loads: NaN, Infinity and -Infinity are
// numbers; control characters in strings and anything after the value are
// errors.
func parseJSON(s string) (jval, error) {
	p := jparser{s: s}
	p.ws()
	v, err := p.value()
	if err != nil {
		return jval{}, err
	}
	p.ws()
	if p.pos != len(p.s) {
		return jval{}, &jsonError{p.pos, "extra data after the JSON value"}
	}
	return v, nil
}

// parseJSONPrefix parses one JSON value at the start of s (after
// whitespace) and returns it and the offset just past it.
func parseJSONPrefix(s string) (jval, int, error) {
	p := jparser{s: s}
	p.ws()
	v, err := p.value()
	return v, p.pos, err
}

func (p *jparser) ws() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) errf(msg string) error { return &jsonError{p.pos, msg} }

func (p *jparser) value() (jval, error) {
	if p.pos >= len(p.s) {
		return jval{}, p.errf("expecting a value, found the end")
	}
	start := p.pos
	var v jval
	var err error
	switch c := p.s[p.pos]; {
	case c == '{':
		v, err = p.object()
	case c == '[':
		v, err = p.array()
	case c == '"':
		var s string
		s, err = p.str()
		v = jval{kind: jStr, s: s}
	case c == 'n':
		err = p.lit("null")
		v = jval{kind: jNull}
	case c == 't':
		err = p.lit("true")
		v = jval{kind: jBool, b: true}
	case c == 'f':
		err = p.lit("false")
		v = jval{kind: jBool}
	case c == 'N':
		err = p.lit("NaN")
		v = jval{kind: jFloat, f: math.NaN()}
	case c == 'I':
		err = p.lit("Infinity")
		v = jval{kind: jFloat, f: math.Inf(1)}
	case c == '-' && len(p.s) > p.pos+1 && p.s[p.pos+1] == 'I':
		p.pos++
		err = p.lit("Infinity")
		v = jval{kind: jFloat, f: math.Inf(-1)}
	case c == '-' || c >= '0' && c <= '9':
		v, err = p.number()
	default:
		return jval{}, p.errf("expecting a value, found " + strconv.QuoteRune(rune(c)))
	}
	if err != nil {
		return jval{}, err
	}
	v.raw = p.s[start:p.pos]
	return v, nil
}

func (p *jparser) lit(word string) error {
	if len(p.s)-p.pos < len(word) || p.s[p.pos:p.pos+len(word)] != word {
		return p.errf("expecting a value")
	}
	p.pos += len(word)
	return nil
}

func (p *jparser) number() (jval, error) {
	start := p.pos
	if p.s[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.pos >= len(p.s) || p.s[p.pos] < '0' || p.s[p.pos] > '9' {
		return jval{}, p.errf("expecting a value")
	}
	if p.s[p.pos] == '0' {
		p.pos++
	} else {
		digits()
	}
	isFloat := false
	// A fraction or exponent counts only when complete, as in Python's
	// number pattern; otherwise the number ends before it.
	if p.pos+1 < len(p.s) && p.s[p.pos] == '.' && p.s[p.pos+1] >= '0' && p.s[p.pos+1] <= '9' {
		p.pos++
		digits()
		isFloat = true
	}
	if p.pos < len(p.s) && (p.s[p.pos] == 'e' || p.s[p.pos] == 'E') {
		q := p.pos + 1
		if q < len(p.s) && (p.s[q] == '+' || p.s[q] == '-') {
			q++
		}
		if q < len(p.s) && p.s[q] >= '0' && p.s[q] <= '9' {
			p.pos = q
			digits()
			isFloat = true
		}
	}
	lit := p.s[start:p.pos]
	if isFloat {
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil && !math.IsInf(f, 0) { // overflow reads as ±Inf, as in Python
			return jval{}, &jsonError{start, "bad number " + lit}
		}
		return jval{kind: jFloat, f: f}, nil
	}
	if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return jval{kind: jInt, i: i}, nil
	}
	return jval{kind: jBigInt, s: lit}, nil
}

// str reads a string literal; p.pos is at its opening quote.
func (p *jparser) str() (string, error) {
	p.pos++
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '"' {
			s := p.s[start:p.pos]
			p.pos++
			return s, nil
		}
		if c == '\\' {
			return p.strSlow(start)
		}
		if c < 0x20 {
			return "", p.errf("invalid control character in a string")
		}
		p.pos++
	}
	return "", &jsonError{start - 1, "unterminated string"}
}

// strSlow decodes a string holding escapes. Lone surrogates, which Python
// keeps, are kept as their three-byte (WTF-8) encodings so that different
// ones stay different.
func (p *jparser) strSlow(start int) (string, error) {
	buf := make([]byte, 0, p.pos-start+16)
	buf = append(buf, p.s[start:p.pos]...)
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(buf), nil
		case c < 0x20:
			return "", p.errf("invalid control character in a string")
		case c != '\\':
			buf = append(buf, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.s) {
			break
		}
		e := p.s[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errf(`invalid \u escape`)
			}
			if r >= 0xD800 && r < 0xDC00 && p.pos+1 < len(p.s) && p.s[p.pos] == '\\' && p.s[p.pos+1] == 'u' {
				save := p.pos
				p.pos += 2
				if r2, ok := p.hex4(); ok && r2 >= 0xDC00 && r2 < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
				} else {
					p.pos = save
				}
			}
			if r >= 0xD800 && r < 0xE000 {
				buf = append(buf, byte(0xE0|r>>12), byte(0x80|(r>>6)&0x3F), byte(0x80|r&0x3F))
			} else {
				buf = utf8.AppendRune(buf, r)
			}
		default:
			return "", &jsonError{p.pos - 2, "invalid escape " + strconv.Quote(p.s[p.pos-2:p.pos])}
		}
	}
	return "", &jsonError{start - 1, "unterminated string"}
}

func (p *jparser) hex4() (rune, bool) {
	if len(p.s)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.pos : p.pos+4]) {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

func (p *jparser) enter() error {
	p.depth++
	if p.depth > maxJSONDepth {
		return p.errf("JSON nested too deeply")
	}
	return nil
}

func (p *jparser) array() (jval, error) {
	if err := p.enter(); err != nil {
		return jval{}, err
	}
	p.pos++
	v := jval{kind: jArr}
	p.ws()
	if p.pos < len(p.s) && p.s[p.pos] == ']' {
		p.pos++
		p.depth--
		return v, nil
	}
	for {
		p.ws()
		e, err := p.value()
		if err != nil {
			return jval{}, err
		}
		v.arr = append(v.arr, e)
		p.ws()
		if p.pos >= len(p.s) {
			return jval{}, p.errf("expecting ',' or ']', found the end")
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			return v, nil
		default:
			return jval{}, p.errf("expecting ',' or ']'")
		}
	}
}

func (p *jparser) object() (jval, error) {
	if err := p.enter(); err != nil {
		return jval{}, err
	}
	p.pos++
	v := jval{kind: jObj}
	p.ws()
	if p.pos < len(p.s) && p.s[p.pos] == '}' {
		p.pos++
		p.depth--
		return v, nil
	}
	for {
		p.ws()
		if p.pos >= len(p.s) || p.s[p.pos] != '"' {
			return jval{}, p.errf("expecting a property name in double quotes")
		}
		k, err := p.str()
		if err != nil {
			return jval{}, err
		}
		p.ws()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			return jval{}, p.errf("expecting ':' after a property name")
		}
		p.pos++
		p.ws()
		e, err := p.value()
		if err != nil {
			return jval{}, err
		}
		if i := v.index(k); i >= 0 {
			v.vals[i] = e
		} else {
			v.keys = append(v.keys, k)
			v.vals = append(v.vals, e)
		}
		p.ws()
		if p.pos >= len(p.s) {
			return jval{}, p.errf("expecting ',' or '}', found the end")
		}
		switch p.s[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.depth--
			return v, nil
		default:
			return jval{}, p.errf("expecting ',' or '}'")
		}
	}
}

// index returns the position of key k in an object, or -1.
func (v *jval) index(k string) int {
	for i, key := range v.keys {
		if key == k {
			return i
		}
	}
	return -1
}

// get returns the member k of an object.
func (v *jval) get(k string) (*jval, bool) {
	if v.kind != jObj {
		return nil, false
	}
	if i := v.index(k); i >= 0 {
		return &v.vals[i], true
	}
	return nil, false
}

// pyEqual is Python's == on values json.loads made: numbers compare by
// exact value across int and float, bools are the integers 0 and 1, lists
// compare in order and dicts by key set and values. NaN is not equal to
// itself, except inside lists and dicts: json.loads returns one shared NaN
// object, and Python compares container items by identity first.
func pyEqual(a, b *jval) bool { return equalJSON(a, b, true, false) }

// pyItemEqual is Python's equality as containers apply it to their items
// (list ==, "in", Counter and dict keys): pyEqual, but NaN equals NaN, the
// one NaN object json.loads makes.
func pyItemEqual(a, b *jval) bool { return equalJSON(a, b, true, true) }

// jsonEqual is JSON equality: as pyItemEqual, except that booleans are not
// numbers.
func jsonEqual(a, b *jval) bool { return equalJSON(a, b, false, true) }

func equalJSON(a, b *jval, boolIsInt, nanIsNaN bool) bool {
	an, bn := a.isNumber(boolIsInt), b.isNumber(boolIsInt)
	if an || bn {
		if nanIsNaN && a.kind == jFloat && b.kind == jFloat && math.IsNaN(a.f) && math.IsNaN(b.f) {
			return true
		}
		return an && bn && numEqual(a, b)
	}
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case jNull:
		return true
	case jBool:
		return a.b == b.b
	case jStr:
		return a.s == b.s
	case jArr:
		if len(a.arr) != len(b.arr) {
			return false
		}
		for i := range a.arr {
			if !equalJSON(&a.arr[i], &b.arr[i], boolIsInt, true) {
				return false
			}
		}
		return true
	case jObj:
		if len(a.keys) != len(b.keys) {
			return false
		}
		for i, k := range a.keys {
			j := b.index(k)
			if j < 0 || !equalJSON(&a.vals[i], &b.vals[j], boolIsInt, true) {
				return false
			}
		}
		return true
	}
	return false
}

func (v *jval) isNumber(boolIsInt bool) bool {
	switch v.kind {
	case jInt, jBigInt, jFloat:
		return true
	case jBool:
		return boolIsInt
	}
	return false
}

// numEqual compares two numbers (bools as 0 and 1) by exact value.
func numEqual(a, b *jval) bool {
	if a.kind == jFloat && b.kind == jFloat {
		return a.f == b.f
	}
	if a.kind == jFloat {
		a, b = b, a
	}
	// a is an integer now (int, big int or bool).
	if b.kind == jFloat {
		f := b.f
		if math.IsNaN(f) || math.IsInf(f, 0) || f != math.Trunc(f) {
			return false
		}
		if a.kind == jBigInt {
			ai, ok := new(big.Int).SetString(a.s, 10)
			if !ok {
				return false
			}
			bi, _ := big.NewFloat(f).Int(nil)
			return ai.Cmp(bi) == 0
		}
		if f < -0x1p63 || f >= 0x1p63 {
			return false
		}
		return int64(f) == a.intValue()
	}
	if a.kind == jBigInt || b.kind == jBigInt {
		return a.kind == jBigInt && b.kind == jBigInt && a.s == b.s
	}
	return a.intValue() == b.intValue()
}

func (v *jval) intValue() int64 {
	if v.kind == jBool {
		if v.b {
			return 1
		}
		return 0
	}
	return v.i
}

// pyLen is Python's len() of a value, and false where len() raises.
func (v *jval) pyLen() (int, bool) {
	switch v.kind {
	case jStr:
		return pyStrLen(v.s), true
	case jArr:
		return len(v.arr), true
	case jObj:
		return len(v.keys), true
	}
	return 0, false
}

// pyStrLen counts code points, lone surrogates (kept as three-byte
// sequences) included.
func pyStrLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c < 0x80:
			i++
		case c>>5 == 0x6:
			i += 2
		case c>>4 == 0xE:
			i += 3
		case c>>3 == 0x1E:
			i += 4
		default:
			i++
		}
		n++
	}
	return n
}

// pyHashable reports whether Python can hash the value (a dict key or a
// Counter element): lists and dicts cannot be hashed.
func (v *jval) pyHashable() bool { return v.kind != jArr && v.kind != jObj }
