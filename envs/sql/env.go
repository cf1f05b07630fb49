package sql

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/reward"
)

// The interfaces an sql env implements besides dojo.Env.
var (
	_ dojo.Oracle        = (*Env)(nil)
	_ dojo.TaskGenerator = (*Env)(nil)
	_ dojo.TaskVerifier  = (*Env)(nil)
	_ dojo.DataChecker   = (*Env)(nil)
	_ io.Closer          = (*Env)(nil)
)

// Env is a generated text-to-SQL env. Make it with a registry to which
// Register added the sql envs.
type Env struct {
	spec         dojo.Spec
	v            variant
	opts         dojo.Options
	diff         string
	size         int
	single       bool
	matchMode    Mode
	keepDistinct bool
	timeout      time.Duration
	maxRows      int
	maxCell      int
	maxResult    int
	maxCalls     int
	maxTurns     int
	budget       int
	policy       family.Policy
	path         string
	parts        *reward.Parts
	metrics      dojo.Metrics

	task    *genTask
	prompt  []dojo.Message
	turns   int
	calls   int
	invalid int
	life    family.Lifecycle
}

func newEnv(v variant, o dojo.Options) (*Env, error) {
	e := &Env{
		v: v, opts: o.Clone(), diff: o.String("difficulty"), size: o.Int("size"),
		single: o.String("mode") == "single", matchMode: Mode(o.String("match_mode")), keepDistinct: o.Bool("keep_distinct"),
		timeout: time.Duration(o.Int("timeout_ms")) * time.Millisecond, maxRows: o.Int("max_rows"),
		maxCell: o.Int("max_cell_bytes"), maxResult: o.Int("max_result_bytes"), maxCalls: o.Int(family.MaxCallsOption),
		maxTurns: o.Int("max_turns"), budget: o.Int("tool_budget"),
		policy: family.NewPolicy(o),
		path:   o.String("path"),
	}
	if v.data != nil {
		e.diff, e.size = v.data.name, 1
	}
	if e.size < 1 || e.maxTurns < 1 || e.maxRows < 1 || e.timeout <= 0 || e.maxCell < 1 || e.maxResult < 1 || e.maxCalls < 1 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: options size, max_turns, max_rows, max_cell_bytes, max_result_bytes, max_calls_per_turn and timeout_ms must be positive", v.id())
	}
	mode := "multi"
	if e.single {
		mode = "single"
	}
	e.spec = v.spec(mode, e.maxTurns)
	p, err := reward.New(&e.spec, o)
	if err != nil {
		return nil, err
	}
	e.parts = p
	e.metrics = dojo.Metrics{{Name: "turn"}, {Name: "tool_calls"}, {Name: "invalid_calls"}}
	return e, nil
}

// Spec describes the env as configured.
func (e *Env) Spec() dojo.Spec { return e.spec }

// CheckData loads the data set of sql/Spider-v0, KaggleDBQA-v0 and BIRD-v0
// (once per folder and process, as Reset does) and returns the notice
// about the questions skipped because the folder lacks their database
// ("62 of 1034 questions skipped: database wta_1 not found under DIR"),
// or the error of an absent data set. The generated envs have no data to
// check.
func (e *Env) CheckData(ctx context.Context) ([]string, error) {
	if e.v.data == nil {
		return nil, nil
	}
	ds, err := loadData(e.v.data, e.path)
	if err != nil || ds.skipped == "" {
		return nil, err
	}
	return []string{ds.skipped}, nil
}

// Close does nothing: databases are shared by every env of the process.
func (e *Env) Close() error { return nil }

func (e *Env) gen(ctx context.Context, seed uint64) (*genTask, error) {
	if e.v.data != nil {
		return dataTask(ctx, e.v.data, e.path, seed)
	}
	return generate(ctx, e.v.dom, e.diff, e.size, seed)
}

