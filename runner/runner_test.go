package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// walker is the test agent: it goes right with probability right, drawing
// from a generator seeded by the episode seed only.
func walker(right float64) dojo.AgentMaker {
	return dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		rng := rand.New(rand.NewPCG(ep.Seed, 0xa9e47))
		return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
			if rng.Float64() < right {
				return dojo.IndexAction(1), nil
			}
			return dojo.IndexAction(0), nil
		}), nil
	})
}

func TestChainEnvConforms(t *testing.T) {
	t.Parallel()
	env, err := newChain(dojo.Options{"length": 5, "slip": 0.2})
	if err != nil {
		t.Fatal(err)
	}
	dojotest.CheckEnv(t, env)
}

// normalize returns the records sorted by episode with wall times zeroed,
// as JSON lines, for comparing runs.
func normalize(t *testing.T, eps []Episode) string {
	t.Helper()
	eps = slices.Clone(eps)
	slices.SortFunc(eps, func(a, b Episode) int { return a.Episode - b.Episode })
	var b strings.Builder
	for i := range eps {
		eps[i].WallMS = 0
		j, err := json.Marshal(eps[i])
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.String()
}

func readFile(t *testing.T, path string) []Episode {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	eps, err := ReadEpisodes(f)
	if err != nil {
		t.Fatal(err)
	}
	return eps
}

func baseConfig(reg *dojo.Registry) Config {
	return Config{
		Registry:  reg,
		Env:       "test/Chain-v0",
		Options:   dojo.Options{"length": 4, "fail_every": 7, "panic_every": 11},
		Agent:     walker(0.7),
		AgentName: "walker",
		Episodes:  24,
		Seed:      100,
	}
}

func TestSameRecordsWhateverWorkers(t *testing.T) {
	t.Parallel()
	var want string
	for _, w := range []int{1, 2, 4} {
		reg, _ := chainRegistry()
		cfg := baseConfig(reg)
		cfg.Workers = w
		cfg.Out = filepath.Join(t.TempDir(), "run.jsonl")
		var seen []Episode
		cfg.OnEpisode = func(ep Episode) { seen = append(seen, ep) }
		sum, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatalf("workers=%d: %v", w, err)
		}
		if sum.Episodes != 24 || sum.Errors == 0 || sum.Successes == 0 {
			t.Fatalf("workers=%d: summary %+v: want 24 episodes, some errors, some successes", w, sum)
		}
		got := normalize(t, readFile(t, cfg.Out))
		if fromHook := normalize(t, seen); fromHook != got {
			t.Errorf("workers=%d: OnEpisode saw other records than the file holds:\n%s", w, cmp.Diff(got, fromHook))
		}
		if want == "" {
			want = got
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("workers=%d gave other records than workers=1 (-1 worker +%d):\n%s", w, w, diff)
		}
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := Config{
		Registry: reg, Env: "test/Chain-v0", Options: dojo.Options{"length": 3, "fail_every": 3},
		Agent: walker(0.6), AgentName: "walker", Episodes: 4, Seed: 7, Workers: 2,
		Out: filepath.Join(t.TempDir(), "golden.jsonl"),
	}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	got := normalize(t, readFile(t, cfg.Out))
	path := filepath.Join("testdata", "chain.golden.jsonl")
	dojotest.Golden(t, path, []byte(got), *update)
}

func TestRecordsCopyEnvBuffers(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Options = dojo.Options{"length": 6, "slip": 0}
	cfg.Agent = walker(1)
	cfg.Episodes = 1
	var ep Episode
	cfg.OnEpisode = func(e Episode) { ep = e }
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if ep.Length != 5 || !ep.Success || ep.Reset == nil {
		t.Fatalf("episode %+v: want success in 5 steps with a reset record", ep)
	}
	if got := ep.Reset.Obs.Value.([]int)[0]; got != 0 {
		t.Errorf("reset observation position = %d, want 0 (the env's buffer was not copied)", got)
	}
	for i, s := range ep.Steps {
		if got := s.Obs.Value.([]int)[0]; got != i+1 {
			t.Errorf("step %d observation position = %d, want %d", s.Step, got, i+1)
		}
		if d, _ := s.Info.Metrics.Get("distance"); d != float64(4-i) {
			t.Errorf("step %d distance metric = %v, want %d", s.Step, d, 4-i)
		}
		if s.Step != i+1 || s.Action.Index != 1 {
			t.Errorf("step record %d = %+v", i, s)
		}
	}
}

func TestFailuresAreRecorded(t *testing.T) {
	t.Parallel()
	reg, made := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Workers = 1
	cfg.Episodes = 30
	var agentPanics atomic.Int64
	inner := walker(0.7)
	cfg.Agent = dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		a, _ := inner.NewAgent(ctx, ep)
		if ep.Seed%13 == 0 {
			return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
				agentPanics.Add(1)
				var m map[string]int
				m["boom"]++ // a nil map write: a real runtime panic
				return dojo.Action{}, nil
			}), nil
		}
		if ep.Seed%17 == 0 {
			return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
				return dojo.Action{}, fmt.Errorf("agent out of ideas")
			}), nil
		}
		return a, nil
	})
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var eps []Episode
	cfg.Out = filepath.Join(t.TempDir(), "f.jsonl")
	cfg.OnEpisode = func(ep Episode) { eps = append(eps, ep) }
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if len(eps) != 30 {
		t.Fatalf("%d episodes recorded, want 30: a failure stopped the run", len(eps))
	}
	wantErr := map[uint64]string{}
	for i := range 30 {
		seed := uint64(100 + i)
		switch {
		case seed%13 == 0:
			wantErr[seed] = "panic in agent Act at step 0: assignment to entry in nil map"
		case seed%17 == 0:
			wantErr[seed] = "agent Act at step 0: agent out of ideas"
		case seed%7 == 0:
			wantErr[seed] = "env Step at step 1: chain: failing on purpose (seed " + fmt.Sprint(seed) + ")"
		case seed%11 == 0:
			wantErr[seed] = "panic in env Step at step 1: chain: panicking on purpose (seed " + fmt.Sprint(seed) + ")"
		}
	}
	errs := 0
	for _, ep := range eps {
		want, bad := wantErr[ep.Seed]
		if ep.Error != want {
			t.Errorf("seed %d: error %q, want %q", ep.Seed, ep.Error, want)
		}
		if bad {
			errs++
			if ep.ErrorCode != dojo.CodeInternal {
				t.Errorf("seed %d: error code %q, want %q", ep.Seed, ep.ErrorCode, dojo.CodeInternal)
			}
		}
	}
	if sum.Errors != errs || sum.Errors != len(wantErr) || sum.ErrorCodes[dojo.CodeInternal] != errs {
		t.Errorf("summary errors %d (%v), want %d", sum.Errors, sum.ErrorCodes, len(wantErr))
	}
	// One env per run plus a fresh one after each env panic (seeds 110,
	// 121) and agent panic (seeds 104, 117): envs whose state is unknown
	// are not reused.
	if got := made.Load(); got != 2*(1+4) {
		t.Errorf("%d envs made over two runs, want %d", got, 2*(1+4))
	}
}

