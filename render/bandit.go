package render

import (
	"fmt"
	"image"
	"math"
	"strconv"

	"github.com/dojo-rl/dojo/envs/state"
	"github.com/dojo-rl/dojo/runner"
)

// ---- bandits (kind "bandit")

func checkBandit(s *state.Bandit) error {
	n := len(s.Means)
	switch {
	case n == 0 || n > 256:
		return fmt.Errorf("%d arms: want 1 to 256", n)
	case len(s.Pulls) != n || len(s.Sums) != n:
		return fmt.Errorf("%d means, %d pulls and %d sums: want one of each per arm", n, len(s.Pulls), len(s.Sums))
	case s.Best < 0 || s.Best >= n:
		return fmt.Errorf("best arm %d of %d", s.Best, n)
	case s.Arm < -1 || s.Arm >= n:
		return fmt.Errorf("arm %d of %d", s.Arm, n)
	}
	for i, m := range s.Means {
		if math.IsNaN(m) || math.IsInf(m, 0) || math.IsNaN(s.Sums[i]) || math.IsInf(s.Sums[i], 0) {
			return fmt.Errorf("arm %d: mean %v, sum %v: want finite numbers", i, m, s.Sums[i])
		}
	}
	return nil
}

// Bandit body geometry.
const (
	banditW      = 560
	banditChartH = 250
	banditCurveH = 150
	banditGap    = 28
	banditAxisW  = 44
)

type banditBody struct {
	states  []state.Bandit
	lo, hi  float64   // the value axis of the arm chart
	regret  []float64 // cumulative regret after each frame, nil if unknown
	maxReg  float64
	columns []int // per pixel column of the curve, the frame it shows
	labels  []string
}

func newBandit(ep *runner.Episode) (body, error) {
	states, err := decodeStates(ep, checkBandit)
	if err != nil {
		return nil, err
	}
	b := &banditBody{states: states}
	n := len(states[0].Means)
	lo, hi := 0.0, 1.0
	for k := range states {
		s := &states[k]
		if len(s.Means) != n {
			return nil, fmt.Errorf("step %d: state: the number of arms changed from %d to %d", k, n, len(s.Means))
		}
		for a, m := range s.Means {
			lo, hi = math.Min(lo, m), math.Max(hi, m)
			if s.Pulls[a] > 0 {
				e := s.Sums[a] / float64(s.Pulls[a])
				lo, hi = math.Min(lo, e), math.Max(hi, e)
			}
		}
	}
	b.lo, b.hi = lo, hi
	// The regret curve, from the steps' cumulative_regret metric.
	reg := make([]float64, len(states))
	known := len(ep.Steps) > 0
	for i := range ep.Steps {
		v, ok := ep.Steps[i].Info.Metrics.Get("cumulative_regret")
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			known = false
			break
		}
		reg[i+1] = v
		b.maxReg = math.Max(b.maxReg, v)
	}
	if known {
		b.regret = reg
		plotW := banditW - banditAxisW
		b.columns = make([]int, plotW)
		for c := range plotW {
			b.columns[c] = int(math.Round(float64(c) * float64(len(states)-1) / float64(max(plotW-1, 1))))
		}
	}
	for a := range n {
		b.labels = append(b.labels, strconv.Itoa(a))
	}
	return b, nil
}

func (b *banditBody) size() image.Point {
	h := banditChartH + 2*16
	if b.regret != nil {
		h += banditGap + banditCurveH
	}
	return image.Pt(banditW, h)
}

func (b *banditBody) sidePanel() bool { return true }

func (b *banditBody) actionWords() []string {
	words := make([]string, len(b.labels))
	for i, l := range b.labels {
		words[i] = "arm" + l
	}
	return words
}

func (b *banditBody) panel(k int) []panelEntry {
	s := &b.states[k]
	last := "none yet"
	if k > 0 {
		last = "invalid action: no arm"
		if s.Arm >= 0 {
			last = fmt.Sprintf("arm %d, paid %s", s.Arm, formatNum(s.Payout))
		}
	}
	lines := []panelEntry{
		{"last pull", []string{last}},
		{"best arm now", []string{fmt.Sprintf("arm %d, mean %s", s.Best, formatNum(s.Means[s.Best]))}},
	}
	if b.regret != nil {
		lines = append(lines, panelEntry{"cumulative regret", []string{formatNum(b.regret[k])}})
	}
	return lines
}

