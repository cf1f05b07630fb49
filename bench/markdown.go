package bench

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// pct formats a rate as a percentage.
func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// pctCI formats an interval of rates in percent.
func pctCI(iv *Interval) string {
	if iv == nil {
		return "–"
	}
	return fmt.Sprintf("[%.1f, %.1f]", 100*iv.Lo, 100*iv.Hi)
}

// num formats a return-like number with three decimals, or one beyond a
// thousand.
func num(x float64) string {
	if x == 0 {
		x = 0 // no "-0.000"
	}
	switch {
	case math.IsNaN(x):
		return "–"
	case math.Abs(x) >= 1000:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.3f", x)
}

func numCI(iv *Interval) string {
	if iv == nil {
		return "–"
	}
	return "[" + num(iv.Lo) + ", " + num(iv.Hi) + "]"
}

func score(s *float64) string {
	if s == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f", *s)
}

// count formats an integer with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// mdTable writes a Markdown table: columns of numbers are right-aligned,
// the others left-aligned.
func mdTable(w io.Writer, header []string, rows [][]string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
		if i > 0 && numeric(rows, i) {
			seps[i] = "---:"
		}
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
	for _, r := range rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
	}
	fmt.Fprintln(w)
}

// numeric reports whether every non-empty cell of column i is a number,
// an interval, a percentage or a dash.
func numeric(rows [][]string, i int) bool {
	for _, r := range rows {
		if i >= len(r) || r[i] == "" || strings.HasPrefix(r[i], "**") {
			continue
		}
		c := r[i][0]
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '[' || strings.HasPrefix(r[i], "–")) {
			return false
		}
	}
	return true
}

func (r *Report) passHeaders() []string {
	var h []string
	if r.Trials > 1 {
		for _, k := range passKs(r.Trials) {
			h = append(h, fmt.Sprintf("pass@%d", k))
		}
		for _, k := range passKs(r.Trials) {
			h = append(h, fmt.Sprintf("pass^%d", k))
		}
	}
	return h
}

// passKs are the k shown in tables: 1, the number of trials, and the
// powers of two between.
func passKs(trials int) []int {
	ks := []int{1}
	for k := 2; k < trials; k *= 2 {
		ks = append(ks, k)
	}
	if trials > 1 {
		ks = append(ks, trials)
	}
	return ks
}

