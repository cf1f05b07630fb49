package openenv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dojo-rl/dojo"
)

// Config configures a Handler.
type Config struct {
	// Registry holds the envs served (required); an id family/Name-vN is
	// served under /envs/family/Name-vN.
	Registry *dojo.Registry
	// Acquire takes a session slot, returning the function that gives it
	// back, or ok false when the server is at capacity. Every WebSocket
	// session holds a slot from its handshake to its end; the stateless
	// POST /reset and POST /step hold one while they run. Nil is
	// unlimited.
	Acquire func() (release func(), ok bool)
	// IdleTimeout closes a WebSocket session that sends nothing for this
	// long (close status 1008), freeing its env and slot. Zero is none.
	IdleTimeout time.Duration
	// MaxMessageBytes bounds a WebSocket message (a longer one closes the
	// session with status 1009) and the body of a POST. Zero is 1 MiB.
	MaxMessageBytes int
	// StepTimeout is the deadline of one reset or step: the env's
	// context is canceled when it passes and the request is answered
	// with an error. Zero is none.
	StepTimeout time.Duration
	// Version is the server's version, served as /openapi.json's
	// info.version and /metadata's version.
	Version string
	// Log receives session events (never a token: the handler sees paths
	// after any token prefix is stripped). Nil discards them.
	Log *slog.Logger
}

// DefaultMaxMessageBytes is the message and body limit when
// Config.MaxMessageBytes is zero.
const DefaultMaxMessageBytes = 1 << 20

// writeTimeout bounds the write of one answer to a client that does not
// read.
const writeTimeout = 30 * time.Second

// Handler serves OpenEnv's protocol for every env of a registry. It is an
// http.Handler for the paths /envs, /envs/ and
// /envs/{family}/{name}/{ws,health,metadata,schema,openapi.json,reset,step,state,mcp}.
type Handler struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	closing  bool
	sessions map[*session]struct{}
	wg       sync.WaitGroup
}

// New returns a Handler serving cfg.Registry, which must not be nil.
func New(cfg Config) *Handler {
	if cfg.Registry == nil {
		panic("openenv.New: Config.Registry is nil")
	}
	if cfg.MaxMessageBytes <= 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Handler{cfg: cfg, log: log, sessions: map[*session]struct{}{}}
}

// routes maps each route under an env's base to its method.
var routes = map[string]string{
	"ws":           http.MethodGet,
	"health":       http.MethodGet,
	"metadata":     http.MethodGet,
	"schema":       http.MethodGet,
	"openapi.json": http.MethodGet,
	"state":        http.MethodGet,
	"reset":        http.MethodPost,
	"step":         http.MethodPost,
	"mcp":          http.MethodPost,
}

const routeList = "ws, health, metadata, schema, openapi.json, reset, step, state"

// ServeHTTP routes a request to the env its path names.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	rest, ok := strings.CutPrefix(path, "/envs")
	if !ok || (rest != "" && rest[0] != '/') {
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("no OpenEnv route %q: env routes are /envs/{family}/{name}/{%s}", path, routeList))
		return
	}
	rest = strings.TrimPrefix(rest, "/")
	if rest == "" {
		if !allow(w, r, http.MethodGet) {
			return
		}
		writeJSON(w, http.StatusOK, struct {
			Envs []string `json:"envs"`
		}{h.cfg.Registry.IDs()})
		return
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("no env in %q: an env's base URL is /envs/{family}/{name} (for example /envs/gridworld/FrozenLake-v1); GET /envs lists the ids", path))
		return
	}
	id := parts[0] + "/" + parts[1]
	spec, err := h.cfg.Registry.Spec(id)
	if err != nil {
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("%v; GET /envs (or dojo list) lists the ids served", err))
		return
	}
	route := ""
	if len(parts) == 3 {
		route = parts[2]
	}
	method, known := routes[route]
	if !known {
		writeDetail(w, http.StatusNotFound, fmt.Sprintf("no route %q under %s: the routes are %s", route, id, routeList))
		return
	}
	if !allow(w, r, method) {
		return
	}
	switch route {
	case "ws":
		h.serveWS(w, r, &spec)
	case "health":
		writeJSON(w, http.StatusOK, map[string]string{"status": "healthy"})
	case "metadata":
		writeJSON(w, http.StatusOK, metadata(&spec, h.cfg.Version))
	case "schema":
		writeRaw(w, http.StatusOK, schemas(&spec))
	case "openapi.json":
		writeRaw(w, http.StatusOK, openAPI(&spec, h.cfg.Version))
	case "state":
		writeJSON(w, http.StatusOK, state{EnvID: id})
	case "reset":
		h.serveReset(w, r, &spec)
	case "step":
		h.serveStep(w, r, &spec)
	case "mcp":
		// OpenEnv's validator posts here; dojo's MCP server is mounted
		// at the server's root, not per env.
		writeJSON(w, http.StatusOK, map[string]any{
			"jsonrpc": "2.0", "id": nil,
			"error": map[string]any{"code": -32601, "message": "dojo serves MCP at /mcp on the server's root (start_episode names the env), not per env"},
		})
	}
}

