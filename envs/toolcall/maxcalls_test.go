package toolcall

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// TestMaxCallsPerTurn: a turn of many read_file calls runs the first
// max_calls_per_turn and refuses the rest, each named, as invalid calls
// (before, 10,000 calls of one turn answered 201 MB).
func TestMaxCallsPerTurn(t *testing.T) {
	t.Parallel()
	env := makeEnv(t, registry(t), "toolcall/Files-v0", dojo.Options{"max_calls_per_turn": 5})
	if _, _, err := env.Reset(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	var calls []dojo.ToolCall
	for i := range 40 {
		calls = append(calls, dojo.ToolCall{ID: fmt.Sprint("c", i), Name: "list_files", Arguments: json.RawMessage(`{"directory":"/docs"}`)})
	}
	st, err := env.Step(context.Background(), dojo.MessageAction("", calls...))
	if err != nil {
		t.Fatal(err)
	}
	msgs := st.Obs.Messages
	if len(msgs) != 40 {
		t.Fatalf("%d tool results, want 40", len(msgs))
	}
	if strings.Contains(msgs[4].Content, "refused") {
		t.Errorf("call 5 was refused: %q", msgs[4].Content)
	}
	if want := "call 6 of 40 refused: max_calls_per_turn is 5"; !strings.Contains(msgs[5].Content, want) {
		t.Errorf("call 6: %q, want %q", msgs[5].Content, want)
	}
	if !st.Info.Invalid || !strings.Contains(st.Info.Error, "calls 6 to 40 of 40 refused") {
		t.Errorf("invalid %v error %q", st.Info.Invalid, st.Info.Error)
	}
	if got := env.ep.invalid; got != 35 {
		t.Errorf("%d invalid calls, want the 35 refused", got)
	}
	if got := len(env.ep.calls); got != 5 {
		t.Errorf("%d calls ran, want 5", got)
	}
}
