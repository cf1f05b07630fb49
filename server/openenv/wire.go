package openenv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/protocol"
)

// OpenEnv's WebSocket error codes (openenv.core.env_server.types.WSErrorCode).
const (
	codeInvalidJSON     = "INVALID_JSON"
	codeUnknownType     = "UNKNOWN_TYPE"
	codeValidation      = "VALIDATION_ERROR"
	codeExecution       = "EXECUTION_ERROR"
	codeCapacityReached = "CAPACITY_REACHED"
	codeFactory         = "FACTORY_ERROR"
	codeSession         = "SESSION_ERROR"
)

// wireError is a request the server refuses: the code of the error frame
// (or the HTTP status of a stateless route), a message naming what was
// wrong, and the dojo field when an option or the action is at fault.
type wireError struct {
	code    string
	field   string
	msg     string
	timeout bool // a deadline passed
}

func (e *wireError) Error() string { return e.msg }

func invalid(field, format string, args ...any) *wireError {
	return &wireError{code: codeValidation, field: field, msg: fmt.Sprintf(format, args...)}
}

// fromDojo turns an error of the env or the registry into a wire error:
// invalid options are VALIDATION_ERROR naming the option, other failures
// to make an env FACTORY_ERROR, failures of Reset and Step
// EXECUTION_ERROR.
func fromDojo(err error, making bool) *wireError {
	var we *wireError
	if errors.As(err, &we) {
		return we
	}
	code := codeExecution
	switch {
	case dojo.ErrorCode(err) == dojo.CodeInvalid:
		code = codeValidation
	case making:
		code = codeFactory
	}
	return &wireError{code: code, field: dojo.ErrorField(err), msg: err.Error()}
}

// resetRequest is the data of a reset: the seed, the episode id, and the
// env's options by name.
type resetRequest struct {
	seed      *uint64
	episodeID *string
	options   dojo.Options
	// optionsKey is the options as canonical JSON, to tell whether a
	// session's env must be remade.
	optionsKey string
}

// parseReset reads reset data (a JSON object, or nothing). "seed" is a
// non-negative integer, "episode_id" a string; every other member is an
// option of the env, checked when the env is made. skip names members
// that are not options (the stateless /step's "action").
func parseReset(data json.RawMessage, skip ...string) (*resetRequest, *wireError) {
	req := &resetRequest{options: dojo.Options{}}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		req.optionsKey = "{}"
		return req, nil
	}
	var m map[string]json.RawMessage
	if data[0] != '{' || json.Unmarshal(data, &m) != nil {
		return nil, invalid("data", "reset data must be a JSON object of keyword arguments (seed, episode_id and the env's options), got %s", abbreviate(data))
	}
	for k, raw := range m {
		if slices.Contains(skip, k) {
			continue
		}
		raw = bytes.TrimSpace(raw)
		switch k {
		case "seed":
			if string(raw) == "null" {
				continue
			}
			s, err := strconv.ParseUint(string(raw), 10, 64)
			if err != nil {
				return nil, invalid("seed", "seed must be a non-negative integer below 2^64, got %s", abbreviate(raw))
			}
			req.seed = &s
		case "episode_id":
			if string(raw) == "null" {
				continue
			}
			var s string
			if json.Unmarshal(raw, &s) != nil || len(s) > 255 {
				return nil, invalid("episode_id", "episode_id must be a string of at most 255 bytes, got %s", abbreviate(raw))
			}
			req.episodeID = &s
		default:
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, invalid("options."+k, "option %q: %v", k, err)
			}
			req.options[k] = v
		}
	}
	key, err := json.Marshal(req.options) // map keys sorted
	if err != nil {
		return nil, invalid("options", "options: %v", err)
	}
	req.optionsKey = string(key)
	return req, nil
}

