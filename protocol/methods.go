package protocol

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/render"
)

// method validates a request's params when the request is read, queues
// whatever it needs, and returns the function that serves it, which
// appends its result to dst. target names what the request is about (an
// env handle or id) in logs and internal errors.
type method func(ss *session, params json.RawMessage) (run runFunc, target string, err *Error)

type runFunc func(ctx context.Context, dst []byte) ([]byte, error)

var (
	methods     map[string]method
	methodNames string
	methodList  []string
	methodName  map[string]string // interned names
)

func init() {
	methods = map[string]method{
		"initialize":    mInitialize,
		"env/list":      mList,
		"env/make":      mMake,
		"env/reset":     mReset,
		"env/step":      mStep,
		"env/stepMany":  mStepMany,
		"env/render":    mRender,
		"env/close":     mClose,
		"task/generate": mGenerate,
		"task/verify":   mVerify,
	}
	methodList = []string{"initialize", "env/list", "env/make", "env/reset", "env/step", "env/stepMany", "env/render", "env/close", "task/generate", "task/verify"}
	methodNames = strings.Join(methodList, ", ")
	methodName = map[string]string{}
	for _, name := range methodList {
		methodName[name] = name
	}
}

// ---- initialize

type initializeParams struct {
	ProtocolVersion string          `json:"protocolVersion"`
	ClientInfo      json.RawMessage `json:"clientInfo"`
	Capabilities    json.RawMessage `json:"capabilities"`
}

// InitializeResult is the result of initialize.
type InitializeResult struct {
	ProtocolVersion string       `json:"protocolVersion"`
	ServerInfo      Info         `json:"serverInfo"`
	Capabilities    Capabilities `json:"capabilities"`
}

// Info names a program: the server in initialize's result, the client in
// its params.
type Info struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Capabilities tell a client what the server offers.
type Capabilities struct {
	// Methods are the methods served.
	Methods []string `json:"methods"`
	// Autoreset is the autoreset mode env/make accepts: "next-step".
	Autoreset string `json:"autoreset"`
	// Render lists the formats of env/render.
	Render []string `json:"render"`
	// Limits are the session's limits.
	Limits Limits `json:"limits"`
}

// Limits are a session's limits.
type Limits struct {
	MaxLineBytes int `json:"maxLineBytes"`
	MaxEnvs      int `json:"maxEnvs"`
	MaxTasks     int `json:"maxTasks"`
}

// MaxTasks bounds task/generate's count.
const MaxTasks = 10000

func mInitialize(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p initializeParams
	if err := ss.decode(raw, &p, "initialize"); err != nil {
		return nil, "", err
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		ss.log.Info("client initialized", "protocolVersion", p.ProtocolVersion, "clientInfo", string(p.ClientInfo))
		version := ss.srv.Version
		if version == "" {
			version = "dev"
		}
		return appendJSON(dst, InitializeResult{
			ProtocolVersion: ProtocolVersion,
			ServerInfo:      Info{Name: "dojo", Version: version},
			Capabilities: Capabilities{
				Methods:   methodList,
				Autoreset: "next-step",
				Render:    []string{"text", "png"},
				Limits:    Limits{MaxLineBytes: ss.maxLine, MaxEnvs: ss.maxEnvs, MaxTasks: MaxTasks},
			},
		})
	}, "", nil
}

// ---- env/list

type listParams struct {
	Family string `json:"family"`
}

