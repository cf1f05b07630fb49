// Package openai is a dojo agent backed by any OpenAI-compatible
// chat-completions server: OpenAI itself, vLLM, SGLang, llama.cpp's server,
// Ollama, LiteLLM and the like.
//
// # Conversation
//
// Each episode keeps its own chat history. The env's first observation
// starts it: its Messages, or its Text as one user message (or, for an env
// without text, its Value as JSON in a user message). An env that can
// describe itself in text (it has a "text" option) but was made without it
// is refused at its first turn with a fatal error naming the options to
// set, before any request: its raw value ("0" for FrozenLake) tells a
// model neither the rules nor the action words. Config.SystemPrompt,
// when set, is added to the env's system message (after a blank line), or
// becomes the first message when the env sends none. Every later
// observation's Messages are appended as they are (tool results as role
// "tool" with their tool_call_id), falling back to Text, then Value, as a
// user message.
//
// Every turn POSTs the history to BaseURL + "/chat/completions" with the
// JSON body
//
//	{"model", "messages", "tools"?, "temperature"?, "max_tokens"?, "seed"?, ...Config.Extra}
//
// For envs whose action space is tool calls (dojo.KindToolCalls), the
// episode's tools (dojo.EpisodeStart.Tools: the tools its task shows, in the
// prompt's order, which the runner takes from the first observation, else
// from Spec.Action.Tools; Spec.Action.Tools when an EpisodeStart made by
// hand has none) are sent on every turn as OpenAI tools,
// [{"type": "function", "function": {"name", "description", "parameters"}}],
// with the tool's inputSchema as parameters. The reply's
// choices[0].message becomes the action: its tool_calls give
// dojo.MessageAction(content, calls...), and content without tool calls is
// the final answer, dojo.MessageAction(content). For discrete and text
// action spaces no tools are sent and the content is a dojo.TextAction the
// env parses (a word such as "left", an <answer> block); should the server
// return tool calls anyway, they are appended to the text as
// <tool_call>{"name", "arguments"}</tool_call> blocks, the form text envs
// parse. The assistant message is appended to the history with its role,
// content and tool_calls exactly as returned; other fields the server adds
// (reasoning_content, refusal, annotations) are dropped, since some servers
// reject them as input. Tool calls without an id get "call_T_I" (turn T,
// call I) so that the env's tool results can refer to them.
//
// # Malformed completions
//
// A reply that is not a completion at all (a body that is not JSON, an
// error object, no choices, no message) is a server failure: it is retried
// like a 5xx. A well-formed completion with bad model output is not retried
// (with a fixed seed the server would answer the same) but passed to the env
// to judge, as any other bad action: a tool call whose arguments are not
// JSON (a completion cut by max_tokens, finish_reason "length", or a model
// that wrote broken JSON) keeps its raw text as a JSON string in Arguments,
// which no tool's object schema accepts, so the env reports the call invalid
// and says why, and the episode goes on; empty or missing arguments are {};
// content cut short is sent as it is.
//
// # Retries
//
// Connection errors, a request attempt exceeding Config.Timeout, malformed
// replies and the statuses 408, 409, 429 and 5xx are retried Config.Retries
// times (default 5). Attempt k (from 0) waits min(RetryDelay·2^k,
// MaxRetryDelay)·(1+u)/2 with u uniform in [0, 1) drawn from a generator
// seeded by the episode seed, so runs are reproducible. A Retry-After (or
// retry-after-ms) header of at most 60 seconds is honoured instead, as
// OpenAI's Python client does. When the retries are spent, Act returns an
// error with code dojo.CodeUnavailable naming the last failure, which the
// runner may retry again (runner.Config.Retries). Other 4xx statuses are
// errors with code dojo.CodeInvalid naming the status and the server's
// message. A 401, 403 or 404 (bad key, wrong model, wrong URL) cannot get
// better: its error is marked by dojo.Fatal, which stops a runner's run at
// once, and every later attempt and episode fails with it. So does a
// server that cannot be reached at all: when no request has succeeded yet
// and the first attempt that could not reach the server (connection
// refused, DNS failure, attempt timeout) is Config.UnreachableAfter (one
// minute) old, the agent gives up with a fatal dojo.CodeUnavailable error
// saying so; while no request has succeeded, the wait before a retry ends
// no later than that moment. A canceled context stops waiting at once.
//
// # Usage
//
// Each episode's agent has a Usage method returning its token counts
// (prompt_tokens, completion_tokens, and reasoning_tokens and
// cached_tokens when the server reports them), the number of completions
// (requests) and of failed attempts (retries); Agent.Totals sums them over
// every episode of the maker.
//
// # Long conversations
//
// By default every request carries the whole conversation, so an episode of
// T turns sends O(T²) tokens. Config.LastTurns = K (the CLI's --history
// last:K) keeps the first messages (the system prompt and the first
// observation's messages, where the task is stated) and the last K turns,
// a turn being an assistant message and the observation messages that
// follow it (the tool results of its tool calls among them, so a tool call
// is never sent without its result, or a result without its call, which
// OpenAI's API rejects). The policy is part of Name, so it is recorded with
// every episode and a run resumes only under the same policy.
//
// # Concurrency and rate
//
// The Agent is I/O-bound: its InFlight method asks the runner to play
// Config.Concurrency episodes at once (DefaultConcurrency when 0), whatever
// the number of CPU workers. Config.Concurrency also bounds the requests in
// flight across every episode of the Agent; waiting between retries does
// not hold a slot.
//
// Config.RPS limits the requests started per second across every episode,
// retries included, with a token bucket: it holds Config.Burst tokens (1 by
// default: requests are spaced at least 1/RPS apart; B lets B requests go at
// once after a quiet spell), refills at RPS tokens a second, and each
// request attempt takes one, waiting for it in turn. A canceled context
// stops the wait at once.
package openai

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dojo-rl/dojo"
)

