package server

import (
	"context"
	"net/http"

	"github.com/dojo-rl/dojo/mcpserver"
	"github.com/dojo-rl/dojo/server/openenv"
)

// mount fills in the handlers Config left nil: OpenEnv's routes under
// /envs/ and the MCP server at /mcp, both on the server's registry (so the
// data directory restricts them as it does /rpc), with their sessions
// counted against MaxSessions and bound by the same timeouts and message
// limit.
func (s *Server) mount() error {
	if s.cfg.Envs == nil {
		s.cfg.Envs = openenv.New(openenv.Config{
			Registry:        s.reg,
			Acquire:         s.Acquire,
			IdleTimeout:     s.cfg.IdleTimeout,
			MaxMessageBytes: s.cfg.MaxMessageBytes,
			StepTimeout:     s.cfg.StepTimeout,
			Version:         s.cfg.Version,
			Log:             s.log,
		})
	}
	if s.cfg.MCP == nil {
		m, err := mcpserver.New(mcpserver.Config{
			Registry:    s.reg,
			IdleTimeout: s.cfg.IdleTimeout,
			StepTimeout: s.cfg.StepTimeout,
			Version:     s.cfg.Version,
			Log:         s.log,
		})
		if err != nil {
			return err
		}
		s.cfg.MCP = mcpMount{m.HTTPHandler(), m}
	}
	return nil
}

// mcpMount is the MCP server's HTTP handler with the server's Shutdown,
// which Server.Shutdown calls.
type mcpMount struct {
	http.Handler
	srv *mcpserver.Server
}

func (m mcpMount) Shutdown(ctx context.Context) error { return m.srv.Shutdown(ctx) }
