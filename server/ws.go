package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/protocol"
)

// CapacityReached is the word the error answered at the session limit
// starts with, as OpenEnv names it.
const CapacityReached = "CAPACITY_REACHED"

// acceptOptions are those of every WebSocket the server accepts: the
// origin is checked before (Server.originAllowed), and frames are not
// compressed (the messages are small, and a compressor per session costs
// memory).
var acceptOptions = &websocket.AcceptOptions{
	InsecureSkipVerify: true,
	CompressionMode:    websocket.CompressionDisabled,
}

// Accept upgrades a request to a WebSocket as the server's own sessions
// are: the origin and token were checked by the server's handler, frames
// are uncompressed, and messages are limited to Config.MaxMessageBytes.
// conn is the connection under the socket (for deadlines), nil when the
// ResponseWriter did not reveal it. Mounted handlers use it for their
// sockets.
func (s *Server) Accept(w http.ResponseWriter, r *http.Request) (c *websocket.Conn, conn net.Conn, err error) {
	hw := &hijackCapture{ResponseWriter: w}
	c, err = websocket.Accept(hw, r, acceptOptions)
	if err != nil {
		return nil, nil, err
	}
	c.SetReadLimit(int64(s.cfg.MaxMessageBytes))
	return c, hw.conn, nil
}

// hijackCapture keeps the connection a WebSocket upgrade hijacks.
type hijackCapture struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *hijackCapture) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		var rw http.ResponseWriter = h.ResponseWriter
		for {
			u, ok := rw.(interface{ Unwrap() http.ResponseWriter })
			if !ok {
				return nil, nil, errors.New("server: the ResponseWriter cannot be hijacked")
			}
			rw = u.Unwrap()
			if hj, ok = rw.(http.Hijacker); ok {
				break
			}
		}
	}
	c, brw, err := hj.Hijack()
	h.conn = c
	return c, brw, err
}

// wsSession is a /rpc WebSocket session.
type wsSession struct {
	s    *Server
	c    *websocket.Conn
	conn net.Conn // nil when unknown

	ctx    context.Context
	cancel context.CancelFunc

	draining atomic.Bool
}

// serveRPCSocket serves dojo's protocol on a WebSocket: one text message
// per request, one per response.
func (s *Server) serveRPCSocket(w http.ResponseWriter, r *http.Request) {
	if s.closingFlag.Load() {
		WriteError(w, http.StatusServiceUnavailable, "unavailable", "the server is shutting down")
		return
	}
	release, ok := s.Acquire()
	c, conn, err := s.Accept(w, r)
	if err != nil {
		if ok {
			release()
		}
		s.log.Debug("websocket upgrade failed", "error", err)
		return
	}
	if !ok {
		s.refuse(c, conn)
		return
	}
	defer release()
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	defer cancel()
	ss := &wsSession{s: s, c: c, conn: conn, ctx: ctx, cancel: cancel}
	if !s.track(ss) {
		c.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	defer s.untrack(ss)

	err = s.proto.Serve(ctx, &wsReader{ss: ss}, &wsWriter{ss: ss})
	switch {
	case err == nil && ss.draining.Load():
		ss.closeWith(websocket.StatusGoingAway, "server shutting down")
	case err == nil:
		ss.closeWith(websocket.StatusNormalClosure, "")
	case errors.Is(err, protocol.ErrIdle):
		s.log.Debug("websocket session idle, closed", "idle_timeout", s.cfg.IdleTimeout)
		ss.closeWith(websocket.StatusNormalClosure, fmt.Sprintf("idle for %s", s.cfg.IdleTimeout))
	case ss.draining.Load():
		ss.closeWith(websocket.StatusGoingAway, "server shutting down")
	default:
		if st := websocket.CloseStatus(err); st == -1 {
			s.log.Debug("websocket session ended", "error", err)
		}
		c.CloseNow()
	}
}

// closeWith closes the socket with a status; the close handshake waits
// at most a second for the peer.
func (ss *wsSession) closeWith(code websocket.StatusCode, reason string) {
	if ss.conn != nil {
		ss.conn.SetReadDeadline(time.Now().Add(time.Second))
	}
	ss.c.Close(code, reason)
}

// drain makes the session stop reading requests: it finishes those in
// flight and ends (Shutdown).
func (ss *wsSession) drain() {
	ss.draining.Store(true)
	if ss.conn != nil {
		ss.conn.SetReadDeadline(time.Now()) // interrupts the read
	} else {
		ss.cancelRequests()
	}
}

// cancelRequests cancels the session's requests in flight: they are
// answered with a canceled error, and the session ends.
func (ss *wsSession) cancelRequests() {
	ss.draining.Store(true)
	ss.cancel()
}

// wsReader reads a session's messages as request lines: each text
// message's bytes, with its CR and LF (whitespace, in JSON) turned into
// spaces, then a newline.
type wsReader struct {
	ss   *wsSession
	msg  io.Reader // the message being read, nil between messages
	nl   bool      // the newline ending the last message is due
	flat flattener
}

func (rd *wsReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if rd.msg != nil {
			n, err := rd.msg.Read(p)
			rd.flat.flatten(p[:n])
			if err == io.EOF {
				rd.msg, rd.nl, err = nil, true, nil
			}
			if err != nil {
				return n, rd.readErr(err)
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		if rd.nl {
			rd.nl = false
			p[0] = '\n'
			return 1, nil
		}
		typ, msg, err := rd.ss.c.Reader(context.Background())
		if err != nil {
			return 0, rd.readErr(err)
		}
		if typ != websocket.MessageText {
			if _, err := io.Copy(io.Discard, msg); err != nil {
				return 0, rd.readErr(err)
			}
			rd.ss.writeFrame(binaryFrameError)
			continue
		}
		rd.msg = msg
		rd.flat = flattener{}
	}
}

// flattener makes a message one line without changing what it means: a CR
// or LF outside a string is whitespace, and becomes a space; inside a
// string it is not valid JSON, and becomes another control character,
// which is not valid there either (so a message is valid JSON exactly when
// its line is). It keeps its state across the parts of a message.
type flattener struct {
	inString, escaped bool
}

func (f *flattener) flatten(b []byte) {
	for i, c := range b {
		switch {
		case f.inString:
			switch {
			case c == '\n' || c == '\r':
				b[i] = 0x01
				f.escaped = false
			case f.escaped:
				f.escaped = false
			case c == '\\':
				f.escaped = true
			case c == '"':
				f.inString = false
			}
		case c == '"':
			f.inString = true
		case c == '\n' || c == '\r':
			b[i] = ' '
		}
	}
}

// readErr turns the end of a socket into the end of the requests.
func (rd *wsReader) readErr(err error) error {
	if rd.ss.draining.Load() {
		return io.EOF
	}
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd:
		return io.EOF
	}
	return err
}

// binaryFrameError answers a binary message.
var binaryFrameError = rpcError(nil, protocol.CodeInvalidRequest, "",
	"binary messages are not supported: send each JSON-RPC request as a text message")

// errorResponse is a JSON-RPC error response, its members in the order
// package protocol writes them.
type errorResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   protocol.Error  `json:"error"`
}

