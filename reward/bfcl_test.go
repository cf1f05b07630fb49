package reward_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
	"github.com/google/go-cmp/cmp"
)

func loadBFCL(t testing.TB) map[string]*reward.BFCLEntry {
	t.Helper()
	return loadBFCLFiles(t, "testdata/bfcl/questions.jsonl", "testdata/bfcl/answers.jsonl")
}

// loadBFCLFiles loads a questions and an answers file, by entry id.
func loadBFCLFiles(t testing.TB, questions, answers string) map[string]*reward.BFCLEntry {
	t.Helper()
	q, err := os.Open(questions)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	a, err := os.Open(answers)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	entries, err := reward.LoadBFCL(q, a)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*reward.BFCLEntry{}
	for i := range entries {
		byID[entries[i].ID] = &entries[i]
	}
	return byID
}

func TestLoadBFCL(t *testing.T) {
	t.Parallel()
	byID := loadBFCL(t)
	if len(byID) != 13 {
		t.Fatalf("%d entries, want 13", len(byID))
	}
	cats := map[string]string{"simple_0": "simple", "multiple_0": "multiple", "parallel_multiple_0": "parallel_multiple",
		"irrelevance_0": "irrelevance", "live_simple_0-0-0": "live_simple"}
	for id, want := range cats {
		if got := byID[id].Category; got != want {
			t.Errorf("%s: category %q, want %q", id, got, want)
		}
	}
	// question forms: a string, a list of messages, a list of turns
	want := []dojo.Message{{Role: "user", Content: "What is the area of a circle of radius 5?"}}
	if diff := cmp.Diff(want, byID["simple_1"].Question); diff != "" {
		t.Errorf("string question (-want +got):\n%s", diff)
	}
	if got := byID["simple_2"].Question; len(got) != 1 || got[0].Role != "user" {
		t.Errorf("list question: %+v", got)
	}
	if len(byID["simple_1"].Functions) != 1 || byID["simple_1"].Functions[0].Name != "geometry.circle_area" {
		t.Errorf("single function object: %+v", byID["simple_1"].Functions)
	}
	tools := byID["simple_3"].Tools()
	var schema map[string]any
	if err := json.Unmarshal(tools[0].InputSchema, &schema); err != nil || schema["type"] != "object" {
		t.Errorf("Tools: schema %s (%v), want type object", tools[0].InputSchema, err)
	}
	if tools := byID["simple_1"].Tools(); !strings.Contains(string(tools[0].InputSchema), `"type":"number"`) {
		t.Errorf("Tools: float not mapped to number: %s", tools[0].InputSchema)
	}
}

