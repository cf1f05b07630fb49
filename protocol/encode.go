package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/dojo-rl/dojo"
)

// The encoders here write observations, infos and steps exactly as
// encoding/json does with HTML escaping off (the tests compare them), but
// without reflection for the values envs use on the hot path. Anything
// else falls back to encoding/json. Either way the output is a function of
// the value only: map keys are sorted, floats are formatted as
// encoding/json formats them, so the same episode gives the same bytes.

// marshal encodes v as encoding/json does, without HTML escaping (a text
// observation holding "<tool_call>" stays readable).
func marshal(v any) ([]byte, error) {
	return appendJSON(nil, v)
}

type jsonBuf struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonBufs = sync.Pool{New: func() any {
	jb := &jsonBuf{}
	jb.enc = json.NewEncoder(&jb.buf)
	jb.enc.SetEscapeHTML(false)
	return jb
}}

// appendJSON appends v encoded by encoding/json without HTML escaping.
func appendJSON(b []byte, v any) ([]byte, error) {
	jb := jsonBufs.Get().(*jsonBuf)
	jb.buf.Reset()
	err := jb.enc.Encode(v)
	if err == nil {
		out := jb.buf.Bytes()
		b = append(b, out[:len(out)-1]...) // without Encode's newline
	}
	if jb.buf.Cap() <= 1<<20 {
		jsonBufs.Put(jb)
	}
	if err != nil {
		return b, fmt.Errorf("does not marshal to JSON: %v", err)
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, as encoding/json does without
// HTML escaping: invalid UTF-8 becomes U+FFFD, U+2028 and U+2029 are
// escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// errNonFinite is returned for NaN and infinite numbers, which JSON cannot
// carry.
type errNonFinite struct {
	what string
	f    float64
}

func (e errNonFinite) Error() string {
	return fmt.Sprintf("%s is %v, which JSON cannot carry", e.what, e.f)
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// appendValue appends an observation value. The types envs box on the hot
// path are written directly; any other is encoded by encoding/json.
func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		return appendValueFloat(b, x, 64)
	case float32:
		return appendValueFloat(b, float64(x), 32)
	case bool:
		return appendBool(b, x), nil
	case string:
		return appendString(b, x), nil
	case []int:
		return appendInts(b, x), nil
	case []int8:
		return appendInts(b, x), nil
	case []int32:
		return appendInts(b, x), nil
	case []int64:
		return appendInts(b, x), nil
	case []float64:
		return appendFloats(b, x, 64)
	case []float32:
		return appendFloats(b, x, 32)
	}
	return appendJSON(b, v)
}

// appendInts appends a slice of integers as a JSON array (null when nil,
// as encoding/json writes it).
func appendInts[T int | int8 | int32 | int64](b []byte, x []T) []byte {
	if x == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, e := range x {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(e), 10)
	}
	return append(b, ']')
}

