package shop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

// shopVerbs are the text actions: WebShop's search[...] and click[...],
// and ReAct's think[...] (a thought, which changes nothing).
var shopVerbs = []string{"search", "click", "think"}

// parseActions returns every action written in s, in order: each
// search[...], click[...] or think[...] (the verb in any case, not glued to
// a preceding letter or digit), its argument running to the bracket that
// closes the opening one. Text around the actions is ignored. An opening
// bracket that is never closed is an error.
func parseActions(s string) ([]action, error) {
	var out []action
	for i := 0; i < len(s); {
		verb, n := verbAt(s, i)
		if n == 0 {
			i++
			continue
		}
		depth, j := 1, i+n
		for ; j < len(s) && depth > 0; j++ {
			switch s[j] {
			case '[':
				depth++
			case ']':
				depth--
			}
		}
		if depth > 0 {
			return out, fmt.Errorf("%s[ is never closed: write %s[...] with a closing bracket", verb, verb)
		}
		out = append(out, action{verb: verb, arg: s[i+n : j-1]})
		i = j
	}
	return out, nil
}

// verbAt reports the verb whose "verb[" starts at s[i], and its length
// with the bracket.
func verbAt(s string, i int) (string, int) {
	if i > 0 && isWordByte(s[i-1]) {
		return "", 0
	}
	for _, v := range shopVerbs {
		if len(s)-i > len(v) && strings.EqualFold(s[i:i+len(v)], v) && s[i+len(v)] == '[' {
			return v, len(v) + 1
		}
	}
	return "", 0
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// parseText reads the action of a language agent's turn: the last
// action in its text (after dojo.Answer, so an <answer> block holds it when
// there is one), so that reasoning may come first ("Thought: … Action:
// click[Buy Now]").
func parseText(s string) (action, error) {
	acts, err := parseActions(dojo.Answer(s))
	if len(acts) > 0 {
		return acts[len(acts)-1], nil
	}
	if err != nil {
		return action{}, err
	}
	if strings.TrimSpace(s) == "" {
		return action{}, fmt.Errorf("empty action: write search[query] or click[button]")
	}
	return action{}, fmt.Errorf("no action in %q: write search[query] or click[button]", abbreviate(s, 80))
}

func abbreviate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// shopTools are the actions as tools, for function-calling agents.
var shopTools = []dojo.Tool{
	{Name: "search", Description: "Search the shop for products (only on the search page). Returns the first page of results.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"query":{"type":"string","description":"the search keywords"}},"required":["query"],"additionalProperties":false}`)},
	{Name: "click", Description: "Click a button of the current page: a product id on a results page, an option value, Next >, < Prev, Back to Search, Description, Features, Reviews or Buy Now.",
		InputSchema: json.RawMessage(`{"type":"object","properties":{"button":{"type":"string","description":"the button's text, as the page shows it between brackets"}},"required":["button"],"additionalProperties":false}`)},
}

// toolAction reads a call of the search or click tool.
func toolAction(c dojo.ToolCall) (action, error) {
	var key string
	switch c.Name {
	case "search":
		key = "query"
	case "click":
		key = "button"
	default:
		return action{}, fmt.Errorf("unknown tool %q: the tools are search {\"query\"} and click {\"button\"}", c.Name)
	}
	args := bytes.TrimSpace(c.Arguments)
	if len(args) == 0 {
		args = []byte("{}")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(args, &m); err != nil || m == nil {
		return action{}, fmt.Errorf("%s: arguments %s are not a JSON object: want {%q: string}", c.Name, abbreviate(string(args), 60), key)
	}
	for k := range m {
		if k != key {
			return action{}, fmt.Errorf("%s: unknown argument %q: want {%q: string}", c.Name, k, key)
		}
	}
	raw, ok := m[key]
	if !ok {
		return action{}, fmt.Errorf("%s: missing argument %q: want {%q: string}", c.Name, key, key)
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return action{}, fmt.Errorf("%s: argument %q is %s, not a string", c.Name, key, abbreviate(string(raw), 40))
	}
	return action{verb: c.Name, arg: v}, nil
}

// decodedAction is one action of a turn, or why it could not be read, with
// the tool call it came from (ID empty for text actions).
type decodedAction struct {
	act    action
	err    error
	callID string
	tool   bool
}

// decodeAction reads a turn's actions: each tool call of a message in
// order, or the text's last action, or the clickable at an index (a
// discrete action clicks Obs.Value's clickables[i]).
func decodeAction(a dojo.Action, clickables []string, dst []decodedAction) []decodedAction {
	switch a.Kind {
	case dojo.ActIndex:
		if len(clickables) == 0 {
			return append(dst, decodedAction{err: fmt.Errorf("index %d: this page has nothing to click: use search[query]", a.Index)})
		}
		if a.Index < 0 || a.Index >= len(clickables) {
			return append(dst, decodedAction{err: fmt.Errorf("index %d is not one of the page's %d clickables (0 to %d)", a.Index, len(clickables), len(clickables)-1)})
		}
		return append(dst, decodedAction{act: action{verb: "click", arg: clickables[a.Index]}})
	case dojo.ActMessage:
		if len(a.ToolCalls) > 0 {
			for _, c := range a.ToolCalls {
				act, err := toolAction(c)
				dst = append(dst, decodedAction{act: act, err: err, callID: c.ID, tool: true})
			}
			return dst
		}
	}
	act, err := parseText(a.Text)
	if err != nil && strings.Contains(a.Text, "<tool_call>") {
		// text-format tool calls, as some servers and chat templates write them
		if calls, _, _ := reward.ParseToolCalls(a.Text); len(calls) > 0 {
			return decodeAction(dojo.MessageAction("", calls...), clickables, dst)
		}
	}
	return append(dst, decodedAction{act: act, err: err})
}