// sleeper is an agent that takes d to act at step 2, honouring its context
// when polite is set.
func sleeper(d time.Duration, polite bool) dojo.AgentMaker {
	return dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
			if t.Step == 2 {
				if !polite {
					time.Sleep(d)
					return dojo.IndexAction(1), nil
				}
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return dojo.Action{}, ctx.Err()
				}
			}
			return dojo.IndexAction(1), nil
		}), nil
	})
}

func TestTimeouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    dojo.Options
		agent   dojo.AgentMaker
		episode time.Duration
		action  time.Duration
		want    string
	}{
		{"episode deadline with a slow env", dojo.Options{"length": 30, "slip": 0, "sleep_ms": 5}, walker(1), 40 * time.Millisecond, 0, "episode deadline 40ms exceeded (env Step at step "},
		{"action timeout with a polite agent", dojo.Options{"length": 6, "slip": 0}, sleeper(5*time.Second, true), 0, 20 * time.Millisecond, "agent Act at step 2: action timeout 20ms exceeded"},
		{"action timeout with an agent ignoring its context", dojo.Options{"length": 6, "slip": 0}, sleeper(40*time.Millisecond, false), 0, 10 * time.Millisecond, "agent Act at step 2: action timeout 10ms exceeded"},
		{"episode deadline with a slow agent", dojo.Options{"length": 6, "slip": 0}, sleeper(5*time.Second, true), 30 * time.Millisecond, time.Minute, "episode deadline 30ms exceeded (agent Act at step 2: context deadline exceeded)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg, _ := chainRegistry()
			var eps []Episode
			start := time.Now()
			sum, err := Run(context.Background(), Config{
				Registry: reg, Env: "test/Chain-v0", Options: tt.opts, Agent: tt.agent, Episodes: 2, Workers: 2,
				EpisodeTimeout: tt.episode, ActionTimeout: tt.action,
				OnEpisode: func(ep Episode) { eps = append(eps, ep) },
			})
			if err != nil {
				t.Fatal(err)
			}
			if time.Since(start) > 3*time.Second {
				t.Errorf("run took %v: the timeout did not cut it short", time.Since(start))
			}
			if sum.ErrorCodes[dojo.CodeTimeout] != 2 {
				t.Errorf("error codes %v, want 2 timeouts", sum.ErrorCodes)
			}
			for _, ep := range eps {
				if !strings.HasPrefix(ep.Error, tt.want) || ep.ErrorCode != dojo.CodeTimeout {
					t.Errorf("episode %d: error %q (%s), want it to start with %q (timeout)", ep.Episode, ep.Error, ep.ErrorCode, tt.want)
				}
			}
		})
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	// The agent fails twice with a transient error at every step.
	flaky := func(calls *atomic.Int64) dojo.AgentMaker {
		return dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
			fails := 0
			return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
				calls.Add(1)
				if fails < 2 {
					fails++
					return dojo.Action{}, dojo.Errorf(dojo.CodeUnavailable, "server busy (HTTP 503)")
				}
				fails = 0
				return dojo.IndexAction(1), nil
			}), nil
		})
	}
	tests := []struct {
		retries   int
		wantErr   string
		wantCalls int64
	}{
		{2, "", 3 * 3},
		{1, "agent Act at step 0: server busy (HTTP 503)", 2},
		{0, "agent Act at step 0: server busy (HTTP 503)", 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("retries=", tt.retries), func(t *testing.T) {
			t.Parallel()
			reg, _ := chainRegistry()
			var calls atomic.Int64
			var ep Episode
			_, err := Run(context.Background(), Config{
				Registry: reg, Env: "test/Chain-v0", Options: dojo.Options{"length": 4, "slip": 0},
				Agent: flaky(&calls), Retries: tt.retries, RetryDelay: time.Millisecond,
				OnEpisode: func(e Episode) { ep = e },
			})
			if err != nil {
				t.Fatal(err)
			}
			if ep.Error != tt.wantErr || (tt.wantErr == "") != ep.Success {
				t.Errorf("episode error %q success %v, want error %q", ep.Error, ep.Success, tt.wantErr)
			}
			if tt.wantErr != "" && ep.ErrorCode != dojo.CodeUnavailable {
				t.Errorf("error code %q, want %q", ep.ErrorCode, dojo.CodeUnavailable)
			}
			if calls.Load() != tt.wantCalls {
				t.Errorf("Act called %d times, want %d", calls.Load(), tt.wantCalls)
			}
		})
	}
}

