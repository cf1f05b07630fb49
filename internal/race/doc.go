// Package race tells whether the race detector is on, so that tests whose
// cost grows with it (long sweeps, many seeds, pure-Go SQLite) can do less
// under it, as the detector slows them down five to twenty times.
package race
