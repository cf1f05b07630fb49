package shop

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// TestMaxCallsPerTurn: the tool calls of a turn past max_calls_per_turn
// are refused, each named, as invalid actions, unrun.
func TestMaxCallsPerTurn(t *testing.T) {
	t.Parallel()
	env := makeShop(t, dojo.Options{"products": 200, "max_calls_per_turn": 2})
	if _, _, err := env.Reset(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	var calls []dojo.ToolCall
	for i := range 5 {
		calls = append(calls, dojo.ToolCall{ID: fmt.Sprint("c", i), Name: "search", Arguments: json.RawMessage(`{"query":"shirt"}`)})
	}
	st, err := env.Step(context.Background(), dojo.MessageAction("", calls...))
	if err != nil {
		t.Fatal(err)
	}
	msgs := st.Obs.Messages
	if len(msgs) != 5 {
		t.Fatalf("%d tool results, want 5", len(msgs))
	}
	if want := "call 3 of 5 refused: max_calls_per_turn is 2"; !strings.Contains(msgs[2].Content, want) {
		t.Errorf("call 3: %q, want %q", msgs[2].Content, want)
	}
	if !st.Info.Invalid || !strings.Contains(st.Info.Error, "calls 3 to 5 of 5 refused") {
		t.Errorf("invalid %v error %q", st.Info.Invalid, st.Info.Error)
	}
	// the second search is invalid on a results page; the last three are refused
	if env.ep.steps != 2 || env.ep.invalid != 4 {
		t.Errorf("%d actions taken, %d invalid; want 2 and 4", env.ep.steps, env.ep.invalid)
	}
}
