package openai_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents/openai"
	"github.com/google/go-cmp/cmp"
)

// historyTurns is the length of the episodes of the history tests.
const historyTurns = 10

// playHistory plays a 10-turn episode with the agent configured by
// lastTurns against a recording server and returns the requests it sent.
// Turn i's reply is two tool calls with ids (i%3 == 0), one tool call
// without id, which the agent names (i%3 == 1), or text (i%3 == 2); the
// observation after it holds the tool results of the calls, or a user
// message.
func playHistory(t *testing.T, lastTurns int) []request {
	t.Helper()
	var script []reply
	for i := range historyTurns {
		var msg string
		switch i % 3 {
		case 0:
			msg = fmt.Sprintf(`{"role":"assistant","content":null,"tool_calls":[`+
				`{"id":"c%da","type":"function","function":{"name":"add","arguments":"{\"a\":%d,\"b\":1}"}},`+
				`{"id":"c%db","type":"function","function":{"name":"noop","arguments":"{}"}}]}`, i, i, i)
		case 1:
			msg = fmt.Sprintf(`{"role":"assistant","content":"let me add","tool_calls":[{"type":"function","function":{"name":"add","arguments":"{\"a\":%d,\"b\":2}"}}]}`, i)
		default:
			msg = fmt.Sprintf(`{"role":"assistant","content":"thinking about turn %d"}`, i)
		}
		script = append(script, reply{Body: `{"choices":[{"message":` + msg + `}],"usage":{"prompt_tokens":5,"completion_tokens":2}}`})
	}
	f := newFake(t, script...)
	a := mustNew(t, openai.Config{BaseURL: f.URL, Model: "m", LastTurns: lastTurns, SystemPrompt: "Be brief."})
	ag := start(t, a, toolSpec(), 3)
	turn := dojo.Turn{Obs: dojo.Obs{Messages: []dojo.Message{
		{Role: "system", Content: "You add numbers."},
		{Role: "user", Content: "Add 1 and 2, then more."},
	}}}
	for i := range historyTurns {
		act, err := ag.Act(context.Background(), turn)
		if err != nil {
			t.Fatalf("turn %d: %v", i, err)
		}
		next := dojo.Turn{Step: i + 1}
		if len(act.ToolCalls) == 0 {
			next.Obs.Messages = []dojo.Message{{Role: "user", Content: fmt.Sprintf("go on after turn %d", i)}}
		}
		for _, c := range act.ToolCalls {
			next.Obs.Messages = append(next.Obs.Messages, dojo.Message{Role: "tool", ToolCallID: c.ID, Name: c.Name, Content: "result of " + c.ID})
		}
		turn = next
	}
	reqs := f.Requests()
	if len(reqs) != historyTurns {
		t.Fatalf("%d requests, want %d", len(reqs), historyTurns)
	}
	return reqs
}

func messagesOf(t *testing.T, r request) []map[string]any {
	t.Helper()
	raw, _ := r.Body["messages"].([]any)
	out := make([]map[string]any, len(raw))
	for i, m := range raw {
		mm, ok := m.(map[string]any)
		if !ok {
			t.Fatalf("message %d is %T, not an object", i, m)
		}
		out[i] = mm
	}
	return out
}

// checkPairing checks what OpenAI's API requires of tool messages: each
// assistant message with tool_calls is followed by one tool message per
// call, and each tool message answers a call of the assistant message
// before it.
func checkPairing(t *testing.T, req int, msgs []map[string]any) {
	t.Helper()
	var open map[string]bool // ids of the last assistant's calls not yet answered
	closeTurn := func(i int) {
		for id := range open {
			t.Errorf("request %d: tool call %s has no result before message %d", req, id, i)
		}
		open = nil
	}
	for i, m := range msgs {
		switch m["role"] {
		case "assistant":
			closeTurn(i)
			calls, _ := m["tool_calls"].([]any)
			open = map[string]bool{}
			for _, c := range calls {
				open[c.(map[string]any)["id"].(string)] = true
			}
		case "tool":
			id, _ := m["tool_call_id"].(string)
			if !open[id] {
				t.Errorf("request %d: message %d is the result of %q, which the assistant message before it did not call", req, i, id)
			}
			delete(open, id)
		}
	}
	closeTurn(len(msgs))
}

// TestHistoryLast checks --history last:2 over a 10-turn episode: every
// request carries the first messages (system prompt and first observation)
// and the last two turns exactly as the whole conversation has them, with
// tool calls and their results kept together.
func TestHistoryLast(t *testing.T) {
	t.Parallel()
	full := playHistory(t, 0)
	last2 := playHistory(t, 2)
	for j := range historyTurns {
		all := messagesOf(t, full[j])
		checkPairing(t, j, all)
		if n := strings.Count(string(full[j].Raw), `"role":"assistant"`); n != j {
			t.Fatalf("full request %d holds %d assistant messages, want %d", j, n, j)
		}
		// The first two messages, then from the assistant message of
		// turn j-2 on.
		want := all[:2:2]
		if j <= 2 {
			want = all
		} else {
			seen := 0
			for i, m := range all {
				if m["role"] == "assistant" {
					if seen == j-2 {
						want = append(want, all[i:]...)
						break
					}
					seen++
				}
			}
		}
		got := messagesOf(t, last2[j])
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("request %d with last:2 (-want +got):\n%s", j, diff)
		}
		checkPairing(t, j, got)
		if got[0]["content"] != "You add numbers.\n\nBe brief." || got[1]["content"] != "Add 1 and 2, then more." {
			t.Errorf("request %d starts with %v, %v: want the system prompt and the first observation", j, got[0], got[1])
		}
		// Everything else in the body is as with the whole conversation.
		delete(full[j].Body, "messages")
		delete(last2[j].Body, "messages")
		if diff := cmp.Diff(full[j].Body, last2[j].Body); diff != "" {
			t.Errorf("request %d: the rest of the body differs (-full +last:2):\n%s", j, diff)
		}
	}
	// The last request of last:2 carries 2 assistant messages; of full, 9.
	if n := strings.Count(string(last2[historyTurns-1].Raw), `"role":"assistant"`); n != 2 {
		t.Errorf("the last request with last:2 holds %d assistant messages, want 2", n)
	}
}

// TestHistoryLongerThanEpisode checks that keeping more turns than the
// episode has sends the very bytes of the whole conversation.
func TestHistoryLongerThanEpisode(t *testing.T) {
	t.Parallel()
	full := playHistory(t, 0)
	long := playHistory(t, historyTurns)
	for j := range full {
		if !bytes.Equal(full[j].Raw, long[j].Raw) {
			t.Errorf("request %d with last:%d differs from the whole conversation:\n%s\n%s", j, historyTurns, full[j].Raw, long[j].Raw)
		}
	}
}

func TestParseHistory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int
		err  bool
	}{
		{"full", 0, false}, {"", 0, false}, {"last:1", 1, false}, {"last:20", 20, false},
		{"last:0", 0, true}, {"last:-1", 0, true}, {"last:x", 0, true}, {"last", 0, true}, {"all", 0, true},
	} {
		got, err := openai.ParseHistory(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseHistory(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && (dojo.ErrorField(err) != "history" || !strings.Contains(err.Error(), "last:K")) {
			t.Errorf("ParseHistory(%q): error %v: want one on field history naming last:K", tc.in, err)
		}
		if err == nil && tc.in != "" {
			if s := openai.HistoryString(got); s != tc.in {
				t.Errorf("HistoryString(%d) = %q, want %q", got, s, tc.in)
			}
		}
	}
}
