package reward

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// BFCL's Java and JavaScript entries take every argument as a string in
// the language's syntax; its checker converts the string by the
// parameter's type (bfcl/eval_checker/ast_eval/type_convertor) with
// regular expressions, leaving it a string where they do not match. The
// functions here convert as those do, Python's regular-expression
// semantics included: \d is any Unicode decimal digit, \s any Unicode
// white space, \w any letter, number or "_", and $ matches at the end or
// before a final newline. Numbers are read as Python's int() and float()
// read them.

// Python's regular-expression classes, for the patterns below.
const (
	reD = `\p{Nd}`
	reS = `[\t\n\v\f\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]`
	reW = `[\p{L}\p{N}_]`
	// reEnd is Python's $ without MULTILINE.
	reEnd = `\n?$`
)

func pyRe(p string) *regexp.Regexp {
	p = strings.NewReplacer(`\d`, reD, `\s`, reS, `\w`, reW, `$`, reEnd).Replace(p)
	return regexp.MustCompile(p)
}

var (
	reJavaInt    = pyRe(`^-?\d+$`)
	reJavaFloat  = pyRe(`^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]$`)
	reJavaDouble = pyRe(`^-?\d+(\.\d+)?([eE][+-]?\d+)?$`)
	reJavaLong   = pyRe(`^-?\d+[lL]$`)
	reAsList     = pyRe(`new\s+ArrayList<\w*>\(Arrays\.asList\((.+?)\)\)`)
	reAddBlock   = pyRe(`(?s)new\s+ArrayList<\w*>\(\)\s*\{\{\s*(.+?)\s*\}\}`)
	reAdd        = pyRe(`add\((.+?)\)`)
	reEmptyList  = pyRe(`new\s+ArrayList<\w*>\(\)`)
	reJavaArray  = pyRe(`new\s+\w+\[\]\s*\{(.*?)\}`)
	reHashMap    = pyRe(`(?s)new\s+HashMap<.*?>\s*\(\)\s*\{\s*\{?\s*(.*?)\s*\}?\s*\}`)
	rePut        = pyRe(`put\(\"(.*?)\",\s*(.*?)\)`)
	reEmptyMap   = pyRe(`new\s+HashMap<.*?>\s*\(\)`)

	reJSInt     = pyRe(`^-?\d+$`)
	reJSFloat   = pyRe(`^-?\d+(\.\d+)?$`)
	reJSBigint  = pyRe(`^-?\d+n$`)
	reJSArray2D = pyRe(`^(?:\[\s*\[.*?\]\s*(,\s*\[.*?\]\s*)*\]|\bnew\s+Array\(\s*\[.*?\]\s*(,\s*\[.*?\]\s*)*\))`)
	reJSInner   = pyRe(`\[(.*?)\]`)
	reJSArray   = pyRe(`^(?:\[(.*?)\]|\bnew\s+Array\((.*?)\))`)
	reJSDict    = pyRe(`^\{(.*?)\}`)

	reFloatSyntax = regexp.MustCompile(`^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$`)
	reIntSyntax   = regexp.MustCompile(`^[+-]?[0-9](?:_?[0-9])*$`)
	reSpecial     = regexp.MustCompile(`(?i)^[+-]?(?:inf|infinity|nan)$`)
)

func strVal(s string) jval { return jval{kind: jStr, s: s} }

// javaConvert is BFCL's java_type_converter of a string argument.
func javaConvert(v, typ, nested string) jval {
	switch typ {
	case "byte", "short", "integer":
		if reJavaInt.MatchString(v) {
			if n, ok := pyIntOf(v); ok {
				return n
			}
		}
	case "float":
		if reJavaFloat.MatchString(v) {
			if f, ok := pyFloatOf(removeLastBefore(v, "fF")); ok {
				return jval{kind: jFloat, f: f}
			}
		}
	case "double":
		if reJavaDouble.MatchString(v) {
			if f, ok := pyFloatOf(v); ok {
				return jval{kind: jFloat, f: f}
			}
		}
	case "long":
		if reJavaLong.MatchString(v) {
			if n, ok := pyIntOf(removeLastBefore(v, "lL")); ok {
				return n
			}
		}
	case "boolean":
		if v == "true" || v == "false" {
			return jval{kind: jBool, b: v == "true"}
		}
	case "Array":
		return javaArray(v, nested)
	case "ArrayList":
		return javaArrayList(v, nested)
	case "HashMap":
		return javaHashMap(v)
	}
	return strVal(v) // char, String, any, and what does not match
}

