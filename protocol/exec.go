package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dojo-rl/dojo"
)

// ExecOptions configure an ExecAgent. The zero value works.
type ExecOptions struct {
	// Log receives the agents' stderr, line by line, each line prefixed
	// with "agent[PID]: ". Nil discards it (the tail quoted in errors is
	// kept either way). Writes to Log are serialized.
	Log io.Writer
	// Dir is the agents' working directory ("" is dojo's).
	Dir string
	// Env is added to dojo's environment for the agents (KEY=value).
	Env []string
	// StartTimeout bounds starting a process and its initialize exchange
	// (default 30s).
	StartTimeout time.Duration
	// Grace is how long shutdown waits after closing an agent's stdin
	// before SIGTERM, and after SIGTERM before SIGKILL (default 2s).
	Grace time.Duration
	// MaxLineBytes bounds a line from an agent (default 16 MiB).
	MaxLineBytes int
	// Version is sent as clientInfo.version in initialize.
	Version string
	// ActionTimeout bounds each episode/start and agent/act call whose
	// context has no deadline of its own (default DefaultExecActionTimeout),
	// so that an agent that never answers cannot hold a run forever; a
	// negative value sets none.
	ActionTimeout time.Duration
}

// DefaultExecActionTimeout is ExecOptions.ActionTimeout's default: long
// enough for an agent that waits on a slow model, short enough that a
// hung agent fails its episode rather than the run.
const DefaultExecActionTimeout = 10 * time.Minute

// ExecAgent is a dojo.AgentMaker whose agents are processes speaking the
// agent side of the protocol (see the package doc): dojo --agent exec:CMD.
//
// It keeps a pool of processes, each playing one episode at a time: an
// episode checks out an idle process (or starts one), plays on it, and
// gives it back when it ends, so N episodes in flight use at most N
// processes, each reused across episodes. The runner's episodes in flight
// are its workers by default, or runner.Config.InFlight (the CLI's
// --concurrency): an agent that waits on a model server plays C episodes at
// once on C processes, however few CPUs dojo has. A process
// that crashes, hangs past the action deadline or writes garbage fails its
// episode with an error quoting the tail of its stderr, is stopped, and is
// replaced by a fresh one for the next episode.
//
// Close shuts the processes down: it closes their stdin and waits Grace,
// then sends SIGTERM and waits Grace again, then SIGKILL.
type ExecAgent struct {
	argv []string
	opts ExecOptions
	name string // the command line, for messages

	logMu sync.Mutex

	mu     sync.Mutex
	idle   []*proc
	closed bool
}

// NewExecAgent returns an ExecAgent running cmdline. The command line is
// split into words as a POSIX shell splits a simple command: blanks
// separate words, single quotes keep text as it is, double quotes keep it
// but for \" \\ \$ and \` escapes, and a backslash outside quotes escapes
// the next character. There is no expansion, pipe or redirection; for those
// run the shell: exec:sh -c '...'. The program must exist (found in PATH
// unless it names a path, relative to opts.Dir).
func NewExecAgent(cmdline string, opts ExecOptions) (*ExecAgent, error) {
	argv, err := SplitCommand(cmdline)
	if err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "exec agent: %v", err).WithField("agent")
	}
	prog := argv[0]
	if strings.ContainsRune(prog, filepath.Separator) || strings.ContainsRune(prog, '/') {
		p := prog
		if opts.Dir != "" && !filepath.IsAbs(p) {
			p = filepath.Join(opts.Dir, p)
		}
		if _, err := exec.LookPath(p); err != nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "exec agent: %s is not an executable file", p).WithField("agent")
		}
	} else if _, err := exec.LookPath(prog); err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "exec agent: program %q not found in PATH", prog).WithField("agent")
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 30 * time.Second
	}
	if opts.Grace <= 0 {
		opts.Grace = 2 * time.Second
	}
	if opts.MaxLineBytes <= 0 {
		opts.MaxLineBytes = DefaultMaxLineBytes
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.ActionTimeout == 0 {
		opts.ActionTimeout = DefaultExecActionTimeout
	}
	return &ExecAgent{argv: argv, opts: opts, name: cmdline}, nil
}

