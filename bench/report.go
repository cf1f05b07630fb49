package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/stats"
	"github.com/dojo-rl/dojo/runner"
)

// Confidence is the level of every interval in a report.
const Confidence = 0.95

// bootstrapReps is the number of resamples of every bootstrap interval.
const bootstrapReps = 2000

// Interval is a confidence interval [Lo, Hi].
type Interval = stats.Interval

// Report is a benchmark run summed up: per entry, per family and overall.
// It is what report.json holds; report.md and the plots show it.
type Report struct {
	Suite  string `json:"suite"`
	SHA256 string `json:"manifest_sha256"`
	Agent  string `json:"agent"`
	Trials int    `json:"trials"`
	// Partial is set on a partial run (dojo bench run --limit): "partial:
	// first N tasks of each entry".
	Partial string `json:"partial,omitempty"`
	// Shard is set on the report of one shard of a run (dojo bench run
	// --shard i/n): "i/n". It covers the tasks of the shard only; dojo
	// bench merge makes the whole run's report of all the shards.
	Shard string `json:"shard,omitempty"`
	// Confidence is the level of the intervals (0.95).
	Confidence float64       `json:"confidence"`
	Entries    []EntryReport `json:"entries"`
	// Families are macro averages over each family's entries, in the
	// suite's order; Overall over every entry played.
	Families []Aggregate `json:"families"`
	Overall  Aggregate   `json:"overall"`
	// Errors counts the episodes of every entry that failed with an
	// error, by code in ErrorCodes; Stopped says why the run stopped
	// before the end of the suite (an agent failing fatally, episodes
	// failing with infrastructure errors).
	Errors     int               `json:"errors"`
	ErrorCodes map[dojo.Code]int `json:"error_codes,omitempty"`
	Stopped    string            `json:"stopped,omitempty"`
	// Notes are what a reader must know: entries left out, failed
	// episodes, missing references.
	Notes    []string  `json:"notes,omitempty"`
	Manifest *Manifest `json:"manifest"`
}

// EntryReport sums up one entry's episodes over all its trials.
type EntryReport struct {
	Label  string `json:"label"`
	Env    string `json:"env"`
	Family string `json:"family"`
	Tasks  int    `json:"tasks"`
	Trials int    `json:"trials"`
	// Played is false when the entry has no result, and Unplayable says
	// why: the agent could not play the env, the run did not get to it,
	// or every episode recorded failed with an infrastructure error
	// (runner.InfraError: it was not run, which is no 0% success). Only
	// the error counts are then filled in.
	Played     bool   `json:"played"`
	Unplayable string `json:"unplayable,omitempty"`
	// Episodes recorded, of which Errors failed (counted as failures),
	// by code in ErrorCodes; ErrorMessages quotes the first error of
	// each code (in trial, then task order).
	Episodes      int                  `json:"episodes"`
	Errors        int                  `json:"errors"`
	ErrorCodes    map[dojo.Code]int    `json:"error_codes,omitempty"`
	ErrorMessages map[dojo.Code]string `json:"error_messages,omitempty"`
	// Successes over Episodes, with the Wilson interval of the rate
	// (episodes taken as independent; with several trials they are
	// clustered by task, and pass^k says how consistent the agent is).
	Successes   int      `json:"successes"`
	SuccessRate float64  `json:"success_rate"`
	SuccessCI   Interval `json:"success_ci"`
	// PassAtK[k-1] is pass@k and PassHatK[k-1] pass^k, for k = 1..Trials,
	// averaged over the tasks.
	PassAtK  []float64 `json:"pass_at_k"`
	PassHatK []float64 `json:"pass_hat_k"`
	// MeanReturn over the episodes completed without error, with its
	// standard deviation and percentile-bootstrap interval.
	MeanReturn float64   `json:"mean_return"`
	ReturnStd  float64   `json:"return_std"`
	ReturnCI   *Interval `json:"return_ci,omitempty"`
	MeanLength float64   `json:"mean_length"`
	// Parts are the reward components, in the env's order.
	Parts []PartStat `json:"parts,omitempty"`
	// SeriesFinal is the mean over episodes of each recorded series'
	// last value (the cumulative regret at the horizon).
	SeriesFinal map[string]float64 `json:"series_final,omitempty"`
	// Usage is an LLM agent's spending (tokens, requests) per episode on
	// average; UsageTotal the sums.
	Usage      map[string]float64 `json:"usage,omitempty"`
	UsageTotal map[string]float64 `json:"usage_total,omitempty"`
	// Reference and Score: the normalized score of the success rate
	// (random 0, oracle 100); ScoreNote says why there is none.
	Reference *Reference `json:"reference,omitempty"`
	Score     *float64   `json:"score,omitempty"`
	ScoreNote string     `json:"score_note,omitempty"`
	// EpisodeSeconds adds up the episodes' wall times.
	EpisodeSeconds float64 `json:"episode_seconds"`

	successes []float64            // 1 or 0 per episode
	returns   []float64            // per completed episode
	curves    map[string][]float64 // mean of each series by step
}

