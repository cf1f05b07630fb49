package reward_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

// toolRLText builds a ToolRL-style text: a think part, then a <tool_call>
// block with one JSON line per call (if any lines), then a <response>
// part (if resp is not empty).
func toolRLText(think string, lines []string, resp string) string {
	s := "<think>" + think + "</think>"
	if lines != nil {
		s += "\n<tool_call>\n" + strings.Join(lines, "\n") + "\n</tool_call>"
	}
	if resp != "" {
		s += "\n<response>" + resp + "</response>"
	}
	return s
}

const (
	gwParis   = `{"name": "get_weather", "parameters": {"city": "Paris", "unit": "c"}}`
	gtUTC     = `{"name": "get_time", "parameters": {"tz": "UTC"}}`
	add12     = `{"name": "add", "parameters": {"a": 1, "b": 2}}`
	add34     = `{"name": "add", "parameters": {"a": 3, "b": 4}}`
	nowNoArgs = `{"name": "now", "parameters": {}}`
)

// TestToolRL checks ToolRL's reward on cases computed by hand from the
// formulas in ToolRL's doc comment (rlla.py's defaults).
func TestToolRL(t *testing.T) {
	t.Parallel()
	oneCall := toolRLText("I need the weather.", []string{gwParis}, "")
	twoCalls := toolRLText("Weather and time.", []string{gwParis, gtUTC}, "")
	adds := toolRLText("Two sums.", []string{add12, add34}, "")
	add := toolRLText("One sum.", []string{add12}, "")
	chat := toolRLText("Just answer.", nil, "Hello!")
	now := toolRLText("Time.", []string{nowNoArgs}, "")
	num := toolRLText("n", []string{`{"name": "f", "parameters": {"n": 1}}`}, "")
	both := toolRLText("Call and say.", []string{gwParis}, "Checking.")
	tests := []struct {
		name           string
		gold, response string
		format, corr   float64
	}{
		{"exact match", oneCall, toolRLText("Let me call it.", []string{gwParis}, ""), 1, 3},
		{"key order ignored: dicts equal", oneCall,
			toolRLText("t", []string{`{"name": "get_weather", "parameters": {"unit": "c", "city": "Paris"}}`}, ""), 1, 3},
		// names 1; Smax = 1+(1+2) = 4; keys 1 + values 1 = 2; S = 3 → 6·3/4 − 3.
		{"one wrong value", oneCall,
			toolRLText("t", []string{`{"name": "get_weather", "parameters": {"city": "Paris", "unit": "f"}}`}, ""), 1, 1.5},
		// keys |{city}|/|{city,unit}| = 0.5, values 1: S = 1+1.5 = 2.5 → 6·2.5/4 − 3.
		{"missing parameter", oneCall,
			toolRLText("t", []string{`{"name": "get_weather", "parameters": {"city": "Paris"}}`}, ""), 1, 0.75},
		// keys {a,b} vs {a,c}: 1/3, values 1: S = 1 + 4/3 → 6·(7/3)/4 − 3 = 0.5.
		{"partial parameters, a wrong key", add,
			toolRLText("t", []string{`{"name": "add", "parameters": {"a": 1, "c": 2}}`}, ""), 1, 0.5},
		// names [gw] vs [gw, gt]: 1/2; gw 3: S = 3.5, Smax = 4 → 2.25.
		{"an extra call", oneCall, toolRLText("t", []string{gwParis, gtUTC}, ""), 1, 2.25},
		// names [gw, gt] vs [gw]: 1/2; Smax = 1+3+2 = 6; S = 0.5+3 → 6·3.5/6 − 3.
		{"a missing call", twoCalls, toolRLText("t", []string{gwParis}, ""), 1, 0.5},
		{"calls in another order", twoCalls, toolRLText("t", []string{gtUTC, gwParis}, ""), 1, 3},
		{"wrong name", oneCall,
			toolRLText("t", []string{`{"name": "get_forecast", "parameters": {"city": "Paris", "unit": "c"}}`}, ""), 1, -3},
		// duplicate names: each gold call takes its best unused prediction; S = 1+3+3 = Smax.
		{"duplicate names swapped", adds, toolRLText("t", []string{add34, add12}, ""), 1, 3},
		// names [add] vs [add, add]: Counter gives 1/(1+2−1); S = 0.5 + 3 → 2.25.
		{"duplicate prediction", add, toolRLText("t", []string{add12, add12}, ""), 1, 2.25},
		// gold add(1,2), add(3,4); pred add(1,2), add(1,2): names 1; first gets 3, second
		// gets keys 1 + values 0: S = 1+3+1 = 5, Smax = 7 → 6·5/7 − 3.
		{"duplicate name, one right", adds, toolRLText("t", []string{add12, add12}, ""), 1, 6.0*5/7 - 3},
		{"no call made", oneCall, toolRLText("t", nil, "It is sunny."), 0, -3},
		{"empty block", oneCall, "<think>t</think>\n<tool_call>\n\n</tool_call>", 1, -3},
		{"malformed JSON", oneCall, toolRLText("t", []string{`{"name": "get_weather", "parameters": {"city": "Paris"`}, ""), 1, -3},
		{"arguments instead of parameters", oneCall,
			toolRLText("t", []string{`{"name": "get_weather", "arguments": {"city": "Paris", "unit": "c"}}`}, ""), 1, -3},
		{"call not an object", oneCall, toolRLText("t", []string{`["get_weather"]`}, ""), 1, -3},
		{"unhashable name", oneCall, toolRLText("t", []string{`{"name": ["get_weather"], "parameters": {}}`}, ""), 1, -3},
		// a call of another name may lack "parameters": names 0 → S = 0.
		{"other name without parameters", oneCall, toolRLText("t", []string{`{"name": "x"}`}, ""), 1, -3},
		{"no calls expected, answer given", chat, "<think>Easy.</think>\n<response>Hi there</response>", 1, 0},
		{"no calls expected, call made", chat, toolRLText("t", []string{gwParis}, ""), 0, 0},
		{"neither tag in gold", "<think>nothing to do</think>", "<think>ok</think>", 1, 0},
		{"neither tag in gold, extra text", "<think>nothing to do</think>", "<think>ok</think> done", 0, 0},
		{"no parameters, exact", now, toolRLText("t", []string{nowNoArgs}, ""), 1, 3},
		// keys [] vs [tz]: 0, values 0: s = 0 is not > 0, no match; S = 1, Smax = 2 → 0.
		{"no parameters expected, one given", now,
			toolRLText("t", []string{`{"name": "now", "parameters": {"tz": "UTC"}}`}, ""), 1, 0},
		{"1 equals 1.0", num, toolRLText("t", []string{`{"name": "f", "parameters": {"n": 1.0}}`}, ""), 1, 3},
		{"1 equals true", num, toolRLText("t", []string{`{"name": "f", "parameters": {"n": true}}`}, ""), 1, 3},
		// S = 1 + (1 + 0); Smax = 3 → 1.
		{"1 differs from \"1\"", num, toolRLText("t", []string{`{"name": "f", "parameters": {"n": "1"}}`}, ""), 1, 1},
		// json.loads shares one NaN object; Python compares dict values by
		// identity first, so the calls are equal.
		{"NaN in equal calls", toolRLText("n", []string{`{"name": "f", "parameters": {"n": NaN}}`}, ""),
			toolRLText("t", []string{`{"name": "f", "parameters": {"n": NaN}}`}, ""), 1, 3},
		// but a value compared alone: NaN != NaN. S = 1 + (1 + 0); Smax = 4 → 0.
		{"NaN value compared alone", toolRLText("n", []string{`{"name": "f", "parameters": {"n": NaN, "m": 1}}`}, ""),
			toolRLText("t", []string{`{"name": "f", "parameters": {"n": NaN, "m": 2}}`}, ""), 1, 0},
		// inside a list, NaN is NaN again: S = 1 + (1 + 1) → 1.5.
		{"NaN inside a list value", toolRLText("n", []string{`{"name": "f", "parameters": {"n": [NaN], "m": 1}}`}, ""),
			toolRLText("t", []string{`{"name": "f", "parameters": {"n": [NaN], "m": 2}}`}, ""), 1, 1.5},
		{"repeated key: last value wins", num, toolRLText("t", []string{`{"name": "f", "parameters": {"n": 2, "n": 1}}`}, ""), 1, 3},
		{"extra member in the call", oneCall,
			toolRLText("t", []string{`{"name": "get_weather", "parameters": {"city": "Paris", "unit": "c"}, "id": 7}`}, ""), 1, 3},
		{"call and response", both, toolRLText("t", []string{gwParis}, "Checking."), 1, 3},
		{"call and response, response missing", both, toolRLText("t", []string{gwParis}, ""), 0, 3},
		// format
		{"surrounding whitespace stripped", oneCall, "\n  " + toolRLText("t", []string{gwParis}, "") + "\n\n", 1, 3},
		{"no think", oneCall, "<tool_call>\n" + gwParis + "\n</tool_call>", 0, 3},
		{"text before think", oneCall, "Sure. " + toolRLText("t", []string{gwParis}, ""), 0, 3},
		{"blank line after think", oneCall, "<think>t</think>\n\n<tool_call>\n" + gwParis + "\n</tool_call>", 0, 3},
		{"block on one line", oneCall, "<think>t</think>\n<tool_call>" + gwParis + "</tool_call>", 0, 3},
		{"two blocks", oneCall, toolRLText("t", []string{gwParis}, "") + "\n<tool_call>\n" + gtUTC + "\n</tool_call>", 0, 3},
		{"response after calls when none expected", oneCall, toolRLText("t", []string{gwParis}, "Done."), 0, 3},
		{"</think> inside the thought", oneCall, "<think>a</think>b</think>\n<tool_call>\n" + gwParis + "\n</tool_call>", 1, 3},
		// correctness reads only the first block, up to the next <tool_call>
		{"call before a second block", oneCall, "<think>t</think>\n<tool_call>\n" + gwParis + "\n<tool_call>\n" + gtUTC + "\n</tool_call>", 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			total, format, corr, err := reward.ToolRL(tt.gold, tt.response)
			if err != nil {
				t.Fatalf("ToolRL: %v", err)
			}
			if format != tt.format || math.Abs(corr-tt.corr) > 1e-12 || math.Abs(total-(tt.format+tt.corr)) > 1e-12 {
				t.Errorf("ToolRL = %v (format %v, correctness %v), want %v (format %v, correctness %v)\ngold:\n%s\nresponse:\n%s",
					total, format, corr, tt.format+tt.corr, tt.format, tt.corr, tt.gold, tt.response)
			}
		})
	}
}

