package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dojo-rl/dojo"
)

// ProtocolVersion is the version of the protocol this package speaks, sent
// in the initialize exchange of both sides.
const ProtocolVersion = "1"

// Protocol-level error kinds beyond dojo's own codes. They share dojo.Code's
// type so that one table maps every kind to its JSON-RPC code.
const (
	// CodeParse: the line is not JSON.
	CodeParse dojo.Code = "parse_error"
	// CodeInvalidRequest: the line is JSON but not a JSON-RPC 2.0 request
	// (or longer than the line limit).
	CodeInvalidRequest dojo.Code = "invalid_request"
	// CodeMethodNotFound: no such method.
	CodeMethodNotFound dojo.Code = "method_not_found"
	// CodeUnsupported: the env lacks what the method needs (an env that
	// does not generate tasks, or cannot draw itself as PNG).
	CodeUnsupported dojo.Code = "unsupported"
	// CodeLimit: a session limit was reached (open envs).
	CodeLimit dojo.Code = "limit"
)

// codeTable maps error kinds to JSON-RPC error codes. It is the one table
// of the package doc; RPCCode and KindOf read it both ways.
var codeTable = []struct {
	kind dojo.Code
	code int
}{
	{CodeParse, -32700},
	{CodeInvalidRequest, -32600},
	{CodeMethodNotFound, -32601},
	{dojo.CodeInvalid, -32602},
	{dojo.CodeInternal, -32000},
	{dojo.CodeNotFound, -32001},
	{dojo.CodeState, -32002},
	{dojo.CodeTimeout, -32003},
	{dojo.CodeCanceled, -32004},
	{dojo.CodeUnavailable, -32005},
	{CodeUnsupported, -32006},
	{CodeLimit, -32007},
}

// RPCCode returns the JSON-RPC error code of an error kind: a dojo.Code or
// one of this package's Code constants. An unknown kind is -32000
// (internal).
func RPCCode(kind dojo.Code) int {
	for _, c := range codeTable {
		if c.kind == kind {
			return c.code
		}
	}
	return -32000
}

// KindOf returns the error kind of a JSON-RPC error code, the inverse of
// RPCCode. The standard internal error -32603 and any code not in the
// table are dojo.CodeInternal.
func KindOf(code int) dojo.Code {
	for _, c := range codeTable {
		if c.code == code {
			return c.kind
		}
	}
	return dojo.CodeInternal
}

// Error is a JSON-RPC error object: what the server sends, and what an exec
// agent's error responses are read into.
type Error struct {
	Code    int        `json:"code"`
	Message string     `json:"message"`
	Data    *ErrorData `json:"data,omitempty"`
}

