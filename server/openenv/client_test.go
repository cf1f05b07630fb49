package openenv_test

// An OpenEnv-protocol client written from the behaviour of OpenEnv's own
// client (openenv.core.env_client.EnvClient and GenericEnvClient), not from
// this package: the base URL's scheme becomes ws and "/ws" is appended;
// reset sends {"type": "reset", "data": kwargs}, step {"type": "step",
// "data": action}, state {"type": "state"}, close {"type": "close"}
// before closing the socket; each request reads exactly one frame, and an
// answer of type "error" is a failure carrying data.message and data.code;
// of an observation answer only data.observation, data.reward and data.done
// are kept.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

type oeClient struct {
	t    testing.TB
	conn *websocket.Conn
	// frames are the answers received, as sent.
	frames [][]byte
	// schemas validate actions sent and observations and states received,
	// when set.
	schemas *envSchemas
}

// stepResult is GenericEnvClient's StepResult.
type stepResult struct {
	Observation map[string]any
	Reward      *float64
	Done        bool
}

// serverError is what EnvClient raises for an error answer.
type serverError struct {
	Message, Code, Field string
}

func (e *serverError) Error() string {
	return fmt.Sprintf("Server error: %s (code: %s)", e.Message, e.Code)
}

func wsURL(base string) string {
	base = strings.TrimRight(base, "/")
	switch {
	case strings.HasPrefix(base, "https://"):
		base = "wss://" + strings.TrimPrefix(base, "https://")
	case strings.HasPrefix(base, "http://"):
		base = "ws://" + strings.TrimPrefix(base, "http://")
	}
	return base + "/ws"
}

// authHeader is sent with the client's handshake and HTTP requests (the
// tests through package server's token set it; none runs in parallel).
var authHeader http.Header

func dialEnv(t testing.TB, base string) *oeClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, wsURL(base), &websocket.DialOptions{HTTPHeader: authHeader})
	if err != nil {
		t.Fatalf("dial %s: %v", wsURL(base), err)
	}
	conn.SetReadLimit(100 << 20) // the client's max_message_size_mb default
	t.Cleanup(func() { conn.CloseNow() })
	return &oeClient{t: t, conn: conn}
}

// request sends msg and reads one answer frame.
func (c *oeClient) request(msg any) (map[string]any, error) {
	c.t.Helper()
	b, err := json.Marshal(msg)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.requestRaw(websocket.MessageText, b)
}

func (c *oeClient) requestRaw(typ websocket.MessageType, b []byte) (map[string]any, error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // message_timeout_s
	defer cancel()
	if err := c.conn.Write(ctx, typ, b); err != nil {
		return nil, err
	}
	mt, raw, err := c.conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	if mt != websocket.MessageText {
		c.t.Fatalf("answer is a binary frame")
	}
	c.frames = append(c.frames, raw)
	var resp map[string]any
	if err := json.Unmarshal(raw, &resp); err != nil {
		c.t.Fatalf("answer is not JSON: %v: %s", err, raw)
	}
	if resp["type"] == "error" {
		data, _ := resp["data"].(map[string]any)
		e := &serverError{}
		e.Message, _ = data["message"].(string)
		e.Code, _ = data["code"].(string)
		e.Field, _ = data["field"].(string)
		return resp, e
	}
	return resp, nil
}

func (c *oeClient) parseResult(resp map[string]any, wantType string) stepResult {
	c.t.Helper()
	if resp["type"] != wantType {
		c.t.Fatalf("answer type %v, want %s (frames out of step?): %v", resp["type"], wantType, resp)
	}
	data, _ := resp["data"].(map[string]any)
	var r stepResult
	r.Observation, _ = data["observation"].(map[string]any)
	if f, ok := data["reward"].(float64); ok {
		r.Reward = &f
	}
	r.Done, _ = data["done"].(bool)
	if c.schemas != nil {
		c.schemas.validate(c.t, c.schemas.observation, "observation", data["observation"])
	}
	return r
}

func (c *oeClient) reset(kwargs map[string]any) (stepResult, error) {
	c.t.Helper()
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	resp, err := c.request(map[string]any{"type": "reset", "data": kwargs})
	if err != nil {
		return stepResult{}, err
	}
	return c.parseResult(resp, "observation"), nil
}

func (c *oeClient) step(action map[string]any) (stepResult, error) {
	c.t.Helper()
	if c.schemas != nil {
		c.schemas.validate(c.t, c.schemas.action, "action", action)
	}
	resp, err := c.request(map[string]any{"type": "step", "data": action})
	if err != nil {
		return stepResult{}, err
	}
	return c.parseResult(resp, "observation"), nil
}

func (c *oeClient) state() (map[string]any, error) {
	c.t.Helper()
	resp, err := c.request(map[string]any{"type": "state"})
	if err != nil {
		return nil, err
	}
	if resp["type"] != "state" {
		c.t.Fatalf("answer type %v, want state: %v", resp["type"], resp)
	}
	data, _ := resp["data"].(map[string]any)
	if c.schemas != nil {
		c.schemas.validate(c.t, c.schemas.state, "state", data)
	}
	return data, nil
}

// close sends {"type": "close"} and checks that no frame follows: the
// server closes the socket normally.
func (c *oeClient) close() {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(`{"type":"close"}`)); err != nil {
		c.t.Fatalf("send close: %v", err)
	}
	_, b, err := c.conn.Read(ctx)
	if err == nil {
		c.t.Fatalf("a frame after close: %s", b)
	}
	if st := websocket.CloseStatus(err); st != websocket.StatusNormalClosure {
		c.t.Fatalf("after close: %v (status %d), want a normal closure", err, st)
	}
}

// expectClosed reads until the server closes the socket, failing on a data
// frame, and returns the close status.
func (c *oeClient) expectClosed(timeout time.Duration) websocket.StatusCode {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err == nil {
		c.t.Fatalf("unexpected frame: %s", b)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		c.t.Fatalf("the server did not close the session within %v", timeout)
	}
	return websocket.CloseStatus(err)
}

// envSchemas are an env's /schema, compiled.
type envSchemas struct {
	raw                        map[string]json.RawMessage
	action, observation, state *jsonschema.Schema
}

var schemaMu sync.Mutex

func fetchSchemas(t testing.TB, base string) *envSchemas {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/schema", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range authHeader {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s/schema: %s", base, resp.Status)
	}
	var raw map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	s := &envSchemas{raw: raw}
	compile := func(name string) *jsonschema.Schema {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw[name]))
		if err != nil {
			t.Fatalf("%s schema: %v", name, err)
		}
		c := jsonschema.NewCompiler()
		url := "mem://test/" + name + ".json"
		if err := c.AddResource(url, doc); err != nil {
			t.Fatalf("%s schema: %v", name, err)
		}
		sch, err := c.Compile(url)
		if err != nil {
			t.Fatalf("%s schema does not compile: %v", name, err)
		}
		return sch
	}
	s.action, s.observation, s.state = compile("action"), compile("observation"), compile("state")
	return s
}

// validate checks a value against a schema, as JSON.
func (s *envSchemas) validate(t testing.TB, sch *jsonschema.Schema, what string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("%s does not match /schema: %v\n%s", what, err, b)
	}
}

func decodeBody(t testing.TB, resp *http.Response, v any) {
	t.Helper()
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v", resp.Request.Method, resp.Request.URL.Path, err)
	}
}
