package reward_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

// The entries of testdata/bfcl/fidelity_*.jsonl have the shapes of real
// BFCL entries: simple_20 that of v3's simple_363 (its answer names
// find_closest, its function restaurant_search.find_closest), parallel_20
// that of parallel_0 (spotify.play), the relevance and irrelevance ones,
// and simple_java_20 and simple_javascript_20 those of BFCL's Java and
// JavaScript entries (values as strings in the language's syntax).
func loadFidelity(t *testing.T) map[string]*reward.BFCLEntry {
	t.Helper()
	return loadBFCLFiles(t, "testdata/bfcl/fidelity_questions.jsonl", "testdata/bfcl/fidelity_answers.jsonl")
}

type bfclCase struct {
	name     string
	id       string
	keepDots bool
	calls    []dojo.ToolCall
	errType  string // "" for a right answer
	reason   string // a prefix of the reason
}

func runBFCLCases(t *testing.T, byID map[string]*reward.BFCLEntry, cases []bfclCase) {
	t.Helper()
	for _, tt := range cases {
		e := byID[tt.id]
		if e == nil {
			t.Fatalf("%s: no entry %s", tt.name, tt.id)
		}
		r := reward.ScoreBFCLWith(e, tt.calls, reward.BFCLOptions{KeepDots: tt.keepDots})
		if r.OK != (tt.errType == "") || r.ErrorType != tt.errType || !strings.HasPrefix(r.Reason, tt.reason) {
			t.Errorf("%s: ScoreBFCLWith = %+v,\nwant ok %v, type %q, reason starting %q", tt.name, r, tt.errType == "", tt.errType, tt.reason)
		}
	}
}

