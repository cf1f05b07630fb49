package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/protocol"
)

// Defaults of Config's limits.
const (
	DefaultMaxSessions     = 10000
	DefaultIdleTimeout     = 5 * time.Minute
	DefaultMaxMessageBytes = 16 << 20
	DefaultDrainTimeout    = 10 * time.Second
	// DefaultMaxBodyBytes bounds the body of POST /rpc.
	DefaultMaxBodyBytes = DefaultMaxMessageBytes
	// sessionReadBuffer is the read buffer of a WebSocket session's
	// protocol reader: small, since idle sessions are many (a longer
	// message is still read whole).
	sessionReadBuffer = 512
	// writeTimeout bounds the write of one response frame: a client that
	// stops reading loses its session after it.
	writeTimeout = 30 * time.Second
	// capacityWait is how long a socket refused for capacity waits for its
	// first message before it is closed.
	capacityWait = 10 * time.Second
)

// Config configures a Server. Only Registry is required.
type Config struct {
	// Registry makes the envs. New restricts it to DataDir
	// (dojo.Registry.WithDataDir); Server.Registry returns the restricted
	// registry, which mounted handlers should make their envs with.
	Registry *dojo.Registry
	// Token, when not empty, is required on every route but the health
	// probes: as "Authorization: Bearer TOKEN" or as the path prefix
	// /t/TOKEN/.
	Token string
	// AllowedOrigins lists the browser origins allowed to call the server:
	// "https://example.com" (an exact origin), a host pattern such as
	// "*.example.com" or "localhost:*" (path.Match syntax, matched against
	// the origin's host[:port]), or "*" for any. A request without an
	// Origin header (not from a browser) is always allowed.
	AllowedOrigins []string
	// MaxSessions bounds the live sessions of every transport at once
	// (default DefaultMaxSessions): see Server.Acquire.
	MaxSessions int
	// IdleTimeout ends a session that has received no message and has no
	// request in flight for this long (default DefaultIdleTimeout;
	// negative: never).
	IdleTimeout time.Duration
	// MaxMessageBytes bounds one WebSocket message and the body of POST
	// /rpc (default DefaultMaxMessageBytes). A longer message closes its
	// socket with status 1009 (message too big).
	MaxMessageBytes int
	// StepTimeout bounds each env/reset, env/step, env/stepMany entry and
	// task/verify (protocol.Server.StepTimeout); 0 sets none.
	StepTimeout time.Duration
	// DrainTimeout bounds how long Serve's shutdown lets requests in
	// flight finish (default DefaultDrainTimeout).
	DrainTimeout time.Duration
	// DataDir is the only directory file-path options may name (see
	// dojo.Registry.WithDataDir); empty allows none but their defaults.
	DataDir string
	// Log receives the server's logs; nil discards them. Tokens never
	// appear in them.
	Log *slog.Logger
	// Version is the server's version, sent by initialize.
	Version string
	// MaxEnvs bounds the envs open at once in one /rpc session (default
	// protocol.DefaultMaxEnvs).
	MaxEnvs int
	// MemoryBudget bounds the memory one /rpc session's envs are
	// estimated to take (protocol.Server.MemoryBudget: 0 for the default,
	// negative for none).
	MemoryBudget int64
	// Parallelism bounds how many envs one env/stepMany steps at once
	// (protocol.Server.Parallelism; default GOMAXPROCS).
	Parallelism int

	// Envs serves every path under /envs/ (with the token prefix already
	// stripped: /envs/{family}/{name}/...). Nil mounts OpenEnv's routes
	// (package server/openenv) on the server's registry, session slots and
	// limits.
	Envs http.Handler
	// MCP serves /mcp (and paths under it). Nil mounts the MCP server of
	// package mcpserver on the server's registry and timeouts.
	MCP http.Handler
}

