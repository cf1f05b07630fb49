package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/dojo-rl/dojo/protocol"
)

// oneShot lists the methods POST /rpc serves: those that need no session.
var oneShot = map[string]bool{
	"initialize":    true,
	"env/list":      true,
	"task/generate": true,
	"task/verify":   true,
}

// servePost serves one JSON-RPC request from a POST body, through the same
// code path as a session's (protocol.Server.Serve on the one line).
func (s *Server) servePost(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(s.cfg.MaxMessageBytes)))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			WriteError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the request body is over the limit of %d bytes", s.cfg.MaxMessageBytes))
			return
		}
		WriteError(w, http.StatusBadRequest, "bad_request", "reading the request body: "+err.Error())
		return
	}
	var f flattener
	f.flatten(body)
	if len(bytes.TrimSpace(body)) == 0 {
		writeRPC(w, rpcError(json.RawMessage("null"), protocol.CodeInvalidRequest, "", "invalid request: the body is empty: POST one JSON-RPC request"))
		return
	}
	var env struct {
		ID     json.RawMessage `json:"id"`
		Method json.RawMessage `json:"method"`
	}
	if json.Unmarshal(body, &env) == nil && len(env.Method) > 0 && env.Method[0] == '"' {
		var m string
		if json.Unmarshal(env.Method, &m) == nil && !oneShot[m] {
			id := env.ID
			if !validID(id) {
				id = json.RawMessage("null")
			}
			writeRPC(w, rpcError(id, protocol.CodeMethodNotFound, "method",
				fmt.Sprintf("method %q is not served by POST /rpc, which serves the one-shot methods initialize, env/list, task/generate and task/verify: open a WebSocket on /rpc for a session", m)))
			return
		}
	}
	var out bytes.Buffer
	body = append(body, '\n')
	if err := s.post.Serve(r.Context(), bytes.NewReader(body), &out); err != nil {
		if r.Context().Err() == nil {
			s.log.Warn("POST /rpc failed", "error", err)
			WriteError(w, http.StatusInternalServerError, "internal", "serving the request failed")
		}
		return
	}
	if out.Len() == 0 { // a notification
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeRPC(w, bytes.TrimSuffix(out.Bytes(), []byte{'\n'}))
}

// writeRPC answers a JSON-RPC response (errors included) with 200.
func writeRPC(w http.ResponseWriter, resp []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(resp)+1))
	w.WriteHeader(http.StatusOK)
	w.Write(append(resp, '\n'))
}

// validID reports whether id is a JSON-RPC id: a string or a number.
func validID(id json.RawMessage) bool {
	if len(id) == 0 {
		return false
	}
	if id[0] == '"' {
		var s string
		return json.Unmarshal(id, &s) == nil
	}
	var n json.Number
	return json.Unmarshal(id, &n) == nil && !strings.ContainsAny(string(id), "{[")
}
