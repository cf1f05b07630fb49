package mcpserver

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	"github.com/tidwall/gjson"
)

// ledger counts the requests read from a stdio client and the responses
// written to it, so that the end of the input waits for the answers to the
// requests before it (the SDK's transport ends the session, and cancels
// what is in flight, as soon as its input ends).
type ledger struct {
	mu      sync.Mutex
	pending int
	changed chan struct{} // closed and replaced whenever pending drops
}

func newLedger() *ledger { return &ledger{changed: make(chan struct{})} }

// requests counts the requests (members with an id and a method) of one
// message, a JSON-RPC object or a batch array.
func requests(msg []byte) int {
	return countMembers(msg, func(m gjson.Result) bool {
		id := m.Get("id")
		return m.Get("method").Exists() && id.Exists() && id.Type != gjson.Null
	})
}

// responses counts the responses (members with an id and no method) of a
// message.
func responses(msg []byte) int {
	return countMembers(msg, func(m gjson.Result) bool {
		return !m.Get("method").Exists() && m.Get("id").Exists()
	})
}

// countMembers counts the members of a message (the object, or each
// element of a batch array) for which is holds.
func countMembers(msg []byte, is func(gjson.Result) bool) int {
	r := gjson.ParseBytes(msg)
	if !r.IsArray() {
		if is(r) {
			return 1
		}
		return 0
	}
	n := 0
	r.ForEach(func(_, m gjson.Result) bool {
		if is(m) {
			n++
		}
		return true
	})
	return n
}

// copyRequests copies in to w line by line, counting the requests. It
// returns nil at the end of in.
func (l *ledger) copyRequests(w io.Writer, in io.Reader) error {
	br := bufio.NewReaderSize(in, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 {
			if n := requests(bytes.TrimSpace(line)); n > 0 {
				l.mu.Lock()
				l.pending += n
				l.mu.Unlock()
			}
			if _, werr := w.Write(line); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// responses wraps out to count the responses written.
func (l *ledger) responses(out io.Writer) io.Writer { return ledgerWriter{l, out} }

type ledgerWriter struct {
	l   *ledger
	out io.Writer
}

func (lw ledgerWriter) Write(p []byte) (int, error) {
	n, err := lw.out.Write(p)
	if err == nil {
		answered := 0
		for line := range bytes.Lines(p) {
			answered += responses(bytes.TrimSpace(line))
		}
		if answered > 0 {
			l := lw.l
			l.mu.Lock()
			l.pending -= answered
			close(l.changed)
			l.changed = make(chan struct{})
			l.mu.Unlock()
		}
	}
	return n, err
}

// wait returns once every request counted has been answered, ctx is done,
// or bound has passed.
func (l *ledger) wait(ctx context.Context, bound time.Duration) {
	timer := time.NewTimer(bound)
	defer timer.Stop()
	for {
		l.mu.Lock()
		pending, changed := l.pending, l.changed
		l.mu.Unlock()
		if pending <= 0 {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		case <-timer.C:
			return
		}
	}
}

// drainBound is how long the end of a stdio client's input waits for the
// answers to its last requests: a step's deadline and a margin.
func (s *Server) drainBound() time.Duration {
	return s.cfg.StepTimeout + 10*time.Second
}
