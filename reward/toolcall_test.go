package reward_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
	"github.com/google/go-cmp/cmp"
)

func TestParseToolCalls(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		text  string
		calls []dojo.ToolCall
		rest  string
		errs  []string // substrings, one per error
	}{
		{name: "plain answer", text: "The balance is 42.", rest: "The balance is 42."},
		{name: "think then answer", text: "<think>easy</think>\nThe balance is 42.", rest: "The balance is 42."},
		{name: "response tags unwrapped", text: "<think>x</think>\n<response>Done.</response>", rest: "Done."},
		{name: "one call with arguments",
			text:  `<tool_call>{"name": "get_balance", "arguments": {"account": "A1"}}</tool_call>`,
			calls: []dojo.ToolCall{call("get_balance", `{"account": "A1"}`)}},
		{name: "parameters accepted",
			text:  "<think>t</think>\n<tool_call>\n{\"name\": \"f\", \"parameters\": {\"x\": 1}}\n</tool_call>",
			calls: []dojo.ToolCall{call("f", `{"x": 1}`)}},
		{name: "several lines in one block (ToolRL)",
			text:  "<tool_call>\n{\"name\": \"f\", \"parameters\": {}}\n{\"name\": \"g\", \"parameters\": {\"y\": [1, 2]}}\n</tool_call>",
			calls: []dojo.ToolCall{call("f", `{}`), call("g", `{"y": [1, 2]}`)}},
		{name: "array in one block",
			text:  `<tool_call>[{"name": "f", "arguments": {"a": 1}}, {"name": "g"}]</tool_call>`,
			calls: []dojo.ToolCall{call("f", `{"a": 1}`), call("g", `{}`)}},
		{name: "two blocks and text",
			text:  "Let me check.\n<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>\n<tool_call>{\"name\": \"g\", \"arguments\": {}}</tool_call>",
			calls: []dojo.ToolCall{call("f", `{}`), call("g", `{}`)}, rest: "Let me check."},
		{name: "arguments as a JSON string (OpenAI)",
			text:  `<tool_call>{"name": "f", "arguments": "{\"a\": 1}"}</tool_call>`,
			calls: []dojo.ToolCall{call("f", `{"a": 1}`)}},
		{name: "malformed JSON reported, other call kept",
			text:  `<tool_call>{"name": "f", "arguments": {"a": 1</tool_call><tool_call>{"name": "g", "arguments": {}}</tool_call>`,
			calls: []dojo.ToolCall{call("g", `{}`)}, errs: []string{"block 1: call 1 is not valid JSON"}},
		{name: "unclosed block",
			text:  `<tool_call>{"name": "f", "arguments": {}}`,
			calls: []dojo.ToolCall{call("f", `{}`)}, errs: []string{"block 1: <tool_call> is not closed"}},
		{name: "unclosed think", text: "<think>hmm <tool_call>{\"name\": \"f\"}</tool_call>", errs: []string{"<think> is not closed"}},
		{name: "stray close", text: "answer </tool_call>", rest: "answer </tool_call>", errs: []string{"</tool_call> without a matching <tool_call>"}},
		{name: "empty block", text: "<tool_call> </tool_call>", errs: []string{"block 1: empty <tool_call> block"}},
		{name: "no name", text: `<tool_call>{"arguments": {}}</tool_call>`, errs: []string{`block 1: call 1: the call has no "name"`}},
		{name: "name not a string", text: `<tool_call>{"name": 3}</tool_call>`, errs: []string{`"name" must be the tool's name as a non-empty string, not 3`}},
		{name: "arguments not an object", text: `<tool_call>{"name": "f", "arguments": [1]}</tool_call>`, errs: []string{`f: "arguments" must be a JSON object of parameter values, not an array`}},
		{name: "call not an object", text: `<tool_call>"f"</tool_call>`, errs: []string{"a call is a JSON object"}},
		{name: "array element not an object",
			text:  `<tool_call>[{"name": "f"}, 7]</tool_call>`,
			calls: []dojo.ToolCall{call("f", `{}`)}, errs: []string{"block 1: call 1, element 2: a call is a JSON object"}},
		{name: "nested open",
			text:  `<tool_call>{"name": "f"}<tool_call>{"name": "g"}</tool_call>`,
			calls: []dojo.ToolCall{call("f", `{}`), call("g", `{}`)}, errs: []string{"<tool_call> opened inside another"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls, rest, errs := reward.ParseToolCalls(tt.text)
			if diff := cmp.Diff(tt.calls, calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			if rest != tt.rest {
				t.Errorf("rest = %q, want %q", rest, tt.rest)
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("errs = %q, want %d errors like %q", errs, len(tt.errs), tt.errs)
			}
			for i := range errs {
				if !strings.Contains(errs[i], tt.errs[i]) {
					t.Errorf("errs[%d] = %q, want it to contain %q", i, errs[i], tt.errs[i])
				}
			}
		})
	}
}

