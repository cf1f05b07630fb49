package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/stats"
)

// Comparison sets two runs side by side, entry by entry: the differences
// B − A of success rate and mean return with their intervals, and which
// are significant (the interval excludes 0).
//
// Success rates are compared by Newcombe's hybrid score interval for a
// difference of independent proportions, mean returns by a percentile
// bootstrap of the difference of means, and the overall macro averages by
// a bootstrap stratified by entry. Each interval is at 95% on its own, not
// corrected for the number of entries: among 20 entries where nothing
// differs, about one will look significant by chance. Runs of the same
// suite share their seeds, so the independent-sample intervals are on the
// conservative side.
type Comparison struct {
	A RunInfo `json:"a"`
	B RunInfo `json:"b"`
	// SameWork is set when the manifest hashes are equal.
	SameWork bool        `json:"same_work"`
	Warnings []string    `json:"warnings,omitempty"`
	Entries  []EntryDiff `json:"entries"`
	Overall  OverallDiff `json:"overall"`

	reps []*Report
}

// RunInfo identifies a run.
type RunInfo struct {
	Suite  string `json:"suite"`
	SHA256 string `json:"manifest_sha256"`
	Agent  string `json:"agent"`
	Trials int    `json:"trials"`
}

// EntryDiff compares one entry of two runs.
type EntryDiff struct {
	Label     string `json:"label"`
	EpisodesA int    `json:"episodes_a"`
	EpisodesB int    `json:"episodes_b"`
	// SuccessA and SuccessB are the rates; SuccessDiff is B − A with
	// Newcombe's interval.
	SuccessA           float64  `json:"success_a"`
	SuccessB           float64  `json:"success_b"`
	SuccessDiff        float64  `json:"success_diff"`
	SuccessDiffCI      Interval `json:"success_diff_ci"`
	SuccessSignificant bool     `json:"success_significant"`
	// ReturnDiff is the difference of mean returns B − A with its
	// bootstrap interval (nil when a side has no completed episode).
	ReturnA           float64   `json:"return_a"`
	ReturnB           float64   `json:"return_b"`
	ReturnDiff        float64   `json:"return_diff"`
	ReturnDiffCI      *Interval `json:"return_diff_ci,omitempty"`
	ReturnSignificant bool      `json:"return_significant"`
	ScoreA            *float64  `json:"score_a,omitempty"`
	ScoreB            *float64  `json:"score_b,omitempty"`
	// Note says why the entry is not compared, or what differs.
	Note string `json:"note,omitempty"`
	// Compared is false when one run did not play the entry.
	Compared bool `json:"compared"`
}

// OverallDiff compares the macro averages over the entries both runs
// played.
type OverallDiff struct {
	Entries     int      `json:"entries"`
	SuccessA    float64  `json:"success_a"`
	SuccessB    float64  `json:"success_b"`
	Diff        float64  `json:"diff"`
	DiffCI      Interval `json:"diff_ci"`
	Significant bool     `json:"significant"`
	// ScoreA and ScoreB average the normalized scores of the entries both
	// have scores for.
	ScoreA *float64 `json:"score_a,omitempty"`
	ScoreB *float64 `json:"score_b,omitempty"`
}

func infoOf(r *Report) RunInfo {
	return RunInfo{Suite: r.Suite, SHA256: r.SHA256, Agent: r.Agent, Trials: r.Trials}
}

func excludesZero(iv Interval) bool { return iv.Lo > 0 || iv.Hi < 0 }

