package runner

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/google/go-cmp/cmp"
)

// peak counts calls in progress and keeps their most at once.
type peak struct{ now, most atomic.Int32 }

func (p *peak) enter() int32 {
	n := p.now.Add(1)
	for m := p.most.Load(); n > m && !p.most.CompareAndSwap(m, n); m = p.most.Load() {
	}
	return n
}

func (p *peak) leave() { p.now.Add(-1) }

// countingEnv counts the env calls in progress across every env of a
// registry.
type countingEnv struct {
	dojo.Env
	busy *peak
}

func (e countingEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	e.busy.enter()
	defer e.busy.leave()
	return e.Env.Reset(ctx, seed)
}

func (e countingEnv) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	e.busy.enter()
	defer e.busy.leave()
	return e.Env.Step(ctx, a)
}

// waitingAgent is an agent maker whose agents wait in Act, like an LLM
// agent on its server: each Act waits until want Acts are in progress at
// once (or, so that a failing test ends, until 5s after the first Act),
// then walks right.
type waitingAgent struct {
	want     int32
	inFlight int // what InFlight says; see withInFlight
	acting   peak
	once     sync.Once
	first    sync.Once
	open     chan struct{}
}

func newWaitingAgent(want int) *waitingAgent {
	return &waitingAgent{want: int32(want), open: make(chan struct{})}
}

func (w *waitingAgent) release() { w.once.Do(func() { close(w.open) }) }

func (w *waitingAgent) NewAgent(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
	return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
		w.first.Do(func() { time.AfterFunc(5*time.Second, w.release) })
		if w.acting.enter() >= w.want {
			w.release()
		}
		defer w.acting.leave()
		select {
		case <-w.open:
			return dojo.IndexAction(1), nil
		case <-ctx.Done():
			return dojo.Action{}, ctx.Err()
		}
	}), nil
}

// withInFlight is a waitingAgent that implements InFlighter.
type withInFlight struct{ *waitingAgent }

func (w withInFlight) InFlight() int { return w.inFlight }

var _ InFlighter = withInFlight{}

// TestInFlight checks that the episodes in flight follow Config.InFlight,
// else the agent maker's InFlight, else Workers, while at most Workers of
// them compute at once.
func TestInFlight(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name              string
		workers, inFlight int // Config
		maker             int // the maker's InFlight; -1: no InFlighter
		want              int32
	}{
		{"Config.InFlight", 1, 6, -1, 6},
		{"the maker's InFlight", 2, 0, 5, 5},
		{"Config.InFlight wins", 1, 3, 5, 3},
		{"the maker's 0 leaves it to the workers", 3, 0, 0, 3},
		{"workers without InFlighter", 4, 0, -1, 4},
		{"fewer in flight than workers", 4, 2, -1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var busy peak
			reg := chainRegistryWith(func(e *chainEnv) dojo.Env { return countingEnv{e, &busy} })
			wa := newWaitingAgent(int(tc.want))
			var maker dojo.AgentMaker = wa
			if tc.maker >= 0 {
				wa.inFlight = tc.maker
				maker = withInFlight{wa}
			}
			sum, err := Run(context.Background(), Config{
				Registry: reg, Env: "test/Chain-v0", Options: dojo.Options{"length": 3, "slip": 0, "sleep_ms": 1},
				Agent: maker, AgentName: "waiting", Episodes: 12, Workers: tc.workers, InFlight: tc.inFlight,
			})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Successes != 12 {
				t.Errorf("%d of 12 episodes succeeded", sum.Successes)
			}
			if got := wa.acting.most.Load(); got != tc.want {
				t.Errorf("at most %d episodes waited on the agent at once, want %d", got, tc.want)
			}
			if got := busy.most.Load(); int(got) > tc.workers {
				t.Errorf("%d env calls ran at once with %d workers", got, tc.workers)
			}
		})
	}
}

// TestSameRecordsWhateverInFlight checks that records do not depend on the
// episodes in flight, failing and panicking envs included.
func TestSameRecordsWhateverInFlight(t *testing.T) {
	t.Parallel()
	var want string
	for _, c := range []struct{ workers, inFlight int }{{1, 1}, {1, 5}, {2, 7}, {3, 2}} {
		reg, _ := chainRegistry()
		cfg := baseConfig(reg)
		cfg.Workers, cfg.InFlight = c.workers, c.inFlight
		cfg.Out = filepath.Join(t.TempDir(), "run.jsonl")
		sum, err := Run(context.Background(), cfg)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if sum.Episodes != 24 || sum.Errors == 0 || sum.Successes == 0 {
			t.Fatalf("%+v: summary %+v: want 24 episodes, some errors, some successes", c, sum)
		}
		got := normalize(t, readFile(t, cfg.Out))
		if want == "" {
			want = got
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%+v gave other records than 1 in flight (-want +got):\n%s", c, diff)
		}
	}
}

// TestInFlightCancel checks that a run canceled while episodes wait for a
// worker stops, keeping complete lines only.
func TestInFlightCancel(t *testing.T) {
	t.Parallel()
	reg, _ := chainRegistry()
	ctx, cancel := context.WithCancel(context.Background())
	var acts atomic.Int32
	agent := dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
			if acts.Add(1) == 20 {
				cancel()
			}
			return dojo.IndexAction(1), nil
		}), nil
	})
	out := filepath.Join(t.TempDir(), "run.jsonl")
	cfg := Config{
		Registry: reg, Env: "test/Chain-v0", Options: dojo.Options{"length": 4, "slip": 0.3, "sleep_ms": 1},
		Agent: agent, AgentName: "a", Episodes: 60, Workers: 1, InFlight: 8, Out: out,
	}
	sum, err := Run(ctx, cfg)
	if dojo.ErrorCode(err) != dojo.CodeCanceled {
		t.Fatalf("got %v, want a canceled run", err)
	}
	eps := readFile(t, out)
	if len(eps) != sum.Episodes || len(eps) >= 60 {
		t.Errorf("%d records, summary of %d: want the same, fewer than 60", len(eps), sum.Episodes)
	}
	for _, ep := range eps {
		if ep.Error != "" {
			t.Errorf("episode %d recorded with error %q: canceled episodes must not be recorded", ep.Episode, ep.Error)
		}
	}
	// Resuming finishes the run.
	sum, err = Run(context.Background(), cfg)
	if err != nil || sum.Episodes != 60 || sum.Errors != 0 {
		t.Fatalf("resume: %v, %+v", err, sum)
	}
}