// Server is dojo's network server: dojo's JSON-RPC protocol over WebSocket
// (/rpc) and plain HTTP (POST /rpc), the mounted Envs and MCP handlers,
// and /health, behind one token, origin check and session limit.
type Server struct {
	cfg   Config
	reg   *dojo.Registry
	log   *slog.Logger
	proto *protocol.Server // for WebSocket sessions
	post  *protocol.Server // for POST /rpc

	live atomic.Int64 // sessions holding a slot (Acquire)

	mu       sync.Mutex
	sessions map[*wsSession]struct{}
	closing  bool
	idle     chan struct{} // closed when sessions empties while closing
	srvs     []*http.Server

	closingFlag  atomic.Bool
	handlersDown sync.Once // the mounted handlers' Shutdown is called once

	// capacityWait is how long a socket refused for capacity may take to
	// send its first message (tests shorten it).
	capacityWait time.Duration
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Registry == nil {
		return nil, errors.New("server: Config without a Registry")
	}
	if cfg.MaxSessions < 0 || cfg.MaxMessageBytes < 0 || cfg.StepTimeout < 0 || cfg.MaxEnvs < 0 || cfg.DrainTimeout < 0 || cfg.Parallelism < 0 {
		return nil, errors.New("server: negative limit in Config")
	}
	if cfg.MaxSessions == 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	} else if cfg.IdleTimeout < 0 {
		cfg.IdleTimeout = 0
	}
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = DefaultDrainTimeout
	}
	for _, o := range cfg.AllowedOrigins {
		if err := checkOriginPattern(o); err != nil {
			return nil, err
		}
	}
	reg, err := cfg.Registry.WithDataDir(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	log := slog.New(slog.DiscardHandler)
	if cfg.Log != nil {
		log = slog.New(redactingHandler{cfg.Log.Handler()})
	}
	s := &Server{cfg: cfg, reg: reg, log: log, sessions: map[*wsSession]struct{}{}, capacityWait: capacityWait}
	s.proto = &protocol.Server{
		Registry:        reg,
		Log:             log,
		MaxLineBytes:    cfg.MaxMessageBytes,
		MaxEnvs:         cfg.MaxEnvs,
		MemoryBudget:    cfg.MemoryBudget,
		Parallelism:     cfg.Parallelism,
		Version:         cfg.Version,
		ReadBufferBytes: sessionReadBuffer,
		StepTimeout:     cfg.StepTimeout,
		IdleTimeout:     cfg.IdleTimeout,
	}
	s.post = &protocol.Server{
		Registry:        reg,
		Log:             log,
		MaxLineBytes:    cfg.MaxMessageBytes,
		MaxEnvs:         cfg.MaxEnvs,
		Version:         cfg.Version,
		ReadBufferBytes: 4 << 10,
		StepTimeout:     cfg.StepTimeout,
	}
	if err := s.mount(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	return s, nil
}

// SetEnvs mounts h under /envs/, as Config.Envs does, for a handler built
// on the server (its Acquire, Accept and Registry). Call it before
// serving.
func (s *Server) SetEnvs(h http.Handler) { s.cfg.Envs = h }

// Registry returns the registry the server makes envs with: Config's,
// restricted to Config.DataDir.
func (s *Server) Registry() *dojo.Registry { return s.reg }

// Config returns the server's configuration, with defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Acquire takes a session slot: every live session of every transport
// (/rpc, the OpenEnv routes, MCP) holds one, up to Config.MaxSessions. ok
// is false when none is free (answer CAPACITY_REACHED); otherwise release
// frees the slot (calling it again does nothing).
func (s *Server) Acquire() (release func(), ok bool) {
	max := int64(s.cfg.MaxSessions)
	for {
		n := s.live.Load()
		if n >= max {
			return nil, false
		}
		if s.live.CompareAndSwap(n, n+1) {
			break
		}
	}
	var once sync.Once
	return func() { once.Do(func() { s.live.Add(-1) }) }, true
}

// Sessions returns the number of session slots held.
func (s *Server) Sessions() int { return int(s.live.Load()) }

// ShuttingDown reports whether Shutdown has begun: mounted handlers
// refuse new sessions from then on.
func (s *Server) ShuttingDown() bool { return s.closingFlag.Load() }

// Handler returns the server's HTTP handler. Served by another
// http.Server than Serve's, its WebSocket sessions still end on Shutdown.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// ListenAndServe listens on addr (see ListenAddr: a host-less address
// binds the loopback interface) and serves until ctx is canceled. ready,
// if not nil, is called with the address bound before serving.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", ListenAddr(addr))
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr())
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is canceled, then shuts down gracefully
// (Shutdown, bounded by Config.DrainTimeout) and returns nil, or the
// shutdown's error. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	s.srvs = append(s.srvs, hs)
	s.mu.Unlock()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil // Shutdown was called by someone else
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.DrainTimeout)
	defer cancel()
	err := s.Shutdown(sctx)
	<-errc
	return err
}