// Config configures an Agent. BaseURL and Model are required; the zero
// value of every other field works.
type Config struct {
	// BaseURL is the API root, such as http://localhost:8000/v1 or
	// https://api.openai.com/v1; a trailing slash, or the full
	// .../chat/completions endpoint, is accepted too.
	BaseURL string
	// Model is the model name sent with every request.
	Model string
	// APIKey, when set, is sent as "Authorization: Bearer KEY". The CLI
	// reads it from DOJO_API_KEY, else OPENAI_API_KEY (see FromFlag).
	APIKey string
	// Temperature is sent when set; nil leaves the server's default.
	Temperature *float64
	// MaxTokens is sent as max_tokens when positive.
	MaxTokens int
	// Concurrency bounds the requests in flight across all episodes
	// (0: no bound), and is the number of episodes the Agent asks the
	// runner to play at once (InFlight; 0: DefaultConcurrency).
	Concurrency int
	// RPS limits the requests started per second across all episodes
	// (0: no limit); Burst is how many may start at once after a quiet
	// spell (0: 1). See the package doc.
	RPS   float64
	Burst int
	// LastTurns, when positive, keeps only the first messages and the
	// last LastTurns turns of the conversation in each request (0: the
	// whole conversation). See the package doc and ParseHistory.
	LastTurns int
	// Retries is how many times a transient failure is retried within one
	// Act (0: 5; negative: never).
	Retries int
	// RetryDelay is the base of the exponential backoff (default 500ms);
	// MaxRetryDelay caps it (default 30s).
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
	// Timeout bounds each request attempt; an attempt that exceeds it is
	// retried (default 10 minutes).
	Timeout time.Duration
	// UnreachableAfter is how long the server may stay unreachable
	// (connection refused, DNS failure, attempts timing out) from the
	// first such failure, while no request has ever succeeded, before the
	// agent gives up on the run with a fatal error (default 1 minute;
	// negative: never).
	UnreachableAfter time.Duration
	// HTTPClient sends the requests (default: a client of its own).
	HTTPClient *http.Client
	// NoSeed leaves "seed" out of the requests. By default each request of
	// an episode carries the episode seed reduced to 31 bits (seed mod
	// 2^31, a range every server accepts), so that servers supporting
	// seeded sampling (OpenAI, vLLM, SGLang, llama.cpp, Ollama) replay an
	// episode's completions.
	NoSeed bool
	// SystemPrompt is extra system text, added after the env's system
	// message or sent as the first message.
	SystemPrompt string
	// Extra holds more body fields sent with every request (top_p,
	// chat_template_kwargs, ...). It must not set the fields the agent
	// sends itself.
	Extra map[string]any
}

