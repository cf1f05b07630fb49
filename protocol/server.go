package protocol

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/dojo-rl/dojo"
)

// Server limits' defaults.
const (
	DefaultMaxLineBytes    = 16 << 20
	DefaultMaxEnvs         = 4096
	DefaultReadBufferBytes = 64 << 10
	DefaultShutdownGrace   = 2 * time.Second
)

// ErrIdle is the error Serve returns when it ends a session for being idle
// longer than Server.IdleTimeout.
var ErrIdle = errors.New("protocol: session idle longer than the idle timeout")

// Server serves the envs of a registry over newline-delimited JSON-RPC 2.0
// (see the package doc for the methods). Its zero value needs only
// Registry; the other fields have working defaults. A Server holds no
// session state: each call of Serve is a session with its own envs, so one
// Server may serve several sessions at once.
type Server struct {
	// Registry makes the envs.
	Registry *dojo.Registry
	// Log receives the server's logs (never protocol output); nil
	// discards them.
	Log *slog.Logger
	// MaxLineBytes bounds a request line, without its newline (default
	// DefaultMaxLineBytes, 16 MiB). A longer line is answered with a
	// -32600 error and id null, and serving goes on.
	MaxLineBytes int
	// MaxEnvs bounds the envs open at once in a session (default
	// DefaultMaxEnvs). env/make beyond it fails with a limit error.
	MaxEnvs int
	// Parallelism bounds how many envs env/stepMany steps at once
	// (default GOMAXPROCS).
	Parallelism int
	// Version is the serverInfo.version sent by initialize (default
	// "dev").
	Version string
	// ReadBufferBytes is the size of a session's read buffer (default
	// DefaultReadBufferBytes, 64 KiB). Lines longer than the buffer are
	// still read whole (up to MaxLineBytes); a small buffer saves memory
	// where many sessions sit idle (the network server's).
	ReadBufferBytes int
	// StepTimeout bounds each env/reset, env/step, env/stepMany entry and
	// task/verify: the env's context is canceled after it, and the
	// request (or entry) fails with a timeout error (-32003). An env that
	// ignores its context finishes its step, which then counts. 0 (the
	// default) sets no deadline.
	StepTimeout time.Duration
	// MemoryBudget bounds the memory a session's open envs are estimated
	// to take (EstimateEnvBytes), in bytes: env/make of an env that does
	// not fit fails with a limit error (-32007) naming the estimate and
	// the budget. 0 means DefaultMemoryBudget (2 GiB); negative, none.
	MemoryBudget int64
	// ShutdownGrace is how long Serve waits, once its context is
	// canceled, for the requests in flight to end (default
	// DefaultShutdownGrace, 2s): they are canceled and answered with a
	// canceled error (-32004). A request still running after it (an env
	// that ignores its context, a response no one reads) is abandoned,
	// and Serve returns.
	ShutdownGrace time.Duration
	// IdleTimeout ends a session that has read no request and had none in
	// flight for this long: Serve then returns ErrIdle. 0 (the default)
	// never does.
	IdleTimeout time.Duration

	// fanOutAfter overrides manyFanOutAfter when not 0; negative spreads
	// every env/stepMany at once (for the tests of parallel stepping).
	fanOutAfter time.Duration
	// reading picks the sessions' request reader (the fast one unless a
	// test or benchmark asks for the standard one).
	reading readerKind
}

// Serve reads requests from r, one JSON object per line, and writes one
// response line per request that has an id to w, each in a single Write.
// Requests are served concurrently and answered by id: a request still
// running after a moment hands the reading of the next ones over to a new
// goroutine, so a slow env never holds up the others. Operations on one
// env are applied in the order their requests arrived.
//
// At the end of r, Serve waits for the requests in flight, closes every env
// of the session and returns nil. When ctx is canceled it cancels the
// requests in flight (they are answered with a canceled error), waits for
// them at most ShutdownGrace, closes the envs and returns ctx.Err()
// without waiting for r (a goroutine blocked reading r ends when r does)
// or for a client that reads nothing. A read error or a failed write ends
// the session with that error, within the same grace.
func (s *Server) Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	if s.Registry == nil {
		return dojo.Errorf(dojo.CodeInvalid, "protocol: Server without a Registry")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ss := s.newSession(ctx, cancel, w)

	done := make(chan error, 1)
	ss.readDone = done
	bufSize := s.ReadBufferBytes
	if bufSize <= 0 {
		bufSize = DefaultReadBufferBytes
	}
	if s.IdleTimeout > 0 {
		ss.idle = s.IdleTimeout
		ss.touch()
		ss.idleTimer = time.AfterFunc(ss.idle, ss.checkIdle)
		defer ss.idleTimer.Stop()
	}
	go ss.readLoop(&lineReader{br: bufio.NewReaderSize(r, bufSize)})
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = context.Cause(ctx)
	}
	ss.mu.Lock()
	ss.closed = true
	ss.mu.Unlock()
	if err != nil {
		cancel(err)
	}
	finished := make(chan struct{})
	go func() {
		ss.inflight.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		// Canceled (or the write failed): the requests in flight get
		// ShutdownGrace to end. One blocked writing to a client that
		// reads nothing, or stuck in an env that ignores its context,
		// is left behind: its envs are closed when it ends.
		grace := s.ShutdownGrace
		if grace <= 0 {
			grace = DefaultShutdownGrace
		}
		t := time.NewTimer(grace)
		select {
		case <-finished:
			t.Stop()
		case <-t.C:
			ss.log.Warn("requests still in flight after the shutdown grace; ending the session without them", "grace", grace.String())
			go func() {
				<-finished
				ss.closeAll()
				ss.tasks.Close()
			}()
			if err == nil {
				err = context.Cause(ctx)
			}
			return err
		}
	}
	ss.closeAll()
	ss.tasks.Close()
	if werr := ss.writeErr(); werr != nil && err == nil {
		err = werr
	}
	if err == nil && ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	return err
}

