package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// dojoStdin runs the built binary with args and stdin.
func dojoStdin(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return runDojo(t, "", strings.NewReader(stdin), args...)
}

func TestRewardListsScorers(t *testing.T) {
	t.Parallel()
	r := dojoCmd(t, "", "reward")
	if r.code != 0 || !strings.Contains(r.stdout, "toolrl") || !strings.Contains(r.stdout, "bfcl") {
		t.Errorf("dojo reward: exit %d, stdout %q, want 0 and the scorers toolrl and bfcl", r.code, r.stdout)
	}
	r = dojoCmd(t, "", "reward", "nope")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown scorer "nope" (scorers: toolrl, bfcl`) {
		t.Errorf("dojo reward nope: exit %d, stderr %q, want 2 naming the scorers", r.code, r.stderr)
	}
}

func toolRLLine(t *testing.T, gold, response string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"gold": gold, "response": response})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRewardToolRL(t *testing.T) {
	t.Parallel()
	gold := "<think>Weather.</think>\n<tool_call>\n" + `{"name": "get_weather", "parameters": {"city": "Paris", "unit": "c"}}` + "\n</tool_call>"
	right := "<think>I call it.</think>\n<tool_call>\n" + `{"name": "get_weather", "parameters": {"city": "Paris", "unit": "c"}}` + "\n</tool_call>"
	wrongUnit := "<think>I call it.</think>\n<tool_call>\n" + `{"name": "get_weather", "parameters": {"city": "Paris", "unit": "f"}}` + "\n</tool_call>"
	in := strings.Join([]string{
		toolRLLine(t, gold, right),
		`{"gold": "x"`,
		toolRLLine(t, gold, wrongUnit),
		`{"gold": "<think>a</think>"}`,
		toolRLLine(t, "<tool_call>\n{bad}\n</tool_call>", right),
		toolRLLine(t, gold, "no calls at all"),
	}, "\n") + "\n"
	r := dojoStdin(t, in, "reward", "toolrl")
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (some lines failed); stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "3 of 6 lines could not be scored") {
		t.Errorf("stderr %q does not count the failed lines", r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	want := []string{
		`{"reward":4,"parts":{"format":1,"correctness":3}}`,
		`{"error":"line 2: not a JSON object`,
		`{"reward":2.5,"parts":{"format":1,"correctness":1.5}}`,
		`{"error":"line 4: want both \"gold\" (the ToolRL ground truth) and \"response\"`,
		`{"error":"line 5: ground truth: line 1 of the <tool_call> block is not JSON`,
		`{"reward":-3,"parts":{"format":0,"correctness":-3}}`,
	}
	if len(lines) != len(want) {
		t.Fatalf("%d output lines, want %d:\n%s", len(lines), len(want), r.stdout)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %s, want it to start with %s", i+1, lines[i], want[i])
		}
	}
	// All good: exit 0.
	r = dojoStdin(t, toolRLLine(t, gold, right)+"\n", "reward", "toolrl")
	if r.code != 0 || r.stdout != `{"reward":4,"parts":{"format":1,"correctness":3}}`+"\n" {
		t.Errorf("one good line: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestRewardBFCL(t *testing.T) {
	t.Parallel()
	data := filepath.Join("..", "..", "reward", "testdata", "bfcl")
	q, err := filepath.Abs(filepath.Join(data, "questions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := filepath.Abs(filepath.Join(data, "answers.jsonl"))
	in := strings.Join([]string{
		`{"id": "simple_0", "response": "<tool_call>{\"name\": \"calculate_triangle_area\", \"arguments\": {\"base\": 10, \"height\": 5}}</tool_call>"}`,
		`{"id": "simple_0", "tool_calls": [{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5, "unit": "cm"}}]}`,
		`{"id": "parallel_0", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Rome\"}"}}, {"name": "get_weather", "arguments": {"city": "Paris"}}]}`,
		`{"id": "nope_3", "response": ""}`,
		`not json`,
		`{"id": "irrelevance_0", "response": "I can only tell the weather."}`,
	}, "\n") + "\n"
	r := dojoStdin(t, in, "reward", "bfcl", "--questions", q, "--answers", a)
	// dojo verify --bfcl is the same scorer.
	if v := dojoStdin(t, in, "verify", "--bfcl", q, "--answers", a); v.stdout != r.stdout || v.code != r.code {
		t.Errorf("dojo verify --bfcl differs from dojo reward bfcl:\n%s\n%s", v.stdout, r.stdout)
	}
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (two lines failed); stderr %q", r.code, r.stderr)
	}
	var got []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %q is not JSON: %v", l, err)
		}
		// The JSON decoder's own words after the colon are not ours to pin.
		if e, ok := m["error"].(string); ok {
			if i := strings.Index(e, "}: "); i >= 0 {
				m["error"] = e[:i+1]
			}
		}
		got = append(got, m)
	}
	want := []map[string]any{
		{"id": "simple_0", "ok": true},
		{"id": "simple_0", "ok": false, "reason": "Invalid value for parameter 'unit': 'cm'. Expected one of ['units', '']. Case insensitive.", "error_type": "value_error:string"},
		{"id": "parallel_0", "ok": true},
		{"error": `line 4: id "nope_3" is not in the questions file`},
		{"error": `line 5: not a response {"id", "response": text} or {"id", "tool_calls": [...]}`},
		{"id": "irrelevance_0", "ok": true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	for _, s := range []string{"6 responses, 4 scored, 3 correct (accuracy 0.7500), 2 failed; 10 of 13 entries unanswered", "simple", "1/2 (0.5000)"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr %q does not contain %q", r.stderr, s)
		}
	}
}

func TestRewardBFCLUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"reward", "bfcl"}, "reward bfcl needs --questions FILE"},
		{[]string{"reward", "bfcl", "--questions", "nope.jsonl"}, "--questions: open nope.jsonl"},
		{[]string{"reward", "bfcl", "x"}, "reward bfcl takes no arguments"},
		{[]string{"reward", "toolrl", "x"}, "reward toolrl takes no arguments"},
	} {
		r := dojoStdin(t, "", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("dojo %v: exit %d, stderr %q, want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

// TestRewardBFCLFidelity runs dojo reward bfcl and dojo verify --bfcl on
// entries of real BFCL shapes: both underscore_to_dot settings, a bad
// entry reported in place, undecodable arguments in relevance entries.
func TestRewardBFCLFidelity(t *testing.T) {
	t.Parallel()
	data := filepath.Join("..", "..", "reward", "testdata", "bfcl")
	q, err := filepath.Abs(filepath.Join(data, "fidelity_questions.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := filepath.Abs(filepath.Join(data, "fidelity_answers.jsonl"))
	in := strings.Join([]string{
		`{"id": "parallel_20", "tool_calls": [{"name": "radio.play", "arguments": "{\"artist\": \"Nina Simone\", \"duration\": 10}"}, {"name": "radio_play", "arguments": "{\"artist\": \"Miles Davis\", \"duration\": 25}"}]}`,
		`{"id": "parallel_20", "tool_calls": [{"name": "radio_play", "arguments": "{\"artist\": \"Nina Simone\", \"duration\": 10}"}, {"name": "radio_play", "arguments": "{\"artist\": \"Miles Davis\", \"duration\": 25}"}]}`,
		`{"id": "parallel_20", "tool_calls": [{"name": "radio.play", "arguments": "{\"artist\": \"Nina Simone\", \"duration\": 10}"}, {"name": "radio.play", "arguments": "{\"artist\": \"Miles Davis\", \"duration\": 25}"}]}`,
		`{"id": "multiple_20", "tool_calls": [{"name": "convert_length", "arguments": {"value": 3.0, "unit": "km"}}]}`,
		`{"id": "irrelevance_20", "tool_calls": [{"name": "calc_area_of_circle", "arguments": "null"}]}`,
		`{"id": "live_relevance_20-2-0", "tool_calls": [{"name": "search_engine_query", "arguments": ""}]}`,
		`{"id": "simple_python_20", "tool_calls": [{"name": "get_weather", "arguments": {"city": "İSTANBUL"}}]}`,
	}, "\n") + "\n"
	type line struct {
		ID        string `json:"id"`
		OK        bool   `json:"ok"`
		ErrorType string `json:"error_type"`
	}
	verdicts := func(r result) []line {
		var out []line
		for _, l := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
			var v line
			if err := json.Unmarshal([]byte(l), &v); err != nil {
				t.Fatalf("output line %q: %v", l, err)
			}
			out = append(out, v)
		}
		return out
	}
	for _, tc := range []struct {
		flag string
		want []line
	}{
		{"", []line{
			{"parallel_20", false, "parallel_function_checker_no_order:cannot_find_match"},
			{"parallel_20", true, ""},
			{"parallel_20", false, "parallel_function_checker_no_order:cannot_find_match"},
			{"multiple_20", false, "dojo:bad_entry"},
			{"irrelevance_20", true, ""},
			{"live_relevance_20-2-0", false, "relevance_error:decoder_failed"},
			{"simple_python_20", false, "value_error:string"},
		}},
		{"--underscore-to-dot=false", []line{
			{"parallel_20", false, "parallel_function_checker_no_order:cannot_find_match"},
			{"parallel_20", false, "parallel_function_checker_no_order:cannot_find_match"},
			{"parallel_20", true, ""},
			{"multiple_20", false, "dojo:bad_entry"},
			{"irrelevance_20", true, ""},
			{"live_relevance_20-2-0", false, "relevance_error:decoder_failed"},
			{"simple_python_20", false, "value_error:string"},
		}},
	} {
		args := []string{"reward", "bfcl", "--questions", q, "--answers", a}
		vargs := []string{"verify", "--bfcl", q, "--answers", a}
		if tc.flag != "" {
			args, vargs = append(args, tc.flag), append(vargs, tc.flag)
		}
		r := dojoStdin(t, in, args...)
		if r.code != 0 {
			t.Fatalf("dojo %v: exit %d, stderr %s", args, r.code, r.stderr)
		}
		if diff := cmp.Diff(tc.want, verdicts(r)); diff != "" {
			t.Errorf("dojo %v (-want +got):\n%s", args, diff)
		}
		for _, s := range []string{
			"entry multiple_20 cannot be scored (its responses are reported, not scored): answers line 4: the answer expects a call of \"length.convert\"",
			"7 responses, 6 scored",
			"1 entries cannot be scored (multiple_20): 1 responses to them not scored",
		} {
			if !strings.Contains(r.stderr, s) {
				t.Errorf("dojo %v: stderr %q lacks %q", args, r.stderr, s)
			}
		}
		if v := dojoStdin(t, in, vargs...); v.stdout != r.stdout || v.code != r.code {
			t.Errorf("dojo %v differs from dojo %v:\n%s\n%s", vargs, args, v.stdout, r.stdout)
		}
	}
	if r := dojoStdin(t, "", "verify", "--tasks", "t.jsonl", "--responses", "r.jsonl", "--underscore-to-dot=false"); r.code != 2 || !strings.Contains(r.stderr, "--underscore-to-dot is for --bfcl") {
		t.Errorf("verify --underscore-to-dot without --bfcl: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestRewardBFCLRealFiles scores BFCL's published v4 simple_python and v3
// simple files with the answers' own calls for a few entries (v3's
// simple_363 among them): both load as published.
func TestRewardBFCLRealFiles(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "data", "bfcl")
	if _, err := os.Stat(filepath.Join(dir, "v3", "BFCL_v3_simple.json")); err != nil {
		t.Skipf("BFCL's data is not at %s (../shared/data/bfcl from the project root): %v", dir, err)
	}
	for _, tc := range []struct{ version, file, id, call string }{
		{"v4", "BFCL_v4_simple_python.json", "simple_python_0", `{"name": "calculate_triangle_area", "arguments": {"base": 10, "height": 5}}`},
		{"v3", "BFCL_v3_simple.json", "simple_363", `{"name": "restaurant_search_find_closest", "arguments": {"location": "Boston", "cuisine": "sushi", "amenities": ["Patio"]}}`},
	} {
		q, _ := filepath.Abs(filepath.Join(dir, tc.version, tc.file))
		a, _ := filepath.Abs(filepath.Join(dir, tc.version, "possible_answer", tc.file))
		r := dojoStdin(t, `{"id": "`+tc.id+`", "tool_calls": [`+tc.call+`]}`+"\n", "reward", "bfcl", "--questions", q, "--answers", a)
		if r.code != 0 || !strings.Contains(r.stdout, `"ok":true`) || !strings.Contains(r.stderr, "1 responses, 1 scored, 1 correct") {
			t.Errorf("%s %s: exit %d, stdout %s, stderr %s", tc.file, tc.id, r.code, r.stdout, r.stderr)
		}
	}
}