// parseAction reads an OpenEnv action (a JSON object) for an env of the
// given spec:
//
//	discrete:   {"action": INDEX} or {"action": "WORD"} (a label or text the env parses)
//	text:       {"text": "..."} (and "tool_calls" when the env has tools)
//	tool_calls: {"text": "...", "tool_calls": [{"id", "name", "arguments"}]}
//
// with an optional "metadata" object that is ignored (OpenEnv's Action
// base class has one). Anything else is an error naming what was wrong.
func parseAction(spec *dojo.Spec, data json.RawMessage) (dojo.Action, *wireError) {
	data = bytes.TrimSpace(data)
	var m map[string]json.RawMessage
	if len(data) == 0 || data[0] != '{' || json.Unmarshal(data, &m) != nil {
		return dojo.Action{}, invalid("action", "an action is a JSON object %s, got %s", actionShape(spec), abbreviate(data))
	}
	if md, ok := m["metadata"]; ok {
		md = bytes.TrimSpace(md)
		if len(md) == 0 || (md[0] != '{' && string(md) != "null") {
			return dojo.Action{}, invalid("action.metadata", "action metadata must be an object, got %s", abbreviate(md))
		}
		delete(m, "metadata")
	}
	allowed := actionMembers(spec)
	var unknown []string
	for k := range m {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return dojo.Action{}, invalid("action."+unknown[0], "unknown action member %q: %s takes %s", unknown[0], spec.ID, actionShape(spec))
	}
	switch spec.Action.Kind {
	case dojo.KindDiscrete:
		raw, ok := m["action"]
		if !ok {
			return dojo.Action{}, invalid("action.action", "missing \"action\": %s takes %s", spec.ID, actionShape(spec))
		}
		return parseDiscrete(spec, bytes.TrimSpace(raw))
	case dojo.KindText, dojo.KindToolCalls:
		text, hasText := "", false
		if raw, ok := m["text"]; ok && string(bytes.TrimSpace(raw)) != "null" {
			if json.Unmarshal(raw, &text) != nil {
				return dojo.Action{}, invalid("action.text", "\"text\" must be a string, got %s", abbreviate(raw))
			}
			hasText = true
		}
		raw, hasCalls := m["tool_calls"]
		if hasCalls && string(bytes.TrimSpace(raw)) == "null" {
			hasCalls = false
		}
		if !hasText && !hasCalls {
			return dojo.Action{}, invalid("action.text", "missing \"text\": %s takes %s", spec.ID, actionShape(spec))
		}
		if !hasCalls {
			if spec.Action.Kind == dojo.KindText {
				return dojo.TextAction(text), nil
			}
			return dojo.MessageAction(text), nil
		}
		calls, err := parseToolCalls(raw)
		if err != nil {
			return dojo.Action{}, err
		}
		return dojo.MessageAction(text, calls...), nil
	}
	raw, ok := m["action"]
	if !ok {
		return dojo.Action{}, invalid("action.action", "missing \"action\": %s takes %s", spec.ID, actionShape(spec))
	}
	var a dojo.Action
	if err := json.Unmarshal(raw, &a); err != nil {
		return dojo.Action{}, invalid("action.action", "%v", err)
	}
	return a, nil
}

func parseDiscrete(spec *dojo.Spec, raw json.RawMessage) (dojo.Action, *wireError) {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return dojo.Action{}, invalid("action.action", "\"action\" is not a valid JSON string")
		}
		return dojo.TextAction(s), nil
	}
	i, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		// Accept an integral number written with a fraction or exponent
		// (2.0, 2e0), as Python clients may send floats.
		f, ferr := strconv.ParseFloat(string(raw), 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return dojo.Action{}, invalid("action.action", "\"action\" must be an integer index or a string, got %s: %s takes %s", abbreviate(raw), spec.ID, actionShape(spec))
		}
		i = int64(f)
	}
	if i < 0 || i >= int64(spec.Action.N) {
		return dojo.Action{}, invalid("action.action", "action %d is out of range: %s takes %s", i, spec.ID, actionShape(spec))
	}
	return dojo.IndexAction(int(i)), nil
}

func parseToolCalls(raw json.RawMessage) ([]dojo.ToolCall, *wireError) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, invalid("action.tool_calls", "\"tool_calls\" must be an array of {\"id\", \"name\", \"arguments\"}, got %s", abbreviate(raw))
	}
	calls := make([]dojo.ToolCall, len(items))
	for i, it := range items {
		field := fmt.Sprintf("action.tool_calls[%d]", i)
		it = bytes.TrimSpace(it)
		if len(it) == 0 || it[0] != '{' {
			return nil, invalid(field, "tool call %d must be an object {\"id\", \"name\", \"arguments\"}, got %s", i, abbreviate(it))
		}
		var c dojo.ToolCall
		if err := json.Unmarshal(it, &c); err != nil {
			return nil, invalid(field, "tool call %d: %v", i, err)
		}
		if c.Name == "" {
			return nil, invalid(field+".name", "tool call %d has no \"name\"", i)
		}
		args := bytes.TrimSpace(c.Arguments)
		switch {
		case len(args) == 0 || string(args) == "null":
			c.Arguments = json.RawMessage("{}")
		case args[0] != '{' || !json.Valid(args):
			return nil, invalid(field+".arguments", "tool call %d (%s): \"arguments\" must be a JSON object (or a string holding one), got %s", i, c.Name, abbreviate(args))
		default:
			c.Arguments = append(json.RawMessage(nil), args...)
		}
		calls[i] = c
	}
	return calls, nil
}