func mList(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p listParams
	if err := ss.decode(raw, &p, "env/list"); err != nil {
		return nil, "", err
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		specs := ss.srv.Registry.Specs()
		if p.Family != "" {
			keep := specs[:0]
			for _, s := range specs {
				if dojo.Family(s.ID) == p.Family {
					keep = append(keep, s)
				}
			}
			specs = keep
		}
		if specs == nil {
			specs = []dojo.Spec{}
		}
		return appendJSON(dst, struct {
			Envs []dojo.Spec `json:"envs"`
		}{specs})
	}, p.Family, nil
}

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
	if err == nil {
		_, err = spec.Resolve(opts)
	}
	if err != nil {
		return nil, "", toWire(err, "env/make", nil)
	}
	ss.mu.Lock()
	h, t, werr := ss.newHandle()
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
			obs, info, err := h.env.Reset(ctx, seed)
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
	env, a, ok := fastStep(raw)
	if ok && !ss.slowOnly {
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
			st, err := ss.step(ctx, h, a, "env", true)
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

// step steps h's env, or resets it when autoreset is on and its episode
// ended. The caller holds h's turn and has checked it is ready. Without
// info the caller does not send the step's info, so an autoreset leaves
// out what it would add to it.
func (ss *session) step(ctx context.Context, h *handle, a dojo.Action, field string, info bool) (st dojo.Step, err error) {
	err = ss.stepInto(ctx, h, a, field, info, &st)
	return st, err
}

// stepInto is step writing the step to *st, which spares the copies of a
// dojo.Step returned through several calls on the hot path.
func (ss *session) stepInto(ctx context.Context, h *handle, a dojo.Action, field string, info bool, st *dojo.Step) (err error) {
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
		if info {
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

// ---- env/stepMany

type stepManyParams struct {
	Steps   []stepParams      `json:"steps"`
	Envs    []string          `json:"envs"`
	Actions []json.RawMessage `json:"actions"`
	Compact bool              `json:"compact"`
	Info    bool              `json:"info"`
	Values  bool              `json:"values"`
}

// manyGroup is the entries of one handle in a stepMany, stepped in order:
// first, then next[first], next[next[first]], ... up to -1.
type manyGroup struct {
	t           turn
	first, last int32
}

// manyEntry is the outcome of one entry.
type manyEntry struct {
	err         *Error
	out         []byte // the step (list form) or the observation (compact)
	info        []byte // compact with info
	reward      float64
	term, trunc bool
}

// stepMany is a prepared env/stepMany. Its slices are reused from one
// env/stepMany to the next through manyPool: a request holds it from when
// it is read until its response is encoded.
type stepMany struct {
	p       stepManyParams
	names   [][]byte // valid while the request is read
	actions []dojo.Action
	entries []manyEntry
	groups  []manyGroup
	next    []int32 // the entry after each in its group, -1 for none
	field   func(i int, what string) string
	bufs    []*lineBuf   // the workers' buffers, which entries point into
	claim   atomic.Int64 // the next group for a worker to take
	wg      sync.WaitGroup
	ss      *session
	run     runFunc // m.serve, bound once
}

var manyPool = sync.Pool{New: func() any { return new(stepMany) }}

// getMany returns an empty stepMany, whose slices may have room from an
// earlier request.
func getMany(ss *session) *stepMany {
	m := manyPool.Get().(*stepMany)
	if m.run == nil {
		m.run = m.serve
	}
	m.ss = ss
	return m
}

// putMany empties m, dropping what its entries refer to, and pools it.
func putMany(m *stepMany) {
	clear(m.names)
	clear(m.actions)
	clear(m.entries)
	clear(m.groups)
	clear(m.bufs)
	m.p = stepManyParams{}
	m.names, m.actions, m.entries = m.names[:0], m.actions[:0], m.entries[:0]
	m.groups, m.next, m.bufs = m.groups[:0], m.next[:0], m.bufs[:0]
	m.field, m.ss = nil, nil
	if cap(m.entries) <= 1<<16 {
		manyPool.Put(m)
	}
}

// grow returns s resized to n elements, all zero, reusing its array when it
// is large enough.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

func mStepMany(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	m := getMany(ss)
	run, werr := m.prepare(raw)
	if werr != nil {
		putMany(m)
		return nil, "", werr
	}
	return run, "", nil
}

// prepare reads the params and queues one operation per distinct handle.
func (m *stepMany) prepare(raw json.RawMessage) (runFunc, *Error) {
	ss := m.ss
	p0, names, actions, fast := fastStepManyInto(raw, m.names, m.actions)
	m.p = p0
	if names != nil {
		m.names = names
	}
	if actions != nil {
		m.actions = actions
	}
	if fast && ss.slowOnly {
		fast, names = false, nil
	}
	if !fast {
		m.p = stepManyParams{}
		if err := ss.decode(raw, &m.p, "env/stepMany"); err != nil {
			return nil, err
		}
	}
	p := &m.p
	if p.Values && !p.Compact {
		return nil, invalidParam("values", `env/stepMany: "values": true needs "compact": true (it makes the observations bare values)`)
	}
	switch {
	case fast:
		m.entries = grow(m.entries, len(names))
		m.field = arrayField
	case p.Steps != nil && (p.Envs != nil || p.Actions != nil):
		return nil, invalidParam("steps", `env/stepMany: give either "steps": [{"env", "action"}] or "envs" and "actions", not both`)
	case p.Steps != nil:
		names = grow(m.names, len(p.Steps))
		m.names = names
		m.actions = grow(m.actions, len(p.Steps))
		m.entries = grow(m.entries, len(p.Steps))
		m.field = stepsField
		for i, s := range p.Steps {
			names[i] = []byte(s.Env)
			if err := m.actions[i].UnmarshalJSON(s.Action); err != nil || len(s.Action) == 0 {
				_, m.entries[i].err = decodeAction(s.Action, m.field(i, "action"))
			}
		}
	case p.Envs != nil || p.Actions != nil:
		if len(p.Envs) != len(p.Actions) {
			return nil, invalidParam("actions", "env/stepMany: %d actions for %d envs: give one action per env", len(p.Actions), len(p.Envs))
		}
		names = grow(m.names, len(p.Envs))
		m.names = names
		m.actions = grow(m.actions, len(p.Envs))
		m.entries = grow(m.entries, len(p.Envs))
		m.field = arrayField
		for i, r := range p.Actions {
			names[i] = []byte(p.Envs[i])
			if err := m.actions[i].UnmarshalJSON(r); err != nil {
				_, m.entries[i].err = decodeAction(r, m.field(i, "action"))
			}
		}
	default:
		return nil, invalidParam("steps", `env/stepMany: no steps: give "steps": [{"env", "action"}, ...] or "envs": [...] and "actions": [...]`)
	}
	// Queue one operation per distinct handle, in order of appearance,
	// and chain each handle's entries.
	m.next = grow(m.next, len(names))
	if cap(m.groups) < len(names) {
		m.groups = make([]manyGroup, 0, len(names))
	}
	ss.mu.Lock()
	ss.manySeq++
	seq := ss.manySeq
	for i, name := range names {
		m.next[i] = -1
		if m.entries[i].err != nil {
			continue
		}
		if len(name) == 0 {
			m.entries[i].err = invalidParam(m.field(i, "env"), "%s: required, an env handle from env/make", m.field(i, "env"))
			continue
		}
		h := ss.handles[string(name)]
		if h == nil {
			m.entries[i].err = unknownHandle(string(name), m.field(i, "env"))
			continue
		}
		if h.manySeq != seq {
			h.manySeq, h.manyIdx = seq, len(m.groups)
			m.groups = append(m.groups, manyGroup{t: h.enqueue(), first: int32(i), last: int32(i)})
			continue
		}
		g := &m.groups[h.manyIdx]
		m.next[g.last] = int32(i)
		g.last = int32(i)
	}
	ss.mu.Unlock()
	clear(m.names) // they point into the line, which the reader reuses
	return m.run, nil
}

// serve steps the entries and appends the result to dst; m is pooled
// again after.
func (m *stepMany) serve(ctx context.Context, dst []byte) ([]byte, error) {
	m.ss.runMany(ctx, m)
	if m.p.Compact {
		dst = appendCompact(dst, m.entries, m.p.Info)
	} else {
		dst = appendResults(dst, m.entries)
	}
	for _, b := range m.bufs {
		if b != nil {
			putBuf(b)
		}
	}
	putMany(m)
	return dst, nil
}

// stepsField names the parameter of entry i in the "steps" form.
func stepsField(i int, what string) string { return fmt.Sprintf("steps.%d.%s", i, what) }

// arrayField names the parameter of entry i in the parallel-arrays form.
func arrayField(i int, what string) string {
	if what == "env" {
		return fmt.Sprintf("envs.%d", i)
	}
	return fmt.Sprintf("actions.%d", i)
}

// runMany steps the groups, in parallel across groups and in order within
// each, encoding each entry's outcome right after its step (the env's
// buffers are valid only until its next step) into buffers it leaves in
// m.bufs, which the entries' outputs point into.
func (ss *session) runMany(ctx context.Context, m *stepMany) {
	stepped := 0
	for k := range m.groups {
		g := &m.groups[k]
		if err := g.t.await(ctx); err != nil {
			werr := ss.wire(err, "env/stepMany")
			for i := g.first; i >= 0; i = m.next[i] {
				m.entries[i].err = werr
			}
			g.t = turn{} // never its turn: await passed it on
			continue
		}
		for i := g.first; i >= 0; i = m.next[i] {
			stepped++
		}
	}
	if stepped == 0 {
		return
	}
	workers := min(ss.parallel, len(m.groups))
	m.bufs = grow(m.bufs, max(workers, 1))
	m.claim.Store(0)
	// Worker 0 starts alone and calls the others in only when the steps
	// prove slow: waking another thread costs more than stepping dozens
	// of light envs, and the client may need the other core meanwhile.
	after := ss.fanOutAfter
	spawned := workers <= 1
	if !spawned && after < 0 {
		m.spread(ctx, workers)
		spawned = true
	}
	start := time.Now()
	buf := getBuf()
	buf.b = buf.b[:0]
	for {
		k := int(m.claim.Add(1)) - 1
		if k >= len(m.groups) {
			break
		}
		buf.b = ss.runGroup(ctx, m, &m.groups[k], buf.b)
		if !spawned && (k < 8 || k&7 == 0) && k+1 < len(m.groups) && time.Since(start) >= after {
			m.spread(ctx, workers)
			spawned = true
		}
	}
	m.bufs[0] = buf
	m.wg.Wait()
}

// manyFanOutAfter is how long an env/stepMany steps its envs on one
// goroutine before it spreads the rest over Server.Parallelism goroutines.
// Light envs (64 FrozenLakes take some 20 µs) are never spread: from
// Python on 2 cores, spreading them even past 20 µs cost a fifth of the
// throughput.
const manyFanOutAfter = 100 * time.Microsecond

// spread starts workers 1 to workers-1 of runMany.
func (m *stepMany) spread(ctx context.Context, workers int) {
	for w := 1; w < workers; w++ {
		m.wg.Go(func() { m.work(ctx, w) })
	}
}

// work is a worker of runMany other than the first: it steps the groups
// it claims into a buffer it leaves in m.bufs[w].
func (m *stepMany) work(ctx context.Context, w int) {
	buf := getBuf()
	buf.b = buf.b[:0]
	for {
		k := int(m.claim.Add(1)) - 1
		if k >= len(m.groups) {
			break
		}
		buf.b = m.ss.runGroup(ctx, m, &m.groups[k], buf.b)
	}
	m.bufs[w] = buf
}

// runGroup steps one handle's entries into buf and returns buf. Entries
// keep slices of buf, which stay valid as buf grows.
func (ss *session) runGroup(ctx context.Context, m *stepMany, g *manyGroup, buf []byte) []byte {
	if g.t.h == nil {
		return buf // its turn never came
	}
	defer g.t.release()
	h, p := g.t.h, &m.p
	var st dojo.Step
	for i := g.first; i >= 0; i = m.next[i] {
		e := &m.entries[i]
		if werr := h.ready(""); werr != nil {
			werr.Data.Field = m.field(int(i), "env")
			e.err = werr
			continue
		}
		err := ss.safeStep(ctx, h, m.actions[i], "env", !p.Compact || p.Info, &st)
		if err != nil {
			e.err = ss.wire(err, "env/stepMany ("+h.name+")")
			if e.err.Data != nil && e.err.Data.Field == "env" {
				e.err.Data.Field = m.field(int(i), "env")
			}
			continue
		}
		start := len(buf)
		if p.Compact {
			switch {
			case !p.Values:
				buf, err = appendObs(buf, &st.Obs)
			case st.Obs.Value == nil:
				buf = append(buf, "null"...)
			default:
				buf, err = appendValue(buf, st.Obs.Value)
			}
			e.out = buf[start:len(buf):len(buf)]
			if err == nil {
				if math.IsNaN(st.Reward) || math.IsInf(st.Reward, 0) {
					err = errNonFinite{"the reward", st.Reward}
				}
				e.reward, e.term, e.trunc = st.Reward, st.Terminated, st.Truncated
			}
			if err == nil && p.Info {
				start = len(buf)
				buf, err = appendInfo(buf, &st.Info)
				e.info = buf[start:len(buf):len(buf)]
			}
		} else {
			buf, err = appendStep(buf, &st)
			e.out = buf[start:len(buf):len(buf)]
		}
		if err != nil {
			*e = manyEntry{err: ss.wire(dojo.Errorf(dojo.CodeInternal, "env %s (%s): Step returned %v", h.name, h.spec.ID, err), "")}
		}
	}
	return buf
}

// safeStep is step with a panic of the env turned into an error.
func (ss *session) safeStep(ctx context.Context, h *handle, a dojo.Action, field string, info bool, st *dojo.Step) (err error) {
	defer ss.protect(h, "Step", &err)
	return ss.stepInto(ctx, h, a, field, info, st)
}

// appendResults writes the list form: {"results": [step | {"error"}]}.
func appendResults(b []byte, entries []manyEntry) []byte {
	b = append(b, `{"results":[`...)
	for i := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		if e := &entries[i]; e.err != nil {
			b = append(b, `{"error":`...)
			b = appendError(b, e.err)
			b = append(b, '}')
		} else {
			b = append(b, e.out...)
		}
	}
	return append(b, "]}"...)
}

// appendCompact writes the compact form: one array per field.
func appendCompact(b []byte, entries []manyEntry, withInfo bool) []byte {
	b = append(b, `{"observations":[`...)
	for i := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		if e := &entries[i]; e.err != nil {
			b = append(b, "null"...)
		} else {
			b = append(b, e.out...)
		}
	}
	b = append(b, `],"rewards":[`...)
	for i := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b, _ = appendFloat(b, entries[i].reward, 64) // finite: checked when stepped
	}
	b = append(b, `],"terminated":[`...)
	for i := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendBool(b, entries[i].term)
	}
	b = append(b, `],"truncated":[`...)
	for i := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendBool(b, entries[i].trunc)
	}
	b = append(b, `],"errors":[`...)
	for i := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		if e := &entries[i]; e.err != nil {
			b = appendError(b, e.err)
		} else {
			b = append(b, "null"...)
		}
	}
	b = append(b, ']')
	if withInfo {
		b = append(b, `,"infos":[`...)
		for i := range entries {
			if i > 0 {
				b = append(b, ',')
			}
			if e := &entries[i]; e.err != nil {
				b = append(b, "null"...)
			} else {
				b = append(b, e.info...)
			}
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

// ---- env/render

type renderParams struct {
	Env    string `json:"env"`
	Format string `json:"format"`
}

func mRender(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p renderParams
	if err := ss.decode(raw, &p, "env/render"); err != nil {
		return nil, "", err
	}
	switch p.Format {
	case "":
		p.Format = "text"
	case "text", "png":
	default:
		return nil, "", invalidParam("format", "env/render: format %q: want \"text\" or \"png\"", p.Format)
	}
	t, werr := ss.lookupParam(p.Env, "env", "env/render")
	if werr != nil {
		return nil, "", werr
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		return ss.envOp(ctx, t, "env", "render", dst, func(h *handle, dst []byte) ([]byte, error) {
			if !h.started {
				return nil, &dojo.Error{Code: dojo.CodeState, Field: "env", Msg: fmt.Sprintf("env %s (%s): render before reset: call env/reset first", h.name, h.spec.ID)}
			}
			var mime, data string
			if p.Format == "png" {
				img, err := frame(h)
				if err != nil {
					return nil, err
				}
				var buf bytes.Buffer
				if err := png.Encode(&buf, img); err != nil {
					return nil, dojo.Errorf(dojo.CodeInternal, "env %s (%s): its frame does not encode as PNG: %v", h.name, h.spec.ID, err)
				}
				mime, data = "image/png", base64.StdEncoding.EncodeToString(buf.Bytes())
			} else {
				text, err := renderText(&h.last)
				if err != nil {
					return nil, newError(CodeUnsupported, "format", "env %s (%s): %v", h.name, h.spec.ID, err)
				}
				mime, data = "text/plain; charset=utf-8", text
			}
			return appendJSON(dst, struct {
				MimeType string `json:"mimeType"`
				Data     string `json:"data"`
			}{mime, data})
		})
	}, p.Env, nil
}

// frame draws the env's current state: its own Frame when it is a
// dojo.Renderer, else its state (dojo.Stater) or last observation drawn by
// package render, as episode files are.
func frame(h *handle) (image.Image, error) {
	if r, ok := h.env.(dojo.Renderer); ok {
		img := r.Frame()
		if img == nil {
			return nil, newError(CodeUnsupported, "format", "env %s (%s) returned no frame to draw", h.name, h.spec.ID)
		}
		return img, nil
	}
	var state json.RawMessage
	if s, ok := h.env.(dojo.Stater); ok {
		b, err := json.Marshal(s.State())
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInternal, "env %s (%s): its State does not marshal to JSON: %v", h.name, h.spec.ID, err)
		}
		state = b
	}
	img, err := render.Current(h.spec.ID, h.seed, h.last, state)
	if err != nil {
		return nil, newError(CodeUnsupported, "format", "env %s (%s) cannot be drawn: %v", h.name, h.spec.ID, err)
	}
	return img, nil
}

