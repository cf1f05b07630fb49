package openenv_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/coder/websocket"

	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/server/openenv"
)

// A session on FrozenLake over OpenEnv's WebSocket protocol: a reset with
// the seed and an option as keyword arguments, a step, the state, and
// close (which is not answered).
func Example() {
	h := openenv.New(openenv.Config{Registry: envs.Default(), Version: "0.1.0"})
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx := context.Background()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/envs/gridworld/FrozenLake-v1/ws"
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		panic(err)
	}
	defer conn.CloseNow()
	for _, msg := range []string{
		`{"type": "reset", "data": {"seed": 0, "is_slippery": false}}`,
		`{"type": "step", "data": {"action": 2}}`,
		`{"type": "step", "data": {"action": 7}}`,
		`{"type": "state"}`,
	} {
		if err := conn.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			panic(err)
		}
		_, answer, err := conn.Read(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Println(string(answer))
	}
	conn.Write(ctx, websocket.MessageText, []byte(`{"type": "close"}`))
	_, _, err = conn.Read(ctx)
	fmt.Println(websocket.CloseStatus(err))
	// Output:
	// {"type":"observation","data":{"observation":{"value":0,"metadata":{"terminated":false,"truncated":false,"info":{"success":false,"parts":[{"name":"success","value":0,"weight":0},{"name":"gym","value":0,"weight":1},{"name":"potential","value":0,"weight":0},{"name":"step_cost","value":0,"weight":0},{"name":"invalid","value":0,"weight":0}],"metrics":{"prob":1,"distance":6}}}},"reward":null,"done":false}}
	// {"type":"observation","data":{"observation":{"value":1,"metadata":{"terminated":false,"truncated":false,"info":{"success":false,"parts":[{"name":"success","value":0,"weight":0},{"name":"gym","value":0,"weight":1},{"name":"potential","value":0.13999999999999996,"weight":0},{"name":"step_cost","value":-1,"weight":0},{"name":"invalid","value":0,"weight":0}],"metrics":{"prob":1,"distance":5}}}},"reward":0,"done":false}}
	// {"type":"error","data":{"message":"action 7 is out of range: gridworld/FrozenLake-v1 takes {\"action\": 0..3} (0 left, 1 down, 2 right, 3 up) or {\"action\": \"WORD\"}","code":"VALIDATION_ERROR","field":"action.action"}}
	// {"type":"state","data":{"episode_id":null,"step_count":1,"env_id":"gridworld/FrozenLake-v1","seed":0,"done":false}}
	// StatusNormalClosure
}