func TestMatchCalls(t *testing.T) {
	t.Parallel()
	a := call("f", `{"x": 1, "y": "a"}`)
	b := call("g", `{}`)
	tests := []struct {
		name       string
		gold, pred []dojo.ToolCall
		want       float64
	}{
		{"both empty", nil, nil, 1},
		{"none made", []dojo.ToolCall{a}, nil, 0},
		{"none expected", nil, []dojo.ToolCall{a}, 0},
		{"same", []dojo.ToolCall{a, b}, []dojo.ToolCall{a, b}, 1},
		{"order free", []dojo.ToolCall{a, b}, []dojo.ToolCall{b, a}, 1},
		{"key order and number form ignored", []dojo.ToolCall{a}, []dojo.ToolCall{call("f", `{"y": "a", "x": 1.0}`)}, 1},
		{"empty arguments are {}", []dojo.ToolCall{b}, []dojo.ToolCall{call("g", "")}, 1},
		{"boolean is not a number", []dojo.ToolCall{call("f", `{"x": 1}`)}, []dojo.ToolCall{call("f", `{"x": true}`)}, 0},
		{"wrong value", []dojo.ToolCall{a}, []dojo.ToolCall{call("f", `{"x": 2, "y": "a"}`)}, 0},
		{"extra call", []dojo.ToolCall{a}, []dojo.ToolCall{a, b}, 2.0 / 3},
		{"missing call", []dojo.ToolCall{a, b}, []dojo.ToolCall{b}, 2.0 / 3},
		{"duplicate matches once", []dojo.ToolCall{a}, []dojo.ToolCall{a, a}, 2.0 / 3},
		{"bad JSON matches nothing", []dojo.ToolCall{a}, []dojo.ToolCall{call("f", `{"x":`)}, 0},
		{"nested values", []dojo.ToolCall{call("f", `{"l": [1, {"k": null}]}`)}, []dojo.ToolCall{call("f", `{"l": [1.0, {"k": null}]}`)}, 1},
	}
	for _, tt := range tests {
		if got := reward.MatchCalls(tt.gold, tt.pred); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: MatchCalls = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func ExampleParseToolCalls() {
	calls, rest, errs := reward.ParseToolCalls("<think>Two lookups.</think>\n" +
		`<tool_call>{"name": "get_balance", "arguments": {"account": "A1"}}</tool_call>` + "\n" +
		`<tool_call>{"name": "get_rate", "parameters": {"from": "EUR", "to": "USD"}}</tool_call>`)
	for _, c := range calls {
		fmt.Println(c.Name, string(c.Arguments))
	}
	fmt.Printf("rest %q, %d errors\n", rest, len(errs))
	// Output:
	// get_balance {"account": "A1"}
	// get_rate {"from": "EUR", "to": "USD"}
	// rest "", 0 errors
}

func FuzzParseToolCalls(f *testing.F) {
	for _, s := range []string{
		"",
		"plain",
		`<think>x</think><tool_call>{"name": "f", "arguments": {"a": [1, 2.5e3, "\u00e9\ud83d\ude00"]}}</tool_call>`,
		"<tool_call>\n{\"name\": \"f\", \"parameters\": {}}\n{\"name\": \"g\"}\n</tool_call>",
		`<tool_call>[{"name": "f"}, {"name": "g", "arguments": "{\"x\": 1}"}]</tool_call>`,
		"<tool_call>{\"name\": \"f\"",
		"</tool_call><tool_call><tool_call>",
		`<tool_call>{"name": "f", "arguments": {"x": NaN, "y": -Infinity, "z": 1e999}}</tool_call>`,
		`<tool_call>[[[[[[[[[[]]]]]]]]]]</tool_call>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		calls, _, errs := reward.ParseToolCalls(s)
		for _, c := range calls {
			if c.Name == "" {
				t.Fatalf("a call without a name from %q", s)
			}
			if utf8.ValidString(string(c.Arguments)) && !json.Valid(c.Arguments) &&
				!strings.Contains(string(c.Arguments), "NaN") && !strings.Contains(string(c.Arguments), "Infinity") {
				t.Fatalf("arguments %q of %q are not JSON", c.Arguments, s)
			}
		}
		for _, e := range errs {
			if e == "" {
				t.Fatalf("an empty error from %q", s)
			}
		}
		// The scorers take anything without panicking.
		reward.MatchCalls(calls, calls)
		if got := reward.ToolRLCorrectness(calls, calls); len(calls) > 0 && got != 3 {
			t.Fatalf("ToolRLCorrectness of calls against themselves = %v, want 3 (%q)", got, s)
		}
	})
}

// FuzzToolRL fuzzes the ground-truth and response readers.
func FuzzToolRL(f *testing.F) {
	f.Add(toolRLText("t", []string{gwParis, gtUTC}, ""), toolRLText("t", []string{gwParis}, ""))
	f.Add(toolRLText("t", []string{add12, add34}, "ok"), toolRLText("t", []string{add34, `{"name": "add", "parameters": {"a": [1], "b": {"c": NaN}}}`}, ""))
	f.Add("<think>x</think>\n<response>y</response>", "<think>x</think>\n<response>y</response>")
	f.Add("<tool_call>\n{\"name\": 1, \"parameters\": \"abc\"}\n</tool_call>", "<tool_call>\n{\"name\": 1.0, \"parameters\": {}}\n</tool_call>")
	f.Add("<tool_call>\n{\"name\": \"f\", \"parameters\": [1, 2]}\n</tool_call>", "<tool_call>\n{\"name\": \"f\", \"parameters\": {\"a\": 1}}\n</tool_call>")
	f.Fuzz(func(t *testing.T, gold, response string) {
		total, format, corr, err := reward.ToolRL(gold, response)
		if err != nil {
			if !strings.Contains(gold, "<tool_call>") {
				t.Fatalf("an error for a ground truth without <tool_call>: %v", err)
			}
			return
		}
		if format != 0 && format != 1 {
			t.Fatalf("format %v not 0 or 1", format)
		}
		if !(corr >= -3 && corr <= 3) {
			t.Fatalf("correctness %v out of [-3, 3]", corr)
		}
		if total != format+corr {
			t.Fatalf("total %v != %v + %v", total, format, corr)
		}
		if !strings.Contains(gold, "<tool_call>") && corr != 0 {
			t.Fatalf("correctness %v without gold calls", corr)
		}
	})
}

func BenchmarkParseToolCalls(b *testing.B) {
	text := "<think>The user wants the weather and the time.</think>\n<tool_call>\n" +
		`{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}` + "\n" +
		`{"name": "get_time", "arguments": {"tz": "UTC"}}` + "\n</tool_call>"
	b.ReportAllocs()
	for b.Loop() {
		if calls, _, errs := reward.ParseToolCalls(text); len(calls) != 2 || len(errs) != 0 {
			b.Fatal(calls, errs)
		}
	}
}

func BenchmarkMatchCalls(b *testing.B) {
	gold := []dojo.ToolCall{call("get_weather", `{"city": "Paris", "unit": "c"}`), call("get_time", `{"tz": "UTC"}`)}
	pred := []dojo.ToolCall{call("get_time", `{"tz": "UTC"}`), call("get_weather", `{"unit": "c", "city": "Paris"}`)}
	b.ReportAllocs()
	for b.Loop() {
		if m := reward.MatchCalls(gold, pred); m != 1 {
			b.Fatal(m)
		}
	}
}

func TestMatchCallsManyPredictions(t *testing.T) {
	gold := []dojo.ToolCall{{Name: "f", Arguments: json.RawMessage(`{"a":1}`)}}
	var pred []dojo.ToolCall
	for i := range 12 {
		pred = append(pred, dojo.ToolCall{Name: "f", Arguments: json.RawMessage(fmt.Sprintf(`{"a":%d}`, i))})
	}
	// One of twelve predictions matches the one gold call: F1 = 2·1/(1+12).
	if got, want := reward.MatchCalls(gold, pred), 2.0/13; math.Abs(got-want) > 1e-12 {
		t.Errorf("MatchCalls with 12 predictions = %v, want %v", got, want)
	}
}