// SplitCommand splits a command line into words (see NewExecAgent).
func SplitCommand(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			inWord = true
			if i+1 < len(s) {
				i++
				if s[i] != '\n' {
					cur.WriteByte(s[i])
				}
			}
		case c == '\'':
			inWord = true
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("command %q: unterminated single quote", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			inWord = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("command %q: unterminated double quote", s)
			}
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("empty command: want exec:PROGRAM [ARGS...]")
	}
	return words, nil
}

// NewAgent checks out a process and starts the episode on it with
// episode/start, whose tools are ep.Tools (the task's). An error the agent answers episode/start with keeps its
// kind: invalid params (-32602) says the agent cannot play this env, which
// stops a run.
func (a *ExecAgent) NewAgent(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
	p, err := a.checkout(ctx)
	if err != nil {
		return nil, err
	}
	e := &execEpisode{a: a, p: p, index: ep.Index}
	spec, err := marshal(ep.Spec)
	if err != nil {
		a.checkin(p)
		return nil, dojo.Errorf(dojo.CodeInternal, "exec agent: the spec of %s %v", ep.Spec.ID, err)
	}
	tools := []byte("[]")
	if len(ep.Tools) > 0 {
		if tools, err = marshal(ep.Tools); err != nil {
			a.checkin(p)
			return nil, dojo.Errorf(dojo.CodeInternal, "exec agent: the tools of %s %v", ep.Spec.ID, err)
		}
	}
	params := make([]byte, 0, len(spec)+len(tools)+80)
	params = append(params, `{"episode":`...)
	params = strconv.AppendInt(params, int64(ep.Index), 10)
	params = append(params, `,"spec":`...)
	params = append(params, spec...)
	params = append(params, `,"seed":`...)
	params = strconv.AppendUint(params, ep.Seed, 10)
	params = append(params, `,"tools":`...)
	params = append(params, tools...)
	params = append(params, '}')
	sctx, cancel := a.bound(ctx)
	defer cancel()
	if _, err := p.conn.call(sctx, "episode/start", params); err != nil {
		err = e.fail("episode/start", err)
		e.release()
		return nil, err
	}
	return e, nil
}

// bound gives ctx the default action deadline when it has none.
func (a *ExecAgent) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok || a.opts.ActionTimeout < 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, a.opts.ActionTimeout)
}

// Close shuts every process down and waits for them to exit; processes
// still playing are shut down when their episode ends.
func (a *ExecAgent) Close() error {
	a.mu.Lock()
	idle := a.idle
	a.idle, a.closed = nil, true
	a.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range idle {
		wg.Go(p.shutdown)
	}
	wg.Wait()
	return nil
}

func (a *ExecAgent) checkout(ctx context.Context) (*proc, error) {
	for {
		a.mu.Lock()
		if a.closed {
			a.mu.Unlock()
			return nil, dojo.Errorf(dojo.CodeCanceled, "exec agent %q is closed", a.name)
		}
		if n := len(a.idle); n > 0 {
			p := a.idle[n-1]
			a.idle = a.idle[:n-1]
			a.mu.Unlock()
			if p.conn.broken() != nil { // died while idle
				p.kill()
				continue
			}
			return p, nil
		}
		a.mu.Unlock()
		return a.start(ctx)
	}
}

// checkin gives a healthy process back to the pool, or shuts it down when
// the agent is closed.
func (a *ExecAgent) checkin(p *proc) {
	a.mu.Lock()
	if a.closed || p.conn.broken() != nil {
		a.mu.Unlock()
		p.shutdown()
		return
	}
	a.idle = append(a.idle, p)
	a.mu.Unlock()
}

// proc is one agent process.
type proc struct {
	a      *ExecAgent
	cmd    *exec.Cmd
	pid    int
	conn   *conn
	stdin  io.WriteCloser
	stdout *os.File // dojo's end of the stdout pipe
	tail   *tailWriter
	cancel context.CancelFunc // SIGTERM now, SIGKILL after Grace
	exited chan struct{}      // closed once Wait returned
	werr   error              // Wait's error
	once   sync.Once
}