// removeLastBefore is re.sub("[xX]$", "", v): the suffix letter removed
// where it ends v or precedes its final newline.
func removeLastBefore(v, letters string) string {
	if n := len(v); n > 0 && strings.IndexByte(letters, v[n-1]) >= 0 {
		return v[:n-1]
	}
	if n := len(v); n > 1 && v[n-1] == '\n' && strings.IndexByte(letters, v[n-2]) >= 0 {
		return v[:n-2] + "\n"
	}
	return v
}

// javaElement converts an element of a Java collection.
func javaElement(e, nested string) jval {
	switch {
	case nested == "char" || nested == "String":
		return strVal(pySlice1(e))
	case nested != "":
		return javaConvert(e, nested, "")
	}
	return javaValue(e)
}

func javaArrayList(v, nested string) jval {
	if m := reAsList.FindStringSubmatch(v); m != nil {
		out := jval{kind: jArr, arr: []jval{}}
		for _, e := range strings.Split(m[1], ",") {
			out.arr = append(out.arr, javaElement(pyStrip(e), nested))
		}
		return out
	}
	if m := reAddBlock.FindStringSubmatch(v); m != nil {
		out := jval{kind: jArr, arr: []jval{}}
		for _, a := range reAdd.FindAllStringSubmatch(m[1], -1) {
			out.arr = append(out.arr, javaElement(pyStrip(a[1]), nested))
		}
		return out
	}
	if reEmptyList.MatchString(v) {
		return jval{kind: jArr, arr: []jval{}}
	}
	return strVal(v)
}

func javaArray(v, nested string) jval {
	m := reJavaArray.FindStringSubmatch(v)
	if m == nil {
		return strVal(v)
	}
	out := jval{kind: jArr, arr: []jval{}}
	for _, x := range strings.Split(m[1], ",") {
		x = pyStrip(x)
		if x == "" {
			continue
		}
		if nested != "" {
			out.arr = append(out.arr, javaConvert(x, nested, ""))
		} else {
			out.arr = append(out.arr, javaValue(x))
		}
	}
	return out
}

func javaHashMap(v string) jval {
	if m := reHashMap.FindStringSubmatch(v); m != nil {
		out := jval{kind: jObj}
		if pyStrip(m[1]) != "" {
			for _, p := range rePut.FindAllStringSubmatch(m[1], -1) {
				out.setKey(p[1], javaValue(pyStrip(p[2])))
			}
		}
		return out
	}
	if reEmptyMap.MatchString(v) {
		return jval{kind: jObj}
	}
	return strVal(v)
}