func TestLoadBFCLErrors(t *testing.T) {
	t.Parallel()
	fn := `{"name": "f", "description": "", "parameters": {"type": "dict", "properties": {"x": {"type": "integer"}}, "required": ["x"]}}`
	q := func(id, f string) string {
		return fmt.Sprintf(`{"id": %q, "question": "q", "function": [%s]}`, id, f)
	}
	// Faults of the file refuse it.
	for _, tt := range []struct {
		name, questions, answers, want string
	}{
		{"bad question line", "{", "", "questions line 1: not a BFCL question"},
		{"no id", `{"question": "q", "function": []}`, "", `no "id"`},
		{"unscored category", q("exec_simple_0", fn), "", `category "exec_simple" is not scored by dojo: BFCL scores it by executing the calls`},
		{"multi-turn category", q("multi_turn_base_0", fn), "", `category "multi_turn_base" is not scored by dojo: BFCL scores it by running each turn's calls`},
		{"unknown category", q("poetry_0", fn), "", `category "poetry" is not a BFCL category dojo scores: want one of simple_python, simple_java`},
		{"duplicate id", q("simple_0", fn) + "\n" + q("simple_0", fn), "", `questions line 2: id "simple_0" repeats`},
		{"unknown answer id", q("simple_0", fn), `{"id": "simple_9", "ground_truth": [{"f": {"x": [1]}}]}`, `answers line 1: id "simple_9" is not in the questions file`},
		{"answer without id", q("simple_0", fn), `{"ground_truth": []}`, `answers line 1: no "id"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var answers io.Reader
			if tt.answers != "" {
				answers = strings.NewReader(tt.answers)
			}
			_, err := reward.LoadBFCL(strings.NewReader(tt.questions), answers)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// Faults of an entry are its problem: the file loads, and scoring the
	// entry reports the problem.
	for _, tt := range []struct {
		name, questions, answers, want string
	}{
		{"unknown type", q("simple_0", `{"name": "f", "parameters": {"properties": {"x": {"type": "complex"}}}}`), `{"id": "simple_0", "ground_truth": [{"f": {"x": [1]}}]}`, `parameter "x" has type "complex", which BFCL's checker cannot check`},
		{"Java type in a Python entry", q("simple_0", `{"name": "f", "parameters": {"properties": {"x": {"type": "HashMap"}}}}`), `{"id": "simple_0", "ground_truth": [{"f": {"x": [1]}}]}`, `parameter "x" has type "HashMap"`},
		{"Java Set", q("simple_java_0", `{"name": "f", "parameters": {"properties": {"x": {"type": "Set"}}}}`), `{"id": "simple_java_0", "ground_truth": [{"f": {"x": [1]}}]}`, `parameter "x" has type "Set", which BFCL's checker cannot check: want byte, short`},
		{"missing answer", q("simple_0", fn), "", `no answer in the answers file`},
		{"answer names another function", q("multiple_0", fn), `{"id": "multiple_0", "ground_truth": [{"g": {"x": [1]}}]}`, `answers line 1: the answer expects a call of "g", which the question does not offer (functions: f)`},
		{"allowed values not a list", q("simple_0", fn), `{"id": "simple_0", "ground_truth": [{"f": {"x": 1}}]}`, `parameter "x" has 1, not a list of allowed values`},
		{"no ground truth", q("simple_0", fn), `{"id": "simple_0"}`, `no "ground_truth" list`},
		{"function not a list", `{"id": "simple_0", "question": "q", "function": 3}`, `{"id": "simple_0", "ground_truth": [{"f": {"x": [1]}}]}`, `"function" is not a list`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var answers io.Reader
			if tt.answers != "" {
				answers = strings.NewReader(tt.answers)
			}
			entries, err := reward.LoadBFCL(strings.NewReader(tt.questions), answers)
			if err != nil {
				t.Fatalf("LoadBFCL refused the file: %v", err)
			}
			e := &entries[0]
			if !strings.Contains(e.Problem, tt.want) {
				t.Errorf("problem %q, want it to contain %q", e.Problem, tt.want)
			}
			r := reward.ScoreBFCL(e, calls("f", `{"x": 1}`))
			if r.OK || r.ErrorType != reward.BFCLBadEntry || !strings.Contains(r.Reason, tt.want) {
				t.Errorf("ScoreBFCL = %+v, want %s with the problem", r, reward.BFCLBadEntry)
			}
		})
	}
	// An answer naming a function the question does not offer is no
	// problem in a simple category: BFCL checks the first function.
	entries, err := reward.LoadBFCL(strings.NewReader(q("simple_0", fn)), strings.NewReader(`{"id": "simple_0", "ground_truth": [{"g": {"x": [1]}}]}`))
	if err != nil || entries[0].Problem != "" {
		t.Fatalf("simple entry whose answer names g: err %v, problem %q", err, entries[0].Problem)
	}
	if r := reward.ScoreBFCL(&entries[0], calls("f", `{"x": 1}`)); !r.OK {
		t.Errorf("simple entry whose answer names g: %+v, want ok", r)
	}
	// A required parameter that is no property is scored as BFCL does: no
	// call can pass.
	entries, err = reward.LoadBFCL(strings.NewReader(q("simple_0", `{"name": "f", "parameters": {"properties": {}, "required": ["y"]}}`)), strings.NewReader(`{"id": "simple_0", "ground_truth": [{"f": {"y": [1]}}]}`))
	if err != nil || entries[0].Problem != "" {
		t.Fatalf("required not a property: err %v, problem %q", err, entries[0].Problem)
	}
	if r := reward.ScoreBFCL(&entries[0], calls("f", `{"y": 1}`)); r.ErrorType != "simple_function_checker:unexpected_param" {
		t.Errorf("required not a property: %+v, want unexpected_param", r)
	}
}

