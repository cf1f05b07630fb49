package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzServe feeds an arbitrary line to a session that has made and reset
// an env, and checks that the server never panics, answers every line that
// is malformed or has an id exactly once with a valid JSON-RPC response,
// and answers nothing else.
func FuzzServe(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"env/step","params":{"env":"e1","action":1}}`,
		`{"jsonrpc":"2.0","id":"x","method":"env/stepMany","params":{"envs":["e1","e1","e2"],"actions":[0,"left",{"text":"up"}],"compact":true,"info":true}}`,
		`{"jsonrpc":"2.0","id":2,"method":"env/stepMany","params":{"steps":[{"env":"e1","action":3}]}}`,
		`{"jsonrpc":"2.0","id":3,"method":"env/render","params":{"env":"e1","format":"png"}}`,
		`{"jsonrpc":"2.0","id":4,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1","options":{"map_name":"8x8"},"autoreset":true}}`,
		`{"jsonrpc":"2.0","id":5,"method":"task/verify","params":{"task":{"env":"arith/Add-v0","seed":3},"response":{"text":"<answer>3</answer>"}}}`,
		`{"jsonrpc":"2.0","id":6,"method":"task/generate","params":{"id":"arith/Add-v0","count":3}}`,
		`{"jsonrpc":"2.0","method":"env/close","params":{"env":"e1"}}`,
		`{"jsonrpc":"2.0","id":null,"method":"env/list"}`,
		`{"jsonrpc":"2.0","id":-1.5e3,"method":"initialize","params":{}}`,
		`{"jsonrpc":"2.0","id":"\ud800","method":"env/reset","params":{"env":"e1","seed":1}}`,
		`[1,2,3]`, `{}`, `null`, `"`, "\xff\xfe", `{"jsonrpc":"2.0","id":[],"method":"x"}`,
		`{"jsonrpc":"2.0","id":1,"method":"env/reset","params":{"env":"e1","seed":1e30}}`,
	} {
		f.Add(s)
	}
	reg := testRegistry()
	setup := `{"jsonrpc":"2.0","id":"s1","method":"env/make","params":{"id":"gridworld/FrozenLake-v1"}}` + "\n" +
		`{"jsonrpc":"2.0","id":"s2","method":"env/reset","params":{"env":"e1","seed":1}}` + "\n"
	f.Fuzz(func(t *testing.T, line string) {
		line = strings.NewReplacer("\n", " ", "\r", " ").Replace(line)
		var out bytes.Buffer
		srv := &Server{Registry: reg, MaxLineBytes: 1 << 16}
		if err := srv.Serve(context.Background(), strings.NewReader(setup+line+"\n"), &out); err != nil {
			t.Fatalf("Serve: %v", err)
		}
		want := 2 + expectedResponses(line)
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) != want {
			t.Fatalf("%d responses to %q, want %d:\n%s", len(lines), line, want, out.String())
		}
		for _, l := range lines {
			var r map[string]json.RawMessage
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("response %q is not JSON: %v", l, err)
			}
			_, hasResult := r["result"]
			_, hasError := r["error"]
			if string(r["jsonrpc"]) != `"2.0"` || r["id"] == nil || hasResult == hasError {
				t.Fatalf("response %s is not JSON-RPC 2.0", l)
			}
			if hasError {
				var e Error
				if err := json.Unmarshal(r["error"], &e); err != nil || e.Message == "" || e.Data == nil || KindOf(e.Code) != e.Data.Kind {
					t.Fatalf("bad error object in %s", l)
				}
			}
		}
	})
}

// expectedResponses is how many responses a line gets: none for a blank
// line or a valid notification, else one.
func expectedResponses(line string) int {
	if strings.TrimSpace(line) == "" {
		return 0
	}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(line), &m) != nil || m == nil {
		return 1 // malformed, or not an object
	}
	if _, ok := m["id"]; ok {
		return 1
	}
	var version, method string
	if json.Unmarshal(m["jsonrpc"], &version) != nil || version != "2.0" {
		return 1
	}
	if raw := bytes.TrimSpace(m["method"]); len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &method) != nil {
		return 1
	}
	return 0
}