// allow checks the method (HEAD is GET), answering 405 otherwise.
func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method || (method == http.MethodGet && r.Method == http.MethodHead) {
		return true
	}
	w.Header().Set("Allow", method)
	writeDetail(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed here: use %s", r.Method, method))
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeRaw(w, status, marshal(v))
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// writeDetail answers an error as FastAPI does: {"detail": message}.
func writeDetail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"detail": msg})
}

// writeValidation answers a 422 as FastAPI does:
// {"detail": [{"type", "loc", "msg"}]}, loc naming the member at fault.
func writeValidation(w http.ResponseWriter, e *wireError) {
	loc := []string{"body"}
	if e.field != "" {
		loc = append(loc, strings.Split(e.field, ".")...)
	}
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"detail": []map[string]any{{"type": "value_error", "loc": loc, "msg": e.msg}},
	})
}

// acquire takes a slot for a stateless request, answering 503 when there
// is none or the handler is shutting down.
func (h *Handler) acquire(w http.ResponseWriter) (release func(), ok bool) {
	h.mu.Lock()
	closing := h.closing
	h.mu.Unlock()
	if closing {
		writeDetail(w, http.StatusServiceUnavailable, "the server is shutting down")
		return nil, false
	}
	if h.cfg.Acquire == nil {
		return func() {}, true
	}
	release, ok = h.cfg.Acquire()
	if !ok {
		w.Header().Set("Retry-After", "1")
		writeDetail(w, http.StatusServiceUnavailable, "the server is at its session limit (CAPACITY_REACHED): retry later")
		return nil, false
	}
	return release, true
}

// readBody reads a POST body of at most MaxMessageBytes.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(h.cfg.MaxMessageBytes)))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeDetail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over the limit of %d bytes", h.cfg.MaxMessageBytes))
		} else {
			writeDetail(w, http.StatusBadRequest, fmt.Sprintf("reading the request body: %v", err))
		}
		return nil, false
	}
	return b, true
}

// opContext is the context of one reset or step: the step deadline, or
// the shorter timeout a request asks for.
func (h *Handler) opContext(parent context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if h.cfg.StepTimeout > 0 && (timeout <= 0 || h.cfg.StepTimeout < timeout) {
		timeout = h.cfg.StepTimeout
	}
	if timeout > 0 {
		return context.WithTimeout(parent, timeout)
	}
	return context.WithCancel(parent)
}

// serveReset is OpenEnv's stateless POST /reset: a fresh env, made with
// the body's options and reset with its seed; the answer is the
// observation data, and the env is closed.
func (h *Handler) serveReset(w http.ResponseWriter, r *http.Request, spec *dojo.Spec) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	req, werr := parseReset(body)
	if werr != nil {
		writeValidation(w, werr)
		return
	}
	h.playFresh(w, r, spec, req, 0, nil)
}