// writeMarkdown writes report.md: the tables, the notes and the plots.
func (r *Report) writeMarkdown(w io.Writer, plots []string) {
	fmt.Fprintf(w, "# dojo bench: %s, agent `%s`\n\n", r.Suite, r.Agent)
	if r.Partial != "" {
		fmt.Fprintf(w, "**%s** (dojo bench run --limit %d): a smoke test, not the suite's result.\n\n", strings.ToUpper(r.Partial[:1])+r.Partial[1:], r.Manifest.Limit)
	}
	trials := "1 trial per task"
	if r.Trials > 1 {
		trials = fmt.Sprintf("%d trials per task", r.Trials)
	}
	fmt.Fprintf(w, "Manifest sha256 `%s` · %d entries · %s · %s episodes · %.0f%% intervals (Wilson for rates, percentile bootstrap for returns and macro averages)\n\n",
		r.SHA256, len(r.Entries), trials, count(r.Overall.Episodes), 100*r.Confidence)

	if r.Stopped != "" {
		fmt.Fprintf(w, "**The run stopped before the end of the suite:** %s\n\n", r.Stopped)
	}
	if r.Errors > 0 {
		fmt.Fprintf(w, "**%s episodes failed with an error** (%s): see [Errors](#errors).\n\n", count(r.Errors), codes(r.ErrorCodes))
	}

	header, rows := r.mainTable()
	for i, row := range rows {
		if r.Entries[i].Played {
			continue
		}
		rows[i] = []string{row[0], "–", notPlayed(&r.Entries[i])}
		for len(rows[i]) < len(header) {
			rows[i] = append(rows[i], "–")
		}
	}
	o := r.Overall
	row := []string{fmt.Sprintf("**overall** (mean of %d envs)", o.Entries), count(o.Episodes), pct(o.SuccessRate), pctCI(o.SuccessCI)}
	for range r.passHeaders() {
		row = append(row, "")
	}
	rows = append(rows, append(row, "", "", "", score(o.Score)))
	mdTable(w, header, rows)

	fmt.Fprintln(w, "Score: the success rate normalized per env, 0 for the random agent and 100 for the env's oracle; the overall score is the mean over the envs that have one.")
	fmt.Fprintln(w)

	fmt.Fprintln(w, "## By family")
	fmt.Fprintln(w)
	rows = nil
	for _, f := range r.Families {
		rows = append(rows, []string{f.Name, fmt.Sprint(f.Entries), count(f.Episodes), pct(f.SuccessRate), pctCI(f.SuccessCI), score(f.Score)})
	}
	mdTable(w, []string{"family", "envs", "episodes", "success (mean)", "95% CI", "score"}, rows)

	rows = nil
	for _, e := range r.Entries {
		if v, ok := e.SeriesFinal[RegretSeries]; ok {
			rows = append(rows, []string{e.Label, num(v), num(e.MeanReturn)})
		}
	}
	if len(rows) > 0 {
		fmt.Fprintln(w, "## Bandits")
		fmt.Fprintln(w)
		mdTable(w, []string{"env", "mean cumulative regret at the horizon", "mean return"}, rows)
	}

	rows = nil
	for _, e := range r.Entries {
		for _, p := range e.Parts {
			if p.Weight == 0 && p.Fired == 0 {
				continue
			}
			rows = append(rows, []string{e.Label, p.Name, num(p.Weight), num(p.Mean), num(p.Contribution), pct(p.Fired)})
		}
	}
	if len(rows) > 0 {
		fmt.Fprintln(w, "## Reward parts")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Per episode: the part's values summed over the episode (mean), its weight in the profile played, their product (its share of the mean return) and the share of episodes in which it was not 0. Parts of weight 0 that never fired are left out.")
		fmt.Fprintln(w)
		mdTable(w, []string{"env", "part", "weight", "mean", "weight × mean", "fires"}, rows)
	}

	var keys []string
	for _, e := range r.Entries {
		for k := range e.Usage {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	if len(keys) > 0 {
		slices.Sort(keys)
		fmt.Fprintln(w, "## Usage")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Per episode on average, and in total.")
		fmt.Fprintln(w)
		rows = nil
		for _, e := range r.Entries {
			if e.Usage == nil {
				continue
			}
			row := []string{e.Label}
			for _, k := range keys {
				row = append(row, num(e.Usage[k]))
			}
			rows = append(rows, row)
		}
		row := []string{"**total**"}
		for _, k := range keys {
			row = append(row, fmt.Sprintf("%.0f", r.Overall.UsageTotal[k]))
		}
		mdTable(w, append([]string{"env"}, keys...), append(rows, row))
	}

	rows = nil
	for _, e := range r.Entries {
		for _, c := range slices.Sorted(maps.Keys(e.ErrorCodes)) {
			rows = append(rows, []string{e.Label, string(c), count(e.ErrorCodes[c]), "`" + strings.ReplaceAll(e.ErrorMessages[c], "`", "'") + "`"})
		}
	}
	if len(rows) > 0 {
		fmt.Fprintln(w, "## Errors")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Episodes that failed with an error, by code, with the first error recorded. Every code but timeout is an infrastructure error (missing data, an unreachable server, a crashed agent): such an episode was not a trial of the agent. Failed episodes count as failures; an entry whose every episode failed so is not run.")
		fmt.Fprintln(w)
		mdTable(w, []string{"env", "code", "episodes", "first error"}, rows)
	}

	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "## Notes")
		fmt.Fprintln(w)
		for _, n := range r.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
		fmt.Fprintln(w)
	}
	if len(plots) > 0 {
		fmt.Fprintln(w, "## Plots")
		fmt.Fprintln(w)
		for _, p := range plots {
			fmt.Fprintf(w, "![%s](%s)\n\n", strings.TrimSuffix(p, ".png"), p)
		}
	}
	fmt.Fprintln(w, "## Manifest")
	fmt.Fprintln(w)
	rows = nil
	for _, e := range r.Manifest.Entries {
		rows = append(rows, []string{e.Label, fmt.Sprint(e.Tasks), fmt.Sprint(e.Seed), "`" + e.SHA256[:12] + "`", optionsText(e.Options)})
	}
	mdTable(w, []string{"env", "tasks", "first seed", "sha256", "options (resolved)"}, rows)
}

// notPlayed says in a table cell why an entry has no result.
func notPlayed(e *EntryReport) string {
	if e.Episodes > 0 {
		return "not run"
	}
	return "not played"
}

// optionsText lists options as k=v, sorted.
func optionsText(o map[string]any) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(o)) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, o[k]))
	}
	return strings.Join(parts, " ")
}

// mainTable is the report's main table: a header and one row per entry
// (an entry not played has its label only).
func (r *Report) mainTable() (header []string, rows [][]string) {
	header = append([]string{"env", "episodes", "success", "95% CI"}, r.passHeaders()...)
	header = append(header, "mean return", "95% CI", "mean length", "score")
	for _, e := range r.Entries {
		if !e.Played {
			rows = append(rows, []string{e.Label})
			continue
		}
		row := []string{e.Label, count(e.Episodes), pct(e.SuccessRate), pctCI(&e.SuccessCI)}
		if r.Trials > 1 {
			for _, k := range passKs(r.Trials) {
				row = append(row, pct(e.PassAtK[k-1]))
			}
			for _, k := range passKs(r.Trials) {
				row = append(row, pct(e.PassHatK[k-1]))
			}
		}
		rows = append(rows, append(row, num(e.MeanReturn), numCI(e.ReturnCI), fmt.Sprintf("%.1f", e.MeanLength), score(e.Score)))
	}
	return header, rows
}

// WriteTable writes the report's main table as fixed-width text, for a
// terminal: one row per entry and the overall row.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	header, rows := r.mainTable()
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for i, row := range rows {
		if e := &r.Entries[i]; !e.Played {
			why := notPlayed(e) + ": " + e.Unplayable
			if strings.HasPrefix(e.Unplayable, "not run") {
				why = e.Unplayable
			}
			row = append(row, "-", why)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	o := r.Overall
	fmt.Fprintf(tw, "overall (mean of %d envs)\t%s\t%s\t%s\t%s\n", o.Entries, count(o.Episodes), pct(o.SuccessRate), pctCI(o.SuccessCI),
		strings.Repeat("\t", len(r.passHeaders())+3)+score(o.Score))
	return tw.Flush()
}
