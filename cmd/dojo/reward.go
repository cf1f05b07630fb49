package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

// scorer is a standalone reward function of dojo reward.
type scorer struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

var scorers []scorer

func init() {
	scorers = []scorer{
		{"toolrl", `ToolRL's reward (format + correctness): stdin {"gold", "response"} lines -> {"reward", "parts"} lines`, rewardToolRL},
		{"bfcl", `BFCL's AST checker: --questions Q --answers A [--underscore-to-dot=false], stdin {"id", "response"|"tool_calls"} lines -> {"id", "ok", "reason"} lines`, rewardBFCL},
		{"em", `SQuAD v1.1 exact match of the response's answer (last <answer> block, or the text), max over golds: stdin {"response", "golds"} lines -> {"reward", "parts"} lines`, rewardQA("em", scoreEMLine)},
		{"f1", `SQuAD v1.1 token F1 of the response's answer, max over golds: stdin {"response", "golds"} lines -> {"reward", "parts"} lines`, rewardQA("f1", scoreF1Line)},
		{"group", `GRPO group rewards: stdin {"responses", "golds", "scorer": em|f1|searchr1|toolrl|sql} lines -> per-response rewards and parts, GRPO-λ's gated length penalty, advantages`, rewardGroup},
		{"searchr1", `Search-R1's format-aware EM reward (structure 0.2, final format 0.1, retrieval 0.1) of the whole response: stdin {"response", "golds"} lines -> {"reward", "parts"} lines`, rewardQA("searchr1", scoreSearchR1Line)},
		{"audit", `exact check of reward profiles on an env with a model (toy text, small MiniGrid worlds, Bernoulli/Gaussian bandits): ID [--opt k=v] [--reward P ...] [--seed N] [--json] -> whether each profile's optimal policy is optimal for the sparse task`, rewardAudit},
		{"distance", `STARC distance between two rewards of an env with a model: ID --a P --b Q [--finite] (profiles, JSON weights, or reward table files)`, rewardDistance},
	}
}

// cmdReward runs a standalone scorer, or lists them.
func cmdReward(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(a.stdout, "scorers (dojo reward NAME; NAME -h for its flags):")
		for _, s := range scorers {
			fmt.Fprintf(a.stdout, "  %-7s %s\n", s.name, s.summary)
		}
		return nil
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		return cmdReward(ctx, a, nil)
	}
	for _, s := range scorers {
		if s.name == name {
			return s.run(ctx, a, args[1:])
		}
	}
	var names []string
	for _, s := range scorers {
		names = append(names, s.name)
	}
	return usagef("unknown scorer %q (scorers: %s; dojo reward lists them)", name, strings.Join(names, ", "))
}

// lineScanner reads stdin's lines, as long as 64 MiB.
func lineScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	return sc
}

type toolRLIn struct {
	Gold     *string `json:"gold"`
	Response *string `json:"response"`
}

type toolRLOut struct {
	Reward float64 `json:"reward"`
	Parts  struct {
		Format      float64 `json:"format"`
		Correctness float64 `json:"correctness"`
	} `json:"parts"`
}

type lineErr struct {
	Error string `json:"error"`
}

// rewardToolRL scores {"gold", "response"} lines with ToolRL's reward.
func rewardToolRL(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "reward toolrl", "< lines of {\"gold\": ToolRL ground truth, \"response\": assistant text}")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("reward toolrl takes no arguments, got %q (it reads JSON lines from stdin)", pos)
	}
	return scoreLines(ctx, a, func(line []byte) (any, error) { return scoreToolRLLine(line) })
}

// scoreLines scores stdin's lines with score, writing one line per input in
// order: score's result, or {"error": "line N: ..."} for a line it
// rejects. Failed lines make the command fail once all are written.
func scoreLines(ctx context.Context, a *app, score func(line []byte) (any, error)) error {
	out := bufio.NewWriterSize(a.stdout, 64<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	sc := lineScanner(os.Stdin)
	n, failed := 0, 0
	for sc.Scan() {
		n++
		if n%1024 == 0 {
			if err := dojo.CheckContext(ctx); err != nil {
				out.Flush()
				return err
			}
		}
		res, err := score(sc.Bytes())
		if err != nil {
			failed++
			enc.Encode(lineErr{fmt.Sprintf("line %d: %v", n, err)})
			continue
		}
		enc.Encode(res)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d lines could not be scored (their output lines hold the errors)", failed, n)
	}
	return nil
}

// rewardQA makes the command of a question-answering scorer: lines of
// {"response", "golds"}.
func rewardQA(name string, score func(response string, golds []string) any) func(ctx context.Context, a *app, args []string) error {
	return func(ctx context.Context, a *app, args []string) error {
		fs := newFlags(a, "reward "+name, "< lines of {\"response\": the model's text, \"golds\": [gold answers]}")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return usagef("reward %s takes no arguments, got %q (it reads JSON lines from stdin)", name, pos)
		}
		return scoreLines(ctx, a, func(line []byte) (any, error) {
			response, golds, err := qaLine(line)
			if err != nil {
				return nil, err
			}
			return score(response, golds), nil
		})
	}
}

