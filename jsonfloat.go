package dojo

import (
	"math"
	"strconv"
)

// AppendJSONFloat appends f as encoding/json writes a float of the given bit
// size (64 or 32): the shortest decimal that reads back as f, in
// exponent form below 1e-6 and from 1e21 on (as 1e-7, not 1e-07). ok is
// false, and nothing is appended, for NaN and the infinities, which JSON
// cannot carry.
//
// It is the one float writer of the module: Metrics marshal with it, and
// the protocol writes rewards, reward parts and observation values with it
// on its hot path (it lives here because this package imports nothing of
// the module).
func AppendJSONFloat(b []byte, f float64, bits int) (_ []byte, ok bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	abs := math.Abs(f)
	// An integer the float holds exactly is its own shortest form (the
	// common reward 0 among them); -0 goes the long way to keep its sign.
	if f == math.Trunc(f) && (bits == 64 && abs < 1<<53 || bits == 32 && abs < 1<<24) && (f != 0 || !math.Signbit(f)) {
		return strconv.AppendInt(b, int64(f), 10), true
	}
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}
