package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/atomicfile"
	"github.com/dojo-rl/dojo/internal/shard"
	"github.com/dojo-rl/dojo/runner"
)

// Config configures a benchmark run. Registry, Suite, Agent and Dir are
// needed; the zero value of the rest works (one trial, GOMAXPROCS workers,
// no deadlines).
type Config struct {
	Registry *dojo.Registry
	Suite    *Suite
	Agent    dojo.AgentMaker
	// AgentName is recorded in every episode and the report; resuming
	// needs the same name.
	AgentName string
	// Trials is the number of times each task is played (default 1), for
	// pass@k and pass^k. Every trial of a task starts the env from the same
	// seed; trial t > 0 shows the agent the seed TrialSeed(seed, t) in
	// EpisodeStart.Seed, so that agents drawing their randomness from it
	// (all of dojo's, and LLM agents through their request seed) act
	// afresh.
	Trials int
	// Limit, when positive, makes a partial run (a smoke test): only the
	// first Limit tasks of each entry are played. Its manifest records the
	// limit (so its hash is not the suite's) and its report says it is
	// partial; its references are computed on the tasks played.
	Limit int
	// Dir receives the run: run.json, one episode file per entry and trial
	// under episodes/, and the report. A directory holding a run of the
	// same manifest and agent is resumed: finished episodes are kept.
	Dir     string
	Workers int
	// InFlight is the episodes played at once (0: the Agent's InFlight
	// when it is a runner.InFlighter, else Workers), as in runner.Config.
	InFlight int

	EpisodeTimeout time.Duration
	ActionTimeout  time.Duration
	Retries        int

	// Progress, when set, shows the suite's progress and each entry's, and
	// writes a line with each entry's outcome; without it, Log gets one
	// line per finished entry and trial. Log also gets the entries the
	// agent cannot play. Nil writes nothing.
	Progress *runner.Progress
	Log      io.Writer
	// AllowErrors lets the run go on after an entry in which episodes
	// failed with an infrastructure error (runner.InfraError). By default
	// Run stops after such an entry, writes the report of what was played
	// and returns an error wrapping ErrEpisodesFailed.
	AllowErrors bool

	// Shard, when set, plays only that shard of the suite: the tasks of
	// each entry whose index is ≡ Shard.Index mod Shard.Count, with their
	// seeds (see package shard). The directory records the shard, resumes
	// only as the same shard, and its report covers the shard's tasks;
	// Merge makes the shards' directories into the whole run's.
	Shard shard.Shard
}

// ErrEpisodesFailed is wrapped by the error Run returns when it stopped
// because episodes failed with an infrastructure error.
var ErrEpisodesFailed = errors.New("episodes failed with an infrastructure error")

// TrialSeed is the seed an agent is shown in trial t of a task of seed
// seed: seed itself in trial 0 (so a one-trial benchmark plays exactly as
// dojo run does), a SplitMix64 mix of seed and t otherwise.
func TrialSeed(seed uint64, t int) uint64 {
	if t == 0 {
		return seed
	}
	z := seed + uint64(t)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// trialAgent shows the agent of trial t its trial seed.
func trialAgent(m dojo.AgentMaker, t int) dojo.AgentMaker {
	if t == 0 {
		return m
	}
	return dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		ep.Seed = TrialSeed(ep.Seed, t)
		return m.NewAgent(ctx, ep)
	})
}

// runFile is run.json: what a run directory holds, so that reports can be
// made again (dojo bench report) and compared without the registry.
type runFile struct {
	Manifest *Manifest `json:"manifest"`
	Agent    string    `json:"agent"`
	Trials   int       `json:"trials"`
	// References are the normalized score's references of each entry,
	// by the entry's hash.
	References map[string]*Reference `json:"references,omitempty"`
	// Unplayable says why the agent could not play an entry, by label.
	Unplayable map[string]string `json:"unplayable,omitempty"`
	// Stopped says why the last invocation stopped before the end of the
	// suite ("": it did not).
	Stopped string `json:"stopped,omitempty"`
	// Shard is the shard of the suite the directory holds; nil: the
	// whole suite.
	Shard *shard.Shard `json:"shard,omitempty"`
}

const runFileName = "run.json"

func episodeFile(dir string, e *ManifestEntry, trial int) string {
	return filepath.Join(dir, "episodes", fmt.Sprintf("%s.t%d.jsonl", slug(e.Label), trial))
}