// PartStat is one reward component over an entry's completed episodes.
type PartStat struct {
	Name string `json:"name"`
	// Weight in the profile the entry ran with.
	Weight float64 `json:"weight"`
	// Mean is the mean over episodes of the component's value summed over
	// the episode; Contribution is Weight·Mean, its share of the mean
	// return.
	Mean         float64 `json:"mean"`
	Contribution float64 `json:"contribution"`
	// Fired is the share of episodes in which it was non-zero at least
	// once.
	Fired float64 `json:"fired"`
}

// Aggregate is a macro average over entries: each entry weighs the same,
// whatever its number of tasks.
type Aggregate struct {
	Name     string `json:"name"`
	Entries  int    `json:"entries"` // entries played
	Episodes int    `json:"episodes"`
	// SuccessRate is the mean of the entries' success rates, with the
	// stratified bootstrap interval (episodes resampled within entries).
	SuccessRate float64   `json:"success_rate"`
	SuccessCI   *Interval `json:"success_ci,omitempty"`
	// Score is the mean of the normalized scores of the ScoreEntries
	// entries that have one.
	Score        *float64           `json:"score,omitempty"`
	ScoreEntries int                `json:"score_entries"`
	UsageTotal   map[string]float64 `json:"usage_total,omitempty"`
}

// seedOf gives each statistic its own fixed bootstrap seed.
func seedOf(parts ...string) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum64()
}

// Load reads a run directory written by Run and sums it up (dir may also
// name a file in it, such as its report.json). It needs no registry:
// run.json holds the manifest and the references.
func Load(dir string) (*Report, error) {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		dir = filepath.Dir(dir)
	}
	rf, err := readRunFile(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s is not a dojo bench run directory (no %s): give the --out of dojo bench run", dir, runFileName)
	}
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Suite: rf.Manifest.Suite, SHA256: rf.Manifest.SHA256, Agent: rf.Agent,
		Trials: max(rf.Trials, 1), Confidence: Confidence, Manifest: rf.Manifest,
		Partial: rf.Manifest.Partial(),
		Stopped: rf.Stopped,
	}
	sh := shardOf(rf.Shard)
	if sh.Sharded() {
		rep.Shard = sh.String()
		rep.Notes = append(rep.Notes, fmt.Sprintf("shard %s of the run: the tasks of each entry whose index is ≡ %d mod %d; merge the %d shards with dojo bench merge for the suite's report and the normalized scores", sh, sh.Index, sh.Count, sh.Count))
	}
	if rep.Partial != "" {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s (a smoke test): its manifest hash is not the suite's, its references are computed on the tasks played, and it compares only with runs of the same limit", rep.Partial))
	}
	if rf.Stopped != "" {
		rep.Notes = append(rep.Notes, "the run stopped before the end of the suite: "+rf.Stopped)
	}
	for i := range rf.Manifest.Entries {
		me := &rf.Manifest.Entries[i]
		er := EntryReport{Label: me.Label, Env: me.Env, Family: dojo.Family(me.Env), Tasks: me.Tasks, Trials: rep.Trials}
		if why, ok := rf.Unplayable[me.Label]; ok {
			er.Unplayable = why
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: not played: %s", me.Label, why))
			rep.Entries = append(rep.Entries, er)
			continue
		}
		trials := make([][]runner.Episode, rep.Trials)
		for t := range trials {
			eps, err := readEpisodeFile(episodeFile(dir, me, t))
			if err != nil {
				return nil, err
			}
			// Files list episodes in the order they finished, which
			// depends on the workers: sum them up in task order.
			slices.SortStableFunc(eps, func(a, b runner.Episode) int { return a.Episode - b.Episode })
			trials[t] = eps
		}
		summarizeEntry(&er, me, trials)
		for c, n := range er.ErrorCodes {
			if rep.ErrorCodes == nil {
				rep.ErrorCodes = map[dojo.Code]int{}
			}
			rep.ErrorCodes[c] += n
			rep.Errors += n
		}
		if infra := infraErrors(er.ErrorCodes); er.Episodes > 0 && infra == er.Episodes {
			er.Unplayable = fmt.Sprintf("not run: all %d episodes failed with an infrastructure error (%s)", er.Episodes, codes(er.ErrorCodes))
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %s", me.Label, er.Unplayable))
			rep.Entries = append(rep.Entries, notRun(er))
			continue
		}
		if er.Episodes == 0 && sh.Size(me.Tasks) == 0 {
			er.Unplayable = fmt.Sprintf("no task of the entry falls to shard %s", sh)
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %s", me.Label, er.Unplayable))
			rep.Entries = append(rep.Entries, er)
			continue
		}
		if er.Episodes == 0 {
			er.Unplayable = "no episodes recorded (the run did not get to it)"
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %s", me.Label, er.Unplayable))
			rep.Entries = append(rep.Entries, er)
			continue
		}
		er.Played = true
		if want := sh.Size(me.Tasks) * rep.Trials; er.Episodes < want {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %d of %d episodes recorded (rerun dojo bench run with the same --out to finish)", me.Label, er.Episodes, want))
		}
		if er.Errors > 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %d episodes failed with an error (%s), counted as failures", me.Label, er.Errors, codes(er.ErrorCodes)))
		}
		er.Reference = rf.References[me.SHA256]
		if s, why := er.Reference.Score(er.SuccessRate); math.IsNaN(s) {
			er.ScoreNote = why
		} else {
			er.Score = &s
		}
		rep.Entries = append(rep.Entries, er)
	}
	var families []string
	for _, e := range rep.Entries {
		if !slices.Contains(families, e.Family) {
			families = append(families, e.Family)
		}
	}
	for _, f := range families {
		rep.Families = append(rep.Families, aggregate(f, rep.Entries, func(e *EntryReport) bool { return e.Family == f }))
	}
	rep.Overall = aggregate("overall", rep.Entries, func(*EntryReport) bool { return true })
	return rep, nil
}