func (s *Server) newSession(ctx context.Context, cancel context.CancelCauseFunc, w io.Writer) *session {
	ss := &session{
		srv:         s,
		ctx:         ctx,
		cancel:      cancel,
		log:         s.Log,
		w:           w,
		handles:     map[string]*handle{},
		maxLine:     s.MaxLineBytes,
		stepTimeout: s.StepTimeout,
		maxEnvs:     s.MaxEnvs,
		parallel:    s.Parallelism,

		fanOutAfter: s.fanOutAfter,
	}
	if ss.log == nil {
		ss.log = slog.New(slog.DiscardHandler)
	}
	if ss.maxLine <= 0 {
		ss.maxLine = DefaultMaxLineBytes
	}
	if ss.maxEnvs <= 0 {
		ss.maxEnvs = DefaultMaxEnvs
	}
	if ss.parallel <= 0 {
		ss.parallel = runtime.GOMAXPROCS(0)
	}
	switch {
	case s.MemoryBudget == 0:
		ss.memBudget = DefaultMemoryBudget
	case s.MemoryBudget > 0:
		ss.memBudget = s.MemoryBudget
	}
	if ss.fanOutAfter == 0 {
		ss.fanOutAfter = manyFanOutAfter
	}
	ss.tasks = NewTasker(s.Registry)
	ss.rd = s.reading.reader()
	return ss
}

// session is the state of one Serve call.
type session struct {
	srv      *Server
	ctx      context.Context
	cancel   context.CancelCauseFunc
	log      *slog.Logger
	maxLine  int
	maxEnvs  int
	parallel int
	tasks    *Tasker

	fanOutAfter time.Duration // see Server.fanOutAfter
	stepTimeout time.Duration // see Server.StepTimeout

	// idle is Server.IdleTimeout (0: none). busy counts the requests in
	// flight and lastActive is when one was last read or finished (Unix
	// nanoseconds); idleTimer checks them.
	idle       time.Duration
	busy       atomic.Int64
	lastActive atomic.Int64
	idleTimer  *time.Timer

	wmu  sync.Mutex // serializes writes
	w    io.Writer
	emu  sync.Mutex // guards werr
	werr error

	inflight sync.WaitGroup
	readDone chan<- error // receives why reading ended (nil at the end of the input)

	mu      sync.Mutex // guards the fields below
	closed  bool       // no more requests are dispatched
	handles map[string]*handle
	next    uint64 // number of the last handle made
	// memUsed is the memory the open envs are estimated to take, of
	// memBudget (0: no budget).
	memUsed, memBudget int64
	manySeq            uint64 // number of the last env/stepMany read

	// rd reads the requests; only the goroutine reading them uses it.
	rd requestReader
}

// write writes one whole line.
func (ss *session) write(line []byte) {
	ss.wmu.Lock()
	defer ss.wmu.Unlock()
	if ss.writeErr() != nil {
		return
	}
	if _, err := ss.w.Write(line); err != nil {
		werr := fmt.Errorf("protocol: writing a response: %w", err)
		ss.emu.Lock()
		ss.werr = werr
		ss.emu.Unlock()
		ss.cancel(werr)
	}
}

// writeErr returns why writing failed, if it did. It does not wait for a
// write in progress (which may be blocked on a client that reads nothing).
func (ss *session) writeErr() error {
	ss.emu.Lock()
	defer ss.emu.Unlock()
	return ss.werr
}

// lineReader is the reading end of a session. One goroutine at a time
// reads from it.
type lineReader struct {
	br  *bufio.Reader
	buf []byte
}

