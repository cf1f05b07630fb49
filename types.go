package dojo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Obs is an observation. It serves two kinds of agents at once: language
// agents read Messages (chat messages in OpenAI format to append to their
// history) or Text (the same content as one string); classic agents read
// Value, the structured form described by Spec.Observation. Fields that do
// not apply are empty.
type Obs struct {
	Text     string    `json:"text,omitempty"`
	Messages []Message `json:"messages,omitempty"`
	Value    any       `json:"value,omitempty"`
	// Tools are the tools the episode's task offers, in the order its
	// prompt shows them. Envs whose tools vary per task or with their
	// options set them on the first observation (the one Reset returns);
	// when they are empty, Spec.Action.Tools are the tools (see ToolsOr).
	Tools []Tool `json:"tools,omitempty"`
}

// ToolsOr returns the tools of the episode that o, its first observation,
// starts: o.Tools, or when there are none, the spec's Action.Tools.
func (o Obs) ToolsOr(spec *Spec) []Tool {
	if len(o.Tools) > 0 {
		return o.Tools
	}
	return spec.Action.Tools
}

// Message is a chat message in OpenAI format.
type Message struct {
	Role       string     `json:"role"`
	Content    string     `json:"content"`
	Name       string     `json:"name,omitempty"`
	ToolCalls  []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID string     `json:"tool_call_id,omitempty"`
}

// ToolCall is a call of a named tool with JSON arguments (OpenAI format).
type ToolCall struct {
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
}

// UnmarshalJSON accepts arguments as a JSON object or, as OpenAI's API sends
// them, as a string holding JSON, and the OpenAI wire form
// {"id", "type": "function", "function": {"name", "arguments"}}.
func (c *ToolCall) UnmarshalJSON(b []byte) error {
	var w struct {
		ID        string          `json:"id"`
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
		Function  *struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"function"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Function != nil && w.Name == "" {
		w.Name, w.Arguments = w.Function.Name, w.Function.Arguments
	}
	args := bytes.TrimSpace(w.Arguments)
	if len(args) > 0 && args[0] == '"' {
		var s string
		if err := json.Unmarshal(args, &s); err != nil {
			return err
		}
		args = []byte(s)
	}
	*c = ToolCall{ID: w.ID, Name: w.Name, Arguments: json.RawMessage(args)}
	return nil
}

// ActionKind tells which field of an Action carries it.
type ActionKind uint8

const (
	// ActIndex is a discrete action: Action.Index. It is the zero kind, so
	// Action{Index: 2} is discrete action 2.
	ActIndex ActionKind = iota
	// ActText is free text (an LLM completion, a word such as "left"),
	// which the env parses.
	ActText
	// ActMessage is an assistant message: Text and structured ToolCalls.
	// A message without tool calls is the final answer in tool-using envs.
	ActMessage
)

// Action is what an agent does. On the wire a discrete action is an
// integer, free text is a string, and an assistant message is an object
// {"text", "tool_calls"}.
type Action struct {
	Kind      ActionKind
	Index     int
	Text      string
	ToolCalls []ToolCall
}

// IndexAction returns the discrete action i.
func IndexAction(i int) Action { return Action{Kind: ActIndex, Index: i} }

// TextAction returns a free-text action.
func TextAction(s string) Action { return Action{Kind: ActText, Text: s} }

// MessageAction returns an assistant message with optional tool calls.
func MessageAction(text string, calls ...ToolCall) Action {
	return Action{Kind: ActMessage, Text: text, ToolCalls: calls}
}

// String describes the action briefly, for logs and transcripts.
func (a Action) String() string {
	switch a.Kind {
	case ActIndex:
		return strconv.Itoa(a.Index)
	case ActText:
		return strconv.Quote(a.Text)
	default:
		b, _ := json.Marshal(a)
		return string(b)
	}
}

type wireMessageAction struct {
	Text      string     `json:"text,omitempty"`
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
}

// MarshalJSON writes the wire form: an integer, a string or an object.
func (a Action) MarshalJSON() ([]byte, error) {
	switch a.Kind {
	case ActIndex:
		return strconv.AppendInt(nil, int64(a.Index), 10), nil
	case ActText:
		return json.Marshal(a.Text)
	case ActMessage:
		return json.Marshal(wireMessageAction{a.Text, a.ToolCalls})
	}
	return nil, fmt.Errorf("dojo: unknown action kind %d", a.Kind)
}

// UnmarshalJSON reads the wire form: an integer, a string or an object
// {"text", "tool_calls"}. Anything else is an error naming what was found.
func (a *Action) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return fmt.Errorf("action: empty")
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("action: %s", DescribeJSONError(err))
		}
		*a = TextAction(s)
		return nil
	case '{':
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var m wireMessageAction
		if err := dec.Decode(&m); err != nil {
			return fmt.Errorf("action object: %s (want {\"text\": string, \"tool_calls\": [{\"id\", \"name\", \"arguments\"}]})", DescribeJSONError(err))
		}
		*a = MessageAction(m.Text, m.ToolCalls...)
		return nil
	case '[', 'n', 't', 'f':
		return fmt.Errorf("action: got %s, want an integer, a string or an object {\"text\", \"tool_calls\"}", abbreviate(b))
	}
	i, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || int64(int(i)) != i {
		return fmt.Errorf("action: %s is not an integer index", abbreviate(b))
	}
	*a = IndexAction(int(i))
	return nil
}

