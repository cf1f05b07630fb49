// Package group scores groups of responses sampled for one prompt, as
// GRPO-style trainers do: each response's reward from one of dojo's
// scorers, GRPO-λ's correctness-gated length penalty, and the
// group-normalised advantages, so that a trainer's numbers can be checked
// against an independent computation. dojo reward group reads one JSON line
// per group and writes one line per group (see Run).
//
// # Scorers
//
// Each response r_i of a group gets a base reward b_i, its parts, and a
// verdict c_i (correct or not) from the group's scorer:
//
//	em        b = SQuAD v1.1 exact match of dojo.Answer(r) (the last <answer>
//	          block, or the text) against the golds, max over golds; c = (b = 1)
//	f1        b = SQuAD v1.1 token F1 of the same answer, max over golds;
//	          c = (b = 1)
//	searchr1  b = Search-R1's format-aware reward of the whole response
//	          (reward.SearchR1: 1, 0.8, 0.3, 0.2, 0.1 or 0); c = its answer
//	          matches a gold (EM), whatever the format
//	toolrl    b = ToolRL's format + correctness (reward.ToolRL, in [−3, 4])
//	          against golds[0], a ToolRL ground truth; c = correctness = 3
//	          (every call matches) when the gold has tool calls, else
//	          format = 1
//	sql       b = 1 if the SQL of the response (envs/sql.ExtractSQL)
//	          executes to the result of some gold query on the group's
//	          database (envs/sql.ExecMatch, spider or bird mode), else 0;
//	          c = (b = 1)
//
// An sql group names its database with "db" (the path of a SQLite file) or
// "db_id" (the folder name of Spider's layout, DIR/db_id/db_id.sqlite
// under Options.DBDir); "mode" is spider (default) or bird, and
// "keep_distinct" keeps DISTINCT in spider mode. A gold query that fails is
// an error of the line; a response whose SQL fails scores 0 and its error
// is reported.
//
// # GRPO-λ's correctness-gated length penalty
//
// Dai, Liu and Si, "Stable Reinforcement Learning for Efficient Reasoning"
// (arXiv:2505.18086, 2025), propose GRPO-λ: within a training batch, the
// groups are ranked by their correctness ratio (the share of correct
// completions) and the top λ fraction of them get an efficiency-first,
// length-penalised reward, the others the plain 0/1 reward. For completion
// i of query k, with L_k^i its length and σ the logistic sigmoid, the
// paper's efficiency-first reward is
//
//	r_k^i = 1 − α·σ((L_k^i − mean(L_k)_correct) / std(L_k)_correct)   if O_k^i is correct
//	r_k^i = 0                                                         if O_k^i is wrong
//
// where mean(L_k)_correct and std(L_k)_correct are the mean and standard
// deviation of the lengths of the group's correct completions, and the
// accuracy-first reward is r_k^i = 1 if correct, 0 if wrong.
//
// Here the length term of response i of a gated group is
//
//	ℓ_i = −α·σ(z_i),  z_i = (L_i − m)/s   for a correct response, else ℓ_i = 0
//
// with m and s the mean and population standard deviation of the lengths
// of the group's correct responses (the paper writes std without saying
// which; z_i = 0 when s = 0: all of them have the same length, or there is
// one), and the reward is r_i = b_i + ℓ_i;
// in a group that is not gated r_i = b_i. For a 0/1 scorer (em, sql) this
// is exactly the paper's formula; for the others the length term is added
// to their reward. The gate (Options.Gate) is
//
//	threshold  gated iff the group's accuracy a = (1/G)·Σ c_i ≥ λ
//	           (λ per group; a group needs no other group)
//	top        the paper's rule: among the groups of a batch (the lines
//	           with the same "batch" value; all lines without one form one
//	           batch), the ⌈λ·B⌉ of highest accuracy are gated, ties
//	           broken by input order
//	none       no length term
//
// Lengths L_i are the "lengths" of the line when given (a trainer's token
// counts, which dojo cannot know), otherwise the responses' lengths in
// Unicode code points.
//
// # Advantages
//
// With r_1..r_G the group's rewards, mean μ = (1/G)·Σ r_i and standard
// deviation s, GRPO's group-normalised advantage (Shao et al., DeepSeekMath,
// 2024) is
//
//	A_i = (r_i − μ) / (s + ε)
//
// and Dr. GRPO's (Liu et al., "Understanding R1-Zero-Like Training: A
// Critical Perspective", 2025) drops the division:
//
//	A_i = r_i − μ
//
// s is the sample standard deviation √(Σ(r_i − μ)²/(G − 1)) by default
// (Options.Std = StdSample: what PyTorch's tensor.std() computes, and so
// what trainers built on it divide by) or the population one
// √(Σ(r_i − μ)²/G) (StdPopulation, NumPy's default); a group of one
// response has s = 0. ε defaults to 1e-6.
package group

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dojo-rl/dojo"
	sqlenv "github.com/dojo-rl/dojo/envs/sql"
	"github.com/dojo-rl/dojo/reward"
)

