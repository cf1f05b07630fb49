package toolcall

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/reward"
)

// Task kinds.
const (
	kindSingle      = "single"
	kindParallel    = "parallel"
	kindMulti       = "multi"
	kindIrrelevance = "irrelevance"
	kindRecovery    = "recovery"
	kindMixed       = "mixed"
)

var kinds = []string{kindSingle, kindParallel, kindMulti, kindIrrelevance, kindRecovery}

// gold is the verifier's part of a task (Task.Verify): the initial world
// the calls run on, the expected end state, the facts the final answer must
// state, the tools shown, and one gold call sequence grouped in turns with
// the gold final answer.
type gold struct {
	Kind    string            `json:"kind"`
	Domains []string          `json:"domains"`
	Tools   []string          `json:"tools"`
	Initial World             `json:"initial"`
	End     World             `json:"end"`
	Facts   []Fact            `json:"facts"`
	Turns   [][]dojo.ToolCall `json:"gold_turns"`
	Answer  string            `json:"answer"`
}

// calls returns the gold calls in order.
func (g *gold) calls() []dojo.ToolCall {
	var out []dojo.ToolCall
	for _, t := range g.Turns {
		out = append(out, t...)
	}
	return out
}

// genConfig is what the task generator reads from the options.
type genConfig struct {
	domain      *domain // nil: any domain (Mixed)
	kind        string
	distractors int
	hops        int
}

// Random stream of the generator (PCG's second word).
const genStream = 0x746f6f6c63616c6c // "toolcall"

// generate makes the task of seed: the request, the tools shown and the
// gold. It is deterministic and does a bounded amount of work. A draw the
// back ends reject (which the tests show does not happen for the seeds they
// cover) is redrawn from the next stream, at most 8 times.
func generate(c genConfig, seed uint64) (*gold, string, []dojo.Tool, error) {
	var lastErr error
	for attempt := range uint64(8) {
		g, req, tools, err := generateOnce(c, rand.New(rand.NewPCG(seed, genStream+attempt)))
		if err == nil {
			return g, req, tools, nil
		}
		lastErr = err
	}
	return nil, "", nil, dojo.Errorf(dojo.CodeInternal, "toolcall: no task for seed %d: %v", seed, lastErr)
}

func generateOnce(c genConfig, r *rand.Rand) (g *gold, req string, tools []dojo.Tool, err error) {
	defer func() {
		if p := recover(); p != nil { // a template bug: reported, and redrawn by generate
			g, req, tools, err = nil, "", nil, fmt.Errorf("generator panic: %v", p)
		}
	}()
	kind := c.kind
	if kind == kindMixed {
		kind = pick(r, kinds)
	}
	dom := c.domain
	if dom == nil {
		dom = pick(r, domains)
	}
	doms := []*domain{dom}
	if kind == kindParallel && c.domain == nil {
		other := pick(r, domains)
		for other == dom {
			other = pick(r, domains)
		}
		doms = append(doms, other)
	}
	w := World{}
	for _, d := range doms {
		d.seed(r, w)
	}
	b := &builder{r: r, w: w.Clone(), used: map[string]bool{}}
	switch kind {
	case kindSingle:
		dom.single(b)
	case kindParallel:
		b.merge = true
		doms[0].single(b)
		doms[len(doms)-1].single(b)
	case kindMulti:
		for range c.hops {
			dom.multi(b)
		}
	case kindRecovery:
		dom.recovery(b)
	case kindIrrelevance:
		b.ask("%s", pick(r, irrelevant))
		b.say("I'm sorry, but I can't help with that: none of the tools I have can do it.")
		b.fact(refusal)
	default:
		return nil, "", nil, fmt.Errorf("unknown kind %q", kind)
	}
	if b.err != nil {
		return nil, "", nil, b.err
	}
	// the tools shown: the domains' own and distractors from the others
	var shown []*tool
	all, _ := allTools()
	var others []*tool
	for _, t := range all {
		own := false
		for _, d := range doms {
			own = own || t.domain == d.name
		}
		if own {
			shown = append(shown, t)
		} else {
			others = append(others, t)
		}
	}
	for _, i := range r.Perm(len(others))[:min(c.distractors, len(others))] {
		shown = append(shown, others[i])
	}
	r.Shuffle(len(shown), func(i, j int) { shown[i], shown[j] = shown[j], shown[i] })
	g = &gold{Kind: kind, Initial: w, End: b.w, Facts: b.facts, Turns: b.turns, Answer: strings.Join(b.says, " ")}
	if g.Turns == nil {
		g.Turns = [][]dojo.ToolCall{} // [] rather than null in JSON
	}
	for _, d := range doms {
		g.Domains = append(g.Domains, d.name)
	}
	tools = make([]dojo.Tool, len(shown))
	for i, t := range shown {
		g.Tools = append(g.Tools, t.Name)
		tools[i] = t.Tool
	}
	return g, strings.Join(b.asks, " "), tools, nil
}

// systemPrompt tells the model how to call tools and lists those shown.
func systemPrompt(tools []dojo.Tool) string {
	var s strings.Builder
	s.WriteString("You are an assistant that acts through tools. To call tools, reply with tool calls (OpenAI tool_calls) or with one or more blocks\n")
	s.WriteString("<tool_call>\n{\"name\": \"tool_name\", \"arguments\": {...}}\n</tool_call>\n")
	s.WriteString("optionally after <think>...</think>. Calls of one reply run in order; their results come back as tool messages. ")
	s.WriteString("When you are done (or if no tool applies), reply without any tool call: that reply is your final answer to the user, and it must state the facts asked for. ")
	s.WriteString("(ToolRL style: <think>...</think> then <response>...</response>.)\n\nTools:\n")
	b, _ := json.MarshalIndent(tools, "", "  ")
	s.Write(b)
	return s.String()
}

