package toytext

import "testing"

// TestNumComponents checks that numComponents, the length of the parts
// arrays, counts every reward component.
func TestNumComponents(t *testing.T) {
	if n := len(toyRewards("")); n != numComponents {
		t.Errorf("toyRewards has %d components, numComponents is %d", n, numComponents)
	}
}