// start starts a process and runs the initialize exchange.
func (a *ExecAgent) start(ctx context.Context) (*proc, error) {
	pctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(pctx, a.argv[0], a.argv[1:]...)
	cmd.Dir = a.opts.Dir
	if len(a.opts.Env) > 0 {
		cmd.Env = append(os.Environ(), a.opts.Env...)
	}
	// The agent leads a process group of its own: stopping it stops
	// whatever it spawned, and nothing of the group outlives it.
	ownGroup(cmd)
	cmd.Cancel = func() error {
		if err := signalGroup(cmd.Process.Pid, syscall.SIGTERM); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = a.opts.Grace
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		return nil, dojo.Errorf(dojo.CodeInternal, "exec agent %q: making its stdin: %v", a.name, err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		cancel()
		return nil, dojo.Errorf(dojo.CodeInternal, "exec agent %q: making its stdout: %v", a.name, err)
	}
	cmd.Stdout = pw
	// stderr is a pipe of ours too (not a Writer os/exec copies to), so
	// that Wait returns when the agent exits even if a process it spawned
	// still holds its stderr open.
	er, ew, err := os.Pipe()
	if err != nil {
		cancel()
		pr.Close()
		pw.Close()
		return nil, dojo.Errorf(dojo.CodeInternal, "exec agent %q: making its stderr: %v", a.name, err)
	}
	cmd.Stderr = ew
	p := &proc{a: a, cmd: cmd, stdin: stdin, stdout: pr, cancel: cancel, exited: make(chan struct{})}
	p.tail = &tailWriter{a: a}
	if err := cmd.Start(); err != nil {
		cancel()
		pr.Close()
		pw.Close()
		er.Close()
		ew.Close()
		return nil, dojo.Errorf(dojo.CodeInternal, "exec agent %q: cannot start it: %v", a.name, err)
	}
	pw.Close()
	ew.Close()
	p.pid = cmd.Process.Pid
	p.tail.pid = p.pid
	p.conn = newConn(stdin)
	copied := make(chan struct{})
	go func() {
		io.Copy(p.tail, er)
		close(copied)
	}()
	go func() {
		p.werr = cmd.Wait()
		// Nothing of the agent's process group outlives the agent.
		signalGroup(p.pid, syscall.SIGKILL)
		select {
		case <-copied:
		case <-time.After(a.opts.Grace): // a process that left the group holds it
		}
		er.Close()
		close(p.exited)
	}()
	go p.conn.readLoop(pr, a.opts.MaxLineBytes)

	ictx, icancel := context.WithTimeout(ctx, a.opts.StartTimeout)
	defer icancel()
	params, _ := marshal(struct {
		ProtocolVersion string      `json:"protocolVersion"`
		ClientInfo      ProgramInfo `json:"clientInfo"`
	}{ProtocolVersion, ProgramInfo{Name: "dojo", Version: a.opts.Version}})
	if _, err := p.conn.call(ictx, "initialize", params); err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer to initialize within %v", a.opts.StartTimeout)
		}
		return nil, p.failure("initialize", err)
	}
	return p, nil
}

