package reward

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// squadCases were checked against the official SQuAD evaluate-v1.1.py
// (normalize_answer, exact_match_score, f1_score with
// metric_max_over_ground_truths) under Python 3.11.
var squadCases = []struct {
	pred  string
	golds []string
	norm  string
	em    float64
	f1    float64
}{
	// Articles: whole words only, whatever their case.
	{"The Beatles", []string{"Beatles"}, "beatles", 1.0, 1.0},
	{"a an the", []string{""}, "", 1.0, 0.0},
	{"Theatre and an Anthem", []string{"theatre and anthem"}, "theatre and anthem", 1.0, 1.0},
	{"The The", []string{"the"}, "", 1.0, 0.0},
	{"thé a", []string{"thé"}, "thé", 1.0, 1.0},
	{"€the€", []string{"€ €"}, "€ €", 1.0, 1.0},                  // a non-word symbol is a boundary
	{"a\u0301", []string{"\u0301"}, "\u0301", 1.0, 1.0},          // so is a combining mark
	{"a·b a·", []string{"a·b"}, "·b ·", 0.0, 0.6666666666666666}, // and a middle dot
	// Punctuation: ASCII only, removed before the articles.
	{"A.B.", []string{"ab"}, "ab", 1.0, 1.0},
	{"the-end", []string{"theend"}, "theend", 1.0, 1.0},
	{"the_end", []string{"end"}, "theend", 0.0, 0.0},
	{"a-team", []string{"team"}, "ateam", 0.0, 0.0},
	{"an-an", []string{"anan"}, "anan", 1.0, 1.0},
	{"U.S.A.", []string{"usa"}, "usa", 1.0, 1.0},
	{"rock'n'roll", []string{"rock n roll"}, "rocknroll", 0.0, 0.0},
	{"1,204,000", []string{"1204000"}, "1204000", 1.0, 1.0},
	{"$12.50", []string{"1250"}, "1250", 1.0, 1.0},
	{"“quoted”", []string{"quoted"}, "“quoted”", 0.0, 0.0},
	{"Paris — France", []string{"paris france"}, "paris — france", 0.0, 0.8},
	{"¿Qué?", []string{"qué"}, "¿qué", 0.0, 0.0},
	// Unicode case: Python's full lower-casing.
	{"PARIS", []string{"paris"}, "paris", 1.0, 1.0},
	{"ÉCOLE", []string{"école"}, "école", 1.0, 1.0},
	{"İstanbul", []string{"istanbul"}, "i\u0307stanbul", 0.0, 0.0},
	{"ΟΔΟΣ", []string{"οδοσ"}, "οδος", 0.0, 0.0}, // final sigma
	{"ΣΑΣ, ΑΣ.", []string{"σας ας"}, "σας ας", 1.0, 1.0},
	{"Straße", []string{"strasse"}, "straße", 0.0, 0.0},
	{"Ⅻ² ½", []string{"ⅻ² ½"}, "ⅻ² ½", 1.0, 1.0},
	// White space: Python's str.split.
	{"  Paris \t\n ", []string{"Paris"}, "paris", 1.0, 1.0},
	{"\u00a0Paris\u3000France\u2029", []string{"paris france"}, "paris france", 1.0, 1.0},
	{"a\u001cb", []string{"b"}, "b", 1.0, 1.0},
	{"x\u001fy", []string{"x y"}, "x y", 1.0, 1.0},
	{"zero\u200bwidth", []string{"zero width"}, "zero\u200bwidth", 0.0, 0.0}, // not a space
	// Empty prediction or gold: exact match compares the empty strings,
	// F1 of v1.1 is 0 whenever nothing is shared.
	{"", []string{""}, "", 1.0, 0.0},
	{"the", []string{"a"}, "", 1.0, 0.0},
	{"Paris", []string{""}, "paris", 0.0, 0.0},
	{"", []string{"Paris"}, "", 0.0, 0.0},
	{"Paris", nil, "paris", 0.0, 0.0}, // no golds (the script would fail): 0
	// F1: multisets of words, max over golds.
	{"the Eiffel Tower in Paris", []string{"Eiffel Tower"}, "eiffel tower in paris", 0.0, 0.6666666666666666},
	{"paris paris", []string{"paris"}, "paris paris", 0.0, 0.6666666666666666},
	{"New York City", []string{"NYC", "New York"}, "new york city", 0.0, 0.8},
}

func TestSQuADMetrics(t *testing.T) {
	for _, c := range squadCases {
		if got := NormalizeAnswer(c.pred); got != c.norm {
			t.Errorf("NormalizeAnswer(%q) = %q, want %q", c.pred, got, c.norm)
		}
		if got := ExactMatch(c.pred, c.golds); got != c.em {
			t.Errorf("ExactMatch(%q, %q) = %v, want %v", c.pred, c.golds, got, c.em)
		}
		if got := TokenF1(c.pred, c.golds); got != c.f1 {
			t.Errorf("TokenF1(%q, %q) = %v, want %v", c.pred, c.golds, got, c.f1)
		}
	}
}

// FuzzNormalizeAnswer checks properties that hold for any input: the
// result is valid UTF-8 when the input is, normalizing is idempotent, it
// has no leading, trailing or doubled spaces, no ASCII upper case or
// punctuation, no article words, and a text always matches itself.
func FuzzNormalizeAnswer(f *testing.F) {
	for _, c := range squadCases {
		f.Add(c.pred)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeAnswer(s)
		if utf8.ValidString(s) && !utf8.ValidString(n) {
			t.Fatalf("NormalizeAnswer(%q) = %q is not valid UTF-8", s, n)
		}
		if again := NormalizeAnswer(n); again != n && utf8.ValidString(s) {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, again)
		}
		if strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") || strings.Contains(n, "  ") {
			t.Fatalf("NormalizeAnswer(%q) = %q has stray spaces", s, n)
		}
		for _, w := range strings.Split(n, " ") {
			if w == "a" || w == "an" || w == "the" {
				t.Fatalf("NormalizeAnswer(%q) = %q keeps the article %q", s, n, w)
			}
		}
		for i := 0; i < len(n); i++ {
			if c := n[i]; 'A' <= c && c <= 'Z' || isASCIIPunct(c) {
				t.Fatalf("NormalizeAnswer(%q) = %q keeps %q", s, n, c)
			}
		}
		if ExactMatch(s, []string{s}) != 1 {
			t.Fatalf("%q does not match itself", s)
		}
		if f := TokenF1(s, []string{s}); f != 1 && n != "" {
			t.Fatalf("TokenF1 of %q with itself = %v", s, f)
		}
	})
}
