package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sync"
	"text/tabwriter"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/agents/openai"
	"github.com/dojo-rl/dojo/runner"
)

// PlanConfig configures Plan. Registry and Suite are needed; the zero
// value of the rest works (one trial, every task, completions of
// DefaultPlanMaxTokens, one token per byte).
type PlanConfig struct {
	Registry *dojo.Registry
	Suite    *Suite
	Trials   int
	// Limit plays the first Limit tasks of each entry (0: all), as
	// Config.Limit.
	Limit int
	// MaxTokens bounds each completion, as the LLM agent's max_tokens;
	// 0 assumes DefaultPlanMaxTokens (the server's own default may allow
	// more, which the plan then says).
	MaxTokens int
	// BytesPerToken is the fewest bytes of prompt text a token covers
	// (default 1: a bound for byte-level tokenizers, see Plan).
	BytesPerToken float64
	Workers       int
}

// DefaultPlanMaxTokens is the completion bound a plan assumes when none is
// given.
const DefaultPlanMaxTokens = 1024

// MessageTokens is the tokens a plan allows per chat message for the chat
// template's role markers and separators, beyond its content.
const MessageTokens = 8

// Plan is what a benchmark run of an LLM agent will cost, worked out before
// any request is sent: per entry, the episodes, the requests (one per agent
// turn) and an upper bound on the tokens.
//
// Requests: at most MaxSteps per episode (the env's step limit, which the
// runner enforces); expected between the oracle's and the random agent's
// mean episode lengths on the same tasks (an LLM usually plays between
// them; an agent that stalls until the step limit reaches the maximum).
// Retried requests (a server's 429 or 5xx) come on top.
//
// Tokens: the agent resends the whole history every turn, so request t of
// an episode (t = 1..S, S = MaxSteps) holds the first prompt, t−1 replies
// and t−1 observations. With F the tokens of the first prompt (messages and
// tools), O those of the largest later observation, C the completion bound
// and k = MessageTokens per message,
//
//	prompt(t) ≤ F + (t−1)·(C + k + O)
//	episode   ≤ S·F + S(S−1)/2·(C + k + O) + S·C
//
// Bytes become tokens at BytesPerToken bytes per token at least, rounded
// up. The default, 1, is a true bound for byte-level BPE tokenizers (GPT-2
// and tiktoken's, Llama 3's, Qwen's) and SentencePiece with byte fallback,
// whose tokens each cover at least one byte of UTF-8; English prose
// averages 3-4 bytes per token, but digits, JSON and non-Latin text come
// close to 1, so a larger ratio gives a closer estimate, not a bound. F and
// O are measured by playing the entry's tasks with the random agent and
// the oracle (the largest first prompt, and the largest later observation
// or first prompt, whichever is larger): an agent that draws larger
// observations (longer query results or pages) can exceed them.
type Plan struct {
	Suite   string `json:"suite"`
	SHA256  string `json:"manifest_sha256"`
	Partial string `json:"partial,omitempty"`
	Trials  int    `json:"trials"`
	// MaxTokens is the completion bound used; MaxTokensAssumed says it is
	// DefaultPlanMaxTokens, no bound having been given.
	MaxTokens        int         `json:"max_tokens"`
	MaxTokensAssumed bool        `json:"max_tokens_assumed,omitempty"`
	BytesPerToken    float64     `json:"bytes_per_token"`
	MessageTokens    int         `json:"message_tokens"`
	Entries          []PlanEntry `json:"entries"`
	Total            PlanTotal   `json:"total"`
	// Assumptions say in words what the bounds assume.
	Assumptions []string `json:"assumptions"`
}