// Compare compares run b with run a. Runs of different work (the manifest
// hashes differ) are refused unless force is set, in which case the
// comparison carries a warning and covers the entries of the same label,
// noting those whose own work differs.
func Compare(a, b *Report, force bool) (*Comparison, error) {
	c := &Comparison{A: infoOf(a), B: infoOf(b), SameWork: a.SHA256 == b.SHA256, reps: []*Report{a, b}}
	if pa, pb := a.Manifest.Partial(), b.Manifest.Partial(); pa != pb {
		what := func(p string) string {
			if p == "" {
				return "full"
			}
			return p
		}
		msg := fmt.Sprintf("run A is %s and run B is %s: a partial run (--limit) is a smoke test that compares only with runs of the same limit", what(pa), what(pb))
		if !force {
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s (compare with --force to see the entries they share)", msg)
		}
		c.Warnings = append(c.Warnings, msg)
	}
	if a.Shard != b.Shard {
		what := func(s string) string {
			if s == "" {
				return "a whole run"
			}
			return "shard " + s + " of a run"
		}
		msg := fmt.Sprintf("run A is %s and run B is %s: merge the shards first (dojo bench merge)", what(a.Shard), what(b.Shard))
		if !force {
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s, or compare with --force", msg)
		}
		c.Warnings = append(c.Warnings, msg)
	}
	if !c.SameWork {
		msg := fmt.Sprintf("the runs did different work: %s (%s) manifest %s, %s (%s) manifest %s; their numbers are not comparable as a whole",
			a.Suite, a.Agent, a.Manifest.Short(), b.Suite, b.Agent, b.Manifest.Short())
		if !force {
			return nil, dojo.Errorf(dojo.CodeInvalid, "%s (compare with --force to see the entries they share)", msg)
		}
		c.Warnings = append(c.Warnings, msg)
	}
	if a.Trials != b.Trials {
		c.Warnings = append(c.Warnings, fmt.Sprintf("the runs played %d and %d trials per task: success rates compare, pass^k does not", a.Trials, b.Trials))
	}
	hashes := map[string]string{}
	for _, e := range b.Manifest.Entries {
		hashes[e.Label] = e.SHA256
	}
	var groupsA, groupsB [][]float64
	var scoresA, scoresB float64
	scored := 0
	for _, ma := range a.Manifest.Entries {
		ea, eb := findEntry(a, ma.Label), findEntry(b, ma.Label)
		d := EntryDiff{Label: ma.Label}
		switch {
		case eb == nil:
			d.Note = "not in run B"
		case hashes[ma.Label] != ma.SHA256:
			d.Note = "different work (options, tasks or seeds differ)"
		case !ea.Played || !eb.Played:
			d.Note = "not played by both runs"
		default:
			d.Compared = true
		}
		if !d.Compared {
			c.Entries = append(c.Entries, d)
			continue
		}
		d.EpisodesA, d.EpisodesB = ea.Episodes, eb.Episodes
		d.SuccessA, d.SuccessB = ea.SuccessRate, eb.SuccessRate
		d.SuccessDiff = eb.SuccessRate - ea.SuccessRate
		d.SuccessDiffCI = stats.NewcombeDiff(eb.Successes, eb.Episodes, ea.Successes, ea.Episodes, Confidence)
		d.SuccessSignificant = excludesZero(d.SuccessDiffCI)
		d.ReturnA, d.ReturnB = ea.MeanReturn, eb.MeanReturn
		d.ReturnDiff = eb.MeanReturn - ea.MeanReturn
		if len(ea.returns) > 0 && len(eb.returns) > 0 {
			iv := stats.BootstrapDiff(eb.returns, ea.returns, Confidence, bootstrapReps, seedOf("compare return", ma.Label))
			d.ReturnDiffCI = &iv
			d.ReturnSignificant = excludesZero(iv)
		}
		d.ScoreA, d.ScoreB = ea.Score, eb.Score
		if ea.Score != nil && eb.Score != nil {
			scoresA += *ea.Score
			scoresB += *eb.Score
			scored++
		}
		groupsA, groupsB = append(groupsA, ea.successes), append(groupsB, eb.successes)
		c.Entries = append(c.Entries, d)
	}
	for _, mb := range b.Manifest.Entries {
		if findEntry(a, mb.Label) == nil {
			c.Entries = append(c.Entries, EntryDiff{Label: mb.Label, Note: "not in run A"})
		}
	}
	if n := len(groupsA); n > 0 {
		o := &c.Overall
		o.Entries = n
		for i := range n {
			o.SuccessA += stats.Average(groupsA[i]) / float64(n)
			o.SuccessB += stats.Average(groupsB[i]) / float64(n)
		}
		o.Diff = o.SuccessB - o.SuccessA
		o.DiffCI = stats.BootstrapGroups(append(append([][]float64{}, groupsB...), groupsA...), Confidence, bootstrapReps, seedOf("compare overall"),
			func(m []float64) float64 { return stats.Average(m[:n]) - stats.Average(m[n:]) })
		o.Significant = excludesZero(o.DiffCI)
		if scored > 0 {
			sa, sb := scoresA/float64(scored), scoresB/float64(scored)
			o.ScoreA, o.ScoreB = &sa, &sb
		}
	}
	return c, nil
}

