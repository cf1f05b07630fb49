package runner

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultLogEvery is how often a Progress that is not live writes a line.
const DefaultLogEvery = 10 * time.Second

// ProgressConfig configures a Progress. W is needed; the zero value of
// every other field works.
type ProgressConfig struct {
	// W receives the display (the CLI passes stderr).
	W io.Writer
	// Live redraws one line in place, at most ten times a second, for a
	// terminal. Otherwise a line is written every LogEvery, for logs.
	Live bool
	// LogEvery is the interval between lines when not Live (default
	// DefaultLogEvery; negative: none, only the lines at entries' ends).
	LogEvery time.Duration
	// Width cuts live lines to this many columns, dropping the least
	// useful fields first (0: no limit).
	Width int
	// Usage returns the usage totals so far of the agent (an LLM agent's
	// requests, prompt_tokens, completion_tokens and retries, such as
	// openai.Agent.Totals), counting episodes still in flight; nil sums
	// the usage recorded by finished episodes (dojo.UsageReporter).
	Usage func() map[string]float64
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Progress shows how a run, or a sequence of runs (the entries of a
// benchmark), is going. Pass it as Config.Progress; it follows every run
// it is passed to. Live, it redraws one line in place:
//
//	core-v1 240/2,100 11% ETA 3m2s | 3/21 bandit/Bernoulli-5-v0  37/100 [===>      ]  success 0.811  steps 12,345  req 120  tok 45.2k  retries 3  errors 2  ETA 5.1s
//
// The suite part is there once Suite was called; the entry's label is
// Entry's, else the env id. The line moves with every env step (the steps
// counter), not only with finished episodes; requests, tokens and retries
// show when the agent reports usage. ETAs extrapolate the episodes
// finished by this process. Not live, the same line (without the bar,
// after the time elapsed) is written every LogEvery, and a line with the
// entry's outcome at the end of each run of a suite (and at the end of a
// single run that wrote progress lines). A Progress is safe for concurrent
// use; Close stops it.
type Progress struct {
	cfg ProgressConfig

	steps atomic.Int64 // env steps of the current run

	mu      sync.Mutex
	start   time.Time // of the display
	closed  bool
	stop    chan struct{}
	stopped chan struct{}

	// The suite: set by Suite.
	suite                             string
	suiteTotal, suiteDone, suiteFresh int // episodes; fresh: finished by this process

	// The current run.
	label          string // from Entry; "" uses the env id
	running        bool
	runLabel       string
	runStart       time.Time
	total, done    int
	fresh          int // finished by this process
	success, fails int
	usage          map[string]float64 // summed over finished episodes
	entryUsage     map[string]float64 // of the current run
	lines          int                // progress lines written during the current run

	lastDraw time.Time
	lastLen  int  // of the live line drawn last
	drawn    bool // a live line is on screen
}

// NewProgress returns a Progress writing to cfg.W. It draws from a
// goroutine of its own (every 100ms live, every LogEvery otherwise) until
// Close.
func NewProgress(cfg ProgressConfig) *Progress {
	p := newProgress(cfg)
	every := 100 * time.Millisecond
	if !cfg.Live {
		every = p.cfg.LogEvery
	}
	if every > 0 {
		p.stop, p.stopped = make(chan struct{}), make(chan struct{})
		go func() {
			defer close(p.stopped)
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					p.tick()
				case <-p.stop:
					return
				}
			}
		}()
	}
	return p
}

// newProgress returns a Progress without its ticking goroutine: tests call
// tick themselves.
func newProgress(cfg ProgressConfig) *Progress {
	if cfg.LogEvery == 0 {
		cfg.LogEvery = DefaultLogEvery
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.W == nil {
		cfg.W = io.Discard
	}
	p := &Progress{cfg: cfg, usage: map[string]float64{}}
	p.start = cfg.Now()
	return p
}

// Suite announces a suite of runs: its name, and its episodes in all, of
// which done were recorded before (a resumed benchmark). The display then
// shows the suite's progress and ETA beside the current run's.
func (p *Progress) Suite(name string, episodes, done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.suite, p.suiteTotal, p.suiteDone = name, episodes, done
}

// Entry names the next run in the display ("3/21 gridworld/FrozenLake-v1").
func (p *Progress) Entry(label string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.label = label
}

// Println writes line on a line of its own, above the live line.
func (p *Progress) Println(line string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.clearLive()
	fmt.Fprintln(p.cfg.W, line)
}

// Close draws the last state, ends the live line and stops drawing.
func (p *Progress) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.clearLive()
	stop := p.stop
	p.mu.Unlock()
	if stop != nil {
		close(stop)
		<-p.stopped
	}
}

