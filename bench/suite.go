package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/dojo-rl/dojo"
)

// Entry is one line of a suite: an env with options, played on Tasks
// consecutive seeds from Seed (task i is seed Seed+i, in every trial).
type Entry struct {
	Env string `json:"env"`
	// Options are the options given to the env; the manifest holds them
	// resolved (every option, defaults filled in).
	Options dojo.Options `json:"options,omitempty"`
	Tasks   int          `json:"tasks"`
	Seed    uint64       `json:"seed"`
	// Series names metrics of the env's Info.Metrics recorded after every
	// step, for curves (a bandit's cumulative_regret). Recording them does
	// not change the work, so they are not in the manifest.
	Series []string `json:"series,omitempty"`
}

// Label names the entry in reports: the env id followed by the options
// given, sorted by name ("sql/Generated-v0 difficulty=hard mode=single").
func (e Entry) Label() string {
	var b strings.Builder
	b.WriteString(e.Env)
	for _, k := range slices.Sorted(maps.Keys(e.Options)) {
		v, _ := json.Marshal(e.Options[k])
		if s, ok := e.Options[k].(string); ok {
			v = []byte(s)
		}
		fmt.Fprintf(&b, " %s=%s", k, v)
	}
	return b.String()
}

// slug turns a label into a file name.
func slug(label string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == ' ':
			return '_'
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '=', r == '_' || r == ',':
			return r
		}
		return '-'
	}, label)
}

// Suite is a named, versioned list of entries: the work a benchmark run
// does. A suite's name ends in its version (core-v1); a change that alters
// the work of any entry makes a new version, so that two reports of the same
// suite name ran the same work, which their manifest hashes confirm.
type Suite struct {
	Name        string  `json:"name"`
	Description string  `json:"description,omitempty"`
	Entries     []Entry `json:"entries"`
}

var suiteName = regexp.MustCompile(`^[a-z][a-z0-9_.\-]*-v[0-9]+$`)

// Validate checks the suite's name and entries: a versioned name, at least
// one entry, valid env ids, positive task counts, and distinct labels (and
// file names).
func (s *Suite) Validate() error {
	var errs []string
	if !suiteName.MatchString(s.Name) {
		errs = append(errs, fmt.Sprintf("name %q is not of the form name-vN", s.Name))
	}
	if len(s.Entries) == 0 {
		errs = append(errs, "no entries")
	}
	labels, slugs := map[string]int{}, map[string]int{}
	for i, e := range s.Entries {
		switch {
		case !dojo.ValidID(e.Env):
			errs = append(errs, fmt.Sprintf("entry %d: env %q is not an id of the form family/Name-vN", i+1, e.Env))
		case e.Tasks <= 0:
			errs = append(errs, fmt.Sprintf("entry %d (%s): tasks %d: want at least 1", i+1, e.Label(), e.Tasks))
		}
		if j, dup := labels[e.Label()]; dup {
			errs = append(errs, fmt.Sprintf("entry %d repeats entry %d (%s): give it other options", i+1, j, e.Label()))
		} else if j, dup := slugs[slug(e.Label())]; dup {
			errs = append(errs, fmt.Sprintf("entry %d (%s) has the file name of entry %d", i+1, e.Label(), j))
		}
		labels[e.Label()], slugs[slug(e.Label())] = i+1, i+1
	}
	if len(errs) > 0 {
		return dojo.Errorf(dojo.CodeInvalid, "suite %s: %s", s.Name, strings.Join(errs, "; "))
	}
	return nil
}

