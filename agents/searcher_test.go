package agents_test

import (
	"context"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/envs/websim"
)

// TestSearcher plays the search baseline on websim's search QA in both
// modes: it answers after one search, succeeds sometimes (on questions
// whose top result names the answer) and far less often than the oracle.
func TestSearcher(t *testing.T) {
	t.Parallel()
	reg := new(dojo.Registry)
	if err := websim.Register(reg); err != nil {
		t.Fatal(err)
	}
	maker, err := agents.New("searcher")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range []string{"websim/SearchQA-v0", "websim/SearchR1-v0"} {
		env, err := reg.Make(id, nil)
		if err != nil {
			t.Fatal(err)
		}
		const n = 300
		wins := 0
		for s := range uint64(n) {
			ag, err := maker.NewAgent(ctx, dojo.EpisodeStart{Seed: s, Spec: env.Spec(), Env: env})
			if err != nil {
				t.Fatal(err)
			}
			obs, info, err := env.Reset(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			turn := dojo.Turn{Obs: obs, Info: info}
			for i := 0; ; i++ {
				a, err := ag.Act(ctx, turn)
				if err != nil {
					t.Fatal(err)
				}
				st, err := env.Step(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				if st.Info.Invalid {
					t.Fatalf("%s seed %d: invalid action %v: %s", id, s, a, st.Info.Error)
				}
				if st.Done() {
					if i != 1 {
						t.Fatalf("%s seed %d: ended after %d turns, want 2", id, s, i+1)
					}
					if st.Info.Success {
						wins++
					}
					break
				}
				turn = dojo.Turn{Step: i + 1, Obs: st.Obs, Reward: st.Reward, Info: st.Info}
			}
		}
		if wins == 0 || wins > n*2/5 {
			t.Errorf("%s: the searcher succeeded %d times in %d, want some but far fewer than the oracle", id, wins, n)
		}
		t.Logf("%s: searcher %d/%d", id, wins, n)
	}
	bandit := dojo.Spec{ID: "bandit/X-v0", Action: dojo.Discrete(3)}
	if _, err := maker.NewAgent(ctx, dojo.EpisodeStart{Spec: bandit}); dojo.ErrorCode(err) != dojo.CodeInvalid {
		t.Errorf("searcher on a bandit: %v, want an invalid-agent error", err)
	}
}