func TestBFCLFidelity(t *testing.T) {
	t.Parallel()
	byID := loadFidelity(t)
	if p := byID["multiple_20"].Problem; !strings.Contains(p, `expects a call of "length.convert", which the question does not offer`) {
		t.Errorf("multiple_20's problem %q, want the unknown function named", p)
	}
	for id, e := range byID {
		if id != "multiple_20" && e.Problem != "" {
			t.Errorf("%s: problem %q", id, e.Problem)
		}
	}
	denver := `{"location": "Denver", "cuisine": "ramen", "amenities": ["Outdoor Seating"]}`
	runBFCLCases(t, byID, []bfclCase{
		// A simple entry's answer naming another function (simple_363).
		{"simple_363 shape, underscore_to_dot", "simple_20", false, calls("restaurant_search_find_closest", denver), "", ""},
		{"simple_363 shape, dotted name under underscore_to_dot", "simple_20", false, calls("restaurant_search.find_closest", denver),
			"simple_function_checker:wrong_func_name", "Function name 'restaurant_search_find_closest' not found in model output."},
		{"simple_363 shape, names as written", "simple_20", true, calls("restaurant_search.find_closest", denver), "", ""},
		{"simple_363 shape, underscores when names are kept", "simple_20", true, calls("restaurant_search_find_closest", denver),
			"simple_function_checker:wrong_func_name", "Function name 'restaurant_search.find_closest' not found in model output."},
		{"simple_363 shape, the answer's name", "simple_20", false, calls("find_closest", denver),
			"simple_function_checker:wrong_func_name", "Function name 'restaurant_search_find_closest' not found"},
		// Dotted names in a parallel answer (parallel_0's spotify.play).
		{"parallel, underscores", "parallel_20", false, calls("radio_play", `{"artist": "Miles Davis", "duration": 25}`, "radio_play", `{"artist": "Nina Simone", "duration": 10}`), "", ""},
		{"parallel, dots kept", "parallel_20", true, calls("radio.play", `{"artist": "Nina Simone", "duration": 10}`, "radio.play", `{"artist": "Miles Davis", "duration": 25}`), "", ""},
		{"parallel, both spellings under underscore_to_dot", "parallel_20", false, calls("radio.play", `{"artist": "Nina Simone", "duration": 10}`, "radio_play", `{"artist": "Miles Davis", "duration": 25}`),
			"parallel_function_checker_no_order:cannot_find_match", "Could not find a matching function among index [0, 1] of model output for index 0 of possible answers. (model result index 0: Function name 'radio_play' not found in model output.; model result index 1: Invalid value for parameter 'artist'"},
		{"parallel, both spellings with names kept", "parallel_20", true, calls("radio.play", `{"artist": "Nina Simone", "duration": 10}`, "radio_play", `{"artist": "Miles Davis", "duration": 25}`),
			"parallel_function_checker_no_order:cannot_find_match", "Could not find a matching function among index [1] of model output for index 1 of possible answers. (model result index 1: Function name 'radio.play' not found in model output.)"},
		// Python's lower-casing in string comparisons.
		{"İSTANBUL is not Istanbul", "simple_python_20", false, calls("get_weather", `{"city": "İSTANBUL"}`),
			"value_error:string", "Invalid value for parameter 'city': 'İSTANBUL'. Expected one of ['Istanbul']. Case insensitive."},
		{"ISTANBUL is Istanbul", "simple_python_20", false, calls("get_weather", `{"city": "ISTANBUL"}`), "", ""},
		{"ΟΔΟΣ is Οδος (final sigma)", "simple_python_20", false, calls("get_weather", `{"city": "Istanbul", "street": "ΟΔΟΣ"}`), "", ""},
		{"ΟΔΟΣ Α is not Οδος Α (sigma not final once spaces go)", "simple_python_20", false, calls("get_weather", `{"city": "Istanbul", "street": "ΟΔΟΣ Α"}`),
			"value_error:string", "Invalid value for parameter 'street': 'ΟΔΟΣ Α'. Expected one of ['Οδος', '']."},
		// Arguments BFCL's decoder cannot read, in an AST category.
		{"empty arguments", "simple_python_20", false, calls("get_weather", ``),
			"ast_decoder:decoder_failed", "Invalid syntax. Failed to decode AST. Expecting value: line 1 column 1 (char 0)"},
		{"white-space arguments", "simple_python_20", false, calls("get_weather", "  \n "),
			"ast_decoder:decoder_failed", "Invalid syntax. Failed to decode AST. Expecting value: line 2 column 2 (char 4)"},
		{"null arguments", "simple_python_20", false, calls("get_weather", `null`),
			"ast_decoder:decoder_wrong_output_format", "Did not output in the specified format. Note: the model_result is wrapped in a string to ensure json serializability."},
		{"list arguments", "simple_python_20", false, calls("get_weather", `[1, 2]`),
			"ast_decoder:decoder_wrong_output_format", "Did not output in the specified format."},
		{"string arguments", "simple_python_20", false, calls("get_weather", `"Istanbul"`),
			"ast_decoder:decoder_wrong_output_format", "Did not output in the specified format."},
		// Relevance and irrelevance: undecodable arguments are no call.
		{"irrelevance, empty arguments", "irrelevance_20", false, calls("calc_area_of_circle", ``), "", ""},
		{"irrelevance, white space", "irrelevance_20", false, calls("calc_area_of_circle", ` `), "", ""},
		{"irrelevance, null", "irrelevance_20", false, calls("calc_area_of_circle", `null`), "", ""},
		{"irrelevance, a list", "irrelevance_20", false, calls("calc_area_of_circle", `[1, 2]`), "", ""},
		{"irrelevance, one good call and one null", "irrelevance_20", false, calls("calc_area_of_circle", `{"radius": 1}`, "calc_area_of_circle", `null`), "", ""},
		{"irrelevance, a call", "irrelevance_20", false, calls("calc_area_of_circle", `{"radius": 1}`),
			"irrelevance_error:decoder_success", "Valid syntax. Successfully decode AST when it should not."},
		{"irrelevance, a call with empty object", "irrelevance_20", false, calls("calc_area_of_circle", `{}`),
			"irrelevance_error:decoder_success", ""},
		{"live irrelevance, null", "live_irrelevance_20-1-0", false, calls("get_stock_price", `null`), "", ""},
		{"live irrelevance, no call", "live_irrelevance_20-1-0", false, nil, "", ""},
		{"relevance, a call", "live_relevance_20-2-0", false, calls("search_engine_query", `{"prompt": "red pandas"}`), "", ""},
		{"relevance, any function name", "live_relevance_20-2-0", false, calls("anything", `{}`), "", ""},
		{"relevance, empty arguments", "live_relevance_20-2-0", false, calls("search_engine_query", ``),
			"relevance_error:decoder_failed", "Invalid syntax. Failed to decode AST when it should have. Expecting value: line 1 column 1 (char 0)"},
		{"relevance, null", "live_relevance_20-2-0", false, calls("search_engine_query", `null`),
			"relevance_error:decoder_failed", "Invalid syntax. Failed to decode AST when it should have. None"},
		{"relevance, a list", "live_relevance_20-2-0", false, calls("search_engine_query", `[1, 2]`), "relevance_error:decoder_failed", ""},
		{"relevance, no call", "live_relevance_20-2-0", false, nil, "relevance_error:decoder_failed", "Invalid syntax. Failed to decode AST when it should have. None"},
		{"relevance, arguments not JSON", "live_relevance_20-2-0", false, calls("search_engine_query", `{"prompt": `),
			"relevance_error:decoder_failed", "Invalid syntax. Failed to decode AST when it should have. The arguments of call 1 (search_engine_query) are not JSON: "},
		// A multiple entry whose answer names no offered function.
		{"bad entry", "multiple_20", false, calls("convert_length", `{"value": 3.0, "unit": "km"}`),
			reward.BFCLBadEntry, "entry multiple_20 cannot be scored: answers line 4: the answer expects a call of \"length.convert\""},
	})
}

