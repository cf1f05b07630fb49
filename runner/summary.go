package runner

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/stats"
)

// Confidence is the level of the summary's confidence intervals.
const Confidence = 0.95

// Interval is a confidence interval [Lo, Hi].
type Interval = stats.Interval

// Summary sums up the episodes of a run that are in its output file, those
// of earlier attempts (resumed) and those just run.
//
// A failed episode (Errors) counts as unsuccessful in SuccessRate; returns
// and lengths average over the episodes that completed without error,
// since a failed episode's partial return says little.
type Summary struct {
	Env     string       `json:"env"`
	Options dojo.Options `json:"options"`
	Agent   string       `json:"agent"`
	// Requested is Config.Episodes; Episodes is the number of episodes of
	// the run now recorded (fewer when the run was interrupted), of which
	// Resumed were recorded by earlier attempts.
	Requested int `json:"requested"`
	Episodes  int `json:"episodes"`
	Resumed   int `json:"resumed"`
	// Deduped is the number of repeated episode lines Config.Dedupe
	// removed from the output file before resuming it.
	Deduped int `json:"deduped,omitempty"`
	// Completed episodes ended without error; Errors failed, counted by
	// code in ErrorCodes.
	Completed  int               `json:"completed"`
	Errors     int               `json:"errors"`
	ErrorCodes map[dojo.Code]int `json:"error_codes,omitempty"`
	// ErrorMessages holds, for each code of ErrorCodes, the error of the
	// first episode (lowest index) that failed with it, as recorded.
	ErrorMessages map[dojo.Code]string `json:"error_messages,omitempty"`
	// Successes out of Episodes, and the Wilson 95% interval of the rate.
	Successes   int      `json:"successes"`
	SuccessRate float64  `json:"success_rate"`
	SuccessCI   Interval `json:"success_ci"`
	// MeanReturn over the completed episodes, with its sample standard
	// deviation and Student-t 95% interval (nil with fewer than two).
	MeanReturn float64   `json:"mean_return"`
	ReturnStd  float64   `json:"return_std"`
	ReturnCI   *Interval `json:"return_ci,omitempty"`
	MeanLength float64   `json:"mean_length"`
	// Wall is the wall-clock time of this invocation of Run.
	Wall        time.Duration `json:"-"`
	WallSeconds float64       `json:"wall_seconds"`
}

func summarize(env string, opts dojo.Options, agent string, requested, resumed int, results []result, wall time.Duration) *Summary {
	s := &Summary{
		Env: env, Options: opts, Agent: agent,
		Requested: requested, Episodes: len(results), Resumed: resumed,
		Wall: wall, WallSeconds: wall.Seconds(),
	}
	var returns []float64
	var lengths int
	first := map[dojo.Code]int{} // episode index of ErrorMessages[code]
	for _, r := range results {
		if r.success {
			s.Successes++
		}
		if r.failed() {
			s.Errors++
			if s.ErrorCodes == nil {
				s.ErrorCodes = map[dojo.Code]int{}
			}
			s.ErrorCodes[r.code]++
			if i, ok := first[r.code]; !ok || r.index < i {
				if s.ErrorMessages == nil {
					s.ErrorMessages = map[dojo.Code]string{}
				}
				first[r.code] = r.index
				s.ErrorMessages[r.code] = r.msg
			}
			continue
		}
		s.Completed++
		if finite(r.ret) {
			returns = append(returns, r.ret)
		}
		lengths += r.length
	}
	if s.Episodes > 0 {
		s.SuccessRate = float64(s.Successes) / float64(s.Episodes)
	}
	s.SuccessCI = stats.Wilson(s.Successes, s.Episodes, Confidence)
	if len(returns) > 0 {
		e := stats.Mean(returns, Confidence)
		s.MeanReturn, s.ReturnStd = e.Mean, e.Std
		if e.N >= 2 {
			s.ReturnCI = &e.CI
		}
	}
	if s.Completed > 0 {
		s.MeanLength = float64(lengths) / float64(s.Completed)
	}
	return s
}

// InfraError reports whether an episode that failed with code failed for
// want of a working setup rather than through the agent's play, so that its
// outcome says nothing about the agent: data or a file not found
// (not_found), a server or process that stayed unavailable (unavailable),
// an agent that crashed, broke the protocol or was refused by its server
// (internal, invalid: a 401, 403 or 400 from an LLM server), misuse of an
// env (state) and bugs (internal). Every code is one but timeout: a
// deadline of Config.EpisodeTimeout or Config.ActionTimeout is the agent's
// budget, and running out of it is the agent's failure, as running out of
// steps is. Canceled episodes are never recorded. An agent's bad actions
// are not errors at all: the env judges them and the episode goes on.
func InfraError(code dojo.Code) bool {
	return code != "" && code != dojo.CodeTimeout && code != dojo.CodeCanceled
}

// InfraErrors is the number of episodes that failed with an
// infrastructure error (see InfraError).
func (s *Summary) InfraErrors() int {
	n := 0
	for c, k := range s.ErrorCodes {
		if InfraError(c) {
			n += k
		}
	}
	return n
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// WriteTable writes the summary as a one-row table; see WriteTable.
func (s *Summary) WriteTable(w io.Writer) error { return WriteTable(w, s) }

// WriteTable writes summaries as a fixed-width table, one row each:
//
//	env            agent   episodes  success  95% CI          return  ±95%   length  errors         wall
//	test/Chain-v0  walker  10/12     0.800    [0.490, 0.943]  5.000   2.105  14.0    1 (timeout:1)  1.5s
//
// "95% CI" is the Wilson interval of the success rate; "±95%" is the
// half-width of the mean return's t interval ("-" with fewer than two
// completed episodes). An episodes count below the requested one shows as
// "done/requested"; errors are counted by code.
func WriteTable(w io.Writer, sums ...*Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "env\tagent\tepisodes\tsuccess\t95% CI\treturn\t±95%\tlength\terrors\twall")
	for _, s := range sums {
		eps := fmt.Sprint(s.Episodes)
		if s.Episodes < s.Requested {
			eps = fmt.Sprintf("%d/%d", s.Episodes, s.Requested)
		}
		half := "-"
		if s.ReturnCI != nil {
			half = fmt.Sprintf("%.3f", (s.ReturnCI.Hi-s.ReturnCI.Lo)/2)
		}
		errs := fmt.Sprint(s.Errors)
		if len(s.ErrorCodes) > 0 {
			errs += " (" + codeCounts(s.ErrorCodes) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.3f\t[%.3f, %.3f]\t%.3f\t%s\t%.1f\t%s\t%s\n",
			s.Env, s.Agent, eps, s.SuccessRate, s.SuccessCI.Lo, s.SuccessCI.Hi,
			s.MeanReturn, half, s.MeanLength, errs, s.Wall.Round(time.Millisecond))
	}
	return tw.Flush()
}
