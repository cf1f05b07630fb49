package openai

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"

	"github.com/dojo-rl/dojo"
)

// episode is the agent of one episode: its conversation and usage.
type episode struct {
	a         *Agent
	spec      *dojo.Spec
	toolCalls bool    // the env takes tool calls (else text)
	tools     []byte  // the tools array, nil for none
	seed      *uint64 // sent as "seed" unless nil
	rng       *rand.Rand

	history [][]byte // encoded messages
	seen    int      // Turn.Step of the last observation in history
	turns   int      // assistant messages so far
	body    []byte   // reused request buffer

	// With keep > 0 (Config.LastTurns), history holds the first nFirst
	// messages and the last keep turns only; turnAt indexes the assistant
	// message starting each turn kept.
	keep   int
	nFirst int
	turnAt []int

	st                           stats
	prompt, completion, requests float64
	cached, reasoning            float64
	hasCached, hasReasoning      bool
}

const jitterSalt = 0x6f70656e6169 // "openai"

func newJitter(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, jitterSalt)) }

// Act sends the conversation so far, with t's observation, and turns the
// reply into an action. Called again with the same turn (the runner
// retrying an unavailable server), it does not repeat the observation.
func (e *episode) Act(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
	if t.Step != e.seen {
		if err := e.observe(t.Obs); err != nil {
			return dojo.Action{}, err
		}
		e.seen = t.Step
	}
	rep, err := e.a.complete(ctx, e.request(), e.turns, e.rng, &e.st)
	if err != nil {
		return dojo.Action{}, err
	}
	e.turns++
	e.history = append(e.history, rep.message)
	if e.keep > 0 {
		e.turnAt = append(e.turnAt, len(e.history)-1)
		e.forget()
	}
	e.count(rep)
	if e.toolCalls {
		return dojo.MessageAction(rep.text, rep.calls...), nil
	}
	if len(rep.calls) > 0 {
		return dojo.TextAction(hermes(rep.text, rep.calls)), nil
	}
	return dojo.TextAction(rep.text), nil
}

// ObsMessages returns the messages the agent sends a model for an
// observation: its Messages, else its Text as a user message, else its
// Value as JSON in one; none for an empty observation.
func ObsMessages(o dojo.Obs) ([]dojo.Message, error) {
	switch {
	case len(o.Messages) > 0:
		return o.Messages, nil
	case o.Text != "":
		return []dojo.Message{{Role: "user", Content: o.Text}}, nil
	case o.Value != nil:
		b, err := json.Marshal(o.Value)
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInternal, "openai agent: the observation's value does not marshal to JSON: %v", err)
		}
		return []dojo.Message{{Role: "user", Content: string(b)}}, nil
	}
	return nil, nil
}

// observe appends an observation to the history.
func (e *episode) observe(o dojo.Obs) error {
	msgs, err := ObsMessages(o)
	if err != nil {
		return err
	}
	first := len(e.history) == 0
	if first && len(msgs) == 0 {
		return dojo.Errorf(dojo.CodeInvalid, "openai agent: the first observation has no messages, text or value to prompt a model with")
	}
	if first && len(o.Messages) == 0 && o.Text == "" {
		if err := e.needsText(); err != nil {
			return err
		}
	}
	if first && e.a.cfg.SystemPrompt != "" {
		sys := e.a.cfg.SystemPrompt
		if len(msgs) > 0 && msgs[0].Role == "system" {
			m := msgs[0]
			m.Content += "\n\n" + sys
			msgs = append([]dojo.Message{m}, msgs[1:]...)
		} else {
			msgs = append([]dojo.Message{{Role: "system", Content: sys}}, msgs...)
		}
	}
	for _, m := range msgs {
		b, err := encodeMessage(m)
		if err != nil {
			return dojo.Errorf(dojo.CodeInternal, "openai agent: an observation message does not marshal to JSON: %v", err)
		}
		e.history = append(e.history, b)
	}
	if first {
		e.nFirst = len(e.history)
	}
	return nil
}