// begin starts following a run of total episodes, resumed of which (with
// resumedSuccesses successes) were recorded by an earlier attempt.
func (p *Progress) begin(env string, total, resumed, resumedSuccesses int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running = true
	p.runLabel = p.label
	if p.runLabel == "" {
		p.runLabel = env
	}
	p.runStart = p.cfg.Now()
	p.total, p.done, p.fresh, p.success, p.fails = total, resumed, 0, resumedSuccesses, 0
	p.entryUsage = map[string]float64{}
	p.lines = 0
	p.steps.Store(0)
	if p.suite != "" {
		// Entries after the first do not know their resumed episodes
		// before they begin.
		p.suiteDone += resumed
		p.suiteTotal = max(p.suiteTotal, p.suiteDone)
	}
	if p.cfg.Live && !p.closed {
		p.draw(p.runStart)
	}
}

// step counts one env step; it only adds to a counter.
func (p *Progress) step() { p.steps.Add(1) }

// episode counts a recorded episode and redraws if the last drawing is
// older than 100ms.
func (p *Progress) episode(ep *Episode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	p.fresh++
	p.suiteDone++
	p.suiteFresh++
	if ep.Success {
		p.success++
	}
	if ep.Error != "" {
		p.fails++
	}
	for k, v := range ep.Usage {
		p.usage[k] += v
		p.entryUsage[k] += v
	}
	if t := p.cfg.Now(); p.cfg.Live && !p.closed && t.Sub(p.lastDraw) >= 100*time.Millisecond {
		p.draw(t)
	}
}

// end stops following the run whose summary is sum: live, it draws the
// final state; in a suite, it writes the entry's outcome on a line of its
// own; a single run that wrote progress lines gets a last one.
func (p *Progress) end(sum *Summary) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.running {
		return
	}
	p.running = false
	if p.closed {
		return
	}
	t := p.cfg.Now()
	if p.suite == "" {
		if p.cfg.Live {
			p.draw(t)
			fmt.Fprintln(p.cfg.W)
			p.drawn, p.lastLen = false, 0
		} else if p.lines > 0 {
			fmt.Fprintln(p.cfg.W, p.line(t, false))
		}
		return
	}
	p.clearLive()
	fmt.Fprintln(p.cfg.W, p.endLine(t, sum))
}

// tick redraws the live line, or writes a progress line.
func (p *Progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || !p.running {
		return
	}
	t := p.cfg.Now()
	if !p.cfg.Live {
		fmt.Fprintln(p.cfg.W, p.line(t, false))
		p.lines++
		return
	}
	p.draw(t)
}

// draw redraws the live line at time t.
func (p *Progress) draw(t time.Time) {
	p.lastDraw = t
	line := p.line(t, true)
	pad := ""
	if n := p.lastLen - len(line); n > 0 {
		pad = strings.Repeat(" ", n) // wipe the end of a longer earlier line
	}
	p.lastLen = len(line)
	p.drawn = true
	fmt.Fprint(p.cfg.W, "\r"+line+pad)
}

// clearLive wipes the live line, so that a line can be written in its
// place; the next drawing brings it back.
func (p *Progress) clearLive() {
	if !p.drawn {
		return
	}
	fmt.Fprint(p.cfg.W, "\r"+strings.Repeat(" ", p.lastLen)+"\r")
	p.drawn, p.lastLen = false, 0
}

// field is one part of a line; the fields of the highest drop are left
// out first when the line is too wide.
type field struct {
	text string
	drop int
}

// line is the progress line at time t: live with the bar, cut to Width;
// otherwise after the time elapsed.
func (p *Progress) line(t time.Time, live bool) string {
	var fs []field
	add := func(drop int, format string, args ...any) {
		fs = append(fs, field{fmt.Sprintf(format, args...), drop})
	}
	if !live {
		add(0, "%v", roundDuration(t.Sub(p.start)))
	}
	if p.suite != "" {
		total := max(p.suiteTotal, p.suiteDone)
		s := fmt.Sprintf("%s %s/%s %s", p.suite, count(p.suiteDone), count(total), percent(p.suiteDone, total))
		if eta, ok := etaOf(total-p.suiteDone, p.suiteFresh, t.Sub(p.start)); ok {
			s += " ETA " + eta
		}
		add(0, "%s", s)
		add(0, "|")
	}
	add(0, "%s", p.runLabel)
	total := max(p.total, p.done)
	add(0, "%s/%s", count(p.done), count(total))
	if live {
		add(5, "%s", bar(p.done, total))
	} else {
		add(5, "%s", percent(p.done, total))
	}
	if p.done > 0 {
		add(1, "success %.3f", float64(p.success)/float64(p.done))
	}
	add(4, "steps %s", count(int(p.steps.Load())))
	p.usageFields(add, p.liveUsage())
	if p.fails > 0 {
		add(1, "errors %d", p.fails)
	}
	if eta, ok := etaOf(total-p.done, p.fresh, t.Sub(p.runStart)); ok {
		add(0, "ETA %s", eta)
	}
	width := p.cfg.Width
	if !live {
		width = 0
	}
	return fit(fs, width)
}