// rpcError returns an error response line (without a newline); a nil id
// is null.
func rpcError(id json.RawMessage, kind dojo.Code, field, msg string) []byte {
	if id == nil {
		id = json.RawMessage("null")
	}
	return mustJSON(errorResponse{JSONRPC: "2.0", ID: id, Error: protocol.Error{
		Code: protocol.RPCCode(kind), Message: msg, Data: &protocol.ErrorData{Kind: kind, Field: field}}})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// wsWriter writes each response line as a text message, without its
// newline.
type wsWriter struct{ ss *wsSession }

func (w *wsWriter) Write(p []byte) (int, error) {
	if err := w.ss.writeFrame(bytes.TrimSuffix(p, []byte{'\n'})); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeFrame writes one text message, within writeTimeout.
func (ss *wsSession) writeFrame(b []byte) error {
	if ss.conn != nil {
		ss.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
		return ss.c.Write(context.Background(), websocket.MessageText, b)
	}
	ctx, cancel := context.WithTimeout(ss.ctx, writeTimeout)
	defer cancel()
	return ss.c.Write(ctx, websocket.MessageText, b)
}

// refuse answers the first message of a socket accepted over the session
// limit with a limit error, and closes it. A socket that sends nothing is
// closed after capacityWait.
func (s *Server) refuse(c *websocket.Conn, conn net.Conn) {
	s.log.Info("session refused: at the session limit", "max_sessions", s.cfg.MaxSessions)
	ctx, cancel := context.WithTimeout(context.Background(), s.capacityWait)
	defer cancel()
	id := json.RawMessage("null")
	typ, msg, err := c.Read(ctx)
	if err != nil {
		c.CloseNow()
		return
	}
	if typ == websocket.MessageText {
		var env struct {
			ID json.RawMessage `json:"id"`
		}
		if json.Unmarshal(msg, &env) == nil && len(env.ID) > 0 && (env.ID[0] == '"' || env.ID[0] == '-' || (env.ID[0] >= '0' && env.ID[0] <= '9')) {
			id = env.ID
		}
	}
	resp := rpcError(id, protocol.CodeLimit, "",
		fmt.Sprintf("%s: the server holds its maximum of %d sessions: retry later", CapacityReached, s.cfg.MaxSessions))
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	if c.Write(wctx, websocket.MessageText, resp) != nil {
		c.CloseNow()
		return
	}
	if conn != nil {
		conn.SetReadDeadline(time.Now().Add(time.Second))
	}
	c.Close(websocket.StatusTryAgainLater, CapacityReached)
}