// Shutdown stops the server gracefully: its listeners stop accepting, new
// sessions are refused, WebSocket sessions stop reading and finish their
// requests in flight, then close with status 1001 (going away), and the
// mounted handlers that have a Shutdown(context.Context) error method are
// shut down. When ctx ends first, the requests still in flight are
// canceled and their sockets closed, and Shutdown returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		s.closingFlag.Store(true)
		s.idle = make(chan struct{})
		if len(s.sessions) == 0 {
			close(s.idle)
		}
	}
	srvs := s.srvs
	var live []*wsSession
	for ss := range s.sessions {
		live = append(live, ss)
	}
	idle := s.idle
	s.mu.Unlock()

	var wg sync.WaitGroup
	errs := make([]error, len(srvs)+2)
	for i, hs := range srvs {
		wg.Go(func() { errs[i] = hs.Shutdown(ctx) })
	}
	s.handlersDown.Do(func() {
		for i, h := range []http.Handler{s.cfg.Envs, s.cfg.MCP} {
			if sd, ok := h.(interface{ Shutdown(context.Context) error }); ok {
				wg.Go(func() { errs[len(srvs)+i] = sd.Shutdown(ctx) })
			}
		}
	})
	for _, ss := range live {
		ss.drain()
	}
	var err error
	select {
	case <-idle:
	case <-ctx.Done():
		// Cancel the requests still running: they are answered with a
		// canceled error and the sessions close with 1001. Sockets still
		// open a moment later are closed, and Shutdown returns at the
		// latest a moment after that, even past envs that ignore their
		// context.
		err = ctx.Err()
		s.forEachSession((*wsSession).cancelRequests)
		select {
		case <-idle:
		case <-time.After(abortGrace):
			s.forEachSession(func(ss *wsSession) { ss.c.CloseNow() })
			select {
			case <-idle:
			case <-time.After(abortGrace):
				s.log.Warn("shutdown: sessions still running after their sockets were closed", "sessions", s.liveSockets())
			}
		}
	}
	wg.Wait()
	if err == nil {
		err = errors.Join(errs...)
	}
	return err
}

// abortGrace is how long Shutdown waits, past its context, for canceled
// requests to be answered, then for sessions to end once their sockets are
// closed.
const abortGrace = time.Second

func (s *Server) forEachSession(f func(*wsSession)) {
	s.mu.Lock()
	live := make([]*wsSession, 0, len(s.sessions))
	for ss := range s.sessions {
		live = append(live, ss)
	}
	s.mu.Unlock()
	for _, ss := range live {
		f(ss)
	}
}

func (s *Server) liveSockets() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// track registers a WebSocket session; false when the server is closing.
func (s *Server) track(ss *wsSession) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.sessions[ss] = struct{}{}
	return true
}

func (s *Server) untrack(ss *wsSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, ss)
	if s.closing && len(s.sessions) == 0 {
		select {
		case <-s.idle:
		default:
			close(s.idle)
		}
	}
}

// ListenAddr returns the address to listen on for addr: a host-less
// address (":8000") binds the loopback interface (127.0.0.1:8000); an
// explicit host (0.0.0.0, ::, an IP or a name) is kept.
func ListenAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr // net.Listen reports it
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// IsLoopback reports whether a bound address accepts only local
// connections.
func IsLoopback(addr net.Addr) bool {
	if ta, ok := addr.(*net.TCPAddr); ok {
		return ta.IP.IsLoopback()
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
