package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/bench"
	"github.com/dojo-rl/dojo/runner"
)

// allowErrorsUsage is the help of --allow-errors, shared by run and bench
// run.
const allowErrorsUsage = "exit 0 even when episodes fail with an infrastructure error (missing data, an unreachable server, a crashed agent); they are reported on stderr all the same"

// errorLines lists, one line per infrastructure error code, how many
// episodes failed with it and the first message recorded.
func errorLines(counts map[dojo.Code]int, msgs map[dojo.Code]string, indent string) (n int, lines []string) {
	for _, c := range slices.Sorted(maps.Keys(counts)) {
		if !runner.InfraError(c) {
			continue
		}
		n += counts[c]
		msg := msgs[c]
		if msg == "" {
			msg = "(no message recorded)"
		}
		lines = append(lines, fmt.Sprintf("%s%s ×%d: %s", indent, c, counts[c], msg))
	}
	return n, lines
}

// episodeFailures is the exit error of a run or benchmark whose episodes
// failed with infrastructure errors: exit status 1.
type episodeFailures struct{ msg string }

func (e *episodeFailures) Error() string { return e.msg }

// checkErrors reports the infrastructure errors of a run on stderr: the
// number of episodes failed of each kind and the first message of each, as
// recorded in the file. Unless allow is set it returns an error, so that
// dojo exits 1.
func checkErrors(a *app, command string, episodes int, lines []string, n int, allow bool) error {
	if n == 0 {
		return nil
	}
	head := fmt.Sprintf("%d of %d episodes failed with an infrastructure error (not a bad action of the agent: the episode could not be played as meant)", n, episodes)
	body := head + ":\n" + strings.Join(lines, "\n")
	if allow {
		fmt.Fprintf(a.stderr, "dojo %s: warning: %s\n", command, body)
		return nil
	}
	return &episodeFailures{body + "\n(exit status 1; --allow-errors exits 0 after such failures)"}
}

// checkRun reports a run's infrastructure errors (see checkErrors).
func checkRun(a *app, sum *runner.Summary, allow bool) error {
	n, lines := errorLines(sum.ErrorCodes, sum.ErrorMessages, "  ")
	return checkErrors(a, "run", sum.Episodes, lines, n, allow)
}

// checkBench reports a benchmark's infrastructure errors on stderr, entry
// by entry, and returns runErr (the agent failed fatally), or an error
// when episodes failed so (exit 1) unless allow is set.
func checkBench(a *app, rep *bench.Report, runErr error, allow bool) error {
	var lines []string
	n := 0
	for _, e := range rep.Entries {
		k, ls := errorLines(e.ErrorCodes, e.ErrorMessages, "    ")
		if k == 0 {
			continue
		}
		n += k
		lines = append(lines, "  "+e.Label+":")
		lines = append(lines, ls...)
	}
	if runErr != nil && !errors.Is(runErr, bench.ErrEpisodesFailed) {
		if n > 0 {
			fmt.Fprintf(a.stderr, "dojo bench run: before it stopped, %d episodes failed with an infrastructure error:\n%s\n", n, strings.Join(lines, "\n"))
		}
		return runErr
	}
	if rep.Stopped != "" {
		lines = append(lines, "the run stopped after that entry: rerun with --allow-errors to go on past such failures (episodes recorded as failed are kept)")
	}
	episodes := 0
	for _, e := range rep.Entries {
		episodes += e.Episodes
	}
	return checkErrors(a, "bench run", episodes, lines, n, allow)
}

// newProgress returns the progress display of a run: live on a terminal
// (unless the output is JSON), else a line every DOJO_PROGRESS_EVERY (10s).
// An agent with live usage totals (the openai agent's Totals) feeds them to
// it.
func newProgress(a *app, asJSON bool, maker dojo.AgentMaker) (*runner.Progress, error) {
	cfg := runner.ProgressConfig{W: a.stderr, Live: a.tty && !asJSON}
	if cfg.Live {
		cfg.Width = termWidth(a.stderr)
	} else {
		every, err := progressEvery(os.Getenv)
		if err != nil {
			return nil, err
		}
		cfg.LogEvery = every
		if every == 0 {
			cfg.LogEvery = -1
		}
	}
	if t, ok := maker.(interface{ Totals() map[string]float64 }); ok {
		cfg.Usage = t.Totals
	}
	return runner.NewProgress(cfg), nil
}

// progressEvery is how often a progress line is written when stderr is
// not a terminal; DOJO_PROGRESS_EVERY (a duration, 0 for never) overrides
// it.
func progressEvery(getenv func(string) string) (time.Duration, error) {
	v := getenv("DOJO_PROGRESS_EVERY")
	if v == "" {
		return runner.DefaultLogEvery, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, usagef("DOJO_PROGRESS_EVERY=%q: want a duration such as 10s, or 0 for no progress lines", v)
	}
	return d, nil
}

// unreachableAfter reads DOJO_UNREACHABLE_AFTER (a duration), how long an
// openai: server no request has reached may stay unreachable before the
// run stops; "" keeps the default, one minute.
func unreachableAfter(getenv func(string) string) (time.Duration, error) {
	v := getenv("DOJO_UNREACHABLE_AFTER")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, usagef("DOJO_UNREACHABLE_AFTER=%q: want a positive duration such as 1m", v)
	}
	return d, nil
}