func TestToolRLGoldErrors(t *testing.T) {
	t.Parallel()
	for _, gold := range []string{
		"<think>t</think>\n<tool_call>\n{bad}\n</tool_call>",
		"<think>t</think>\n<tool_call>\n\n</tool_call>",
		"<think>t</think>\n<tool_call>\n" + gwParis + "\n\n" + gtUTC + "\n</tool_call>",
	} {
		_, _, _, err := reward.ToolRL(gold, toolRLText("t", []string{gwParis}, ""))
		if err == nil || !strings.Contains(err.Error(), "ground truth") {
			t.Errorf("ToolRL(%q): err = %v, want a ground-truth error", gold, err)
		}
	}
}

func TestToolRLFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		response      string
		calls, answer bool
		want          float64
	}{
		{"<think>a</think>\n<tool_call>\n{}\n</tool_call>", true, false, 1},
		{"<think>a</think>\n<tool_call>\n{}\n</tool_call>\n", true, false, 1},
		{"<think>a</think>\n<tool_call>\n</tool_call>", true, false, 0}, // needs two newlines
		{"<think>a</think>\n<tool_call>\n\n</tool_call>", true, false, 1},
		{"<think>a</think>\n<response>x</response>", false, true, 1},
		{"<think>a</think>\n<response>x</response><response></response>", false, true, 0},
		{"<think>a</think>\n<tool_call>\nx\n</tool_call>\n<response>y</response>", true, true, 1},
		{"<think>a</think>\n<tool_call>\nx\n</tool_call><response>y</response>", true, true, 0},
		{"<think></think>", false, false, 1},
		{"<think>", false, false, 0},
		{"<think></think>x", false, false, 0},
		{"", false, false, 0},
	}
	for _, tt := range tests {
		if got := reward.ToolRLFormat(tt.response, tt.calls, tt.answer); got != tt.want {
			t.Errorf("ToolRLFormat(%q, calls %v, response %v) = %v, want %v", tt.response, tt.calls, tt.answer, got, tt.want)
		}
	}
}