// ErrorData is the data member of dojo's error objects: the error's kind
// (its dojo code, or parse_error, invalid_request, method_not_found,
// unsupported, limit) and, when one parameter was wrong, its name as a
// dotted path ("seed", "options.map_name", "steps.3.action").
type ErrorData struct {
	Kind  dojo.Code `json:"kind"`
	Field string    `json:"field,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// Kind returns the error's kind: Data.Kind when present, else the kind of
// its code.
func (e *Error) Kind() dojo.Code {
	if e.Data != nil && e.Data.Kind != "" {
		return e.Data.Kind
	}
	return KindOf(e.Code)
}

// newError returns the wire error of kind with a message.
func newError(kind dojo.Code, field, format string, args ...any) *Error {
	return &Error{Code: RPCCode(kind), Message: fmt.Sprintf(format, args...), Data: &ErrorData{Kind: kind, Field: field}}
}

// invalidParam returns a -32602 error naming the field.
func invalidParam(field, format string, args ...any) *Error {
	return newError(dojo.CodeInvalid, field, format, args...)
}

// toWire converts err to the wire error. dojo errors keep their message,
// code and field; context errors get dojo's words; any other error is an
// internal error whose text goes to the log only, never to the client.
// what names the operation ("env/step on e3 (gridworld/FrozenLake-v1)").
func toWire(err error, what string, logf func(msg string, err error)) *Error {
	var we *Error
	if errors.As(err, &we) {
		return we
	}
	var de *dojo.Error
	if errors.As(err, &de) {
		msg := de.Msg
		if msg == "" {
			msg = string(de.Code)
		}
		if de.Code == "" {
			return newError(dojo.CodeInternal, de.Field, "%s", msg)
		}
		return newError(de.Code, de.Field, "%s", msg)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return newError(dojo.CodeTimeout, "", "%s: deadline exceeded", what)
	case errors.Is(err, context.Canceled):
		return newError(dojo.CodeCanceled, "", "%s: canceled (the session is shutting down)", what)
	}
	if logf != nil {
		logf(what, err)
	}
	return newError(dojo.CodeInternal, "", "%s failed with an internal error (the server log on stderr has the details)", what)
}

// envelope is a JSON-RPC message as read, before validation. Every member
// is kept raw so that its JSON type can be checked; a member that is absent
// is nil. Member names are matched exactly, as JSON-RPC requires.
type envelope struct {
	JSONRPC, ID, Method, Params, Result, Error json.RawMessage
}

// slowEnvelope reads a line holding one JSON object with encoding/json,
// checking the whole line. A line that is not JSON is a parse error; JSON
// of another type is an invalid request.
func slowEnvelope(line []byte) (envelope, *Error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(line, &m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return envelope{}, newError(CodeParse, "", "parse error: the line is not valid JSON (at byte %d); send one JSON-RPC request object per line", se.Offset)
		}
		// Valid JSON of another type: an array (a batch), a number...
		return envelope{}, newError(CodeInvalidRequest, "", "invalid request: got %s, want a JSON-RPC 2.0 request object (batch arrays are not supported: env/stepMany batches steps)", jsonKind(line))
	}
	if m == nil { // the line is null
		return envelope{}, newError(CodeInvalidRequest, "", "invalid request: got null, want a JSON-RPC 2.0 request object")
	}
	return envelope{JSONRPC: m["jsonrpc"], ID: m["id"], Method: m["method"], Params: m["params"], Result: m["result"], Error: m["error"]}, nil
}

var nullID = []byte("null")

// canonicalID validates a request id and returns it as it is echoed: a
// string re-encoded (so the response is valid UTF-8 JSON), a number as
// written, or null. ok is false for any other JSON type.
func canonicalID(raw json.RawMessage) (id []byte, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nullID, false
	}
	switch c := raw[0]; {
	case c == '"':
		if !utf8.Valid(raw) {
			return nullID, false // an id must be text: see idError
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nullID, false
		}
		if strings.ContainsRune(s, utf8.RuneError) {
			// Decoding replaced something (an escaped lone surrogate):
			// the id goes back as sent.
			return append([]byte(nil), raw...), true
		}
		return appendString(nil, s), true
	case c == '-' || (c >= '0' && c <= '9'):
		return append([]byte(nil), raw...), true // raw aliases the reused line buffer
	case c == 'n':
		return nullID, true
	}
	return nullID, false
}

// decodeParams decodes a params object into v (a pointer to a struct),
// rejecting unknown members and values of the wrong type with errors naming
// the field. method names the method in messages.
func decodeParams(raw json.RawMessage, v any, method string) *Error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		raw = []byte("{}")
	}
	if raw[0] != '{' {
		return invalidParam("params", "%s: params must be an object of named parameters (%s), got %s", method, fieldNames(v), jsonKind(raw))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return paramError(err, v, method)
	}
	return nil
}

// paramError turns a decoding error into a -32602 error naming the field,
// in dojo's words.
func paramError(err error, v any, method string) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "params"
		}
		return invalidParam(field, "%s: %s: want %s, got %s", method, field, dojo.JSONTypeName(te.Type), te.Value)
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		return invalidParam(name, "%s: unknown parameter %q (parameters: %s)", method, name, fieldNames(v))
	}
	var fe *fieldError
	if errors.As(err, &fe) {
		return invalidParam(fe.field, "%s: %s", method, fe.msg)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return invalidParam("params", "%s: params are not valid JSON at byte %d", method, se.Offset)
	}
	return invalidParam("params", "%s: params do not match the method's parameters (%s)", method, fieldNames(v))
}

// fieldError is returned by the custom decoders of parameter values.
type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// jsonKind names the JSON type of a raw value.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// fieldNames lists the JSON names of the fields of the struct v points to.
func fieldNames(v any) string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	var names []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return strings.Join(names, ", ")
}

// appendErrorLine appends a whole response line with an error.
func appendErrorLine(b, id []byte, e *Error) []byte {
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	b = append(b, `,"error":`...)
	b = appendError(b, e)
	return append(b, "}\n"...)
}

// appendError appends an error object.
func appendError(b []byte, e *Error) []byte {
	b = append(b, `{"code":`...)
	b = strconv.AppendInt(b, int64(e.Code), 10)
	b = append(b, `,"message":`...)
	b = appendString(b, e.Message)
	if e.Data != nil {
		b = append(b, `,"data":{"kind":`...)
		b = appendString(b, string(e.Data.Kind))
		if e.Data.Field != "" {
			b = append(b, `,"field":`...)
			b = appendString(b, e.Data.Field)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}
