package runner

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progress draws a one-line progress bar, redrawn in place with a carriage
// return and at most ten times a second:
//
//	37/100 [=======>            ]  37%  12.3 ep/s  ETA 5.1s  success 0.811
//
// Episodes resumed from the output file count as done but not in the rate.
type progress struct {
	w        io.Writer
	total    int
	resumed  int
	now      func() time.Time
	start    time.Time
	last     time.Time
	lastLen  int
	done     int
	success  int
	finished bool
}

const (
	progressInterval = 100 * time.Millisecond
	progressWidth    = 20
)

func newProgress(w io.Writer, total, resumed, resumedSuccesses int, now func() time.Time) *progress {
	p := &progress{w: w, total: total, resumed: resumed, now: now, done: resumed, success: resumedSuccesses}
	p.start = now()
	p.draw(p.start)
	return p
}

// add counts a finished episode and redraws if the last drawing is old.
func (p *progress) add(success bool) {
	p.done++
	if success {
		p.success++
	}
	if t := p.now(); t.Sub(p.last) >= progressInterval {
		p.draw(t)
	}
}

// finish draws the final state and ends the line.
func (p *progress) finish() {
	if p.finished {
		return
	}
	p.finished = true
	p.draw(p.now())
	fmt.Fprintln(p.w)
}

func (p *progress) draw(t time.Time) {
	p.last = t
	total := max(p.total, p.done)
	frac := 1.0
	if total > 0 {
		frac = float64(p.done) / float64(total)
	}
	fill := int(frac * progressWidth)
	bar := strings.Repeat("=", fill)
	if fill < progressWidth {
		bar += ">" + strings.Repeat(" ", progressWidth-fill-1)
	}
	digits := len(fmt.Sprint(total))
	line := fmt.Sprintf("%*d/%d [%s] %3.0f%%", digits, p.done, total, bar, 100*frac)
	elapsed := t.Sub(p.start)
	if news := p.done - p.resumed; news > 0 && elapsed > 0 {
		rate := float64(news) / elapsed.Seconds()
		line += fmt.Sprintf("  %.1f ep/s", rate)
		if left := total - p.done; left > 0 {
			eta := time.Duration(float64(left) / rate * float64(time.Second))
			line += "  ETA " + roundDuration(eta).String()
		}
	}
	if p.done > 0 {
		line += fmt.Sprintf("  success %.3f", float64(p.success)/float64(p.done))
	}
	pad := ""
	if n := p.lastLen - len(line); n > 0 {
		pad = strings.Repeat(" ", n) // wipe the end of a longer earlier line
	}
	p.lastLen = len(line)
	fmt.Fprint(p.w, "\r"+line+pad)
}

// roundDuration keeps ETAs readable: whole seconds above 10s, tenths below.
func roundDuration(d time.Duration) time.Duration {
	if d >= 10*time.Second {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}
