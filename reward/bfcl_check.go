package reward

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/pylower"
)

// BFCLResult is ScoreBFCL's verdict, with BFCL's error message and error
// type when the calls are wrong.
type BFCLResult struct {
	OK        bool   `json:"ok"`
	Reason    string `json:"reason,omitempty"`
	ErrorType string `json:"error_type,omitempty"`
}

// BFCLBadEntry is the error type of a result for an entry with a Problem:
// BFCL cannot score it, and neither does dojo.
const BFCLBadEntry = "dojo:bad_entry"

// BFCLOptions are the scoring settings BFCL takes from a model's
// configuration.
type BFCLOptions struct {
	// KeepDots checks calls against function names as written: BFCL's
	// underscore_to_dot false, as for its prompting models. By default
	// (false here, underscore_to_dot true, as for BFCL's function-calling
	// models, which may not use "." in a name) a function's name is
	// expected with each "." replaced by "_": geometry.circle_area is to
	// be called as geometry_circle_area, and the dotted name is wrong.
	KeepDots bool
}

// callName is the name a call of the function must have.
func (o BFCLOptions) callName(name string) string {
	if o.KeepDots {
		return name
	}
	return strings.ReplaceAll(name, ".", "_")
}

func bfclFail(errType, format string, args ...any) BFCLResult {
	return BFCLResult{Reason: fmt.Sprintf(format, args...), ErrorType: errType}
}

// ScoreBFCLText scores an assistant's text with the default options (see
// ScoreBFCLTextWith).
func ScoreBFCLText(e *BFCLEntry, text string) BFCLResult {
	return ScoreBFCLTextWith(e, text, BFCLOptions{})
}

// ScoreBFCLTextWith scores an assistant's text, its calls in <tool_call>
// blocks (see ParseToolCalls). A text whose blocks do not parse is a
// decoding failure, as BFCL's when it cannot decode a model's output: no
// call, so it passes the irrelevance categories and fails the others.
func ScoreBFCLTextWith(e *BFCLEntry, text string, opts BFCLOptions) BFCLResult {
	if e.Problem != "" {
		return bfclFail(BFCLBadEntry, "entry %s cannot be scored: %s", e.ID, e.Problem)
	}
	calls, _, errs := ParseToolCalls(text)
	if len(errs) > 0 {
		switch e.kind {
		case bfclIrrelevance:
			return BFCLResult{OK: true}
		case bfclRelevance:
			return bfclFail("relevance_error:decoder_failed", "Invalid syntax. Failed to decode AST when it should have. %s", errs[0])
		}
		return bfclFail("ast_decoder:decoder_failed", "Invalid syntax. Failed to decode AST. %s", errs[0])
	}
	return ScoreBFCLWith(e, calls, opts)
}

// ScoreBFCL checks calls against a BFCL entry with the default options
// (see ScoreBFCLWith).
func ScoreBFCL(e *BFCLEntry, calls []dojo.ToolCall) BFCLResult {
	return ScoreBFCLWith(e, calls, BFCLOptions{})
}

