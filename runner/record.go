package runner

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/shard"
)

// Episode is the record of one episode: one line of the output file. It
// holds everything needed to replay and render the episode without the env:
// the env id and resolved options, the seed, the reset observation and every
// step.
//
// Records of the same run are identical whatever the number of workers,
// except WallMS.
type Episode struct {
	Episode int          `json:"episode"` // index within the run, from 0
	Env     string       `json:"env"`
	Options dojo.Options `json:"options"` // every option of the env, defaults filled in
	Seed    uint64       `json:"seed"`    // Config.Seed + Episode
	Agent   string       `json:"agent"`
	// Reset is the first observation and info; Steps are the steps in
	// order. Both are left out with Config.NoSteps.
	Reset *ResetRecord `json:"reset,omitempty"`
	Steps []StepRecord `json:"steps,omitempty"`
	// Return is the sum of the rewards; Success is the env's verdict on
	// the last step; Length is the number of steps taken.
	Return     float64 `json:"return"`
	Success    bool    `json:"success"`
	Length     int     `json:"length"`
	Terminated bool    `json:"terminated"`
	Truncated  bool    `json:"truncated"`
	// Parts totals each reward component over the steps, in the order of
	// the first step's parts; recorded with Config.NoSteps too.
	Parts []PartTotal `json:"parts,omitempty"`
	// Series holds, for each metric named in Config.Series, its value in
	// Info.Metrics after every step (0 at a step that did not report it).
	Series map[string][]float64 `json:"series,omitempty"`
	WallMS float64              `json:"wall_ms"` // wall-clock time of the episode in milliseconds
	// Error says why the episode failed (the agent or the env returned an
	// error or panicked, a deadline passed); ErrorCode classifies it.
	Error     string    `json:"error,omitempty"`
	ErrorCode dojo.Code `json:"error_code,omitempty"`
	// Usage is what the agent spent on the episode (an LLM agent's
	// prompt_tokens, completion_tokens, requests, retries), from its
	// optional dojo.UsageReporter.
	Usage map[string]float64 `json:"usage,omitempty"`
	// Shard is set in the records of a shard (Config.Shard): which shard
	// of how many episodes. It is the record's last member, so that
	// MergeShards cuts it off and gives back the whole run's line.
	Shard *shard.Tag `json:"shard,omitempty"`
}

// PartTotal is one reward component summed over an episode's steps: the
// episode's return is the sum of Sum·Weight over its parts (up to rounding),
// as long as the weights stayed the same (they do within an episode).
type PartTotal struct {
	Name string `json:"name"`
	// Sum is the sum of the component's values over the steps.
	Sum float64 `json:"sum"`
	// Weight is the component's weight on the last step.
	Weight float64 `json:"weight"`
	// Fired is the number of steps where the value was not 0.
	Fired int `json:"fired"`
}

// PartTotals returns the episode's reward part totals: Parts, or for a
// record written before the runner totalled them, the sums over its steps.
func (ep *Episode) PartTotals() []PartTotal {
	if ep.Parts != nil || len(ep.Steps) == 0 {
		return ep.Parts
	}
	var out []PartTotal
	for _, s := range ep.Steps {
		out = addParts(out, s.Info.Parts)
	}
	return out
}

// addParts adds one step's parts to the totals.
func addParts(totals []PartTotal, parts []dojo.Part) []PartTotal {
	for i, p := range parts {
		j := i
		if j >= len(totals) || totals[j].Name != p.Name {
			j = slices.IndexFunc(totals, func(t PartTotal) bool { return t.Name == p.Name })
			if j < 0 {
				totals = append(totals, PartTotal{Name: p.Name})
				j = len(totals) - 1
			}
		}
		t := &totals[j]
		t.Sum += p.Value
		t.Weight = p.Weight
		if p.Value != 0 {
			t.Fired++
		}
	}
	return totals
}

