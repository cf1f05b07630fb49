package protocol

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dojo-rl/dojo"
)

// env/stepMany steps many envs in one request: the list form
// {"steps": [{"env", "action"}]} and the compact form {"envs", "actions",
// "compact": true}. The entries of one handle form a group stepped in
// order; groups run in parallel once stepping proves slow (runMany), and
// each entry is encoded right after its step into a worker's buffer.

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
	fast := ss.rd.stepMany(raw, m)
	names := m.names
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
		names = m.resize(len(p.Steps), stepsField)
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
		names = m.resize(len(p.Envs), arrayField)
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

// resize makes m hold n entries, all zero, whose parameters field names,
// and returns its names.
func (m *stepMany) resize(n int, field func(i int, what string) string) [][]byte {
	m.names = grow(m.names, n)
	m.actions = grow(m.actions, n)
	m.entries = grow(m.entries, n)
	m.field = field
	return m.names
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
	info := dropInfo // the compact form sends infos only when asked
	if !p.Compact || p.Info {
		info = sendInfo
	}
	var st dojo.Step
	for i := g.first; i >= 0; i = m.next[i] {
		e := &m.entries[i]
		if werr := h.ready(""); werr != nil {
			werr.Data.Field = m.field(int(i), "env")
			e.err = werr
			continue
		}
		err := ss.safeStep(ctx, h, m.actions[i], "env", info, &st)
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
func (ss *session) safeStep(ctx context.Context, h *handle, a dojo.Action, field string, info infoUse, st *dojo.Step) (err error) {
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
	b = appendOutputs(b, entries, entryOut)
	b = append(b, `],"rewards":[`...)
	for i := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		b, _ = dojo.AppendJSONFloat(b, entries[i].reward, 64) // finite: checked when stepped
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
		b = appendOutputs(b, entries, entryInfo)
		b = append(b, ']')
	}
	return append(b, '}')
}

// appendOutputs appends, comma-separated, what pick takes of each entry,
// or null for an entry in error.
func appendOutputs(b []byte, entries []manyEntry, pick func(*manyEntry) []byte) []byte {
	for i := range entries {
		if i > 0 {
			b = append(b, ',')
		}
		if e := &entries[i]; e.err != nil {
			b = append(b, "null"...)
		} else {
			b = append(b, pick(e)...)
		}
	}
	return b
}

func entryOut(e *manyEntry) []byte  { return e.out }
func entryInfo(e *manyEntry) []byte { return e.info }
