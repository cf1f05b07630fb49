package toolcall

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/reward"
)

// episode is the state of one attempt at a task: the world as the agent's
// calls left it and the tallies the rewards need. The env steps it; VerifyTask
// replays a response through it.
type episode struct {
	g        *gold
	goldAll  []dojo.ToolCall
	changes  []change
	shown    map[string]bool
	w        World
	calls    []dojo.ToolCall
	okCalls  int
	invalid  int
	turns    int
	toolrlOK bool
	match    float64 // MatchCalls so far
	achieved int
	maxCalls int // max_calls_per_turn
}

func newEpisode(g *gold) *episode {
	ep := &episode{g: g, goldAll: g.calls(), changes: changes(g.Initial, g.End), shown: map[string]bool{}, w: g.Initial.Clone(), toolrlOK: true,
		maxCalls: family.DefaultMaxCalls}
	for _, t := range g.Tools {
		ep.shown[t] = true
	}
	ep.match = reward.MatchCalls(ep.goldAll, nil)
	return ep
}

// turnResult is what one turn did.
type turnResult struct {
	final     bool
	malformed bool
	errs      []string
	messages  []dojo.Message
	answer    string
	invalid   int
	refused   int // calls past max_calls_per_turn (counted in invalid too)
	extra     int // calls beyond the gold count
	dMatch    float64
	dProgress float64
}

// decode reads an action into calls, the text outside them, the parse
// problems, and whether its text is ToolRL-well-formed.
func decode(a dojo.Action) (calls []dojo.ToolCall, text string, errs []string) {
	switch a.Kind {
	case dojo.ActMessage:
		if len(a.ToolCalls) > 0 {
			for i, c := range a.ToolCalls {
				if !isJSONObject(c.Arguments) {
					errs = append(errs, fmt.Sprintf("tool call %d (%s): arguments %s are not a JSON object", i+1, c.Name, abbreviate(string(c.Arguments))))
				}
			}
			return a.ToolCalls, a.Text, errs
		}
		return reward.ParseToolCalls(a.Text)
	case dojo.ActText:
		return reward.ParseToolCalls(a.Text)
	}
	return nil, "", []string{fmt.Sprintf("a discrete action (%d) is not a tool call; send an assistant message with tool_calls, or text with <tool_call> blocks", a.Index)}
}

func isJSONObject(b json.RawMessage) bool {
	if len(strings.TrimSpace(string(b))) == 0 {
		return true // no arguments: {}
	}
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

func abbreviate(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// step plays one turn: its calls run in order against the world; a turn
// without calls (and without broken blocks) is the final answer.
func (ep *episode) step(a dojo.Action) turnResult {
	calls, text, errs := decode(a)
	ep.turns++
	var res turnResult
	res.errs = errs
	res.malformed = len(errs) > 0
	isText := a.Kind == dojo.ActText || a.Kind == dojo.ActMessage && len(a.ToolCalls) == 0
	if len(calls) == 0 && len(errs) == 0 {
		res.final = true
		res.answer = text
		if strings.TrimSpace(text) == "" {
			res.malformed = true
			res.errs = append(res.errs, "the final answer is empty; state the facts the user asked for")
		}
		if reward.ToolRLFormat(a.Text, false, true) == 0 {
			ep.toolrlOK = false
		}
		return res
	}
	if isText && len(calls) > 0 && reward.ToolRLFormat(a.Text, true, false) == 0 || res.malformed {
		ep.toolrlOK = false
	}
	if len(calls) == 0 { // only broken blocks
		res.messages = append(res.messages, dojo.Message{Role: "user", Content: "Your reply could not be read: " + strings.Join(errs, "; ") + ". Call tools with <tool_call>{\"name\": ..., \"arguments\": {...}}</tool_call> or answer without tool calls."})
		return res
	}
	if len(calls) > ep.maxCalls {
		res.errs = append(res.errs, family.Refusals(len(calls), ep.maxCalls))
	}
	for i, c := range calls {
		if c.ID == "" {
			c.ID = fmt.Sprintf("call_%d_%d", ep.turns, i+1)
		}
		if i >= ep.maxCalls { // refused, unrun
			res.invalid++
			res.refused++
			b, _ := json.Marshal(map[string]string{"error": family.Refusal(i, len(calls), ep.maxCalls)})
			res.messages = append(res.messages, dojo.Message{Role: "tool", Name: c.Name, ToolCallID: c.ID, Content: string(b)})
			continue
		}
		out := execute(ep.w, ep.shown, c)
		if out.invalid {
			res.invalid++
		} else if !out.failed {
			ep.okCalls++
		}
		if len(ep.calls) >= len(ep.goldAll) {
			res.extra++
		}
		ep.calls = append(ep.calls, c)
		res.messages = append(res.messages, dojo.Message{Role: "tool", Name: c.Name, ToolCallID: c.ID, Content: out.content})
	}
	ep.invalid += res.invalid
	m := reward.MatchCalls(ep.goldAll, ep.calls)
	res.dMatch, ep.match = m-ep.match, m
	if len(ep.changes) > 0 {
		n := achieved(ep.w, ep.changes)
		res.dProgress = float64(n-ep.achieved) / float64(len(ep.changes))
		ep.achieved = n
	}
	return res
}

// success judges a final answer against the gold.
func (ep *episode) success(answer string) bool {
	if strings.TrimSpace(answer) == "" || !ep.w.Equal(ep.g.End) {
		return false
	}
	if len(ep.goldAll) == 0 {
		if len(ep.calls) > 0 {
			return false
		}
	} else if ep.okCalls == 0 {
		return false
	}
	for _, f := range ep.g.Facts {
		if !f.holds(answer) {
			return false
		}
	}
	return countNumbers(answer) <= maxNumbers(ep.g.Answer)
}

// maxNumbers is how many distinct numbers an answer may hold: an answer
// listing every number of the world to hit the facts by chance states too
// much. The bound is generous: max(12, 2·n + 4) for a gold answer with n.
func maxNumbers(goldAnswer string) int { return max(12, 2*countNumbers(goldAnswer)+4) }

// countNumbers counts the distinct runs of digits in s ("1,250.00" is
// three: 1, 250 and 00).
func countNumbers(s string) int {
	seen := map[string]bool{}
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		seen[s[i:j]] = true
		i = j
	}
	return len(seen)
}

// toolrl returns ToolRL's format and correctness for the episode so far.
func (ep *episode) toolrl() (format, correctness float64) {
	if ep.toolrlOK {
		format = 1
	}
	return format, reward.ToolRLCorrectness(ep.goldAll, ep.calls)
}