func TestCancelLeavesCompleteLines(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Options = dojo.Options{"length": 4, "sleep_ms": 1}
	cfg.Workers = 2
	cfg.Episodes = 30
	cfg.Out = filepath.Join(t.TempDir(), "run.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	cfg.OnEpisode = func(Episode) {
		if n++; n == 5 {
			cancel()
		}
	}
	sum, err := Run(ctx, cfg)
	if !errors.Is(err, context.Canceled) || dojo.ErrorCode(err) != dojo.CodeCanceled {
		t.Fatalf("Run after cancel: error %v, want one wrapping context.Canceled", err)
	}
	if sum == nil || sum.Episodes < 5 || sum.Episodes >= 30 {
		t.Fatalf("summary after cancel %+v: want between 5 and 29 episodes", sum)
	}
	data, err := os.ReadFile(cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		t.Fatalf("file does not end with a complete line")
	}
	eps := readFile(t, cfg.Out)
	if len(eps) != sum.Episodes {
		t.Errorf("file has %d records, summary says %d", len(eps), sum.Episodes)
	}
	for _, ep := range eps {
		if ep.ErrorCode == dojo.CodeCanceled {
			t.Errorf("episode %d recorded as canceled: %s", ep.Episode, ep.Error)
		}
	}
	// Resuming completes the run and matches a clean one.
	cfg.OnEpisode = nil
	sum2, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum2.Resumed != sum.Episodes || sum2.Episodes != 30 {
		t.Errorf("resume: %d resumed of %d, want %d of 30", sum2.Resumed, sum2.Episodes, sum.Episodes)
	}
	clean := cleanRun(t, cfg)
	if diff := cmp.Diff(clean, normalize(t, readFile(t, cfg.Out))); diff != "" {
		t.Errorf("canceled then resumed run differs from a clean run:\n%s", diff)
	}
}

