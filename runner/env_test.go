package runner

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

// chainEnv is the runner's test env: a corridor of cells 0..length-1 where
// the agent starts at 0 and must reach the last cell. Action 1 (right)
// moves right, 0 (left) moves left; with probability slip the move goes the
// other way, drawn from the env's own seeded generator so that seeds give
// different episodes. Options make it misbehave on purpose: fail_every and
// panic_every make Step fail or panic at the second step of episodes whose
// seed is a multiple; sleep_ms makes each step sleep (honouring the
// context); work burns CPU each step.
//
// The observation value is a buffer the env reuses, [position, length], and
// the metrics are a reused slice, so the runner's copies are tested.
type chainEnv struct {
	spec                dojo.Spec
	length, failEvery   int
	panicEvery, work    int
	slip                float64
	sleep               time.Duration
	parts               *reward.Parts
	iSuccess, iProgress int
	rng                 *rand.Rand
	pcg                 *rand.PCG
	pos, steps          int
	seed                uint64
	started, ended      bool
	buf                 []int
	value               any
	metrics             dojo.Metrics
	sink                uint64
}

func chainSpec() dojo.Spec {
	return dojo.Spec{
		ID:          "test/Chain-v0",
		Description: "a corridor to walk to its end, for the runner's tests",
		Observation: dojo.Space{Kind: dojo.KindBox, Shape: []int{2}, Low: 0, High: 1000, DType: "int"},
		ObsText:     true,
		Action:      dojo.Discrete(2, "left", "right"),
		MaxSteps:    24,
		Stochastic:  true,
		Rewards: []dojo.Component{
			{Name: "success", Description: "1 on reaching the end", Shaped: 1},
			{Name: "progress", Description: "+1 for a step right, -1 for a step left", Shaped: 0.1},
		},
		DefaultProfile: "shaped",
		Options: []dojo.Option{
			dojo.Option{Name: "length", Type: dojo.OptInt, Default: 5, Description: "cells"}.Range(2, 1000),
			dojo.Option{Name: "slip", Type: dojo.OptFloat, Default: 0.2, Description: "probability a move goes the other way"}.Range(0, 1),
			{Name: "fail_every", Type: dojo.OptInt, Default: 0, Description: "Step errors at step 2 when seed % fail_every == 0"},
			{Name: "panic_every", Type: dojo.OptInt, Default: 0, Description: "Step panics at step 2 when seed % panic_every == 0"},
			{Name: "sleep_ms", Type: dojo.OptInt, Default: 0, Description: "milliseconds each step sleeps"},
			{Name: "work", Type: dojo.OptInt, Default: 0, Description: "rounds of busy work each step"},
		},
	}
}

func newChain(opts dojo.Options) (dojo.Env, error) {
	spec := chainSpec()
	e := &chainEnv{
		spec:       spec,
		length:     opts.Int("length"),
		slip:       opts.Float("slip"),
		failEvery:  opts.Int("fail_every"),
		panicEvery: opts.Int("panic_every"),
		sleep:      time.Duration(opts.Int("sleep_ms")) * time.Millisecond,
		work:       opts.Int("work"),
		parts:      reward.MustNew(&spec, opts),
		iSuccess:   reward.Index(&spec, "success"),
		iProgress:  reward.Index(&spec, "progress"),
		pcg:        rand.NewPCG(0, 0),
		buf:        make([]int, 2),
		metrics:    dojo.Metrics{{Name: "distance"}},
	}
	e.spec.MaxSteps = 4 * e.length
	e.rng = rand.New(e.pcg)
	e.value = e.buf
	return e, nil
}

// chainRegistry returns a registry holding the chain env, and a counter of
// the envs it made.
func chainRegistry() (*dojo.Registry, *atomic.Int64) {
	var made atomic.Int64
	reg := chainRegistryWith(func(e *chainEnv) dojo.Env {
		made.Add(1)
		return e
	})
	return reg, &made
}

// chainRegistryWith returns a registry holding the chain env as wrap makes
// it from each new chain.
func chainRegistryWith(wrap func(*chainEnv) dojo.Env) *dojo.Registry {
	reg := &dojo.Registry{}
	reg.MustRegister(chainSpec(), func(opts dojo.Options) (dojo.Env, error) {
		env, err := newChain(opts)
		if err != nil {
			return nil, err
		}
		return wrap(env.(*chainEnv)), nil
	})
	return reg
}

func (e *chainEnv) Spec() dojo.Spec { return e.spec }

func (e *chainEnv) obs() dojo.Obs {
	e.buf[0], e.buf[1] = e.pos, e.length
	return dojo.Obs{Text: fmt.Sprintf("You are at cell %d of %d.", e.pos, e.length), Value: e.value}
}

func (e *chainEnv) info(success bool) dojo.Info {
	e.metrics[0].Value = float64(e.length - 1 - e.pos)
	return dojo.Info{Success: success, Parts: e.parts.Parts(), Metrics: e.metrics}
}

func (e *chainEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	e.pcg.Seed(seed, 0xc4a1)
	e.seed, e.pos, e.steps, e.started, e.ended = seed, 0, 0, true, false
	e.parts.Reset()
	return e.obs(), e.info(false), nil
}

func (e *chainEnv) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	switch {
	case !e.started:
		return dojo.Step{}, dojo.ErrNotReset
	case e.ended:
		return dojo.Step{}, dojo.ErrEnded
	}
	if e.sleep > 0 {
		t := time.NewTimer(e.sleep)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return dojo.Step{}, dojo.CheckContext(ctx)
		}
	}
	sink := e.sink
	for i := range e.work {
		sink = sink*6364136223846793005 + uint64(i) + 1442695040888963407
	}
	e.sink = sink
	e.steps++
	if e.steps == 2 && e.failEvery > 0 && e.seed%uint64(e.failEvery) == 0 {
		return dojo.Step{}, dojo.Errorf(dojo.CodeInternal, "chain: failing on purpose (seed %d)", e.seed)
	}
	if e.steps == 2 && e.panicEvery > 0 && e.seed%uint64(e.panicEvery) == 0 {
		panic(fmt.Sprintf("chain: panicking on purpose (seed %d)", e.seed))
	}
	e.parts.Reset()
	s := dojo.Step{}
	dir, invalid := 0, ""
	switch {
	case a.Kind == dojo.ActIndex && a.Index == 0, a.Kind == dojo.ActText && a.Text == "left":
		dir = -1
	case a.Kind == dojo.ActIndex && a.Index == 1, a.Kind == dojo.ActText && a.Text == "right":
		dir = 1
	default:
		invalid = fmt.Sprintf("unknown action %v: want 0 (left) or 1 (right)", a)
	}
	if dir != 0 && e.rng.Float64() < e.slip {
		dir = -dir
	}
	next := min(max(e.pos+dir, 0), e.length-1)
	e.parts.Set(e.iProgress, float64(next-e.pos))
	e.pos = next
	success := e.pos == e.length-1
	if success {
		e.parts.Set(e.iSuccess, 1)
	}
	s.Terminated = success
	s.Truncated = !success && e.steps >= e.spec.MaxSteps
	e.ended = s.Done()
	s.Obs = e.obs()
	s.Info = e.info(success)
	if invalid != "" {
		s.Info.Invalid, s.Info.Error = true, invalid
	}
	s.Reward = e.parts.Sum()
	return s, nil
}

// OracleAction always goes right.
func (e *chainEnv) OracleAction(ctx context.Context) (dojo.Action, error) {
	return dojo.IndexAction(1), nil
}
