package reward

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// TestBFCLPatternsPython checks the Go forms of the regular expressions of
// BFCL's type converters against Python's re on random strings built from
// the converters' syntax: each pattern's match (re.match, or re.search
// for the unanchored ones) and groups, and jsPairs against re.findall with
// its lookahead. It skips when python3 is absent.
func TestBFCLPatternsPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH: the differential test against Python's re needs it")
	}
	type pat struct {
		py     string // the pattern as BFCL writes it
		flags  string // "s" for DOTALL
		search bool   // re.search, else re.match
		re     interface {
			FindStringSubmatch(string) []string
		}
	}
	pats := []pat{
		{`^-?\d+$`, "", false, reJavaInt},
		{`^-?\d+(\.\d+)?([eE][+-]?\d+)?[fF]$`, "", false, reJavaFloat},
		{`^-?\d+(\.\d+)?([eE][+-]?\d+)?$`, "", false, reJavaDouble},
		{`^-?\d+[lL]$`, "", false, reJavaLong},
		{`new\s+ArrayList<\w*>\(Arrays\.asList\((.+?)\)\)`, "", true, reAsList},
		{`new\s+ArrayList<\w*>\(\)\s*\{\{\s*(.+?)\s*\}\}`, "s", true, reAddBlock},
		{`new\s+\w+\[\]\s*\{(.*?)\}`, "", true, reJavaArray},
		{`new\s+HashMap<.*?>\s*\(\)\s*\{\s*\{?\s*(.*?)\s*\}?\s*\}`, "s", true, reHashMap},
		{`^-?\d+n$`, "", false, reJSBigint},
		{`\[\s*\[.*?\]\s*(,\s*\[.*?\]\s*)*\]|\bnew\s+Array\(\s*\[.*?\]\s*(,\s*\[.*?\]\s*)*\)`, "", false, reJSArray2D},
		{`\[(.*?)\]|\bnew\s+Array\((.*?)\)`, "", false, reJSArray},
	}
	atoms := []string{"new", " ", "  ", "\n", "\t", "\u00a0", "\u3000", "ArrayList", "HashMap", "Array", "Arrays.asList", "<", ">", "<String>", "(", ")", "{", "}", "{{", "}}", "[", "]", "[]",
		",", ", ", ":", "'", `"`, "a", "id", "put", "add", "1", "23", "-", ".", "e", "E", "+", "f", "F", "l", "L", "n", "٣", "x", "true", ";", "int", "_"}
	r := rand.New(rand.NewPCG(3, 4))
	var inputs []string
	for range 4000 {
		var b strings.Builder
		for range 1 + r.IntN(14) {
			b.WriteString(atoms[r.IntN(len(atoms))])
		}
		inputs = append(inputs, b.String())
	}
	// Shapes a model writes.
	inputs = append(inputs, "12", "-3", "12\n", "4.5f", "4.5e3F", "1.5", "25L", "25l\n", "12n", "٣٤",
		`new ArrayList<String>(Arrays.asList("id", "total"))`, `new ArrayList<>() {{ add(1); add(2); }}`,
		`new int[]{10, 20}`, `new HashMap<String, Object>() {{ put("a", 1); put("b", "x"); }}`, `new HashMap<>()`,
		`[[1, 2], [3, 4]]`, `new Array([1], [2])`, `['a', 'b']`, `new Array(1, 2)`, `{a: 1, b: [1, 2], 'c': 'x, y', d: {e: 1}}`)
	type query struct {
		Pattern string   `json:"pattern"`
		Flags   string   `json:"flags"`
		Search  bool     `json:"search"`
		Inputs  []string `json:"inputs"`
	}
	var qs []query
	for _, p := range pats {
		qs = append(qs, query{p.py, p.flags, p.search, inputs})
	}
	var dictContents []string
	for _, s := range inputs {
		if !strings.Contains(s, "\n") {
			dictContents = append(dictContents, s)
		}
	}
	in, _ := json.Marshal(map[string]any{"queries": qs, "pairs": dictContents})
	cmd := exec.Command(py, "-c", `
import json, re, sys
q = json.load(sys.stdin)
out = {"matches": [], "pairs": []}
for x in q["queries"]:
    p = re.compile(x["pattern"], re.DOTALL if x["flags"] == "s" else 0)
    res = []
    for s in x["inputs"]:
        m = p.search(s) if x["search"] else p.match(s)
        res.append(None if m is None else [m.group(0)] + [g if g is not None else "" for g in m.groups()])
    out["matches"].append(res)
for s in q["pairs"]:
    out["pairs"].append([list(t) for t in re.findall(r"([^:]+):\s*(.*?)(?:,\s*(?=[^,]+:)|$)", s)])
sys.stdout.write(json.dumps(out))`)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var want struct {
		Matches [][][]string `json:"matches"`
		Pairs   [][][]string `json:"pairs"`
	}
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	bad := 0
	for i, p := range pats {
		for j, s := range inputs {
			got := p.re.FindStringSubmatch(s)
			w := want.Matches[i][j]
			if got != nil {
				// Python's $ may match before a final newline, which the
				// Go form takes into the match; the groups are the same.
				got = append([]string{strings.TrimSuffix(got[0], "\n")}, got[1:]...)
			}
			if w != nil {
				w = append([]string{strings.TrimSuffix(w[0], "\n")}, w[1:]...)
			}
			if !reflect.DeepEqual(got, w) && !(got == nil && w == nil) {
				if bad++; bad <= 20 {
					t.Errorf("%s on %q: Go %q, Python %q", p.py, s, got, w)
				}
			}
		}
	}
	for i, s := range dictContents {
		var got [][]string
		for _, kv := range jsPairs(s) {
			got = append(got, []string{kv[0], kv[1]})
		}
		w := want.Pairs[i]
		if len(got) == 0 && len(w) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, w) {
			if bad++; bad <= 20 {
				t.Errorf("jsPairs(%q) = %q, Python %q", s, got, w)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d differences from Python's re", bad)
	}
}