// serveStep is OpenEnv's stateless POST /step: {"action", "timeout_s"?,
// "request_id"?} on a fresh env, made with the body's other members as
// options (and "seed", "episode_id" as in a reset) and reset with the
// seed (0 by default) before the action is applied. An action that is
// not of the env's shape is a 422.
func (h *Handler) serveStep(w http.ResponseWriter, r *http.Request, spec *dojo.Spec) {
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		writeValidation(w, invalid("", "the body must be a JSON object {\"action\": {...}, \"timeout_s\"?, \"request_id\"?}: %v", errOr(err, "got null")))
		return
	}
	rawAction, ok := top["action"]
	if !ok {
		writeValidation(w, invalid("action", "missing \"action\": %s takes %s", spec.ID, actionShape(spec)))
		return
	}
	action, werr := parseAction(spec, rawAction)
	if werr != nil {
		writeValidation(w, werr)
		return
	}
	var timeout time.Duration
	if raw, ok := top["timeout_s"]; ok && string(raw) != "null" {
		var s float64
		if json.Unmarshal(raw, &s) != nil || s <= 0 {
			writeValidation(w, invalid("timeout_s", "timeout_s must be a positive number of seconds, got %s", abbreviate(raw)))
			return
		}
		timeout = time.Duration(s * float64(time.Second))
	}
	if raw, ok := top["request_id"]; ok && string(raw) != "null" {
		var s string
		if json.Unmarshal(raw, &s) != nil || len(s) > 255 {
			writeValidation(w, invalid("request_id", "request_id must be a string of at most 255 bytes, got %s", abbreviate(raw)))
			return
		}
	}
	req, werr := parseReset(body, "action", "timeout_s", "request_id")
	if werr != nil {
		writeValidation(w, werr)
		return
	}
	h.playFresh(w, r, spec, req, timeout, &action)
}

// playFresh serves a stateless request on a fresh env, holding a session
// slot while it runs: the env is made with the request's options and
// reset with its seed (0 by default); with action, the action is applied.
// The answer is the last observation's data; the env is closed.
func (h *Handler) playFresh(w http.ResponseWriter, r *http.Request, spec *dojo.Spec, req *resetRequest, timeout time.Duration, action *dojo.Action) {
	release, ok := h.acquire(w)
	if !ok {
		return
	}
	defer release()
	env, err := h.cfg.Registry.Make(spec.ID, req.options)
	if err != nil {
		h.writeEnvError(w, fromDojo(err, true))
		return
	}
	defer dojo.Close(env)
	ctx, cancel := h.opContext(r.Context(), timeout)
	defer cancel()
	seed := uint64(0)
	if req.seed != nil {
		seed = *req.seed
	}
	obs, info, err := env.Reset(ctx, seed)
	if err != nil {
		h.writeEnvError(w, fromDojo(deadline(ctx, "reset", err), false))
		return
	}
	var b []byte
	if action == nil {
		b, err = appendResult(nil, &obs, &info, nil, false, false)
	} else {
		st, serr := env.Step(ctx, *action)
		if serr != nil {
			h.writeEnvError(w, fromDojo(deadline(ctx, "step", serr), false))
			return
		}
		b, err = appendResult(nil, &st.Obs, &st.Info, &st.Reward, st.Terminated, st.Truncated)
	}
	if err != nil {
		writeDetail(w, http.StatusInternalServerError, fmt.Sprintf("%s: %v", spec.ID, err))
		return
	}
	writeRaw(w, http.StatusOK, b)
}

func errOr(err error, s string) any {
	if err != nil {
		return err
	}
	return s
}

// writeEnvError answers a failure of a stateless request: 422 for invalid
// options, 504 for a deadline, 404 for absent data, else 500.
func (h *Handler) writeEnvError(w http.ResponseWriter, e *wireError) {
	switch {
	case e.code == codeValidation:
		writeValidation(w, e)
	case e.timeout:
		writeDetail(w, http.StatusGatewayTimeout, e.msg)
	default:
		writeDetail(w, http.StatusInternalServerError, e.msg)
	}
}

// Shutdown stops new sessions (their handshakes and stateless requests
// are answered 503), lets the requests in flight finish and be answered,
// then closes every WebSocket session with status 1001 (going away) and
// waits for them to end, or for ctx.
func (h *Handler) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closing = true
	list := make([]*session, 0, len(h.sessions))
	for s := range h.sessions {
		list = append(list, s)
	}
	h.mu.Unlock()
	for _, s := range list {
		go s.shut(1001, "server shutting down")
	}
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, s := range list {
			s.conn.CloseNow()
		}
		return ctx.Err()
	}
}