// qaLine reads {"response": string, "golds": [string, ...]}.
func qaLine(line []byte) (string, []string, error) {
	var in struct {
		Response *string   `json:"response"`
		Golds    *[]string `json:"golds"`
	}
	if len(bytes.TrimSpace(line)) == 0 {
		return "", nil, errors.New(`empty line: want {"response": "...", "golds": ["..."]}`)
	}
	if err := json.Unmarshal(line, &in); err != nil {
		return "", nil, fmt.Errorf(`not a JSON object {"response": "...", "golds": ["..."]} with a string and a list of strings: %v`, err)
	}
	if in.Response == nil || in.Golds == nil {
		return "", nil, errors.New(`want both "response" (the model's text) and "golds" (a list of gold answers)`)
	}
	if len(*in.Golds) == 0 {
		return "", nil, errors.New(`"golds" is empty: give at least one gold answer`)
	}
	return *in.Response, *in.Golds, nil
}

type qaOut struct {
	Reward float64            `json:"reward"`
	Parts  map[string]float64 `json:"parts"`
}

// scoreEMLine and scoreF1Line score the response's answer (dojo.Answer:
// its last <answer> block, or the whole text) as SQuAD v1.1 does.
func scoreEMLine(response string, golds []string) any {
	em := reward.ExactMatch(dojo.Answer(response), golds)
	return qaOut{em, map[string]float64{"em": em}}
}

func scoreF1Line(response string, golds []string) any {
	f1 := reward.TokenF1(dojo.Answer(response), golds)
	return qaOut{f1, map[string]float64{"f1": f1}}
}

// searchR1Out is a line of dojo reward searchr1: the reward and its terms.
type searchR1Out struct {
	Reward float64 `json:"reward"`
	Parts  struct {
		EM          float64 `json:"em"`
		Structure   float64 `json:"structure"`
		FinalFormat float64 `json:"final_format"`
		Retrieval   float64 `json:"retrieval"`
	} `json:"parts"`
}

// scoreSearchR1Line scores the whole response with Search-R1's reward; the
// parts are its terms, which sum to it.
func scoreSearchR1Line(response string, golds []string) any {
	s := reward.SearchR1(response, golds)
	out := searchR1Out{Reward: s.Reward}
	out.Parts.EM, out.Parts.Structure, out.Parts.FinalFormat, out.Parts.Retrieval = s.Parts()
	return out
}

func scoreToolRLLine(line []byte) (toolRLOut, error) {
	var in toolRLIn
	var res toolRLOut
	if len(bytes.TrimSpace(line)) == 0 {
		return res, errors.New(`empty line: want {"gold": "...", "response": "..."}`)
	}
	if err := json.Unmarshal(line, &in); err != nil {
		return res, fmt.Errorf(`not a JSON object {"gold": "...", "response": "..."} with string values: %v`, err)
	}
	if in.Gold == nil || in.Response == nil {
		return res, errors.New(`want both "gold" (the ToolRL ground truth) and "response" (the assistant's text)`)
	}
	total, format, corr, err := reward.ToolRL(*in.Gold, *in.Response)
	if err != nil {
		return res, err
	}
	res.Reward, res.Parts.Format, res.Parts.Correctness = total, format, corr
	return res, nil
}

type bfclIn struct {
	ID        *string          `json:"id"`
	Response  *string          `json:"response"`
	ToolCalls *[]dojo.ToolCall `json:"tool_calls"`
}

type bfclOut struct {
	ID        string `json:"id"`
	OK        bool   `json:"ok"`
	Reason    string `json:"reason,omitempty"`
	ErrorType string `json:"error_type,omitempty"`
}

type bfclTally struct{ n, ok int }

