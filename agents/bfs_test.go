package agents

import (
	"context"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/google/go-cmp/cmp"
)

func TestBFSOnLake(t *testing.T) {
	t.Parallel()
	maker := mustNew(t, "bfs")
	env := newLake(false)
	for seed := range uint64(5) {
		if ok, n := tabPlay(t, maker, env, seed, nil); !ok || n != 6 {
			t.Errorf("seed %d: success %v in %d steps, want success in 6 (the shortest path)", seed, ok, n)
		}
	}
	// On slippery ice the plan is a heuristic; it still wins about half the
	// time, against about 1.5% for random walks.
	if rate := tabSuccessRate(t, "bfs", true, 200); rate < 0.35 {
		t.Errorf("bfs success %.3f on slippery FrozenLake, want about 0.5", rate)
	}
}

func TestBFSPlan(t *testing.T) {
	t.Parallel()
	o := func(p float64, next int, r float64, term bool) dojo.Outcome {
		return dojo.Outcome{Prob: p, Next: next, Reward: r, Terminated: term}
	}
	tests := []struct {
		name   string
		mdp    *dojo.MDP
		policy []int
		dist   []int
		safest [][]int
		err    string
	}{
		{
			// A cliff walk: each step pays −1, action 0 falls off the cliff
			// (−100, terminal), action 1 moves right; state 3 is the goal,
			// absorbing with reward 0 as in Gymnasium's layout. The goal
			// reward (−1) is below the absorbing state's 0 but is still the
			// goal.
			name: "cliff with negative rewards",
			mdp: &dojo.MDP{NS: 4, NA: 2, P: [][][]dojo.Outcome{
				{{o(1, 0, -100, true)}, {o(1, 1, -1, false)}},
				{{o(1, 1, -100, true)}, {o(1, 2, -1, false)}},
				{{o(1, 2, -100, true)}, {o(1, 3, -1, true)}},
				{{o(1, 3, 0, true)}, {o(1, 3, 0, true)}},
			}},
			policy: []int{1, 1, 1, -1}, dist: []int{3, 2, 1, -1}, safest: [][]int{nil, nil, nil, {0, 1}},
		},
		{
			// Two ways to the goal from 0 in one likely step: action 0 risks
			// a hole (state 2) with probability 0.3, action 1 is safe but
			// slips back to 0 with probability 0.3. Least risk wins the tie.
			// State 3 reaches nothing: its safest actions are listed.
			name: "tie broken by risk, dead end listed",
			mdp: &dojo.MDP{NS: 5, NA: 2, P: [][][]dojo.Outcome{
				{{o(0.7, 1, 1, true), o(0.3, 2, 0, true)}, {o(0.7, 1, 1, true), o(0.3, 0, 0, false)}},
				{{o(1, 1, 0, true)}, {o(1, 1, 0, true)}},
				{{o(1, 2, 0, true)}, {o(1, 2, 0, true)}},
				{{o(0.5, 2, 0, true), o(0.5, 3, 0, false)}, {o(1, 3, 0, false)}},
				{{o(1, 0, 0, false)}, {o(0.4, 4, 0, false), o(0.3, 4, 0, false), o(0.3, 2, 0, true)}},
			}},
			// State 4: action 0 leads to 0 (distance 1), action 1's merged
			// likely outcome is to stay at 4 (0.7).
			policy: []int{1, -1, -1, -1, 0}, dist: []int{1, -1, -1, -1, 2}, safest: [][]int{nil, {0, 1}, {0, 1}, {1}, nil},
		},
		{
			name: "no terminating outcome",
			mdp:  &dojo.MDP{NS: 1, NA: 1, P: [][][]dojo.Outcome{{{o(1, 0, 0, false)}}}},
			err:  "bfs: the model has no terminating outcome, so no goal to plan for",
		},
		{
			name: "outcome out of range",
			mdp:  &dojo.MDP{NS: 1, NA: 1, P: [][][]dojo.Outcome{{{o(1, 4, 0, true)}}}},
			err:  "bfs: model outcome P[0][0] leads to state 4 of 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := newBFSPlan(tt.mdp)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.policy, p.policy); diff != "" {
				t.Errorf("policy (-want +got):\n%s\n%v", diff, p)
			}
			if diff := cmp.Diff(tt.dist, p.dist); diff != "" {
				t.Errorf("distances (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.safest, p.safest); diff != "" {
				t.Errorf("safest actions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBFSBadState(t *testing.T) {
	t.Parallel()
	agent, err := mustNew(t, "bfs").NewAgent(context.Background(), dojo.EpisodeStart{Spec: lakeSpec(false), Env: newLake(false)})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{"start", 99} {
		if _, err := agent.Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Value: v}}); err == nil || !strings.HasPrefix(err.Error(), "bfs: ") {
			t.Errorf("observation %v: error %v", v, err)
		}
	}
}

// BenchmarkBFS measures a bfs agent's episode start: planning on the model
// of slippery FrozenLake 4x4 at its first action.
func BenchmarkBFS(b *testing.B) {
	env := newLake(true)
	maker := mustNew(b, "bfs")
	b.ReportAllocs()
	for b.Loop() {
		agent, err := maker.NewAgent(context.Background(), dojo.EpisodeStart{Spec: lakeSpec(true), Env: env})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := agent.Act(context.Background(), dojo.Turn{Obs: dojo.Obs{Value: 0}}); err != nil {
			b.Fatal(err)
		}
	}
}
