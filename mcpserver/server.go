package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"sync"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Defaults of Config's limits.
const (
	DefaultMaxEpisodes = 64
	DefaultIdleTimeout = 10 * time.Minute
	DefaultStepTimeout = 30 * time.Second
)

// Config configures a Server.
type Config struct {
	// Registry holds the envs; the playable ones (see the package doc)
	// are served.
	Registry *dojo.Registry
	// Envs, when not empty, restricts the envs served to the ids matching
	// one of these path.Match patterns ("toolcall/*", "sql/HR-v0").
	Envs []string
	// MaxEpisodes bounds the episodes open at once (default
	// DefaultMaxEpisodes).
	MaxEpisodes int
	// IdleTimeout closes an episode no call has touched for that long
	// (default DefaultIdleTimeout).
	IdleTimeout time.Duration
	// StepTimeout bounds each reset and step (default DefaultStepTimeout).
	StepTimeout time.Duration
	// Version is the server version reported to clients.
	Version string
	// Log receives the server's logs (nil: none). It must not write to the
	// stdio transport's output.
	Log *slog.Logger
	// CheckOptions, when set, vets an episode's options (the caller's, with
	// the fixed ones added) before its env is made: a network server
	// restricts data paths with it. Its error is returned to the client.
	CheckOptions func(id string, opts dojo.Options) error
}

// Server is an MCP server playing dojo envs. It is safe for concurrent use
// by any number of clients over any number of transports.
type Server struct {
	cfg   Config
	log   *slog.Logger
	mcp   *mcp.Server
	envs  []*playable          // sorted by id
	byID  map[string]*playable // id -> env
	tools map[string]*envTool  // MCP name -> tool variant

	mu       sync.Mutex
	episodes map[string]*episode
	gone     *tombstones
	closed   bool

	stopReaper chan struct{}
	reaperDone chan struct{}
	httpOnce   sync.Once
	http       http.Handler
}

// New returns a Server for cfg. It fails when the registry is missing, a
// pattern of cfg.Envs is malformed or matches no playable env, or an env
// tool already has a "handle" argument.
func New(cfg Config) (*Server, error) {
	if cfg.Registry == nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "mcpserver: no registry")
	}
	if cfg.MaxEpisodes <= 0 {
		cfg.MaxEpisodes = DefaultMaxEpisodes
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.StepTimeout <= 0 {
		cfg.StepTimeout = DefaultStepTimeout
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	for _, p := range cfg.Envs {
		if _, err := path.Match(p, ""); err != nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "mcpserver: env pattern %q: %v", p, err).WithField("env")
		}
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:        cfg,
		log:        log,
		byID:       map[string]*playable{},
		episodes:   map[string]*episode{},
		gone:       newTombstones(1024),
		stopReaper: make(chan struct{}),
		reaperDone: make(chan struct{}),
	}
	if err := s.discover(); err != nil {
		return nil, err
	}
	s.mcp = mcp.NewServer(&mcp.Implementation{Name: "dojo", Title: "dojo environments", Version: cfg.Version}, &mcp.ServerOptions{
		Instructions: instructions,
		Logger:       log,
		Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{}},
	})
	if err := s.addTools(); err != nil {
		return nil, err
	}
	go s.reaper()
	return s, nil
}

const instructions = "dojo's simulated environments as tools. Call list_envs to see the envs, " +
	"start_episode to start one (it returns a handle, the task and the episode's tools), " +
	"call the episode's tools with that handle, and end_episode for the reward and success. " +
	"Rewards stay hidden until end_episode."

// ServeStdio serves one client on in and out (newline-delimited JSON-RPC,
// as the stdio transport does) until in ends, the client disconnects or
// ctx is done. At the end of in it first answers the requests already read
// (waiting at most Config.StepTimeout and ten seconds more), so a client
// may write its requests and close its end at once. It returns nil when in
// ends, and ctx's error when ctx is
// done. Only JSON-RPC messages are written to out. A Read on in that blocks
// when ctx is done is left to finish in its own goroutine.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	pr, pw := io.Pipe()
	ledger := newLedger()
	go func() {
		err := ledger.copyRequests(pw, in)
		if err == nil {
			// The end of the input: answer the requests read before
			// closing, as a client that writes its requests and then
			// closes its end (a pipe, a script) expects.
			ledger.wait(ctx, s.drainBound())
		}
		pw.CloseWithError(err) // nil: EOF
	}()
	defer pr.Close()
	t := &mcp.IOTransport{Reader: pr, Writer: nopWriteCloser{ledger.responses(out)}}
	err := s.mcp.Run(ctx, t)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, mcp.ErrConnectionClosed) || errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// Connect serves one client over any transport of the SDK (an
