package protocol

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/dojo-rl/dojo"
)

// handle is an env of the session, named by an opaque string.
//
// Operations on a handle run in the order their requests arrived: the
// reader gives each one a ticket when it reads the request, and each runs
// once the operations of the tickets before it are done. The fields below
// the queue belong to the operation whose turn it is.
type handle struct {
	name string

	// The queue. An operation whose turn has come when it asks (the common
	// case) runs without allocating; one that must wait gets a channel.
	qmu     sync.Mutex
	tickets uint64                   // tickets given
	served  atomic.Uint64            // the ticket whose turn it is; stored under qmu
	waiting map[uint64]chan struct{} // tickets waiting for their turn
	gaveUp  map[uint64]bool          // tickets whose context ended while waiting

	// stepMany's grouping, guarded by session.mu.
	manySeq uint64
	manyIdx int

	// The fields a step uses come first, to share few cache lines.
	state     handleState
	autoreset bool
	started   bool // reset at least once
	ended     bool // the episode ended (for autoreset)
	env       dojo.Env
	broken    string // why the env is unusable after a panic
	seed      uint64 // seed of the last reset
	last      dojo.Obs
	spec      dojo.Spec
	mem       int64 // the env's memory estimate, booked in the session's budget; guarded by session.mu
}

type handleState uint8

const (
	hMaking handleState = iota
	hReady
	hGone // env/make failed, or env/close closed it
)

// turn is an operation's place in a handle's queue; the zero turn is
// none.
type turn struct {
	h *handle
	n uint64
}

// enqueue queues an operation on h.
func (h *handle) enqueue() turn {
	h.qmu.Lock()
	t := turn{h: h, n: h.tickets}
	h.tickets++
	h.qmu.Unlock()
	return t
}

// await waits for the turn. If ctx ends first it returns the context's
// error, and the turn is skipped when it comes.
func (t turn) await(ctx context.Context) error {
	h := t.h
	if h.served.Load() == t.n { // only this turn's release moves it on
		return nil
	}
	h.qmu.Lock()
	if h.served.Load() == t.n {
		h.qmu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	if h.waiting == nil {
		h.waiting = map[uint64]chan struct{}{}
	}
	h.waiting[t.n] = ch
	h.qmu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
	}
	h.qmu.Lock()
	if h.served.Load() == t.n { // the turn came meanwhile: pass it on
		h.qmu.Unlock()
		t.release()
		return ctx.Err()
	}
	delete(h.waiting, t.n)
	if h.gaveUp == nil {
		h.gaveUp = map[uint64]bool{}
	}
	h.gaveUp[t.n] = true
	h.qmu.Unlock()
	return ctx.Err()
}

// release ends the turn: the next operation's turn comes.
func (t turn) release() {
	h := t.h
	h.qmu.Lock()
	next := t.n + 1
	for h.gaveUp[next] {
		delete(h.gaveUp, next)
		next++
	}
	h.served.Store(next)
	if ch, ok := h.waiting[next]; ok {
		delete(h.waiting, next)
		close(ch)
	}
	h.qmu.Unlock()
}

// lookup finds a handle and queues an operation on it; the error names the
// handle when it does not exist. field is the parameter that named it.
func (ss *session) lookup(name, field string) (turn, *Error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	h := ss.handles[name]
	if h == nil {
		return turn{}, unknownHandle(name, field)
	}
	return h.enqueue(), nil
}

func unknownHandle(name, field string) *Error {
	return newError(dojo.CodeNotFound, field, "unknown env handle %q: env/make returns handles, and env/close or a failed env/make ends them", name)
}

// ready checks that the handle's env can be used, once its turn came.
func (h *handle) ready(field string) *Error {
	switch {
	case h.state != hReady:
		return unknownHandle(h.name, field)
	case h.broken != "":
		return newError(dojo.CodeState, field, "env %s (%s) is unusable: %s; close it and make a new one", h.name, h.spec.ID, h.broken)
	}
	return nil
}

// newHandle makes a handle in the making for an env of id estimated to
// take mem bytes; the caller holds ss.mu.
func (ss *session) newHandle(id string, mem int64) (*handle, turn, *Error) {
	if len(ss.handles) >= ss.maxEnvs {
		return nil, turn{}, newError(CodeLimit, "", "env/make: %d envs are open, the session's limit: close some with env/close (or raise the server's limit)", len(ss.handles))
	}
	h := &handle{}
	if werr := ss.reserve(h, id, mem); werr != nil {
		return nil, turn{}, werr
	}
	ss.next++
	h.name = "e" + strconv.FormatUint(ss.next, 10)
	ss.handles[h.name] = h
	return h, h.enqueue(), nil
}

// forget removes a handle from the session's table.
func (ss *session) forget(h *handle) {
	ss.mu.Lock()
	if ss.handles[h.name] == h {
		delete(ss.handles, h.name)
	}
	ss.unreserve(h)
	ss.mu.Unlock()
}

// closeAll closes every env of the session; requests are no longer in
// flight.
func (ss *session) closeAll() {
	ss.mu.Lock()
	hs := ss.handles
	ss.handles = map[string]*handle{}
	ss.mu.Unlock()
	names := make([]string, 0, len(hs))
	for name := range hs {
		names = append(names, name)
	}
	for _, name := range names {
		h := hs[name]
		if h.state == hReady {
			if err := closeEnv(h.env); err != nil {
				ss.log.Warn("closing an env at the end of the session", "env", h.name, "id", h.spec.ID, "error", err.Error())
			}
			h.state = hGone
		}
	}
}

// closeEnv closes an env, turning a panic into an error.
func closeEnv(env dojo.Env) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in Close: %v", p)
		}
	}()
	return dojo.Close(env)
}