// FuzzFastPaths checks that the scanners of the hot requests agree with
// encoding/json whenever they accept an input.
func FuzzFastPaths(f *testing.F) {
	for _, s := range []string{
		`{"env":"e1","action":2}`, `{"action":"left","env":"e12"}`, `{"env":"e1","action":-0}`,
		`{"envs":["e1","e2"],"actions":[0,"up"],"compact":true,"info":false,"values":true}`, `{"envs":[],"actions":[]}`,
		`{"jsonrpc":"2.0","id":7,"method":"env/step","params":{"env":"e1","action":1},"x":[1,{"a":"\""}]}`,
		`{"jsonrpc":"2.0","id":"a\"b","method":"m"}`, `{"id":1e5,"method":null}`, `{"envs":["e1"],"actions":[01]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		raw := []byte(s)
		if env, a, ok := fastStep(raw); ok {
			var p stepParams
			if err := decodeParams(raw, &p, "env/step"); err != nil {
				t.Fatalf("fastStep accepted %s, decodeParams: %v", s, err)
			}
			b, werr := decodeAction(p.Action, "action")
			if p.Env != env || werr != nil || !cmp.Equal(a, b) {
				t.Fatalf("%s: fast %q %+v, slow %q %+v %v", s, env, a, p.Env, b, werr)
			}
		}
		if p, names, actions, ok := fastStepMany(raw); ok {
			var q stepManyParams
			if err := decodeParams(raw, &q, "env/stepMany"); err != nil {
				t.Fatalf("fastStepMany accepted %s, decodeParams: %v", s, err)
			}
			if p.Compact != q.Compact || p.Info != q.Info || p.Values != q.Values || q.Steps != nil || !cmp.Equal(byteStrings(names), q.Envs, cmpopts.EquateEmpty()) || len(actions) != len(q.Actions) {
				t.Fatalf("%s: fast %+v %q, slow %+v", s, p, names, q)
			}
			for i, r := range q.Actions {
				b, werr := decodeAction(r, "a")
				if werr != nil || !cmp.Equal(actions[i], b) {
					t.Fatalf("%s: action %d: fast %+v, slow %+v %v", s, i, actions[i], b, werr)
				}
			}
		}
		if env, scan := fastEnvelope(raw); scan != scanDeclined && json.Valid(raw) {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("fastEnvelope accepted %s: %v", s, err)
			}
			for name, got := range map[string]json.RawMessage{"jsonrpc": env.JSONRPC, "id": env.ID, "method": env.Method, "params": env.Params, "result": env.Result, "error": env.Error} {
				if !bytes.Equal(got, m[name]) {
					t.Fatalf("%s: member %s: fast %q, slow %q", s, name, got, m[name])
				}
			}
		}
	})
}

func byteStrings(bs [][]byte) []string {
	var out []string
	for _, b := range bs {
		out = append(out, string(b))
	}
	return out
}

// FuzzFastAndSlowReadersAgree serves the same line to a session reading
// requests the fast way and to one reading them with encoding/json only,
// both with an env made and reset, and checks the responses are the same
// bytes.
func FuzzFastAndSlowReadersAgree(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"env/step","params":{"env":"e1","action":1}}`,
		`{"jsonrpc":"2.0","id":1,"method":"env/step","params":{"env":"e1","action":1,}}`,
		`{"jsonrpc":"2.0","id":1,"method":"env/nope","params":{"env":"e1",,}}`,
		`{"jsonrpc":"2.0","id":"x","method":"env/stepMany","params":{"envs":["e1","e2"],"actions":[0,"up"],"compact":true,"values":true}}`,
		`{"jsonrpc":"2.0","id":2,"method":"env/stepMany","params":{"steps":[{"env":"e1","action":3}]}}`,
		`{"jsonrpc":"2.0","id":3,"method":"env/reset","params":{"env":"e1","seed":1e3}}`,
		`{"jsonrpc":"2.0","method":"env/reset","params":{"env":"e1","seed":[}}`,
		`{"jsonrpc":"2.0","id":01,"method":"initialize"}`,
		`{"jsonrpc":"2.0","id":-0.5e-3,"method":"initialize","params":null}`,
		`{"jsonrpc":"1.0","id":4,"method":"initialize","params":{"a":tru}}`,
		`{"jsonrpc":"2.0","id":5,"method":"task/verify","params":{"task":{"env":"arith/Add-v0","seed":3},"response":"<answer>1</answer>"}}`,
	} {
		f.Add(s)
	}
	reg := testRegistry()
	session := func(slow bool) (*session, *bytes.Buffer) {
		var out bytes.Buffer
		ctx, cancel := context.WithCancelCause(context.Background())
		srv := &Server{Registry: reg}
		if slow {
			srv.reading = standardReading
		}
		ss := srv.newSession(ctx, cancel, &out)
		for _, line := range []string{
			`{"jsonrpc":"2.0","id":0,"method":"env/make","params":{"id":"gridworld/FrozenLake-v1"}}`,
			`{"jsonrpc":"2.0","id":0,"method":"env/reset","params":{"env":"e1","seed":1}}`,
		} {
			if req, _ := ss.dispatch([]byte(line)); req != nil {
				ss.serve(*req)
			}
		}
		out.Reset()
		return ss, &out
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\n\r") || strings.TrimSpace(line) == "" {
			return
		}
		var outs [2]string
		for k, slow := range []bool{false, true} {
			ss, out := session(slow)
			if req, _ := ss.dispatch([]byte(line)); req != nil {
				ss.serve(*req)
			}
			ss.inflight.Wait()
			ss.closeAll()
			outs[k] = out.String()
		}
		if outs[0] != outs[1] {
			t.Fatalf("line %q:\nfast: %s\nslow: %s", line, outs[0], outs[1])
		}
	})
}