// cleanRun runs cfg into a fresh file and returns its normalized records.
func cleanRun(t *testing.T, cfg Config) string {
	t.Helper()
	cfg.Out = filepath.Join(t.TempDir(), "clean.jsonl")
	cfg.OnEpisode = nil
	cfg.Progress = nil
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	return normalize(t, readFile(t, cfg.Out))
}

func TestResumePartialFile(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Workers = 3
	clean := cleanRun(t, cfg)
	lines := strings.SplitAfter(strings.TrimSuffix(clean, "\n"), "\n")
	// An earlier attempt recorded episodes 3, 0, 9, 4, 12, 5, 6, 1 in that
	// order (with their wall times) and was killed writing episode 2.
	var partial bytes.Buffer
	for _, i := range []int{3, 0, 9, 4, 12, 5, 6, 1} {
		partial.WriteString(strings.Replace(lines[i], `"wall_ms":0`, `"wall_ms":1.5`, 1))
	}
	partial.WriteString(lines[2][:len(lines[2])/2])
	cfg.Out = filepath.Join(t.TempDir(), "run.jsonl")
	if err := os.WriteFile(cfg.Out, partial.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var ran []int
	cfg.OnEpisode = func(ep Episode) { ran = append(ran, ep.Episode) }
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ran)
	want := []int{2, 7, 8, 10, 11}
	for i := 13; i < 24; i++ {
		want = append(want, i)
	}
	if diff := cmp.Diff(want, ran); diff != "" {
		t.Errorf("episodes run on resume (-want +got):\n%s", diff)
	}
	if sum.Resumed != 8 || sum.Episodes != 24 {
		t.Errorf("summary: resumed %d, episodes %d; want 8 and 24", sum.Resumed, sum.Episodes)
	}
	if diff := cmp.Diff(clean, normalize(t, readFile(t, cfg.Out))); diff != "" {
		t.Errorf("resumed run differs from a clean run:\n%s", diff)
	}
	// A second resume has nothing to do and sums up the same episodes.
	cfg.OnEpisode = func(ep Episode) { t.Errorf("episode %d run again", ep.Episode) }
	again, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	again.Wall, again.WallSeconds, sum.Wall, sum.WallSeconds = 0, 0, 0, 0
	sum.Resumed = 24
	if diff := cmp.Diff(sum, again); diff != "" {
		t.Errorf("summary of a finished file differs:\n%s", diff)
	}
}