// setKey is Python's d[k] = v: a new key goes last, a known one keeps its
// place.
func (o *jval) setKey(k string, v jval) {
	if i := o.index(k); i >= 0 {
		o.vals[i] = v
		return
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
}

// javaValue is BFCL's parse_java_value, for an element whose type is not
// given.
func javaValue(s string) jval {
	switch {
	case s == "true" || s == "false":
		return jval{kind: jBool, b: s == "true"}
	case strings.HasPrefix(s, `"`) && strings.HasSuffix(s, `"`):
		return strVal(pySlice1(s))
	case reJavaLong.MatchString(s):
		if n, ok := pyIntOf(pySliceLast(s)); ok {
			return n
		}
		return strVal(s)
	case reJavaFloat.MatchString(s):
		if f, ok := pyFloatOf(removeLastBefore(s, "fF")); ok {
			return jval{kind: jFloat, f: f}
		}
		return strVal(s)
	}
	return intFloatOrString(s)
}

// intFloatOrString is int(s), else float(s), else s.
func intFloatOrString(s string) jval {
	if n, ok := pyIntOf(s); ok {
		return n
	}
	if f, ok := pyFloatOf(s); ok {
		return jval{kind: jFloat, f: f}
	}
	return strVal(s)
}

// jsConvert is BFCL's js_type_converter of a string argument.
func jsConvert(v, typ, nested string) jval {
	switch typ {
	case "String":
		if strings.HasPrefix(v, `"`) && strings.HasSuffix(v, `"`) || strings.HasPrefix(v, "'") && strings.HasSuffix(v, "'") {
			return strVal(pySlice1(v))
		}
	case "integer":
		if reJSInt.MatchString(v) {
			if n, ok := pyIntOf(v); ok {
				return n
			}
		}
	case "float":
		if reJSFloat.MatchString(v) {
			if f, ok := pyFloatOf(v); ok {
				return jval{kind: jFloat, f: f}
			}
		}
	case "Bigint":
		if reJSBigint.MatchString(v) {
			if n, ok := pyIntOf(pySliceLast(v)); ok {
				return n
			}
		}
	case "Boolean":
		if v == "true" || v == "false" {
			return jval{kind: jBool, b: v == "true"}
		}
	case "dict":
		return jsDict(v)
	case "array":
		return jsArray(v, nested)
	}
	return strVal(v) // any, and what does not match
}

func jsArray(v, nested string) jval {
	code := pyStrip(v)
	if m := reJSArray2D.FindString(code); m != "" {
		out := jval{kind: jArr, arr: []jval{}}
		for idx, inner := range reJSInner.FindAllStringSubmatch(m, -1) {
			s := pyStrip(inner[1])
			if idx == 0 && strings.HasPrefix(s, "[") {
				s = s[1:]
			}
			row := jval{kind: jArr, arr: []jval{}}
			for _, e := range strings.Split(s, ",") {
				row.arr = append(row.arr, jsValue(pyStrip(e)))
			}
			out.arr = append(out.arr, row)
		}
		return out
	}
	m := reJSArray.FindStringSubmatchIndex(code)
	if m == nil {
		return strVal(code)
	}
	var elems []string
	for g := 1; g <= 2; g++ {
		if m[2*g] >= 0 {
			if s := pyStrip(code[m[2*g]:m[2*g+1]]); s != "" {
				elems = strings.Split(s, ",")
			}
			break
		}
	}
	out := jval{kind: jArr, arr: []jval{}}
	for _, e := range elems {
		e = pyStrip(e)
		switch {
		case nested == "":
			out.arr = append(out.arr, jsValue(e))
		case strings.HasPrefix(e, "'") || strings.HasPrefix(e, `"`):
			out.arr = append(out.arr, jsConvert(e, nested, "String"))
		default:
			out.arr = append(out.arr, jsConvert(e, nested, ""))
		}
	}
	return out
}

func jsDict(v string) jval {
	code := pyStrip(v)
	if code == "{}" {
		return jval{kind: jObj}
	}
	m := reJSDict.FindStringSubmatch(code)
	if m == nil {
		return strVal(code)
	}
	out := jval{kind: jObj}
	for _, kv := range jsPairs(m[1]) {
		key := strings.Trim(pyStrip(kv[0]), `'"`)
		val := pyStrip(kv[1])
		switch {
		case strings.HasPrefix(val, "[") && strings.HasSuffix(val, "]"):
			out.setKey(key, jsArray(val, ""))
		case strings.HasPrefix(val, "{") && strings.HasSuffix(val, "}"):
			out.setKey(key, jsDict(val))
		default:
			out.setKey(key, jsValue(strings.Trim(val, `'"`)))
		}
	}
	return out
}

// jsPairs is re.findall(r"([^:]+):\s*(.*?)(?:,\s*(?=[^,]+:)|$)", content)
// on content without newlines (Go's regexp has no lookahead): each key
// runs to the next colon, and its value to the first comma followed (after
// white space) by another key and colon, or to the end. It takes time
// linear in the content.
func jsPairs(content string) [][2]string {
	// nextComma[i] and nextColon[i]: the first comma and colon at or
	// after byte i (len(content) if none).
	n := len(content)
	nextComma, nextColon := make([]int, n+1), make([]int, n+1)
	nextComma[n], nextColon[n] = n, n
	for i := n - 1; i >= 0; i-- {
		nextComma[i], nextColon[i] = nextComma[i+1], nextColon[i+1]
		switch content[i] {
		case ',':
			nextComma[i] = i
		case ':':
			nextColon[i] = i
		}
	}
	// keyFollows is the lookahead (?=[^,]+:) at byte p: a non-comma,
	// then a colon before the next comma.
	keyFollows := func(p int) bool {
		return p < n && content[p] != ',' && nextColon[p+1] < nextComma[p+1]
	}
	var out [][2]string
	pos := 0
	for pos < n {
		c := nextColon[pos]
		if c == n {
			break
		}
		if c == pos {
			pos++
			continue
		}
		w := skipPySpace(content, c+1)
		end, q := -1, nextComma[w]
		for ; q < n; q = nextComma[q+1] {
			w2 := skipPySpace(content, q+1)
			for p := w2; p > q; {
				if keyFollows(p) {
					end = p
					break
				}
				_, size := utf8.DecodeLastRuneInString(content[:p])
				p -= size
			}
			if end >= 0 {
				break
			}
		}
		if end < 0 {
			q, end = n, n
		}
		out = append(out, [2]string{content[pos:c], content[w:q]})
		pos = end
	}
	return out
}

func runeLen(s string, i int) int {
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

func skipPySpace(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !pySpace(r) {
			break
		}
		i += n
	}
	return i
}

// jsValue is BFCL's parse_js_value.
func jsValue(s string) jval {
	s = pyStrip(s)
	switch {
	case s == "true" || s == "false":
		return jval{kind: jBool, b: s == "true"}
	case strings.HasPrefix(s, `"`) && strings.HasSuffix(s, `"`) || strings.HasPrefix(s, "'") && strings.HasSuffix(s, "'"):
		return strVal(pySlice1(s))
	}
	return intFloatOrString(s)
}

// pySlice1 is s[1:-1] on code points.
func pySlice1(s string) string {
	_, a := utf8.DecodeRuneInString(s)
	_, b := utf8.DecodeLastRuneInString(s)
	if a+b >= len(s) {
		return ""
	}
	return s[a : len(s)-b]
}

// pySliceLast is s[:-1] on code points.
func pySliceLast(s string) string {
	_, b := utf8.DecodeLastRuneInString(s)
	return s[:len(s)-b]
}

// asciiDigits replaces Unicode decimal digits by ASCII ones, as Python's
// int() and float() read them; false if s holds other non-ASCII letters.
func asciiDigits(s string) (string, bool) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s, true
	}
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		d, ok := digitValue(r)
		if !ok {
			return "", false
		}
		b.WriteByte(byte('0' + d))
	}
	return b.String(), true
}

// digitValue is a Unicode decimal digit's value: decimal digits come in
// runs of ten from zero, so it is the offset in its run modulo ten.
func digitValue(r rune) (int, bool) {
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	return 0, false
}

// pyIntOf is Python's int(s) for a string: white space around, a sign,
// digits with single underscores between them.
func pyIntOf(s string) (jval, bool) {
	s, ok := asciiDigits(pyStrip(s))
	if !ok || !reIntSyntax.MatchString(s) {
		return jval{}, false
	}
	s = strings.ReplaceAll(s, "_", "")
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return jval{kind: jInt, i: i}, true
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return jval{}, false
	}
	return jval{kind: jBigInt, s: n.String()}, true
}

// pyFloatOf is Python's float(s) for a string: white space around, decimal
// notation with underscores between digits, inf, infinity and nan.
func pyFloatOf(s string) (float64, bool) {
	s, ok := asciiDigits(pyStrip(s))
	if !ok {
		return 0, false
	}
	if reSpecial.MatchString(s) {
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	if !reFloatSyntax.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil && !math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}
