package main

import (
	"fmt"
	"sort"
	"strings"

	sqlenv "github.com/dojo-rl/dojo/envs/sql"
	"github.com/dojo-rl/dojo/protocol"
)

// predictionCoverage checks the predictions of dojo verify sql against the
// data set's n questions: a question predicted more than once is an error
// unless allowDup, and missing counts the questions with no prediction
// (scored as failures in the headline accuracy).
func predictionCoverage(preds []sqlenv.Prediction, n int, allowDup bool) (missing int, err error) {
	seen := make(map[int]int, len(preds))
	for _, p := range preds {
		seen[p.Index]++
	}
	if !allowDup {
		var dups []int
		for i, c := range seen {
			if c > 1 {
				dups = append(dups, i)
			}
		}
		if len(dups) > 0 {
			sort.Ints(dups)
			var b strings.Builder
			for k, i := range dups {
				if k == 5 {
					fmt.Fprintf(&b, ", ... (%d questions in all)", len(dups))
					break
				}
				if k > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "question %d %d times", i, seen[i])
			}
			return 0, usagef("--predictions: duplicate predictions: %s; each question is scored once (give one prediction per question, or --allow-duplicates to score every copy)", b.String())
		}
	}
	for i := range n {
		if seen[i] == 0 {
			missing++
		}
	}
	return missing, nil
}

// accuracyLine is the headline of dojo verify sql: the execution accuracy
// over the data set's questions (a question without a prediction counts
// as a failure) and, beside it, over the predicted ones only.
func accuracyLine(matched, scored, missing int) string {
	total := scored + missing
	acc, covered := 0.0, 0.0
	if total > 0 {
		acc = float64(matched) / float64(total)
	}
	if scored > 0 {
		covered = float64(matched) / float64(scored)
	}
	s := fmt.Sprintf("execution accuracy %.4f (%d/%d)", acc, matched, total)
	if missing > 0 {
		s += fmt.Sprintf(", %d questions without a prediction counted as failures; %.4f (%d/%d) over the predicted ones", missing, covered, matched, scored)
	}
	return s
}

// verifySummaryLine is the summary dojo verify ends with: the headline
// over the tasks (those without a scored response count as failures) and,
// when some are missing, the figures over the scored responses beside it.
func verifySummaryLine(sum protocol.VerifySummary) string {
	s := fmt.Sprintf("dojo verify: %d responses, %d scored, %d failed", sum.Responses, sum.Scored, sum.Failed)
	if sum.Duplicates > 0 {
		s += fmt.Sprintf(" (%d repeat an earlier response's task)", sum.Duplicates)
	}
	s += fmt.Sprintf("; %d tasks: mean reward %.4f, success rate %.4f", sum.Tasks, sum.MeanReward, sum.SuccessRate)
	if sum.Missing > 0 {
		s += fmt.Sprintf(", %d tasks without a scored response counted as failures (%s", sum.Missing, strings.Join(sum.MissingIDs, ", "))
		if sum.Missing > len(sum.MissingIDs) {
			s += ", ..."
		}
		s += fmt.Sprintf("); over the %d scored: mean reward %.4f, success rate %.4f", sum.Scored, sum.CoveredMeanReward, sum.CoveredSuccessRate)
	}
	return s
}