// calls builds calls from "name args" pairs.
func calls(nameArgs ...string) []dojo.ToolCall {
	var out []dojo.ToolCall
	for i := 0; i < len(nameArgs); i += 2 {
		out = append(out, call(nameArgs[i], nameArgs[i+1]))
	}
	return out
}

func TestScoreBFCL(t *testing.T) {
	t.Parallel()
	byID := loadBFCL(t)
	tests := []struct {
		name    string
		id      string
		calls   []dojo.ToolCall
		reason  string // "" for a right answer; else a prefix of the reason
		errType string
	}{
		{"simple: optional left out", "simple_0", calls("calculate_triangle_area", `{"base": 10, "height": 5}`), "", ""},
		{"simple: string case-insensitive", "simple_0", calls("calculate_triangle_area", `{"base": 10, "height": 5, "unit": "Units"}`), "", ""},
		{"simple: string not allowed", "simple_0", calls("calculate_triangle_area", `{"base": 10, "height": 5, "unit": "cm"}`),
			"Invalid value for parameter 'unit': 'cm'. Expected one of ['units', '']. Case insensitive.", "value_error:string"},
		{"simple: missing required", "simple_0", calls("calculate_triangle_area", `{"base": 10}`),
			"Missing required parameter: 'height'.", "simple_function_checker:missing_required"},
		{"simple: float for integer", "simple_0", calls("calculate_triangle_area", `{"base": 10.0, "height": 5}`),
			"Incorrect type for parameter 'base'. Expected type integer, got float. Parameter value: 10.0.", "type_error:simple"},
		{"simple: bool for integer", "simple_0", calls("calculate_triangle_area", `{"base": true, "height": 5}`),
			"Incorrect type for parameter 'base'. Expected type integer, got bool. Parameter value: True.", "type_error:simple"},
		{"simple: unexpected parameter", "simple_0", calls("calculate_triangle_area", `{"base": 10, "height": 5, "color": "red"}`),
			"Unexpected parameter: 'color'.", "simple_function_checker:unexpected_param"},
		{"simple: wrong name", "simple_0", calls("triangle_area", `{"base": 10, "height": 5}`),
			"Function name 'calculate_triangle_area' not found in model output.", "simple_function_checker:wrong_func_name"},
		{"simple: two calls", "simple_0", calls("calculate_triangle_area", `{"base": 10, "height": 5}`, "calculate_triangle_area", `{"base": 10, "height": 5}`),
			"Wrong number of functions.", "simple_function_checker:wrong_count"},
		{"simple: no call", "simple_0", nil, "Wrong number of functions.", "simple_function_checker:wrong_count"},
		{"int accepted for float, dots as underscores", "simple_1", calls("geometry_circle_area", `{"radius": 5}`), "", ""},
		{"float: string rejected", "simple_1", calls("geometry_circle_area", `{"radius": "5"}`),
			"Incorrect type for parameter 'radius'. Expected type float, got str. Parameter value: '5'.", "type_error:simple"},
		{"float: other value", "simple_1", calls("geometry_circle_area", `{"radius": 5.5}`),
			"Invalid value for parameter 'radius': 5.5. Expected one of [5.0].", "value_error:others"},
		{"answer requires a doc-optional parameter", "simple_2", calls("find_flight", `{"city": "new-york city"}`),
			"Optional parameter 'date' not provided and not marked as optional.", "simple_function_checker:missing_optional"},
		{"strings standardized", "simple_2", calls("find_flight", `{"city": "NYC", "date": "April 1,2024"}`), "", ""},
		{"list equal", "simple_3", calls("sort_list", `{"items": [3, 1, 2], "order": "ASC"}`), "", ""},
		{"list in another order", "simple_3", calls("sort_list", `{"items": [1, 2, 3]}`),
			"Invalid value for parameter 'items': [1, 2, 3]. Expected one of [[3, 1, 2]].", "value_error:list/tuple"},
		{"list item of the wrong type", "simple_3", calls("sort_list", `{"items": [3, "1", 2]}`),
			"Nested type checking failed for parameter 'items'. Expected outer type array with inner type <class 'int'>. Parameter value: [3, '1', 2].", "type_error:nested"},
		{"dict with optional key left out", "simple_4", calls("book_hotel", `{"location": "paris", "details": {"rooms": 2}}`), "", ""},
		{"dict: unexpected key", "simple_4", calls("book_hotel", `{"location": "Paris", "details": {"rooms": 2, "pool": true}}`),
			"Unexpected dict key parameter: 'pool'.", "value_error:dict_key"},
		{"dict: wrong value", "simple_4", calls("book_hotel", `{"location": "Paris", "details": {"rooms": 3}}`),
			"Invalid value for parameter 'rooms': 3. Expected one of [2].", "value_error:dict_value"},
		{"dict: missing key", "simple_4", calls("book_hotel", `{"location": "Paris", "details": {"view": "sea"}}`),
			"Missing dict key parameter: 'rooms'.", "value_error:dict_key"},
		{"dict: string value standardized", "simple_4", calls("book_hotel", `{"location": "Paris", "details": {"rooms": 2, "view": "Sea View"}}`),
			"Invalid value for parameter 'view': 'Sea View'. Expected one of ['sea', ''].", "value_error:dict_value"},
		{"variable: same string", "simple_5", calls("compute", `{"x": "my_var"}`), "", ""},
		{"variable: compared exactly", "simple_5", calls("compute", `{"x": "My_Var"}`),
			"Invalid value for parameter 'x': 'My_Var'. Expected one of ['my_var'].", "value_error:others"},
		{"variable: a number", "simple_5", calls("compute", `{"x": 1.5}`),
			"Invalid value for parameter 'x': 1.5. Expected one of ['my_var'].", "value_error:others"},
		{"list of strings standardized", "simple_6", calls("tag_post", `{"tags": ["new york", "la"]}`), "", ""},
		{"list of strings, second allowed", "simple_6", calls("tag_post", `{"tags": ["nyc", "los-angeles"]}`), "", ""},
		{"list of strings in another order", "simple_6", calls("tag_post", `{"tags": ["los-angeles", "nyc"]}`),
			"Invalid value for parameter 'tags': ['los-angeles', 'nyc']. Expected one of [['New York', 'LA'], ['NYC', 'Los Angeles']].", "value_error:list/tuple"},
		{"list of dicts", "simple_7", calls("create_events", `{"events": [{"name": "Standup", "day": "Mon"}]}`), "", ""},
		{"list of dicts: count", "simple_7", calls("create_events", `{"events": [{"name": "standup", "day": "mon"}, {"name": "retro", "day": "fri"}]}`),
			"Wrong number of dictionaries in the list.", "value_error:list_dict_count"},
		{"list of dicts: missing key", "simple_7", calls("create_events", `{"events": [{"name": "standup"}]}`),
			"Missing dict key parameter: 'day'.", "value_error:dict_key"},
		{"multiple: right function", "multiple_0", calls("get_time", `{"tz": "utc"}`), "", ""},
		{"multiple: wrong function", "multiple_0", calls("get_weather", `{"city": "x"}`),
			"Function name 'get_time' not found in model output.", "simple_function_checker:wrong_func_name"},
		{"multiple: two calls", "multiple_0", calls("get_time", `{"tz": "utc"}`, "get_time", `{"tz": "utc"}`),
			"Wrong number of functions.", "multiple_function_checker:wrong_count"},
		{"parallel: any order", "parallel_0", calls("get_weather", `{"city": "Rome", "days": 1}`, "get_weather", `{"city": "paris"}`), "", ""},
		{"parallel: one matches twice", "parallel_0", calls("get_weather", `{"city": "Paris"}`, "get_weather", `{"city": "Paris"}`),
			"Could not find a matching function among index [1] of model output for index 1 of possible answers. (model result index 1: Invalid value for parameter 'city': 'Paris'. Expected one of ['Rome']. Case insensitive.)",
			"parallel_function_checker_no_order:cannot_find_match"},
		{"parallel: value only \"\" allowed", "parallel_0", calls("get_weather", `{"city": "Paris", "days": 1}`, "get_weather", `{"city": "Rome"}`),
			"Could not find a matching function among index [0, 1] of model output for index 0 of possible answers. (model result index 0: Invalid value for parameter 'days': 1. Expected one of [''].",
			"parallel_function_checker_no_order:cannot_find_match"},
		{"parallel: too few", "parallel_0", calls("get_weather", `{"city": "Paris"}`),
			"Wrong number of functions.", "parallel_function_checker_no_order:wrong_count"},
		{"parallel multiple: any order", "parallel_multiple_0", calls("mul", `{"a": 3, "b": 4}`, "add", `{"b": 2, "a": 1}`), "", ""},
		{"parallel multiple: swapped arguments", "parallel_multiple_0", calls("add", `{"a": 1, "b": 2}`, "mul", `{"a": 4, "b": 3}`),
			"Could not find a matching function among index [1] of model output for index 1 of possible answers.", "parallel_function_checker_no_order:cannot_find_match"},
		{"irrelevance: no call", "irrelevance_0", nil, "", ""},
		{"irrelevance: a call", "irrelevance_0", calls("get_weather", `{"city": "x"}`),
			"Valid syntax. Successfully decode AST when it should not.", "irrelevance_error:decoder_success"},
		{"live simple: boolean", "live_simple_0-0-0", calls("set_switch", `{"on": true}`), "", ""},
		{"live simple: 1 is not a boolean", "live_simple_0-0-0", calls("set_switch", `{"on": 1}`),
			"Incorrect type for parameter 'on'. Expected type boolean, got int. Parameter value: 1.", "type_error:simple"},
		{"arguments not an object", "live_simple_0-0-0", calls("set_switch", `[true]`),
			"Did not output in the specified format.", "ast_decoder:decoder_wrong_output_format"},
		{"arguments not JSON", "live_simple_0-0-0", calls("set_switch", `{"on": tru}`),
			"Invalid syntax. Failed to decode AST.", "ast_decoder:decoder_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := byID[tt.id]
			if e == nil {
				t.Fatalf("no entry %s", tt.id)
			}
			r := reward.ScoreBFCL(e, tt.calls)
			if r.OK != (tt.reason == "") || !strings.HasPrefix(r.Reason, tt.reason) || r.ErrorType != tt.errType {
				t.Errorf("ScoreBFCL = %+v,\nwant ok %v, reason starting %q, type %q", r, tt.reason == "", tt.reason, tt.errType)
			}
		})
	}
}