// infraErrors counts the errors of infrastructure codes (runner.InfraError).
func infraErrors(m map[dojo.Code]int) int {
	n := 0
	for c, k := range m {
		if runner.InfraError(c) {
			n += k
		}
	}
	return n
}

// notRun keeps of an entry none of whose episodes could be played its
// label, size and error counts.
func notRun(er EntryReport) EntryReport {
	return EntryReport{
		Label: er.Label, Env: er.Env, Family: er.Family, Tasks: er.Tasks, Trials: er.Trials,
		Unplayable: er.Unplayable, Episodes: er.Episodes, Errors: er.Errors,
		ErrorCodes: er.ErrorCodes, ErrorMessages: er.ErrorMessages, UsageTotal: er.UsageTotal,
		EpisodeSeconds: er.EpisodeSeconds,
	}
}

func codes(m map[dojo.Code]int) string {
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s: %d", c, m[c]))
	}
	return strings.Join(parts, ", ")
}

// readEpisodeFile reads an episode file; a missing file has no episodes.
func readEpisodeFile(path string) ([]runner.Episode, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	eps, err := runner.ReadEpisodes(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return eps, nil
}

// summarizeEntry fills er from the episodes of each trial.
func summarizeEntry(er *EntryReport, me *ManifestEntry, trials [][]runner.Episode) {
	perTask := make([]struct{ n, c int }, me.Tasks)
	var lengths int
	var completed int
	parts := map[string]*PartStat{}
	var partOrder []string
	seriesSum := map[string][]float64{}
	seriesN := map[string][]int{}
	finals := map[string]float64{}
	for _, eps := range trials {
		for i := range eps {
			ep := &eps[i]
			er.Episodes++
			er.EpisodeSeconds += ep.WallMS / 1000
			if ep.Success {
				er.Successes++
				er.successes = append(er.successes, 1)
			} else {
				er.successes = append(er.successes, 0)
			}
			if task := ep.Episode; task >= 0 && task < len(perTask) {
				perTask[task].n++
				if ep.Success {
					perTask[task].c++
				}
			}
			for k, v := range ep.Usage {
				if er.UsageTotal == nil {
					er.UsageTotal = map[string]float64{}
				}
				er.UsageTotal[k] += v
			}
			if ep.Error != "" {
				er.Errors++
				if er.ErrorCodes == nil {
					er.ErrorCodes = map[dojo.Code]int{}
				}
				code := ep.ErrorCode
				if code == "" {
					code = dojo.CodeInternal
				}
				er.ErrorCodes[code]++
				if _, ok := er.ErrorMessages[code]; !ok {
					if er.ErrorMessages == nil {
						er.ErrorMessages = map[dojo.Code]string{}
					}
					er.ErrorMessages[code] = ep.Error
				}
				continue
			}
			completed++
			lengths += ep.Length
			if !math.IsNaN(ep.Return) && !math.IsInf(ep.Return, 0) {
				er.returns = append(er.returns, ep.Return)
			}
			for _, p := range ep.Parts {
				ps, ok := parts[p.Name]
				if !ok {
					ps = &PartStat{Name: p.Name}
					parts[p.Name] = ps
					partOrder = append(partOrder, p.Name)
				}
				ps.Weight = p.Weight
				ps.Mean += p.Sum
				if p.Fired > 0 {
					ps.Fired++
				}
			}
			for name, xs := range ep.Series {
				sum, n := seriesSum[name], seriesN[name]
				for len(sum) < len(xs) {
					sum, n = append(sum, 0), append(n, 0)
				}
				for t, x := range xs {
					sum[t] += x
					n[t]++
				}
				seriesSum[name], seriesN[name] = sum, n
				if len(xs) > 0 {
					finals[name] += xs[len(xs)-1]
				}
			}
		}
	}
	if er.Episodes == 0 {
		return
	}
	er.SuccessRate = float64(er.Successes) / float64(er.Episodes)
	er.SuccessCI = stats.Wilson(er.Successes, er.Episodes, Confidence)
	er.PassAtK = make([]float64, er.Trials)
	er.PassHatK = make([]float64, er.Trials)
	for k := 1; k <= er.Trials; k++ {
		var at, hat float64
		var tasks int
		for _, pt := range perTask {
			if pt.n < k {
				continue // an unfinished task: not enough trials for k
			}
			at += stats.PassAtK(pt.n, pt.c, k)
			hat += stats.PassHatK(pt.n, pt.c, k)
			tasks++
		}
		if tasks > 0 {
			er.PassAtK[k-1], er.PassHatK[k-1] = at/float64(tasks), hat/float64(tasks)
		}
	}
	if len(er.returns) > 0 {
		e := stats.Mean(er.returns, Confidence)
		er.MeanReturn, er.ReturnStd = e.Mean, e.Std
		iv := stats.Bootstrap(er.returns, Confidence, bootstrapReps, seedOf("return", er.Label))
		er.ReturnCI = &iv
	}
	if completed > 0 {
		er.MeanLength = float64(lengths) / float64(completed)
		for _, name := range partOrder {
			ps := parts[name]
			ps.Mean /= float64(completed)
			ps.Contribution = ps.Weight * ps.Mean
			ps.Fired /= float64(completed)
			er.Parts = append(er.Parts, *ps)
		}
		for name, sum := range seriesSum {
			n := seriesN[name]
			curve := make([]float64, len(sum))
			for t := range sum {
				curve[t] = sum[t] / float64(n[t])
			}
			if er.curves == nil {
				er.curves, er.SeriesFinal = map[string][]float64{}, map[string]float64{}
			}
			er.curves[name] = curve
			er.SeriesFinal[name] = finals[name] / float64(completed)
		}
	}
	if er.UsageTotal != nil {
		er.Usage = map[string]float64{}
		for k, v := range er.UsageTotal {
			er.Usage[k] = v / float64(er.Episodes)
		}
	}
}

// aggregate averages the played entries that keep selects.
func aggregate(name string, entries []EntryReport, keep func(*EntryReport) bool) Aggregate {
	a := Aggregate{Name: name}
	var groups [][]float64
	var rates, scores float64
	for i := range entries {
		e := &entries[i]
		if !e.Played || !keep(e) {
			continue
		}
		a.Entries++
		a.Episodes += e.Episodes
		rates += e.SuccessRate
		groups = append(groups, e.successes)
		if e.Score != nil {
			scores += *e.Score
			a.ScoreEntries++
		}
		for k, v := range e.UsageTotal {
			if a.UsageTotal == nil {
				a.UsageTotal = map[string]float64{}
			}
			a.UsageTotal[k] += v
		}
	}
	if a.Entries == 0 {
		return a
	}
	a.SuccessRate = rates / float64(a.Entries)
	iv := stats.BootstrapMeanOfMeans(groups, Confidence, bootstrapReps, seedOf("success", name))
	a.SuccessCI = &iv
	if a.ScoreEntries > 0 {
		s := scores / float64(a.ScoreEntries)
		a.Score = &s
	}
	return a
}

// WriteFiles writes report.json, report.md and the plots (success.png,
// returns.png, parts.png, and regret.png when an entry records regret) to
// dir.
func (r *Report) WriteFiles(dir string) error {
	return writeFiles(dir, "report", r, []*Report{r}, r.writeMarkdown)
}

// writeFiles writes name.json (v), the plots of reps, and name.md, which
// md writes knowing the plots' file names.
func writeFiles(dir, name string, v any, reps []*Report, md func(w io.Writer, plots []string)) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return dojo.Errorf(dojo.CodeInternal, "%s.json: %v", name, err)
	}
	if err := writeFileAtomic(filepath.Join(dir, name+".json"), append(b, '\n')); err != nil {
		return err
	}
	plots, err := writePlots(dir, reps)
	if err != nil {
		return err
	}
	var text strings.Builder
	md(&text, plots)
	return writeFileAtomic(filepath.Join(dir, name+".md"), []byte(text.String()))
}