// coreV1 is the core benchmark: every family's flagship envs with the
// defaults a paper would quote. Its seeds start at 10¹², far from the seeds
// 0, 1, 2, ... that training runs and dojo gen use by default, so tasks
// trained on do not leak into the evaluation.
//
// Entries are only ever appended (each with the next seed block), and
// appending one changes the manifest hash: reports made before and after
// are told apart. The references of a new entry are added by
// `go test ./bench -run TestReferences -update`.
var coreV1 = Suite{
	Name: "core-v1",
	Description: "every family's flagship envs: Gymnasium's toy text, MiniGrid worlds, stationary, " +
		"drifting and contextual bandits, multi-turn tool use, text-to-SQL, multi-hop search QA and a WebShop-style shop",
	Entries: []Entry{
		{Env: "gridworld/FrozenLake-v1", Tasks: 500, Seed: 1_000_000_000_000},
		{Env: "gridworld/CliffWalking-v0", Tasks: 100, Seed: 1_000_001_000_000},
		{Env: "gridworld/Taxi-v3", Tasks: 200, Seed: 1_000_002_000_000},
		{Env: "gridworld/DoorKey-6x6-v0", Tasks: 200, Seed: 1_000_003_000_000},
		{Env: "gridworld/LavaGap-6x6-v0", Tasks: 200, Seed: 1_000_004_000_000},
		{Env: "gridworld/KeyCorridor-S3R1-v0", Tasks: 200, Seed: 1_000_005_000_000},
		{Env: "gridworld/MultiRoom-N2-S4-v0", Tasks: 200, Seed: 1_000_006_000_000},
		{Env: "gridworld/FourRooms-v0", Tasks: 100, Seed: 1_000_007_000_000},
		{Env: "gridworld/Maze-9x9-v0", Tasks: 200, Seed: 1_000_008_000_000},
		{Env: "bandit/Bernoulli-10-v0", Tasks: 100, Seed: 1_000_009_000_000, Series: banditSeries},
		{Env: "bandit/Gaussian-10-v0", Tasks: 100, Seed: 1_000_010_000_000, Series: banditSeries},
		{Env: "bandit/Drifting-10-v0", Tasks: 100, Seed: 1_000_011_000_000, Series: banditSeries},
		{Env: "bandit/Linear-10-v0", Tasks: 50, Seed: 1_000_012_000_000, Series: banditSeries},
		{Env: "toolcall/Mixed-v0", Tasks: 300, Seed: 1_000_013_000_000},
		{Env: "toolcall/Mixed-v0", Options: dojo.Options{"kind": "multi", "hops": 2}, Tasks: 100, Seed: 1_000_014_000_000},
		{Env: "toolcall/Bank-v0", Options: dojo.Options{"kind": "recovery"}, Tasks: 100, Seed: 1_000_015_000_000},
		{Env: "sql/Generated-v0", Tasks: 300, Seed: 1_000_016_000_000},
		{Env: "sql/Generated-v0", Options: dojo.Options{"difficulty": "hard"}, Tasks: 100, Seed: 1_000_017_000_000},
		{Env: "websim/SearchQA-v0", Tasks: 200, Seed: 1_000_018_000_000},
		{Env: "websim/SearchQA-v0", Options: dojo.Options{"hops": 3, "noise": 0.6}, Tasks: 100, Seed: 1_000_019_000_000},
		{Env: "websim/Shop-v0", Options: dojo.Options{"action_format": "tools"}, Tasks: 200, Seed: 1_000_020_000_000},
	},
}

// llmV1 is the benchmark of LLM agents: every family in text or chat form,
// each first message stating the task, the action words or tools and the
// reply format (toy text with option instructions, MiniGrid's and the
// bandits' text observations, the tool envs' system prompts), at horizons
// an LLM can afford: bandits of 50 and 100 pulls, gridworlds of at most 40
// steps, tool, SQL and search episodes of at most 10 turns and shop
// sessions of 15. One trial sends at most 4,965 requests (the sum over the
// entries of tasks × max steps; `dojo bench plan llm-v1` prints the
// expected number and a token bound per entry). Its seeds start at 2·10¹²,
// far from core-v1's and from the seeds training runs use by default.
//
// As with core-v1, entries are only ever appended, each with the next seed
// block, and their references added by
// `go test ./bench -run TestReferences -update`.
var llmV1 = Suite{
	Name: "llm-v1",
	Description: "every family in text/chat form with instructions in the first message, at LLM-affordable horizons: " +
		"toy text and MiniGrid worlds, bandits of 50-100 pulls, tool use of several kinds, text-to-SQL multi-turn and single-shot, search QA and the shop",
	Entries: []Entry{
		{Env: "gridworld/FrozenLake-v1", Options: dojo.Options{"text": true, "instructions": true, "max_steps": 40}, Tasks: 15, Seed: 2_000_000_000_000},
		{Env: "gridworld/CliffWalking-v0", Options: dojo.Options{"text": true, "instructions": true, "max_steps": 30}, Tasks: 5, Seed: 2_000_001_000_000},
		{Env: "gridworld/Taxi-v3", Options: dojo.Options{"text": true, "instructions": true, "max_steps": 40}, Tasks: 15, Seed: 2_000_002_000_000},
		{Env: "gridworld/DoorKey-5x5-v0", Options: dojo.Options{"text": true, "max_steps": 40}, Tasks: 10, Seed: 2_000_003_000_000},
		{Env: "gridworld/LavaGap-5x5-v0", Options: dojo.Options{"text": true, "max_steps": 30}, Tasks: 10, Seed: 2_000_004_000_000},
		{Env: "gridworld/MultiRoom-N2-S4-v0", Options: dojo.Options{"text": true, "max_steps": 40}, Tasks: 8, Seed: 2_000_005_000_000},
		{Env: "bandit/Bernoulli-10-v0", Options: dojo.Options{"text": true, "horizon": 50}, Tasks: 6, Seed: 2_000_006_000_000, Series: banditSeries},
		{Env: "bandit/Gaussian-10-v0", Options: dojo.Options{"text": true, "horizon": 50}, Tasks: 5, Seed: 2_000_007_000_000, Series: banditSeries},
		{Env: "bandit/Drifting-10-v0", Options: dojo.Options{"text": true, "horizon": 100}, Tasks: 4, Seed: 2_000_008_000_000, Series: banditSeries},
		{Env: "bandit/Linear-10-v0", Options: dojo.Options{"text": true, "horizon": 50}, Tasks: 5, Seed: 2_000_009_000_000, Series: banditSeries},
		{Env: "toolcall/Mixed-v0", Tasks: 30, Seed: 2_000_010_000_000},
		{Env: "toolcall/Mixed-v0", Options: dojo.Options{"kind": "parallel"}, Tasks: 15, Seed: 2_000_011_000_000},
		{Env: "toolcall/Mixed-v0", Options: dojo.Options{"kind": "multi", "hops": 2}, Tasks: 15, Seed: 2_000_012_000_000},
		{Env: "toolcall/Bank-v0", Options: dojo.Options{"kind": "recovery"}, Tasks: 15, Seed: 2_000_013_000_000},
		{Env: "sql/Generated-v0", Tasks: 20, Seed: 2_000_014_000_000},
		{Env: "sql/Generated-v0", Options: dojo.Options{"mode": "single"}, Tasks: 20, Seed: 2_000_015_000_000},
		{Env: "websim/SearchQA-v0", Tasks: 20, Seed: 2_000_016_000_000},
		{Env: "websim/Shop-v0", Options: dojo.Options{"action_format": "tools"}, Tasks: 15, Seed: 2_000_017_000_000},
	},
}