// Gate says which groups get the length term.
type Gate string

// Gates.
const (
	GateNone      Gate = "none"
	GateThreshold Gate = "threshold"
	GateTop       Gate = "top"
)

// Std chooses the standard deviation of the advantages.
type Std string

// Standard deviations.
const (
	StdSample     Std = "sample"
	StdPopulation Std = "population"
)

// Options are the defaults of every group; a line may override Lambda,
// Alpha, Std and Eps (but not Lambda under GateTop, where it is the
// batch's).
type Options struct {
	Gate   Gate
	Lambda float64 // the gate's λ, in [0, 1]
	Alpha  float64 // the length penalty's α ≥ 0
	Std    Std
	Eps    float64 // ε ≥ 0 of the GRPO advantage
	// DBDir resolves an sql group's "db_id" (DBDir/db_id/db_id.sqlite).
	DBDir string
	// Timeout bounds each SQL query pair (default 30 s).
	Timeout time.Duration
}

// DefaultOptions are the defaults of dojo reward group: threshold gate
// with λ = 0.5 and α = 0.6, sample standard deviation, ε = 1e-6.
func DefaultOptions() Options {
	return Options{Gate: GateThreshold, Lambda: 0.5, Alpha: 0.6, Std: StdSample, Eps: 1e-6, Timeout: 30 * time.Second}
}

// Line is one input group.
type Line struct {
	Responses []string  `json:"responses"`
	Golds     []string  `json:"golds"`
	Scorer    string    `json:"scorer"`
	Lengths   []float64 `json:"lengths,omitempty"`
	// Batch names the batch the group belongs to, for GateTop.
	Batch json.RawMessage `json:"batch,omitempty"`
	// Overrides of Options.
	Lambda *float64 `json:"lambda,omitempty"`
	Alpha  *float64 `json:"alpha,omitempty"`
	Std    *Std     `json:"std,omitempty"`
	Eps    *float64 `json:"eps,omitempty"`
	// The sql scorer's database and match mode.
	DB           string `json:"db,omitempty"`
	DBID         string `json:"db_id,omitempty"`
	Mode         string `json:"mode,omitempty"`
	KeepDistinct bool   `json:"keep_distinct,omitempty"`
}

// Result is one output group.
type Result struct {
	Scorer string          `json:"scorer"`
	Batch  json.RawMessage `json:"batch,omitempty"`
	// Rewards are r_i = b_i + ℓ_i; Parts each response's scorer parts and
	// its length term ("length").
	Rewards  []float64            `json:"rewards"`
	Parts    []map[string]float64 `json:"parts"`
	Correct  []bool               `json:"correct"`
	Lengths  []float64            `json:"lengths"`
	Accuracy float64              `json:"accuracy"`
	// Gated says whether the group got the length term.
	Gated bool    `json:"gated"`
	Mean  float64 `json:"mean"`
	Std   float64 `json:"std"`
	// Advantages are GRPO's (r_i − μ)/(s + ε), DrAdvantages Dr. GRPO's
	// r_i − μ.
	Advantages   []float64 `json:"advantages"`
	DrAdvantages []float64 `json:"advantages_dr"`
	// Errors are the responses' scoring errors (an SQL that fails), ""
	// for none; absent when there are none.
	Errors []string `json:"errors,omitempty"`
}

// Scorers lists the scorer names.
var Scorers = []string{"em", "f1", "searchr1", "toolrl", "sql"}

// Scorer scores groups. It keeps the SQL databases it opens; Close them.
type Scorer struct {
	opt Options
	dbs map[string]*sqlenv.DB
}

