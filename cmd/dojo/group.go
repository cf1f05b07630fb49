package main

import (
	"context"
	"fmt"
	"os"

	"github.com/dojo-rl/dojo/reward/group"
)

// rewardGroup is dojo reward group: GRPO-style group scoring of JSON lines
// on stdin (package reward/group has the formulas).
func rewardGroup(ctx context.Context, a *app, args []string) error {
	def := group.DefaultOptions()
	fs := newFlags(a, "reward group", `[--gate threshold|top|none] [--lambda L] [--alpha A] [--std sample|population] [--eps E] [--db-dir DIR] < lines of {"responses": [...], "golds": [...], "scorer": "em|f1|searchr1|toolrl|sql", ...}`)
	gate := fs.String("gate", string(def.Gate), "which groups get GRPO-λ's length term: threshold (accuracy ≥ λ), top (the ⌈λ·B⌉ most accurate groups of each batch, as the paper), none")
	lambda := fs.Float64("lambda", def.Lambda, "λ of the gate, in [0, 1] (a line's \"lambda\" overrides it, except with --gate top)")
	alpha := fs.Float64("alpha", def.Alpha, "α of the length penalty −α·σ(z) of correct responses in gated groups")
	std := fs.String("std", string(def.Std), "standard deviation of the GRPO advantage: sample (n−1, PyTorch's default) or population (n)")
	eps := fs.Float64("eps", def.Eps, "ε of the GRPO advantage (r−μ)/(s+ε)")
	dbDir := fs.String("db-dir", "", "folder of the sql scorer's databases, for lines naming a \"db_id\" (DIR/db_id/db_id.sqlite, Spider's layout)")
	timeout := fs.Duration("timeout", def.Timeout, "deadline of each SQL query pair")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("reward group takes no arguments, got %q (it reads JSON lines from stdin)", pos)
	}
	if *timeout <= 0 {
		return usagef("--timeout %v: want a positive duration", *timeout)
	}
	opt := group.Options{Gate: group.Gate(*gate), Lambda: *lambda, Alpha: *alpha, Std: group.Std(*std), Eps: *eps, DBDir: *dbDir, Timeout: *timeout}
	if _, err := group.NewScorer(opt); err != nil {
		return usagef("--%v", err)
	}
	n, failed, err := group.Run(ctx, os.Stdin, a.stdout, opt)
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d groups could not be scored (their output lines hold the errors)", failed, n)
	}
	return nil
}