// Agent makes the per-episode agents of one model on one server; it is a
// dojo.AgentMaker, safe for concurrent use.
type Agent struct {
	cfg      Config
	endpoint string
	extra    []byte // ,"k":v pairs of Config.Extra, sorted by key
	client   *http.Client
	sem      chan struct{} // nil: unbounded
	limit    *limiter      // nil: no rate limit
	// fatal is the first 401, 403 or 404 error, or the server found
	// unreachable (see Config.UnreachableAfter), marked by dojo.Fatal;
	// once set, NewAgent and every later attempt fail with it.
	fatal atomic.Pointer[error]
	// succeeded is set by the first completion received;
	// firstUnreachable is the time of the first attempt that could not
	// reach the server (UnixNano, 0: none yet).
	succeeded        atomic.Bool
	firstUnreachable atomic.Int64
	// sleep waits d or until ctx is done; now tells the time. Tests
	// replace both.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time

	mu     sync.Mutex
	totals map[string]float64
}

// Defaults of Config fields.
const (
	DefaultRetries       = 5
	DefaultRetryDelay    = 500 * time.Millisecond
	DefaultMaxRetryDelay = 30 * time.Second
	DefaultTimeout       = 10 * time.Minute
	// DefaultConcurrency is the episodes in flight an Agent asks for when
	// Config.Concurrency is 0.
	DefaultConcurrency = 16
	// DefaultUnreachableAfter is Config.UnreachableAfter's default.
	DefaultUnreachableAfter = time.Minute
	// maxRetryAfter is the longest Retry-After honoured, as in OpenAI's
	// Python client; a longer one falls back to the backoff.
	maxRetryAfter = 60 * time.Second
	// maxBody bounds a response body.
	maxBody = 64 << 20
)

// reservedFields are the body fields Config.Extra must not set.
var reservedFields = []string{"model", "messages", "tools", "temperature", "max_tokens", "seed"}