func TestScoreBFCLText(t *testing.T) {
	t.Parallel()
	byID := loadBFCL(t)
	tests := []struct {
		id, text string
		ok       bool
		errType  string
	}{
		{"simple_0", `<tool_call>{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5}}</tool_call>`, true, ""},
		{"simple_0", `<think>easy</think><tool_call>{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5</tool_call>`, false, "ast_decoder:decoder_failed"},
		{"parallel_0", "<tool_call>\n" + `{"name": "get_weather", "arguments": {"city": "Rome"}}` + "\n" + `{"name": "get_weather", "arguments": {"city": "Paris"}}` + "\n</tool_call>", true, ""},
		{"irrelevance_0", "I cannot tell jokes with these tools.", true, ""},
		{"irrelevance_0", "<tool_call>{broken</tool_call>", true, ""},
	}
	for _, tt := range tests {
		r := reward.ScoreBFCLText(byID[tt.id], tt.text)
		if r.OK != tt.ok || r.ErrorType != tt.errType {
			t.Errorf("%s: ScoreBFCLText(%q) = %+v, want ok %v type %q", tt.id, tt.text, r, tt.ok, tt.errType)
		}
	}
}

func ExampleScoreBFCL() {
	questions := `{"id": "simple_0", "question": "Area of a triangle of base 10 and height 5?", "function": [{"name": "triangle_area", "description": "Area.", "parameters": {"type": "dict", "properties": {"base": {"type": "integer"}, "height": {"type": "integer"}, "unit": {"type": "string"}}, "required": ["base", "height"]}}]}`
	answers := `{"id": "simple_0", "ground_truth": [{"triangle_area": {"base": [10], "height": [5], "unit": ["units", ""]}}]}`
	entries, err := reward.LoadBFCL(strings.NewReader(questions), strings.NewReader(answers))
	if err != nil {
		panic(err)
	}
	for _, args := range []string{`{"base": 10, "height": 5}`, `{"base": 10, "height": 5, "unit": "cm"}`} {
		r := reward.ScoreBFCL(&entries[0], []dojo.ToolCall{{Name: "triangle_area", Arguments: json.RawMessage(args)}})
		if r.OK {
			fmt.Println("ok")
		} else {
			fmt.Println("wrong:", r.Reason)
		}
	}
	// Output:
	// ok
	// wrong: Invalid value for parameter 'unit': 'cm'. Expected one of ['units', '']. Case insensitive.
}