// signedPct formats a difference of rates in percentage points.
func signedPct(x float64) string { return fmt.Sprintf("%+.1f", 100*x) }

func signedNum(x float64) string {
	if x >= 0 {
		return "+" + num(x)
	}
	return num(x)
}

func star(sig bool) string {
	if sig {
		return "yes"
	}
	return ""
}

// table is the comparison as rows.
func (c *Comparison) table() (header []string, rows [][]string) {
	header = []string{"env", "success A", "success B", "B − A (points)", "95% CI", "significant", "return A", "return B", "B − A", "95% CI", "significant"}
	for _, d := range c.Entries {
		if !d.Compared {
			rows = append(rows, []string{d.Label, "–", "–", d.Note, "", "", "", "", "", "", ""})
			continue
		}
		rci := "–"
		if d.ReturnDiffCI != nil {
			rci = "[" + signedNum(d.ReturnDiffCI.Lo) + ", " + signedNum(d.ReturnDiffCI.Hi) + "]"
		}
		rows = append(rows, []string{d.Label, pct(d.SuccessA), pct(d.SuccessB), signedPct(d.SuccessDiff),
			fmt.Sprintf("[%s, %s]", signedPct(d.SuccessDiffCI.Lo), signedPct(d.SuccessDiffCI.Hi)), star(d.SuccessSignificant),
			num(d.ReturnA), num(d.ReturnB), signedNum(d.ReturnDiff), rci, star(d.ReturnSignificant)})
	}
	o := c.Overall
	if o.Entries > 0 {
		rows = append(rows, []string{fmt.Sprintf("overall (mean of %d envs)", o.Entries), pct(o.SuccessA), pct(o.SuccessB), signedPct(o.Diff),
			fmt.Sprintf("[%s, %s]", signedPct(o.DiffCI.Lo), signedPct(o.DiffCI.Hi)), star(o.Significant), "", "", "", "", ""})
	}
	return header, rows
}

// WriteTable writes the comparison as fixed-width text.
func (c *Comparison) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "A: %s, agent %s (manifest %s)\nB: %s, agent %s (manifest %s)\n\n",
		c.A.Suite, c.A.Agent, c.A.SHA256[:min(12, len(c.A.SHA256))], c.B.Suite, c.B.Agent, c.B.SHA256[:min(12, len(c.B.SHA256))])
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	header, rows := c.table()
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if o := c.Overall; o.ScoreA != nil {
		fmt.Fprintf(w, "\nscore (mean over the envs both have one): A %.1f, B %.1f\n", *o.ScoreA, *o.ScoreB)
	}
	return nil
}

// WriteFiles writes compare.json, compare.md and the plots of both runs
// (success.png, regret.png) to dir.
func (c *Comparison) WriteFiles(dir string) error {
	return writeFiles(dir, "compare", c, c.reps, c.writeMarkdown)
}

// writeMarkdown writes compare.md.
func (c *Comparison) writeMarkdown(md io.Writer, plots []string) {
	fmt.Fprintf(md, "# dojo bench compare: `%s` (A) and `%s` (B) on %s\n\n", c.A.Agent, c.B.Agent, c.A.Suite)
	fmt.Fprintf(md, "A: manifest sha256 `%s`, %d trial(s) · B: manifest sha256 `%s`, %d trial(s)\n\n", c.A.SHA256, c.A.Trials, c.B.SHA256, c.B.Trials)
	for _, w := range c.Warnings {
		fmt.Fprintf(md, "> **Warning:** %s\n\n", w)
	}
	header, rows := c.table()
	mdTable(md, header, rows)
	fmt.Fprintln(md, "Differences are B − A; success in percentage points with Newcombe's hybrid score interval, returns with a percentile bootstrap interval, the overall row with a bootstrap stratified by env. Each interval is at 95% on its own (no correction for the number of envs).")
	fmt.Fprintln(md)
	if o := c.Overall; o.ScoreA != nil {
		fmt.Fprintf(md, "Normalized score (mean over the %d envs compared that have one): A %.1f, B %.1f.\n\n", o.Entries, *o.ScoreA, *o.ScoreB)
	}
	for _, p := range plots {
		fmt.Fprintf(md, "![%s](%s)\n\n", strings.TrimSuffix(p, ".png"), p)
	}
}
