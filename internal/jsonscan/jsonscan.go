// Package jsonscan finds where JSON values end in a buffer known to hold
// valid JSON (the output of encoding/json, a request line already checked),
// without decoding them: the protocol's fast request reader and the
// runner's state patches both split JSON this way.
package jsonscan

// Value returns the index just past the JSON value starting at b[i], or -1
// when b ends first. It only finds where strings, arrays and objects end;
// a number or a literal ends at the next ',', ':', '}', ']' or white space
// (so at i itself when there is none).
func Value(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return String(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = String(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(b) {
		switch b[i] {
		case ',', ':', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}

// String returns the index just past the string whose opening quote is
// b[i], or -1 when b ends first.
func String(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}
