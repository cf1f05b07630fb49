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

// MustConst checks, once when a package is initialised, a constant index of
// a hot path against the component's name: it panics unless the component
// named name in comps is at index i. Families whose Step indexes its parts
// millions of times a second keep constant indices (no bounds check, no
// load) and hold them to the names with MustConst.
func MustConst(comps []dojo.Component, i int, name string) int {
	if j := MustIndex(comps, name); j != i {
		panic(fmt.Sprintf("family: reward component %q is at index %d, its constant says %d", name, j, i))
	}
	return i
}
