package prototest

import (
	"context"
	"sync"
	"time"

	"github.com/dojo-rl/dojo"
)

// SlowID is the id of the slow test env (RegisterSlow): its reset and
// steps take the option sleep_ms, and it counts, under the option tag, the
// steps running and the envs closed, so a test can wait for a step to be
// in flight or for a session's envs to be closed without timing anything.
const SlowID = "test/Slow-v0"

var (
	slowMu      sync.Mutex
	slowRunning = map[string]int{}
	slowClosed  = map[string]int{}
)

// RegisterSlow registers the slow test env in r.
func RegisterSlow(r *dojo.Registry) {
	r.MustRegister(slowSpec(), func(opts dojo.Options) (dojo.Env, error) {
		return &slowEnv{spec: slowSpec(), tag: opts.String("tag"),
			sleep:      time.Duration(opts.Int("sleep_ms")) * time.Millisecond,
			ignoreCtx:  opts.Bool("ignore_ctx"),
			resetSleep: opts.Bool("slow_reset")}, nil
	})
}

// SlowRunning returns the steps of slow envs tagged tag running now.
func SlowRunning(tag string) int {
	slowMu.Lock()
	defer slowMu.Unlock()
	return slowRunning[tag]
}

// SlowClosed returns the slow envs tagged tag closed so far.
func SlowClosed(tag string) int {
	slowMu.Lock()
	defer slowMu.Unlock()
	return slowClosed[tag]
}

func slowSpec() dojo.Spec {
	return dojo.Spec{
		ID:             SlowID,
		Description:    "An env whose steps take a while. A test env.",
		Observation:    dojo.Discrete(1000),
		Action:         dojo.Discrete(2),
		MaxSteps:       1000,
		Rewards:        []dojo.Component{{Name: "success", Description: "never", Shaped: 1}},
		DefaultProfile: "sparse",
		Options: []dojo.Option{
			{Name: "tag", Type: dojo.OptString, Default: "", Description: "counts steps and closes under this tag"},
			{Name: "sleep_ms", Type: dojo.OptInt, Default: 0, Description: "how long each step takes"},
			{Name: "ignore_ctx", Type: dojo.OptBool, Default: false, Description: "sleep through a canceled context"},
			{Name: "slow_reset", Type: dojo.OptBool, Default: false, Description: "reset takes sleep_ms too"},
		},
	}
}

type slowEnv struct {
	spec       dojo.Spec
	tag        string
	sleep      time.Duration
	ignoreCtx  bool
	resetSleep bool
	steps      int
}

func (e *slowEnv) Spec() dojo.Spec { return e.spec }

func (e *slowEnv) wait(ctx context.Context) error {
	slowMu.Lock()
	slowRunning[e.tag]++
	slowMu.Unlock()
	defer func() {
		slowMu.Lock()
		slowRunning[e.tag]--
		slowMu.Unlock()
	}()
	if e.ignoreCtx {
		time.Sleep(e.sleep)
		return nil
	}
	t := time.NewTimer(e.sleep)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (e *slowEnv) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if e.resetSleep {
		if err := e.wait(ctx); err != nil {
			return dojo.Obs{}, dojo.Info{}, err
		}
	}
	e.steps = 0
	return dojo.Obs{Value: 0}, dojo.Info{Parts: []dojo.Part{{Name: "success", Weight: 1}}}, nil
}

func (e *slowEnv) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	if err := e.wait(ctx); err != nil {
		return dojo.Step{}, err
	}
	e.steps++
	return dojo.Step{Obs: dojo.Obs{Value: e.steps}, Info: dojo.Info{Parts: []dojo.Part{{Name: "success", Weight: 1}}}}, nil
}

func (e *slowEnv) Close() error {
	slowMu.Lock()
	slowClosed[e.tag]++
	slowMu.Unlock()
	return nil
}
