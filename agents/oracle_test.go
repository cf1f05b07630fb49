package agents

import "testing"

func TestOracleOnLake(t *testing.T) {
	t.Parallel()
	maker := mustNew(t, "oracle")
	env := newLake(false)
	for seed := range uint64(5) {
		ok, n := tabPlay(t, maker, env, seed, nil)
		if !ok || n != 6 {
			t.Errorf("seed %d: oracle success %v in %d steps, want success in 6", seed, ok, n)
		}
	}
	// On slippery ice the value-iteration oracle wins about 74% (the
	// optimum of FrozenLake 4x4 without a step limit is 0.74).
	if rate := tabSuccessRate(t, "oracle", true, 300); rate < 0.6 {
		t.Errorf("oracle success %.3f on slippery FrozenLake, want about 0.74", rate)
	}
}
