package dojo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Task is a generated, verifiable task: what a model is shown (Prompt and
// Tools) and, in Verify, the hidden part its verifier needs (gold answer,
// expected end state). Tasks travel as JSON lines (dojo gen) that common
// trainers load as datasets; a client that must not see the gold drops
// Verify and sends the task back by Env, Options and Seed, from which the
// generator rebuilds it.
type Task struct {
	// ID is unique within the generator: env id, options and seed.
	ID      string    `json:"id"`
	Env     string    `json:"env"`
	Options Options   `json:"options,omitempty"`
	Seed    uint64    `json:"seed"`
	Prompt  []Message `json:"prompt"`
	Tools   []Tool    `json:"tools,omitempty"`
	// Verify is the verifier's part: opaque to clients, understood by the
	// env family that made the task.
	Verify json.RawMessage `json:"verify,omitempty"`
	// Meta holds descriptive facts (difficulty, kind) for filtering.
	Meta map[string]any `json:"meta,omitempty"`
}

// Response is a model's answer to a task: its final text, or the whole
// assistant side of a multi-turn exchange as messages.
type Response struct {
	Text     string    `json:"text,omitempty"`
	Messages []Message `json:"messages,omitempty"`
}

// Score is a verifier's judgement of a response: the reward under the
// configured profile, the verifiable outcome, and the reward's parts.
type Score struct {
	Reward  float64 `json:"reward"`
	Success bool    `json:"success"`
	Parts   []Part  `json:"parts"`
	// Error says why a response could not be scored normally (malformed,
	// unparseable); such a response scores the floor.
	Error string `json:"error,omitempty"`
}

// TaskGenerator is implemented by envs of task-based families. Generation
// is deterministic and O(1) in the seed: the seed selects the task.
// Reset(seed) on the same env starts an episode of the same task.
type TaskGenerator interface {
	GenerateTask(ctx context.Context, seed uint64) (Task, error)
}

// TaskVerifier is implemented by envs that score responses to their tasks
// without running an episode (a reward function for RL trainers).
type TaskVerifier interface {
	VerifyTask(ctx context.Context, t Task, r Response) (Score, error)
}

// UnmarshalJSON reads a task in either of the shapes dojo writes: the
// protocol's (task/generate: options, tools, verify and meta as JSON
// values, tools in MCP's shape) and the flat rows of dojo gen's files,
// where options, tools, verify and meta are JSON text in string columns
// (so that dataset tools see one stable schema) and tools may be in
// OpenAI's function-tool shape. A row's other columns (split) are ignored.
func (t *Task) UnmarshalJSON(b []byte) error {
	var w struct {
		ID      string          `json:"id"`
		Env     string          `json:"env"`
		Options json.RawMessage `json:"options"`
		Seed    uint64          `json:"seed"`
		Prompt  []Message       `json:"prompt"`
		Tools   json.RawMessage `json:"tools"`
		Verify  json.RawMessage `json:"verify"`
		Meta    json.RawMessage `json:"meta"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*t = Task{ID: w.ID, Env: w.Env, Seed: w.Seed, Prompt: w.Prompt}
	var err error
	if w.Options, err = unquoteColumn("options", w.Options); err != nil {
		return err
	}
	if len(w.Options) > 0 {
		if err := json.Unmarshal(w.Options, &t.Options); err != nil {
			return fmt.Errorf(`"options": want a JSON object of env options: %v`, err)
		}
	}
	if w.Tools, err = unquoteColumn("tools", w.Tools); err != nil {
		return err
	}
	if len(w.Tools) > 0 {
		if err := json.Unmarshal(w.Tools, &t.Tools); err != nil {
			return fmt.Errorf(`"tools": want an array of tools, in MCP's shape {"name", "description", "inputSchema"} or OpenAI's {"type": "function", "function": {"name", "description", "parameters"}}: %v`, err)
		}
	}
	if w.Verify, err = unquoteColumn("verify", w.Verify); err != nil {
		return err
	}
	t.Verify = w.Verify
	if w.Meta, err = unquoteColumn("meta", w.Meta); err != nil {
		return err
	}
	if len(w.Meta) > 0 {
		if err := json.Unmarshal(w.Meta, &t.Meta); err != nil {
			return fmt.Errorf(`"meta": want a JSON object: %v`, err)
		}
	}
	return nil
}

// unquoteColumn returns the JSON a member holds: the member itself, or,
// when it is a string, the JSON text inside it (a flat row's column). A
// null or empty string is absent.
func unquoteColumn(name string, raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] != '"' {
		return raw, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("%q: %v", name, err)
	}
	s = strings.TrimSpace(s)
	if s == "" || s == "null" {
		return nil, nil
	}
	if !json.Valid([]byte(s)) {
		return nil, fmt.Errorf("%q: a string column holds JSON text, got %.60q", name, s)
	}
	return json.RawMessage(s), nil
}
