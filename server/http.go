package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// tokenPrefix starts a path carrying the token: /t/TOKEN/rest.
const tokenPrefix = "/t/"

// serveHTTP authenticates a request, checks its origin and routes it.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		s.log.Debug("request", "method", r.Method, "path", RedactPath(r.URL.Path), "status", rec.status, "duration", time.Since(start))
	}()
	w = rec

	p := r.URL.Path
	withToken := false
	if rest, ok := strings.CutPrefix(p, tokenPrefix); ok {
		tok, after, _ := strings.Cut(rest, "/")
		if s.cfg.Token != "" && !tokenEqual(tok, s.cfg.Token) {
			WriteError(w, http.StatusUnauthorized, "unauthorized", "wrong token in the path: use /t/TOKEN/... with the server's token")
			return
		}
		withToken = true
		p = "/" + after
		r = withPath(r, p)
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !s.originAllowed(origin) {
			WriteError(w, http.StatusForbidden, "forbidden", fmt.Sprintf("origin %q is not allowed: start the server with --allow-origin %s to allow it", origin, origin))
			return
		}
		// An allowed browser origin may read the answers (CORS); its
		// preflight requests carry no credentials, so they are answered
		// before the token is checked.
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	if s.cfg.Token != "" && !withToken && !isHealth(p) {
		auth := r.Header.Get("Authorization")
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		switch {
		case auth == "":
			w.Header().Set("WWW-Authenticate", `Bearer realm="dojo"`)
			WriteError(w, http.StatusUnauthorized, "unauthorized", "this server needs a token: send \"Authorization: Bearer TOKEN\" or prefix the path with /t/TOKEN")
			return
		case !ok || !tokenEqual(strings.TrimSpace(tok), s.cfg.Token):
			w.Header().Set("WWW-Authenticate", `Bearer realm="dojo", error="invalid_token"`)
			WriteError(w, http.StatusUnauthorized, "unauthorized", "wrong token: send \"Authorization: Bearer TOKEN\" with the server's token")
			return
		}
	}
	s.route(w, r, p)
}

// route serves a request whose token and origin passed.
func (s *Server) route(w http.ResponseWriter, r *http.Request, p string) {
	switch {
	case p == "/health":
		if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "healthy"})
	case p == "/rpc":
		switch {
		case r.Method == http.MethodGet && isWebSocket(r):
			s.serveRPCSocket(w, r)
		case r.Method == http.MethodPost:
			s.servePost(w, r)
		case r.Method == http.MethodGet:
			WriteError(w, http.StatusBadRequest, "bad_request", "GET /rpc must be a WebSocket upgrade; for one-shot calls POST one JSON-RPC request")
		default:
			allowMethods(w, r, http.MethodGet, http.MethodPost)
		}
	case p == "/envs" || strings.HasPrefix(p, "/envs/"):
		s.cfg.Envs.ServeHTTP(w, r)
	case p == "/mcp" || strings.HasPrefix(p, "/mcp/"):
		s.cfg.MCP.ServeHTTP(w, r)
	default:
		WriteError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no route %s: the routes are /health, /rpc (WebSocket or POST), /envs/{family}/{name}/..., /mcp", RedactPath(p)))
	}
}

// isHealth reports whether p is a health probe, open without a token:
// /health, or a path under /envs/ ending in /health.
func isHealth(p string) bool {
	return p == "/health" || (strings.HasPrefix(p, "/envs/") && strings.HasSuffix(p, "/health"))
}

// tokenEqual compares a token given with the server's in constant time
// (of their SHA-256 digests, so that neither length nor content shows in
// the time taken).
func tokenEqual(given, want string) bool {
	a := sha256.Sum256([]byte(given))
	b := sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// withPath returns r with its URL's path replaced (the token prefix
// stripped).
func withPath(r *http.Request, p string) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = p, ""
	r2.URL = &u
	r2.RequestURI = u.RequestURI()
	return r2
}

// RedactPath returns p with the token of a /t/TOKEN/ prefix replaced by
// REDACTED, for logs.
func RedactPath(p string) string {
	rest, ok := strings.CutPrefix(p, tokenPrefix)
	if !ok {
		return p
	}
	_, after, found := strings.Cut(rest, "/")
	if !found {
		return tokenPrefix + "REDACTED"
	}
	return tokenPrefix + "REDACTED/" + after
}

// isWebSocket reports whether r asks for a WebSocket upgrade.
func isWebSocket(r *http.Request) bool {
	return headerHas(r.Header, "Connection", "upgrade") && headerHas(r.Header, "Upgrade", "websocket")
}

func headerHas(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// allowMethods answers 405 with an Allow header unless r's method is one
// of methods.
func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	allow := strings.Join(methods, ", ")
	w.Header().Set("Allow", allow)
	WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("method %s not allowed on %s: use %s", r.Method, RedactPath(r.URL.Path), allow))
	return false
}

// WriteError answers an HTTP error as JSON:
// {"error": {"status", "kind", "message"}}.
func WriteError(w http.ResponseWriter, status int, kind, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"status": status, "kind": kind, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"status":500,"kind":"internal","message":"encoding the answer failed"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// originAllowed reports whether a browser origin is allowed.
func (s *Server) originAllowed(origin string) bool {
	u, err := url.Parse(origin)
	for _, pat := range s.cfg.AllowedOrigins {
		if pat == "*" || strings.EqualFold(pat, origin) {
			return true
		}
		if err == nil && u.Host != "" && !strings.Contains(pat, "://") {
			if ok, _ := path.Match(strings.ToLower(pat), strings.ToLower(u.Host)); ok {
				return true
			}
		}
	}
	return false
}

func checkOriginPattern(p string) error {
	if p == "" {
		return fmt.Errorf("server: empty allowed origin")
	}
	if _, err := path.Match(p, ""); err != nil {
		return fmt.Errorf("server: allowed origin %q: %v", p, err)
	}
	return nil
}

// statusRecorder notes the status of an answer, for the log; it lets
// WebSocket upgrades through (Unwrap).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush lets streaming handlers (MCP's Streamable HTTP) flush.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// redactingHandler is a slog handler that redacts token prefixes in
// messages and string attributes (net/http's own error log lines).
type redactingHandler struct{ h slog.Handler }

func (h redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.h.Enabled(ctx, l)
}

func (h redactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	r2 := slog.NewRecord(rec.Time, rec.Level, redactText(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		if a.Value.Kind() == slog.KindString {
			a.Value = slog.StringValue(redactText(a.Value.String()))
		}
		r2.AddAttrs(a)
		return true
	})
	return h.h.Handle(ctx, r2)
}

func (h redactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return redactingHandler{h.h.WithAttrs(as)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.h.WithGroup(name)}
}

// redactText redacts every /t/TOKEN/ in s.
func redactText(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, tokenPrefix)
		if i < 0 {
			if b.Len() == 0 {
				return s
			}
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(tokenPrefix + "REDACTED")
		s = s[i+len(tokenPrefix):]
		if j := strings.IndexAny(s, "/ \"'?"); j >= 0 {
			s = s[j:]
		} else {
			s = ""
		}
	}
}