// FuzzBFCL fuzzes the BFCL loader and checker with an answer line and the
// arguments of a call.
func FuzzBFCL(f *testing.F) {
	q := `{"id": "simple_0", "question": "q", "function": [{"name": "f", "parameters": {"type": "dict", "properties": {"a": {"type": "array", "items": {"type": "dict"}}, "d": {"type": "dict"}, "s": {"type": "string"}, "x": {"type": "float"}}, "required": []}}]}`
	f.Add(q, `{"id": "simple_0", "ground_truth": [{"f": {"a": [[{"k": [1, ""]}], ""], "d": [{"k": ["v"]}], "s": ["A b", ""], "x": [1.5, "var"]}}]}`, `{"a": [{"k": 1}], "d": {"k": "V"}, "s": "ab", "x": 1}`)
	f.Add(q, `{"id": "simple_0", "ground_truth": [{"f": {"a": ["xy"], "d": ["kk", {"k": "ab"}]}}]}`, `{"a": [{}, {"q": 1}], "d": {"k": "a"}}`)
	f.Add(strings.Replace(q, "simple_0", "parallel_0", 1), `{"id": "parallel_0", "ground_truth": [{"f": {"s": ["a"]}}, {"f": {"s": ["b"]}}]}`, `{"s": "b"}`)
	f.Fuzz(func(t *testing.T, questions, answer, args string) {
		entries, err := reward.LoadBFCL(strings.NewReader(questions), strings.NewReader(answer))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty error")
			}
			return
		}
		for i := range entries {
			for _, fn := range entries[i].Functions {
				r := reward.ScoreBFCL(&entries[i], []dojo.ToolCall{{Name: fn.Name, Arguments: json.RawMessage(args)}})
				if !r.OK && r.ErrorType == "" {
					t.Fatalf("a failure without an error type: %+v", r)
				}
			}
			entries[i].Tools()
		}
	})
}

func BenchmarkScoreBFCL(b *testing.B) {
	byID := loadBFCL(b)
	e := byID["parallel_0"]
	cs := calls("get_weather", `{"city": "Rome", "days": 1}`, "get_weather", `{"city": "paris"}`)
	b.ReportAllocs()
	for b.Loop() {
		if r := reward.ScoreBFCL(e, cs); !r.OK {
			b.Fatal(r)
		}
	}
}
