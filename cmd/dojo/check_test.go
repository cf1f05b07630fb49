package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// brokenEnv breaks the contract twice: Step before Reset is no error, and
// the reward is not the sum of its parts.
type brokenEnv struct{ t int }

func brokenSpec() dojo.Spec {
	return dojo.Spec{
		ID: "test/Broken-v0", Description: "an env that breaks the contract",
		Observation: dojo.Discrete(2), Action: dojo.Discrete(2), MaxSteps: 3,
		Rewards: []dojo.Component{{Name: "success", Shaped: 1}}, DefaultProfile: "shaped",
	}
}

func (e *brokenEnv) Spec() dojo.Spec { return brokenSpec() }

func (e *brokenEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	e.t = 0
	return dojo.Obs{Value: 0}, dojo.Info{Parts: []dojo.Part{{Name: "success", Weight: 1}}}, nil
}

func (e *brokenEnv) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	e.t++
	return dojo.Step{Obs: dojo.Obs{Value: 0}, Reward: 1, Truncated: e.t >= 3,
		Info: dojo.Info{Invalid: a.Index > 1, Error: "bad", Parts: []dojo.Part{{Name: "success", Weight: 1}}}}, nil
}

// TestCheckListsEachProblem checks that dojo check names the env that
// fails and, under it, each problem found, with its seed and step.
func TestCheckListsEachProblem(t *testing.T) {
	t.Parallel()
	reg := &dojo.Registry{}
	reg.MustRegister(brokenSpec(), func(dojo.Options) (dojo.Env, error) { return &brokenEnv{}, nil })
	var stdout, stderr bytes.Buffer
	err := cmdCheck(context.Background(), &app{reg: reg, stdout: &stdout, stderr: &stderr}, []string{"--seeds", "2", "--oracle", "2"})
	if err == nil || err.Error() != "1 of 1 envs failed" {
		t.Errorf("cmdCheck = %v, want 1 of 1 envs failed", err)
	}
	want := `FAIL  test/Broken-v0
      Step before Reset: got error <nil> (code ""), want code "state"
      seed 3 step 1: reward 1 but parts sum to 0 ([{success 0 1}])
`
	if got := stdout.String(); got != want {
		t.Errorf("dojo check printed:\n%s\nwant:\n%s", got, want)
	}
	if strings.TrimSpace(stderr.String()) != "" {
		t.Errorf("stderr: %s", stderr.String())
	}
}