func TestResumeMismatch(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Episodes = 3
	cfg.Out = filepath.Join(t.TempDir(), "run.jsonl")
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(cfg.Out)
	if err != nil {
		t.Fatal(err)
	}
	first := strings.SplitAfter(string(good), "\n")[0]
	tests := []struct {
		name   string
		change func(c *Config)
		file   string
		want   string
	}{
		{"agent", func(c *Config) { c.AgentName = "other" }, "", `its agent is "walker", this run's is "other"`},
		{"options", func(c *Config) { c.Options = dojo.Options{"length": 5} }, "", "its options {"},
		{"option default made explicit is the same run", func(c *Config) { c.Options["slip"] = 0.2 }, "", ""},
		{"seed", func(c *Config) { c.Seed = 5 }, "", "its seed base (seed minus episode index) is 100, this run's is 5"},
		{"not json", nil, string(good) + "hello\n", "line 4 is not an episode record"},
		{"repeated episode", nil, string(good) + first, "repeats episode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cfg
			c.Options = dojo.Options{"length": 4, "fail_every": 7, "panic_every": 11}
			c.Out = filepath.Join(t.TempDir(), "run.jsonl")
			file := tt.file
			if file == "" {
				file = string(good)
			}
			if err := os.WriteFile(c.Out, []byte(file), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.change != nil {
				tt.change(&c)
			}
			_, err := Run(context.Background(), c)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || dojo.ErrorCode(err) != dojo.CodeInvalid {
				t.Fatalf("Run: error %v, want an invalid error containing %q", err, tt.want)
			}
			after, _ := os.ReadFile(c.Out)
			if string(after) != file {
				t.Errorf("the file was modified by a refused resume")
			}
		})
	}
	// Another env id.
	reg.MustRegister(func() dojo.Spec { s := chainSpec(); s.ID = "test/Chain-v1"; return s }(), newChain)
	c := cfg
	c.Env = "test/Chain-v1"
	if _, err := Run(context.Background(), c); err == nil || !strings.Contains(err.Error(), `its env is "test/Chain-v0", this run's is "test/Chain-v1"`) {
		t.Errorf("resume with another env: error %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	tests := []struct {
		name  string
		cfg   Config
		want  string
		field string
	}{
		{"no registry", Config{Env: "test/Chain-v0", Agent: walker(1)}, "no registry", ""},
		{"no agent", Config{Registry: reg, Env: "test/Chain-v0"}, "no agent", "agent"},
		{"unknown env", Config{Registry: reg, Env: "test/Chane-v0", Agent: walker(1)}, `unknown env id "test/Chane-v0"`, "id"},
		{"bad option", Config{Registry: reg, Env: "test/Chain-v0", Agent: walker(1), Options: dojo.Options{"length": "long"}}, `option "length": want an integer`, "options.length"},
		{"negative episodes", Config{Registry: reg, Env: "test/Chain-v0", Agent: walker(1), Episodes: -1}, "-1 episodes", "episodes"},
		{"negative in flight", Config{Registry: reg, Env: "test/Chain-v0", Agent: walker(1), InFlight: -2}, "-2 episodes in flight", "in_flight"},
		{"missing directory", Config{Registry: reg, Env: "test/Chain-v0", Agent: walker(1), Out: filepath.Join(t.TempDir(), "no", "such.jsonl")}, "output file", "out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := Run(context.Background(), tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || dojo.ErrorField(err) != tt.field {
				t.Fatalf("error %v (field %q), want one containing %q with field %q", err, dojo.ErrorField(err), tt.want, tt.field)
			}
			if sum != nil {
				t.Errorf("a bad config gave a summary %+v", sum)
			}
		})
	}
}