// rewardBFCL checks responses to a BFCL data set.
func rewardBFCL(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "reward bfcl", "--questions FILE --answers FILE [--responses FILE] (responses on stdin by default)")
	qPath := fs.String("questions", "", "the BFCL questions, one JSON line each {\"id\", \"question\", \"function\"}")
	aPath := fs.String("answers", "", "the BFCL possible answers, one JSON line each {\"id\", \"ground_truth\"} (may be left out for irrelevance entries)")
	rPath := fs.String("responses", "-", "the responses, one JSON line each {\"id\", \"response\": text with <tool_call> blocks} or {\"id\", \"tool_calls\": [...]}; - reads stdin")
	underscoreToDot := fs.Bool("underscore-to-dot", true, underscoreToDotUsage)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("reward bfcl takes no arguments, got %q (give the files with --questions and --answers)", pos)
	}
	if *qPath == "" {
		return usagef("reward bfcl needs --questions FILE (and --answers FILE for all but irrelevance entries)")
	}
	qf, err := os.Open(*qPath)
	if err != nil {
		return usagef("--questions: %v", err)
	}
	defer qf.Close()
	var af io.Reader
	if *aPath != "" {
		f, err := os.Open(*aPath)
		if err != nil {
			return usagef("--answers: %v", err)
		}
		defer f.Close()
		af = f
	}
	entries, err := reward.LoadBFCL(qf, af)
	if err != nil {
		return usagef("%v", err)
	}
	opts := reward.BFCLOptions{KeepDots: !*underscoreToDot}
	byID := make(map[string]*reward.BFCLEntry, len(entries))
	var bad []string
	for i := range entries {
		byID[entries[i].ID] = &entries[i]
		if p := entries[i].Problem; p != "" {
			bad = append(bad, entries[i].ID)
			fmt.Fprintf(a.stderr, "dojo reward bfcl: entry %s cannot be scored (its responses are reported, not scored): %s\n", entries[i].ID, p)
		}
	}
	var in io.Reader = os.Stdin
	if *rPath != "-" {
		f, err := os.Open(*rPath)
		if err != nil {
			return usagef("--responses: %v", err)
		}
		defer f.Close()
		in = f
	}
	out := bufio.NewWriterSize(a.stdout, 64<<10)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	tally := map[string]*bfclTally{}
	seen := map[string]bool{}
	sc := lineScanner(in)
	n, failed, correct, unscored := 0, 0, 0, 0
	for sc.Scan() {
		n++
		if err := dojo.CheckContext(ctx); err != nil {
			out.Flush()
			return err
		}
		id, res, err := scoreBFCLLine(sc.Bytes(), byID, opts)
		if err != nil {
			failed++
			enc.Encode(lineErr{fmt.Sprintf("line %d: %v", n, err)})
			continue
		}
		seen[id] = true
		if res.ErrorType == reward.BFCLBadEntry {
			unscored++
			enc.Encode(bfclOut{ID: id, OK: false, Reason: res.Reason, ErrorType: res.ErrorType})
			continue
		}
		cat := byID[id].Category
		if tally[cat] == nil {
			tally[cat] = &bfclTally{}
		}
		tally[cat].n++
		if res.OK {
			correct++
			tally[cat].ok++
		}
		enc.Encode(bfclOut{ID: id, OK: res.OK, Reason: res.Reason, ErrorType: res.ErrorType})
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading responses: %w", err)
	}
	scored := n - failed - unscored
	acc := 0.0
	if scored > 0 {
		acc = float64(correct) / float64(scored)
	}
	fmt.Fprintf(a.stderr, "dojo reward bfcl: %d responses, %d scored, %d correct (accuracy %.4f), %d failed; %d of %d entries unanswered\n",
		n, scored, correct, acc, failed, len(entries)-len(seen), len(entries))
	if len(bad) > 0 {
		fmt.Fprintf(a.stderr, "  %d entries cannot be scored (%s): %d responses to them not scored\n", len(bad), strings.Join(bad, ", "), unscored)
	}
	cats := make([]string, 0, len(tally))
	for c := range tally {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		t := tally[c]
		fmt.Fprintf(a.stderr, "  %-24s %d/%d (%.4f)\n", c, t.ok, t.n, float64(t.ok)/float64(t.n))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d response lines could not be scored (their output lines hold the errors)", failed, n)
	}
	return nil
}

// underscoreToDotUsage is the --underscore-to-dot flag's help.
const underscoreToDotUsage = "BFCL's underscore_to_dot, as for its function-calling models: a function named a.b is called a_b (its dotted name fails); false checks names as written, as for BFCL's prompting models"

func scoreBFCLLine(line []byte, byID map[string]*reward.BFCLEntry, opts reward.BFCLOptions) (string, reward.BFCLResult, error) {
	var in bfclIn
	if len(bytes.TrimSpace(line)) == 0 {
		return "", reward.BFCLResult{}, errors.New(`empty line: want {"id": ..., "response": "..."} or {"id": ..., "tool_calls": [...]}`)
	}
	if err := json.Unmarshal(line, &in); err != nil {
		return "", reward.BFCLResult{}, fmt.Errorf(`not a response {"id", "response": text} or {"id", "tool_calls": [...]}: %v`, err)
	}
	if in.ID == nil {
		return "", reward.BFCLResult{}, errors.New(`no "id": name the BFCL entry the response answers`)
	}
	e := byID[*in.ID]
	if e == nil {
		return "", reward.BFCLResult{}, fmt.Errorf("id %q is not in the questions file", *in.ID)
	}
	switch {
	case in.ToolCalls != nil && in.Response != nil:
		return "", reward.BFCLResult{}, errors.New(`give either "response" or "tool_calls", not both`)
	case in.ToolCalls != nil:
		return *in.ID, reward.ScoreBFCLWith(e, *in.ToolCalls, opts), nil
	case in.Response != nil:
		return *in.ID, reward.ScoreBFCLTextWith(e, *in.Response, opts), nil
	}
	return "", reward.BFCLResult{}, errors.New(`no "response" (text with <tool_call> blocks) or "tool_calls" (a list of {"name", "arguments"})`)
}