// handoffAfter is how long a request is served by the goroutine that read
// it before another goroutine takes over reading.
const handoffAfter = 100 * time.Microsecond

// readLoop reads request lines and serves them, until the end of the
// input, which it reports on ss.readDone.
//
// Each request is served by the goroutine that read it. A request that is
// still running after handoffAfter hands the reading over to a new
// goroutine (the timer's), so the requests that follow are read and served
// concurrently; a quick one (a lockstep client's env/step) goes back to
// reading when done. Either way no goroutine switch, and no thread wakeup,
// lies on the path of a quick request.
func (ss *session) readLoop(rd *lineReader) {
	for {
		line, tooLong, err := readLine(rd.br, rd.buf[:0], ss.maxLine)
		rd.buf = line[:0]
		if tooLong {
			ss.write(appendErrorLine(nil, nullID, newError(CodeInvalidRequest, "",
				"request line longer than the limit of %d bytes: send smaller requests (a stepMany in parts) or raise the server's line limit", ss.maxLine)))
		} else if len(bytes.TrimSpace(line)) > 0 {
			req, ok := ss.dispatch(line)
			if !ok {
				ss.readDone <- nil // the session is closing
				return
			}
			if req != nil {
				if err != nil {
					ss.serve(*req) // the last line
				} else {
					// The request no longer refers to line, so another
					// reader may reuse the buffer while it runs.
					var handed atomic.Bool
					t := time.AfterFunc(handoffAfter, func() {
						if handed.CompareAndSwap(false, true) {
							ss.readLoop(rd)
						}
					})
					ss.serve(*req)
					t.Stop()
					if !handed.CompareAndSwap(false, true) {
						return // another goroutine reads now
					}
				}
			}
		}
		if err == io.EOF {
			ss.readDone <- nil
			return
		}
		if err != nil {
			ss.readDone <- fmt.Errorf("protocol: reading requests: %w", err)
			return
		}
	}
}