func TestAgentThatCannotPlayStopsTheRun(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	var made atomic.Int64
	cfg := baseConfig(reg)
	cfg.Out = filepath.Join(t.TempDir(), "run.jsonl")
	cfg.Workers = 3
	cfg.Agent = dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		made.Add(1)
		return nil, dojo.Errorf(dojo.CodeInvalid, "planner: %s has no model", ep.Spec.ID)
	})
	sum, err := Run(context.Background(), cfg)
	if err == nil || err.Error() != "planner: test/Chain-v0 has no model" || dojo.ErrorCode(err) != dojo.CodeInvalid {
		t.Fatalf("error %v, want the agent maker's invalid error", err)
	}
	if sum == nil || sum.Episodes != 0 {
		t.Errorf("summary %+v, want no episodes", sum)
	}
	if data, _ := os.ReadFile(cfg.Out); len(data) != 0 {
		t.Errorf("file holds %q, want nothing", data)
	}
	// Each worker may have asked once before the first refusal stopped the
	// run; none asks again.
	if made.Load() > int64(cfg.Workers) {
		t.Errorf("NewAgent called %d times with %d workers: workers went on after the first refusal", made.Load(), cfg.Workers)
	}
}

func TestOracleAndNewEnvReachTheAgent(t *testing.T) {
	t.Parallel()
	reg, made := chainRegistry()
	var ep Episode
	_, err := Run(context.Background(), Config{
		Registry: reg, Env: "test/Chain-v0", Options: dojo.Options{"slip": 0},
		Agent: dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
			o, ok := ep.Env.(dojo.Oracle)
			if !ok || ep.NewEnv == nil || ep.Spec.ID != "test/Chain-v0" || ep.Seed != 42 {
				return nil, fmt.Errorf("episode start %+v lacks the env, its oracle or NewEnv", ep)
			}
			private, err := ep.NewEnv()
			if err != nil {
				return nil, err
			}
			if _, _, err := private.Reset(ctx, 1); err != nil {
				return nil, err
			}
			return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) { return o.OracleAction(ctx) }), nil
		}),
		Seed: 42, OnEpisode: func(e Episode) { ep = e },
	})
	if err != nil || ep.Error != "" || !ep.Success || ep.Length != 4 {
		t.Fatalf("oracle episode %+v, err %v: want success in 4 steps", ep, err)
	}
	if made.Load() != 2 {
		t.Errorf("%d envs made, want the worker's and the agent's private one", made.Load())
	}
}

func TestNoSteps(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.NoSteps = true
	cfg.Out = filepath.Join(t.TempDir(), "run.jsonl")
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	full := cleanRun(t, baseConfig(reg))
	var want []Episode
	for _, line := range strings.Split(strings.TrimSpace(full), "\n") {
		var ep Episode
		if err := json.Unmarshal([]byte(line), &ep); err != nil {
			t.Fatal(err)
		}
		ep.Reset, ep.Steps = nil, nil
		want = append(want, ep)
	}
	if diff := cmp.Diff(normalize(t, want), normalize(t, readFile(t, cfg.Out))); diff != "" {
		t.Errorf("NoSteps records differ from full records without steps:\n%s", diff)
	}
}

// TestResumeAfterKill runs the test binary again as a helper process that
// writes a run, SIGKILLs it in the middle, and resumes the run.
func TestResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a helper process")
	}
	t.Parallel()
	out := filepath.Join(t.TempDir(), "killed.jsonl")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DOJO_RUNNER_KILL_OUT="+out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, _ := os.ReadFile(out)
		if bytes.Count(data, []byte("\n")) >= 6 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the helper wrote %d bytes in 20s", len(data))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	before := readFile(t, out)
	if len(before) < 6 || len(before) >= killEpisodes {
		t.Fatalf("killed run recorded %d episodes, want some but not all %d", len(before), killEpisodes)
	}
	reg, _ := chainRegistry()
	cfg := killConfig(reg, out)
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Resumed != len(before) || sum.Episodes != killEpisodes {
		t.Errorf("resume: %d resumed of %d, want %d of %d", sum.Resumed, sum.Episodes, len(before), killEpisodes)
	}
	if diff := cmp.Diff(cleanRun(t, cfg), normalize(t, readFile(t, out))); diff != "" {
		t.Errorf("killed then resumed run differs from a clean run:\n%s", diff)
	}
}