// failure stops a failed process and returns the error describing the
// failure, with the tail of its stderr.
func (p *proc) failure(during string, err error) error {
	code := dojo.CodeInternal
	var what string
	var we *Error
	switch {
	case errors.As(err, &we):
		// The agent answered with an error: it is alive and well.
		return &dojo.Error{Code: we.Kind(), Err: err,
			Msg: fmt.Sprintf("exec agent %q answered %s with an error: %s", p.a.name, during, we.Message)}
	case errors.Is(err, context.DeadlineExceeded):
		code = dojo.CodeTimeout
		what = fmt.Sprintf("did not answer %s before the deadline; it was stopped and a fresh process plays the next episode", during)
		p.kill()
	case errors.Is(err, context.Canceled):
		code = dojo.CodeCanceled
		what = fmt.Sprintf("was stopped during %s: the run was canceled", during)
		p.kill()
	case errors.Is(err, io.EOF):
		// It closed stdout: it is exiting. Give it Grace to finish so the
		// exit status and the whole stderr are known.
		select {
		case <-p.exited:
			what = fmt.Sprintf("quit during %s (%s)", during, p.exitStatus())
		case <-time.After(p.a.opts.Grace):
			what = fmt.Sprintf("closed its stdout during %s; it was stopped", during)
		}
		p.kill()
	default:
		var g *errGarbage
		var st *errStray
		if errors.As(err, &g) || errors.As(err, &st) {
			what = fmt.Sprintf("broke the protocol during %s: %v; it was stopped", during, err)
		} else {
			what = fmt.Sprintf("failed during %s: %v; it was stopped", during, err)
		}
		p.kill()
	}
	// Once it exited, everything it wrote on stderr has been copied.
	select {
	case <-p.exited:
	case <-time.After(2*p.a.opts.Grace + time.Second):
	}
	msg := fmt.Sprintf("exec agent %q (pid %d) %s", p.a.name, p.pid, what)
	if t := p.tail.tail(); t != "" {
		msg += "; its stderr ends with:\n" + t
	} else {
		msg += "; its stderr was empty"
	}
	return &dojo.Error{Code: code, Msg: msg, Err: err}
}

func (p *proc) exitStatus() string {
	select {
	case <-p.exited:
	default:
		return "still running"
	}
	if p.werr == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(p.werr, &ee) {
		return ee.ProcessState.String()
	}
	return p.werr.Error()
}

// kill stops the process at once (SIGTERM, SIGKILL after Grace) without
// waiting for it.
func (p *proc) kill() {
	p.once.Do(func() {
		p.conn.fail(errors.New("stopped"))
		p.cancel()
		go func() {
			<-p.exited
			p.stdout.Close()
		}()
	})
}

// shutdown stops the process gracefully: close stdin, wait Grace, SIGTERM,
// wait Grace, SIGKILL. It returns once the process exited.
func (p *proc) shutdown() {
	p.once.Do(func() {
		p.conn.fail(errors.New("shut down"))
		p.stdin.Close()
		select {
		case <-p.exited:
		case <-time.After(p.a.opts.Grace):
			p.cancel() // Wait sends SIGKILL after WaitDelay (Grace)
			<-p.exited
		}
		p.cancel()
		p.stdout.Close()
	})
	<-p.exited
}

// execEpisode is the agent of one episode, on one process.
type execEpisode struct {
	a     *ExecAgent
	p     *proc // nil once given back or dropped
	index int
	buf   []byte
}

// Act sends agent/act and reads the action from the result {"action"}.
func (e *execEpisode) Act(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
	if e.p == nil {
		return dojo.Action{}, dojo.Errorf(dojo.CodeState, "exec agent %q: Act after the episode ended", e.a.name)
	}
	b := e.buf[:0]
	b = append(b, `{"episode":`...)
	b = strconv.AppendInt(b, int64(e.index), 10)
	b = append(b, `,"step":`...)
	b = strconv.AppendInt(b, int64(t.Step), 10)
	b = append(b, `,"observation":`...)
	var err error
	if b, err = appendObs(b, &t.Obs); err == nil {
		b = append(b, `,"reward":`...)
		var ok bool
		if b, ok = dojo.AppendJSONFloat(b, t.Reward, 64); !ok {
			err = errNonFinite{"the reward", t.Reward}
		} else {
			b = append(b, `,"info":`...)
			b, err = appendInfo(b, &t.Info)
		}
	}
	e.buf = b
	if err != nil {
		return dojo.Action{}, dojo.Errorf(dojo.CodeInternal, "exec agent: the observation does not encode: %v", err)
	}
	b = append(b, '}')
	actx, cancel := e.a.bound(ctx)
	defer cancel()
	res, err := e.p.conn.call(actx, "agent/act", b)
	if err != nil {
		return dojo.Action{}, e.fail(fmt.Sprintf("agent/act at step %d", t.Step), err)
	}
	var r struct {
		Action json.RawMessage `json:"action"`
	}
	if err := json.Unmarshal(res, &r); err != nil || len(bytes.TrimSpace(r.Action)) == 0 || string(bytes.TrimSpace(r.Action)) == "null" {
		return dojo.Action{}, dojo.Errorf(dojo.CodeInternal, "exec agent %q answered agent/act at step %d with %s, want {\"action\": an integer, a string or {\"text\", \"tool_calls\"}}", e.a.name, t.Step, abbreviate(res, 120))
	}
	var a dojo.Action
	if err := a.UnmarshalJSON(r.Action); err != nil {
		return dojo.Action{}, dojo.Errorf(dojo.CodeInternal, "exec agent %q answered agent/act at step %d with a bad action: %v", e.a.name, t.Step, err)
	}
	return a, nil
}