func abbreviate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// Step is the result of Env.Step.
type Step struct {
	Obs        Obs     `json:"observation"`
	Reward     float64 `json:"reward"`
	Terminated bool    `json:"terminated"`
	Truncated  bool    `json:"truncated"`
	Info       Info    `json:"info"`
}

// Done reports whether the episode ended with this step.
func (s Step) Done() bool { return s.Terminated || s.Truncated }

// Clone returns a copy of s that shares no env-owned buffers, so it stays
// valid after the next Step or Reset.
func (s Step) Clone() Step {
	s.Obs = s.Obs.Clone()
	s.Info = s.Info.Clone()
	return s
}

// Clone returns a deep copy of the observation's slices. Value is copied when
// it is one of the common slice types; other values are shared.
func (o Obs) Clone() Obs {
	if o.Messages != nil {
		o.Messages = append([]Message(nil), o.Messages...)
	}
	if o.Tools != nil {
		o.Tools = append([]Tool(nil), o.Tools...)
	}
	o.Value = CloneValue(o.Value)
	return o
}

// CloneValue copies the slice types envs use for structured observations
// ([]int, []int8, []float64, []float32, []uint8); other values are returned
// as they are.
func CloneValue(v any) any {
	switch x := v.(type) {
	case []int:
		return append([]int(nil), x...)
	case []int8:
		return append([]int8(nil), x...)
	case []uint8:
		return append([]uint8(nil), x...)
	case []float64:
		return append([]float64(nil), x...)
	case []float32:
		return append([]float32(nil), x...)
	case interface{ CloneValue() any }:
		return x.CloneValue()
	}
	return v
}

// Info describes a step beyond its reward.
type Info struct {
	// Success is the verifiable outcome of the episode so far; it is final
	// once the episode ends and never depends on the reward profile.
	Success bool `json:"success"`
	// Parts is the reward broken into named components; the reward is the
	// sum of Value*Weight over Parts.
	Parts []Part `json:"parts"`
	// Invalid is set when the action was bad; Error says why.
	Invalid bool   `json:"invalid,omitempty"`
	Error   string `json:"error,omitempty"`
	// Metrics are numeric facts about the step (regret, distance, ...).
	Metrics Metrics `json:"metrics,omitempty"`
	// Extra holds other family-specific facts; it must marshal to JSON.
	Extra map[string]any `json:"extra,omitempty"`
}

// Clone copies the info's slices and map.
func (i Info) Clone() Info {
	if i.Parts != nil {
		i.Parts = append([]Part(nil), i.Parts...)
	}
	if i.Metrics != nil {
		i.Metrics = append(Metrics(nil), i.Metrics...)
	}
	if i.Extra != nil {
		m := make(map[string]any, len(i.Extra))
		for k, v := range i.Extra {
			m[k] = v
		}
		i.Extra = m
	}
	return i
}

// Part is one named component of a reward: it contributes Value*Weight.
type Part struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Weight float64 `json:"weight"`
}

// Metric is a named number reported in Info.
type Metric struct {
	Name  string
	Value float64
}

// Metrics is an ordered list of metrics. It marshals to a JSON object whose
// keys keep their order.
type Metrics []Metric

// Get returns the value of the named metric.
func (m Metrics) Get(name string) (float64, bool) {
	for _, x := range m {
		if x.Name == name {
			return x.Value, true
		}
	}
	return 0, false
}

// MarshalJSON writes {"name": value, ...} in order.
func (m Metrics) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, x := range m {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, x.Name)
		b = append(b, ':')
		if math.IsNaN(x.Value) || math.IsInf(x.Value, 0) {
			return nil, fmt.Errorf("metric %q: %v is not a JSON number", x.Name, x.Value)
		}
		b, _ = AppendJSONFloat(b, x.Value, 64)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads a JSON object of numbers, keeping key order.
func (m *Metrics) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("metrics: want an object")
	}
	var out Metrics
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var v float64
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("metrics %q: %v", t, err)
		}
		out = append(out, Metric{Name: t.(string), Value: v})
	}
	*m = out
	return nil
}

// Sum returns the weighted sum of the parts: the reward they make. The
// explicit conversion keeps the compiler from fusing the multiply and add,
// so rewards are bit-identical on every architecture.
func Sum(parts []Part) float64 {
	var r float64
	for _, p := range parts {
		r += float64(p.Value * p.Weight)
	}
	return r
}