const killEpisodes = 400

func killConfig(reg *dojo.Registry, out string) Config {
	cfg := baseConfig(reg)
	cfg.Options = dojo.Options{"length": 4, "fail_every": 9}
	cfg.Episodes = killEpisodes
	cfg.Workers = 2
	cfg.Out = out
	return cfg
}

// TestHelperProcess is the run killed by TestResumeAfterKill; it does
// nothing unless the test binary was started by it.
func TestHelperProcess(t *testing.T) {
	out := os.Getenv("DOJO_RUNNER_KILL_OUT")
	if out == "" {
		return
	}
	reg, _ := chainRegistry()
	cfg := killConfig(reg, out)
	// Slow enough to be killed in the middle; OnEpisode is not part of
	// what makes the records, so the resumed run can go at full speed.
	cfg.OnEpisode = func(Episode) { time.Sleep(10 * time.Millisecond) }
	Run(context.Background(), cfg)
	os.Exit(0)
}

// meteredAgent counts its actions as "requests", like an LLM agent's usage.
type meteredAgent struct{ n float64 }

func (m *meteredAgent) Act(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
	m.n++
	return dojo.IndexAction(1), nil
}

func (m *meteredAgent) Usage() map[string]float64 { return map[string]float64{"requests": m.n} }

func TestUsageIsRecorded(t *testing.T) {
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Options = dojo.Options{"length": 3}
	cfg.Episodes = 3
	cfg.Out = filepath.Join(t.TempDir(), "run.jsonl")
	cfg.Agent = dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		return &meteredAgent{}, nil
	})
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	for _, ep := range readFile(t, cfg.Out) {
		if ep.Usage["requests"] != float64(ep.Length) || ep.Length == 0 {
			t.Errorf("episode %d: usage %v for %d steps", ep.Episode, ep.Usage, ep.Length)
		}
	}
}

func TestPartTotalsAndSeries(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Options = dojo.Options{"length": 5, "reward": "shaped"}
	cfg.Series = []string{"distance", "absent"}
	cfg.Out = filepath.Join(t.TempDir(), "run.jsonl")
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	eps := readFile(t, cfg.Out)
	fired := 0
	for _, ep := range eps {
		if ep.Error != "" {
			continue
		}
		want := map[string]PartTotal{}
		var dist []float64
		for _, s := range ep.Steps {
			for _, p := range s.Info.Parts {
				pt := want[p.Name]
				pt.Name, pt.Sum, pt.Weight = p.Name, pt.Sum+p.Value, p.Weight
				if p.Value != 0 {
					pt.Fired++
				}
				want[p.Name] = pt
			}
			d, _ := s.Info.Metrics.Get("distance")
			dist = append(dist, d)
		}
		if len(ep.Parts) != len(want) {
			t.Fatalf("episode %d: parts %+v, want %d parts", ep.Episode, ep.Parts, len(want))
		}
		var ret float64
		for _, p := range ep.Parts {
			if p != want[p.Name] {
				t.Errorf("episode %d: part %+v, want %+v", ep.Episode, p, want[p.Name])
			}
			ret += p.Sum * p.Weight
			fired += p.Fired
		}
		if math.Abs(ret-ep.Return) > 1e-9 {
			t.Errorf("episode %d: parts add up to %v, return is %v", ep.Episode, ret, ep.Return)
		}
		if !slices.Equal(ep.Series["distance"], dist) || len(ep.Series["absent"]) != ep.Length || slices.ContainsFunc(ep.Series["absent"], func(x float64) bool { return x != 0 }) {
			t.Errorf("episode %d: series %v, want distance %v and absent all 0", ep.Episode, ep.Series, dist)
		}
	}
	if fired == 0 {
		t.Error("no part fired in any episode")
	}
}

