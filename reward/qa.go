package reward

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dojo-rl/dojo/internal/pylower"
)

// NormalizeAnswer is SQuAD's answer normalization, as the official
// evaluate-v1.1.py's normalize_answer computes it on a Python 3 str: lower
// case (Python's str.lower: full Unicode lower-casing, with İ becoming
// "i̇" and a final capital sigma "ς"), ASCII punctuation (Python's
// string.punctuation) removed, the whole words a, an and the replaced by a
// space (word characters being Unicode letters, numbers and "_", as in
// Python's re), and white space (Python's str.split: Unicode spaces and the
// separators U+001C..U+001F) collapsed to single spaces, trimmed.
func NormalizeAnswer(s string) string {
	return strings.Join(answerTokens(s), " ")
}

// answerTokens returns the words of the normalized answer.
func answerTokens(s string) []string {
	s = pylower.Lower(s)
	// Remove ASCII punctuation.
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || !isASCIIPunct(c) {
			b = append(b, c)
		}
	}
	// Replace the articles by a space, then split on white space.
	var out []string
	text := string(b)
	start := -1 // start of the current word (a maximal run of non-space)
	for i, r := range text + " " {
		if i < len(text) && !pySpace(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = appendWithoutArticles(out, text[start:i])
			start = -1
		}
	}
	return out
}

// appendWithoutArticles appends the parts of a white-space-free word left
// when Python's re.sub(r'\b(a|an|the)\b', ' ', …) removes articles from it:
// an article counts only between word boundaries, so "a" and "the" go but
// "an" in "and" and "a" in "a-b"'s "ab" stay. After punctuation removal a
// word can still hold non-word characters (other symbols), which are
// boundaries.
func appendWithoutArticles(out []string, w string) []string {
	last := 0
	prevWord := false // the character before i is a word character
	for i := 0; i < len(w); {
		r, size := utf8.DecodeRuneInString(w[i:])
		if !prevWord && isWordRune(r) {
			for _, art := range [...]string{"a", "an", "the"} { // Python's alternation order
				if strings.HasPrefix(w[i:], art) {
					j := i + len(art)
					if next, _ := utf8.DecodeRuneInString(w[j:]); j == len(w) || !isWordRune(next) {
						if i > last {
							out = append(out, w[last:i])
						}
						last = j
						i = j
						prevWord = false
						goto next
					}
				}
			}
		}
		prevWord = isWordRune(r)
		i += size
	next:
	}
	if last < len(w) {
		out = append(out, w[last:])
	}
	return out
}

// isWordRune is Python 3 re's \w for str patterns: alphanumeric characters
// (str.isalnum) and the underscore.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

func isASCIIPunct(c byte) bool {
	return '!' <= c && c <= '/' || ':' <= c && c <= '@' || '[' <= c && c <= '`' || '{' <= c && c <= '~'
}

// ExactMatch is SQuAD v1.1's exact match, maxed over the golds: 1 if the
// normalized prediction equals a normalized gold, else 0 (0 with no golds).
func ExactMatch(pred string, golds []string) float64 {
	p := NormalizeAnswer(pred)
	for _, g := range golds {
		if NormalizeAnswer(g) == p {
			return 1
		}
	}
	return 0
}

// TokenF1 is SQuAD v1.1's token F1, maxed over the golds (0 with no
// golds): over the normalized words, with c the size of the multiset
// intersection of prediction and gold words, precision c/|pred|, recall
// c/|gold| and F1 their harmonic mean, 0 when c = 0 — so an empty
// prediction or gold scores 0, even against an empty one (v1.1's rule;
// exact match scores that pair 1).
func TokenF1(pred string, golds []string) float64 {
	p := answerTokens(pred)
	best := 0.0
	for _, g := range golds {
		best = max(best, tokenF1(p, answerTokens(g)))
	}
	return best
}

func tokenF1(pred, gold []string) float64 {
	if len(pred) == 0 || len(gold) == 0 {
		return 0
	}
	counts := make(map[string]int, len(gold))
	for _, w := range gold {
		counts[w]++
	}
	same := 0
	for _, w := range pred {
		if counts[w] > 0 {
			counts[w]--
			same++
		}
	}
	if same == 0 {
		return 0
	}
	precision := 1.0 * float64(same) / float64(len(pred))
	recall := 1.0 * float64(same) / float64(len(gold))
	return (2 * precision * recall) / (precision + recall)
}
