package loadgen

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// The event-loop engine. Once a session has connected and made its env
// (over its blocking wsConn, during the ramp), its socket leaves Go's
// poller for one epoll set that a single goroutine serves: it sends each
// session's requests on its ticks and reads the answers as they come, with
// no goroutine, timer or wake-up per session. The generator shares the
// machine with the server it measures, so every cycle it saves is one the
// server gets; per request it costs one write and one read.

const haveLoop = true

// loopSession is a session served by the loop.
type loopSession struct {
	s       *session
	fd      int
	in      []byte // bytes read and not yet parsed
	msg     []byte // a fragmented message's payload so far
	out     []byte // the frame being built
	pending byte   // 'r' reset or 's' step in flight, 0 none
	sentAt  time.Time
	due     int       // ticks waiting for the request in flight
	dueAt   time.Time // the oldest waiting tick's time
	dead    bool
}

// detach takes the socket out of Go's poller: it returns a non-blocking
// descriptor of its own for the same connection (with any bytes already
// buffered), and closes the net.Conn's, which does not end the connection.
func (w *wsConn) detach() (fd int, buffered []byte, err error) {
	tc, ok := w.c.(*net.TCPConn)
	if !ok {
		return -1, nil, errors.New("not a TCP connection")
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return -1, nil, err
	}
	fd = -1
	cerr := rc.Control(func(s uintptr) {
		fd, err = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0)
	})
	if cerr != nil {
		return -1, nil, cerr
	}
	if err != nil {
		return -1, nil, err
	}
	if n := w.br.Buffered(); n > 0 {
		buffered = make([]byte, n)
		io.ReadFull(w.br, buffered)
	}
	tc.Close() // Go removes its descriptor from its poller and closes it; ours keeps the connection
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, nil, err
	}
	return fd, buffered, nil
}

// loop serves the sessions from measureFrom to end. It records into rec.
type loop struct {
	cfg      *Config
	ep       int
	sessions []*loopSession // by session index; nil for those that failed to connect
	events   []unix.EpollEvent
	rec      *recorder
	buf      []byte
}

func newLoop(cfg *Config, rec *recorder) (*loop, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &loop{cfg: cfg, ep: ep, sessions: make([]*loopSession, cfg.Sessions), events: make([]unix.EpollEvent, 256), rec: rec, buf: make([]byte, 64<<10)}, nil
}

// add hands a connected session to the loop.
func (l *loop) add(s *session) error {
	fd, buffered, err := s.conn.detach()
	if err != nil {
		return err
	}
	ls := &loopSession{s: s, fd: fd, in: buffered}
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(fd)}
	if err := unix.EpollCtl(l.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		unix.Close(fd)
		return err
	}
	l.sessions[s.index] = ls
	return nil
}

// run ticks every session once a Period at its phase and serves answers
// until end, or until ctx is canceled (as the goroutine engine's sessions
// stop).
func (l *loop) run(ctx context.Context, measureFrom, end time.Time) {
	byFd := map[int32]*loopSession{}
	for _, ls := range l.sessions {
		if ls != nil {
			byFd[int32(ls.fd)] = ls
		}
	}
	n := int64(l.cfg.Sessions)
	period := int64(l.cfg.Period)
	tickAt := func(round int64, i int) time.Time {
		return measureFrom.Add(time.Duration(round*period + period*int64(i)/n))
	}
	round, idx := int64(0), 0
	const slack = 500 * time.Microsecond // ticks this close are sent now: epoll waits in milliseconds
	for {
		now := time.Now()
		if !now.Before(end) || ctx.Err() != nil {
			break
		}
		for {
			t := tickAt(round, idx)
			if t.After(now.Add(slack)) || !t.Before(end) {
				break
			}
			if ls := l.sessions[idx]; ls != nil && !ls.dead {
				l.tick(ls, t, now)
			}
			if idx++; idx == l.cfg.Sessions {
				idx, round = 0, round+1
			}
		}
		wait := min(time.Until(tickAt(round, idx)), time.Until(end))
		ms := max(1, int((wait+time.Millisecond-1)/time.Millisecond))
		k, err := unix.EpollWait(l.ep, l.events, ms)
		if err != nil && !errors.Is(err, unix.EINTR) {
			l.rec.fail("loop", err)
			break
		}
		for _, ev := range l.events[:max(k, 0)] {
			if ls := byFd[ev.Fd]; ls != nil && !ls.dead {
				l.readable(ls)
			}
		}
	}
	for _, ls := range l.sessions {
		if ls != nil && !ls.dead {
			ls.out = frame(ls.out[:0], 0x8, []byte{0x03, 0xE8}, ls.s.conn.mask)
			unix.Write(ls.fd, ls.out)
			l.drop(ls)
		}
	}
	unix.Close(l.ep)
}

