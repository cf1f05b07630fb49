// Package servertest starts a dojo network server on a loopback port for
// the tests of its clients (as net/http/httptest does for handlers).
package servertest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/dojo-rl/dojo/server"
)

// Start serves cfg on 127.0.0.1 until the test ends, and returns the
// address it listens on (host:port). A Serve error is a test error.
func Start(t testing.TB, cfg server.Config) string {
	t.Helper()
	_, addr := StartServer(t, cfg)
	return addr
}

// StartServer is Start that also returns the server, for tests that look
// at its sessions.
func StartServer(t testing.TB, cfg server.Config) (*server.Server, string) {
	t.Helper()
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, context.Canceled) {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, ln.Addr().String()
}
