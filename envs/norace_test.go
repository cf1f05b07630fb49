//go:build !race

package envs_test

const raceEnabled = false