// ScoreBFCLWith checks calls against a BFCL entry as BFCL scores a
// function-calling model's output: its decoder reads each call's
// arguments as JSON (json.loads), then its relevance runner or its AST
// checker (bfcl/eval_checker/ast_eval/ast_checker.py) judges them; the
// reason and error type are BFCL's.
//
// Decoding: arguments that are empty, white space or not JSON fail to
// decode (ast_decoder:decoder_failed); arguments that are JSON but not an
// object ("null", "[1, 2]", "\"x\"") decode to something that is not a
// call (ast_decoder:decoder_wrong_output_format). Either way the output
// holds no call, which is right for the irrelevance categories and wrong
// for the others.
//
// By category:
//
//   - simple (simple_python, simple_java, simple_javascript, live_simple):
//     exactly one call, checked against the first function and the first
//     expected call, whatever function that names.
//   - multiple: as many calls as expected calls (one); the first call is
//     checked against the expected one.
//   - parallel, parallel_multiple: as many calls as expected; for each
//     expected call in order, the first call not yet matched that passes
//     the check matches it (order-free).
//   - irrelevance: right when there is no call; relevance: when there is one.
//
// A call passes when its name is the function's (see BFCLOptions.KeepDots
// for names with dots); every required parameter is given; every given
// parameter is both a property of the function and in the answer; each
// value has the property's type (an integer is accepted for a float, and a
// value of the answer's own type when that differs from the property's, as
// BFCL accepts variables); and each value is one of the allowed ones —
// strings compared after BFCL's standardize_string (spaces and , . / - _ *
// ^ removed, lower case as Python's str.lower, ' read as "), lists compared
// with their string items standardized, dicts key by key against each
// allowed dict (values standardized, a key whose allowed values hold "" may
// be missing), lists of dicts element by element, anything else by Python
// equality (1 equals 1.0); and no parameter the answer requires (one whose
// allowed values lack "") is missing. For Java and JavaScript entries each
// value must be a string, which is first converted as BFCL's type
// converters do (a Java long "5L" to 5, a JavaScript array "[1, 2]" to a
// list, a value they cannot read left a string).
//
// Call ids are ignored. An entry with a Problem gets BFCLBadEntry.
func ScoreBFCLWith(e *BFCLEntry, calls []dojo.ToolCall, opts BFCLOptions) BFCLResult {
	if e.Problem != "" {
		return bfclFail(BFCLBadEntry, "entry %s cannot be scored: %s", e.ID, e.Problem)
	}
	args := make([]jval, len(calls))
	var decodeErr, formatErr string
	for i := range calls {
		v, err := decodeBFCLArgs(calls[i].Arguments)
		switch {
		case err != nil:
			if decodeErr == "" {
				decodeErr = err.Error()
				if _, empty := err.(emptyArgsError); !empty {
					decodeErr = fmt.Sprintf("The arguments of call %d (%s) are not JSON: %s", i+1, calls[i].Name, err)
				}
			}
		case v.kind != jObj:
			formatErr = "Did not output in the specified format. Note: the model_result is wrapped in a string to ensure json serializability."
		}
		args[i] = v
	}
	switch e.kind {
	case bfclIrrelevance:
		if len(calls) > 0 && decodeErr == "" && formatErr == "" {
			return bfclFail("irrelevance_error:decoder_success", "Valid syntax. Successfully decode AST when it should not.")
		}
		return BFCLResult{OK: true}
	case bfclRelevance:
		if len(calls) == 0 || decodeErr != "" || formatErr != "" {
			if decodeErr == "" {
				decodeErr = "None" // BFCL's message when the output decodes to no call
			}
			return bfclFail("relevance_error:decoder_failed", "Invalid syntax. Failed to decode AST when it should have. %s", decodeErr)
		}
		return BFCLResult{OK: true}
	}
	if decodeErr != "" {
		return bfclFail("ast_decoder:decoder_failed", "Invalid syntax. Failed to decode AST. %s", decodeErr)
	}
	if formatErr != "" {
		return bfclFail("ast_decoder:decoder_wrong_output_format", "%s", formatErr)
	}
	if len(e.answer) == 0 || len(e.Functions) == 0 {
		return bfclFail(BFCLBadEntry, "entry %s has no expected call to check against", e.ID)
	}
	switch e.kind {
	case bfclSimple:
		if len(calls) != 1 {
			return bfclFail("simple_function_checker:wrong_count", "Wrong number of functions.")
		}
		return checkBFCLCall(e.lang, opts, &e.Functions[0], &calls[0], &args[0], &e.answer[0])
	case bfclMultiple:
		if len(calls) != len(e.answer) {
			return bfclFail("multiple_function_checker:wrong_count", "Wrong number of functions.")
		}
		return checkBFCLCall(e.lang, opts, e.function(e.answer[0].name), &calls[0], &args[0], &e.answer[0])
	}
	if len(calls) != len(e.answer) {
		return bfclFail("parallel_function_checker_no_order:wrong_count", "Wrong number of functions.")
	}
	matched := make([]bool, len(calls))
	for i := range e.answer {
		f := e.function(e.answer[i].name)
		var subs []string
		found := false
		for j := range calls {
			if matched[j] {
				continue
			}
			r := checkBFCLCall(e.lang, opts, f, &calls[j], &args[j], &e.answer[i])
			if r.OK {
				matched[j], found = true, true
				break
			}
			subs = append(subs, fmt.Sprintf("model result index %d: %s", j, r.Reason))
		}
		if !found {
			var left []string
			for j := range calls {
				if !matched[j] {
					left = append(left, strconv.Itoa(j))
				}
			}
			return bfclFail("parallel_function_checker_no_order:cannot_find_match",
				"Could not find a matching function among index [%s] of model output for index %d of possible answers. (%s)",
				strings.Join(left, ", "), i, strings.Join(subs, "; "))
		}
	}
	return BFCLResult{OK: true}
}

