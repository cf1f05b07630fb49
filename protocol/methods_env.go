package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo"
)

// ---- env/make

type makeParams struct {
	ID        string          `json:"id"`
	Options   json.RawMessage `json:"options"`
	Autoreset bool            `json:"autoreset"`
}

func mMake(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p makeParams
	if err := ss.decode(raw, &p, "env/make"); err != nil {
		return nil, "", err
	}
	if p.ID == "" {
		return nil, "", invalidParam("id", "env/make: id: required, an env id such as gridworld/FrozenLake-v1 (env/list lists them)")
	}
	opts, err := dojo.ParseOptions(p.Options)
	if err != nil {
		return nil, "", toWire(err, "env/make", nil)
	}
	// An unknown id or bad options fail here, without taking a handle;
	// only the making itself runs later.
	spec, err := ss.srv.Registry.Spec(p.ID)
	var resolved dojo.Options
	if err == nil {
		resolved, err = spec.Resolve(opts)
	}
	if err != nil {
		return nil, "", toWire(err, "env/make", nil)
	}
	est := EstimateEnvBytes(p.ID, resolved)
	ss.mu.Lock()
	h, t, werr := ss.newHandle(p.ID, est)
	ss.mu.Unlock()
	if werr != nil {
		return nil, "", werr
	}
	return func(ctx context.Context, dst []byte) (result []byte, err error) {
		defer func() {
			if h.state != hReady {
				h.state = hGone
				ss.forget(h)
			}
			t.release()
		}()
		env, err := ss.srv.Registry.Make(p.ID, opts)
		if err != nil {
			return nil, err
		}
		spec := env.Spec()
		result, err = appendJSON(dst, struct {
			Env  string    `json:"env"`
			Spec dojo.Spec `json:"spec"`
		}{h.name, spec})
		if err != nil {
			closeEnv(env)
			return nil, dojo.Errorf(dojo.CodeInternal, "%s: the spec %v", p.ID, err)
		}
		h.env, h.spec, h.autoreset, h.state = env, spec, p.Autoreset, hReady
		ss.log.Debug("env made", "env", h.name, "id", p.ID)
		return result, nil
	}, p.ID, nil
}

// ---- env operations

// envOp runs fn on the handle once its turn has come, with panics in the
// env turned into internal errors that leave the env unusable.
func (ss *session) envOp(ctx context.Context, t turn, field, op string, dst []byte, fn func(h *handle, dst []byte) ([]byte, error)) (result []byte, err error) {
	if err := t.await(ctx); err != nil {
		return nil, err
	}
	defer t.release()
	h := t.h
	if werr := h.ready(field); werr != nil {
		return nil, werr
	}
	defer ss.protect(h, op, &err)
	return fn(h, dst)
}

// protect recovers a panic of h's env in op, logs it, and marks the env
// unusable. It must be deferred.
func (ss *session) protect(h *handle, op string, err *error) {
	p := recover()
	if p == nil {
		return
	}
	ss.log.Error("panic in an env", "env", h.name, "id", h.spec.ID, "op", op, "panic", fmt.Sprint(p), "stack", stack())
	h.broken = fmt.Sprintf("its %s panicked", op)
	*err = newError(dojo.CodeInternal, "", "env %s (%s): %s panicked, so the env is unusable: close it and make a new one (the server log on stderr has the details)", h.name, h.spec.ID, op)
}

type resetParams struct {
	Env  string  `json:"env"`
	Seed *uint64 `json:"seed"`
}

