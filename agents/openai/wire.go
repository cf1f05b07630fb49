package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo"
)

// marshal is json.Marshal without HTML escaping, so that text such as
// <tool_call> travels as it reads.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// wireMessage is a request message in OpenAI's format.
type wireMessage struct {
	Role       string         `json:"role"`
	Content    string         `json:"content"`
	Name       string         `json:"name,omitempty"`
	ToolCalls  []wireToolCall `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
}

type wireToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Function wireFunction `json:"function"`
}

// wireFunction carries the arguments as a string holding JSON, as OpenAI's
// API wants them.
type wireFunction struct {
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
}

// encodeMessage writes an env's message in OpenAI's format.
func encodeMessage(m dojo.Message) ([]byte, error) {
	w := wireMessage{Role: m.Role, Content: m.Content, Name: m.Name, ToolCallID: m.ToolCallID}
	if w.Role == "" {
		w.Role = "user"
	}
	for _, c := range m.ToolCalls {
		args := string(c.Arguments)
		if args == "" {
			args = "{}"
		}
		w.ToolCalls = append(w.ToolCalls, wireToolCall{ID: c.ID, Type: "function", Function: wireFunction{Name: c.Name, Arguments: args}})
	}
	return marshal(w)
}

type wireTool struct {
	Type     string  `json:"type"`
	Function wireDef `json:"function"`
}

type wireDef struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters"`
}

var emptySchema = json.RawMessage(`{"type":"object","properties":{}}`)

// encodeTools writes the env's tools as OpenAI's tools array, nil for none.
// ToolsJSON returns the "tools" array the agent sends a model for tools:
// OpenAI function tools, [{"type": "function", "function": {"name",
// "description", "parameters"}}], with each tool's inputSchema as
// parameters; nil for no tools.
func ToolsJSON(tools []dojo.Tool) ([]byte, error) { return encodeTools(tools) }

func encodeTools(tools []dojo.Tool) ([]byte, error) {
	if len(tools) == 0 {
		return nil, nil
	}
	out := make([]wireTool, len(tools))
	for i, t := range tools {
		schema := json.RawMessage(bytes.TrimSpace(t.InputSchema))
		switch {
		case len(schema) == 0 || string(schema) == "null":
			schema = emptySchema
		case !json.Valid(schema):
			return nil, fmt.Errorf("tool %q: inputSchema is not valid JSON", t.Name)
		}
		out[i] = wireTool{Type: "function", Function: wireDef{Name: t.Name, Description: t.Description, Parameters: schema}}
	}
	return marshal(out)
}

// completion is a chat-completions response.
type completion struct {
	Choices []struct {
		Message      json.RawMessage `json:"message"`
		FinishReason string          `json:"finish_reason"`
	} `json:"choices"`
	Usage json.RawMessage `json:"usage"`
	Error json.RawMessage `json:"error"`
}

type respMessage struct {
	Role      string          `json:"role"`
	Content   json.RawMessage `json:"content"`
	Refusal   string          `json:"refusal"`
	ToolCalls json.RawMessage `json:"tool_calls"`
}

type respToolCall struct {
	ID       string `json:"id"`
	Function *struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

type usage struct {
	PromptTokens        float64 `json:"prompt_tokens"`
	CompletionTokens    float64 `json:"completion_tokens"`
	PromptTokensDetails *struct {
		CachedTokens float64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens float64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

// reply is a completion's first choice, read.
type reply struct {
	text    string          // the content as text
	calls   []dojo.ToolCall // the tool calls, arguments as valid JSON
	message []byte          // the assistant message for the history
	finish  string
	usage   usage
	// hasUsage, hasCached and hasReasoning say what the server reported.
	hasUsage, hasCached, hasReasoning bool
}

// malformed is a reply that is not a completion; it is worth retrying.
type malformed struct{ why string }

func (m *malformed) Error() string { return "malformed completion: " + m.why }

// parseCompletion reads a 2xx response body. turn numbers the assistant
// turn, for the ids of tool calls that lack one. An error is always a
// *malformed: the body is not a completion.
func parseCompletion(body []byte, turn int) (*reply, error) {
	var c completion
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, &malformed{fmt.Sprintf("%v in %s", err, abbreviate(body))}
	}
	if len(c.Error) > 0 && string(c.Error) != "null" {
		return nil, &malformed{"the server sent an error: " + serverMessage(body)}
	}
	if len(c.Choices) == 0 {
		return nil, &malformed{"no choices in " + abbreviate(body)}
	}
	ch := c.Choices[0]
	raw := bytes.TrimSpace(ch.Message)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, &malformed{"choices[0] has no message object"}
	}
	var m respMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, &malformed{fmt.Sprintf("choices[0].message: %v", err)}
	}
	r := &reply{finish: ch.FinishReason}
	var err error
	if r.text, err = contentText(m.Content); err != nil {
		return nil, &malformed{"choices[0].message.content: " + err.Error()}
	}
	if r.text == "" && m.Refusal != "" {
		r.text = m.Refusal
	}
	var calls []respToolCall
	if tc := bytes.TrimSpace(m.ToolCalls); len(tc) > 0 && string(tc) != "null" {
		if err := json.Unmarshal(tc, &calls); err != nil {
			return nil, &malformed{fmt.Sprintf("choices[0].message.tool_calls: %v", err)}
		}
	}
	patched := false
	for i, c := range calls {
		call := dojo.ToolCall{ID: c.ID}
		var args json.RawMessage
		if c.Function != nil {
			call.Name, args = c.Function.Name, c.Function.Arguments
		}
		call.Arguments = arguments(args)
		if call.ID == "" {
			call.ID = "call_" + strconv.Itoa(turn) + "_" + strconv.Itoa(i)
			patched = true
		}
		r.calls = append(r.calls, call)
	}
	if r.message, err = historyMessage(m, calls, r.calls, patched); err != nil {
		return nil, &malformed{fmt.Sprintf("choices[0].message: %v", err)}
	}
	if u := bytes.TrimSpace(c.Usage); len(u) > 0 && u[0] == '{' {
		// A usage object the agent cannot read costs the counts, not the
		// completion.
		if json.Unmarshal(u, &r.usage) == nil {
			r.hasUsage = true
			r.hasCached = r.usage.PromptTokensDetails != nil
			r.hasReasoning = r.usage.CompletionTokensDetails != nil
		}
	}
	return r, nil
}

