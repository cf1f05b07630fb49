package protocol

import (
	"encoding/json"

	"github.com/dojo-rl/dojo"
)

// requestReader reads the request lines of a session. A session picks its
// reader once, when it starts (Server.reading), and only the goroutine
// reading requests uses it, one line at a time: envelope reads a line, and
// the methods of that line read their params through check, step and
// stepMany.
type requestReader interface {
	// envelope reads a line's envelope. A line that is not JSON is a
	// parse error, here or, when the reader leaves the params to their
	// method, from check.
	envelope(line []byte) (envelope, *Error)
	// check returns the parse error of the line last read if it is not
	// JSON, and nil if it is. Whoever decodes params with encoding/json
	// calls it first (session.decode), and so does an error about the
	// line, which a malformed line turns into a parse error.
	check() *Error
	// step reads env/step's params in their plain shape; ok is false when
	// they must be decoded (session.decode) instead.
	step(raw json.RawMessage) (env string, a dojo.Action, ok bool)
	// stepMany reads env/stepMany's params in the plain shape of the
	// parallel-arrays form into m.p, m.names and m.actions (reusing their
	// arrays); ok is false when they must be decoded instead.
	stepMany(raw json.RawMessage, m *stepMany) (ok bool)
}

// readerKind names a requestReader.
type readerKind uint8

const (
	// fastReading reads the plain lines of most clients with the strict
	// lexer of fast.go and hands the others to encoding/json (the
	// default).
	fastReading readerKind = iota
	// standardReading reads every line with encoding/json: what the fast
	// reader must agree with (the fuzz tests and BenchmarkStep compare
	// them).
	standardReading
)

// reader returns a new reader of the kind.
func (k readerKind) reader() requestReader {
	if k == standardReading {
		return standardReader{}
	}
	return &fastReader{}
}

// lineScan is what the fast reader knows of the line it read.
type lineScan uint8

const (
	// scanDeclined: the line is not of the plain shape, and encoding/json
	// must read it.
	scanDeclined lineScan = iota
	// lineJSON: the whole line is known to be JSON.
	lineJSON
	// paramsUnchecked: all but the params is known to be JSON. A strict
	// reader of the params (fastStep, fastStepMany) checks them as it
	// reads; anything else must check the line first (check).
	paramsUnchecked
)

// fastReader reads the plain request lines of most clients with the lexer
// of fast.go: the envelope without decoding the params, and env/step and
// env/stepMany's params without reflection. Any other line, or params of
// another shape, it hands to encoding/json, so results and error messages
// are the same either way.
type fastReader struct {
	line []byte // the line last read
	scan lineScan
}

func (r *fastReader) envelope(line []byte) (envelope, *Error) {
	r.line = line
	if env, scan := fastEnvelope(line); scan != scanDeclined {
		r.scan = scan
		return env, nil
	}
	r.scan = lineJSON // or a parse error, which is final
	return slowEnvelope(line)
}

func (r *fastReader) check() *Error {
	if r.scan != paramsUnchecked {
		return nil
	}
	if !json.Valid(r.line) {
		_, werr := slowEnvelope(r.line)
		if werr == nil { // cannot happen: the line is not JSON
			werr = newError(CodeParse, "", "parse error: the line is not valid JSON")
		}
		return werr
	}
	r.scan = lineJSON
	return nil
}

func (r *fastReader) step(raw json.RawMessage) (string, dojo.Action, bool) {
	return fastStep(raw)
}

func (r *fastReader) stepMany(raw json.RawMessage, m *stepMany) bool {
	p, names, actions, ok := fastStepManyInto(raw, m.names, m.actions)
	// Keep the arrays for the next request, whether read or not.
	if names != nil {
		m.names = names
	}
	if actions != nil {
		m.actions = actions
	}
	if ok {
		m.p = p
	}
	return ok
}

// standardReader reads every line with encoding/json.
type standardReader struct{}

func (standardReader) envelope(line []byte) (envelope, *Error) { return slowEnvelope(line) }

func (standardReader) check() *Error { return nil } // envelope checked the whole line

func (standardReader) step(json.RawMessage) (string, dojo.Action, bool) {
	return "", dojo.Action{}, false
}

func (standardReader) stepMany(json.RawMessage, *stepMany) bool { return false }