// decodeBFCLArgs is json.loads of a call's arguments: empty or white
// space fails with Python's message ("Expecting value: line 1 column 1
// (char 0)"); other JSON errors are dojo's.
func decodeBFCLArgs(raw json.RawMessage) (jval, error) {
	s := string(raw)
	n := 0
	for n < len(s) && (s[n] == ' ' || s[n] == '\t' || s[n] == '\n' || s[n] == '\r') {
		n++
	}
	if n == len(s) {
		line, col := 1, n+1
		if k := strings.LastIndexByte(s, '\n'); k >= 0 {
			line, col = 1+strings.Count(s, "\n"), n-k
		}
		return jval{}, emptyArgsError(fmt.Sprintf("Expecting value: line %d column %d (char %d)", line, col, n))
	}
	return parseJSON(s)
}

// emptyArgsError is Python's json.loads error for empty arguments.
type emptyArgsError string

func (e emptyArgsError) Error() string { return string(e) }

// checkBFCLCall is BFCL's simple_function_checker.
func checkBFCLCall(lang bfclLang, opts BFCLOptions, f *BFCLFunction, call *dojo.ToolCall, args *jval, want *bfclCall) BFCLResult {
	name := opts.callName(f.Name)
	if call.Name != name {
		return bfclFail("simple_function_checker:wrong_func_name", "Function name %s not found in model output.", pyStrRepr(name))
	}
	for _, p := range f.required {
		if args.index(p) < 0 {
			return bfclFail("simple_function_checker:missing_required", "Missing required parameter: %s.", pyStrRepr(p))
		}
	}
	for i, p := range args.keys {
		prop, ok := f.props[p]
		allowed, ok2 := want.allowed(p)
		if !ok || !ok2 {
			return bfclFail("simple_function_checker:unexpected_param", "Unexpected parameter: %s.", pyStrRepr(p))
		}
		value := args.vals[i]
		if lang != langPython {
			if value.kind != jStr {
				errType := "type_error:java"
				if lang == langJS {
					errType = "type_error:js"
				}
				return bfclFail(errType, "Incorrect type for parameter %s. Expected type String, got %s. Parameter value: %s.", pyStrRepr(p), typeOf(&value), pyRepr(&value))
			}
			if lang == langJava {
				value = javaConvert(value.s, prop.typ, prop.itemsTyp)
			} else {
				value = jsConvert(value.s, prop.typ, prop.itemsTyp)
			}
		} else if prop.pt == pyFloat && value.kind == jInt {
			value = jval{kind: jFloat, f: float64(value.i)}
		} else if prop.pt == pyFloat && value.kind == jBigInt {
			f, _ := strconv.ParseFloat(value.s, 64)
			value = jval{kind: jFloat, f: f}
		}
		isVar, r := bfclTypeCheck(p, &value, allowed.arr, prop.typ, prop.pt, prop.nested)
		if !r.OK {
			return r
		}
		if !isVar {
			switch {
			case prop.pt == pyDict:
				if r := bfclDictCheck(&value, allowed.arr); !r.OK {
					return r
				}
				continue
			case prop.pt == pyList && prop.nested == pyDict:
				if r := bfclListDictCheck(&value, allowed.arr); !r.OK {
					return r
				}
				continue
			case prop.pt == pyStr:
				if !pyIn(standardized(&value), standardizeAll(allowed.arr)) {
					return bfclFail("value_error:string", "Invalid value for parameter %s: %s. Expected one of %s. Case insensitive.", pyStrRepr(p), pyRepr(&value), pyRepr(allowed))
				}
				continue
			case prop.pt == pyList:
				if !bfclListIn(&value, allowed.arr) {
					return bfclFail("value_error:list/tuple", "Invalid value for parameter %s: %s. Expected one of %s.", pyStrRepr(p), pyRepr(&value), pyRepr(allowed))
				}
				continue
			}
		}
		if !pyIn(value, allowed.arr) {
			return bfclFail("value_error:others", "Invalid value for parameter %s: %s. Expected one of %s.", pyStrRepr(p), pyRepr(&value), pyRepr(allowed))
		}
	}
	for i, p := range want.params {
		if args.index(p) < 0 && !pyIn(jval{kind: jStr}, want.values[i].arr) {
			return bfclFail("simple_function_checker:missing_optional", "Optional parameter %s not provided and not marked as optional.", pyStrRepr(p))
		}
	}
	return BFCLResult{OK: true}
}

