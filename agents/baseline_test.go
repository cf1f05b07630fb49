package agents

import (
	"context"
	"fmt"
	"testing"

	"github.com/dojo-rl/dojo"
)

// baselineLake is the lake with two baseline policies: always right, and
// the oracle's action.
type baselineLake struct{ *lakeEnv }

func (baselineLake) Baselines() []string { return []string{"right", "oracle"} }

func (b baselineLake) BaselineAction(ctx context.Context, policy string) (dojo.Action, error) {
	switch policy {
	case "right":
		return dojo.IndexAction(2), nil
	case "oracle":
		return b.OracleAction(ctx)
	}
	return dojo.Action{}, fmt.Errorf("no policy %q", policy)
}

func TestBaselineAgent(t *testing.T) {
	t.Parallel()
	env := baselineLake{newLake(false)}
	if ok, n := tabPlay(t, mustNew(t, "baseline:policy=oracle"), env, 0, nil); !ok || n != 6 {
		t.Errorf("baseline:policy=oracle: success %v in %d steps, want success in 6", ok, n)
	}
	// The default policy is the env's first: always right, which walks
	// along the top row into the wall and stays there until the step limit.
	if ok, _ := tabPlay(t, mustNew(t, "baseline"), env, 0, nil); ok {
		t.Errorf("baseline (always right) succeeded on FrozenLake")
	}
	ctx := context.Background()
	for _, tt := range []struct {
		agent string
		ep    dojo.EpisodeStart
		want  string
	}{
		{"baseline:policy=left", dojo.EpisodeStart{Spec: lakeSpec(false), Env: env}, `baseline: test/Lake-v0 has no baseline "left" (baselines: right, oracle)`},
		{"baseline", dojo.EpisodeStart{Spec: lakeSpec(false), Env: newLake(false)}, "baseline: test/Lake-v0 provides no baseline policies; try random or oracle"},
		{"baseline", dojo.EpisodeStart{Spec: lakeSpec(false)}, "baseline: the episode start carries no env to ask (EpisodeStart.Env is nil)"},
	} {
		_, err := mustNew(t, tt.agent).NewAgent(ctx, tt.ep)
		if err == nil || err.Error() != tt.want || dojo.ErrorCode(err) != dojo.CodeInvalid {
			t.Errorf("%s: error %v (code %q), want %q of code invalid", tt.agent, err, dojo.ErrorCode(err), tt.want)
		}
	}
	if _, err := New("baseline:name=x"); err == nil || err.Error() != `agent baseline: unknown parameter "name" (parameters: policy)` {
		t.Errorf("baseline:name=x: error %v", err)
	}
}
