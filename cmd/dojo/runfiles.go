package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/dojo-rl/dojo/runner"
)

// recordFlags are dojo run's flags about its output file and the bounds
// of its records.
type recordFlags struct {
	dedupe     *bool
	maxAction  *int
	maxRecText *int
}

func addRecordFlags(fs *flag.FlagSet) *recordFlags {
	return &recordFlags{
		dedupe:     fs.Bool("dedupe", false, "resume an --out file whose episodes repeat (two runs wrote it at once): keep the first line of each episode, drop the others, then run the missing episodes"),
		maxAction:  fs.Int("max-action-bytes", runner.DefaultMaxActionBytes, "largest action an agent may answer, in bytes (text and tool calls); a larger one fails its episode as invalid (-1: no bound)"),
		maxRecText: fs.Int("max-record-text", runner.DefaultMaxRecordText, "longest text a record keeps per field, in bytes (observations, messages, actions, tool arguments, env errors); longer ones are clipped with a marker giving their length (-1: no bound)"),
	}
}

// apply sets the flags in cfg; a bound of 0 is an error rather than the
// runner's default.
func (f *recordFlags) apply(cfg *runner.Config) error {
	if *f.maxAction == 0 || *f.maxAction < -1 {
		return usagef("--max-action-bytes %d: want a number of bytes, or -1 for no bound", *f.maxAction)
	}
	if *f.maxRecText == 0 || *f.maxRecText < -1 {
		return usagef("--max-record-text %d: want a number of bytes, or -1 for no bound", *f.maxRecText)
	}
	cfg.Dedupe = *f.dedupe
	cfg.MaxActionBytes = *f.maxAction
	cfg.MaxRecordText = *f.maxRecText
	return nil
}

// dedupeNote says what --dedupe removed from the output file.
func dedupeNote(a *app, sum *runner.Summary, out string) {
	if sum != nil && sum.Deduped > 0 {
		fmt.Fprintf(a.stderr, "dojo run: --dedupe removed %d repeated episode lines from %s, keeping the first line of each episode\n", sum.Deduped, out)
	}
}

// stuckGrace is how long dojo run may take to wind down once interrupted
// (SIGINT, SIGTERM) before the process exits regardless: a run writes its
// last records and summary within it unless a write blocks (a pipe whose
// reader stopped reading).
const stuckGrace = 10 * time.Second

// exitIfStuck makes the process exit with status 1 when the command is
// still running stuckGrace after ctx is canceled; the returned function
// disarms it.
func exitIfStuck(ctx context.Context, a *app, cmd string) (stop func()) {
	var t *time.Timer
	var mu sync.Mutex
	disarm := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		t = time.AfterFunc(stuckGrace, func() {
			fmt.Fprintf(a.stderr, "dojo %s: still running %v after the interrupt (a blocked write?); exiting\n", cmd, stuckGrace)
			os.Exit(1)
		})
	})
	return func() {
		disarm()
		mu.Lock()
		defer mu.Unlock()
		if t != nil {
			t.Stop()
		}
	}
}