// mcp.InMemoryTransport in tests, mcp.StdioTransport) until it
// disconnects; Wait on the session returned.
func (s *Server) Connect(ctx context.Context, t mcp.Transport) (*mcp.ServerSession, error) {
	return s.mcp.Connect(ctx, t, nil)
}

// HTTPHandler returns the Streamable HTTP handler. It serves both kinds
// of client the SDK supports: requests of the 2026-07-28 protocol, which
// carry no session, are answered statelessly, each on its own; an
// initialize request (the handshake of 2025-11-25 and older) starts a
// stateful session, whose Mcp-Session-Id the client sends with its later
// requests (and its GET stream and DELETE), closed after IdleTimeout
// without a request. Answers are JSON. Episodes are global to the Server
// either way. It applies no authentication; mount it behind whatever the
// server requires.
func (s *Server) HTTPHandler() http.Handler {
	s.httpOnce.Do(func() {
		get := func(*http.Request) *mcp.Server { return s.mcp }
		stateless := mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{
			Stateless:    true,
			JSONResponse: true,
			Logger:       s.log,
		})
		stateful := mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{
			JSONResponse:   true,
			Logger:         s.log,
			SessionTimeout: s.cfg.IdleTimeout,
		})
		s.http = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Mcp-Session-Id") != "" || (r.Method == http.MethodPost && isInitialize(r)) {
				stateful.ServeHTTP(w, r)
				return
			}
			stateless.ServeHTTP(w, r)
		})
	})
	return s.http
}

// isInitialize reports whether a POST's body is an initialize request,
// leaving the body to be read again. A body too large or not JSON is left
// to the stateless handler to refuse.
func isInitialize(r *http.Request) bool {
	if r.Body == nil {
		return false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, mcp.DefaultMaxRequestBodyBytes+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
	if err != nil {
		return false
	}
	var m struct {
		Method string `json:"method"`
	}
	return json.Unmarshal(b, &m) == nil && m.Method == "initialize"
}

// MCP returns the SDK server, for transports this package does not wrap.
func (s *Server) MCP() *mcp.Server { return s.mcp }

// Shutdown stops the reaper and closes every open episode; later calls of
// the episode tools fail, saying the server is shutting down. It waits for
// steps in flight up to ctx's end.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	eps := make([]*episode, 0, len(s.episodes))
	for h, ep := range s.episodes {
		eps = append(eps, ep)
		delete(s.episodes, h)
		s.gone.add(h, "the server shut down")
	}
	s.mu.Unlock()
	close(s.stopReaper)
	<-s.reaperDone
	var errs []error
	for _, ep := range eps {
		select {
		case ep.sem <- struct{}{}:
			if !ep.abandoned { // else its overrun step's goroutine closes it
				if err := ep.close(); err != nil {
					errs = append(errs, err)
				}
			}
			<-ep.sem
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return errors.Join(errs...)
}

// Close is Shutdown without a deadline.
func (s *Server) Close() error { return s.Shutdown(context.Background()) }

// Open returns the number of episodes open.
func (s *Server) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.episodes)
}

// reaper closes idle episodes.
func (s *Server) reaper() {
	defer close(s.reaperDone)
	every := min(max(s.cfg.IdleTimeout/4, 10*time.Millisecond), 30*time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stopReaper:
			return
		case now := <-t.C:
			s.reap(now)
		}
	}
}

func (s *Server) reap(now time.Time) {
	var idle []*episode
	s.mu.Lock()
	for h, ep := range s.episodes {
		select {
		case ep.sem <- struct{}{}: // not busy
		default:
			continue
		}
		if now.Sub(ep.lastUsed) >= s.cfg.IdleTimeout {
			delete(s.episodes, h)
			s.gone.add(h, fmt.Sprintf("it was closed after %v without a call (the idle timeout)", s.cfg.IdleTimeout))
			idle = append(idle, ep)
			continue
		}
		<-ep.sem
	}
	s.mu.Unlock()
	for _, ep := range idle {
		s.log.Info("episode reaped", "handle", ep.handle, "env", ep.id)
		ep.close()
		<-ep.sem
	}
}

// tombstones remembers why recent handles went away, a bounded number of
// them.
type tombstones struct {
	why  map[string]string
	ring []string
	next int
}

func newTombstones(n int) *tombstones {
	return &tombstones{why: map[string]string{}, ring: make([]string, n)}
}

func (t *tombstones) add(handle, why string) {
	if old := t.ring[t.next]; old != "" {
		delete(t.why, old)
	}
	t.ring[t.next] = handle
	t.next = (t.next + 1) % len(t.ring)
	t.why[handle] = why
}
