package reward

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/dojo-rl/dojo"
)

// Tags of the tool-calling text format (Hermes, Qwen, ToolRL).
const (
	thinkOpen     = "<think>"
	thinkClose    = "</think>"
	toolCallOpen  = "<tool_call>"
	toolCallClose = "</tool_call>"
	responseOpen  = "<response>"
	responseClose = "</response>"
)

// ParseToolCalls extracts the tool calls of an assistant's text:
// <tool_call>...</tool_call> blocks, each holding one JSON object
// {"name": ..., "arguments": {...}} ("parameters" is accepted for
// "arguments", and arguments given as a string holding a JSON object, as
// OpenAI sends them, are accepted too), several such objects one after
// another (one per line, as ToolRL writes them), or a JSON array of them.
// A leading <think>...</think> is dropped.
//
// It returns the calls in order, the rest of the text (outside the think
// part and the blocks, trimmed; a rest wrapped in <response>...</response>
// is unwrapped): the final answer when there are no calls), and the
// problems found, each naming what was wrong and what would be right. The
// text is well formed when errs is empty. A malformed block or call is left
// out and reported; the other calls are still returned. It never panics.
//
// Arguments are the call's JSON text as written; a call without arguments
// gets {}.
func ParseToolCalls(text string) (calls []dojo.ToolCall, rest string, errs []string) {
	s := strings.TrimLeftFunc(text, unicode.IsSpace)
	if strings.HasPrefix(s, thinkOpen) {
		if i := strings.Index(s, thinkClose); i >= 0 {
			s = s[i+len(thinkClose):]
		} else {
			errs = append(errs, "<think> is not closed: close the reasoning with </think> before the tool calls or the answer")
			s = ""
		}
	}
	var b strings.Builder
	block := 0
	for {
		i := strings.Index(s, toolCallOpen)
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		s = s[i+len(toolCallOpen):]
		block++
		body := s
		if j := strings.Index(s, toolCallClose); j >= 0 {
			if k := strings.Index(s[:j], toolCallOpen); k >= 0 {
				errs = append(errs, fmt.Sprintf("block %d: <tool_call> opened inside another <tool_call>: close each block with </tool_call> before the next", block))
				body, s = s[:k], s[k:]
			} else {
				body, s = s[:j], s[j+len(toolCallClose):]
			}
		} else {
			errs = append(errs, fmt.Sprintf("block %d: <tool_call> is not closed: end each block with </tool_call>", block))
			s = ""
		}
		calls, errs = parseBlock(body, block, calls, errs)
	}
	b.WriteString(s)
	rest = strings.TrimSpace(b.String())
	if strings.Contains(rest, toolCallClose) {
		errs = append(errs, "</tool_call> without a matching <tool_call>: open each block with <tool_call>")
	}
	if strings.HasPrefix(rest, responseOpen) && strings.HasSuffix(rest, responseClose) && len(rest) >= len(responseOpen)+len(responseClose) {
		rest = strings.TrimSpace(rest[len(responseOpen) : len(rest)-len(responseClose)])
	}
	return calls, rest, errs
}

// parseBlock reads the JSON values of one <tool_call> block.
func parseBlock(body string, block int, calls []dojo.ToolCall, errs []string) ([]dojo.ToolCall, []string) {
	body = strings.TrimSpace(body)
	if body == "" {
		return calls, append(errs, fmt.Sprintf(`block %d: empty <tool_call> block: put {"name": ..., "arguments": {...}} inside`, block))
	}
	for n := 1; body != ""; n++ {
		v, end, err := parseJSONPrefix(body)
		if err != nil {
			return calls, append(errs, fmt.Sprintf(`block %d: call %d is not valid JSON (%v): write {"name": ..., "arguments": {...}}`, block, n, err))
		}
		body = strings.TrimSpace(body[end:])
		if v.kind == jArr {
			for k := range v.arr {
				c, err := callOf(&v.arr[k])
				if err != nil {
					errs = append(errs, fmt.Sprintf("block %d: call %d, element %d: %v", block, n, k+1, err))
					continue
				}
				calls = append(calls, c)
			}
			continue
		}
		c, err := callOf(&v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("block %d: call %d: %v", block, n, err))
			continue
		}
		calls = append(calls, c)
	}
	return calls, errs
}