func TestBFCLJava(t *testing.T) {
	t.Parallel()
	byID := loadFidelity(t)
	good := map[string]string{
		"table": "Orders", "useShortName": "true", "limit": "25L",
		"params":  `new HashMap<String, Object>() {{ put("mode", "fast"); put("depth", 2); }}`,
		"columns": `new ArrayList<String>(Arrays.asList("id", "total"))`,
		"widths":  "new int[]{10, 20}", "scale": "1.5",
	}
	with := func(k, v string) []dojo.ToolCall {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		if v == "-" {
			delete(m, k)
		} else if k != "" {
			var raw any
			if err := json.Unmarshal([]byte(v), &raw); err != nil {
				t.Fatalf("%s: %v", v, err)
			}
			m[k] = raw // a string, or another JSON value
		}
		b, _ := json.Marshal(m)
		return calls("ReportBuilder_build", string(b))
	}
	runBFCLCases(t, byID, []bfclCase{
		{"all converted", "simple_java_20", false, with("", ""), "", ""},
		{"ArrayList by add", "simple_java_20", false, with("columns", `"new ArrayList<String>() {{ add(\"id\"); add(\"total\"); }}"`), "", ""},
		{"empty HashMap fails its keys", "simple_java_20", false, with("params", `"new HashMap<>()"`), "value_error:dict_key", "Missing dict key parameter: 'mode'."},
		{"optional left out", "simple_java_20", false, with("scale", "-"), "", ""},
		{"a JSON boolean, not a string", "simple_java_20", false, with("useShortName", "true"),
			"type_error:java", "Incorrect type for parameter 'useShortName'. Expected type String, got bool. Parameter value: True."},
		{"long without L stays a string", "simple_java_20", false, with("limit", `"25"`),
			"type_error:simple", "Incorrect type for parameter 'limit'. Expected type long, got str. Parameter value: '25'."},
		{"boolean not true or false", "simple_java_20", false, with("useShortName", `"yes"`),
			"type_error:simple", "Incorrect type for parameter 'useShortName'. Expected type boolean, got str. Parameter value: 'yes'."},
		{"array value", "simple_java_20", false, with("widths", `"new int[]{10, 30}"`),
			"value_error:list/tuple", "Invalid value for parameter 'widths': [10, 30]. Expected one of [[10, 20], '']."},
		{"double", "simple_java_20", false, with("scale", `"1.50"`), "", ""},
		{"double in Java float syntax", "simple_java_20", false, with("scale", `"1.5f"`),
			"type_error:simple", "Incorrect type for parameter 'scale'. Expected type double, got str."},
		{"any is compared as a string", "simple_java_20", false, with("table", `"orders"`), "", ""},
	})
	tools := byID["simple_java_20"].Tools()
	if tools[0].Name != "ReportBuilder_build" || !strings.Contains(string(tools[0].InputSchema), `"limit":{"description":"The row limit. This is Java long type parameter in string representation.","type":"string"}`) {
		t.Errorf("Java tool: %s %s", tools[0].Name, tools[0].InputSchema)
	}
	if tools := byID["simple_java_20"].ToolsWith(reward.BFCLOptions{KeepDots: true}); tools[0].Name != "ReportBuilder.build" {
		t.Errorf("Java tool with names kept: %s", tools[0].Name)
	}
}