func (b *banditBody) draw(dst *image.RGBA, r image.Rectangle, k int) {
	regular, _, _, small := faces()
	s := &b.states[k]
	fill(dst, r, cPanel)
	outline(dst, r, 1, cBorder)
	// The arm chart: estimated means (bars) against true means (lines).
	chart := image.Rect(r.Min.X+banditAxisW, r.Min.Y+30, r.Max.X-10, r.Min.Y+banditChartH)
	yOf := func(v float64) int {
		return chart.Max.Y - int(math.Round((v-b.lo)/(b.hi-b.lo)*float64(chart.Dy())))
	}
	for _, v := range []float64{b.lo, (b.lo + b.hi) / 2, b.hi} {
		y := yOf(v)
		hline(dst, chart.Min.X, chart.Max.X, y, 1, cBorder)
		l := formatNum(v)
		small.Draw(dst, chart.Min.X-6-small.Width(l), y-small.Height/2, l, u(cDim), r)
	}
	if b.lo < 0 {
		hline(dst, chart.Min.X, chart.Max.X, yOf(0), 1, cDim)
	}
	n := len(s.Means)
	slot := float64(chart.Dx()) / float64(n)
	zero := yOf(math.Max(b.lo, 0))
	for a := range n {
		x0 := chart.Min.X + int(math.Round(float64(a)*slot))
		x1 := chart.Min.X + int(math.Round(float64(a+1)*slot))
		pad := max(1, (x1-x0)/6)
		bar := image.Rect(x0+pad, 0, x1-pad, 0)
		if s.Pulls[a] > 0 {
			y := yOf(s.Sums[a] / float64(s.Pulls[a]))
			c := cAccent
			if a == s.Arm && k > 0 {
				c = cWarn
			}
			bar.Min.Y, bar.Max.Y = min(y, zero), max(y, zero)
			if bar.Dy() == 0 {
				bar.Max.Y++
			}
			fill(dst, bar, c)
		}
		// The true mean, and a mark over the best arm.
		y := yOf(s.Means[a])
		tc := cText
		if a == s.Best {
			tc = cGood
		}
		fill(dst, image.Rect(x0+1, y-1, x1-1, y+2), tc)
		if slot >= 14 || a%int(math.Ceil(14/slot)) == 0 {
			l := b.labels[a]
			small.Draw(dst, (x0+x1-small.Width(l))/2, chart.Max.Y+3, l, u(cDim), r)
			if slot >= 22 {
				p := strconv.Itoa(s.Pulls[a])
				small.Draw(dst, (x0+x1-small.Width(p))/2, chart.Max.Y+3+small.Height, p, u(cDim), r)
			}
		}
	}
	regular.Draw(dst, chart.Min.X, r.Min.Y+6, "arms: estimated mean (bar), true mean (line, green for the best)", u(cDim), r)
	if b.regret == nil {
		return
	}
	// The cumulative regret so far.
	curve := image.Rect(r.Min.X+banditAxisW, chart.Max.Y+2*small.Height+banditGap, r.Max.X-10, r.Max.Y-10)
	hline(dst, curve.Min.X, curve.Max.X, curve.Max.Y, 1, cBorder)
	vline(dst, curve.Min.X, curve.Min.Y, curve.Max.Y, 1, cBorder)
	top := math.Max(b.maxReg, 1e-9)
	l := formatNum(b.maxReg)
	small.Draw(dst, curve.Min.X-6-small.Width(l), curve.Min.Y-small.Height/2, l, u(cDim), r)
	small.Draw(dst, curve.Min.X-6-small.Width("0"), curve.Max.Y-small.Height/2, "0", u(cDim), r)
	regular.Draw(dst, curve.Min.X+6, curve.Min.Y-regular.Height-2, "cumulative regret "+formatNum(b.regret[k]), u(cDim), r)
	prev := curve.Max.Y
	for c, f := range b.columns {
		if f > k || c >= curve.Dx() {
			break
		}
		y := curve.Max.Y - int(math.Round(b.regret[f]/top*float64(curve.Dy())))
		y0, y1 := min(prev, y), max(prev, y)
		fill(dst, image.Rect(curve.Min.X+c, y0-1, curve.Min.X+c+1, y1+1), cBad)
		prev = y
	}
}