// PlanEntry is the plan of one entry.
type PlanEntry struct {
	Label    string `json:"label"`
	Tasks    int    `json:"tasks"`
	Episodes int    `json:"episodes"` // tasks × trials
	// MaxSteps is the env's step limit: requests per episode at most.
	MaxSteps    int `json:"max_steps"`
	MaxRequests int `json:"max_requests"`
	// RequestsOracle and RequestsRandom are the requests expected if the
	// agent played as long as the oracle and the random agent do (nil
	// when that agent cannot play the env).
	RequestsOracle *float64 `json:"requests_oracle,omitempty"`
	RequestsRandom *float64 `json:"requests_random,omitempty"`
	// The sizes measured, in bytes of JSON as the agent sends them: the
	// largest first prompt (its messages), the tools sent with every
	// request, and the largest later observation (at least the first
	// prompt's size, see Plan).
	FirstBytes    int `json:"first_prompt_bytes"`
	FirstMessages int `json:"first_prompt_messages"`
	ToolsBytes    int `json:"tools_bytes"`
	ObsBytes      int `json:"observation_bytes"`
	ObsMessages   int `json:"observation_messages"`
	// Token bounds over the entry's episodes.
	PromptTokens     int64 `json:"prompt_tokens_max"`
	CompletionTokens int64 `json:"completion_tokens_max"`
	Tokens           int64 `json:"tokens_max"`
}

// PlanTotal sums the entries.
type PlanTotal struct {
	Episodes         int     `json:"episodes"`
	MaxRequests      int     `json:"max_requests"`
	RequestsLow      float64 `json:"requests_expected_low"`
	RequestsHigh     float64 `json:"requests_expected_high"`
	PromptTokens     int64   `json:"prompt_tokens_max"`
	CompletionTokens int64   `json:"completion_tokens_max"`
	Tokens           int64   `json:"tokens_max"`
}

// MakePlan works out the plan of a run of cfg.Suite: it resolves the
// manifest (with the limit), plays each entry's tasks locally with the
// random agent and the oracle to measure the lengths and sizes, and
// computes the bounds. No LLM is involved.
func MakePlan(ctx context.Context, cfg PlanConfig) (*Plan, error) {
	if cfg.Registry == nil || cfg.Suite == nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "bench: a plan needs a registry and a suite")
	}
	switch {
	case cfg.Trials < 0:
		return nil, dojo.Errorf(dojo.CodeInvalid, "bench: %d trials: want 1 or more", cfg.Trials).WithField("trials")
	case cfg.MaxTokens < 0:
		return nil, dojo.Errorf(dojo.CodeInvalid, "bench: max tokens %d: want 0 (assume %d) or more", cfg.MaxTokens, DefaultPlanMaxTokens).WithField("max_tokens")
	case cfg.BytesPerToken < 0 || math.IsNaN(cfg.BytesPerToken) || math.IsInf(cfg.BytesPerToken, 0):
		return nil, dojo.Errorf(dojo.CodeInvalid, "bench: %v bytes per token: want a positive number (1 bounds byte-level tokenizers)", cfg.BytesPerToken).WithField("bytes_per_token")
	}
	m, err := cfg.Suite.PartialManifest(cfg.Registry, cfg.Limit)
	if err != nil {
		return nil, err
	}
	p := &Plan{
		Suite: m.Suite, SHA256: m.SHA256, Partial: m.Partial(), Trials: max(cfg.Trials, 1),
		MaxTokens: cfg.MaxTokens, BytesPerToken: cfg.BytesPerToken, MessageTokens: MessageTokens,
	}
	if p.MaxTokens == 0 {
		p.MaxTokens, p.MaxTokensAssumed = DefaultPlanMaxTokens, true
	}
	if p.BytesPerToken == 0 {
		p.BytesPerToken = 1
	}
	for i := range m.Entries {
		e := &m.Entries[i]
		pe, err := planEntry(ctx, cfg.Registry, e, p, cfg.Workers)
		if err != nil {
			return nil, err
		}
		p.Entries = append(p.Entries, *pe)
		t := &p.Total
		t.Episodes += pe.Episodes
		t.MaxRequests += pe.MaxRequests
		lo, hi := pe.expected()
		t.RequestsLow += lo
		t.RequestsHigh += hi
		t.PromptTokens += pe.PromptTokens
		t.CompletionTokens += pe.CompletionTokens
		t.Tokens += pe.Tokens
	}
	p.Assumptions = []string{
		"requests: one per agent turn, at most the env's step limit per episode; expected between the oracle's and the random agent's mean episode lengths on these tasks; retries of failed requests come on top",
		fmt.Sprintf("tokens: the whole history resent every turn; at most one token per %g byte(s) of JSON as sent (1 bounds byte-level BPE tokenizers such as GPT-2/tiktoken, Llama 3, Qwen, and SentencePiece with byte fallback; English averages 3-4 bytes per token but digits, JSON and non-Latin text come close to 1, so a larger ratio is an estimate, not a bound)", p.BytesPerToken),
		fmt.Sprintf("%d tokens per message for the chat template", MessageTokens),
		"observation sizes: the largest first prompt, and the largest later observation or first prompt, seen when the random agent and the oracle play the tasks; an agent drawing larger observations (longer query results or pages) can exceed them",
	}
	if p.MaxTokensAssumed {
		p.Assumptions = append(p.Assumptions, fmt.Sprintf("completions of at most %d tokens (no --max-tokens given: the server's default may allow more; pass --max-tokens to make this a bound)", p.MaxTokens))
	} else {
		p.Assumptions = append(p.Assumptions, fmt.Sprintf("completions of at most %d tokens (--max-tokens)", p.MaxTokens))
	}
	return p, nil
}

