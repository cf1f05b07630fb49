package dojo

import (
	"errors"
	"fmt"
)

// Code classifies an error. The protocol maps codes to JSON-RPC error codes;
// the CLI maps them to exit statuses.
type Code string

// Error codes.
const (
	CodeInvalid     Code = "invalid"     // bad input: options, params, files, flags
	CodeNotFound    Code = "not_found"   // unknown env id, handle, task or file
	CodeState       Code = "state"       // misuse: step before reset or after the end
	CodeTimeout     Code = "timeout"     // a deadline passed
	CodeCanceled    Code = "canceled"    // the context was canceled
	CodeUnavailable Code = "unavailable" // a transient failure worth retrying
	CodeInternal    Code = "internal"    // a bug or an unexpected failure
)

// Error is dojo's error type: a code, a message, and optionally the field
// (option, parameter, flag) that was wrong and the underlying error.
type Error struct {
	Code  Code
	Field string
	Msg   string
	Err   error
}

// Errorf returns an *Error with the given code and formatted message. A %w
// verb wraps its operand as Err.
func Errorf(code Code, format string, args ...any) *Error {
	e := fmt.Errorf(format, args...)
	return &Error{Code: code, Msg: e.Error(), Err: errors.Unwrap(e)}
}

// WithField returns a copy of e naming the field that was wrong.
func (e *Error) WithField(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the code of the first *Error in err's chain; context
// errors map to CodeTimeout and CodeCanceled; any other non-nil error is
// CodeInternal; nil is "".
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	switch {
	case errors.Is(err, contextDeadline):
		return CodeTimeout
	case errors.Is(err, contextCanceled):
		return CodeCanceled
	}
	return CodeInternal
}

// ErrorField returns the field named by the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Fatal marks err as fatal to the run it happens in: no later episode can
// fare better (the server rejected the API key, or has been unreachable
// since the run began), so the runner stops the whole run at once with it
// instead of failing every episode in turn. The code and the message of err
// are kept. Fatal(nil) is nil.
func Fatal(err error) error {
	if err == nil {
		return nil
	}
	return &fatalError{err}
}

// IsFatal reports whether err's chain holds an error marked by Fatal.
func IsFatal(err error) bool {
	var f *fatalError
	return errors.As(err, &f)
}

type fatalError struct{ err error }

func (f *fatalError) Error() string { return f.err.Error() }
func (f *fatalError) Unwrap() error { return f.err }

// Common misuse errors, returned (wrapped or as they are) by envs.
var (
	ErrNotReset = &Error{Code: CodeState, Msg: "step before reset: call Reset first"}
	ErrEnded    = &Error{Code: CodeState, Msg: "step after the episode ended: call Reset to start a new one"}
)
