package sql

import (
	"context"
	"runtime"
	"slices"
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
	// MaxResultBytes bounds a prediction's result (see Caps); a larger
	// one does not match, with an error. <= 0 means DefaultMaxResultBytes.
	MaxResultBytes int
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
	if o.MaxResultBytes <= 0 {
		o.MaxResultBytes = DefaultMaxResultBytes
	}
	out := make([]Verdict, len(preds))
	next := make(chan []int)
	var wg sync.WaitGroup
	for range min(o.Workers, max(len(preds), 1)) {
		wg.Go(func() {
			for chunk := range next {
				for _, i := range chunk {
					out[i] = d.verifyOne(ctx, preds[i], o)
				}
			}
		})
	}
	for _, chunk := range d.chunks(preds) {
		next <- chunk
	}
	close(next)
	wg.Wait()
	return out
}

// verifyChunk is the most predictions of one database a worker takes at a
// time.
const verifyChunk = 16

// chunks orders the predictions' positions by database (stably, so in
// input order within one) and cuts them into runs of at most verifyChunk
// of one database. A worker verifies a run on its own: fewer connections
// are opened and warmed, and two workers seldom wait for each other on one
// database's opening or on a gold query they both need.
func (d *Dataset) chunks(preds []Prediction) [][]int {
	order := make([]int, len(preds))
	first := map[string]int{} // db_id -> position of its first prediction
	key := make([]int, len(preds))
	for i, p := range preds {
		order[i] = i
		id := ""
		if p.Index >= 0 && p.Index < len(d.Examples) {
			id = d.Examples[p.Index].DBID
		}
		if _, ok := first[id]; !ok {
			first[id] = i
		}
		key[i] = first[id]
	}
	slices.SortStableFunc(order, func(a, b int) int { return key[a] - key[b] })
	var out [][]int
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && hi-lo < verifyChunk && key[order[hi]] == key[order[lo]] {
			hi++
		}
		out = append(out, order[lo:hi])
		lo = hi
	}
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
	v.Match, v.Err = execMatch(ctx, db, ex.SQL, p.SQL, o.Mode, o.KeepDistinct, o.MaxResultBytes)
	return v
}