// endLine is a suite entry's outcome.
func (p *Progress) endLine(t time.Time, sum *Summary) string {
	var fs []field
	add := func(format string, args ...any) {
		fs = append(fs, field{text: fmt.Sprintf(format, args...)})
	}
	add("%s", p.runLabel)
	add("done %s/%s", count(p.done), count(max(p.total, p.done)))
	if sum != nil {
		add("success %.3f", sum.SuccessRate)
		add("return %.3f", sum.MeanReturn)
		if sum.Errors > 0 {
			add("errors %d (%s)", sum.Errors, codeCounts(sum.ErrorCodes))
		}
	}
	add("steps %s", count(int(p.steps.Load())))
	p.usageFields(func(_ int, format string, args ...any) { add(format, args...) }, p.entryUsage)
	add("%v", roundDuration(t.Sub(p.runStart)))
	return fit(fs, 0)
}

// liveUsage is the usage to show: the agent's live totals, else the sums
// of finished episodes.
func (p *Progress) liveUsage() map[string]float64 {
	if p.cfg.Usage != nil {
		return p.cfg.Usage()
	}
	return p.usage
}

// usageFields adds requests, tokens and retries, when the agent reports
// them.
func (p *Progress) usageFields(add func(drop int, format string, args ...any), u map[string]float64) {
	if req, ok := u["requests"]; ok {
		add(2, "req %s", count(int(req)))
	}
	if _, ok := u["prompt_tokens"]; ok {
		add(3, "tok %s", short(u["prompt_tokens"]+u["completion_tokens"]))
	}
	if r := u["retries"]; r > 0 {
		add(3, "retries %s", count(int(r)))
	}
}

// fit joins the fields with two spaces, leaving out the fields of the
// highest drop until the line is at most width characters (0: any).
func fit(fs []field, width int) string {
	for {
		parts := make([]string, 0, len(fs))
		most := 0
		for _, f := range fs {
			parts = append(parts, f.text)
			most = max(most, f.drop)
		}
		s := strings.Join(parts, "  ")
		if width <= 0 || len([]rune(s)) <= width {
			return s
		}
		if most == 0 {
			r := []rune(s)
			return string(r[:max(width-1, 0)]) + "…"
		}
		fs = slices.DeleteFunc(fs, func(f field) bool { return f.drop == most })
	}
}

// etaOf estimates the time left for left episodes at the rate of fresh
// episodes in elapsed.
func etaOf(left, fresh int, elapsed time.Duration) (string, bool) {
	if left <= 0 || fresh <= 0 || elapsed <= 0 {
		return "", false
	}
	rate := float64(fresh) / elapsed.Seconds()
	return roundDuration(time.Duration(float64(left) / rate * float64(time.Second))).String(), true
}

const barWidth = 20

// bar draws done of total as [=====>     ].
func bar(done, total int) string {
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	fill := int(frac * barWidth)
	s := strings.Repeat("=", fill)
	if fill < barWidth {
		s += ">" + strings.Repeat(" ", barWidth-fill-1)
	}
	return "[" + s + "]"
}

func percent(done, total int) string {
	if total <= 0 {
		return "100%"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(done)/float64(total))
}

// count formats an integer with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// short formats a large count as 45.2k or 2.1M.
func short(x float64) string {
	switch {
	case x >= 1e9:
		return fmt.Sprintf("%.1fG", x/1e9)
	case x >= 1e6:
		return fmt.Sprintf("%.1fM", x/1e6)
	case x >= 1e4:
		return fmt.Sprintf("%.1fk", x/1e3)
	}
	return count(int(x))
}

func codeCounts[K ~string](m map[K]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, ",")
}

// roundDuration keeps times readable: whole seconds above 10s, tenths
// below.
func roundDuration(d time.Duration) time.Duration {
	if d >= 10*time.Second {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}
