package main

import (
	"context"
	"fmt"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/bench"
)

// checkData makes an env of id with opts and, when it serves an external
// data set (dojo.DataChecker), loads the data and returns its notices (the
// questions it skips and why) and the error of absent data. Envs of other
// kinds have neither.
func checkData(ctx context.Context, a *app, id string, opts dojo.Options) ([]string, error) {
	env, err := a.reg.Make(id, opts)
	if err != nil {
		return nil, err
	}
	defer dojo.Close(env)
	dc, ok := env.(dojo.DataChecker)
	if !ok {
		return nil, nil
	}
	return dc.CheckData(ctx)
}

// dataNotes prints on stderr, once per command, what the envs (id with
// options, for each entry) say of their data sets:
// "dojo run: sql/Spider-v0: 62 of 1034 questions skipped: ...". Absent
// data is left to the episodes, which fail with its error.
func dataNotes(ctx context.Context, a *app, cmd string, entries ...dataEntry) {
	seen := map[string]bool{}
	for _, e := range entries {
		notices, _ := checkData(ctx, a, e.id, e.opts)
		for _, n := range notices {
			line := e.id + ": " + n
			if !seen[line] {
				seen[line] = true
				fmt.Fprintf(a.stderr, "dojo %s: %s\n", cmd, line)
			}
		}
	}
}

// dataEntry is an env id with its options.
type dataEntry struct {
	id   string
	opts dojo.Options
}

// suiteData returns the envs of a suite's entries.
func suiteData(s *bench.Suite) []dataEntry {
	out := make([]dataEntry, len(s.Entries))
	for i, e := range s.Entries {
		out[i] = dataEntry{e.Env, e.Options}
	}
	return out
}
