package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	sqlenv "github.com/dojo-rl/dojo/envs/sql"
)

// cmdVerifySQL is `dojo verify sql`: execution match of predicted SQL
// against a Spider-, BIRD- or KaggleDBQA-format folder.
func cmdVerifySQL(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "verify sql", "--spider DIR --predictions FILE [--mode spider|bird] [--keep-distinct] [--workers W] [--timeout D]")
	spider := fs.String("spider", "", "a Spider-format `folder`: dev.json and database/<db_id>/<db_id>.sqlite")
	bird := fs.String("bird", "", "instead of --spider: a BIRD-format `folder` (dev.json with SQL, evidence, difficulty; dev_databases/)")
	kaggle := fs.String("kaggledbqa", "", "instead of --spider: a KaggleDBQA `folder` (examples/<db>.json, databases/)")
	predsPath := fs.String("predictions", "", `the predictions `+"`file`"+`: one SQL per line in question order (the official format; text after a tab is ignored) or JSON lines {"index": i, "sql": "..."}; - reads stdin`)
	mode := fs.String("mode", "spider", "execution match: spider (test-suite exec_eval: multisets, column permutations, order when the gold orders) or bird (set equality)")
	keepDistinct := fs.Bool("keep-distinct", false, "spider mode: keep DISTINCT (by default it is removed from both queries, as the evaluator does)")
	workers := fs.Int("workers", 0, "predictions verified at once (0: the number of CPUs)")
	timeout := fs.Duration("timeout", 30*time.Second, "deadline per prediction (gold and predicted query)")
	allowDup := fs.Bool("allow-duplicates", false, "score every prediction of a question predicted more than once (by default that is an error)")
	maxResult := fs.Int("max-result-bytes", sqlenv.DefaultMaxResultBytes, "`bytes` of a prediction's result read (values' bytes plus 16 each); a larger result does not match")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("verify sql takes no arguments, got %q (give the folder with --spider and the file with --predictions)", pos)
	}
	var m sqlenv.Mode
	switch *mode {
	case "spider":
		m = sqlenv.ModeSpider
	case "bird":
		m = sqlenv.ModeBird
	default:
		return usagef("--mode %q: want spider or bird", *mode)
	}
	if *workers < 0 {
		return usagef("--workers %d: want 0 (the number of CPUs) or more", *workers)
	}
	if *timeout <= 0 {
		return usagef("--timeout %v: want a positive duration such as 30s", *timeout)
	}
	if *maxResult < 1 {
		return usagef("--max-result-bytes %d: want a positive number of bytes", *maxResult)
	}
	n := 0
	for _, s := range []string{*spider, *bird, *kaggle} {
		if s != "" {
			n++
		}
	}
	if n != 1 || *predsPath == "" {
		return usagef("verify sql needs --predictions FILE and exactly one of --spider DIR, --bird DIR, --kaggledbqa DIR")
	}
	var ds *sqlenv.Dataset
	switch {
	case *spider != "":
		ds, err = sqlenv.LoadSpider(*spider)
	case *bird != "":
		ds, err = sqlenv.LoadBIRD(*bird, "")
	default:
		ds, err = sqlenv.LoadKaggleDBQA(*kaggle)
	}
	if err != nil {
		return err
	}
	defer ds.Close()

	var in io.Reader = os.Stdin
	if *predsPath != "-" {
		b, err := os.ReadFile(*predsPath)
		if err != nil {
			return usagef("--predictions: %v", err)
		}
		in = bytes.NewReader(b)
	}
	preds, err := readPredictions(in)
	if err != nil {
		return fmt.Errorf("--predictions %s: %w", *predsPath, err)
	}
	missing, err := predictionCoverage(preds, len(ds.Examples), *allowDup)
	if err != nil {
		return err
	}
	start := time.Now()
	verdicts := ds.Verify(ctx, preds, sqlenv.VerifyOptions{Mode: m, KeepDistinct: *keepDistinct, Workers: *workers, Timeout: *timeout, MaxResultBytes: *maxResult})
	if err := ctx.Err(); err != nil {
		return err
	}
	w := bufio.NewWriter(a.stdout)
	type line struct {
		Index int    `json:"index"`
		Match int    `json:"match"`
		Error string `json:"error,omitempty"`
	}
	enc := json.NewEncoder(w)
	matched, errs, noDB := 0, 0, 0
	for _, v := range verdicts {
		l := line{Index: v.Index}
		if v.Match {
			l.Match = 1
			matched++
		}
		if v.Err != nil {
			l.Error = v.Err.Error()
			errs++
			if strings.HasPrefix(l.Error, "database not found") {
				noDB++
			}
		}
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(a.stderr, "dojo verify sql: %d predictions, %d matched, %d errors (%d database not found); %s; %s mode; %.0f pairs/s\n",
		len(verdicts), matched, errs, noDB, accuracyLine(matched, len(verdicts), missing), m, float64(len(verdicts))/el.Seconds())
	return nil
}

// readPredictions reads the official format (one SQL per line, line i for
// question i, text after a tab ignored) or, when the first non-blank line
// starts with '{', JSON lines {"index": i, "sql": "..."}.
func readPredictions(r io.Reader) ([]sqlenv.Prediction, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	jsonl := false
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" {
			jsonl = strings.HasPrefix(t, "{")
			break
		}
	}
	var preds []sqlenv.Prediction
	if !jsonl {
		for i, l := range lines {
			if tab := strings.IndexByte(l, '\t'); tab >= 0 {
				l = l[:tab]
			}
			preds = append(preds, sqlenv.Prediction{Index: i, SQL: strings.TrimSpace(l)})
		}
		return preds, nil
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		var p struct {
			Index *int    `json:"index"`
			SQL   *string `json:"sql"`
		}
		dec := json.NewDecoder(strings.NewReader(l))
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("line %d: %v (want {\"index\": i, \"sql\": \"...\"})", i+1, err)
		}
		if p.Index == nil || p.SQL == nil {
			return nil, fmt.Errorf("line %d: want both \"index\" and \"sql\"", i+1)
		}
		preds = append(preds, sqlenv.Prediction{Index: *p.Index, SQL: *p.SQL})
	}
	return preds, nil
}
