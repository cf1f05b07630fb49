package openenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/protocol"
)

// capacityWait bounds the wait for the first message of a session refused
// for capacity when no idle timeout is set, so a refused client that
// sends nothing does not hold its socket.
const capacityWait = 30 * time.Second

// session is one WebSocket session: one env, made at the first reset.
type session struct {
	h    *Handler
	conn *websocket.Conn
	spec *dojo.Spec // the registered spec (default options)
	id   string

	// mu is held while a request is served; shut takes it so a request
	// in flight is answered before the session closes.
	mu     sync.Mutex
	closed bool

	env        dojo.Env
	envSpec    dojo.Spec
	optionsKey string
	started    bool // an episode was reset
	broken     bool // the last reset or step failed: reset before stepping
	done       bool
	seed       uint64
	episodeID  *string
	steps      int
	buf        []byte
}

// message is a client's frame: {"type", "data"}.
type message struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func (h *Handler) serveWS(w http.ResponseWriter, r *http.Request, spec *dojo.Spec) {
	h.mu.Lock()
	closing := h.closing
	h.mu.Unlock()
	if closing {
		writeDetail(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	// Origins and tokens are checked by the server that mounts the
	// handler (package server); the library's same-origin check would
	// refuse origins it allows.
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept has answered the handshake with an HTTP error
	}
	conn.SetReadLimit(int64(h.cfg.MaxMessageBytes))
	s := &session{h: h, conn: conn, spec: spec, id: spec.ID}
	h.mu.Lock()
	if h.closing {
		h.mu.Unlock()
		conn.Close(websocket.StatusGoingAway, "server shutting down")
		return
	}
	h.sessions[s] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.sessions, s)
		h.mu.Unlock()
		h.wg.Done()
	}()

	release := func() {}
	if h.cfg.Acquire != nil {
		var ok bool
		if release, ok = h.cfg.Acquire(); !ok {
			s.refuse()
			return
		}
	}
	defer release()
	defer s.closeEnv()
	h.log.Debug("openenv session opened", "env", s.id)
	s.loop()
	h.log.Debug("openenv session ended", "env", s.id, "steps", s.steps)
}

// refuse answers the first message of a session over the limit with a
// CAPACITY_REACHED error and closes it (status 1013, try again later).
func (s *session) refuse() {
	wait := s.h.cfg.IdleTimeout
	if wait <= 0 || wait > capacityWait {
		wait = capacityWait
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if _, _, err := s.conn.Read(ctx); err != nil {
		s.conn.CloseNow()
		return
	}
	s.h.log.Info("openenv session refused: at capacity", "env", s.id)
	frame := errorFrame(&wireError{code: codeCapacityReached, msg: "the server is at its session limit: retry later"})
	wctx, wcancel := context.WithTimeout(context.Background(), writeTimeout)
	defer wcancel()
	if s.conn.Write(wctx, websocket.MessageText, frame) != nil {
		s.conn.CloseNow()
		return
	}
	s.conn.Close(websocket.StatusTryAgainLater, "at capacity")
}

// loop reads requests and answers each with one frame until the client
// closes, goes idle or the handler shuts down.
func (s *session) loop() {
	idle := s.h.cfg.IdleTimeout
	var timer *time.Timer
	if idle > 0 {
		timer = time.AfterFunc(idle, func() {
			s.h.log.Info("openenv session reaped: idle", "env", s.id, "idle", idle)
			s.shut(websocket.StatusPolicyViolation, "idle timeout")
		})
		defer timer.Stop()
	}
	for {
		typ, msg, err := s.conn.Read(context.Background())
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				s.h.log.Info("openenv session closed: message too big", "env", s.id, "limit", s.h.cfg.MaxMessageBytes)
			}
			s.conn.CloseNow()
			return
		}
		if timer != nil {
			timer.Stop()
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		frame, end := s.serve(typ, msg)
		var werr error
		if frame != nil {
			ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			werr = s.conn.Write(ctx, websocket.MessageText, frame)
			cancel()
		}
		if end {
			s.closed = true
		}
		s.mu.Unlock()
		if werr != nil {
			s.conn.CloseNow()
			return
		}
		if end {
			s.conn.Close(websocket.StatusNormalClosure, "")
			return
		}
		if timer != nil {
			timer.Reset(idle)
		}
	}
}

// shut closes the session with code once no request is in flight.
func (s *session) shut(code websocket.StatusCode, reason string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.conn.Close(code, reason)
}

func (s *session) closeEnv() {
	if s.env != nil {
		dojo.Close(s.env)
		s.env = nil
	}
}

