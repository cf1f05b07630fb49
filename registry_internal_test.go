package dojo

import (
	"testing"

	"github.com/dojo-rl/dojo/internal/suggest"
)

// TestEditDistanceIsSuggestDistance holds the registry's copy of the edit
// distance to internal/suggest's.
func TestEditDistanceIsSuggestDistance(t *testing.T) {
	words := []string{"", "a", "ab", "ba", "abc", "ca", "episode", "episodes", "epsiodes", "gridworld/frozenlak-v1",
		"gridworld/frozenlake-v1", "frozenlake8x8", "sql/spider-v0", "sql/bird-v0", "toolcall/mixed-v0", "maze-9x9"}
	for _, a := range words {
		for _, b := range words {
			if got, want := editDistance(a, b), suggest.Distance(a, b); got != want {
				t.Errorf("editDistance(%q, %q) = %d, suggest.Distance %d", a, b, got, want)
			}
		}
	}
}
