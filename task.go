package dojo

import (
	"context"
	"encoding/json"
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