// renderText returns the current observation as text: its Text, else the
// contents of its messages, else its value as JSON.
func renderText(o *dojo.Obs) (string, error) {
	if o.Text != "" {
		return o.Text, nil
	}
	if len(o.Messages) > 0 {
		parts := make([]string, len(o.Messages))
		for i, m := range o.Messages {
			parts[i] = m.Content
		}
		return strings.Join(parts, "\n\n"), nil
	}
	if o.Value != nil {
		b, err := appendValue(nil, o.Value)
		if err != nil {
			return "", fmt.Errorf("the observation value %v", err)
		}
		return string(b), nil
	}
	return "", fmt.Errorf("the observation is empty: there is nothing to render as text")
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
		if err := closeEnv(h.env); err != nil {
			return nil, dojo.Errorf(dojo.CodeInternal, "env %s (%s): Close failed: %v", h.name, h.spec.ID, err)
		}
		return append(dst, "null"...), nil
	}, p.Env, nil
}

// ---- task/generate and task/verify

type generateParams struct {
	ID      string          `json:"id"`
	Options json.RawMessage `json:"options"`
	Seed    uint64          `json:"seed"`
	Count   *int            `json:"count"`
	Verify  bool            `json:"verify"`
}

func mGenerate(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p generateParams
	if err := ss.decode(raw, &p, "task/generate"); err != nil {
		return nil, "", err
	}
	if p.ID == "" {
		return nil, "", invalidParam("id", "task/generate: id: required, the id of a task-based env")
	}
	count := 1
	if p.Count != nil {
		count = *p.Count
	}
	if count < 1 || count > MaxTasks {
		return nil, "", invalidParam("count", "task/generate: count %d: want 1 to %d tasks per request", count, MaxTasks)
	}
	if p.Seed > math.MaxUint64-uint64(count-1) {
		return nil, "", invalidParam("seed", "task/generate: seeds %d to %d+%d overflow 64 bits", p.Seed, p.Seed, count-1)
	}
	opts, err := dojo.ParseOptions(p.Options)
	if err != nil {
		return nil, "", toWire(err, "task/generate", nil)
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		tasks := make([]dojo.Task, count)
		for i := range tasks {
			t, err := ss.tasks.Generate(ctx, p.ID, opts, p.Seed+uint64(i))
			if err != nil {
				return nil, err
			}
			if !p.Verify {
				t.Verify = nil
			}
			tasks[i] = t
		}
		b, err := appendJSON(dst, struct {
			Tasks []dojo.Task `json:"tasks"`
		}{tasks})
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInternal, "task/generate %s: a task %v", p.ID, err)
		}
		return b, nil
	}, p.ID, nil
}