func TestBFCLJavaScript(t *testing.T) {
	t.Parallel()
	byID := loadFidelity(t)
	args := func(extra string) string {
		return `{"list": "items", "tags": "['new', 'sale']"` + extra + `}`
	}
	runBFCLCases(t, byID, []bfclCase{
		{"required only", "simple_javascript_20", false, calls("filterItems", args("")), "", ""},
		{"all converted", "simple_javascript_20", false, calls("filterItems", args(`, "threshold": "0.5", "strict": "true", "options": "{limit: 5}", "name": "'x'", "big": "12n"`)), "", ""},
		{"double quotes and new Array", "simple_javascript_20", false, calls("filterItems", `{"list": "items", "tags": "new Array(\"new\", \"sale\")"}`), "", ""},
		{"a JSON number, not a string", "simple_javascript_20", false, calls("filterItems", args(`, "threshold": 0.5`)),
			"type_error:js", "Incorrect type for parameter 'threshold'. Expected type String, got float. Parameter value: 0.5."},
		{"array order", "simple_javascript_20", false, calls("filterItems", `{"list": "items", "tags": "['sale', 'new']"}`),
			"value_error:list/tuple", "Invalid value for parameter 'tags': ['sale', 'new']. Expected one of [['new', 'sale']]."},
		{"dict value", "simple_javascript_20", false, calls("filterItems", args(`, "options": "{limit: 6}"`)),
			"value_error:dict_value", "Invalid value for parameter 'limit': 6. Expected one of [5]."},
		{"float the regular expression refuses", "simple_javascript_20", false, calls("filterItems", args(`, "threshold": ".5"`)),
			"type_error:simple", "Incorrect type for parameter 'threshold'. Expected type float, got str. Parameter value: '.5'."},
		{"Bigint without n", "simple_javascript_20", false, calls("filterItems", args(`, "big": "12"`)),
			"type_error:simple", "Incorrect type for parameter 'big'. Expected type Bigint, got str."},
	})
}

// bfclData is the real BFCL data folder, or "" (the test skips).
func bfclData(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "data", "bfcl")
	if _, err := os.Stat(filepath.Join(dir, "v4", "BFCL_v4_simple_python.json")); err != nil {
		t.Skipf("BFCL's data is not at %s (../shared/data/bfcl from the project root): %v", dir, err)
	}
	return dir
}

