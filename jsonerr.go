package dojo

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// DescribeJSONError says what was wrong with JSON that did not decode, in
// the terms of the format rather than of Go: "tool_calls: want an array,
// got string" where encoding/json says "cannot unmarshal string into Go
// struct field wireMessageAction.tool_calls of type []dojo.ToolCall".
func DescribeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("%s: want %s, got %s", te.Field, JSONTypeName(te.Type), te.Value)
		}
		return fmt.Sprintf("want %s, got %s", JSONTypeName(te.Type), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("not valid JSON (at byte %d)", se.Offset)
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + name
	}
	if errors.Is(err, errors.ErrUnsupported) {
		return msg
	}
	return strings.TrimPrefix(msg, "json: ")
}

// JSONTypeName names the JSON value a Go type decodes from ("a string",
// "an array", "an unsigned 64-bit integer"), for error messages in the
// terms of the format.
func JSONTypeName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return fmt.Sprintf("an unsigned %d-bit integer", t.Bits())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return JSONTypeName(t.Elem())
	}
	return "a " + t.Kind().String()
}