func mReset(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p resetParams
	if err := ss.decode(raw, &p, "env/reset"); err != nil {
		return nil, "", err
	}
	t, werr := ss.lookupParam(p.Env, "env", "env/reset")
	if werr != nil {
		return nil, "", werr
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		return ss.envOp(ctx, t, "env", "Reset", dst, func(h *handle, dst []byte) ([]byte, error) {
			seed := uint64(0)
			switch {
			case p.Seed != nil:
				seed = *p.Seed
			case h.started:
				seed = NextSeed(h.seed)
			}
			var obs dojo.Obs
			var info dojo.Info
			err := ss.timed(ctx, h, "reset", func(ctx context.Context) (err error) {
				obs, info, err = h.env.Reset(ctx, seed)
				return err
			})
			if err != nil {
				return nil, err
			}
			h.started, h.ended, h.seed, h.last = true, false, seed, obs
			b, err := appendReset(dst, &obs, &info)
			if err != nil {
				return nil, dojo.Errorf(dojo.CodeInternal, "env %s (%s): Reset returned %v", h.name, h.spec.ID, err)
			}
			return b, nil
		})
	}, p.Env, nil
}

// lookupParam checks that a handle parameter is given and queues an
// operation on its handle.
func (ss *session) lookupParam(name, field, method string) (turn, *Error) {
	if name == "" {
		return turn{}, invalidParam(field, "%s: %s: required, an env handle from env/make", method, field)
	}
	return ss.lookup(name, field)
}

type stepParams struct {
	Env    string          `json:"env"`
	Action json.RawMessage `json:"action"`
}

// decodeAction reads a wire action; field names the parameter.
func decodeAction(raw json.RawMessage, field string) (dojo.Action, *Error) {
	var a dojo.Action
	if len(bytes.TrimSpace(raw)) == 0 {
		return a, invalidParam(field, "%s: required: an integer, a string, or an object {\"text\", \"tool_calls\"}", field)
	}
	if err := a.UnmarshalJSON(raw); err != nil {
		// dojo's message names the action already; Go's decoder's
		// prefix goes.
		msg := strings.ReplaceAll(err.Error(), "json: ", "")
		if rest, ok := strings.CutPrefix(msg, "action: "); ok {
			msg = rest
		}
		return a, invalidParam(field, "%s: %s", field, msg)
	}
	return a, nil
}

func mStep(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p stepParams
	env, a, ok := ss.rd.step(raw)
	if ok {
		p.Env = env
	} else {
		if err := ss.decode(raw, &p, "env/step"); err != nil {
			return nil, "", err
		}
		if p.Env == "" {
			return nil, "", invalidParam("env", "env/step: env: required, an env handle from env/make")
		}
		var werr *Error
		a, werr = decodeAction(p.Action, "action")
		if werr != nil {
			werr.Message = "env/step: " + werr.Message
			return nil, "", werr
		}
	}
	t, werr := ss.lookup(p.Env, "env")
	if werr != nil {
		return nil, "", werr
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		return ss.envOp(ctx, t, "env", "Step", dst, func(h *handle, dst []byte) ([]byte, error) {
			st, err := ss.step(ctx, h, a, "env", sendInfo)
			if err != nil {
				return nil, err
			}
			b, err := appendStep(dst, &st)
			if err != nil {
				return nil, dojo.Errorf(dojo.CodeInternal, "env %s (%s): Step returned %v", h.name, h.spec.ID, err)
			}
			return b, nil
		})
	}, p.Env, nil
}

// infoUse says whether the caller of session.step sends the step's info.
type infoUse bool

const (
	sendInfo infoUse = true
	dropInfo infoUse = false // an autoreset leaves out what it would add to the info
)

// step steps h's env, or resets it when autoreset is on and its episode
// ended. The caller holds h's turn and has checked it is ready; info says
// whether it sends the step's info.
func (ss *session) step(ctx context.Context, h *handle, a dojo.Action, field string, info infoUse) (st dojo.Step, err error) {
	err = ss.stepInto(ctx, h, a, field, info, &st)
	return st, err
}

// stepInto is step writing the step to *st, which spares the copies of a
// dojo.Step returned through several calls on the hot path.
func (ss *session) stepInto(ctx context.Context, h *handle, a dojo.Action, field string, info infoUse, st *dojo.Step) error {
	if ss.stepTimeout <= 0 {
		return ss.stepUntimed(ctx, h, a, field, info, st)
	}
	return ss.timed(ctx, h, "step", func(ctx context.Context) error {
		return ss.stepUntimed(ctx, h, a, field, info, st)
	})
}