// NewScorer returns a scorer with the given options, after checking them.
func NewScorer(opt Options) (*Scorer, error) {
	if err := checkOptions(opt); err != nil {
		return nil, err
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 30 * time.Second
	}
	return &Scorer{opt: opt, dbs: map[string]*sqlenv.DB{}}, nil
}

// optionError names the option at fault.
type optionError struct{ name, msg string }

func (e *optionError) Error() string { return e.name + " " + e.msg }

func checkOptions(o Options) error {
	switch {
	case o.Gate != GateNone && o.Gate != GateThreshold && o.Gate != GateTop:
		return &optionError{"gate", fmt.Sprintf("%q: want none, threshold or top", o.Gate)}
	case !(o.Lambda >= 0 && o.Lambda <= 1):
		return &optionError{"lambda", fmt.Sprintf("%v: want a number in [0, 1]", o.Lambda)}
	case !(o.Alpha >= 0) || math.IsInf(o.Alpha, 0):
		return &optionError{"alpha", fmt.Sprintf("%v: want a number ≥ 0", o.Alpha)}
	case o.Std != StdSample && o.Std != StdPopulation:
		return &optionError{"std", fmt.Sprintf("%q: want sample or population", o.Std)}
	case !(o.Eps >= 0) || math.IsInf(o.Eps, 0):
		return &optionError{"eps", fmt.Sprintf("%v: want a number ≥ 0", o.Eps)}
	}
	return nil
}

// Close closes the databases.
func (s *Scorer) Close() error {
	var errs []error
	for _, db := range s.dbs {
		errs = append(errs, db.Close())
	}
	s.dbs = nil
	return errors.Join(errs...)
}

// ParseLine reads one input line, naming the field at fault.
func ParseLine(b []byte) (Line, error) {
	var l Line
	if len(bytes.TrimSpace(b)) == 0 {
		return l, errors.New(`empty line: want {"responses": [...], "golds": [...], "scorer": "em|f1|searchr1|toolrl|sql"}`)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return l, fmt.Errorf("field %q: got a JSON %s, want %s", te.Field, te.Value, jsonKind(te.Type.String()))
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return l, fmt.Errorf("unknown field %s (fields: responses, golds, scorer, lengths, batch, lambda, alpha, std, eps, db, db_id, mode, keep_distinct)", f)
		}
		return l, fmt.Errorf("not a JSON object: %v", err)
	}
	if dec.More() {
		return l, errors.New("more than one JSON value on the line")
	}
	switch {
	case l.Responses == nil:
		return l, errors.New(`field "responses": missing (the group's responses, a list of strings)`)
	case len(l.Responses) == 0:
		return l, errors.New(`field "responses": empty: a group needs at least one response`)
	case l.Golds == nil:
		return l, errors.New(`field "golds": missing (a list of gold answers; for toolrl the ToolRL ground truth, for sql the gold queries)`)
	case len(l.Golds) == 0:
		return l, errors.New(`field "golds": empty: give at least one gold`)
	case l.Scorer == "":
		return l, fmt.Errorf(`field "scorer": missing (one of %s)`, strings.Join(Scorers, ", "))
	case !slices.Contains(Scorers, l.Scorer):
		return l, fmt.Errorf(`field "scorer": unknown scorer %q (scorers: %s)`, l.Scorer, strings.Join(Scorers, ", "))
	case l.Lengths != nil && len(l.Lengths) != len(l.Responses):
		return l, fmt.Errorf(`field "lengths": %d lengths for %d responses`, len(l.Lengths), len(l.Responses))
	case l.Scorer == "toolrl" && len(l.Golds) != 1:
		return l, fmt.Errorf(`field "golds": toolrl takes one ground truth, got %d`, len(l.Golds))
	}
	for i, x := range l.Lengths {
		if !(x >= 0) || math.IsInf(x, 0) {
			return l, fmt.Errorf(`field "lengths": lengths[%d] = %v: want a number ≥ 0`, i, x)
		}
	}
	if l.Scorer != "sql" && (l.DB != "" || l.DBID != "" || l.Mode != "" || l.KeepDistinct) {
		return l, fmt.Errorf(`field "db", "db_id", "mode" or "keep_distinct": only the sql scorer takes them (scorer is %s)`, l.Scorer)
	}
	if l.Scorer == "sql" {
		switch {
		case l.DB == "" && l.DBID == "":
			return l, errors.New(`field "db": missing: an sql group names its database with "db" (a SQLite file) or "db_id" (with --db-dir)`)
		case l.DB != "" && l.DBID != "":
			return l, errors.New(`fields "db" and "db_id": give one, not both`)
		case l.Mode != "" && l.Mode != string(sqlenv.ModeSpider) && l.Mode != string(sqlenv.ModeBird):
			return l, fmt.Errorf(`field "mode": %q: want spider or bird`, l.Mode)
		}
	}
	return l, nil
}