// appendFloats appends a slice of floats of the given bit size as a JSON
// array; a non-finite element is an error.
func appendFloats[T float32 | float64](b []byte, x []T, bits int) ([]byte, error) {
	if x == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i, e := range x {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendValueFloat(b, float64(e), bits); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func appendValueFloat(b []byte, f float64, bits int) ([]byte, error) {
	b, ok := dojo.AppendJSONFloat(b, f, bits)
	if !ok {
		return b, errNonFinite{"an observation value", f}
	}
	return b, nil
}

// appendObs appends an observation: {"text", "messages", "value", "tools"},
// fields that are empty left out.
func appendObs(b []byte, o *dojo.Obs) ([]byte, error) {
	b = append(b, '{')
	comma := false
	if o.Text != "" {
		b = append(b, `"text":`...)
		b = appendString(b, o.Text)
		comma = true
	}
	if len(o.Messages) > 0 {
		if comma {
			b = append(b, ',')
		}
		b = append(b, `"messages":[`...)
		for i := range o.Messages {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendMessage(b, &o.Messages[i]); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
		comma = true
	}
	if o.Value != nil {
		if comma {
			b = append(b, ',')
		}
		b = append(b, `"value":`...)
		var err error
		if b, err = appendValue(b, o.Value); err != nil {
			return b, err
		}
		comma = true
	}
	if len(o.Tools) > 0 {
		// Only first observations carry tools: off the hot path.
		if comma {
			b = append(b, ',')
		}
		b = append(b, `"tools":`...)
		var err error
		if b, err = appendJSON(b, o.Tools); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func appendMessage(b []byte, m *dojo.Message) ([]byte, error) {
	if len(m.ToolCalls) > 0 {
		return appendJSON(b, m)
	}
	b = append(b, `{"role":`...)
	b = appendString(b, m.Role)
	b = append(b, `,"content":`...)
	b = appendString(b, m.Content)
	if m.Name != "" {
		b = append(b, `,"name":`...)
		b = appendString(b, m.Name)
	}
	if m.ToolCallID != "" {
		b = append(b, `,"tool_call_id":`...)
		b = appendString(b, m.ToolCallID)
	}
	return append(b, '}'), nil
}

// appendInfo appends an info: {"success", "parts", "invalid", "error",
// "metrics", "extra"}, the last four only when set.
func appendInfo(b []byte, in *dojo.Info) ([]byte, error) {
	var err error
	b = append(b, `{"success":`...)
	b = appendBool(b, in.Success)
	b = append(b, `,"parts":`...)
	if b, err = appendParts(b, in.Parts); err != nil {
		return b, err
	}
	if in.Invalid {
		b = append(b, `,"invalid":true`...)
	}
	if in.Error != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, in.Error)
	}
	if len(in.Metrics) > 0 {
		b = append(b, `,"metrics":{`...)
		for i, m := range in.Metrics {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, m.Name)
			b = append(b, ':')
			var ok bool
			if b, ok = dojo.AppendJSONFloat(b, m.Value, 64); !ok {
				return b, errNonFinite{"metric " + strconv.Quote(m.Name), m.Value}
			}
		}
		b = append(b, '}')
	}
	if len(in.Extra) > 0 {
		b = append(b, `,"extra":`...)
		if b, err = appendJSON(b, in.Extra); err != nil {
			return b, fmt.Errorf("info.extra %v", err)
		}
	}
	return append(b, '}'), nil
}

func appendParts(b []byte, parts []dojo.Part) ([]byte, error) {
	if parts == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range parts {
		p := &parts[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendString(b, p.Name)
		b = append(b, `,"value":`...)
		var ok bool
		if b, ok = dojo.AppendJSONFloat(b, p.Value, 64); !ok {
			return b, errNonFinite{"reward part " + strconv.Quote(p.Name), p.Value}
		}
		b = append(b, `,"weight":`...)
		if b, ok = dojo.AppendJSONFloat(b, p.Weight, 64); !ok {
			return b, errNonFinite{"the weight of reward part " + strconv.Quote(p.Name), p.Weight}
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendStep appends a step result: {"observation", "reward",
// "terminated", "truncated", "info"}.
func appendStep(b []byte, s *dojo.Step) ([]byte, error) {
	var err error
	b = append(b, `{"observation":`...)
	if b, err = appendObs(b, &s.Obs); err != nil {
		return b, err
	}
	b = append(b, `,"reward":`...)
	var ok bool
	if b, ok = dojo.AppendJSONFloat(b, s.Reward, 64); !ok {
		return b, errNonFinite{"the reward", s.Reward}
	}
	b = append(b, `,"terminated":`...)
	b = appendBool(b, s.Terminated)
	b = append(b, `,"truncated":`...)
	b = appendBool(b, s.Truncated)
	b = append(b, `,"info":`...)
	if b, err = appendInfo(b, &s.Info); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appendReset appends a reset result: {"observation", "info"}.
func appendReset(b []byte, o *dojo.Obs, in *dojo.Info) ([]byte, error) {
	var err error
	b = append(b, `{"observation":`...)
	if b, err = appendObs(b, o); err != nil {
		return b, err
	}
	b = append(b, `,"info":`...)
	if b, err = appendInfo(b, in); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}
