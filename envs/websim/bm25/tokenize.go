package bm25

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The tokenizer follows SQLite FTS5's default "unicode61" tokenizer with
// remove_diacritics 1, so that the index ranks as FTS5 does: a token is a
// maximal run of letters (Unicode category L*), numbers (N*) and
// private-use characters (Co); everything else separates tokens. Tokens are
// case-folded, and diacritics are removed from Latin letters ("Café" and
// "cafe" are the same token). Combining marks inside a token are dropped.

// isTokenRune reports whether r belongs to a token.
func isTokenRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiToken[r]
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Co, r) || unicode.Is(unicode.Mn, r)
}

var asciiToken = func() (t [utf8.RuneSelf]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	return t
}()

// foldRune case-folds a non-ASCII token rune and removes a Latin letter's
// diacritic. It returns -1 for a combining mark, which is dropped.
func foldRune(r rune) rune {
	if unicode.Is(unicode.Mn, r) {
		return -1
	}
	r = unicode.ToLower(r)
	if r < 0x00C0 || r > 0x024F {
		return r // outside Latin-1 Supplement and Latin Extended-A/B
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	d := norm.NFD.Append(nil, buf[:n]...)
	base, size := utf8.DecodeRune(d)
	if size == len(d) || base >= utf8.RuneSelf {
		return r // no decomposition, or not onto an ASCII letter
	}
	for rest := d[size:]; len(rest) > 0; {
		m, sz := utf8.DecodeRune(rest)
		if !unicode.Is(unicode.Mn, m) {
			return r
		}
		rest = rest[sz:]
	}
	return base
}

// nextToken finds the first token of s at or after byte offset i. It
// appends the folded token to buf[:0] and returns it with the token's byte
// span in s; start is -1 when no token is left.
func nextToken(s string, i int, buf []byte) (tok []byte, start, end int) {
	buf = buf[:0]
	start = -1
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if !asciiToken[c] {
				if start >= 0 {
					break
				}
				i++
				continue
			}
			if start < 0 {
				start = i
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf = append(buf, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isTokenRune(r) {
			if start >= 0 {
				break
			}
			i += size
			continue
		}
		if start < 0 {
			start = i
		}
		if f := foldRune(r); f >= 0 {
			buf = utf8.AppendRune(buf, f)
		}
		i += size
	}
	return buf, start, i
}

// Tokenize returns the folded tokens of s as the index sees them.
func Tokenize(s string) []string {
	var out []string
	var buf []byte
	for i := 0; ; {
		tok, start, end := nextToken(s, i, buf)
		if start < 0 {
			return out
		}
		buf = tok
		if len(tok) > 0 {
			out = append(out, string(tok))
		}
		i = end
	}
}