// answerType is BFCL's get_possible_answer_type: the type of the first
// allowed value that is not "".
func answerType(allowed []jval) pyType {
	for i := range allowed {
		if allowed[i].kind == jStr && allowed[i].s == "" {
			continue
		}
		return typeOf(&allowed[i])
	}
	return pyNoType
}

// bfclTypeCheck is BFCL's type_checker: whether the value has the
// expected type (or the answer's, when the answer gives a variable), and,
// for arrays, whether its items have the items' type for some allowed list.
func bfclTypeCheck(p string, v *jval, allowed []jval, desc string, expected, nested pyType) (isVar bool, r BFCLResult) {
	at := answerType(allowed)
	isVar = at != pyNoType && at != expected
	var firstErr *BFCLResult
	if typeOf(v) == expected {
		if nested == pyNoType {
			return isVar, BFCLResult{OK: true}
		}
		for i := range allowed {
			ok := true
			if allowed[i].kind == jArr {
				for k := range v.arr {
					if _, r := bfclTypeCheck(p, &v.arr[k], allowed[i].arr, "<class '"+nested.String()+"'>", nested, pyNoType); !r.OK {
						ok = false
						break
					}
				}
			}
			if ok {
				return isVar, BFCLResult{OK: true}
			}
		}
		e := bfclFail("type_error:nested", "Nested type checking failed for parameter %s. Expected outer type %s with inner type <class '%s'>. Parameter value: %s.", pyStrRepr(p), desc, nested, pyRepr(v))
		firstErr = &e
	}
	if at != pyNoType && typeOf(v) == at {
		if firstErr != nil {
			return true, *firstErr
		}
		return true, BFCLResult{OK: true}
	}
	if firstErr != nil {
		firstErr.ErrorType = "type_error:simple" // BFCL overwrites the type, keeps the first error
		return isVar, *firstErr
	}
	return isVar, bfclFail("type_error:simple", "Incorrect type for parameter %s. Expected type %s, got %s. Parameter value: %s.", pyStrRepr(p), desc, typeOf(v), pyRepr(v))
}

// standardizeString is BFCL's standardize_string: spaces and , . / - _ * ^
// removed, lower case, ' replaced by ".
func standardizeString(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case ' ', ',', '.', '/', '-', '_', '*', '^':
			continue
		case '\'':
			r = '"'
		}
		b.WriteRune(r)
	}
	return pylower.Lower(b.String())
}

// standardized returns a string value standardized, anything else as is.
func standardized(v *jval) jval {
	if v.kind != jStr {
		return *v
	}
	return jval{kind: jStr, s: standardizeString(v.s)}
}

func standardizeAll(vs []jval) []jval {
	out := make([]jval, len(vs))
	for i := range vs {
		out[i] = standardized(&vs[i])
	}
	return out
}

// pyIn is Python's "v in list".
func pyIn(v jval, list []jval) bool {
	for i := range list {
		if pyItemEqual(&v, &list[i]) {
			return true
		}
	}
	return false
}

// bfclListIn is BFCL's list_checker: the list, its string items
// standardized, equals one of the allowed lists standardized likewise (an
// allowed string counts as the list of its characters, so "" allows []).
func bfclListIn(v *jval, allowed []jval) bool {
	got := jval{kind: jArr, arr: standardizeAll(v.arr)}
	for i := range allowed {
		a := &allowed[i]
		var cand jval
		switch a.kind {
		case jArr:
			cand = jval{kind: jArr, arr: standardizeAll(a.arr)}
		case jStr:
			cand = jval{kind: jArr}
			for _, r := range a.s {
				cand.arr = append(cand.arr, jval{kind: jStr, s: standardizeString(string(r))})
			}
		default:
			continue
		}
		if pyItemEqual(&got, &cand) {
			return true
		}
	}
	return false
}