// ResetRecord is the observation and info returned by Reset, and the
// env's state after it when the env describes it (dojo.Stater).
type ResetRecord struct {
	Obs  dojo.Obs  `json:"observation"`
	Info dojo.Info `json:"info"`
	// State is the env's whole state after Reset, a JSON object.
	State json.RawMessage `json:"state,omitempty"`
}

// StepRecord is one step: the action taken and what the env returned. The
// reward parts are in Info.Parts, as in the protocol's env/step result.
type StepRecord struct {
	Step       int         `json:"step"` // 1 for the first step
	Action     dojo.Action `json:"action"`
	Obs        dojo.Obs    `json:"observation"`
	Reward     float64     `json:"reward"`
	Terminated bool        `json:"terminated"`
	Truncated  bool        `json:"truncated"`
	Info       dojo.Info   `json:"info"`
	// State holds the members of the env's state (dojo.Stater) that this
	// step changed, new values replacing old ones and null marking a
	// member that is gone (a JSON merge patch of the top level; see
	// MergeState); it is left out when the step changed nothing. The
	// state after step k is the reset's state with the changes of steps
	// 1..k applied in order (Episode.States computes them).
	State json.RawMessage `json:"state,omitempty"`
}

// States returns the env's state after the reset and after each step
// (len(Steps)+1 values), from the state recorded at Reset and the changes
// recorded with each step. It returns nil when the episode has no recorded
// state, and an error naming the step whose state is not a JSON object.
func (ep *Episode) States() ([]json.RawMessage, error) {
	if ep.Reset == nil || len(ep.Reset.State) == 0 {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(ep.Reset.State, &m); err != nil || m == nil {
		return nil, fmt.Errorf("reset: state %s is not a JSON object", abbreviate(ep.Reset.State))
	}
	out := make([]json.RawMessage, len(ep.Steps)+1)
	out[0] = ep.Reset.State
	for i := range ep.Steps {
		if len(ep.Steps[i].State) == 0 {
			out[i+1] = out[i]
			continue
		}
		if err := mergeInto(m, ep.Steps[i].State); err != nil {
			return nil, fmt.Errorf("step %d: %v", ep.Steps[i].Step, err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("step %d: %v", ep.Steps[i].Step, err)
		}
		out[i+1] = b
	}
	return out, nil
}

// ReadEpisodes reads an episode file written by Run, one record per line,
// in file order. A last line without its newline (a run killed while
// writing it) is skipped, as Run's resume does; any other line that is not
// a record is an error naming its line number.
func ReadEpisodes(r io.Reader) ([]Episode, error) {
	var out []Episode
	err := ScanEpisodes(r, func(line int, ep *Episode) error {
		out = append(out, *ep)
		return nil
	})
	return out, err
}

// ScanEpisodes reads an episode file as ReadEpisodes does, calling fn with
// each record and the number of its line (from 1), so that errors about a
// record can name its line. An error from fn stops the scan and is
// returned.
func ScanEpisodes(r io.Reader, fn func(line int, ep *Episode) error) error {
	_, err := scanLines(r, func(n int, line []byte) error {
		var ep Episode
		if err := json.Unmarshal(line, &ep); err != nil {
			return dojo.Errorf(dojo.CodeInvalid, "line %d is not an episode record: %v", n, err)
		}
		return fn(n, &ep)
	})
	return err
}

// scanLines calls fn with each complete, non-blank line of r (without its
// newline) and its 1-based number. It returns the number of bytes of
// complete lines, so the caller can cut off a partial last line.
func scanLines(r io.Reader, fn func(n int, line []byte) error) (complete int64, err error) {
	return scanLinesAt(r, func(n int, _, _ int64, line []byte) error { return fn(n, line) })
}

// scanLinesAt is scanLines, also passing where each line is in r: from
// off to end, its newline included.
func scanLinesAt(r io.Reader, fn func(n int, off, end int64, line []byte) error) (complete int64, err error) {
	br := bufio.NewReaderSize(r, 1<<16)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			return complete, nil // a partial last line, if any, is not counted
		}
		if err != nil {
			return complete, err
		}
		off := complete
		complete += int64(len(line))
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if err := fn(n, off, complete, line); err != nil {
			return complete, err
		}
	}
}

