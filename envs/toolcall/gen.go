package toolcall

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/dojo-rl/dojo"
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