// Run plays every entry of the suite with the agent, Trials times, into
// cfg.Dir, then writes the report there (report.json, report.md and the
// plots) and returns it. An env of the suite that the registry does not
// know fails the run before anything is played. An agent that cannot play
// an entry's env (the oracle on an env without one) leaves that entry out
// of the report, which says why; failed episodes count as failures.
//
// Run stops early in two cases, writes the report of what was played
// (which says why it stopped, in Report.Stopped) and returns it with an
// error: when the agent fails fatally (dojo.IsFatal: an LLM server
// refusing the key or unreachable), with that error; and, unless
// cfg.AllowErrors, after an entry in which episodes failed with an
// infrastructure error, with an error wrapping ErrEpisodesFailed. Entries
// whose every episode failed so are not played in the report, never 0%
// successes. When ctx is canceled Run stops, keeping every finished
// episode; running it again with the same Dir resumes (episodes recorded
// as failed are kept, not played again).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Registry == nil || cfg.Suite == nil || cfg.Agent == nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "bench: a run needs a registry, a suite and an agent")
	}
	if cfg.Dir == "" {
		return nil, dojo.Errorf(dojo.CodeInvalid, "bench: no output directory").WithField("out")
	}
	if cfg.Trials < 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "bench: %d trials: want 1 or more", cfg.Trials).WithField("trials")
	}
	trials := max(cfg.Trials, 1)
	if cfg.Limit < 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "bench: limit %d: want 0 (every task) or more", cfg.Limit).WithField("limit")
	}
	m, err := cfg.Suite.PartialManifest(cfg.Registry, cfg.Limit)
	if err != nil {
		return nil, err
	}
	if s := cfg.Shard; s.Sharded() && (s.Index < 0 || s.Index >= s.Count) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "bench: shard %d/%d: want 0 ≤ index < count", s.Index, s.Count).WithField("shard")
	}
	rf, err := openRunDir(cfg.Dir, m, cfg.AgentName, cfg.Shard)
	if err != nil {
		return nil, err
	}
	rf.Trials = trials
	rf.Unplayable = nil
	rf.Stopped = ""
	if err := rf.write(cfg.Dir); err != nil {
		return nil, err
	}
	inFlight := cfg.InFlight
	if f, ok := cfg.Agent.(runner.InFlighter); ok && inFlight == 0 {
		inFlight = f.InFlight() // said here: trialAgent hides it from the runner
	}
	logf := func(format string, args ...any) {
		switch {
		case cfg.Progress != nil:
			cfg.Progress.Println(strings.TrimSuffix(fmt.Sprintf(format, args...), "\n"))
		case cfg.Log != nil:
			fmt.Fprintf(cfg.Log, format, args...)
		}
	}
	// stop writes the report of what was played, saying why the run
	// stopped, and returns it with err.
	stop := func(why string, err error) (*Report, error) {
		rf.Stopped = why
		if werr := rf.write(cfg.Dir); werr != nil {
			return nil, werr
		}
		rep, lerr := Load(cfg.Dir)
		if lerr != nil {
			return nil, lerr
		}
		if werr := rep.WriteFiles(cfg.Dir); werr != nil {
			return nil, werr
		}
		return rep, err
	}
	if cfg.Progress != nil {
		total := 0
		for _, e := range m.Entries {
			total += cfg.Shard.Size(e.Tasks) * trials
		}
		cfg.Progress.Suite(m.Suite, total, 0)
	}
	for i := range m.Entries {
		e := &m.Entries[i]
		for t := range trials {
			if cfg.Progress != nil {
				label := fmt.Sprintf("%d/%d %s", i+1, len(m.Entries), e.Label)
				if trials > 1 {
					label += fmt.Sprintf(" (trial %d/%d)", t+1, trials)
				}
				cfg.Progress.Entry(label)
			}
			failed := 0 // episodes of this invocation failed with an infrastructure error
			rc := runner.Config{
				Registry: cfg.Registry, Env: e.Env, Options: e.Options,
				Agent: trialAgent(cfg.Agent, t), AgentName: cfg.AgentName,
				Episodes: e.Tasks, Seed: e.Seed, Workers: cfg.Workers, InFlight: inFlight,
				Out: episodeFile(cfg.Dir, e, t), NoSteps: true, Series: e.Series,
				EpisodeTimeout: cfg.EpisodeTimeout, ActionTimeout: cfg.ActionTimeout, Retries: cfg.Retries,
				Progress: cfg.Progress, Shard: cfg.Shard,
				OnEpisode: func(ep runner.Episode) {
					if ep.Error != "" && runner.InfraError(ep.ErrorCode) {
						failed++
					}
				},
			}
			sum, err := runner.Run(ctx, rc)
			if err != nil {
				if ctx.Err() != nil {
					return nil, err
				}
				if dojo.IsFatal(err) {
					return stop(fmt.Sprintf("%s, trial %d: %v", e.Label, t+1, err), err)
				}
				if dojo.ErrorCode(err) == dojo.CodeInvalid && sum != nil {
					// The agent cannot play this env at all: say so in the
					// report rather than fail the whole suite.
					if rf.Unplayable == nil {
						rf.Unplayable = map[string]string{}
					}
					rf.Unplayable[e.Label] = err.Error()
					logf("%-44s %s cannot play it: %v\n", e.Label, cfg.AgentName, err)
					break
				}
				return nil, fmt.Errorf("%s, trial %d: %w", e.Label, t+1, err)
			}
			if cfg.Progress == nil {
				logf("%-44s trial %d/%d  success %.3f  return %.3f  errors %d  %v\n",
					e.Label, t+1, trials, sum.SuccessRate, sum.MeanReturn, sum.Errors, sum.Wall.Round(time.Millisecond))
			}
			if failed > 0 && !cfg.AllowErrors {
				why := fmt.Sprintf("%s, trial %d: %d of %d episodes failed with an infrastructure error", e.Label, t+1, failed, cfg.Shard.Size(e.Tasks))
				return stop(why, fmt.Errorf("%s: %w", why, ErrEpisodesFailed))
			}
		}
	}
	if !cfg.Shard.Sharded() { // a shard's references are computed once, by Merge
		if err := rf.addReferences(ctx, cfg.Registry, cfg.Workers); err != nil {
			return nil, err
		}
	}
	if err := rf.write(cfg.Dir); err != nil {
		return nil, err
	}
	rep, err := Load(cfg.Dir)
	if err != nil {
		return nil, err
	}
	return rep, rep.WriteFiles(cfg.Dir)
}

