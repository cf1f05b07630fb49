package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/dojo-rl/dojo"
)

// ---- task/generate and task/verify

type generateParams struct {
	ID      string          `json:"id"`
	Options json.RawMessage `json:"options"`
	Seed    uint64          `json:"seed"`
	Count   *int            `json:"count"`
	Verify  bool            `json:"verify"`
}

func mGenerate(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p generateParams
	if err := ss.decode(raw, &p, "task/generate"); err != nil {
		return nil, "", err
	}
	if p.ID == "" {
		return nil, "", invalidParam("id", "task/generate: id: required, the id of a task-based env")
	}
	count := 1
	if p.Count != nil {
		count = *p.Count
	}
	if count < 1 || count > MaxTasks {
		return nil, "", invalidParam("count", "task/generate: count %d: want 1 to %d tasks per request", count, MaxTasks)
	}
	if p.Seed > math.MaxUint64-uint64(count-1) {
		return nil, "", invalidParam("seed", "task/generate: seeds %d to %d+%d overflow 64 bits", p.Seed, p.Seed, count-1)
	}
	opts, err := dojo.ParseOptions(p.Options)
	if err != nil {
		return nil, "", toWire(err, "task/generate", nil)
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		// The response is bounded as a request line is (the tasks may
		// well be sent back to task/verify): past ss.maxLine bytes the
		// request fails with a limit error saying how many fit.
		start := len(dst)
		b := append(dst, `{"tasks":[`...)
		for i := range count {
			t, err := ss.tasks.Generate(ctx, p.ID, opts, p.Seed+uint64(i))
			if err != nil {
				return nil, err
			}
			if !p.Verify {
				t.Verify = nil
			}
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, t); err != nil {
				return nil, dojo.Errorf(dojo.CodeInternal, "task/generate %s: a task %v", p.ID, err)
			}
			if n := len(b) - start; n > ss.maxLine {
				return nil, &dojo.Error{Code: CodeLimit, Field: "count", Msg: fmt.Sprintf(
					"task/generate: %d tasks of %s take more than the response limit of %d bytes (the first %d took %d): request at most %d per call, the next page with seed %d+%d",
					count, p.ID, ss.maxLine, i+1, n, max(1, i), p.Seed, max(1, i))}
			}
		}
		return append(b, "]}"...), nil
	}, p.ID, nil
}

type verifyParams struct {
	ID       string          `json:"id"`
	Task     json.RawMessage `json:"task"`
	Response json.RawMessage `json:"response"`
}

func mVerify(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p verifyParams
	if err := ss.decode(raw, &p, "task/verify"); err != nil {
		return nil, "", err
	}
	if len(bytes.TrimSpace(p.Task)) == 0 {
		return nil, "", invalidParam("task", "task/verify: task: required, a task as task/generate returned it")
	}
	var task dojo.Task
	if err := json.Unmarshal(p.Task, &task); err != nil {
		return nil, "", paramError(prefixField(err, "task"), &task, "task/verify")
	}
	if task.Env == "" {
		task.Env = p.ID
	}
	if p.ID != "" && task.Env != p.ID {
		return nil, "", invalidParam("id", "task/verify: id %q differs from the task's env %q", p.ID, task.Env)
	}
	resp, werr := decodeResponse(p.Response, "response")
	if werr != nil {
		werr.Message = "task/verify: " + werr.Message
		return nil, "", werr
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		var sc dojo.Score
		err := ss.timed(ctx, nil, "task/verify "+task.Env, func(ctx context.Context) (err error) {
			sc, err = ss.tasks.Verify(ctx, task, resp)
			return err
		})
		if err != nil {
			return nil, err
		}
		b, err := appendJSON(dst, sc)
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInternal, "task/verify %s: the score %v", task.Env, err)
		}
		return b, nil
	}, task.Env, nil
}

// prefixField makes a type error's field a path under prefix.
func prefixField(err error, prefix string) error {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		c := *te
		if c.Field == "" {
			c.Field = prefix
		} else {
			c.Field = prefix + "." + c.Field
		}
		return &c
	}
	return err
}

// decodeResponse reads a response: a string (the final text) or an object
// {"text", "messages"}.
func decodeResponse(raw json.RawMessage, field string) (dojo.Response, *Error) {
	var r dojo.Response
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return r, invalidParam(field, "%s: required: the model's final text, or {\"text\", \"messages\"}", field)
	}
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &r.Text); err != nil {
			return r, invalidParam(field, "%s: not a valid JSON string", field)
		}
		return r, nil
	case '{':
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return r, invalidParam(field, "%s: want {\"text\": string, \"messages\": [chat messages]} (%s)", field, describeDecodeError(err))
		}
		return r, nil
	}
	return r, invalidParam(field, "%s: got %s, want the model's final text or {\"text\", \"messages\"}", field, jsonKind(raw))
}

// describeDecodeError says in dojo's words what was wrong with a value.
func describeDecodeError(err error) string {
	var te *json.UnmarshalTypeError
	if ok := asTypeError(err, &te); ok {
		if te.Field != "" {
			return fmt.Sprintf("%s: want %s, got %s", te.Field, dojo.JSONTypeName(te.Type), te.Value)
		}
		return fmt.Sprintf("want %s, got %s", dojo.JSONTypeName(te.Type), te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + name
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("not valid JSON (at byte %d)", se.Offset)
	}
	return "not of the expected shape"
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = t
	}
	return ok
}
