//go:build !race

package agents_test

// banditRace is set when the race detector is on: the bandit regret tests
// then average fewer runs, as the detector slows them down about tenfold.
const banditRace = false
