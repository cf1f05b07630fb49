package toytext

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo"
)

// toyInstructions returns the system message of option instructions: the
// task and rules of w's game, the step limit, each action word with what it
// does, and the reply format toyParseWord accepts.
func toyInstructions(w *toyWorld, maxSteps int) string {
	var b strings.Builder
	b.WriteString(w.game.task())
	fmt.Fprintf(&b, "You have %d steps. Each turn, answer with one action:\n", maxSteps)
	for i, m := range w.game.meanings() {
		fmt.Fprintf(&b, "%s: %s\n", w.labels[i], m)
	}
	fmt.Fprintf(&b, "Answer with the action word alone (or its number, 0 to %d) or as <answer>%s</answer>.", w.nA-1, w.labels[0])
	return b.String()
}

// toyQuote quotes s for an error message, shortened when long.
func toyQuote(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return strconv.Quote(s)
}

// toyParseWord reads an action given as text: one of labels (ignoring case
// and the spaces, underscores and hyphens inside it) or a decimal index,
// with surrounding spaces and one trailing period tolerated, read through
// dojo.Answer (the last <answer>...</answer> block counts). It returns the index (possibly out of range for a
// number) and whether the text was a word or a number.
func toyParseWord(s string, labels []string) (int, bool) {
	s = dojo.Answer(s)
	if strings.HasSuffix(s, ".") {
		s = strings.TrimSpace(s[:len(s)-1])
	}
	if s == "" {
		return 0, false
	}
	if n, ok := toyDigits(s); ok {
		return n, true
	}
	for i, l := range labels {
		if strings.EqualFold(s, l) || toyEqualLoose(s, l) {
			return i, true
		}
	}
	return 0, false
}

// toyDigits parses a short run of decimal digits.
func toyDigits(s string) (int, bool) {
	if len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// toyEqualLoose reports whether s spells the lower-case ASCII word l,
// ignoring case and the separators ' ', '_' and '-' between letters.
func toyEqualLoose(s, l string) bool {
	j := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '_' || c == '-' {
			if i == 0 || i == len(s)-1 {
				return false
			}
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if j >= len(l) || l[j] != c {
			return false
		}
		j++
	}
	return j == len(l)
}

// toyAppendRC appends "row R, column C (state S)".
func toyAppendRC(b []byte, row, col, s int) []byte {
	b = append(b, "row "...)
	b = strconv.AppendInt(b, int64(row), 10)
	b = append(b, ", column "...)
	b = strconv.AppendInt(b, int64(col), 10)
	b = append(b, " (state "...)
	b = strconv.AppendInt(b, int64(s), 10)
	return append(b, ')')
}

// toyAppendEnd appends the sentence saying how the step ended the
// episode, if it did.
func toyAppendEnd(b []byte, ev toyEvent) []byte {
	switch {
	case ev.ended:
		b = append(b, " Too many invalid actions: the episode is over."...)
	case ev.truncated:
		b = append(b, " The step limit is reached: the episode is over."...)
	}
	return b
}

// toyAppendInvalid appends the line describing an invalid action.
func toyAppendInvalid(b []byte, ev toyEvent) []byte {
	b = append(b, "Invalid action: "...)
	b = append(b, ev.invalid...)
	return append(b, ". Nothing happened."...)
}