// task builds the dojo.Task of seed.
func (e *Env) task(seed uint64) (dojo.Task, *gold, error) {
	g, req, tools, err := generate(e.cfg, seed)
	if err != nil {
		return dojo.Task{}, nil, err
	}
	verify, err := json.Marshal(g)
	if err != nil {
		return dojo.Task{}, nil, dojo.Errorf(dojo.CodeInternal, "toolcall: encoding the gold: %v", err)
	}
	t := dojo.Task{
		ID:      fmt.Sprintf("%s/%s/d%d/h%d/%d", e.spec.ID, e.cfg.kind, e.cfg.distractors, e.cfg.hops, seed),
		Env:     e.spec.ID,
		Seed:    seed,
		Prompt:  []dojo.Message{{Role: "system", Content: systemPrompt(tools)}, {Role: "user", Content: req}},
		Tools:   tools,
		Verify:  verify,
		Options: e.opts,
		Meta: map[string]any{"kind": g.Kind, "domains": g.Domains, "gold_calls": len(g.calls()), "gold_turns": len(g.Turns),
			"tools_shown": len(tools), "state_changes": len(changes(g.Initial, g.End))},
	}
	return t, g, nil
}

// GenerateTask returns the task of seed, its gold in Verify.
func (e *Env) GenerateTask(ctx context.Context, seed uint64) (dojo.Task, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Task{}, err
	}
	t, _, err := e.task(seed)
	return t, err
}

// VerifyTask scores a response to a task without an episode. The task's
// gold is read from t.Verify, or regenerated from t.Seed when Verify is
// empty. Response.Messages is the assistant side of a multi-turn exchange:
// each assistant message is a turn (its tool_calls, or <tool_call> blocks
// in its content), replayed in order on the initial world; other roles are
// ignored (the tool results are recomputed). Response.Text is one
// completion: its calls run, then its text outside the blocks, if any, is
// the final answer (a completion of calls only is an unfinished episode:
// no success, no format penalty for a missing answer). The parts are the episode's components summed over its turns.
func (e *Env) VerifyTask(ctx context.Context, t dojo.Task, r dojo.Response) (dojo.Score, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Score{}, err
	}
	var g *gold
	if len(t.Verify) > 0 {
		if e.lastGold != nil && bytes.Equal(t.Verify, e.lastVerify) {
			g = e.lastGold
		} else {
			g = new(gold)
			if err := json.Unmarshal(t.Verify, g); err != nil {
				return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "toolcall: task %s: verify block: %v (want the object GenerateTask writes)", t.ID, err)
			}
			e.lastVerify, e.lastGold = append(e.lastVerify[:0], t.Verify...), g
		}
	} else {
		if t.Env != "" && t.Env != e.spec.ID {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "toolcall: task %s is for %s, not %s", t.ID, t.Env, e.spec.ID)
		}
		var err error
		if g, _, _, err = generate(e.cfg, t.Seed); err != nil {
			return dojo.Score{}, err
		}
	}
	return scoreResponse(g, r, e.parts.Parts(), e.maxCalls), nil
}

// scoreResponse replays r on g, at most maxCalls calls a turn, and scores
// it with the weights of w.
func scoreResponse(g *gold, r dojo.Response, w []dojo.Part, maxCalls int) dojo.Score {
	ep := newEpisode(g)
	ep.maxCalls = maxCalls
	var vals [numComponents]float64
	success := false
	var errs []string
	play := func(a dojo.Action) bool {
		res := ep.step(a)
		if res.malformed {
			vals[cFormat]--
			errs = append(errs, res.errs...)
		}
		vals[cCorrectness] += res.dMatch
		vals[cProgress] += res.dProgress
		vals[cInvalid] -= float64(res.invalid)
		vals[cEfficiency] -= float64(res.extra)
		if res.final {
			success = ep.success(res.answer)
		}
		return res.final
	}
	switch {
	case len(r.Messages) > 0:
		for _, m := range r.Messages {
			if m.Role != "assistant" {
				continue
			}
			if play(dojo.MessageAction(m.Content, m.ToolCalls...)) {
				break
			}
		}
	default:
		calls, rest, perrs := reward.ParseToolCalls(r.Text)
		if len(calls) > 0 || len(perrs) > 0 {
			// the completion's calls are its one call turn; ToolRL's format
			// pattern for a call turn applies to the whole text
			play(dojo.TextAction(r.Text))
			if strings.TrimSpace(rest) != "" {
				play(dojo.MessageAction(rest)) // the final answer; without one the episode is unfinished
			}
		} else {
			play(dojo.TextAction(r.Text))
		}
	}
	vals[cToolRLFormat], vals[cToolRLCorrectness] = ep.toolrl()
	if len(r.Messages) == 0 {
		// a single completion is exactly ToolRL's setting: its format
		// pattern is the ground truth's (calls when the gold has calls, a
		// response when it has none)
		hasCalls := len(ep.goldAll) > 0
		vals[cToolRLFormat] = reward.ToolRLFormat(r.Text, hasCalls, !hasCalls)
	}
	if success {
		vals[cSuccess] = 1
	}
	return family.Score(components[:], vals[:], w, success, errs)
}
