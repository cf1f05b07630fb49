package runner

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dojo-rl/dojo"
)

// resetFailer is the chain env whose Reset fails: at once, or when block
// is set, by waiting for the episode's deadline.
type resetFailer struct {
	dojo.Env
	block bool
}

func (e *resetFailer) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if e.block {
		<-ctx.Done()
		return dojo.Obs{}, dojo.Info{}, dojo.CheckContext(ctx)
	}
	return dojo.Obs{}, dojo.Info{}, fmt.Errorf("no data for seed %d", seed)
}

// TestStepsLeftOut checks that a record tells whether its steps were left
// out by NoSteps, or whether its episode never got past Reset.
func TestStepsLeftOut(t *testing.T) {
	t.Parallel()
	records := func(cfg Config) []Episode {
		t.Helper()
		var eps []Episode
		cfg.OnEpisode = func(ep Episode) { eps = append(eps, ep) }
		if _, err := Run(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		return eps
	}
	reg, _ := chainRegistry()
	for _, noSteps := range []bool{false, true} {
		// Episodes that end well or fail at Step or Act (the chain fails
		// at step 2 of some seeds, the agent at step 0 of others).
		cfg := baseConfig(reg)
		cfg.NoSteps = noSteps
		cfg.Agent = dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
			if ep.Seed%5 == 0 {
				return dojo.AgentFunc(func(context.Context, dojo.Turn) (dojo.Action, error) {
					return dojo.Action{}, fmt.Errorf("no idea")
				}), nil
			}
			return walker(0.7).NewAgent(ctx, ep)
		})
		failed := 0
		for _, ep := range records(cfg) {
			if ep.Error != "" {
				failed++
			}
			if ep.StepsLeftOut() != noSteps {
				t.Errorf("NoSteps %v, seed %d (error %q): StepsLeftOut %v", noSteps, ep.Seed, ep.Error, ep.StepsLeftOut())
			}
		}
		if failed == 0 {
			t.Errorf("NoSteps %v: no episode failed after Reset", noSteps)
		}
	}

	// Episodes that fail at Reset have no steps to leave out, with or
	// without NoSteps, and so do those whose deadline passes in Reset.
	for _, block := range []bool{false, true} {
		failing := chainRegistryWith(func(e *chainEnv) dojo.Env { return &resetFailer{e, block} })
		for _, noSteps := range []bool{false, true} {
			cfg := baseConfig(failing)
			cfg.Episodes, cfg.NoSteps = 2, noSteps
			if block {
				cfg.EpisodeTimeout = 20 * time.Millisecond
			}
			for _, ep := range records(cfg) {
				if ep.Error == "" || ep.Reset != nil {
					t.Fatalf("block %v: episode %d: error %q, reset %v: want a failure at Reset", block, ep.Episode, ep.Error, ep.Reset)
				}
				if ep.StepsLeftOut() {
					t.Errorf("block %v, NoSteps %v: an episode that failed at Reset (%s) says its steps were left out", block, noSteps, ep.Error)
				}
			}
		}
	}
}