// expected returns the expected requests, low and high; the maximum when
// no agent gave a length.
func (pe *PlanEntry) expected() (lo, hi float64) {
	var xs []float64
	for _, r := range []*float64{pe.RequestsOracle, pe.RequestsRandom} {
		if r != nil {
			xs = append(xs, *r)
		}
	}
	if len(xs) == 0 {
		return float64(pe.MaxRequests), float64(pe.MaxRequests)
	}
	lo, hi = xs[0], xs[0]
	for _, x := range xs[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// sizes collects what the measuring agents see.
type sizes struct {
	mu                             sync.Mutex
	maxSteps                       int
	first, firstMsgs               int
	obs, obsMsgs                   int
	measured                       bool
	lengths                        map[string]float64 // agent → total steps
	specToolsBytes, taskToolsBytes int
	unplayable                     []string
}

// messagesBytes returns the bytes of JSON of the messages an LLM agent
// sends for o (openai.ObsMessages), and their number.
func messagesBytes(o dojo.Obs) (int, int) {
	msgs, _ := openai.ObsMessages(o) // a Value that does not marshal fails the run, not the plan
	n := 0
	for _, m := range msgs {
		b, _ := json.Marshal(m)
		n += len(b)
	}
	return n, len(msgs)
}

// toolsBytes returns the bytes of tools as the openai agent sends them.
func toolsBytes(tools []dojo.Tool) int {
	b, _ := openai.ToolsJSON(tools) // a schema that is not JSON fails the run, not the plan
	return len(b)
}

// measure wraps maker so that its agents record what they see into s.
func (s *sizes) measure(maker dojo.AgentMaker) dojo.AgentMaker {
	return dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		a, err := maker.NewAgent(ctx, ep)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		s.maxSteps = max(s.maxSteps, ep.Spec.MaxSteps)
		if ep.Spec.Action.Kind == dojo.KindToolCalls {
			s.specToolsBytes = max(s.specToolsBytes, toolsBytes(ep.Spec.Action.Tools))
			s.taskToolsBytes = max(s.taskToolsBytes, toolsBytes(ep.Tools))
		}
		s.mu.Unlock()
		return dojo.AgentFunc(func(ctx context.Context, t dojo.Turn) (dojo.Action, error) {
			n, k := messagesBytes(t.Obs)
			s.mu.Lock()
			s.measured = true
			if t.Step == 0 {
				s.first, s.firstMsgs = max(s.first, n), max(s.firstMsgs, k)
			} else {
				s.obs, s.obsMsgs = max(s.obs, n), max(s.obsMsgs, k)
			}
			s.mu.Unlock()
			return a.Act(ctx, t)
		}), nil
	})
}