// timed runs an operation (op) of h's env, or a task/verify when h is nil,
// under the server's step timeout, if any: a run that fails after the
// deadline passed fails with a timeout error.
func (ss *session) timed(ctx context.Context, h *handle, op string, run func(context.Context) error) error {
	if ss.stepTimeout <= 0 {
		return run(ctx)
	}
	tctx, cancel := context.WithTimeout(ctx, ss.stepTimeout)
	defer cancel()
	err := run(tctx)
	if err != nil && ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
		what := op
		if h != nil {
			what = fmt.Sprintf("env %s (%s): %s", h.name, h.spec.ID, op)
		}
		return &dojo.Error{Code: dojo.CodeTimeout, Msg: fmt.Sprintf("%s took longer than the server's step timeout of %s", what, ss.stepTimeout)}
	}
	return err
}

func (ss *session) stepUntimed(ctx context.Context, h *handle, a dojo.Action, field string, info infoUse, st *dojo.Step) (err error) {
	if !h.started {
		return &dojo.Error{Code: dojo.CodeState, Field: field,
			Msg: fmt.Sprintf("env %s (%s): step before reset: call env/reset first", h.name, h.spec.ID)}
	}
	if h.ended {
		if !h.autoreset {
			return &dojo.Error{Code: dojo.CodeState, Field: field,
				Msg: fmt.Sprintf("env %s (%s): step after the episode ended: call env/reset to start a new one (or make the env with autoreset: true)", h.name, h.spec.ID)}
		}
		seed := NextSeed(h.seed)
		obs, inf, err := h.env.Reset(ctx, seed)
		if err != nil {
			return err
		}
		h.ended, h.seed, h.last = false, seed, obs
		if info == sendInfo {
			extra := make(map[string]any, len(inf.Extra)+2)
			for k, v := range inf.Extra {
				extra[k] = v
			}
			extra["autoreset"] = true
			extra["seed"] = seed
			inf.Extra = extra
		}
		*st = dojo.Step{Obs: obs, Info: inf}
		return nil
	}
	*st, err = h.env.Step(ctx, a)
	if err != nil {
		return err
	}
	h.ended, h.last = st.Terminated || st.Truncated, st.Obs
	return nil
}

// ---- env/close

type closeParams struct {
	Env string `json:"env"`
}

func mClose(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p closeParams
	if err := ss.decode(raw, &p, "env/close"); err != nil {
		return nil, "", err
	}
	if p.Env == "" {
		return nil, "", invalidParam("env", "env/close: env: required, an env handle from env/make")
	}
	ss.mu.Lock()
	h := ss.handles[p.Env]
	var t turn
	if h != nil {
		t = h.enqueue()
		delete(ss.handles, p.Env) // later requests no longer find it
	}
	ss.mu.Unlock()
	if h == nil {
		return nil, "", unknownHandle(p.Env, "env")
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		// Closing waits for the operations queued before it even when
		// the session is shutting down, so the env is never closed under
		// a running step.
		t.await(context.Background())
		defer t.release()
		if h.state != hReady {
			return nil, unknownHandle(h.name, "env")
		}
		h.state = hGone
		ss.mu.Lock()
		ss.unreserve(h)
		ss.mu.Unlock()
		if err := closeEnv(h.env); err != nil {
			return nil, dojo.Errorf(dojo.CodeInternal, "env %s (%s): Close failed: %v", h.name, h.spec.ID, err)
		}
		return append(dst, "null"...), nil
	}, p.Env, nil
}

// NextSeed returns the seed of the episode after one seeded with seed, when
// the client names none (an autoreset, or env/reset without a seed): the
// SplitMix64 mix of seed+1. Mixing rather than counting keeps envs seeded
// base, base+1, ... (a vector of envs) from replaying each other's
// episodes one reset later.
func NextSeed(seed uint64) uint64 {
	z := seed + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