// forget drops the turns before the last e.keep from the history, keeping
// its first messages. A turn starts with an assistant message and holds
// the observation messages after it, so the tool results of a tool call
// go with it.
func (e *episode) forget() {
	if len(e.turnAt) <= e.keep {
		return
	}
	cut := e.turnAt[len(e.turnAt)-e.keep]
	n := copy(e.history[e.nFirst:], e.history[cut:])
	clear(e.history[e.nFirst+n:])
	e.history = e.history[:e.nFirst+n]
	drop := cut - e.nFirst
	n = copy(e.turnAt, e.turnAt[len(e.turnAt)-e.keep:])
	e.turnAt = e.turnAt[:n]
	for i := range e.turnAt {
		e.turnAt[i] -= drop
	}
}

// needsText refuses, fatally for the run, an env that can describe itself
// in text but was made without it: the model would be sent its raw value
// (FrozenLake's "0", a MiniGrid image as JSON) with no rules and no action
// words, and every episode would be wasted the same way.
func (e *episode) needsText() error {
	if _, ok := e.spec.Option("text"); !ok {
		return nil
	}
	hint := "--opt text=true"
	if _, ok := e.spec.Option("instructions"); ok {
		hint += " --opt instructions=true"
	}
	return dojo.Fatal(dojo.Errorf(dojo.CodeInvalid, "openai agent: %s was made without text: a model would be sent its raw observation with no rules or action words; run it with %s (the llm-v1 suite does)", e.spec.ID, hint).WithField("options.text"))
}

// request writes the request body into e.body.
func (e *episode) request() []byte {
	cfg := &e.a.cfg
	b := append(e.body[:0], `{"model":`...)
	b = strconv.AppendQuote(b, cfg.Model)
	b = append(b, `,"messages":[`...)
	for i, m := range e.history {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, m...)
	}
	b = append(b, ']')
	if e.tools != nil {
		b = append(b, `,"tools":`...)
		b = append(b, e.tools...)
	}
	if cfg.Temperature != nil {
		b = append(b, `,"temperature":`...)
		b = strconv.AppendFloat(b, *cfg.Temperature, 'g', -1, 64)
	}
	if cfg.MaxTokens > 0 {
		b = append(b, `,"max_tokens":`...)
		b = strconv.AppendInt(b, int64(cfg.MaxTokens), 10)
	}
	if e.seed != nil {
		b = append(b, `,"seed":`...)
		b = strconv.AppendUint(b, *e.seed, 10)
	}
	b = append(b, e.a.extra...)
	b = append(b, '}')
	e.body = b
	return b
}

func (e *episode) count(r *reply) {
	e.requests++
	e.a.addTotals("requests", 1)
	if !r.hasUsage {
		return
	}
	u := &r.usage
	e.prompt += u.PromptTokens
	e.completion += u.CompletionTokens
	e.a.addTotals("prompt_tokens", u.PromptTokens)
	e.a.addTotals("completion_tokens", u.CompletionTokens)
	if r.hasCached {
		e.hasCached = true
		e.cached += u.PromptTokensDetails.CachedTokens
		e.a.addTotals("cached_tokens", u.PromptTokensDetails.CachedTokens)
	}
	if r.hasReasoning {
		e.hasReasoning = true
		e.reasoning += u.CompletionTokensDetails.ReasoningTokens
		e.a.addTotals("reasoning_tokens", u.CompletionTokensDetails.ReasoningTokens)
	}
}

// Usage returns the episode's counts: prompt_tokens, completion_tokens,
// requests (completions received) and retries (failed attempts), plus
// cached_tokens and reasoning_tokens when the server reported them.
func (e *episode) Usage() map[string]float64 {
	u := map[string]float64{
		"prompt_tokens":     e.prompt,
		"completion_tokens": e.completion,
		"requests":          e.requests,
		"retries":           e.st.retries,
	}
	if e.hasCached {
		u["cached_tokens"] = e.cached
	}
	if e.hasReasoning {
		u["reasoning_tokens"] = e.reasoning
	}
	return u
}
