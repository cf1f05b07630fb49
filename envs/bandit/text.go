package bandit

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo"
)

// armName is the text name of arm i.
func armName(i int) string { return "arm" + strconv.Itoa(i) }

// parseArm returns the arm of k that text names: "arm3", "ARM3", "arm 3" or
// "3", after trimming spaces, optionally inside <answer>…</answer> (the
// content of the last <answer> tag; the closing tag may be missing).
// Indices are decimal without sign or leading zeros.
func parseArm(text string, k int) (int, bool) {
	s := dojo.Answer(text)
	if len(s) >= 3 && foldEqual(s[:3], "arm") {
		s = strings.TrimSpace(s[3:])
	}
	if s == "" || len(s) > 9 || (s[0] == '0' && len(s) > 1) {
		return -1, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1, false
		}
		n = n*10 + int(c-'0')
	}
	if n >= k {
		return -1, false
	}
	return n, true
}

// foldEqual reports whether s equals lower, a lower-case ASCII string,
// ignoring the case of ASCII letters only.
func foldEqual(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
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

// textState builds the text observation in reused buffers. For the
// multi-armed bandits only the pulled arm's line changes each step.
type textState struct {
	intro  []byte
	footer []byte
	done   []byte
	lines  [][]byte
	buf    []byte
	msgs   []dojo.Message
}

func (x *textState) init(e *Env) {
	var what string
	switch e.kind {
	case kindBernoulli:
		what = "Each pull of an arm pays 1 with a fixed probability unknown to you, else 0."
	case kindGaussian:
		what = fmt.Sprintf("Each pull of an arm pays a random number: the arm's fixed unknown mean plus Gaussian noise (standard deviation %g).", e.sigma)
	case kindDrifting:
		what = "Each pull of an arm pays 1 with a probability unknown to you, else 0; the probabilities drift over time, so the best arm may change."
	case kindLinear:
		what = fmt.Sprintf("Each step every arm shows a feature vector x of %d numbers; an arm's expected payout is the same unknown linear function of its features for every arm, plus Gaussian noise.", e.dim)
	}
	x.intro = fmt.Appendf(nil, "You are playing a %d-armed bandit for %d pulls. %s Earn as much as you can in total.\n\n", e.k, e.horizon, what)
	x.footer = fmt.Appendf(nil, "\nReply with the arm to pull next, one of arm0 to arm%d, e.g. <answer>arm0</answer>.", e.k-1)
	x.done = []byte("\nThe episode is over.")
	x.lines = make([][]byte, e.k)
	x.msgs = []dojo.Message{{Role: "user"}}
}

func (x *textState) reset(e *Env) {
	for a := range x.lines {
		x.line(e, a)
	}
}

// line rebuilds the line of arm a.
func (x *textState) line(e *Env, a int) {
	b := append(x.lines[a][:0], "arm"...)
	b = strconv.AppendInt(b, int64(a), 10)
	b = append(b, ": "...)
	if e.kind == kindLinear {
		b = append(b, "x = ["...)
		for i, v := range e.feat[a*e.dim : (a+1)*e.dim] {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendNum(b, v)
		}
		b = append(b, "]; "...)
	}
	switch n := e.pulls[a]; n {
	case 0:
		b = append(b, "not pulled yet"...)
	default:
		b = strconv.AppendInt(b, int64(n), 10)
		if n == 1 {
			b = append(b, " pull, mean reward "...)
		} else {
			b = append(b, " pulls, mean reward "...)
		}
		b = appendNum(b, e.sums[a]/float64(n))
	}
	x.lines[a] = b
}

// render returns the observation text after a step that pulled arm (-1: no
// pull) for payout, or was invalid for the reason errMsg.
func (x *textState) render(e *Env, arm int, payout float64, errMsg string) (string, []dojo.Message) {
	if e.kind == kindLinear {
		x.reset(e) // every arm's features changed
	} else if arm >= 0 {
		x.line(e, arm)
	}
	b := append(x.buf[:0], x.intro...)
	b = append(b, "Step "...)
	b = strconv.AppendInt(b, int64(e.t), 10)
	b = append(b, " of "...)
	b = strconv.AppendInt(b, int64(e.horizon), 10)
	b = append(b, '.')
	switch {
	case arm >= 0:
		b = append(b, " You pulled arm"...)
		b = strconv.AppendInt(b, int64(arm), 10)
		b = append(b, " and it paid "...)
		b = appendNum(b, payout)
		b = append(b, '.')
	case errMsg != "":
		b = append(b, " Invalid action: "...)
		b = append(b, errMsg...)
		b = append(b, ". No arm was pulled."...)
	}
	b = append(b, '\n')
	for _, l := range x.lines {
		b = append(b, l...)
		b = append(b, '\n')
	}
	if e.life.Running() {
		b = append(b, x.footer...)
	} else {
		b = append(b, x.done...)
	}
	x.buf = b
	s := string(b)
	x.msgs[0].Content = s
	return s, x.msgs
}

// appendNum appends v with at most 3 decimals, without trailing zeros.
func appendNum(b []byte, v float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', 3, 64)
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}
