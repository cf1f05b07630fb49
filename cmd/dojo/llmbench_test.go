package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dojo-rl/dojo/agents/openai/openaitest"
)

// fakeLLM is an OpenAI-compatible chat-completions server that answers
// every request with something plausible drawn from the request: a call of
// one of its tools on the first turn of a tool episode (a final text
// answer afterwards), an action word of the instructions as
// <answer>word</answer>, or a SQL block. Its usage reports bytes: the
// messages and tools as sent (prompt) and the reply (completion), so that a
// plan's token bound at one byte per token must cover them.
type fakeLLM struct {
	*openaitest.Server
	requests atomic.Int64
	mu       sync.Mutex
	bad      []string // requests it could not read
}

var (
	actionsRe = regexp.MustCompile(`Actions: ([a-z]+(?:, [a-z]+)*)\.`)
	armsRe    = regexp.MustCompile(`one of arm0 to arm([0-9]+)`)
)

func newFakeLLM(t *testing.T) *fakeLLM {
	f := &fakeLLM{}
	f.Server = openaitest.NewServer(t, f.answer)
	return f
}

func (f *fakeLLM) answer(r *openaitest.Request) openaitest.Reply {
	n := f.requests.Add(1)
	var req struct {
		Messages  json.RawMessage `json:"messages"`
		Tools     json.RawMessage `json:"tools"`
		MaxTokens int             `json:"max_tokens"`
	}
	var msgs []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	var tools []struct {
		Function struct{ Name string } `json:"function"`
	}
	if r.Path != "/v1/chat/completions" || json.Unmarshal(r.Raw, &req) != nil || json.Unmarshal(req.Messages, &msgs) != nil || len(msgs) == 0 {
		f.mu.Lock()
		f.bad = append(f.bad, r.Path)
		f.mu.Unlock()
		return openaitest.Reply{Status: http.StatusBadRequest, Body: `{"error": {"message": "bad request"}}`}
	}
	if len(req.Tools) > 0 {
		json.Unmarshal(req.Tools, &tools)
	}
	turns := 0
	var all strings.Builder
	for _, m := range msgs {
		if m.Role == "assistant" {
			turns++
		}
		all.WriteString(m.Content)
		all.WriteByte('\n')
	}
	msg := map[string]any{"role": "assistant", "content": ""}
	switch text := all.String(); {
	case len(tools) > 0 && turns == 0:
		name := tools[int(n)%len(tools)].Function.Name
		msg["tool_calls"] = []map[string]any{{"id": fmt.Sprintf("call_%d", n), "type": "function", "function": map[string]any{"name": name, "arguments": "{}"}}}
	case len(tools) > 0:
		msg["content"] = "I could not find it."
	case actionsRe.MatchString(text):
		words := strings.Split(actionsRe.FindStringSubmatch(text)[1], ", ")
		msg["content"] = "<answer>" + words[int(n)%len(words)] + "</answer>"
	case armsRe.MatchString(text):
		var k int
		fmt.Sscan(armsRe.FindStringSubmatch(text)[1], &k)
		msg["content"] = fmt.Sprintf("<answer>arm%d</answer>", int(n)%(k+1))
	default:
		msg["content"] = "```sql\nSELECT 1\n```"
	}
	reply, _ := json.Marshal(msg)
	prompt := len(req.Messages) + len(req.Tools)
	body, _ := json.Marshal(map[string]any{
		"id": fmt.Sprintf("c%d", n), "object": "chat.completion", "model": "m",
		"choices": []map[string]any{{"index": 0, "message": msg, "finish_reason": "stop"}},
		"usage":   map[string]int{"prompt_tokens": prompt, "completion_tokens": len(reply), "total_tokens": prompt + len(reply)},
	})
	return openaitest.Reply{Body: string(body)}
}