// RegretSeries is the bandit metric whose per-step values make the regret
// curves.
const RegretSeries = "cumulative_regret"

var banditSeries = []string{RegretSeries}

// suites are the built-in suites, by name.
var suites = []*Suite{&coreV1, &llmV1}

// Suites returns the built-in suites.
func Suites() []*Suite { return slices.Clone(suites) }

// Lookup returns the built-in suite of that name.
func Lookup(name string) (*Suite, error) {
	for _, s := range suites {
		if s.Name == name {
			return s, nil
		}
	}
	names := make([]string, len(suites))
	for i, s := range suites {
		names[i] = s.Name
	}
	return nil, dojo.Errorf(dojo.CodeNotFound, "unknown suite %q (suites: %s, or a suite file ending in .json)", name, strings.Join(names, ", "))
}

// ReadSuite reads a suite from a JSON file of the form
//
//	{"name": "mine-v1", "entries": [{"env": "gridworld/FrozenLake-v1", "options": {"is_slippery": false}, "tasks": 100, "seed": 0}]}
//
// Unknown fields are errors, so a misspelt field is not silently ignored.
func ReadSuite(path string) (*Suite, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "suite file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Suite
	if err := dec.Decode(&s); err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "suite file %s: %v (want {\"name\": \"name-v1\", \"entries\": [{\"env\", \"options\", \"tasks\", \"seed\"}]})", path, err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Manifest is a suite's work as a registry resolves it: every entry with
// its options resolved, and the SHA-256 of the whole in canonical JSON.
// Two runs with the same manifest hash played the same envs, options and
// seeds.
type Manifest struct {
	Suite   string          `json:"suite"`
	Entries []ManifestEntry `json:"entries"`
	// Limit, when positive, marks a partial run (a smoke test): each entry
	// plays only its first Limit tasks, which its Tasks and hash then
	// count. The manifest hash covers the limit, so a partial run never
	// passes for a full one.
	Limit int `json:"limit,omitempty"`
	// SHA256 is the hash of the canonical JSON (keys sorted, no spaces) of
	// the suite name and the entries' env, options that differ from the
	// env's defaults, tasks and seed (and the limit of a partial run).
	SHA256 string `json:"sha256"`
}

// Partial says what a partial manifest leaves out ("partial: first 2 tasks
// of each entry"), or "" for a full one.
func (m *Manifest) Partial() string {
	if m.Limit <= 0 {
		return ""
	}
	return fmt.Sprintf("partial: first %d task%s of each entry", m.Limit, plural(m.Limit))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// ManifestEntry is one entry of a manifest.
type ManifestEntry struct {
	Label   string       `json:"label"`
	Env     string       `json:"env"`
	Options dojo.Options `json:"options"` // resolved
	Tasks   int          `json:"tasks"`
	Seed    uint64       `json:"seed"`
	Series  []string     `json:"series,omitempty"`
	// SHA256 hashes the entry's work alone (env, options that differ from
	// the env's defaults, tasks, seed): stored references are kept by it.
	SHA256 string `json:"sha256"`
}

// work is what a manifest entry's hash covers. Its options are those that
// differ from the env's defaults (changedOptions), so that an option added
// to an env later, whose default keeps the env's episodes as they were,
// leaves every hash as it was; a default that changes episodes changes the
// env's version (DESIGN.md), and the hash covers the id.
type work struct {
	Env     string       `json:"env"`
	Options dojo.Options `json:"options"`
	Tasks   int          `json:"tasks"`
	Seed    uint64       `json:"seed"`
}

// Manifest resolves the suite against reg. An env the registry does not
// know is an error naming every missing id (a run never silently skips an
// entry); so are options the env rejects.
func (s *Suite) Manifest(reg *dojo.Registry) (*Manifest, error) {
	return s.PartialManifest(reg, 0)
}

// PartialManifest is the manifest of a partial run that plays only the
// first limit tasks of each entry (all of them when limit is 0): each
// entry's Tasks and hash count the tasks played, and the manifest records
// the limit, so that its hash differs from the full suite's.
func (s *Suite) PartialManifest(reg *dojo.Registry, limit int) (*Manifest, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if limit < 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "suite %s: limit %d: want 0 (every task) or more", s.Name, limit).WithField("limit")
	}
	m := &Manifest{Suite: s.Name, Limit: limit}
	var missing, bad []string
	var works []work
	for i, e := range s.Entries {
		spec, err := reg.Spec(e.Env)
		if err != nil {
			missing = append(missing, fmt.Sprintf("%s (entry %d)", e.Env, i+1))
			continue
		}
		opts, err := spec.Resolve(e.Options)
		if err != nil {
			bad = append(bad, fmt.Sprintf("entry %d: %v", i+1, err))
			continue
		}
		tasks := e.Tasks
		if limit > 0 {
			tasks = min(tasks, limit)
		}
		w := work{Env: e.Env, Options: changedOptions(spec, opts), Tasks: tasks, Seed: e.Seed}
		h, err := hashJSON(w)
		if err != nil {
			bad = append(bad, fmt.Sprintf("entry %d: options do not marshal to JSON: %v", i+1, err))
			continue
		}
		works = append(works, w)
		m.Entries = append(m.Entries, ManifestEntry{
			Label: e.Label(), Env: e.Env, Options: opts, Tasks: tasks, Seed: e.Seed,
			Series: e.Series, SHA256: h,
		})
	}
	if len(missing) > 0 {
		return nil, dojo.Errorf(dojo.CodeNotFound, "suite %s: env %s not registered in this build: the suite cannot run without it", s.Name, strings.Join(missing, ", "))
	}
	if len(bad) > 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "suite %s: %s", s.Name, strings.Join(bad, "; "))
	}
	h, err := hashJSON(struct {
		Suite   string `json:"suite"`
		Entries []work `json:"entries"`
		Limit   int    `json:"limit,omitempty"`
	}{s.Name, works, limit})
	if err != nil {
		return nil, err
	}
	m.SHA256 = h
	return m, nil
}

