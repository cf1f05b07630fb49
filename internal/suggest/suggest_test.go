package suggest

import (
	"slices"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"", "abc", 3}, {"abc", "", 3}, {"episode", "episodes", 1}, {"epsiodes", "episodes", 1}, {"modle", "model", 1}, {"ca", "abc", 3},
		{"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"frozenlak", "frozenlake8x8", 4}, {"same", "same", 0},
	} {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Distance(c.b, c.a); got != c.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (symmetry)", c.b, c.a, got, c.want)
		}
	}
}

func TestNearest(t *testing.T) {
	flags := []string{"agent", "episodes", "json", "model", "opt", "out", "seed", "timeout", "workers"}
	for _, c := range []struct {
		word string
		want []string
	}{
		{"episode", []string{"episodes"}},
		{"EPISODES", []string{"episodes"}},
		{"epsiodes", []string{"episodes"}},
		{"modle", []string{"model"}},
		{"options", []string{"opt"}},
		{"sed", []string{"seed"}},
		{"jsn", []string{"json"}},
		{"ou", []string{"out"}}, // within distance 1 of out only
		{"zzzzzz", nil},
		{"x", nil},
	} {
		if got := Nearest(c.word, flags); !slices.Equal(got, c.want) {
			t.Errorf("Nearest(%q) = %q, want %q", c.word, got, c.want)
		}
	}
	if got := Nearest("abcd", []string{"abce", "abcf", "abcg", "abch"}); len(got) != 3 || got[0] != "abce" {
		t.Errorf("Nearest of four equally near: %q, want the first three", got)
	}
}
