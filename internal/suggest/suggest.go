// Package suggest finds the names nearest to a mistyped one, for "did you
// mean" hints in error messages.
package suggest

import (
	"sort"
	"strings"
)

// Distance is the edit distance between a and b in bytes: the fewest
// single-byte insertions, deletions, substitutions and swaps of adjacent
// bytes that turn one into the other (Damerau–Levenshtein, optimal string
// alignment: no substring is edited twice), so a typo's swapped letters
// count once. (The root package, which imports nothing of the module,
// keeps a copy for its env ids; a test holds the two together.)
func Distance(a, b string) int {
	// prev2, prev and row are the rows of a[:i-2], a[:i-1] and a[:i].
	prev2, prev, row := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		row[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			row[j] = min(sub, prev[j]+1, row[j-1]+1)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				row[j] = min(row[j], prev2[j-2]+1)
			}
		}
		prev2, prev, row = prev, row, prev2
	}
	return prev[len(b)]
}

// Nearest returns at most three of names near word, nearest first (ties in
// the order of names). Names compare without case. A name is near when it
// is within edit distance max(1, len(name)/3) of word, or when one of the
// two starts with the other and the shorter has at least 3 bytes (opt for
// options), which counts as distance 1.
func Nearest(word string, names []string) []string {
	w := strings.ToLower(word)
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, n := range names {
		l := strings.ToLower(n)
		d := Distance(w, l)
		if min(len(w), len(l)) >= 3 && (strings.HasPrefix(w, l) || strings.HasPrefix(l, w)) {
			d = min(d, 1)
		}
		if d <= max(1, len(l)/3) {
			cs = append(cs, cand{n, d})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return out
}
