// Package prose holds the English phrasing websim's generators share: the
// search worlds' pages and questions and the shop's titles and
// instructions.
package prose

import "strings"

// AndList joins phrases as "a, b and c" ("a" for one, "" for none).
func AndList(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// Article is "a" or "an" before phrase: "an" before a vowel ("an
// engineer", "an Ulvane novel"), but "a uv …" (a "uv protection" jacket).
func Article(phrase string) string {
	if len(phrase) >= 3 && strings.EqualFold(phrase[:3], "uv ") {
		return "a"
	}
	if phrase != "" && strings.IndexByte("aeiouAEIOU", phrase[0]) >= 0 {
		return "an"
	}
	return "a"
}

// WithArticle is word after its indefinite article ("an engineer").
func WithArticle(word string) string { return Article(word) + " " + word }