// snapshotStep copies a step out of the env's buffers.
func snapshotStep(s dojo.Step) dojo.Step {
	s.Obs = snapshotObs(s.Obs)
	s.Info = snapshotInfo(s.Info)
	return s
}

// snapshotObs copies an observation so that it stays valid after the env's
// next Step or Reset. Value is copied by dojo.CloneValue when it is one of
// the common slice types; any other composite value is frozen as its JSON.
func snapshotObs(o dojo.Obs) dojo.Obs {
	if o.Messages != nil {
		msgs := make([]dojo.Message, len(o.Messages))
		for i, m := range o.Messages {
			m.ToolCalls = cloneCalls(m.ToolCalls)
			msgs[i] = m
		}
		o.Messages = msgs
	}
	o.Tools = slices.Clone(o.Tools)
	o.Value = snapshotValue(o.Value)
	return o
}

func snapshotInfo(i dojo.Info) dojo.Info {
	i = i.Clone()
	for k, v := range i.Extra {
		i.Extra[k] = snapshotValue(v)
	}
	return i
}

func snapshotAction(a dojo.Action) dojo.Action {
	a.ToolCalls = cloneCalls(a.ToolCalls)
	return a
}

func cloneCalls(calls []dojo.ToolCall) []dojo.ToolCall {
	if calls == nil {
		return nil
	}
	out := make([]dojo.ToolCall, len(calls))
	for i, c := range calls {
		c.Arguments = append(json.RawMessage(nil), c.Arguments...)
		out[i] = c
	}
	return out
}

func snapshotValue(v any) any {
	switch x := v.(type) {
	case nil, bool, string, int, int8, int16, int32, int64, uint, uint16, uint32, uint64, float32, float64:
		return v
	case json.RawMessage:
		return append(json.RawMessage(nil), x...)
	case []int, []int8, []uint8, []float64, []float32, interface{ CloneValue() any }:
		return dojo.CloneValue(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v // the record will fail to marshal and say why
	}
	return json.RawMessage(b)
}

// marshalLine encodes the record as one line. A record that does not
// marshal (an env put NaN or a channel in an observation) is written
// without its steps, failed with an error saying why.
func marshalLine(ep *Episode) []byte {
	b, err := json.Marshal(ep)
	if err != nil {
		ep.Reset, ep.Steps, ep.Series = nil, nil, nil
		if slices.ContainsFunc(ep.Parts, func(p PartTotal) bool { return !finite(p.Sum) || !finite(p.Weight) }) {
			ep.Parts = nil
		}
		if ep.Error == "" {
			ep.Error = fmt.Sprintf("the episode record does not marshal to JSON: %v", err)
			ep.ErrorCode = dojo.CodeInternal
		}
		if !finite(ep.Return) {
			ep.Return = 0
		}
		if b, err = json.Marshal(ep); err != nil {
			// Only the options could still fail, and they are checked
			// before the run starts.
			panic(fmt.Sprintf("runner: episode record does not marshal: %v", err))
		}
	}
	return append(b, '\n')
}

// StepsLeftOut reports whether the record's reset and steps were left out
// by Config.NoSteps (dojo run --no-steps): it has none although its episode
// got past Reset. An episode that failed making its env or at Reset has no
// steps to leave out.
func (ep *Episode) StepsLeftOut() bool {
	return ep.Reset == nil && len(ep.Steps) == 0 && !failedBeforeReset(ep.Error)
}

// failedBeforeReset reports whether msg, an Episode.Error, says the
// episode failed making its env or in its Reset (see episode.explain).
func failedBeforeReset(msg string) bool {
	for _, p := range []phase{phaseMake, phaseReset} {
		if strings.HasPrefix(msg, string(p)+": ") ||
			strings.HasPrefix(msg, "episode deadline ") && strings.Contains(msg, " exceeded ("+string(p)+": ") {
			return true
		}
	}
	return false
}
