// Package server is dojo's network server (dojo serve --listen): one
// process serving many sessions over HTTP and WebSocket, behind one token,
// origin check and session limit.
//
// # Routes
//
//	GET  /health     {"status":"healthy"}, open without a token
//	GET  /rpc        WebSocket: dojo's JSON-RPC protocol (package protocol)
//	POST /rpc        one JSON-RPC request, one response: the one-shot methods
//	     /envs/...   OpenEnv's routes (package server/openenv), or Config.Envs
//	     /mcp        the MCP server (package mcpserver), or Config.MCP
//
// Any other path is a 404 and a wrong method a 405 with Allow, both with a
// JSON body {"error": {"status", "kind", "message"}}.
//
// # /rpc over WebSocket
//
// The protocol is the stdio one, served by the same code
// (protocol.Server.Serve): each text message is one request line and each
// response line is sent as one text message, so a session gives the same
// results, errors and bytes as stdio (protocol's golden sessions are
// replayed over it in the tests). A CR or LF in a message is whitespace to
// JSON and read as a space (inside a string, where JSON forbids it, it
// stays an error). A binary message is answered with a -32600 error with
// id null and the session goes on. A message over Config.MaxMessageBytes
// closes the socket with status 1009 (message too big). An empty message
// is ignored, as a blank line is.
//
// # POST /rpc
//
// The body is one JSON-RPC request (whitespace and newlines allowed), the
// answer one response with status 200, or 204 for a notification. Only
// initialize, env/list, task/generate and task/verify are served: the
// other methods need a session, and are answered with a -32601 error
// saying to open the WebSocket. A body over Config.MaxMessageBytes is a
// 413.
//
// # Limits
//
// Every live session of every transport holds a slot (Server.Acquire), up
// to Config.MaxSessions. At the limit a WebSocket is still accepted: its
// first message is answered with a -32007 error (kind "limit") whose
// message starts with CAPACITY_REACHED, and it is closed with status 1013
// (try again later); one that sends nothing is closed after a few seconds.
// A session that has received no message and has no request in flight for
// Config.IdleTimeout is closed (status 1000, reason "idle for ..."), which
// reaps the half-open sockets of clients that vanished. Config.StepTimeout
// bounds each reset, step, stepMany entry and task/verify (error -32003).
// A response a client does not read within 30 s ends its session.
//
// # Security
//
// With Config.Token set, every route but /health (and paths under /envs/
// ending in /health, which OpenEnv's clients probe) needs the token, as an
// "Authorization: Bearer TOKEN" header or as a path prefix:
// /t/TOKEN/rpc, /t/TOKEN/envs/gridworld/FrozenLake-v1/ws (clients that
// cannot send headers, such as browsers' and OpenEnv's WebSockets, use
// the prefix). The prefix is stripped before routing. The token is
// compared in constant time; a missing or wrong one is a 401 (a refused
// WebSocket handshake). Logs never hold a token: paths are logged as
// /t/REDACTED/....
//
// A request without an Origin header (any client but a browser) is
// allowed; one from a browser only when its origin is in
// Config.AllowedOrigins, else it is a 403. An allowed origin gets CORS
// headers, and its preflight requests (which carry no credentials) are
// answered before the token is checked. ListenAddr makes a host-less
// address (":8000") bind the loopback interface.
//
// File-path options (dojo.Option.Path: sql's path, searchqa's corpus and
// qa, the map_file of the grid worlds) may name only files under
// Config.DataDir, and with no data dir only their defaults are served
// (dojo.Registry.WithDataDir).
//
// # Shutdown
//
// Shutdown (and Serve, when its context ends) stops accepting, lets the
// WebSocket sessions finish the requests in flight and closes them with
// status 1001 (going away), and calls the Shutdown(context.Context) error
// method of the mounted handlers that have one. After Config.DrainTimeout
// the requests still running are canceled (-32004).
//
// # Mounting other protocols
//
// OpenEnv's routes and the MCP server are mounted by default; Config.Envs
// and Config.MCP (or Server.SetEnvs, for a handler built on the Server)
// replace them, served behind the same token, origin check and shutdown. Their sessions should take a slot with
// Server.Acquire, upgrade sockets with Server.Accept (uncompressed,
// limited to Config.MaxMessageBytes), make envs with Server.Registry
// (restricted to the data dir), and refuse new sessions once
// Server.ShuttingDown reports true.
package server
