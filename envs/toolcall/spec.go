package toolcall

import (
	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
)

// variant is a registered env: one domain, or any (Mixed).
type variant struct {
	dom *domain // nil: Mixed
}

func (v variant) title() string {
	if v.dom == nil {
		return "Mixed"
	}
	return v.dom.title
}

func (v variant) id() string { return "toolcall/" + v.title() + "-v0" }

func (v variant) options() []dojo.Option {
	opts := []dojo.Option{
		{Name: "kind", Type: dojo.OptString, Default: kindMixed, Choices: append(append([]string(nil), kinds...), kindMixed),
			Description: "task kind: single (one call), parallel (independent calls in one turn), multi (a lookup whose result feeds the next call, hops times), irrelevance (no tool applies: answer without calling), recovery (the first natural call fails and must be corrected), or mixed (drawn per seed)"},
		dojo.Option{Name: "distractors", Type: dojo.OptInt, Default: 2,
			Description: "tools of other domains shown besides the task's own"}.Range(0, 20),
		dojo.Option{Name: "hops", Type: dojo.OptInt, Default: 1,
			Description: "multi tasks: dependent sub-requests (each a lookup feeding an action) in one request"}.Range(1, 3),
		dojo.Option{Name: "max_turns", Type: dojo.OptInt, Default: 10,
			Description: "assistant turns before the episode is truncated"}.Range(1, 100),
		family.MaxCalls(),
	}
	opts = append(opts, invalidOptions()...)
	return append(opts, dojo.Option{Name: dojo.RewardOption, Type: dojo.OptReward,
		Description: "reward profile: shaped (default), sparse, toolrl (ToolRL's format + correctness on the final step), shaped+cost (shaped with a cost per call beyond the gold's), or an object of component weights"})
}

// invalidOptions are the invalid-action options in toolcall's words (and
// sql's: its calls are invalid the same way).
func invalidOptions() []dojo.Option {
	return family.InvalidOptions(family.InvalidText{
		Penalize:  "an invalid call returns an error result and scores invalid=-1",
		Terminate: "once max_invalid calls were invalid",
		Counted:   "invalid calls",
		Max:       1000,
	})
}

func (v variant) spec(maxTurns int) dojo.Spec {
	all, _ := allTools()
	var tools []dojo.Tool
	for _, t := range all {
		if v.dom == nil || t.domain == v.dom.name {
			tools = append(tools, t.Tool)
		}
	}
	what := "any of the bank, calendar, shop, travel, files, contacts and utility tool worlds"
	if v.dom != nil {
		what = "the " + v.dom.name + " tool world"
	}
	return dojo.Spec{
		ID:          v.id(),
		Description: "generated multi-turn tool-use tasks on " + what + ": a user request, tools with JSON Schemas (plus distractors), stateful simulated back ends; success is the gold end state plus the required facts in the final answer",
		Observation: dojo.Space{Kind: dojo.KindNone, Description: "Messages: the system prompt (call format and the task's tools as JSON) and the user request, then one tool message per call; on Reset, Obs.Tools (and Info.Extra[\"tools\"]) list the task's tools"},
		ObsText:     true,
		Action: dojo.Space{Kind: dojo.KindToolCalls, Tools: tools,
			Description: "an assistant message with tool_calls (OpenAI format) or text with <tool_call>{\"name\", \"arguments\"}</tool_call> blocks; a reply without calls is the final answer. Spec.Action.Tools lists every tool of the env; each task shows a subset (its domain's tools plus distractors), listed in the system message and in the first observation's Tools (and Info.Extra[\"tools\"]); calls of tools not shown are invalid"},
		MaxSteps: maxTurns,
		Rewards:  components[:],
		Profiles: map[string]map[string]float64{
			"toolrl": {"toolrl_format": 1, "toolrl_correctness": 1},
			// shaped with a cost per call beyond the gold's (the shaped of
			// earlier versions).
			"shaped+cost": {dojo.SuccessComponent: 1, "format": 0.1, "correctness": 0.5, "progress": 0.5, "invalid": 0.1, "efficiency": 0.05},
		},
		DefaultProfile: "shaped",
		Options:        v.options(),
		Tags:           []string{"toolcall", "llm", "tool-use", "task-generator", "ToolRL", "BFCL"},
	}
}

// components are the reward components, in Spec.Rewards order.
var components = [...]dojo.Component{
	{Name: dojo.SuccessComponent, Shaped: 1, Description: "1 on the final answer iff the world's end state equals the gold end state, the answer states every required fact, and the agent called tools iff the gold does (at least one successful call; none on irrelevance tasks)"},
	{Name: "format", Shaped: 0.1, Description: "−1 for a malformed turn (an unparsable <tool_call> block, arguments that are not a JSON object, or an empty final answer), else 0"},
	{Name: "correctness", Shaped: 0.5, Description: "Δ of reward.MatchCalls(gold calls, the episode's calls so far): summed over an episode, the F1 match of its calls against the gold calls"},
	{Name: "progress", Shaped: 0.5, Description: "Δ of the share of gold state changes (records the gold calls change) that the world holds"},
	{Name: "invalid", Shaped: 0.1, Description: "−1 per call of an unknown or unshown tool or with arguments failing the tool's JSON Schema"},
	{Name: "efficiency", Shaped: 0, Description: "−1 per call beyond the number of gold calls (weight 0.05 in shaped+cost; not in shaped: it can change the optimal policy)"},
	{Name: "toolrl_format", Shaped: 0, Description: "on the final step: ToolRL's format reward (0 or 1): 1 iff every text the agent wrote matches ToolRL's pattern for its turn (structured tool calls count as well formed)"},
	{Name: "toolrl_correctness", Shaped: 0, Description: "on the final step: ToolRL's correctness in [-3, 3] of all the episode's calls against all the gold calls (reward.ToolRLCorrectness)"},
}

// numComponents is the number of reward components.
const numComponents = len(components)

// Indices of the reward components in Spec.Rewards, looked up by name.
var (
	cSuccess           = family.MustIndex(components[:], dojo.SuccessComponent)
	cFormat            = family.MustIndex(components[:], "format")
	cCorrectness       = family.MustIndex(components[:], "correctness")
	cProgress          = family.MustIndex(components[:], "progress")
	cInvalid           = family.MustIndex(components[:], "invalid")
	cEfficiency        = family.MustIndex(components[:], "efficiency")
	cToolRLFormat      = family.MustIndex(components[:], "toolrl_format")
	cToolRLCorrectness = family.MustIndex(components[:], "toolrl_correctness")
)
