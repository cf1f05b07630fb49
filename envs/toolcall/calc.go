package toolcall

import (
	"fmt"
	"math"
	"strconv"
)

// evalExpr evaluates an arithmetic expression: numbers (decimal, optional
// fraction), + - * / ^ (right-associative power), unary minus and
// parentheses, with white space anywhere. It is the calculate tool's parser
// of untrusted input: any error names the position and what was expected.
func evalExpr(s string) (float64, error) {
	p := &calc{s: s}
	v, err := p.sum(0)
	if err != nil {
		return 0, err
	}
	p.space()
	if p.i < len(p.s) {
		return 0, fmt.Errorf("unexpected %q at position %d; want an operator (+ - * / ^) or the end", p.s[p.i], p.i+1)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("the result is not a finite number")
	}
	return v, nil
}

type calc struct {
	s string
	i int
}

const maxDepth = 50

func (p *calc) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *calc) sum(d int) (float64, error) {
	v, err := p.product(d)
	if err != nil {
		return 0, err
	}
	for {
		p.space()
		if p.i >= len(p.s) || (p.s[p.i] != '+' && p.s[p.i] != '-') {
			return v, nil
		}
		op := p.s[p.i]
		p.i++
		w, err := p.product(d)
		if err != nil {
			return 0, err
		}
		if op == '+' {
			v += w
		} else {
			v -= w
		}
	}
}

func (p *calc) product(d int) (float64, error) {
	v, err := p.power(d)
	if err != nil {
		return 0, err
	}
	for {
		p.space()
		if p.i >= len(p.s) || (p.s[p.i] != '*' && p.s[p.i] != '/') {
			return v, nil
		}
		op := p.s[p.i]
		p.i++
		w, err := p.power(d)
		if err != nil {
			return 0, err
		}
		if op == '*' {
			v *= w
		} else {
			if w == 0 {
				return 0, fmt.Errorf("division by zero at position %d", p.i)
			}
			v /= w
		}
	}
}

func (p *calc) power(d int) (float64, error) {
	v, err := p.unary(d)
	if err != nil {
		return 0, err
	}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '^' {
		p.i++
		if d >= maxDepth {
			return 0, fmt.Errorf("expression nested deeper than %d levels", maxDepth)
		}
		w, err := p.power(d + 1)
		if err != nil {
			return 0, err
		}
		return math.Pow(v, w), nil
	}
	return v, nil
}

func (p *calc) unary(d int) (float64, error) {
	p.space()
	if d >= maxDepth {
		return 0, fmt.Errorf("expression nested deeper than %d levels", maxDepth)
	}
	if p.i < len(p.s) && p.s[p.i] == '-' {
		p.i++
		v, err := p.unary(d + 1)
		return -v, err
	}
	if p.i < len(p.s) && p.s[p.i] == '(' {
		p.i++
		v, err := p.sum(d + 1)
		if err != nil {
			return 0, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ')' {
			return 0, fmt.Errorf("missing ')' at position %d", p.i+1)
		}
		p.i++
		return v, nil
	}
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] >= '0' && p.s[p.i] <= '9' || p.s[p.i] == '.') {
		p.i++
	}
	if start == p.i {
		if p.i >= len(p.s) {
			return 0, fmt.Errorf("unexpected end of expression; want a number or '('")
		}
		return 0, fmt.Errorf("unexpected %q at position %d; want a number or '('", p.s[p.i], p.i+1)
	}
	v, err := strconv.ParseFloat(p.s[start:p.i], 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q at position %d", p.s[start:p.i], start+1)
	}
	return v, nil
}
