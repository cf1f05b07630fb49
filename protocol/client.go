package protocol

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// conn is the calling side of a JSON-RPC 2.0 connection over newline-
// delimited streams: dojo's end of an exec agent's stdin and stdout.
type conn struct {
	w   io.Writer
	wmu sync.Mutex

	mu      sync.Mutex
	pending map[uint64]chan reply
	// abandoned holds the calls given up on (ctx done) whose answer may
	// still come; at most maxAbandoned are remembered.
	abandoned map[uint64]bool
	next      uint64
	err       error         // why the connection broke; set once
	dead      chan struct{} // closed when err is set
}

// reply is a response to a call.
type reply struct {
	result json.RawMessage
	err    *Error
}

// errGarbage marks a connection broken by a line that is not JSON-RPC.
type errGarbage struct{ line []byte }

func (e *errGarbage) Error() string {
	return fmt.Sprintf("it wrote a line that is not a JSON-RPC response on stdout: %s (stdout carries protocol messages only; log to stderr)", abbreviate(e.line, 120))
}

func abbreviate(b []byte, n int) string {
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "..."
	}
	return strconv.Quote(string(b))
}

func newConn(w io.Writer) *conn {
	return &conn{w: w, pending: map[uint64]chan reply{}, dead: make(chan struct{})}
}

// fail breaks the connection with err, if it is not broken already.
func (c *conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.dead)
	}
}

// broken returns why the connection broke, or nil.
func (c *conn) broken() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// readLoop reads the peer's lines until r ends, delivering responses to
// their calls. A line that is not a JSON-RPC response to a call in flight
// (or to one given up on) breaks the connection: garbage, a request or
// notification from the peer, an answer to an id never sent or answered
// twice.
func (c *conn) readLoop(r io.Reader, maxLine int) {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for {
		line, tooLong, err := readLine(br, buf[:0], maxLine)
		buf = line[:0]
		if tooLong {
			c.fail(fmt.Errorf("it wrote a line longer than %d bytes on stdout", maxLine))
			return
		}
		if len(bytes.TrimSpace(line)) > 0 {
			if gerr := c.handle(line); gerr != nil {
				c.fail(gerr)
				return
			}
		}
		if err != nil {
			if err == io.EOF {
				c.fail(io.EOF)
			} else {
				c.fail(fmt.Errorf("reading its stdout: %w", err))
			}
			return
		}
	}
}

func (c *conn) handle(line []byte) error {
	env, werr := slowEnvelope(line)
	if werr != nil {
		return &errGarbage{append([]byte(nil), line...)}
	}
	if env.Method != nil {
		// dojo serves nothing on an agent's connection: an agent that
		// sends requests (or notifications) instead of answering would
		// otherwise hold its episode until a deadline.
		return &errStray{what: "sent a request or notification (" + abbreviate(env.Method, 60) + ")", line: append([]byte(nil), line...)}
	}
	if env.ID == nil || (env.Result == nil && env.Error == nil) {
		return &errGarbage{append([]byte(nil), line...)}
	}
	id, err := strconv.ParseUint(string(bytes.TrimSpace(env.ID)), 10, 64)
	if err != nil {
		return &errStray{what: "answered id " + abbreviate(env.ID, 60) + ", which dojo never sent (dojo's ids are integers)", line: append([]byte(nil), line...)}
	}
	var rep reply
	if env.Error != nil && string(bytes.TrimSpace(env.Error)) != "null" {
		var e Error
		if err := json.Unmarshal(env.Error, &e); err != nil {
			return &errGarbage{append([]byte(nil), line...)}
		}
		rep.err = &e
	} else {
		rep.result = append(json.RawMessage(nil), env.Result...) // env aliases the reused line buffer
	}
	c.mu.Lock()
	ch := c.pending[id]
	delete(c.pending, id)
	late := c.abandoned[id]
	delete(c.abandoned, id)
	issued := id >= 1 && id <= c.next
	c.mu.Unlock()
	switch {
	case ch != nil:
		ch <- rep
	case late:
		// A late answer to a call given up on (its deadline passed).
	case !issued:
		return &errStray{what: fmt.Sprintf("answered id %d, which dojo never sent", id), line: append([]byte(nil), line...)}
	default:
		return &errStray{what: fmt.Sprintf("answered id %d a second time", id), line: append([]byte(nil), line...)}
	}
	return nil
}

// errStray marks a connection broken by a message that answers nothing
// dojo asked: a response to an id never sent (or sent and answered), or
// a request.
type errStray struct {
	what string
	line []byte
}

func (e *errStray) Error() string {
	return fmt.Sprintf("it %s: %s; an agent only answers dojo's requests, each once", e.what, abbreviate(e.line, 120))
}

// write writes one whole line; a failure breaks the connection.
func (c *conn) write(line []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.w.Write(line); err != nil {
		err = fmt.Errorf("writing to its stdin: %w", err)
		c.fail(err)
		return err
	}
	return nil
}

// call sends a request and waits for its response, the connection
// breaking, or ctx. params is the raw params object.
func (c *conn) call(ctx context.Context, method string, params []byte) (json.RawMessage, error) {
	ch := make(chan reply, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	c.next++
	id := c.next
	c.pending[id] = ch
	c.mu.Unlock()
	line := make([]byte, 0, len(params)+64)
	line = append(line, `{"jsonrpc":"2.0","id":`...)
	line = strconv.AppendUint(line, id, 10)
	line = append(line, `,"method":`...)
	line = appendString(line, method)
	line = append(line, `,"params":`...)
	line = append(line, params...)
	line = append(line, "}\n"...)
	// The write may block on a peer that reads nothing; it happens aside
	// so that ctx still bounds the call.
	werr := make(chan error, 1)
	go func() { werr <- c.write(line) }()
	for {
		select {
		case err := <-werr:
			if err != nil {
				c.abandon(id)
				return nil, err
			}
			werr = nil
			continue
		case r := <-ch:
			if r.err != nil {
				return nil, r.err
			}
			return r.result, nil
		case <-c.dead:
			c.abandon(id)
			return nil, c.broken()
		case <-ctx.Done():
			c.abandon(id)
			return nil, ctx.Err()
		}
	}
}

const maxAbandoned = 1024

func (c *conn) abandon(id uint64) {
	c.mu.Lock()
	if _, ok := c.pending[id]; ok {
		delete(c.pending, id)
		if c.abandoned == nil {
			c.abandoned = map[uint64]bool{}
		}
		if len(c.abandoned) >= maxAbandoned {
			for k := range c.abandoned { // forget one, whichever
				delete(c.abandoned, k)
				break
			}
		}
		c.abandoned[id] = true
	}
	c.mu.Unlock()
}

// notify sends a notification.
func (c *conn) notify(method string, params []byte) error {
	if err := c.broken(); err != nil {
		return err
	}
	line := make([]byte, 0, len(params)+64)
	line = append(line, `{"jsonrpc":"2.0","method":`...)
	line = appendString(line, method)
	line = append(line, `,"params":`...)
	line = append(line, params...)
	line = append(line, "}\n"...)
	return c.write(line)
}
