package dojo

import "strings"

// Answer returns the answer in a language agent's text: the content of the
// last <answer>…</answer> block (tags matched ignoring ASCII case; a
// missing closing tag runs to the end of the text), or the whole text when
// there is none, with surrounding white space trimmed. Reasoning may
// precede the block. Every family that reads words or names from text
// actions reads them through Answer, so agents meet one convention. It
// does not allocate.
func Answer(s string) string {
	const open, close = "<answer>", "</answer>"
	if i := lastIndexFold(s, open); i >= 0 {
		s = s[i+len(open):]
		if j := indexFold(s, close); j >= 0 {
			s = s[:j]
		}
	}
	return strings.TrimSpace(s)
}

// indexFold is strings.Index ignoring the case of ASCII letters; sub must
// be lower case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if equalFoldLower(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// lastIndexFold is strings.LastIndex ignoring the case of ASCII letters;
// sub must be lower case.
func lastIndexFold(s, sub string) int {
	for i := len(s) - len(sub); i >= 0; i-- {
		if equalFoldLower(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func equalFoldLower(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
