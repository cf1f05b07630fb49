// Package toolschema compiles tools' input schemas (JSON Schema, as dojo.Tool
// and MCP carry them) and checks tool-call arguments against them, with
// errors that name each argument that was wrong: the one checker of the
// toolcall worlds and the MCP server.
package toolschema

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Compile compiles a schema given as JSON; name says whose it is in
// errors.
func Compile(name string, schema []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return nil, fmt.Errorf("schema of %s: %v", name, err)
	}
	c := jsonschema.NewCompiler()
	url := "mem://dojo/" + name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("schema of %s: %v", name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("schema of %s: %v", name, err)
	}
	return s, nil
}

// MustCompile is Compile for schemas written in the program: it panics on
// an error.
func MustCompile(name string, schema []byte) *jsonschema.Schema {
	s, err := Compile(name, schema)
	if err != nil {
		panic(err)
	}
	return s
}

// Decode parses a call's arguments as JSON (numbers as json.Number), taking
// empty arguments and null as {}. It does not check their shape.
func Decode(raw []byte) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(raw))
}

// Check validates decoded arguments against a schema; its error is
// Message's one line.
func Check(s *jsonschema.Schema, v any) error {
	if err := s.Validate(v); err != nil {
		return errors.New(Message(err))
	}
	return nil
}

// Message flattens a validation error to one line: the leaf causes, each
// with the argument it concerns, sorted.
func Message(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var msgs []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := "arguments"
			if len(e.InstanceLocation) > 0 {
				loc = "argument " + strings.Join(e.InstanceLocation, ".")
			}
			msgs = append(msgs, loc+": "+e.ErrorKind.LocalizedString(printer))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.Strings(msgs)
	return strings.Join(msgs, "; ")
}

var printer = message.NewPrinter(language.English)