// New checks cfg and returns an Agent. It does not contact the server.
func New(cfg Config) (*Agent, error) {
	bad := func(field, format string, args ...any) (*Agent, error) {
		return nil, dojo.Errorf(dojo.CodeInvalid, "openai agent: "+format, args...).WithField(field)
	}
	endpoint, err := endpointOf(cfg.BaseURL)
	if err != nil {
		return bad("agent", "%v", err)
	}
	if strings.TrimSpace(cfg.Model) == "" {
		return bad("model", "no model: set the model name the server serves (--model)")
	}
	if t := cfg.Temperature; t != nil && !(*t >= 0 && *t <= 100) {
		return bad("temperature", "temperature %v: want a number from 0 (OpenAI accepts up to 2)", *t)
	}
	if cfg.MaxTokens < 0 {
		return bad("max_tokens", "max tokens %d: want 0 (the server's default) or more", cfg.MaxTokens)
	}
	if cfg.Concurrency < 0 {
		return bad("concurrency", "concurrency %d: want 0 (no bound) or more", cfg.Concurrency)
	}
	if !(cfg.RPS >= 0 && cfg.RPS <= 1e6) {
		return bad("rps", "rps %v: want a number of requests per second from 0 (no limit) to 1e6", cfg.RPS)
	}
	if cfg.Burst < 0 {
		return bad("burst", "burst %d: want 0 (one) or more", cfg.Burst)
	}
	if cfg.LastTurns < 0 {
		return bad("history", "last %d turns: want 0 (the whole conversation) or more", cfg.LastTurns)
	}
	if cfg.RetryDelay < 0 || cfg.MaxRetryDelay < 0 || cfg.Timeout < 0 {
		return bad("retry_delay", "negative retry delay or timeout")
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.RetryDelay == 0 {
		cfg.RetryDelay = DefaultRetryDelay
	}
	if cfg.MaxRetryDelay == 0 {
		cfg.MaxRetryDelay = DefaultMaxRetryDelay
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.UnreachableAfter == 0 {
		cfg.UnreachableAfter = DefaultUnreachableAfter
	}
	a := &Agent{cfg: cfg, endpoint: endpoint, client: cfg.HTTPClient, sleep: sleepCtx, now: time.Now, totals: map[string]float64{"prompt_tokens": 0, "completion_tokens": 0, "requests": 0, "retries": 0}}
	if a.client == nil {
		a.client = &http.Client{}
	}
	if cfg.Concurrency > 0 {
		a.sem = make(chan struct{}, cfg.Concurrency)
	}
	if cfg.RPS > 0 {
		a.limit = newLimiter(cfg.RPS, cfg.Burst)
	}
	if a.extra, err = encodeExtra(cfg.Extra); err != nil {
		return bad("extra", "%v", err)
	}
	return a, nil
}

// endpointOf turns a base URL into the chat-completions endpoint.
func endpointOf(base string) (string, error) {
	base = strings.TrimSpace(base)
	if base == "" {
		return "", fmt.Errorf("no base URL: want the API root, such as openai:http://localhost:8000/v1")
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("base URL %q: want an http or https URL such as http://localhost:8000/v1", base)
	}
	base = strings.TrimRight(base, "/")
	if strings.HasSuffix(base, "/chat/completions") {
		return base, nil
	}
	return base + "/chat/completions", nil
}

func encodeExtra(extra map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		for _, r := range reservedFields {
			if k == r {
				return nil, fmt.Errorf("extra body field %q is set by the agent itself (use the matching option)", k)
			}
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b []byte
	for _, k := range keys {
		v, err := marshal(extra[k])
		if err != nil {
			return nil, fmt.Errorf("extra body field %q: %v", k, err)
		}
		b = append(b, ',')
		b = strconv.AppendQuote(b, k)
		b = append(b, ':')
		b = append(b, v...)
	}
	return b, nil
}

// Prefix starts the --agent value naming this agent: openai:BASE_URL.
const Prefix = "openai:"

// FromFlag makes an Agent from the CLI's --agent value "openai:BASE_URL"
// and the other settings in cfg (Model, Temperature, MaxTokens,
// Concurrency, ...). When cfg.APIKey is empty it is read with getenv from
// DOJO_API_KEY, else OPENAI_API_KEY; a nil getenv reads nothing.
func FromFlag(agent string, cfg Config, getenv func(string) string) (*Agent, error) {
	base, ok := strings.CutPrefix(agent, Prefix)
	if !ok {
		return nil, dojo.Errorf(dojo.CodeInvalid, "agent %q: want %sBASE_URL, such as openai:http://localhost:8000/v1", agent, Prefix).WithField("agent")
	}
	cfg.BaseURL = base
	if cfg.APIKey == "" && getenv != nil {
		cfg.APIKey = getenv("DOJO_API_KEY")
		if cfg.APIKey == "" {
			cfg.APIKey = getenv("OPENAI_API_KEY")
		}
	}
	return New(cfg)
}

// Name describes the agent for episode records: the endpoint's base and the
// settings that change its behaviour (the API key is left out), so a run
// resumes only with the same model and sampling settings.
func (a *Agent) Name() string {
	var b strings.Builder
	b.WriteString(Prefix)
	b.WriteString(strings.TrimSuffix(a.endpoint, "/chat/completions"))
	b.WriteString(" model=")
	b.WriteString(a.cfg.Model)
	if t := a.cfg.Temperature; t != nil {
		b.WriteString(" temperature=")
		b.WriteString(strconv.FormatFloat(*t, 'g', -1, 64))
	}
	if a.cfg.MaxTokens > 0 {
		b.WriteString(" max_tokens=")
		b.WriteString(strconv.Itoa(a.cfg.MaxTokens))
	}
	if a.cfg.NoSeed {
		b.WriteString(" seed=off")
	}
	if a.cfg.LastTurns > 0 {
		b.WriteString(" history=")
		b.WriteString(HistoryString(a.cfg.LastTurns))
	}
	if len(a.extra) > 0 {
		b.WriteString(" extra={")
		b.Write(a.extra[1:])
		b.WriteString("}")
	}
	return b.String()
}

// InFlight is the number of episodes the Agent asks a runner to play at
// once: Config.Concurrency, or DefaultConcurrency when it is 0. It makes
// the Agent a runner.InFlighter.
func (a *Agent) InFlight() int {
	if a.cfg.Concurrency > 0 {
		return a.cfg.Concurrency
	}
	return DefaultConcurrency
}

// ParseHistory reads a history policy, the CLI's --history: "full" (or "")
// is 0, the whole conversation; "last:K" with K ≥ 1 is K, the last K turns
// (Config.LastTurns).
func ParseHistory(s string) (int, error) {
	switch s = strings.TrimSpace(s); {
	case s == "" || s == "full":
		return 0, nil
	case strings.HasPrefix(s, "last:"):
		k, err := strconv.Atoi(strings.TrimPrefix(s, "last:"))
		if err == nil && k >= 1 {
			return k, nil
		}
	}
	return 0, dojo.Errorf(dojo.CodeInvalid, "history %q: want full (the whole conversation) or last:K with K ≥ 1 (the first messages and the last K turns)", s).WithField("history")
}

// HistoryString writes a history policy as ParseHistory reads it.
func HistoryString(lastTurns int) string {
	if lastTurns <= 0 {
		return "full"
	}
	return "last:" + strconv.Itoa(lastTurns)
}

// NewAgent starts an episode's conversation. It fails with code
// dojo.CodeInvalid for action spaces the agent cannot play (box, dict,
// none), and with the same fatal error after a 401, 403 or 404 from the
// server or once the server was found unreachable.
func (a *Agent) NewAgent(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
	if e := a.fatal.Load(); e != nil {
		return nil, *e
	}
	var tools []byte
	switch k := ep.Spec.Action.Kind; k {
	case dojo.KindToolCalls:
		var err error
		shown := ep.Tools
		if len(shown) == 0 { // an EpisodeStart made by hand
			shown = ep.Spec.Action.Tools
		}
		if tools, err = encodeTools(shown); err != nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "openai agent: %s: %v", ep.Spec.ID, err)
		}
	case dojo.KindDiscrete, dojo.KindText:
	default:
		return nil, dojo.Errorf(dojo.CodeInvalid, "openai agent: %s has a %q action space; an LLM plays tool-call, text and discrete (as words) spaces", ep.Spec.ID, k).WithField("agent")
	}
	e := &episode{
		a:         a,
		spec:      &ep.Spec,
		toolCalls: ep.Spec.Action.Kind == dojo.KindToolCalls,
		tools:     tools,
		seen:      -1,
		keep:      a.cfg.LastTurns,
		rng:       newJitter(ep.Seed),
	}
	if !a.cfg.NoSeed {
		s := ep.Seed & (1<<31 - 1)
		e.seed = &s
	}
	return e, nil
}

// Totals returns the usage summed over every episode so far (the keys of
// the episodes' Usage).
func (a *Agent) Totals() map[string]float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]float64, len(a.totals))
	for k, v := range a.totals {
		out[k] = v
	}
	return out
}

func (a *Agent) addTotals(k string, v float64) {
	a.mu.Lock()
	a.totals[k] += v
	a.mu.Unlock()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
