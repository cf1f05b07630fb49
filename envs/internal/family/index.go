package family

import (
	"fmt"

	"github.com/dojo-rl/dojo"
)

// Index returns the index of the component named name in comps (a spec's
// Rewards, the order of reward.Parts), or an error naming it and what
// there is.
func Index(comps []dojo.Component, name string) (int, error) {
	for i, c := range comps {
		if c.Name == name {
			return i, nil
		}
	}
	names := make([]string, len(comps))
	for i, c := range comps {
		names[i] = c.Name
	}
	return -1, fmt.Errorf("family: no reward component %q among %q", name, names)
}

// MustIndex is Index for a family's table of indices, built once when the
// package is initialised: an unknown name is a bug and panics.
func MustIndex(comps []dojo.Component, name string) int {
	i, err := Index(comps, name)
	if err != nil {
		panic(err)
	}
	return i
}
