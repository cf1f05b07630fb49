package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/runner"
)

// gate holds the Acts of one trial until want of them are in progress at
// once (or 5s after the first, so that a failing test ends), and keeps the
// most in progress at once.
type gate struct {
	want        int32
	now, most   atomic.Int32
	open        chan struct{}
	once, first sync.Once
}

func (g *gate) act(ctx context.Context) error {
	g.first.Do(func() { time.AfterFunc(5*time.Second, func() { g.once.Do(func() { close(g.open) }) }) })
	n := g.now.Add(1)
	defer g.now.Add(-1)
	for m := g.most.Load(); n > m && !g.most.CompareAndSwap(m, n); m = g.most.Load() {
	}
	if n >= g.want {
		g.once.Do(func() { close(g.open) })
	}
	select {
	case <-g.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitingMaker is an agent maker whose agents wait in Act, like an LLM's,
// and which asks for inFlight episodes at once. Episodes of trial 0 (seeds
// below seed+tasks) wait at gates[0], the others at gates[1].
type waitingMaker struct {
	inFlight    int
	seed, tasks uint64
	gates       [2]*gate
}

func (m *waitingMaker) InFlight() int { return m.inFlight }

func (m *waitingMaker) NewAgent(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
	g := m.gates[1]
	if ep.Seed >= m.seed && ep.Seed < m.seed+m.tasks {
		g = m.gates[0]
	}
	return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
		if err := g.act(ctx); err != nil {
			return dojo.Action{}, err
		}
		return dojo.MessageAction("done"), nil
	}), nil
}

var _ runner.InFlighter = (*waitingMaker)(nil)

// TestRunInFlight checks that every trial of a bench run plays as many
// episodes at once as the agent asks for (runner.InFlighter), the trials
// after the first too, though their agent is wrapped to see its trial
// seed; and that Config.InFlight wins.
func TestRunInFlight(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		inFlight int // Config.InFlight
		want     int32
	}{
		{"the agent's", 0, 6},
		{"Config.InFlight", 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Suite{Name: "wait-v1", Entries: []Entry{{Env: "toolcall/Bank-v0", Tasks: 12, Seed: 40}}}
			m := &waitingMaker{inFlight: 6, seed: 40, tasks: 12}
			for i := range m.gates {
				m.gates[i] = &gate{want: tc.want, open: make(chan struct{})}
			}
			_, err := Run(context.Background(), Config{
				Registry: envs.Default(), Suite: &s, Agent: m, AgentName: "waiting",
				Trials: 2, Dir: t.TempDir(), Workers: 1, InFlight: tc.inFlight,
			})
			if err != nil {
				t.Fatal(err)
			}
			for i, g := range m.gates {
				if got := g.most.Load(); got != tc.want {
					t.Errorf("trial %d: %d episodes waited on the agent at once, want %d", i, got, tc.want)
				}
			}
		})
	}
}