func hasTools(spec *dojo.Spec) bool {
	return spec.Action.Kind == dojo.KindToolCalls || len(spec.Action.Tools) > 0
}

// actionMembers lists the members an action of spec may have (besides
// "metadata").
func actionMembers(spec *dojo.Spec) []string {
	switch spec.Action.Kind {
	case dojo.KindText:
		if hasTools(spec) {
			return []string{"text", "tool_calls"}
		}
		return []string{"text"}
	case dojo.KindToolCalls:
		return []string{"text", "tool_calls"}
	}
	return []string{"action"}
}

// actionShape describes the action object spec takes, for error messages.
func actionShape(spec *dojo.Spec) string {
	switch spec.Action.Kind {
	case dojo.KindDiscrete:
		s := fmt.Sprintf(`{"action": 0..%d}`, spec.Action.N-1)
		if len(spec.Action.Labels) > 0 {
			var parts []string
			for i, l := range spec.Action.Labels {
				parts = append(parts, fmt.Sprintf("%d %s", i, l))
			}
			s += " (" + strings.Join(parts, ", ") + `) or {"action": "WORD"}`
		}
		return s
	case dojo.KindText:
		if hasTools(spec) {
			return `{"text": "..."} or {"text": "...", "tool_calls": [{"id", "name", "arguments": {...}}]}`
		}
		return `{"text": "..."}`
	case dojo.KindToolCalls:
		return `{"text": "...", "tool_calls": [{"id", "name", "arguments": {...}}]} (text alone is the final answer)`
	}
	return `{"action": ACTION}`
}

func abbreviate(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "nothing"
	}
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// appendResult appends the data of an observation answer, OpenEnv's
// {"observation", "reward", "done"}: the observation object holds dojo's
// observation members and "metadata": {"terminated", "truncated", "info"},
// as OpenEnv's client keeps only these three members of the answer.
// reward is null after a reset.
func appendResult(b []byte, obs *dojo.Obs, info *dojo.Info, reward *float64, terminated, truncated bool) ([]byte, error) {
	b = append(b, `{"observation":`...)
	start := len(b)
	b, err := protocol.AppendObservation(b, obs)
	if err != nil {
		return b, fmt.Errorf("observation %v", err)
	}
	b = b[:len(b)-1] // reopen the object
	if len(b) > start+1 {
		b = append(b, ',')
	}
	b = append(b, `"metadata":{"terminated":`...)
	b = strconv.AppendBool(b, terminated)
	b = append(b, `,"truncated":`...)
	b = strconv.AppendBool(b, truncated)
	b = append(b, `,"info":`...)
	if b, err = protocol.AppendInfo(b, info); err != nil {
		return b, fmt.Errorf("info %v", err)
	}
	b = append(b, `}},"reward":`...)
	if reward == nil {
		b = append(b, "null"...)
	} else {
		var ok bool
		if b, ok = dojo.AppendJSONFloat(b, *reward, 64); !ok {
			return b, fmt.Errorf("the reward is %v, which JSON cannot carry", *reward)
		}
	}
	b = append(b, `,"done":`...)
	b = strconv.AppendBool(b, terminated || truncated)
	return append(b, '}'), nil
}

// state is a session's state, OpenEnv's State: episode_id and step_count,
// and dojo's env id, seed and whether the episode is over.
type state struct {
	EpisodeID *string `json:"episode_id"`
	StepCount int     `json:"step_count"`
	EnvID     string  `json:"env_id"`
	Seed      *uint64 `json:"seed"`
	Done      bool    `json:"done"`
}

// marshal encodes v with encoding/json without HTML escaping.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("openenv: marshal %T: %v", v, err)) // only fixed types are marshaled here
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
}

// errorFrame is {"type": "error", "data": {"message", "code", "field"?}}.
func errorFrame(e *wireError) []byte {
	return marshal(struct {
		Type string `json:"type"`
		Data struct {
			Message string `json:"message"`
			Code    string `json:"code"`
			Field   string `json:"field,omitempty"`
		} `json:"data"`
	}{Type: "error", Data: struct {
		Message string `json:"message"`
		Code    string `json:"code"`
		Field   string `json:"field,omitempty"`
	}{e.msg, e.code, e.field}})
}