func TestFatalErrorStopsTheRunAtOnce(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Options = dojo.Options{"length": 4}
	cfg.Out = filepath.Join(t.TempDir(), "run.jsonl")
	cfg.Workers = 3
	cfg.Episodes = 200
	var acted atomic.Int64
	// Episodes from index 5 on meet a server that refuses the key.
	cfg.Agent = dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		ok := ep.Index < 5
		return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
			acted.Add(1)
			if !ok {
				return dojo.Action{}, dojo.Fatal(dojo.Errorf(dojo.CodeInvalid, "openai: 401 Unauthorized: bad key"))
			}
			return dojo.IndexAction(1), nil
		}), nil
	})
	sum, err := Run(context.Background(), cfg)
	if err == nil || err.Error() != "openai: 401 Unauthorized: bad key" || !dojo.IsFatal(err) {
		t.Fatalf("error %v, want the agent's fatal error as it is", err)
	}
	eps := readFile(t, cfg.Out)
	for _, ep := range eps {
		if ep.Error != "" {
			t.Errorf("episode %d recorded with error %q: a fatal error is not recorded", ep.Episode, ep.Error)
		}
	}
	if sum == nil || sum.Episodes != len(eps) || sum.Episodes > 5 {
		t.Errorf("summary %+v with %d records, want at most the 5 good episodes", sum, len(eps))
	}
	// Each worker may have met the error once; nobody went on.
	if n := acted.Load(); n > int64(len(eps)*4+cfg.Workers) {
		t.Errorf("Act called %d times: episodes went on after the fatal error", n)
	}
}

func TestSummaryQuotesTheFirstErrorOfEachCode(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	cfg := baseConfig(reg)
	cfg.Options = dojo.Options{"length": 4}
	cfg.Episodes = 12
	cfg.Workers = 3
	cfg.ActionTimeout = time.Minute
	cfg.Agent = dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		i := ep.Index
		return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
			switch {
			case i%4 == 1:
				return dojo.Action{}, dojo.Errorf(dojo.CodeUnavailable, "server down (episode %d)", i)
			case i%4 == 2:
				return dojo.Action{}, dojo.Errorf(dojo.CodeNotFound, "no data (episode %d)", i)
			}
			return dojo.IndexAction(1), nil
		}), nil
	})
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := map[dojo.Code]string{
		dojo.CodeUnavailable: "agent Act at step 0: server down (episode 1)",
		dojo.CodeNotFound:    "agent Act at step 0: no data (episode 2)",
	}
	if diff := cmp.Diff(want, sum.ErrorMessages); diff != "" {
		t.Errorf("error messages (-want +got):\n%s", diff)
	}
	if sum.InfraErrors() != 6 {
		t.Errorf("%d infrastructure errors, want 6 (%v)", sum.InfraErrors(), sum.ErrorCodes)
	}
}

func TestInfraError(t *testing.T) {
	t.Parallel()
	for _, c := range []dojo.Code{dojo.CodeInvalid, dojo.CodeNotFound, dojo.CodeState, dojo.CodeUnavailable, dojo.CodeInternal} {
		if !InfraError(c) {
			t.Errorf("InfraError(%q) = false", c)
		}
	}
	for _, c := range []dojo.Code{"", dojo.CodeTimeout, dojo.CodeCanceled} {
		if InfraError(c) {
			t.Errorf("InfraError(%q) = true", c)
		}
	}
	s := summarize("e/X-v0", nil, "a", 3, 0, []result{{index: 0, code: dojo.CodeTimeout, msg: "slow"}, {index: 1, code: dojo.CodeInternal, msg: "crash"}, {index: 2}}, 0)
	if s.InfraErrors() != 1 || s.ErrorMessages[dojo.CodeTimeout] != "slow" || s.ErrorMessages[dojo.CodeInternal] != "crash" {
		t.Errorf("summary %+v: want 1 infrastructure error and both messages", s)
	}
}