func TestPyNumbers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want string // pyRepr of the value
	}{
		{"12", "12"}, {" -7\n", "-7"}, {"1_000", "1000"}, {"+5", "5"}, {"٣٤", "34"},
		{"99999999999999999999", "99999999999999999999"}, {"1__0", "'1__0'"}, {"_1", "'_1'"},
		{"1.5", "1.5"}, {"1e3", "1000.0"}, {".5", "0.5"}, {"5.", "5.0"}, {"inf", "inf"}, {"-Infinity", "-inf"},
		{"1e999", "inf"}, {"0x10", "'0x10'"}, {"1.5f", "'1.5f'"}, {"abc", "'abc'"}, {"", "''"},
	} {
		v := intFloatOrString(tc.in)
		if got := pyRepr(&v); got != tc.want {
			t.Errorf("int/float(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// FuzzBFCLConvert fuzzes the Java and JavaScript converters: any string
// of any type converts without a panic, to a value or the string itself.
func FuzzBFCLConvert(f *testing.F) {
	for _, s := range []string{"25L", "new int[]{1, 2}", `new ArrayList<String>(Arrays.asList("a", "b"))`, `new HashMap<String, Object>() {{ put("a", 1); }}`,
		"[[1, 2], [3]]", "new Array('a', 2)", "{a: 1, 'b': [1, 2], c: {d: 2}}", "12n", "٣.٥f", "{:,:}", "'", `"`, ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, typ := range []string{"byte", "short", "integer", "long", "float", "double", "boolean", "char", "Array", "ArrayList", "HashMap", "String", "any"} {
			for _, nested := range []string{"", "String", "char", "integer", "long", "any", "Array"} {
				v := javaConvert(s, typ, nested)
				_ = pyRepr(&v)
			}
		}
		for _, typ := range []string{"String", "integer", "float", "Bigint", "Boolean", "dict", "array", "any"} {
			for _, nested := range []string{"", "String", "integer", "float", "dict", "array"} {
				v := jsConvert(s, typ, nested)
				_ = pyRepr(&v)
			}
		}
	})
}
