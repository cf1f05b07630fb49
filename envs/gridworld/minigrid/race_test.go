//go:build race

package minigrid

// mgRaceEnabled is set when the tests run under the race detector, which
// slows the long oracle and layout tests down: they run fewer seeds.
const mgRaceEnabled = true