// callOf turns a parsed {"name", "arguments"|"parameters"} object into a
// call.
func callOf(v *jval) (dojo.ToolCall, error) {
	if v.kind != jObj {
		return dojo.ToolCall{}, fmt.Errorf(`a call is a JSON object {"name": ..., "arguments": {...}}, not %s`, kindName(v.kind))
	}
	name, ok := v.get("name")
	if !ok {
		return dojo.ToolCall{}, fmt.Errorf(`the call has no "name": give the tool's name`)
	}
	if name.kind != jStr || name.s == "" {
		return dojo.ToolCall{}, fmt.Errorf(`"name" must be the tool's name as a non-empty string, not %s`, name.raw)
	}
	args, ok := v.get("arguments")
	if !ok {
		args, ok = v.get("parameters")
	}
	raw := "{}"
	if ok {
		switch args.kind {
		case jObj:
			raw = args.raw
		case jStr: // OpenAI sends arguments as a string holding JSON
			inner, err := parseJSON(args.s)
			if err != nil || inner.kind != jObj {
				return dojo.ToolCall{}, fmt.Errorf(`%s: "arguments" is a string that does not hold a JSON object: give an object of parameter values`, name.s)
			}
			raw = strings.TrimSpace(args.s)
		case jNull:
		default:
			return dojo.ToolCall{}, fmt.Errorf(`%s: "arguments" must be a JSON object of parameter values, not %s`, name.s, kindName(args.kind))
		}
	}
	return dojo.ToolCall{Name: name.s, Arguments: json.RawMessage(raw)}, nil
}

func kindName(k jkind) string {
	switch k {
	case jNull:
		return "null"
	case jBool:
		return "a boolean"
	case jInt, jBigInt, jFloat:
		return "a number"
	case jStr:
		return "a string"
	case jArr:
		return "an array"
	}
	return "an object"
}

// parseArgs parses a call's arguments; empty arguments are {}.
func parseArgs(raw json.RawMessage) (jval, error) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return jval{kind: jObj, raw: "{}"}, nil
	}
	return parseJSON(string(raw))
}

// MatchCalls scores predicted calls against gold calls, order-free, as an
// F1 score:
//
//	MatchCalls = 2·m / (|gold| + |pred|)
//
// where m is the number of gold calls matched, each gold call by at most
// one predicted call and each predicted call matching at most one gold
// call. A predicted call matches a gold call when they have the same name
// and equal arguments as JSON values: numbers by value (1 equals 1.0),
// object key order ignored, booleans distinct from numbers; empty
// arguments are {}. Arguments that are not valid JSON match nothing. No
// gold calls and no predicted calls score 1. Call ids are ignored.
func MatchCalls(gold, pred []dojo.ToolCall) float64 {
	if len(gold)+len(pred) == 0 {
		return 1
	}
	var buf [8]jval
	pv := buf[:0]
	if len(pred) > len(buf) {
		pv = make([]jval, 0, len(pred))
	}
	pok := make([]bool, len(pred), max(len(pred), 8))
	for i := range pred {
		v, err := parseArgs(pred[i].Arguments)
		pv = append(pv, v)
		pok[i] = err == nil
	}
	used := make([]bool, len(pred), max(len(pred), 8))
	m := 0
	for i := range gold {
		g, err := parseArgs(gold[i].Arguments)
		if err != nil {
			continue
		}
		for j := range pred {
			if used[j] || !pok[j] || pred[j].Name != gold[i].Name || !jsonEqual(&g, &pv[j]) {
				continue
			}
			used[j] = true
			m++
			break
		}
	}
	return 2 * float64(m) / float64(len(gold)+len(pred))
}
