package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dojo-rl/dojo"
)

// BenchmarkRunnerWorkers runs 64 episodes of a CPU-bound env (each step
// burns about 20µs) with 1 and 2 workers, without an output file (whose
// fsync at the end is a fixed cost that BenchmarkRunnerOverhead shows): the
// ratio of their episodes/s is the runner's parallel speedup.
func BenchmarkRunnerWorkers(b *testing.B) {
	const episodes = 64
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			reg, _ := chainRegistry()
			cfg := Config{
				Registry: reg, Env: "test/Chain-v0", Options: dojo.Options{"length": 8, "work": 20000},
				Agent: walker(0.8), AgentName: "walker", Episodes: episodes, Workers: w,
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(context.Background(), cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(episodes*b.N)/b.Elapsed().Seconds(), "episodes/s")
		})
	}
}

// BenchmarkRunnerOverhead measures what the runner adds to each step of a
// trivial env: recording a step (copying observation and parts) and
// marshalling the record, or neither with NoSteps.
func BenchmarkRunnerOverhead(b *testing.B) {
	for _, noSteps := range []bool{false, true} {
		b.Run(fmt.Sprintf("nosteps=%v", noSteps), func(b *testing.B) {
			reg, _ := chainRegistry()
			cfg := Config{
				Registry: reg, Env: "test/Chain-v0", Options: dojo.Options{"length": 50, "slip": 0},
				Agent: walker(1), Episodes: 100, Workers: 1, NoSteps: noSteps,
				Out: filepath.Join(b.TempDir(), "bench.jsonl"),
			}
			b.ReportAllocs()
			steps := 0
			for b.Loop() {
				os.Remove(cfg.Out)
				if _, err := Run(context.Background(), cfg); err != nil {
					b.Fatal(err)
				}
				steps += 100 * 49
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
		})
	}
}

// BenchmarkRunnerProgress measures what a Progress adds to each step of a
// trivial env with two workers (its step counter is shared by them).
func BenchmarkRunnerProgress(b *testing.B) {
	for _, withProgress := range []bool{false, true} {
		b.Run(fmt.Sprintf("progress=%v", withProgress), func(b *testing.B) {
			reg, _ := chainRegistry()
			cfg := Config{
				Registry: reg, Env: "test/Chain-v0", Options: dojo.Options{"length": 50, "slip": 0},
				Agent: walker(1), Episodes: 200, Workers: 2, NoSteps: true,
			}
			if withProgress {
				p := NewProgress(ProgressConfig{W: io.Discard, LogEvery: -1})
				defer p.Close()
				cfg.Progress = p
			}
			b.ReportAllocs()
			steps := 0
			for b.Loop() {
				if _, err := Run(context.Background(), cfg); err != nil {
					b.Fatal(err)
				}
				steps += 200 * 49
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(steps), "ns/step")
		})
	}
}

// Two states of gridworld/Empty-8x8-v0 (seed 1, before and after a step
// forward), as encoding/json writes them: the agent member changes.
const (
	mgState0 = `{"kind":"minigrid","width":8,"height":8,"grid":[2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,8,1,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0],"agent":[1,1],"dir":0,"view":7,"see_through_walls":true,"mission":"get to the green goal square","actions":["left","right","forward","pickup","drop","toggle","done"]}`
	mgState1 = `{"kind":"minigrid","width":8,"height":8,"grid":[2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,2,5,0,2,5,0,1,0,0,1,0,0,1,0,0,1,0,0,1,0,0,8,1,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0,2,5,0],"agent":[2,1],"dir":0,"view":7,"see_through_walls":true,"mission":"get to the green goal square","actions":["left","right","forward","pickup","drop","toggle","done"]}`
)

// BenchmarkSplitObject splits a MiniGrid state into its top-level members.
func BenchmarkSplitObject(b *testing.B) {
	state := mgState0
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := splitObject(state); !ok {
			b.Fatal("not split")
		}
	}
}

// rawStater is a dojo.Stater whose state is given as JSON.
type rawStater struct{ state json.RawMessage }

func (s *rawStater) State() any { return s.state }

// BenchmarkStatePatch records the state patches of steps that move a
// MiniGrid agent back and forth: marshalling the state, splitting it and
// writing the members that changed.
func BenchmarkStatePatch(b *testing.B) {
	states := []*rawStater{{json.RawMessage(mgState0)}, {json.RawMessage(mgState1)}}
	var r stateRecorder
	if _, err := r.reset(states[0]); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		patch, err := r.step(states[i%2])
		if err != nil || patch == nil {
			b.Fatal(patch, err)
		}
	}
}
