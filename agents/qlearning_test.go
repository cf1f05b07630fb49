package agents

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/runner"
	"github.com/google/go-cmp/cmp"
)

func TestQLearningSolvesDeterministicLake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		agent string
		grid  bool
	}{
		{"int states", "qlearning", false},
		{"hashed grid observations", "qlearning", true},
		{"trained on the episode seed", "qlearning:same_seed=true", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			maker := mustNew(t, tt.agent)
			mk := func() *lakeEnv { e := newLake(false); e.valueAsGrid = tt.grid; return e }
			env := mk()
			for seed := range uint64(10) {
				ok, n := tabPlay(t, maker, env, seed, func() (dojo.Env, error) { return mk(), nil })
				if !ok || n != 6 {
					t.Errorf("seed %d: success %v in %d steps, want success in 6 (the shortest path)", seed, ok, n)
				}
			}
		})
	}
}

func TestQLearningBeatsRandomOnSlipperyLake(t *testing.T) {
	t.Parallel()
	// The optimum is about 0.74; random walks succeed about 1.5% of the time.
	q := tabSuccessRate(t, "qlearning", true, 60)
	r := tabSuccessRate(t, "random", true, 60)
	if q < 0.5 || r > 0.1 {
		t.Errorf("slippery FrozenLake success: qlearning %.3f, random %.3f; want qlearning ≥ 0.5 and random ≤ 0.1", q, r)
	}
}

func TestQLearningUntrainedIsRandom(t *testing.T) {
	t.Parallel()
	// With no training the table is all zeros and ties break at random:
	// it must not walk into the left wall forever.
	maker := mustNew(t, "qlearning:episodes=0")
	env := newLake(false)
	lengths := map[int]bool{}
	for seed := range uint64(20) {
		_, n := tabPlay(t, maker, env, seed, func() (dojo.Env, error) { return newLake(false), nil })
		lengths[n] = true
	}
	if len(lengths) < 3 {
		t.Errorf("an untrained agent's episode lengths %v look deterministic", lengths)
	}
}

func TestQLearningHonoursContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	maker := mustNew(t, "qlearning:episodes=10000000")
	start := time.Now()
	_, err := maker.NewAgent(ctx, dojo.EpisodeStart{Spec: lakeSpec(true), NewEnv: func() (dojo.Env, error) { return newLake(true), nil }})
	if !errors.Is(err, context.DeadlineExceeded) || dojo.ErrorCode(err) != dojo.CodeTimeout {
		t.Errorf("training past its deadline: error %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("training stopped %v after its deadline", d)
	}
	_, err = maker.NewAgent(context.Background(), dojo.EpisodeStart{Spec: lakeSpec(false), NewEnv: func() (dojo.Env, error) { return nil, fmt.Errorf("no more envs") }})
	if err == nil || err.Error() != "qlearning: making its training env: no more envs" {
		t.Errorf("NewEnv failing: error %v", err)
	}
}

// TestLearningAgentsIndependentOfWorkers runs the learning and random
// agents through the runner with 1 and 2 workers: the records must be the
// same, so nothing may leak between episodes.
func TestLearningAgentsIndependentOfWorkers(t *testing.T) {
	t.Parallel()
	for _, agent := range []string{"qlearning:episodes=300", "random", "bfs", "oracle"} {
		t.Run(agent, func(t *testing.T) {
			t.Parallel()
			var runs [2]map[int]string
			for k, w := range []int{1, 2} {
				runs[k] = map[int]string{}
				_, err := runner.Run(context.Background(), runner.Config{
					Registry: lakeRegistry(), Env: "test/Lake-v0", Options: dojo.Options{"is_slippery": true},
					Agent: mustNew(t, agent), AgentName: agent, Episodes: 8, Seed: 11, Workers: w,
					OnEpisode: func(ep runner.Episode) {
						var acts []int
						for _, s := range ep.Steps {
							acts = append(acts, s.Action.Index)
						}
						runs[k][ep.Episode] = fmt.Sprint(ep.Success, ep.Error, acts)
					},
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if diff := cmp.Diff(runs[0], runs[1]); diff != "" {
				t.Errorf("1 worker vs 2 workers (-1 +2):\n%s", diff)
			}
		})
	}
}

func ExampleNew_qlearning() {
	// lakeRegistry holds test/Lake-v0, a copy of FrozenLake 4x4.
	agent, err := New("qlearning:episodes=500")
	if err != nil {
		fmt.Println(err)
		return
	}
	sum, err := runner.Run(context.Background(), runner.Config{
		Registry: lakeRegistry(), Env: "test/Lake-v0", Agent: agent, AgentName: "qlearning", Episodes: 10,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("success %.2f in %.1f steps on average\n", sum.SuccessRate, sum.MeanLength)
	// Output:
	// success 1.00 in 6.0 steps on average
}

// BenchmarkQLearningTrain measures the making of a Q-learning agent on
// slippery FrozenLake 4x4: 200 training episodes, reported per training
// step.
func BenchmarkQLearningTrain(b *testing.B) {
	maker := mustNew(b, "qlearning:episodes=200")
	counting := &lakeStepCounter{lakeEnv: newLake(true)}
	start := dojo.EpisodeStart{Spec: lakeSpec(true), NewEnv: func() (dojo.Env, error) { return counting, nil }}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := maker.NewAgent(context.Background(), start); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(counting.steps), "ns/train-step")
}

type lakeStepCounter struct {
	*lakeEnv
	steps int
}

func (c *lakeStepCounter) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	c.steps++
	return c.lakeEnv.Step(ctx, a)
}