func jsonKind(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]string"):
		return "a list of strings"
	case strings.HasPrefix(goType, "[]float64"):
		return "a list of numbers"
	case goType == "string", goType == "group.Std":
		return "a string"
	case goType == "float64":
		return "a number"
	case goType == "bool":
		return "true or false"
	}
	return goType
}

// options applies a line's overrides.
func (s *Scorer) options(l *Line) (Options, error) {
	o := s.opt
	if l.Lambda != nil {
		if o.Gate == GateTop {
			return o, errors.New(`field "lambda": with the top gate λ is the batch's, set for the run (--lambda)`)
		}
		o.Lambda = *l.Lambda
	}
	if l.Alpha != nil {
		o.Alpha = *l.Alpha
	}
	if l.Std != nil {
		o.Std = *l.Std
	}
	if l.Eps != nil {
		o.Eps = *l.Eps
	}
	if err := checkOptions(o); err != nil {
		var oe *optionError
		if errors.As(err, &oe) {
			return o, fmt.Errorf("field %q: %s", oe.name, oe.msg)
		}
		return o, err
	}
	return o, nil
}

// base scores every response: the base rewards, parts and verdicts.
func (s *Scorer) base(ctx context.Context, l *Line) (*Result, error) {
	n := len(l.Responses)
	res := &Result{Scorer: l.Scorer, Batch: l.Batch, Rewards: make([]float64, n), Parts: make([]map[string]float64, n),
		Correct: make([]bool, n), Lengths: make([]float64, n)}
	var errs []string
	for i, r := range l.Responses {
		if l.Lengths != nil {
			res.Lengths[i] = l.Lengths[i]
		} else {
			res.Lengths[i] = float64(utf8.RuneCountInString(r))
		}
	}
	switch l.Scorer {
	case "em":
		for i, r := range l.Responses {
			em := reward.ExactMatch(dojo.Answer(r), l.Golds)
			res.Rewards[i], res.Parts[i], res.Correct[i] = em, map[string]float64{"em": em}, em == 1
		}
	case "f1":
		for i, r := range l.Responses {
			f1 := reward.TokenF1(dojo.Answer(r), l.Golds)
			res.Rewards[i], res.Parts[i], res.Correct[i] = f1, map[string]float64{"f1": f1}, f1 == 1
		}
	case "searchr1":
		for i, r := range l.Responses {
			sc := reward.SearchR1(r, l.Golds)
			em, st, ff, rt := sc.Parts()
			res.Rewards[i], res.Correct[i] = sc.Reward, sc.Answered && sc.EM
			res.Parts[i] = map[string]float64{"em": em, "structure": st, "final_format": ff, "retrieval": rt}
		}
	case "toolrl":
		hasCalls := strings.Contains(l.Golds[0], "<tool_call>")
		for i, r := range l.Responses {
			total, format, corr, err := reward.ToolRL(l.Golds[0], r)
			if err != nil {
				return nil, fmt.Errorf(`field "golds": the ToolRL ground truth does not parse: %v`, err)
			}
			res.Rewards[i], res.Parts[i] = total, map[string]float64{"format": format, "correctness": corr}
			res.Correct[i] = hasCalls && corr == 3 || !hasCalls && format == 1
		}
	case "sql":
		errs = make([]string, n)
		db, err := s.db(l)
		if err != nil {
			return nil, err
		}
		mode := sqlenv.ModeSpider
		if l.Mode != "" {
			mode = sqlenv.Mode(l.Mode)
		}
		for gi, g := range l.Golds {
			q := g
			if mode == sqlenv.ModeSpider && !l.KeepDistinct {
				q = sqlenv.RemoveDistinct(g)
			}
			qctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
			_, err := db.Gold(qctx, q)
			cancel()
			if err != nil {
				return nil, fmt.Errorf(`field "golds": gold query %d fails: %v`, gi, err)
			}
		}
		for i, r := range l.Responses {
			pred := sqlenv.ExtractSQL(r)
			res.Parts[i] = map[string]float64{"exec": 0}
			if pred == "" {
				errs[i] = "no SQL in the response"
				continue
			}
			for _, g := range l.Golds {
				qctx, cancel := context.WithTimeout(ctx, s.opt.Timeout)
				ok, err := sqlenv.ExecMatch(qctx, db, g, pred, mode, l.KeepDistinct)
				cancel()
				if err := dojo.CheckContext(ctx); err != nil {
					return nil, err
				}
				if ok {
					res.Rewards[i], res.Parts[i]["exec"], res.Correct[i], errs[i] = 1, 1, true, ""
					break
				}
				if err != nil {
					errs[i] = err.Error()
				}
			}
		}
	}
	if slices.ContainsFunc(errs, func(e string) bool { return e != "" }) {
		res.Errors = errs
	}
	for _, c := range res.Correct {
		if c {
			res.Accuracy++
		}
	}
	res.Accuracy /= float64(n)
	return res, nil
}