type verifyParams struct {
	ID       string          `json:"id"`
	Task     json.RawMessage `json:"task"`
	Response json.RawMessage `json:"response"`
}

func mVerify(ss *session, raw json.RawMessage) (runFunc, string, *Error) {
	var p verifyParams
	if err := ss.decode(raw, &p, "task/verify"); err != nil {
		return nil, "", err
	}
	if len(bytes.TrimSpace(p.Task)) == 0 {
		return nil, "", invalidParam("task", "task/verify: task: required, a task as task/generate returned it")
	}
	var task dojo.Task
	if err := json.Unmarshal(p.Task, &task); err != nil {
		return nil, "", paramError(prefixField(err, "task"), &task, "task/verify")
	}
	if task.Env == "" {
		task.Env = p.ID
	}
	if p.ID != "" && task.Env != p.ID {
		return nil, "", invalidParam("id", "task/verify: id %q differs from the task's env %q", p.ID, task.Env)
	}
	resp, werr := decodeResponse(p.Response, "response")
	if werr != nil {
		werr.Message = "task/verify: " + werr.Message
		return nil, "", werr
	}
	return func(ctx context.Context, dst []byte) ([]byte, error) {
		sc, err := ss.tasks.Verify(ctx, task, resp)
		if err != nil {
			return nil, err
		}
		b, err := appendJSON(dst, sc)
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInternal, "task/verify %s: the score %v", task.Env, err)
		}
		return b, nil
	}, task.Env, nil
}

