//go:build !race

package bm25_test

// raceEnabled is set when the race detector is on: tests then run fewer
// seeds, as the detector slows them down about tenfold.
const raceEnabled = false