// changedOptions returns the options of resolved whose values differ from
// the defaults of spec (compared as canonical JSON).
func changedOptions(spec dojo.Spec, resolved dojo.Options) dojo.Options {
	defaults, err := spec.Resolve(nil)
	if err != nil {
		return resolved
	}
	out := make(dojo.Options, len(resolved))
	for k, v := range resolved {
		if d, ok := defaults[k]; ok {
			a, errA := canonicalJSON(v)
			b, errB := canonicalJSON(d)
			if errA == nil && errB == nil && bytes.Equal(a, b) {
				continue
			}
		}
		out[k] = v
	}
	return out
}

// Short is the first 12 hex digits of the manifest hash, as reports print
// it beside the full one.
func (m *Manifest) Short() string { return m.SHA256[:min(12, len(m.SHA256))] }

// hashJSON returns the hex SHA-256 of v's canonical JSON.
func hashJSON(v any) (string, error) {
	b, err := canonicalJSON(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// canonicalJSON encodes v with object keys sorted, no insignificant space
// and numbers in their shortest form, so equal values give equal bytes.
// Integers beyond 2⁵³ keep every digit.
func canonicalJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, err
	}
	return json.Marshal(x)
}

// DefaultDir is the run directory of a suite and agent when none is given:
// bench-SUITE-AGENT, the agent's name made a file name.
func DefaultDir(suite, agent string) string { return "bench-" + suite + "-" + slug(agent) }