// openRunDir creates the run directory, or checks that the run it holds
// is of the same manifest and agent, and returns its run file.
func openRunDir(dir string, m *Manifest, agent string, sh shard.Shard) (*runFile, error) {
	if err := os.MkdirAll(filepath.Join(dir, "episodes"), 0o755); err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "output directory: %w", err).WithField("out")
	}
	old, err := readRunFile(dir)
	var want *shard.Shard
	if sh.Sharded() {
		want = &sh
	}
	if errors.Is(err, fs.ErrNotExist) {
		return &runFile{Manifest: m, Agent: agent, Shard: want}, nil
	}
	if err != nil {
		return nil, err
	}
	switch {
	case old.Manifest.SHA256 != m.SHA256:
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s holds a run of other work (suite %s, manifest %s; this run: suite %s, manifest %s): use another --out", dir, old.Manifest.Suite, old.Manifest.Short(), m.Suite, m.Short()).WithField("out")
	case old.Agent != agent:
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s holds a run of agent %q, not %q: use another --out", dir, old.Agent, agent).WithField("out")
	case shardOf(old.Shard) != sh:
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s holds %s, not %s: use another --out", dir, describeShard(shardOf(old.Shard)), describeShard(sh)).WithField("out")
	}
	return old, nil
}

func readRunFile(dir string) (*runFile, error) {
	b, err := os.ReadFile(filepath.Join(dir, runFileName))
	if err != nil {
		return nil, err
	}
	var rf runFile
	if err := json.Unmarshal(b, &rf); err != nil || rf.Manifest == nil {
		if err == nil {
			err = errors.New("no manifest")
		}
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: not a dojo bench run file: %v", filepath.Join(dir, runFileName), err)
	}
	return &rf, nil
}

// write replaces run.json atomically.
func (rf *runFile) write(dir string) error {
	b, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return dojo.Errorf(dojo.CodeInternal, "run file: %v", err)
	}
	return writeFileAtomic(filepath.Join(dir, runFileName), append(b, '\n'))
}

// writeFileAtomic writes a file whole (see atomicfile.Write), so that a
// reader never sees it half-written and a pipe or device is written in
// place rather than replaced.
func writeFileAtomic(path string, b []byte) error {
	if err := atomicfile.WriteFile(path, b); err != nil {
		return dojo.Errorf(dojo.CodeInternal, "%w", err)
	}
	return nil
}

func shardOf(s *shard.Shard) shard.Shard {
	if s == nil {
		return shard.Shard{}
	}
	return *s
}

func describeShard(s shard.Shard) string {
	if !s.Sharded() {
		return "a run of the whole suite (no --shard)"
	}
	return "shard " + s.String() + " of the suite"
}
