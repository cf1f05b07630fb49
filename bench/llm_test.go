package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs"
)

// instructed checks that the first observation of an episode instructs an
// LLM: it has chat messages, the first of which (a system message, or the
// bandits' first user message, which every later one repeats) names every
// action word (or their range, "arm0 to arm9") or every tool the task
// shows, and a reply format (for free text, an answer block).
func instructed(spec dojo.Spec, obs dojo.Obs, info dojo.Info) error {
	if len(obs.Messages) == 0 {
		return fmt.Errorf("no chat messages: an LLM would get the observation's value as JSON (%.60q), without instructions", fmt.Sprint(obs.Value))
	}
	first := obs.Messages[0]
	if first.Role != "system" && !strings.HasPrefix(spec.ID, "bandit/") {
		return fmt.Errorf("the first message is a %s message, not a system message with the instructions", first.Role)
	}
	text := first.Content
	var missing []string
	switch spec.Action.Kind {
	case dojo.KindToolCalls:
		tools := obs.ToolsOr(&spec)
		if len(tools) == 0 {
			return fmt.Errorf("a tool-calling env shows no tools")
		}
		for _, t := range tools {
			if !strings.Contains(text, t.Name) {
				missing = append(missing, "tool "+t.Name)
			}
		}
		if !strings.Contains(text, "<tool_call>") && !strings.Contains(text, "with the tools") {
			missing = append(missing, "how to call the tools")
		}
	case dojo.KindText:
		if len(spec.Action.Labels) > 0 {
			return fmt.Errorf("labelled text spaces are not checked yet")
		}
		// Free text (single-shot SQL): the reply format is the check.
		if !strings.Contains(text, "<answer>") && !strings.Contains(text, "```") {
			missing = append(missing, "the reply format")
		}
	default:
		labels := spec.Action.Labels
		if len(labels) == 0 {
			return fmt.Errorf("the %s action space lists no action words", spec.Action.Kind)
		}
		if !strings.Contains(text, labels[0]+" to "+labels[len(labels)-1]) {
			for _, l := range labels {
				if !strings.Contains(text, l) {
					missing = append(missing, "action word "+l)
				}
			}
		}
		if !strings.Contains(text, "<answer>") {
			missing = append(missing, "the reply format <answer>…</answer>")
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the first message does not name %s:\n%s", strings.Join(missing, ", "), text)
	}
	return nil
}

// Every task of every llm-v1 entry opens with instructions; the same check
// rejects core-v1's entries without text observations.
func TestLLMSuiteFirstMessagesCarryInstructions(t *testing.T) {
	t.Parallel()
	reg := envs.Default()
	check := func(s *Suite, each func(e *ManifestEntry, err error)) {
		m, err := s.Manifest(reg)
		if err != nil {
			t.Fatal(err)
		}
		for i := range m.Entries {
			e := &m.Entries[i]
			env, err := reg.Make(e.Env, e.Options)
			if err != nil {
				t.Fatal(err)
			}
			var bad error
			for k := range min(e.Tasks, 20) {
				obs, info, err := env.Reset(context.Background(), e.Seed+uint64(k))
				if err != nil {
					t.Fatal(err)
				}
				if err := instructed(env.Spec(), obs, info); err != nil {
					bad = fmt.Errorf("task %d: %w", k, err)
					break
				}
			}
			if c, ok := env.(interface{ Close() error }); ok {
				c.Close()
			}
			each(e, bad)
		}
	}
	check(&llmV1, func(e *ManifestEntry, err error) {
		if err != nil {
			t.Errorf("llm-v1 %s: %v", e.Label, err)
		}
	})
	rejected := 0
	check(&coreV1, func(e *ManifestEntry, err error) {
		text, _ := e.Options["text"].(bool)
		if _, has := e.Options["text"]; has && !text {
			if err == nil {
				t.Errorf("core-v1 %s runs with text=false, yet the check passes it", e.Label)
			}
			rejected++
		}
	})
	if rejected != 13 {
		t.Errorf("%d core-v1 entries run with text=false, want the 13 the check must reject", rejected)
	}
}

// llm-v1 keeps its promises: seeds far from core-v1's, every family, text
// everywhere, and at most 4,965 requests a trial.
func TestLLMSuiteBudget(t *testing.T) {
	t.Parallel()
	reg := envs.Default()
	families := map[string]bool{}
	maxReq := 0
	for _, e := range llmV1.Entries {
		families[dojo.Family(e.Env)] = true
		if e.Seed < 2_000_000_000_000 {
			t.Errorf("%s: seed %d below llm-v1's block", e.Label(), e.Seed)
		}
		env, err := reg.Make(e.Env, e.Options)
		if err != nil {
			t.Fatal(err)
		}
		maxReq += e.Tasks * env.Spec().MaxSteps
	}
	for _, id := range reg.IDs() {
		if !families[dojo.Family(id)] {
			t.Errorf("family %s has no llm-v1 entry", dojo.Family(id))
			families[dojo.Family(id)] = true
		}
	}
	if maxReq != 4965 {
		t.Errorf("llm-v1 sends at most %d requests a trial; its doc comment says 4,965", maxReq)
	}
}

func TestPartialManifest(t *testing.T) {
	t.Parallel()
	reg := envs.Default()
	full, err := tiny.Manifest(reg)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := tiny.PartialManifest(reg, 2)
	if err != nil {
		t.Fatal(err)
	}
	p3, _ := tiny.PartialManifest(reg, 3)
	big, _ := tiny.PartialManifest(reg, 1000)
	if full.Partial() != "" || p2.Partial() != "partial: first 2 tasks of each entry" || p2.Limit != 2 {
		t.Errorf("Partial() = %q and %q", full.Partial(), p2.Partial())
	}
	hashes := map[string]bool{full.SHA256: true}
	for _, m := range []*Manifest{p2, p3, big} {
		if hashes[m.SHA256] {
			t.Errorf("limit %d: manifest hash %s repeats another's", m.Limit, m.Short())
		}
		hashes[m.SHA256] = true
	}
	for i, e := range p2.Entries {
		if e.Tasks != 2 || e.SHA256 == full.Entries[i].SHA256 {
			t.Errorf("partial entry %s: %d tasks, hash %s: want 2 tasks and a hash of its own", e.Label, e.Tasks, e.SHA256[:12])
		}
	}
	if _, err := tiny.PartialManifest(reg, -1); err == nil {
		t.Error("a negative limit is accepted")
	}

	dir := t.TempDir()
	rep, err := Run(context.Background(), Config{
		Registry: reg, Suite: &tiny, Agent: agent(t, "random"), AgentName: "random", Limit: 2, Dir: filepath.Join(dir, "p"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.SHA256 != p2.SHA256 || rep.Partial == "" || rep.Overall.Episodes != 6 || !strings.Contains(strings.Join(rep.Notes, "\n"), "partial: first 2 tasks of each entry") {
		t.Errorf("partial report: hash %s (want %s), partial %q, %d episodes, notes %q", rep.SHA256, p2.SHA256, rep.Partial, rep.Overall.Episodes, rep.Notes)
	}
	for _, e := range rep.Entries {
		if e.Reference == nil || e.Reference.Source != "computed" || e.Reference.Random.Episodes != 2 {
			t.Errorf("%s: references %+v: want them computed on the 2 tasks played", e.Label, e.Reference)
		}
	}
	var md strings.Builder
	rep.writeMarkdown(&md, nil)
	if !strings.Contains(md.String(), "Partial: first 2 tasks of each entry") {
		t.Errorf("report.md does not say the run is partial:\n%.400s", md.String())
	}
	fullRep := runTiny(t, filepath.Join(dir, "f"), "random", 1, 0)
	if _, err := Compare(fullRep, rep, false); err == nil || !strings.Contains(err.Error(), "run A is full and run B is partial: first 2 tasks of each entry") {
		t.Errorf("comparing a full run with a partial one: %v", err)
	}
	c, err := Compare(fullRep, rep, true)
	if err != nil || len(c.Warnings) == 0 || !strings.Contains(c.Warnings[0], "partial") {
		t.Errorf("forced comparison of a full and a partial run: %v, warnings %q", err, c.Warnings)
	}
	// A run directory of a partial run is not resumed as a full one.
	if _, err := Run(context.Background(), Config{Registry: reg, Suite: &tiny, Agent: agent(t, "random"), AgentName: "random", Dir: filepath.Join(dir, "p")}); err == nil || !strings.Contains(err.Error(), "holds a run of other work") {
		t.Errorf("full run into a partial run's directory: %v", err)
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	reg := envs.Default()
	p, err := MakePlan(context.Background(), PlanConfig{Registry: reg, Suite: &llmV1, Trials: 2, MaxTokens: 100})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := llmV1.Manifest(reg)
	if p.SHA256 != m.SHA256 || p.Partial != "" || len(p.Entries) != len(m.Entries) {
		t.Fatalf("plan of %s: %d entries", p.SHA256, len(p.Entries))
	}
	maxReq := 0
	for i, e := range p.Entries {
		me := &m.Entries[i]
		ref := stored[me.SHA256]
		if e.Episodes != 2*me.Tasks || e.MaxRequests != e.Episodes*e.MaxSteps || e.MaxSteps == 0 {
			t.Errorf("%s: %d episodes, %d max requests of %d steps", e.Label, e.Episodes, e.MaxRequests, e.MaxSteps)
		}
		// The expected requests are the stored references' lengths.
		if e.RequestsRandom == nil || e.RequestsOracle == nil ||
			*e.RequestsRandom != 2*ref.Random.MeanLength()*float64(me.Tasks) || *e.RequestsOracle != 2*ref.Oracle.MeanLength()*float64(me.Tasks) {
			t.Errorf("%s: expected requests %v and %v, want twice the references' steps %d and %d", e.Label, e.RequestsRandom, e.RequestsOracle, ref.Random.Steps, ref.Oracle.Steps)
		}
		if lo, hi := e.expected(); hi > float64(e.MaxRequests) || lo <= 0 {
			t.Errorf("%s: expected %v-%v requests, at most %d", e.Label, lo, hi, e.MaxRequests)
		}
		if e.FirstBytes == 0 || e.ObsBytes < e.FirstBytes || e.CompletionTokens != int64(e.MaxRequests)*100 || e.Tokens != e.PromptTokens+e.CompletionTokens {
			t.Errorf("%s: sizes %+v", e.Label, e)
		}
		// At 1 byte per token, a request holds at least the first prompt's bytes.
		if e.PromptTokens < int64(e.MaxRequests)*int64(e.FirstBytes) {
			t.Errorf("%s: prompt tokens %d below %d requests of a %d-byte first prompt", e.Label, e.PromptTokens, e.MaxRequests, e.FirstBytes)
		}
		if strings.HasPrefix(e.Label, "toolcall/") && e.ToolsBytes == 0 {
			t.Errorf("%s: no tools measured", e.Label)
		}
		maxReq += e.MaxRequests
	}
	if p.Total.MaxRequests != maxReq || p.Total.MaxRequests != 2*4965 || p.MaxTokensAssumed {
		t.Errorf("total %+v", p.Total)
	}
	var out strings.Builder
	if err := p.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"llm-v1, 2 trial(s)", "total", "at most one token per 1 byte(s)", "completions of at most 100 tokens (--max-tokens)", "tokens max"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("plan table lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := json.Marshal(p); err != nil {
		t.Fatal(err)
	}

	// A partial plan covers the first tasks, and a larger byte ratio gives
	// fewer tokens; without --max-tokens the completion bound is assumed.
	pp, err := MakePlan(context.Background(), PlanConfig{Registry: reg, Suite: &llmV1, Limit: 2, BytesPerToken: 4})
	if err != nil {
		t.Fatal(err)
	}
	if pp.Partial == "" || pp.SHA256 == p.SHA256 || pp.Entries[0].Episodes != 2 || !pp.MaxTokensAssumed || pp.MaxTokens != DefaultPlanMaxTokens {
		t.Errorf("partial plan: %q %s %d episodes, max tokens %d assumed %v", pp.Partial, pp.SHA256, pp.Entries[0].Episodes, pp.MaxTokens, pp.MaxTokensAssumed)
	}
	for _, bad := range []PlanConfig{{Trials: -1}, {MaxTokens: -5}, {BytesPerToken: -1}} {
		bad.Registry, bad.Suite = reg, &tiny
		if _, err := MakePlan(context.Background(), bad); err == nil {
			t.Errorf("MakePlan(%+v) accepted", bad)
		}
	}
}
