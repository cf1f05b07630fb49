//go:build race

package bandit

// raceEnabled is set when the race detector is on: tests then run fewer
// episodes, as the detector slows them down about tenfold.
const raceEnabled = true
