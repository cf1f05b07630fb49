package minigrid

import "testing"

// TestNumComponents checks that numComponents, the length of the parts
// slices, counts every reward component.
func TestNumComponents(t *testing.T) {
	if n := len(mgRewards()); n != numComponents {
		t.Errorf("mgRewards has %d components, numComponents is %d", n, numComponents)
	}
}
