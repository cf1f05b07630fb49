package deploytest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/dojo-rl/dojo/internal/loadgen"
)

// wsSession is one WebSocket session with a dojo network server, playing
// episodes over OpenEnv's /envs/{id}/ws or dojo's JSON-RPC /rpc.
type wsSession struct {
	conn *websocket.Conn
	id   int
}

// dial opens a WebSocket at url, sending token as a bearer token when set.
func dial(ctx context.Context, url, token string) (*wsSession, error) {
	opts := &websocket.DialOptions{HTTPHeader: http.Header{}}
	if token != "" {
		opts.HTTPHeader.Set("Authorization", "Bearer "+token)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (HTTP %s)", url, err, resp.Status)
		}
		return nil, fmt.Errorf("dial %s: %w", url, err)
	}
	c.SetReadLimit(16 << 20)
	return &wsSession{conn: c}, nil
}

func (s *wsSession) close() { s.conn.Close(websocket.StatusNormalClosure, "") }

// roundTrip sends msg and returns the answer.
func (s *wsSession) roundTrip(ctx context.Context, msg []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return nil, err
	}
	_, b, err := s.conn.Read(ctx)
	return b, err
}

// maxSteps bounds an episode played by the tests (FrozenLake's own limit is
// 100 steps).
const maxSteps = 500

// playOpenEnv plays one episode of the session's env over OpenEnv's
// WebSocket messages: a reset with seed, then actions cycling through
// actions until done. It returns every answer, in order.
func (s *wsSession) playOpenEnv(ctx context.Context, seed int, actions []int) ([]string, error) {
	var frames []string
	msg := fmt.Sprintf(`{"type":"reset","data":{"seed":%d}}`, seed)
	for i := 0; ; i++ {
		b, err := s.roundTrip(ctx, []byte(msg))
		if err != nil {
			return frames, err
		}
		frames = append(frames, string(b))
		var a struct {
			Type string `json:"type"`
			Data struct {
				Done    *bool  `json:"done"`
				Message string `json:"message"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &a); err != nil {
			return frames, fmt.Errorf("answer is not JSON: %.200s", b)
		}
		if a.Type != "observation" || a.Data.Done == nil {
			return frames, fmt.Errorf("answer %d is not an observation with done: %.300s", i, b)
		}
		if *a.Data.Done {
			return frames, nil
		}
		if i == maxSteps {
			return frames, fmt.Errorf("episode not done after %d steps", maxSteps)
		}
		msg = fmt.Sprintf(`{"type":"step","data":{"action":%d}}`, actions[i%len(actions)])
	}
}

// call makes a JSON-RPC call over the session and returns its result.
func (s *wsSession) call(ctx context.Context, method string, params any) (json.RawMessage, error) {
	s.id++
	req, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": s.id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	b, err := s.roundTrip(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	return loadgen.RPCResult(method, b, s.id)
}

// playRPC plays one episode of env over dojo's JSON-RPC (env/make,
// env/reset with seed, env/step cycling through actions until the episode
// ends, env/close) and returns the results of reset and every step.
func (s *wsSession) playRPC(ctx context.Context, env string, seed int, actions []int) ([]string, error) {
	b, err := s.call(ctx, "env/make", map[string]any{"id": env})
	if err != nil {
		return nil, err
	}
	var made struct {
		Env string `json:"env"`
	}
	if err := json.Unmarshal(b, &made); err != nil || made.Env == "" {
		return nil, fmt.Errorf("env/make answered %.200s", b)
	}
	b, err = s.call(ctx, "env/reset", map[string]any{"env": made.Env, "seed": seed})
	if err != nil {
		return nil, err
	}
	results := []string{string(b)}
	for i := 0; ; i++ {
		if i == maxSteps {
			return results, fmt.Errorf("episode not done after %d steps", maxSteps)
		}
		b, err := s.call(ctx, "env/step", map[string]any{"env": made.Env, "action": actions[i%len(actions)]})
		if err != nil {
			return results, err
		}
		results = append(results, string(b))
		var r struct {
			Terminated, Truncated bool
		}
		if err := json.Unmarshal(b, &r); err != nil {
			return results, fmt.Errorf("env/step answered %.200s", b)
		}
		if r.Terminated || r.Truncated {
			break
		}
	}
	_, err = s.call(ctx, "env/close", map[string]any{"env": made.Env})
	return results, err
}