// tick is session ls's tick of time t: a request now, or, while one is in
// flight, a tick that waits for its answer.
func (l *loop) tick(ls *loopSession, t, now time.Time) {
	if ls.pending != 0 {
		if now.Sub(ls.sentAt) > l.cfg.Timeout {
			l.kill(ls, fmt.Errorf("no answer within %s", l.cfg.Timeout))
			return
		}
		if ls.due == 0 {
			ls.dueAt = t
		}
		ls.due++
		return
	}
	l.start(ls, t, now)
}

// start sends the request of a tick scheduled at t: a reset when no
// episode runs, else a step.
func (l *loop) start(ls *loopSession, t, now time.Time) {
	if now.Sub(t) > l.cfg.Period {
		l.rec.late.Add(1)
	}
	if ls.s.done {
		l.send(ls, 'r', ls.s.resetMsg())
	} else {
		l.send(ls, 's', ls.s.stepMsg())
	}
}

func (l *loop) send(ls *loopSession, what byte, msg []byte) {
	ls.out = frame(ls.out[:0], 0x1, msg, ls.s.conn.mask)
	ls.pending, ls.sentAt = what, time.Now()
	if err := writeAll(ls.fd, ls.out); err != nil {
		l.kill(ls, err)
	}
}

// writeAll writes a frame on the non-blocking socket. Frames are small and
// one request is in flight per session, so a full send buffer means the
// server stopped reading: that is reported, not waited out.
func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EAGAIN) {
			return errors.New("the server stopped reading: its socket buffer is full")
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// readable reads what the socket holds and handles each whole message.
func (l *loop) readable(ls *loopSession) {
	for {
		n, err := unix.Read(ls.fd, l.buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EAGAIN) {
			break
		}
		if err != nil {
			l.kill(ls, err)
			return
		}
		if n == 0 {
			l.kill(ls, io.EOF)
			return
		}
		ls.in = append(ls.in, l.buf[:n]...)
		if n < len(l.buf) {
			break
		}
	}
	for !ls.dead {
		op, payload, rest, ok, err := parseFrame(ls.in)
		if err != nil {
			l.kill(ls, err)
			return
		}
		if !ok {
			break
		}
		fin := op&0x80 != 0
		op &= 0x0F
		switch {
		case op == 0x9: // ping
			ls.out = frame(ls.out[:0], 0xA, payload, ls.s.conn.mask)
			if err := writeAll(ls.fd, ls.out); err != nil {
				l.kill(ls, err)
				return
			}
		case op == 0xA: // pong
		case op == 0x8:
			code := 1005
			if len(payload) >= 2 {
				code = int(binary.BigEndian.Uint16(payload))
			}
			l.kill(ls, fmt.Errorf("the server closed the session (status %d: %s)", code, payload[min(2, len(payload)):]))
			return
		case op == 0x2:
			l.kill(ls, errors.New("a binary answer"))
			return
		default: // text or continuation
			if op == 0x1 && len(ls.msg) > 0 {
				l.kill(ls, errors.New("a new message inside a fragmented one"))
				return
			}
			if !fin || len(ls.msg) > 0 {
				ls.msg = append(ls.msg, payload...)
				if !fin {
					break
				}
				payload = ls.msg
			}
			l.answer(ls, payload)
			ls.msg = ls.msg[:0]
		}
		ls.in = rest
	}
	if len(ls.in) == 0 {
		ls.in = ls.in[:0:0] // let an idle session's buffer go
	}
}

// answer handles the answer to the request in flight.
func (l *loop) answer(ls *loopSession, b []byte) {
	now := time.Now()
	d := now.Sub(ls.sentAt)
	switch ls.pending {
	case 'r':
		if err := ls.s.gotReset(b); err != nil {
			l.kill(ls, err)
			return
		}
		l.rec.resets = append(l.rec.resets, d)
		l.send(ls, 's', ls.s.stepMsg())
	case 's':
		if err := ls.s.gotStep(b); err != nil {
			l.kill(ls, err)
			return
		}
		l.rec.steps = append(l.rec.steps, d)
		l.rec.stepCount.Add(1)
		ls.pending = 0
		if ls.due > 0 {
			t := ls.dueAt
			ls.due--
			ls.dueAt = t.Add(l.cfg.Period)
			l.start(ls, t, now)
		}
	default:
		l.kill(ls, fmt.Errorf("an answer to no request: %.200s", b))
	}
}

// kill counts the failure of the request in flight (or of the session)
// and closes the session.
func (l *loop) kill(ls *loopSession, err error) {
	what := "step"
	switch ls.pending {
	case 'r':
		what = "reset"
	case 0:
		what = "session"
	}
	l.rec.fail(what, err)
	l.drop(ls)
}

func (l *loop) drop(ls *loopSession) {
	ls.dead = true
	unix.EpollCtl(l.ep, unix.EPOLL_CTL_DEL, ls.fd, nil)
	unix.Close(ls.fd)
}