func loadBFCLFile(t *testing.T, dir, version, name string) []reward.BFCLEntry {
	t.Helper()
	q, err := os.Open(filepath.Join(dir, version, name))
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	var entries []reward.BFCLEntry
	if a, err := os.Open(filepath.Join(dir, version, "possible_answer", name)); err == nil {
		defer a.Close()
		entries, err = reward.LoadBFCL(q, a)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	} else {
		entries, err = reward.LoadBFCL(q, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return entries
}

// TestBFCLRealData loads every file of BFCL v4's AST categories and v3's
// simple category as published: every entry loads without a problem, and
// for the Python categories a call made of each expected call's first
// allowed values passes, under either underscore_to_dot setting, with the
// name that setting expects.
func TestBFCLRealData(t *testing.T) {
	t.Parallel()
	dir := bfclData(t)
	files := map[string]int{
		"v4/BFCL_v4_simple_python.json": 400, "v4/BFCL_v4_simple_java.json": 100, "v4/BFCL_v4_simple_javascript.json": 50,
		"v4/BFCL_v4_multiple.json": 200, "v4/BFCL_v4_parallel.json": 200, "v4/BFCL_v4_parallel_multiple.json": 200,
		"v4/BFCL_v4_irrelevance.json": 240, "v4/BFCL_v4_live_simple.json": 258, "v4/BFCL_v4_live_multiple.json": 1053,
		"v4/BFCL_v4_live_parallel.json": 16, "v4/BFCL_v4_live_parallel_multiple.json": 24,
		"v4/BFCL_v4_live_irrelevance.json": 884, "v4/BFCL_v4_live_relevance.json": 16,
		"v3/BFCL_v3_simple.json": 400,
	}
	for path, n := range files {
		version, name := filepath.Split(path)
		entries := loadBFCLFile(t, dir, filepath.Clean(version), name)
		if len(entries) != n {
			t.Errorf("%s: %d entries, want %d", path, len(entries), n)
		}
		passed := 0
		for i := range entries {
			e := &entries[i]
			if e.Problem != "" {
				t.Errorf("%s: %s: %s", path, e.ID, e.Problem)
				continue
			}
			if strings.Contains(e.Category, "relevance") {
				continue
			}
			if strings.Contains(e.Category, "java") {
				// Java and JavaScript values are strings in the
				// language's syntax: entries whose answers are scalars
				// are written so and must pass.
				if gold, ok := languageGold(t, e); ok {
					if r := reward.ScoreBFCL(e, gold); !r.OK {
						t.Errorf("%s: %s: the answer's own values in the language's syntax fail: %+v (calls %s)", path, e.ID, r, gold[0].Arguments)
					} else {
						passed++
					}
				}
				continue
			}
			for _, keep := range []bool{false, true} {
				gold := goldCalls(t, e, keep)
				r := reward.ScoreBFCLWith(e, gold, reward.BFCLOptions{KeepDots: keep})
				switch {
				case r.OK:
					passed++
				case knownGoldFailures[e.ID] != "" && strings.Contains(r.Reason, knownGoldFailures[e.ID]):
					// The answer disagrees with the function's schema,
					// so BFCL fails these values too.
				default:
					t.Errorf("%s: %s (keep dots %v): the answer's own values fail: %+v", path, e.ID, keep, r)
				}
			}
		}
		t.Logf("%s: %d entries, %d gold calls pass", path, len(entries), passed)
	}
	// v3's simple_363: its answer names find_closest; BFCL checks the
	// call against restaurant_search.find_closest.
	for _, e := range loadBFCLFile(t, dir, "v3", "BFCL_v3_simple.json") {
		if e.ID != "simple_363" {
			continue
		}
		r := reward.ScoreBFCL(&e, calls("restaurant_search_find_closest", `{"location": "Boston, MA", "cuisine": "Sushi", "amenities": ["Patio"]}`))
		if !r.OK {
			t.Errorf("simple_363: %+v, want ok", r)
		}
	}
}

// firstAllowed is the first allowed value but "", with a dict's values
// (lists of allowed values) chosen likewise.
func firstAllowed(allowed []json.RawMessage) (any, bool) {
	for _, raw := range allowed {
		if string(raw) == `""` {
			continue
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber() // 1.0 stays 1.0
		d.Decode(&v)
		return goldValue(v), true
	}
	return nil, false
}

func goldValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			list, ok := x.([]any)
			if !ok {
				continue
			}
			for _, a := range list {
				if a != "" {
					out[k] = a
					break
				}
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			if m, ok := x.(map[string]any); ok {
				out[i] = goldValue(m)
			} else {
				out[i] = x
			}
		}
		return out
	}
	return v
}

// languageGold writes a Java or JavaScript entry's answer (its first
// allowed values) in the language's syntax, for entries whose answer
// values are scalars of the parameter's type.
func languageGold(t *testing.T, e *reward.BFCLEntry) ([]dojo.ToolCall, bool) {
	t.Helper()
	var answer []map[string]map[string][]json.RawMessage
	if err := json.Unmarshal(e.Answer, &answer); err != nil {
		t.Fatalf("%s: answer %s: %v", e.ID, e.Answer, err)
	}
	var params struct {
		Properties map[string]struct {
			Type string `json:"type"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(e.Functions[0].Parameters, &params); err != nil {
		t.Fatal(err)
	}
	java := !strings.Contains(e.Category, "javascript")
	args := map[string]string{}
	for _, allowed := range answer[0] {
		for p, vals := range allowed {
			var raw json.RawMessage
			for _, v := range vals {
				if string(v) != `""` {
					raw = v
					break
				}
			}
			if raw == nil {
				continue
			}
			var v any
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			d.Decode(&v)
			lit, ok := literal(java, params.Properties[p].Type, v)
			if !ok {
				return nil, false
			}
			args[p] = lit
		}
	}
	b, _ := json.Marshal(args)
	return []dojo.ToolCall{{Name: strings.ReplaceAll(e.Functions[0].Name, ".", "_"), Arguments: b}}, true
}

// literal writes a scalar answer value of a parameter's type in Java or
// JavaScript.
func literal(java bool, typ string, v any) (string, bool) {
	switch v := v.(type) {
	case string:
		if typ == "any" || typ == "String" || typ == "char" {
			return v, true
		}
	case bool:
		if typ == "boolean" || typ == "Boolean" {
			return strconv.FormatBool(v), true
		}
	case json.Number:
		n := string(v)
		isInt := !strings.ContainsAny(n, ".eE")
		switch {
		case isInt && (typ == "integer" || typ == "short" || typ == "byte"):
			return n, true
		case isInt && typ == "long" && java:
			return n + "L", true
		case isInt && typ == "Bigint" && !java:
			return n + "n", true
		case !isInt && typ == "double" && java:
			return n, true
		case !isInt && typ == "float" && java:
			return n + "f", true
		case !isInt && typ == "float" && !java && !strings.ContainsAny(n, "eE"):
			return n, true
		}
	}
	return "", false
}

// goldCalls makes the calls an entry's answer describes: each expected
// call with each parameter's first allowed value ("" values left out).
func goldCalls(t *testing.T, e *reward.BFCLEntry, keepDots bool) []dojo.ToolCall {
	t.Helper()
	var answer []map[string]map[string][]json.RawMessage
	if err := json.Unmarshal(e.Answer, &answer); err != nil {
		t.Fatalf("%s: answer %s: %v", e.ID, e.Answer, err)
	}
	var out []dojo.ToolCall
	for i, c := range answer {
		for name, params := range c {
			if strings.HasPrefix(e.Category, "simple") || e.Category == "live_simple" {
				name = e.Functions[0].Name // BFCL ignores a simple answer's name
			}
			if !keepDots {
				name = strings.ReplaceAll(name, ".", "_")
			}
			args := map[string]any{}
			for p, allowed := range params {
				if v, ok := firstAllowed(allowed); ok {
					args[p] = v
				}
			}
			b, _ := json.Marshal(args)
			out = append(out, dojo.ToolCall{ID: "call_" + string(rune('0'+i)), Name: name, Arguments: b})
		}
	}
	return out
}

// knownGoldFailures are the real entries whose answer disagrees with its
// function's schema (a required parameter the answer leaves out, a
// parameter the function does not have), so that the answer's own values
// fail BFCL's checker as they fail dojo's; the value is the reason's part
// that says why.
var knownGoldFailures = map[string]string{
	"live_simple_106-63-0":    "Missing required parameter: 'auto_loan_payment_start'.", // allowed values []
	"live_simple_112-68-0":    "Missing required parameter: 'acc_routing_start'.",       // allowed values []
	"live_multiple_507-149-4": "Missing required parameter: 'origin_airport'.",          // allowed values [""]
	"live_multiple_964-207-0": "Missing required parameter: 'statement'.",               // the answer gives "question"
	"live_multiple_862-181-3": "Unexpected parameter: 'journey_start_time'.",
	"parallel_multiple_12":    "Unexpected parameter: 'permeability'.",
	"parallel_multiple_26":    "Unexpected parameter: 'type'.",
}