// bfclDictCheck is BFCL's dict_checker: the dict passes against one of the
// allowed dicts ("" entries skipped) when each of its keys is allowed with
// an allowed (standardized) value and each key it lacks may be left out.
// The reason is the last allowed dict's.
func bfclDictCheck(v *jval, allowed []jval) BFCLResult {
	res := bfclFail("dict_checker:unclear", "")
	if v.kind != jObj {
		return bfclFail("value_error:dict_value", "Invalid value %s: a dict was expected.", pyRepr(v))
	}
	for i := range allowed {
		a := &allowed[i]
		if a.kind == jStr && a.s == "" {
			continue
		}
		res = BFCLResult{OK: true}
		if a.kind != jObj {
			res = bfclFail("dict_checker:unclear", "allowed value %s is not a dict", pyRepr(a))
			continue
		}
		for k, key := range v.keys {
			want, ok := a.get(key)
			if !ok {
				res = bfclFail("value_error:dict_key", "Unexpected dict key parameter: '%s'.", key)
				break
			}
			wantList := allowedList(want)
			if !pyIn(standardized(&v.vals[k]), wantList) {
				res = bfclFail("value_error:dict_value", "Invalid value for parameter %s: %s. Expected one of %s.", pyStrRepr(key), pyRepr(&v.vals[k]), pyRepr(&jval{kind: jArr, arr: wantList}))
				break
			}
		}
		for k, key := range a.keys {
			if v.index(key) < 0 && !mayOmit(&a.vals[k]) {
				if res.OK {
					res = bfclFail("value_error:dict_key", "Missing dict key parameter: '%s'.", key)
				} else {
					res.ErrorType = "value_error:dict_key" // BFCL overwrites the type, keeps the first error
				}
				break
			}
		}
		if res.OK {
			return res
		}
	}
	return res
}

// allowedList is a dict key's allowed values standardized, as BFCL
// iterates them: a list item by item, a string character by character.
func allowedList(want *jval) []jval {
	switch want.kind {
	case jArr:
		return standardizeAll(want.arr)
	case jStr:
		var out []jval
		for _, r := range want.s {
			out = append(out, jval{kind: jStr, s: standardizeString(string(r))})
		}
		return out
	}
	return nil
}

// mayOmit is BFCL's `"" in allowed`: a list holding "", or any string
// (which holds the empty substring).
func mayOmit(allowed *jval) bool {
	switch allowed.kind {
	case jArr:
		return pyIn(jval{kind: jStr}, allowed.arr)
	case jStr:
		return true
	}
	return false
}

// bfclListDictCheck is BFCL's list_dict_checker: the list of dicts matches
// one allowed list of dicts element by element.
func bfclListDictCheck(v *jval, allowed []jval) BFCLResult {
	res := bfclFail("list_dict_checker:unclear", "")
	for i := range allowed {
		a := &allowed[i]
		var items []jval
		n := 0
		switch a.kind {
		case jArr:
			items, n = a.arr, len(a.arr)
		case jStr: // BFCL takes its length; its characters are no dicts
			n = pyStrLen(a.s)
		default:
			continue
		}
		if len(v.arr) != n {
			res = bfclFail("value_error:list_dict_count", "Wrong number of dictionaries in the list.")
			continue
		}
		if items == nil && n > 0 {
			res = bfclFail("value_error:dict_key", "allowed value %s is not a list of dicts", pyRepr(a))
			continue
		}
		ok := true
		for d := range v.arr {
			res = bfclDictCheck(&v.arr[d], items[d:d+1])
			if !res.OK {
				ok = false
				break
			}
		}
		if ok {
			return BFCLResult{OK: true}
		}
	}
	return res
}

// pyStrRepr is Python's repr of a string.
func pyStrRepr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyRepr is Python's repr of a value decoded from JSON.
func pyRepr(v *jval) string {
	var b strings.Builder
	writePyRepr(&b, v)
	return b.String()
}

func writePyRepr(b *strings.Builder, v *jval) {
	switch v.kind {
	case jNull:
		b.WriteString("None")
	case jBool:
		if v.b {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case jInt:
		b.WriteString(strconv.FormatInt(v.i, 10))
	case jBigInt:
		b.WriteString(v.s)
	case jFloat:
		b.WriteString(pyFloatRepr(v.f))
	case jStr:
		b.WriteString(pyStrRepr(v.s))
	case jArr:
		b.WriteByte('[')
		for i := range v.arr {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyRepr(b, &v.arr[i])
		}
		b.WriteByte(']')
	case jObj:
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyStrRepr(k))
			b.WriteString(": ")
			writePyRepr(b, &v.vals[i])
		}
		b.WriteByte('}')
	}
}

// pyFloatRepr is Python's repr of a float: the shortest digits, in fixed
// notation with ".0" for exponents from -4 to 15, else scientific.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	i := strings.LastIndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[i+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}
