package searchqa

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// TestMaxCallsPerTurn: the calls of a turn past max_calls_per_turn are
// refused, each named, as invalid calls.
func TestMaxCallsPerTurn(t *testing.T) {
	t.Parallel()
	env := makeQAEnv(t, qaRegistry(t), "websim/SearchQA-v0", dojo.Options{"max_calls_per_turn": 3})
	if _, _, err := env.Reset(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	var calls []dojo.ToolCall
	for i := range 10 {
		calls = append(calls, dojo.ToolCall{ID: fmt.Sprint("c", i), Name: "search", Arguments: json.RawMessage(`{"query":"capital"}`)})
	}
	st, err := env.Step(context.Background(), dojo.MessageAction("", calls...))
	if err != nil {
		t.Fatal(err)
	}
	msgs := st.Obs.Messages
	if len(msgs) != 10 {
		t.Fatalf("%d tool results, want 10", len(msgs))
	}
	if strings.Contains(msgs[2].Content, "refused") {
		t.Errorf("call 3 refused: %q", msgs[2].Content)
	}
	if want := "call 4 of 10 refused: max_calls_per_turn is 3"; !strings.Contains(msgs[3].Content, want) {
		t.Errorf("call 4: %q, want %q", msgs[3].Content, want)
	}
	if !st.Info.Invalid || !strings.Contains(st.Info.Error, "calls 4 to 10 of 10 refused") {
		t.Errorf("invalid %v error %q", st.Info.Invalid, st.Info.Error)
	}
	if env.ep.searches != 3 || env.ep.invalid != 7 {
		t.Errorf("%d searches ran and %d calls were invalid, want 3 and 7", env.ep.searches, env.ep.invalid)
	}
}