// readLine reads a line into buf (without its newline). A line longer than
// max is consumed and reported with tooLong. err is io.EOF at the end of
// the input (line then holds a last line without a newline, if any).
func readLine(br *bufio.Reader, buf []byte, max int) (line []byte, tooLong bool, err error) {
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLong {
			n := len(frag)
			if n > 0 && frag[n-1] == '\n' {
				n--
			}
			if len(buf)+n > max {
				tooLong = true
				buf = buf[:0]
			} else {
				buf = append(buf, frag[:n]...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return buf, tooLong, err
	}
}

// request is a validated request, ready to run.
type request struct {
	id     []byte // canonical id; nil for a notification
	method string
	run    runFunc
	target string // what the request is about, for logs and internal errors
}

// dispatch validates one line. It returns the request to serve, if any
// (a line in error is answered here), and false once the session is
// closed.
func (ss *session) dispatch(line []byte) (*request, bool) {
	if ss.idle > 0 {
		ss.touch()
	}
	req, werr := ss.parse(line)
	if werr != nil {
		if req.id != nil {
			ss.write(appendErrorLine(nil, req.id, werr))
		}
		return nil, true
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return nil, false
	}
	ss.inflight.Add(1)
	if ss.idle > 0 {
		ss.busy.Add(1)
	}
	return &req, true
}

// touch notes activity for the idle timeout.
func (ss *session) touch() { ss.lastActive.Store(time.Now().UnixNano()) }

// checkIdle ends the session if it has been idle for ss.idle, else checks
// again when it could be.
func (ss *session) checkIdle() {
	if ss.ctx.Err() != nil {
		return // the session ended
	}
	if ss.busy.Load() > 0 {
		ss.idleTimer.Reset(ss.idle)
		return
	}
	quiet := time.Since(time.Unix(0, ss.lastActive.Load()))
	if quiet < ss.idle {
		ss.idleTimer.Reset(ss.idle - quiet)
		return
	}
	ss.cancel(ErrIdle)
}

// parse validates the envelope and prepares the method. A request it
// cannot serve comes back with the error to send; req.id is nil when no
// response is due (a notification).
func (ss *session) parse(line []byte) (request, *Error) {
	req, werr := ss.parseLine(line)
	if werr != nil && (werr.Data == nil || werr.Data.Kind != CodeParse) {
		// A malformed line is a parse error whatever else is wrong.
		if perr := ss.rd.check(); perr != nil {
			return request{id: nullID}, perr
		}
	}
	return req, werr
}

func (ss *session) parseLine(line []byte) (request, *Error) {
	env, werr := ss.rd.envelope(line)
	if werr != nil {
		return request{id: nullID}, werr
	}
	var req request
	if env.ID != nil {
		id, ok := canonicalID(env.ID)
		req.id = id
		if !ok {
			if t := bytes.TrimSpace(env.ID); len(t) > 0 && t[0] == '"' && !utf8.Valid(t) {
				return request{id: nullID}, newError(CodeInvalidRequest, "id", "invalid request: the id string is not valid UTF-8 (JSON text is UTF-8); send a UTF-8 string or a number")
			}
			return request{id: nullID}, newError(CodeInvalidRequest, "id", "invalid request: id must be a string, a number or null, got %s", jsonKind(env.ID))
		}
	}
	// An invalid request is answered even without an id (with id null),
	// as JSON-RPC 2.0 requires; only valid notifications go unanswered.
	invalid := func(field, format string, args ...any) (request, *Error) {
		if req.id == nil {
			req.id = nullID
		}
		return req, newError(CodeInvalidRequest, field, format, args...)
	}
	if v, ok := plainString(env.JSONRPC); !ok || string(v) != "2.0" {
		var version string
		if json.Unmarshal(env.JSONRPC, &version) != nil || version != "2.0" {
			return invalid("jsonrpc", `invalid request: "jsonrpc" must be "2.0"`)
		}
	}
	if env.Method == nil {
		if env.Result != nil || env.Error != nil {
			return invalid("method", "invalid request: the server sends no requests, so it takes no responses")
		}
		return invalid("method", `invalid request: no "method"`)
	}
	var m method
	var ok bool
	if name, plain := plainString(env.Method); plain {
		m, ok = methods[string(name)]
		if ok {
			req.method = methodName[string(name)] // no allocation
		} else {
			req.method = string(name)
		}
	} else {
		if err := json.Unmarshal(env.Method, &req.method); err != nil || env.Method[0] != '"' {
			return invalid("method", `invalid request: "method" must be a string, got %s`, jsonKind(env.Method))
		}
		m, ok = methods[req.method]
	}
	if !ok {
		return req, newError(CodeMethodNotFound, "method", "method %q not found (methods: %s)", req.method, methodNames)
	}
	run, target, werr := m(ss, env.Params)
	if werr != nil {
		if werr.Data != nil && werr.Data.Kind == CodeParse {
			req.id = nullID // the params were not JSON: the line is malformed
		}
		return req, werr
	}
	req.run, req.target = run, target
	return req, nil
}

// serve runs a request and writes its response.
func (ss *session) serve(req request) {
	defer ss.inflight.Done()
	if ss.idle > 0 {
		defer func() {
			ss.touch()
			ss.busy.Add(-1)
		}()
	}
	buf := getBuf()
	defer putBuf(buf)
	b := append(buf.b[:0], `{"jsonrpc":"2.0","id":`...)
	if req.id != nil {
		b = append(b, req.id...)
	}
	b = append(b, `,"result":`...)
	b, err := ss.call(req, b)
	buf.b = b
	if req.id == nil {
		if err != nil {
			ss.log.Debug("notification failed", "method", req.method, "error", err)
		}
		return
	}
	if err != nil {
		buf.b = appendErrorLine(b[:0], req.id, ss.wire(err, req.what()))
	} else {
		buf.b = append(b, "}\n"...)
	}
	ss.write(buf.b)
}

// what names the request's operation in logs and internal errors.
func (req *request) what() string {
	if req.target == "" {
		return req.method
	}
	return req.method + " (" + req.target + ")"
}

// call runs a request's method, appending its result to dst, and turns a
// panic into an internal error.
func (ss *session) call(req request, dst []byte) (result []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			ss.log.Error("panic serving a request", "method", req.method, "target", req.target, "panic", fmt.Sprint(p), "stack", stack())
			result, err = dst, newError(dojo.CodeInternal, "", "%s failed with an internal error (a panic; the server log on stderr has the details)", req.what())
		}
	}()
	return req.run(ss.ctx, dst)
}

// wire converts err to its wire form, logging the text of internal errors.
func (ss *session) wire(err error, what string) *Error {
	return toWire(err, what, func(what string, err error) {
		ss.log.Error("internal error", "op", what, "error", err.Error())
	})
}

// buffers for response lines.
type lineBuf struct{ b []byte }

var lineBufs = sync.Pool{New: func() any { return &lineBuf{b: make([]byte, 0, 1024)} }}

func getBuf() *lineBuf { return lineBufs.Get().(*lineBuf) }

func putBuf(b *lineBuf) {
	if cap(b.b) <= 1<<20 {
		lineBufs.Put(b)
	}
}

func stack() string { return string(debug.Stack()) }

// decode decodes a request's params into v as decodeParams does, after
// checking that the line is JSON if the reader left that to the params'
// reader: a malformed line gets the parse error it would have got had it
// been checked whole. Methods call it when the request is read.
func (ss *session) decode(raw json.RawMessage, v any, method string) *Error {
	if werr := ss.rd.check(); werr != nil {
		return werr
	}
	return decodeParams(raw, v, method)
}
