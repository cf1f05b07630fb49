//go:build race

package shop

// raceEnabled is set when the race detector is on: tests then run fewer
// seeds, as the detector slows them down about tenfold.
const raceEnabled = true
