// Package openaitest provides an OpenAI-compatible chat-completions server
// for tests, as net/http/httptest provides an HTTP server: it listens on
// 127.0.0.1, answers each request as a Responder says (a script of replies
// played in order, one reply always, or a function of the request), and
// records every request and the most it saw in flight at once.
//
//	srv := openaitest.NewServer(t, openaitest.Script(t,
//		openaitest.Reply{Status: 429, Header: map[string]string{"Retry-After": "1"}},
//		openaitest.Reply{Body: `{"choices":[{"message":{"role":"assistant","content":"ok"}}]}`},
//	))
//	a, _ := openai.New(openai.Config{BaseURL: srv.URL, Model: "m"})
//	...
//	reqs := srv.Requests() // what the agent sent, in order
package openaitest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A Reply is one answer of the server.
type Reply struct {
	Status int               // the HTTP status; 0 is 200
	Header map[string]string // headers besides Content-Type: application/json
	Body   string
	// Cut announces a longer body, sends Body, then drops the connection.
	Cut bool
	// Delay is how long the server waits before answering (less if the
	// client gives up first: then it answers nothing).
	Delay time.Duration
}

// A Request is one request the server received.
type Request struct {
	N      int // its number, from 1, in the order received
	Path   string
	Header http.Header
	Raw    []byte         // the body as sent
	Body   map[string]any // the body decoded (nil if it is not a JSON object)
	ctx    context.Context
}

// Context is the request's context, done when the client gives up or the
// server closes, for a Responder that waits.
func (r *Request) Context() context.Context { return r.ctx }

// A Responder chooses the reply to a request. It is called on the
// request's goroutine, so one that waits holds the request in flight.
type Responder func(r *Request) Reply

// Always answers every request with rep.
func Always(rep Reply) Responder { return func(*Request) Reply { return rep } }

// Script answers the requests with replies, in the order received; a
// request after the last reply fails t and is answered 500.
func Script(t testing.TB, replies ...Reply) Responder {
	return func(r *Request) Reply {
		if r.N > len(replies) {
			t.Errorf("openaitest: unscripted request %d (the script has %d replies)", r.N, len(replies))
			return Reply{Status: http.StatusInternalServerError, Body: "script exhausted"}
		}
		return replies[r.N-1]
	}
}

// A Server is an OpenAI-compatible server on 127.0.0.1.
type Server struct {
	// URL is the API root, http://127.0.0.1:PORT/v1: the agent's
	// BaseURL.
	URL string
	// Base is the server's root, http://127.0.0.1:PORT, without /v1.
	Base string

	srv      *httptest.Server
	t        testing.TB
	respond  Responder
	mu       sync.Mutex
	reqs     []Request
	count    atomic.Int32
	inFlight atomic.Int32
	peak     atomic.Int32
}

// NewServer starts a server answering as respond says. It fails t when a
// request's body is not a JSON object, and closes when t's test ends.
func NewServer(t testing.TB, respond Responder) *Server {
	s := &Server{t: t, respond: respond}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.Base, s.URL = s.srv.URL, s.srv.URL+"/v1"
	t.Cleanup(s.Close)
	return s
}

// Close shuts the server down, waiting for the requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Count is the number of requests that have reached the server so far,
// those whose client gave up before sending the whole body included
// (Requests lists the others).
func (s *Server) Count() int { return int(s.count.Load()) }

// InFlight is the number of requests received and not yet answered.
func (s *Server) InFlight() int { return int(s.inFlight.Load()) }

// Peak is the most requests the server has had in flight at once.
func (s *Server) Peak() int { return int(s.peak.Load()) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.count.Add(1)
	n := s.inFlight.Add(1)
	answered := sync.OnceFunc(func() { s.inFlight.Add(-1) })
	defer answered() // the client gave up
	for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client gave up
	}
	var body map[string]any
	if err := json.Unmarshal(data, &body); err != nil || body == nil {
		s.t.Errorf("openaitest: request body is not a JSON object: %v: %.200s", err, data)
	}
	s.mu.Lock()
	req := Request{N: len(s.reqs) + 1, Path: r.URL.Path, Header: r.Header.Clone(), Raw: data, Body: body, ctx: r.Context()}
	s.reqs = append(s.reqs, req)
	s.mu.Unlock()
	rep := s.respond(&req)
	if rep.Delay > 0 {
		t := time.NewTimer(rep.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	answered() // before the client can read the reply and send another
	if rep.Cut {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			s.t.Errorf("openaitest: hijack: %v", err)
			return
		}
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n" + rep.Body)
		buf.Flush()
		conn.Close()
		return
	}
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	if rep.Status != 0 {
		w.WriteHeader(rep.Status)
	}
	io.WriteString(w, rep.Body)
}
