package bench

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/runner"
)

// Reference holds what the normalized score of an entry is measured
// against: the success rates of the built-in random agent (score 0) and of
// the env's oracle (score 100) on the entry's tasks (one trial).
//
// The references of the built-in suites are stored with dojo
// (references.json, by entry hash) rather than recomputed in every run:
// they then cost nothing beside an LLM run, they are the same numbers in
// every report of a suite version, and a test recomputes them all, so a
// change of an env or agent that moves them cannot go unnoticed (it calls
// for a new suite version). Entries without stored references (those of
// suite files) get them computed at the end of the run, and recorded in
// run.json.
type Reference struct {
	Random *Rate `json:"random"`
	// Oracle is nil when the env has no oracle; the entry then has no
	// normalized score.
	Oracle *Rate `json:"oracle"`
	// Source is "stored" (shipped with dojo) or "computed" (in the run).
	Source string `json:"source,omitempty"`
	// Label names the entry, for people reading references.json.
	Label string `json:"label,omitempty"`
}

// Rate is a success count, with the steps the episodes took.
type Rate struct {
	Episodes  int `json:"episodes"`
	Successes int `json:"successes"`
	// Steps is the total length of the episodes: an LLM agent playing as
	// this agent does would send as many requests (see Plan).
	Steps int `json:"steps,omitempty"`
}

// MeanLength is the mean number of steps of an episode (NaN without
// episodes or steps).
func (r *Rate) MeanLength() float64 {
	if r == nil || r.Episodes == 0 || r.Steps == 0 {
		return math.NaN()
	}
	return float64(r.Steps) / float64(r.Episodes)
}

// Value is the success rate.
func (r *Rate) Value() float64 {
	if r == nil || r.Episodes == 0 {
		return math.NaN()
	}
	return float64(r.Successes) / float64(r.Episodes)
}

// Score returns the normalized score of a success rate,
//
//	score = 100 · (rate − random) / (oracle − random)
//
// 0 for the random agent's rate, 100 for the oracle's (and above 100 for
// an agent that beats a stochastic env's oracle). It is NaN, with a reason,
// when there is no oracle or the oracle does no better than random.
func (r *Reference) Score(rate float64) (float64, string) {
	switch {
	case r == nil:
		return math.NaN(), "no reference"
	case r.Oracle == nil:
		return math.NaN(), "the env has no oracle"
	case r.Random == nil:
		return math.NaN(), "no random reference"
	}
	lo, hi := r.Random.Value(), r.Oracle.Value()
	if !(hi > lo) {
		return math.NaN(), fmt.Sprintf("the oracle (%.3f) does no better than random (%.3f)", hi, lo)
	}
	return 100 * (rate - lo) / (hi - lo), ""
}

//go:embed references.json
var storedJSON []byte

// stored are the references shipped with dojo, by entry hash.
var stored = func() map[string]*Reference {
	m := map[string]*Reference{}
	if err := json.Unmarshal(storedJSON, &m); err != nil {
		panic("bench: references.json: " + err.Error()) // caught by the tests
	}
	for _, r := range m {
		r.Source = "stored"
	}
	return m
}()

// References computes the references of the entries: the random agent and
// the oracle each play every task once. An env without an oracle gets a
// nil Oracle.
func References(ctx context.Context, reg *dojo.Registry, entries []ManifestEntry, workers int) (map[string]*Reference, error) {
	out := map[string]*Reference{}
	for _, e := range entries {
		ref := &Reference{Source: "computed", Label: e.Label}
		for _, name := range []string{"random", "oracle"} {
			maker, err := agents.New(name)
			if err != nil {
				return nil, err
			}
			sum, err := runner.Run(ctx, runner.Config{
				Registry: reg, Env: e.Env, Options: e.Options,
				Agent: maker, AgentName: name,
				Episodes: e.Tasks, Seed: e.Seed, Workers: workers, NoSteps: true,
			})
			if err != nil {
				if ctx.Err() == nil && dojo.ErrorCode(err) == dojo.CodeInvalid && sum != nil {
					continue // this agent cannot play the env: no reference from it
				}
				return nil, fmt.Errorf("references of %s, %s agent: %w", e.Label, name, err)
			}
			rate := &Rate{Episodes: sum.Episodes, Successes: sum.Successes, Steps: int(math.Round(sum.MeanLength * float64(sum.Completed)))}
			if name == "random" {
				ref.Random = rate
			} else {
				ref.Oracle = rate
			}
		}
		out[e.SHA256] = ref
	}
	return out, nil
}

// addReferences fills the run's references: stored ones where dojo has
// them, computed ones for the other entries.
func (rf *runFile) addReferences(ctx context.Context, reg *dojo.Registry, workers int) error {
	if rf.References == nil {
		rf.References = map[string]*Reference{}
	}
	var missing []ManifestEntry
	for _, e := range rf.Manifest.Entries {
		if r, ok := stored[e.SHA256]; ok {
			rf.References[e.SHA256] = r
		} else if _, ok := rf.References[e.SHA256]; !ok {
			missing = append(missing, e)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	refs, err := References(ctx, reg, missing, workers)
	if err != nil {
		return err
	}
	for h, r := range refs {
		rf.References[h] = r
	}
	return nil
}
