package pylower

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dojo-rl/dojo/internal/race"
)

func TestLower(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Hello, World", "hello, world"},
		{"İSTANBUL", "i\u0307stanbul"}, // full mapping: i + combining dot above
		{"ΟΔΟΣ", "οδος"},               // final sigma at the end of a word
		{"Οδος", "οδος"},               // already final
		{"ΣΑΣ, ΑΣ.", "σας, ας."},       // final before punctuation; initial σ
		{"Σ", "σ"},                     // no cased letter before it
		{"AΣ'b", "aσ'b"},               // the apostrophe is case-ignorable: b follows
		{"AΣ\u0301", "aς\u0301"},       // a combining mark after it is skipped
		{"A\u0301Σ", "a\u0301ς"},       // and before it
		{"ὈΔΥΣΣΕΎΣ", "ὀδυσσεύς"},       // only the last one is final
		{"ǅ", "ǆ"},                     // title case
		{"\xffAΣ", "\xffaς"},           // invalid UTF-8 kept
		{"Straße ΚΑΙ ΣΟΦΊΑ", "straße και σοφία"}, // ß has no lower-case change
		{"ΑΣ1", "ας1"}, // a digit is not cased
	} {
		if got := Lower(tc.in); got != tc.want {
			t.Errorf("Lower(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestLowerPython compares Lower with python3's str.lower on random strings
// drawn from every block with case mappings, and on every assigned code
// point alone and next to a capital sigma. It skips when python3 is absent.
func TestLowerPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH: the differential test against Python's str.lower needs it")
	}
	// Code points Python knows (assigned in its Unicode version), as
	// Go's tables may be newer.
	out, err := exec.Command(py, "-c", `
import sys, unicodedata
sys.stdout.write(" ".join(str(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) != "Cn"))`).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var known []rune
	for _, f := range strings.Fields(string(out)) {
		var c rune
		for _, d := range f {
			c = c*10 + d - '0'
		}
		known = append(known, c)
	}
	if len(known) < 100000 {
		t.Fatalf("python3 lists %d assigned code points: too few", len(known))
	}
	var inputs []string
	step := 1
	if race.Enabled {
		step = 13 // the race detector makes the whole sweep slow; it checks no race here
	}
	for i := 0; i < len(known); i += step {
		c := known[i]
		inputs = append(inputs, string(c), "A"+string(c)+"Σ", "AΣ"+string(c), "AΣ"+string(c)+"b")
	}
	// Random strings mixing Greek, Latin, Cyrillic, marks and punctuation.
	pool := []rune("ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩσςάέΐİIıiÀÉßẞǅǈǋǲĲŉАБВГДЕЁЖЗИЙЯабвя ',.:·-_\u0301\u0307\u0345\u00AD\u200Dʰ^0123456789ⅠⅫⓐⒶ𐐀𐐨ᏸᏰꭰ")
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		n := 1 + r.IntN(12)
		var b strings.Builder
		for range n {
			b.WriteRune(pool[r.IntN(len(pool))])
		}
		inputs = append(inputs, b.String())
	}
	in, _ := json.Marshal(inputs)
	cmd := exec.Command(py, "-c", `
import json, sys
sys.stdout.write(json.dumps([s.lower() for s in json.load(sys.stdin)]))`)
	cmd.Stdin = bytes.NewReader(in)
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var want []string
	if err := json.Unmarshal(out, &want); err != nil || len(want) != len(inputs) {
		t.Fatalf("python3 answered %d strings (%v), want %d", len(want), err, len(inputs))
	}
	bad := 0
	for i, s := range inputs {
		if !utf8.ValidString(s) {
			continue
		}
		if got := Lower(s); got != want[i] {
			bad++
			if bad <= 20 {
				t.Errorf("Lower(%q) = %q, Python %q", s, got, want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d strings differ from Python's str.lower", bad, len(inputs))
	}
}

func BenchmarkLower(b *testing.B) {
	for b.Loop() {
		Lower("ΟΔΟΣ İSTANBUL and some ASCII text")
	}
}