// prefixField makes a type error's field a path under prefix.
func prefixField(err error, prefix string) error {
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		c := *te
		if c.Field == "" {
			c.Field = prefix
		} else {
			c.Field = prefix + "." + c.Field
		}
		return &c
	}
	return err
}

// decodeResponse reads a response: a string (the final text) or an object
// {"text", "messages"}.
func decodeResponse(raw json.RawMessage, field string) (dojo.Response, *Error) {
	var r dojo.Response
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return r, invalidParam(field, "%s: required: the model's final text, or {\"text\", \"messages\"}", field)
	}
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &r.Text); err != nil {
			return r, invalidParam(field, "%s: not a valid JSON string", field)
		}
		return r, nil
	case '{':
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return r, invalidParam(field, "%s: want {\"text\": string, \"messages\": [chat messages]} (%s)", field, describeDecodeError(err))
		}
		return r, nil
	}
	return r, invalidParam(field, "%s: got %s, want the model's final text or {\"text\", \"messages\"}", field, jsonKind(raw))
}

// describeDecodeError says in dojo's words what was wrong with a value.
func describeDecodeError(err error) string {
	var te *json.UnmarshalTypeError
	if ok := asTypeError(err, &te); ok {
		if te.Field != "" {
			return fmt.Sprintf("%s: want %s, got %s", te.Field, describeType(te.Type), te.Value)
		}
		return fmt.Sprintf("want %s, got %s", describeType(te.Type), te.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + name
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("not valid JSON (at byte %d)", se.Offset)
	}
	return "not of the expected shape"
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = t
	}
	return ok
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
