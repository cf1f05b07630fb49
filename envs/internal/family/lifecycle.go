package family

import (
	"context"

	"github.com/dojo-rl/dojo"
)

// Lifecycle tracks where an env is in the episode lifecycle: never reset,
// running, or ended. Its zero value is an env that was never reset. An env
// embeds one, calls Begin at the end of a successful Reset and End when a
// step terminates or truncates the episode, and starts Step with
// Lifecycle.Step.
type Lifecycle struct {
	started bool // Reset succeeded at least once
	running bool // an episode is under way
}

// Begin starts an episode: call it once Reset has succeeded.
func (l *Lifecycle) Begin() { l.started, l.running = true, true }

// End ends the episode: the next Step is dojo.ErrEnded.
func (l *Lifecycle) End() { l.running = false }

// Running reports whether an episode is under way.
func (l *Lifecycle) Running() bool { return l.running }

// Check returns dojo.ErrNotReset before the first Reset, dojo.ErrEnded
// after the episode ended, and nil while it runs: the preamble of the
// calls that need a running episode but no context (OracleAction).
func (l *Lifecycle) Check() error {
	if l.running {
		return nil
	}
	if l.started {
		return dojo.ErrEnded
	}
	return dojo.ErrNotReset
}

// Step is the preamble of Env.Step: Check's error, else
// dojo.CheckContext(ctx)'s (code timeout or canceled, wrapping ctx.Err()),
// else nil.
func (l *Lifecycle) Step(ctx context.Context) error {
	if l.running && ctx.Err() == nil {
		return nil // the hot path: one context check, as dojo.CheckContext makes
	}
	return l.stepError(ctx)
}

// Ready reports whether a step may go on: an episode runs and ctx is not
// done. It inlines, so that envs whose Step takes tens of nanoseconds
// check it in place and call Step only for its error:
//
//	if !e.life.Ready(ctx) {
//		return dojo.Step{}, e.life.Step(ctx)
//	}
func (l *Lifecycle) Ready(ctx context.Context) bool { return l.running && ctx.Err() == nil }

func (l *Lifecycle) stepError(ctx context.Context) error {
	if err := l.Check(); err != nil {
		return err
	}
	return dojo.CheckContext(ctx)
}
