// Package pylower is Python 3's str.lower, for the scorers that mirror an
// evaluator written in Python (SQuAD's and Search-R1's answer
// normalisation, BFCL's string comparisons), so that dojo lower-cases text
// exactly as the original does.
//
// Python lower-cases each character by its full Unicode lower-case mapping,
// which differs from Go's unicode.ToLower (the simple mapping) in two ways:
//
//   - U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE (İ) becomes two
//     characters, "i̇" (i followed by U+0307 COMBINING DOT ABOVE); Go's
//     strings.ToLower makes it a plain "i". No other character has an
//     unconditional special lower-case mapping.
//   - U+03A3 GREEK CAPITAL LETTER SIGMA (Σ) becomes the final sigma ς when
//     it ends a word (Unicode's Final_Sigma condition: a cased character
//     before it and none after it, case-ignorable characters skipped either
//     way), else σ; Go always makes it σ.
//
// Language-specific rules (Turkish, Lithuanian) are not applied, as Python
// does not apply them. The case tables are Go's (unicode.Version), which
// may be newer than a given Python's (unicodedata.unidata_version):
// characters assigned since then may lower-case here and not there.
package pylower

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lower is Python's str.lower of s. Invalid UTF-8 bytes are kept as they
// are.
func Lower(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(s[i : i+size])
		case r == 'İ':
			b.WriteString("i\u0307")
		case r == 'Σ':
			if finalSigma(s, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
		i += size
	}
	return b.String()
}

// finalSigma is Unicode's Final_Sigma condition at the capital sigma at
// byte i of s: a cased character before it and none after it, skipping
// case-ignorable characters either way.
func finalSigma(s string, i int) bool {
	before := false
	for j := i; j > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:j])
		j -= size
		if CaseIgnorable(r) {
			continue
		}
		before = Cased(r)
		break
	}
	if !before {
		return false
	}
	for j := i + len("Σ"); j < len(s); {
		r, size := utf8.DecodeRuneInString(s[j:])
		j += size
		if CaseIgnorable(r) {
			continue
		}
		return !Cased(r)
	}
	return true
}

// Cased is Unicode's Cased property: upper-case, lower-case and title-case
// letters, and the other characters with the Lowercase or Uppercase
// property.
func Cased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// CaseIgnorable is Unicode's Case_Ignorable property: nonspacing and
// enclosing marks, format characters, modifier letters and symbols, and
// the characters of Word_Break MidLetter, MidNumLet and Single_Quote.
func CaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '\u00B7', '\u0387', '\u055F', '\u05F4', '\u2018', '\u2019', '\u2024', '\u2027',
		'\uFE13', '\uFE52', '\uFE55', '\uFF07', '\uFF0E', '\uFF1A':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
