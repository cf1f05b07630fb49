//go:build race

package sql

// raceStride: under the race detector the pure-Go SQLite runs tens of times
// slower, so the real-data sweeps check every raceStride-th question; the
// normal run (and cmd/dojo's end-to-end test, whose binary is built without
// -race) checks every question.
const raceStride = 9