// dojo bench run llm-v1 --limit 2 against a fake server completes every
// entry, within the plan's bounds, and its manifest says it is partial.
func TestBenchLLMSuiteAgainstFakeServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := newFakeLLM(t)
	url := "openai:" + f.URL

	plan := dojoCmd(t, dir, "bench", "plan", "llm-v1", "--limit", "2", "--max-tokens", "256", "--json")
	if plan.code != 0 {
		t.Fatalf("bench plan: exit %d\n%s", plan.code, plan.stderr)
	}
	var p struct {
		SHA256  string `json:"manifest_sha256"`
		Partial string
		Entries []struct {
			Label            string
			Episodes         int
			MaxRequests      int   `json:"max_requests"`
			PromptTokens     int64 `json:"prompt_tokens_max"`
			CompletionTokens int64 `json:"completion_tokens_max"`
		}
	}
	if err := json.Unmarshal([]byte(plan.stdout), &p); err != nil {
		t.Fatalf("bench plan --json: %v\n%.300s", err, plan.stdout)
	}
	dry := dojoCmd(t, dir, "bench", "run", "llm-v1", "--agent", url, "--model", "m", "--limit", "2", "--max-tokens", "256", "--dry-run")
	if dry.code != 0 || !strings.Contains(dry.stdout, p.SHA256) || !strings.Contains(dry.stdout, "partial: first 2 tasks of each entry") || !strings.Contains(dry.stdout, "The bounds assume") {
		t.Fatalf("bench run --dry-run: exit %d\n%s\n%s", dry.code, dry.stdout, dry.stderr)
	}
	if n := f.requests.Load(); n != 0 {
		t.Fatalf("plan and --dry-run sent %d requests", n)
	}

	r := dojoCmd(t, dir, "bench", "run", "llm-v1", "--agent", url, "--model", "m", "--limit", "2", "--max-tokens", "256", "--out", "run")
	if r.code != 0 {
		t.Fatalf("bench run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "partial: first 2 tasks of each entry (--limit)") {
		t.Errorf("bench run does not say the run is partial:\n%s", r.stdout)
	}
	b, err := os.ReadFile(filepath.Join(dir, "run", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		SHA256  string `json:"manifest_sha256"`
		Partial string
		Entries []struct {
			Label      string
			Played     bool
			Episodes   int
			Errors     int
			UsageTotal map[string]float64 `json:"usage_total"`
		}
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.SHA256 != p.SHA256 || rep.Partial != "partial: first 2 tasks of each entry" || len(rep.Entries) != len(p.Entries) || len(p.Entries) != 18 {
		t.Fatalf("report: manifest %s (plan %s), partial %q, %d entries (plan %d)", rep.SHA256, p.SHA256, rep.Partial, len(rep.Entries), len(p.Entries))
	}
	var total float64
	for i, e := range rep.Entries {
		pe := p.Entries[i]
		u := e.UsageTotal
		if !e.Played || e.Episodes != 2 || e.Errors != 0 || pe.Label != e.Label {
			t.Errorf("%s: played %v, %d episodes, %d errors: want 2 episodes without error", e.Label, e.Played, e.Episodes, e.Errors)
			continue
		}
		if u["requests"] < 2 || u["requests"] > float64(pe.MaxRequests) {
			t.Errorf("%s: %v requests, the plan's bound %d", e.Label, u["requests"], pe.MaxRequests)
		}
		if u["prompt_tokens"] > float64(pe.PromptTokens) || u["completion_tokens"] > float64(pe.CompletionTokens) {
			t.Errorf("%s: %v prompt bytes and %v completion bytes, beyond the plan's bounds at 1 byte per token, %d and %d", e.Label, u["prompt_tokens"], u["completion_tokens"], pe.PromptTokens, pe.CompletionTokens)
		}
		total += u["requests"]
	}
	if n := f.requests.Load(); float64(n) != total {
		t.Errorf("the server answered %d requests, the report counts %v", n, total)
	}
	if len(f.bad) > 0 {
		t.Errorf("requests the fake server could not read: %q", f.bad)
	}

	// The partial run's hash is not the suite's.
	list := dojoCmd(t, dir, "bench", "list", "llm-v1", "--json")
	var ms []struct {
		SHA256 string `json:"sha256"`
	}
	if err := json.Unmarshal([]byte(list.stdout), &ms); err != nil || len(ms) != 1 || ms[0].SHA256 == rep.SHA256 {
		t.Errorf("bench list llm-v1: %v %+v, partial run %s: want another hash", err, ms, rep.SHA256)
	}
}

func TestBenchPlanUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "plan"}, "needs exactly one suite"},
		{[]string{"bench", "plan", "llm-v9"}, `unknown suite "llm-v9"`},
		{[]string{"bench", "plan", "llm-v1", "--limit", "-1"}, "--limit -1"},
		{[]string{"bench", "plan", "llm-v1", "--bytes-per-token", "0"}, "--bytes-per-token 0"},
		{[]string{"bench", "run", "llm-v1", "--limit", "-2"}, "--limit -2"},
	} {
		r := dojoCmd(t, "", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("dojo %q: exit %d, stderr %q: want 2 and %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}