// fail describes a failed call; a process that broke is dropped from the
// pool.
func (e *execEpisode) fail(during string, err error) error {
	ferr := e.p.failure(during, err)
	if e.p.conn.broken() != nil {
		e.p = nil // stopped: the next episode starts a fresh process
	}
	return ferr
}

// release gives the process back to the pool.
func (e *execEpisode) release() {
	if e.p != nil {
		e.a.checkin(e.p)
		e.p = nil
	}
}

// EndEpisode sends the episode/end notification and gives the process back.
func (e *execEpisode) EndEpisode(ctx context.Context, end dojo.EpisodeEnd) {
	if e.p == nil {
		return
	}
	b := make([]byte, 0, 128)
	b = append(b, `{"episode":`...)
	b = strconv.AppendInt(b, int64(e.index), 10)
	b = append(b, `,"return":`...)
	if nb, ok := dojo.AppendJSONFloat(b, end.Return, 64); ok {
		b = nb
	} else {
		b = append(b, '0')
	}
	b = append(b, `,"success":`...)
	b = appendBool(b, end.Success)
	b = append(b, `,"length":`...)
	b = strconv.AppendInt(b, int64(end.Length), 10)
	if end.Err != nil {
		b = append(b, `,"error":`...)
		b = appendString(b, end.Err.Error())
	}
	b = append(b, '}')
	if err := e.p.conn.notify("episode/end", b); err != nil {
		e.p.kill()
		e.p = nil
		return
	}
	e.release()
}

// tailWriter keeps the last lines an agent wrote on stderr and copies them
// to the log.
type tailWriter struct {
	a       *ExecAgent
	pid     int
	mu      sync.Mutex
	last    []byte // the last tailBytes bytes
	partial []byte // a line not yet ended, for the log
}

const tailBytes = 2048

func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last = append(t.last, b...)
	if len(t.last) > tailBytes {
		t.last = append(t.last[:0], t.last[len(t.last)-tailBytes:]...)
	}
	if log := t.a.opts.Log; log != nil {
		t.partial = append(t.partial, b...)
		for {
			i := bytes.IndexByte(t.partial, '\n')
			if i < 0 {
				break
			}
			t.logLine(log, t.partial[:i])
			t.partial = t.partial[i+1:]
		}
		if len(t.partial) > 64<<10 { // a very long line: log what there is
			t.logLine(log, t.partial)
			t.partial = t.partial[:0]
		}
		t.partial = append([]byte(nil), t.partial...)
	}
	return len(b), nil
}

func (t *tailWriter) logLine(w io.Writer, line []byte) {
	b := make([]byte, 0, len(line)+24)
	b = append(b, "agent["...)
	b = strconv.AppendInt(b, int64(t.pid), 10)
	b = append(b, "]: "...)
	b = append(b, line...)
	b = append(b, '\n')
	t.a.logMu.Lock()
	w.Write(b)
	t.a.logMu.Unlock()
}

// tail returns the last lines written (at most ten, at most tailBytes).
func (t *tailWriter) tail() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimRight(string(t.last), "\n")
	if len(t.last) == tailBytes {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:] // drop a partial first line
		}
	}
	lines := strings.Split(s, "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return strings.Join(lines, "\n")
}