// db opens (once) the database of an sql line.
func (s *Scorer) db(l *Line) (*sqlenv.DB, error) {
	path, field := l.DB, "db"
	if l.DBID != "" {
		field = "db_id"
		if s.opt.DBDir == "" {
			return nil, errors.New(`field "db_id": needs the databases' folder (--db-dir DIR, holding DIR/db_id/db_id.sqlite), or name the file with "db"`)
		}
		if strings.ContainsAny(l.DBID, `/\`) || l.DBID == "." || l.DBID == ".." {
			return nil, fmt.Errorf(`field "db_id": %q is not a database folder name`, l.DBID)
		}
		path = filepath.Join(s.opt.DBDir, l.DBID, l.DBID+".sqlite")
	}
	if db := s.dbs[path]; db != nil {
		return db, nil
	}
	db, err := sqlenv.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("field %q: %v", field, err)
	}
	s.dbs[path] = db
	return db, nil
}

// Sigmoid is the logistic function 1/(1 + e^−x).
func Sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// LengthTerms returns ℓ_i = −α·σ((L_i − m)/s) for the correct responses
// and 0 for the others, m and s the mean and population standard
// deviation of the correct responses' lengths (z = 0 when s = 0).
func LengthTerms(correct []bool, lengths []float64, alpha float64) []float64 {
	var ls []float64
	for i, c := range correct {
		if c {
			ls = append(ls, lengths[i])
		}
	}
	out := make([]float64, len(correct))
	if len(ls) == 0 {
		return out
	}
	m, s := meanStd(ls, StdPopulation)
	for i, c := range correct {
		if !c {
			continue
		}
		z := 0.0
		if s > 0 {
			z = (lengths[i] - m) / s
		}
		out[i] = -alpha * Sigmoid(z)
	}
	return out
}

// meanStd returns the mean and standard deviation of xs (0 for one value).
func meanStd(xs []float64, std Std) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	if len(xs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	d := float64(len(xs))
	if std == StdSample {
		d--
	}
	return mean, math.Sqrt(ss / d)
}

// Advantages returns GRPO's (r_i − μ)/(s + ε), the mean μ and the
// standard deviation s (sample or population; 0 for one reward).
func Advantages(r []float64, std Std, eps float64) (adv []float64, mean, sd float64) {
	mean, sd = meanStd(r, std)
	adv = make([]float64, len(r))
	for i, x := range r {
		adv[i] = (x - mean) / (sd + eps)
	}
	return adv, mean, sd
}

// DrAdvantages returns Dr. GRPO's r_i − μ.
func DrAdvantages(r []float64) []float64 {
	mean, _ := meanStd(r, StdPopulation)
	out := make([]float64, len(r))
	for i, x := range r {
		out[i] = x - mean
	}
	return out
}

// TopLambda returns which of B groups of accuracies acc are among the
// ⌈λ·B⌉ most accurate (ties broken by order).
func TopLambda(acc []float64, lambda float64) []bool {
	idx := make([]int, len(acc))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case acc[a] > acc[b]:
			return -1
		case acc[a] < acc[b]:
			return 1
		}
		return 0
	})
	k := int(math.Ceil(lambda * float64(len(acc))))
	out := make([]bool, len(acc))
	for _, i := range idx[:min(k, len(idx))] {
		out[i] = true
	}
	return out
}

// finish applies the gate's verdict, the length terms and the advantages.
func finish(res *Result, gated bool, o Options) {
	res.Gated = gated
	terms := make([]float64, len(res.Rewards))
	if gated {
		terms = LengthTerms(res.Correct, res.Lengths, o.Alpha)
	}
	for i := range res.Rewards {
		res.Parts[i]["length"] = terms[i]
		res.Rewards[i] += terms[i]
	}
	res.Advantages, res.Mean, res.Std = Advantages(res.Rewards, o.Std, o.Eps)
	res.DrAdvantages = DrAdvantages(res.Rewards)
}

// Score scores one group under the threshold or no gate (GateTop needs
// the batch: use Run).
func (s *Scorer) Score(ctx context.Context, l Line) (*Result, error) {
	o, err := s.options(&l)
	if err != nil {
		return nil, err
	}
	if o.Gate == GateTop {
		return nil, errors.New("the top gate ranks the groups of a batch: score them with Run")
	}
	res, err := s.base(ctx, &l)
	if err != nil {
		return nil, err
	}
	finish(res, o.Gate == GateThreshold && res.Accuracy >= o.Lambda, o)
	return res, nil
}

// LineError is the output of a line that could not be scored.
type LineError struct {
	Error string `json:"error"`
}

// Run scores the groups of r, one JSON Line each, and writes one line per
// input line to w, in order: a Result, or {"error": "line N: ..."} naming
// the field at fault. A bad line does not stop the others (and, under the
// top gate, is left out of its batch's ranking). It returns the number of
// lines and of failed lines; err is for reading, writing or cancellation.
// Under the top gate every line is read before any is written.
func Run(ctx context.Context, r io.Reader, w io.Writer, opt Options) (lines, failed int, err error) {
	s, err := NewScorer(opt)
	if err != nil {
		return 0, 0, err
	}
	defer s.Close()
	out := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 256<<20)

	type pending struct {
		res *Result
		o   Options
		err error
	}
	var held []pending // under the top gate
	emit := func(p pending) error {
		if p.err != nil {
			failed++
			return enc.Encode(LineError{p.err.Error()})
		}
		return enc.Encode(p.res)
	}
	for sc.Scan() {
		lines++
		if err := dojo.CheckContext(ctx); err != nil {
			out.Flush()
			return lines, failed, err
		}
		var p pending
		l, err := ParseLine(sc.Bytes())
		if err == nil {
			p.o, err = s.options(&l)
		}
		if err == nil {
			p.res, err = s.base(ctx, &l)
		}
		if err != nil {
			if cerr := dojo.CheckContext(ctx); cerr != nil {
				out.Flush()
				return lines, failed, cerr
			}
			p.err = fmt.Errorf("line %d: %v", lines, err)
		}
		if opt.Gate == GateTop {
			held = append(held, p)
			continue
		}
		if p.err == nil {
			finish(p.res, p.o.Gate == GateThreshold && p.res.Accuracy >= p.o.Lambda, p.o)
		}
		if err := emit(p); err != nil {
			return lines, failed, err
		}
	}
	if err := sc.Err(); err != nil {
		out.Flush()
		return lines, failed, fmt.Errorf("reading line %d: %w", lines+1, err)
	}
	if opt.Gate == GateTop {
		batches := map[string][]int{}
		var order []string
		for i, p := range held {
			if p.err != nil {
				continue
			}
			k := string(p.res.Batch)
			if _, ok := batches[k]; !ok {
				order = append(order, k)
			}
			batches[k] = append(batches[k], i)
		}
		for _, k := range order {
			idx := batches[k]
			acc := make([]float64, len(idx))
			for j, i := range idx {
				acc[j] = held[i].res.Accuracy
			}
			for j, top := range TopLambda(acc, opt.Lambda) {
				p := held[idx[j]]
				finish(p.res, top, p.o)
			}
		}
		for _, p := range held {
			if err := emit(p); err != nil {
				return lines, failed, err
			}
		}
	}
	return lines, failed, out.Flush()
}