// contentText reads a message's content: null, a string, or an array of
// parts whose text parts are joined.
func contentText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '[':
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if err := json.Unmarshal(raw, &parts); err != nil {
			return "", err
		}
		var b strings.Builder
		for _, p := range parts {
			if p.Type == "text" || p.Type == "" {
				b.WriteString(p.Text)
			}
		}
		return b.String(), nil
	}
	return "", fmt.Errorf("got %s, want a string, null or an array of parts", abbreviate(raw))
}

// arguments turns a tool call's arguments, as sent (a string holding JSON,
// or JSON itself), into valid JSON for dojo.ToolCall: empty or missing
// arguments are {}, and text that is not JSON becomes a JSON string holding
// it, which the env judges.
func arguments(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage(`{}`)
	}
	if raw[0] != '"' {
		return raw // JSON already (a server that sends an object)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return raw // cannot happen after the completion decoded
	}
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return json.RawMessage(`{}`)
	case json.Valid([]byte(t)):
		return json.RawMessage(t)
	}
	b, _ := marshal(s)
	return b
}

// historyMessage is the assistant message to append to the history: role,
// content and tool_calls as returned (tool calls given ids when patched).
func historyMessage(m respMessage, calls []respToolCall, parsed []dojo.ToolCall, patched bool) ([]byte, error) {
	role := m.Role
	if role == "" {
		role = "assistant"
	}
	var b []byte
	b = append(b, `{"role":`...)
	b = strconv.AppendQuote(b, role)
	b = append(b, `,"content":`...)
	content := bytes.TrimSpace(m.Content)
	switch {
	case len(content) > 0 && !(string(content) == "null" && len(calls) == 0):
		b = append(b, content...)
	case len(calls) > 0:
		b = append(b, "null"...)
	default:
		// OpenAI refuses an assistant message with neither content nor
		// tool calls.
		b = append(b, `""`...)
	}
	if len(calls) > 0 {
		tc := bytes.TrimSpace(m.ToolCalls)
		if patched {
			var objs []map[string]json.RawMessage
			if err := json.Unmarshal(tc, &objs); err != nil {
				return nil, err
			}
			for i := range objs {
				if objs[i] == nil { // a null call
					objs[i] = map[string]json.RawMessage{}
				}
				id, _ := marshal(parsed[i].ID)
				objs[i]["id"] = id
			}
			var err error
			if tc, err = marshal(objs); err != nil {
				return nil, err
			}
		}
		b = append(b, `,"tool_calls":`...)
		b = append(b, tc...)
	}
	b = append(b, '}')
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// hermes writes tool calls as <tool_call> blocks, the form text envs parse.
func hermes(text string, calls []dojo.ToolCall) string {
	var b strings.Builder
	b.WriteString(text)
	for _, c := range calls {
		j, _ := marshal(struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		}{c.Name, c.Arguments})
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("<tool_call>")
		b.Write(j)
		b.WriteString("</tool_call>")
	}
	return b.String()
}

// serverMessage digs the error message out of an error body: OpenAI's
// {"error": {"message"}}, vLLM's {"message"}, FastAPI's {"detail"}, or the
// body's start.
func serverMessage(body []byte) string {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &e) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(e.Error, &inner) == nil && inner.Message != "":
			return inner.Message
		case json.Unmarshal(e.Error, &s) == nil && s != "":
			return s
		case e.Message != "":
			return e.Message
		case json.Unmarshal(e.Detail, &s) == nil && s != "":
			return s
		case len(e.Detail) > 0 && string(e.Detail) != "null":
			return abbreviate(e.Detail)
		}
	}
	s := strings.TrimSpace(string(body))
	if s == "" {
		return "(empty body)"
	}
	return abbreviate([]byte(s))
}

func abbreviate(b []byte) string {
	const n = 200
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "..."
	}
	return strconv.Quote(string(b))
}
