package sql

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/dojo-rl/dojo"
)

// Prediction is a predicted query for the example at Index of a Dataset.
type Prediction struct {
	Index int
	SQL   string
}

// Verdict is the execution-match verdict of one Prediction.
type Verdict struct {
	Index int
	Match bool
	Err   error // why it did not match, when something failed (nil for a clean mismatch)
}

// VerifyOptions configure Dataset.Verify.
type VerifyOptions struct {
	Mode         Mode          // "" means ModeSpider
	KeepDistinct bool          // spider mode: keep DISTINCT (the evaluator's --keep_distinct)
	Workers      int           // concurrent verifications; <= 0 means runtime.NumCPU()
	Timeout      time.Duration // per prediction (gold and predicted query); <= 0 means 30s
}

// Verify scores every prediction against its example's gold query with
// ExecMatch, concurrently, and returns the verdicts in input order. A
// prediction whose index is out of range or whose database is missing
// ("database not found") gets an error verdict; nothing aborts the run
// except ctx.
func (d *Dataset) Verify(ctx context.Context, preds []Prediction, o VerifyOptions) []Verdict {
	if o.Mode == "" {
		o.Mode = ModeSpider
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	out := make([]Verdict, len(preds))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(o.Workers, max(len(preds), 1)) {
		wg.Go(func() {
			for i := range next {
				out[i] = d.verifyOne(ctx, preds[i], o)
			}
		})
	}
	for i := range preds {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

func (d *Dataset) verifyOne(ctx context.Context, p Prediction, o VerifyOptions) Verdict {
	v := Verdict{Index: p.Index}
	if p.Index < 0 || p.Index >= len(d.Examples) {
		v.Err = dojo.Errorf(dojo.CodeInvalid, "sql: prediction index %d out of range: the data set has %d questions (0..%d)", p.Index, len(d.Examples), len(d.Examples)-1)
		return v
	}
	ex := d.Examples[p.Index]
	db, err := d.DB(ex.DBID)
	if err != nil {
		v.Err = err
		return v
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	v.Match, v.Err = ExecMatch(ctx, db, ex.SQL, p.SQL, o.Mode, o.KeepDistinct)
	return v
}