// serve answers one message: the frame to send (nil for none) and whether
// the session ends.
func (s *session) serve(typ websocket.MessageType, msg []byte) (frame []byte, end bool) {
	if typ != websocket.MessageText {
		return errorFrame(&wireError{code: codeInvalidJSON, msg: "binary frame: send each message as a text frame holding a JSON object {\"type\", \"data\"}"}), false
	}
	var m message
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || dec.More() {
		var syn *json.SyntaxError
		if err == nil || errors.As(err, &syn) || !json.Valid(msg) {
			return errorFrame(&wireError{code: codeInvalidJSON, msg: fmt.Sprintf("invalid JSON: a message is a JSON object {\"type\", \"data\"}, got %s", abbreviate(msg))}), false
		}
		return errorFrame(&wireError{code: codeValidation, msg: fmt.Sprintf("invalid message: %v (a message is {\"type\": \"reset\"|\"step\"|\"state\"|\"close\", \"data\"?})", err)}), false
	}
	switch m.Type {
	case "reset":
		return s.reset(m.Data), false
	case "step":
		if len(m.Data) == 0 {
			return errorFrame(invalid("data", "a step message needs \"data\": the action, %s", actionShape(s.envSpecOr()))), false
		}
		return s.step(m.Data), false
	case "state":
		return s.state(), false
	case "close":
		return nil, true
	case "mcp":
		return errorFrame(&wireError{code: codeUnknownType, msg: "message type \"mcp\" is not served here: dojo serves MCP at /mcp on the server's root"}), false
	}
	return errorFrame(&wireError{code: codeUnknownType, msg: fmt.Sprintf("unknown message type %q: want reset, step, state or close", m.Type)}), false
}

func (s *session) envSpecOr() *dojo.Spec {
	if s.env != nil {
		return &s.envSpec
	}
	return s.spec
}

// reset makes the env when there is none or the options changed, and
// starts an episode. The seed is the data's, else 0 for the first episode
// and protocol.NextSeed of the last one after (as dojo's env/reset).
func (s *session) reset(data json.RawMessage) []byte {
	req, werr := parseReset(data)
	if werr != nil {
		return errorFrame(werr)
	}
	if s.env == nil || req.optionsKey != s.optionsKey {
		env, err := s.h.cfg.Registry.Make(s.id, req.options)
		if err != nil {
			return errorFrame(fromDojo(err, true))
		}
		s.closeEnv()
		s.env, s.envSpec, s.optionsKey, s.started = env, env.Spec(), req.optionsKey, false
		s.h.log.Debug("openenv env made", "env", s.id, "options", req.optionsKey)
	}
	seed := uint64(0)
	switch {
	case req.seed != nil:
		seed = *req.seed
	case s.started:
		seed = protocol.NextSeed(s.seed)
	}
	ctx, cancel := s.h.opContext(context.Background(), 0)
	defer cancel()
	obs, info, err := s.env.Reset(ctx, seed)
	if err != nil {
		s.broken = true
		return errorFrame(fromDojo(deadline(ctx, "reset", err), false))
	}
	s.started, s.broken, s.done, s.seed, s.episodeID, s.steps = true, false, false, seed, req.episodeID, 0
	return s.observation(&obs, &info, nil, false, false)
}

func (s *session) step(data json.RawMessage) []byte {
	if s.env == nil || !s.started {
		return errorFrame(&wireError{code: codeExecution, msg: "step before reset: send {\"type\": \"reset\"} first"})
	}
	if s.broken {
		return errorFrame(&wireError{code: codeExecution, msg: "the last reset or step failed: send {\"type\": \"reset\"} to start a new episode"})
	}
	action, werr := parseAction(&s.envSpec, data)
	if werr != nil {
		return errorFrame(werr)
	}
	ctx, cancel := s.h.opContext(context.Background(), 0)
	defer cancel()
	st, err := s.env.Step(ctx, action)
	if err != nil {
		if dojo.ErrorCode(err) != dojo.CodeState {
			s.broken = true
		}
		return errorFrame(fromDojo(deadline(ctx, "step", err), false))
	}
	s.steps++
	s.done = st.Done()
	return s.observation(&st.Obs, &st.Info, &st.Reward, st.Terminated, st.Truncated)
}

func (s *session) observation(obs *dojo.Obs, info *dojo.Info, reward *float64, terminated, truncated bool) []byte {
	b := append(s.buf[:0], `{"type":"observation","data":`...)
	b, err := appendResult(b, obs, info, reward, terminated, truncated)
	if err != nil {
		s.broken = true
		return errorFrame(&wireError{code: codeExecution, msg: fmt.Sprintf("%s: %v", s.id, err)})
	}
	b = append(b, '}')
	s.buf = b
	return b
}

func (s *session) state() []byte {
	st := state{EpisodeID: s.episodeID, StepCount: s.steps, EnvID: s.id, Done: s.done}
	if s.started {
		seed := s.seed
		st.Seed = &seed
	}
	return marshal(struct {
		Type string `json:"type"`
		Data state  `json:"data"`
	}{"state", st})
}

// deadline explains an error of a reset or step whose deadline passed.
func deadline(ctx context.Context, what string, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &wireError{code: codeExecution, timeout: true, msg: fmt.Sprintf("%s exceeded its deadline and was canceled: %v", what, err)}
	}
	return err
}