func (e *Env) promptOf(t *genTask) []dojo.Message {
	d := t.src
	var s strings.Builder
	if e.single {
		s.WriteString("You are an expert in SQLite. Answer the user's question about the database below with one SQLite query, in a ```sql block (or <answer>…</answer>). The query is run read-only and judged by its result.\n\nSchema:\n")
		for _, q := range d.ddl {
			s.WriteString(q)
			s.WriteString(";\n")
		}
	} else {
		s.WriteString("You are an expert in SQLite answering a question about a " + d.name + " database. Explore it with the tools (list_tables, describe_table, run_sql: read-only, at most " + fmt.Sprint(e.maxRows) + " rows shown), then call submit_sql with the final query (or reply without tool calls, giving the query in a ```sql block). Call tools with tool_calls or <tool_call>{\"name\": ..., \"arguments\": {...}}</tool_call> blocks.\n\nTools:\n")
		b, _ := json.MarshalIndent(tools, "", "  ")
		s.Write(b)
	}
	return []dojo.Message{{Role: "system", Content: s.String()}, {Role: "user", Content: t.q.Text}}
}

// Reset starts the task of seed.
func (e *Env) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if err := dojo.CheckContext(ctx); err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	t, err := e.gen(ctx, seed)
	if err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	e.task, e.prompt = t, e.promptOf(t)
	e.turns, e.calls, e.invalid = 0, 0, 0
	e.life.Begin()
	e.parts.Reset()
	e.setMetrics()
	info := dojo.Info{Parts: e.parts.Parts(), Metrics: e.metrics,
		Extra: map[string]any{"domain": t.src.name, "difficulty": t.difficulty}}
	obs := dojo.Obs{Messages: e.prompt, Text: renderText(e.prompt)}
	if !e.single {
		obs.Tools = tools
	}
	return obs, info, nil
}

func (e *Env) setMetrics() {
	e.metrics[0].Value = float64(e.turns)
	e.metrics[1].Value = float64(e.calls)
	e.metrics[2].Value = float64(e.invalid)
}

func renderText(ms []dojo.Message) string {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("[" + m.Role)
		if m.Name != "" {
			b.WriteString(" " + m.Name)
		}
		if m.ToolCallID != "" {
			b.WriteString(" " + m.ToolCallID)
		}
		b.WriteString("] ")
		b.WriteString(m.Content)
	}
	return b.String()
}

// Step plays one assistant turn.
func (e *Env) Step(ctx context.Context, a dojo.Action) (dojo.Step, error) {
	if err := e.life.Step(ctx); err != nil {
		return dojo.Step{}, err
	}
	res := playTurn(ctx, e.cfg(), e.task, a, e.calls)
	if err := dojo.CheckContext(ctx); err != nil {
		// Canceled or out of time part way: the step is an error (code
		// canceled or timeout), not an observation saying so, and the
		// episode is as it was before it.
		return dojo.Step{}, err
	}
	e.parts.Reset()
	e.turns++
	e.calls += res.calls
	e.invalid += res.invalid
	var st dojo.Step
	for i, v := range res.vals {
		e.parts.Set(i, v)
	}
	if len(res.errs) > 0 {
		st.Info.Invalid = true
		st.Info.Error = strings.Join(res.errs, "; ")
	}
	switch {
	case res.final:
		st.Terminated = true
		st.Info.Success = res.success
		st.Obs = dojo.Obs{Text: res.closing}
	case e.policy.Ends(e.invalid):
		st.Terminated = true
		st.Obs = dojo.Obs{Messages: res.messages, Text: renderText(res.messages)}
	default:
		st.Obs = dojo.Obs{Messages: res.messages, Text: renderText(res.messages)}
		if e.turns >= e.maxTurns {
			st.Truncated = true
		}
	}
	if st.Done() {
		e.life.End()
	}
	e.setMetrics()
	st.Info.Parts = e.parts.Parts()
	st.Info.Metrics = e.metrics
	st.Reward = e.parts.Sum()
	return st, nil
}