// planEntry measures one entry and computes its plan.
func planEntry(ctx context.Context, reg *dojo.Registry, e *ManifestEntry, p *Plan, workers int) (*PlanEntry, error) {
	s := &sizes{lengths: map[string]float64{}}
	pe := &PlanEntry{Label: e.Label, Tasks: e.Tasks, Episodes: e.Tasks * p.Trials}
	for _, name := range []string{"random", "oracle"} {
		maker, err := agents.New(name)
		if err != nil {
			return nil, err
		}
		sum, err := runner.Run(ctx, runner.Config{
			Registry: reg, Env: e.Env, Options: e.Options,
			Agent: s.measure(maker), AgentName: name,
			Episodes: e.Tasks, Seed: e.Seed, Workers: workers, NoSteps: true,
		})
		if err != nil {
			if ctx.Err() == nil && dojo.ErrorCode(err) == dojo.CodeInvalid && sum != nil {
				continue // this agent cannot play the env
			}
			return nil, fmt.Errorf("plan of %s, %s agent: %w", e.Label, name, err)
		}
		if sum.Errors > 0 {
			return nil, dojo.Errorf(dojo.CodeInternal, "plan of %s: %d of %d episodes of the %s agent failed (%v): the entry cannot be measured", e.Label, sum.Errors, sum.Episodes, name, sum.ErrorCodes)
		}
		r := float64(pe.Episodes) * sum.MeanLength
		if name == "random" {
			pe.RequestsRandom = &r
		} else {
			pe.RequestsOracle = &r
		}
	}
	if !s.measured {
		return nil, dojo.Errorf(dojo.CodeInvalid, "plan of %s: neither the random agent nor the oracle can play it, so its sizes cannot be measured", e.Label)
	}
	pe.MaxSteps = s.maxSteps
	pe.MaxRequests = pe.Episodes * s.maxSteps
	pe.FirstBytes, pe.FirstMessages = s.first, s.firstMsgs
	pe.ToolsBytes = max(s.specToolsBytes, s.taskToolsBytes)
	pe.ObsBytes, pe.ObsMessages = max(s.obs, s.first), max(s.obsMsgs, s.firstMsgs)
	tok := func(b int) int64 { return int64(math.Ceil(float64(b) / p.BytesPerToken)) }
	k := int64(MessageTokens)
	c := int64(p.MaxTokens)
	f := tok(pe.FirstBytes) + k*int64(pe.FirstMessages) + tok(pe.ToolsBytes)
	g := c + k + tok(pe.ObsBytes) + k*int64(pe.ObsMessages)
	steps := int64(pe.MaxSteps)
	eps := int64(pe.Episodes)
	pe.PromptTokens = eps * (steps*f + steps*(steps-1)/2*g)
	pe.CompletionTokens = eps * steps * c
	pe.Tokens = pe.PromptTokens + pe.CompletionTokens
	return pe, nil
}

// WriteTable prints the plan: one row per entry, a total, and the
// assumptions.
func (p *Plan) WriteTable(w io.Writer) error {
	head := fmt.Sprintf("%s, %d trial(s): manifest sha256 %s", p.Suite, p.Trials, p.SHA256)
	if p.Partial != "" {
		head += " (" + p.Partial + ")"
	}
	fmt.Fprintf(w, "%s\n\n", head)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "env\tepisodes\tmax steps\trequests expected\trequests max\tfirst prompt B\tobservation B\ttools B\ttokens max\t")
	for _, e := range p.Entries {
		lo, hi := e.expected()
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%s\t\n", e.Label, e.Episodes, e.MaxSteps, span(lo, hi), e.MaxRequests, e.FirstBytes, e.ObsBytes, e.ToolsBytes, count64(e.Tokens))
	}
	t := p.Total
	fmt.Fprintf(tw, "total\t%d\t\t%s\t%d\t\t\t\t%s\t\n", t.Episodes, span(t.RequestsLow, t.RequestsHigh), t.MaxRequests, count64(t.Tokens))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nThe bounds assume:")
	for _, a := range p.Assumptions {
		fmt.Fprintf(w, "  - %s\n", a)
	}
	return nil
}

// span writes a range of expected requests, rounded up.
func span(lo, hi float64) string {
	l, h := int64(math.Ceil(lo)), int64(math.Ceil(hi))
	if l == h {
		return fmt.Sprint(l)
	}
	return fmt.Sprintf("%d-%d", l, h)
}

// count64 writes a token count briefly, rounded up (it is a bound): 1234
// → 1234, 1,540,001 → 1.6M.
func count64(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fG", math.Ceil(float64(n)/1e8)/10)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", math.Ceil(float64(n)/1e5)/10)
	case n >= 1e4:
		return fmt.Sprintf("%.0fk", math.Ceil(float64(n)/1e3))
	}
	return fmt.Sprint(n)
}