func call(name, args string) dojo.ToolCall {
	return dojo.ToolCall{Name: name, Arguments: json.RawMessage(args)}
}

func TestToolRLCorrectness(t *testing.T) {
	t.Parallel()
	w := call("get_weather", `{"city": "Paris", "unit": "c"}`)
	tm := call("get_time", `{"tz": "UTC"}`)
	tests := []struct {
		name       string
		gold, pred []dojo.ToolCall
		want       float64
	}{
		{"none expected, none made", nil, nil, 0},
		{"none expected, one made", nil, []dojo.ToolCall{w}, 0},
		{"one expected, none made", []dojo.ToolCall{w}, nil, -3},
		{"exact", []dojo.ToolCall{w, tm}, []dojo.ToolCall{w, tm}, 3},
		{"missing call", []dojo.ToolCall{w, tm}, []dojo.ToolCall{w}, 0.5},
		{"extra call", []dojo.ToolCall{w}, []dojo.ToolCall{w, tm}, 2.25},
		{"wrong value", []dojo.ToolCall{w}, []dojo.ToolCall{call("get_weather", `{"unit": "f", "city": "Paris"}`)}, 1.5},
		{"empty arguments are {}", []dojo.ToolCall{call("now", "")}, []dojo.ToolCall{call("now", "{}")}, 3},
		{"arguments not JSON", []dojo.ToolCall{w}, []dojo.ToolCall{call("get_weather", `{city`)}, -3},
		{"arguments an array, same name", []dojo.ToolCall{w}, []dojo.ToolCall{call("get_weather", `[1]`)}, -3},
		{"arguments an array, other name", []dojo.ToolCall{w}, []dojo.ToolCall{w, call("x", `[1]`)}, 2.25},
	}
	for _, tt := range tests {
		if got := reward.ToolRLCorrectness(tt.gold, tt.pred); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: ToolRLCorrectness = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestToolRLCorrectnessAgreesWithText checks that scoring calls and
// scoring the same calls written as text agree.
func TestToolRLCorrectnessAgreesWithText(t *testing.T) {
	t.Parallel()
	sets := [][]dojo.ToolCall{
		{call("add", `{"a": 1, "b": 2}`)},
		{call("add", `{"a": 1, "b": 2}`), call("add", `{"a": 3, "b": 4}`)},
		{call("add", `{"a": 1}`)},
		{call("add", `{"b": 2, "a": 1.0}`), call("sub", `{"a": 1}`)},
		{call("sub", `{}`)},
	}
	line := func(c dojo.ToolCall) string {
		return fmt.Sprintf(`{"name": %q, "parameters": %s}`, c.Name, c.Arguments)
	}
	text := func(cs []dojo.ToolCall) string {
		var lines []string
		for _, c := range cs {
			lines = append(lines, line(c))
		}
		return toolRLText("t", lines, "")
	}
	for _, g := range sets {
		for _, p := range sets {
			_, _, corr, err := reward.ToolRL(text(g), text(p))
			if err != nil {
				t.Fatal(err)
			}
			if got := reward.ToolRLCorrectness(g, p); got != corr {
				t.Errorf("gold %s, pred %s: ToolRLCorrectness %v, ToolRL on text %v", text(g), text(p), got, corr)
			}
		}
	}
}

func ExampleToolRL() {
	gold := "<think>The user wants the weather.</think>\n<tool_call>\n" +
		`{"name": "get_weather", "parameters": {"city": "Paris", "unit": "c"}}` + "\n</tool_call>"
	response := "<think>I will look it up.</think>\n<tool_call>\n" +
		`{"name": "get_weather", "parameters": {"city": "Paris", "unit": "f"}}` + "\n</tool_call>"
	total, format, correctness, err := reward.ToolRL(gold, response)
	if err != nil {
		panic(err)
	}
	fmt.Println(total, format, correctness)
	// Output: 2.5 1 1.5
}

// BenchmarkToolRL scores a typical two-call response.
func BenchmarkToolRL(b *testing.B) {
	gold := "<think>Weather and time.</think>\n<tool_call>\n" + gwParis + "\n" + gtUTC + "\n</tool_call>"
	resp := "<think>The user asks for the weather in Paris in Celsius and the time in UTC; two calls.</think>\n<tool_call>\n" +
		`{"name": "get_weather", "parameters": {"city": "Paris", "unit": "f"}}` + "\n" + gtUTC + "\n</tool_call>"
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := reward.ToolRL(gold, resp); err != nil {
			b.Fatal(err)
		}
	}
}

func TestToolRLGold(t *testing.T) {
	t.Parallel()
	calls := []dojo.ToolCall{call("get_weather", "{\n  \"city\": \"Paris\",\n  \"unit\": \"c\"\n}"), call("now", "")}
	gold := reward.ToolRLGold(calls, "")
	want := "<think></think>\n<tool_call>\n" +
		`{"name": "get_weather", "parameters": {"city":"Paris","unit":"c"}}` + "\n" +
		`{"name": "now", "parameters": {}}` + "\n</tool_call>"
	if gold != want {
		t.Fatalf("ToolRLGold = %q, want %q", gold, want)
	}
	// The gold scores itself 4 (format 1 + correctness 3), and so do the
	// calls written as a response.
	if total, _, _, err := reward.ToolRL(gold, gold); err != nil || total != 4 {
		t.Errorf("ToolRL(gold, gold) = %v, %v; want 4", total, err)
	}
	withAnswer := reward.ToolRLGold(calls[:1], "It is 20 °C.")
	if !strings.HasSuffix(withAnswer, "\n</tool_call>\n<response>It is 20 °C.</response>") {
		t.Errorf("ToolRLGold with an answer = %q", withAnswer)
	}
	if total, format, _, err := reward.ToolRL(withAnswer, withAnswer); err != nil || total != 4 || format != 1 {
		t.Errorf("ToolRL(gold with answer, itself) = %v (format %v), %v; want 4", total, format, err)
	}
	if g := reward.ToolRLGold(nil, "Hello."); g != "<think></think>\n<response>Hello.</response>" {
		t.Errorf("ToolRLGold without calls = %q", g)
	}
}
