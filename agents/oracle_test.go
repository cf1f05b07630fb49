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

// The noisy oracle sits between random and the oracle: eps=0 is the
// oracle, eps=1 plays the random agent's episodes exactly, and eps in
// between wins less often than the oracle on deterministic ice.
func TestNoisyOracle(t *testing.T) {
	t.Parallel()
	env := newLake(false)
	for seed := range uint64(20) {
		okO, nO := tabPlay(t, mustNew(t, "oracle"), env, seed, nil)
		ok0, n0 := tabPlay(t, mustNew(t, "oracle:eps=0"), env, seed, nil)
		okR, nR := tabPlay(t, mustNew(t, "random"), env, seed, nil)
		ok1, n1 := tabPlay(t, mustNew(t, "oracle:eps=1"), env, seed, nil)
		if okO != ok0 || nO != n0 || okR != ok1 || nR != n1 {
			t.Errorf("seed %d: oracle %v/%d eps=0 %v/%d random %v/%d eps=1 %v/%d", seed, okO, nO, ok0, n0, okR, nR, ok1, n1)
		}
	}
	half := tabSuccessRate(t, "oracle:eps=0.5", false, 200)
	if rnd := tabSuccessRate(t, "random", false, 200); !(rnd < half && half < 1) {
		t.Errorf("success: random %.3f, oracle:eps=0.5 %.3f: want between random and 1", rnd, half)
	}
}
