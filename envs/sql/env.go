package sql

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward"
)

// variant is a registered generated env: one domain, or any (Generated).
type variant struct {
	dom  *domain
	data *dataSource // sql/Spider-v0, KaggleDBQA-v0, BIRD-v0: a real data set
}

func (v variant) title() string {
	if v.data != nil {
		return v.data.title
	}
	if v.dom == nil {
		return "Generated"
	}
	return v.dom.title
}

func (v variant) id() string { return "sql/" + v.title() + "-v0" }

// Register adds the sql envs to r: sql/Generated-v0 (any domain per
// database) and sql/Retail-v0, HR-v0, School-v0, Flights-v0, Library-v0 and
// Hospital-v0, and the real data sets at option path: sql/Spider-v0,
// sql/KaggleDBQA-v0 and sql/BIRD-v0.
func Register(r *dojo.Registry) error {
	vs := []variant{{}}
	for _, d := range domains {
		vs = append(vs, variant{dom: d})
	}
	for _, d := range dataSources {
		vs = append(vs, variant{data: d})
	}
	for _, v := range vs {
		if err := r.Register(v.spec("multi", 10), func(o dojo.Options) (dojo.Env, error) { return newEnv(v, o) }); err != nil {
			return err
		}
	}
	return nil
}

var tools = []dojo.Tool{
	{Name: "list_tables", Description: "List the tables of the database.", InputSchema: json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)},
	{Name: "describe_table", Description: "Show a table's CREATE statement and 3 sample rows.", InputSchema: json.RawMessage(`{"type":"object","properties":{"table":{"type":"string","description":"table name"}},"required":["table"],"additionalProperties":false}`)},
	{Name: "run_sql", Description: "Run one read-only SQLite query and see its first rows.", InputSchema: json.RawMessage(`{"type":"object","properties":{"sql":{"type":"string","description":"one SELECT statement"}},"required":["sql"],"additionalProperties":false}`)},
	{Name: "submit_sql", Description: "Submit the final SQL query answering the question; ends the episode.", InputSchema: json.RawMessage(`{"type":"object","properties":{"sql":{"type":"string","description":"one SELECT statement"}},"required":["sql"],"additionalProperties":false}`)},
}

func (v variant) options() []dojo.Option {
	opts := []dojo.Option{
		{Name: "difficulty", Type: dojo.OptString, Default: diffMixed, Choices: []string{diffEasy, diffMedium, diffHard, diffExtra, diffMixed},
			Description: "question hardness (Spider's classes): easy (one table, one condition or aggregate), medium (GROUP BY, one join, ORDER BY/LIMIT), hard (HAVING, nested queries, INTERSECT/EXCEPT), extra (2-3 joins with grouping and ordering, UNION), mixed (drawn per seed)"},
		dojo.Option{Name: "size", Type: dojo.OptInt, Default: 2,
			Description: "database size: tables hold 3+s, 6+8s, 4+6s and 10+25s rows"}.Range(1, 10),
		{Name: "mode", Type: dojo.OptString, Default: "multi", Choices: []string{"multi", "single"},
			Description: "multi: tools list_tables, describe_table, run_sql and submit_sql over several turns; single: one turn whose text is the SQL (schema in the system prompt)"},
		{Name: "match_mode", Type: dojo.OptString, Default: string(ModeSpider), Choices: []string{string(ModeSpider), string(ModeBird)},
			Description: "execution match: spider (Spider test-suite: multisets, order when the gold orders, columns up to permutation) or bird (set equality of rows)"},
		{Name: "keep_distinct", Type: dojo.OptBool, Default: false,
			Description: "spider mode: keep DISTINCT in both queries (the Spider evaluator's default removes it)"},
		dojo.Option{Name: "timeout_ms", Type: dojo.OptInt, Default: 1000,
			Description: "deadline of each query, in milliseconds"}.Range(10, 60000),
		dojo.Option{Name: "max_rows", Type: dojo.OptInt, Default: 20,
			Description: "rows of a run_sql result shown (the rest is cut with a note)"}.Range(1, 1000),
		dojo.Option{Name: "max_turns", Type: dojo.OptInt, Default: 10,
			Description: "multi mode: assistant turns before the episode is truncated"}.Range(1, 100),
		dojo.Option{Name: "tool_budget", Type: dojo.OptInt, Default: 6,
			Description: "tool calls (submit_sql excluded) before each further call scores efficiency -1"}.Range(0, 100),
		{Name: "invalid_action", Type: dojo.OptString, Default: "penalize", Choices: []string{"penalize", "terminate"},
			Description: "penalize: an invalid call returns an error result and scores invalid=-1; terminate: as penalize, and the episode terminates as a failure once max_invalid calls were invalid"},
		dojo.Option{Name: "max_invalid", Type: dojo.OptInt, Default: 1,
			Description: "with invalid_action=terminate, the number of invalid calls that terminates the episode"}.Range(1, 1000),
		{Name: dojo.RewardOption, Type: dojo.OptReward,
			Description: "reward profile: shaped (default), sparse, arctic (Arctic-Text2SQL-R1: 1 correct / 0.1 executes / 0), sqlr1 (SQL-R1's format, execution and result terms), or an object of component weights"},
	}
	if v.data != nil {
		opts = append([]dojo.Option{{Name: "path", Type: dojo.OptString, Default: v.data.defaultPath,
			Description: "the " + v.data.title + " folder (" + v.data.layout + "), relative to the working directory or the module root"}}, opts[2:]...)
		for i := range opts {
			if opts[i].Name == "match_mode" {
				opts[i].Default = string(v.data.mode)
			}
		}
	}
	return opts
}

func (v variant) spec(mode string, maxTurns int) dojo.Spec {
	what := "any of the retail, hr, school, flights, library and hospital databases"
	if v.dom != nil {
		what = "a generated " + v.dom.name + " database"
	}
	if v.data != nil {
		what = v.data.what + " (seed mod the number of questions whose database is present selects one)"
	}
	act := dojo.Space{Kind: dojo.KindToolCalls, Tools: tools,
		Description: "an assistant message with tool_calls (OpenAI format) or text with <tool_call>{\"name\", \"arguments\"}</tool_call> blocks; a reply without calls is the final answer, its SQL read from the last ```sql block, <answer>…</answer>, or the bare text"}
	steps := maxTurns
	if mode == "single" {
		act = dojo.Space{Kind: dojo.KindText, Description: "the SQL query: a ```sql block, <answer>…</answer>, or the bare text (a submit_sql call is accepted too)"}
		steps = 1
	}
	return dojo.Spec{
		ID:             v.id(),
		Description:    "text-to-SQL on " + what + " (embedded SQLite, read-only): a generated question with a gold query; success is execution match of the submitted SQL",
		Observation:    dojo.Space{Kind: dojo.KindNone, Description: "Messages: the system prompt (with the schema in single mode) and the question, then one tool message per call"},
		ObsText:        true,
		Action:         act,
		MaxSteps:       steps,
		Rewards:        components,
		Profiles:       profiles,
		DefaultProfile: "shaped",
		Options:        v.options(),
		Tags:           []string{"sql", "llm", "text-to-sql", "task-generator", "tool-use", "Spider", "Arctic-Text2SQL-R1", "SQL-R1"},
	}
}

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
	maxTurns     int
	budget       int
	terminate    bool
	maxInvalid   int
	path         string
	parts        *reward.Parts
	metrics      dojo.Metrics

	task      *genTask
	prompt    []dojo.Message
	turns     int
	calls     int
	invalid   int
	everReset bool
	running   bool
}

func newEnv(v variant, o dojo.Options) (*Env, error) {
	e := &Env{
		v: v, opts: o.Clone(), diff: o.String("difficulty"), size: o.Int("size"),
		single: o.String("mode") == "single", matchMode: Mode(o.String("match_mode")), keepDistinct: o.Bool("keep_distinct"),
		timeout: time.Duration(o.Int("timeout_ms")) * time.Millisecond, maxRows: o.Int("max_rows"),
		maxTurns: o.Int("max_turns"), budget: o.Int("tool_budget"),
		terminate: o.String("invalid_action") == "terminate", maxInvalid: max(1, o.Int("max_invalid")),
		path: o.String("path"),
	}
	if v.data != nil {
		e.diff, e.size = v.data.name, 1
	}
	if e.size < 1 || e.maxTurns < 1 || e.maxRows < 1 || e.timeout <= 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s: options size, max_turns, max_rows and timeout_ms must be positive", v.id())
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

var _ dojo.DataChecker = (*Env)(nil)

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

// verifyBlock is Task.Verify: where the database comes from and the gold.
type verifyBlock struct {
	Domain       string `json:"domain"`
	Size         int    `json:"size"`
	DBSeed       uint64 `json:"db_seed"`
	Question     string `json:"question"`
	GoldSQL      string `json:"gold_sql"`
	GoldHash     string `json:"gold_hash"`
	MatchMode    Mode   `json:"match_mode"`
	KeepDistinct bool   `json:"keep_distinct"`
	Difficulty   string `json:"difficulty,omitempty"`
	DBID         string `json:"db_id,omitempty"` // a data set task's database
	Index        int    `json:"index,omitempty"` // a data set task's question
}

// GenerateTask returns the task of seed, its gold in Verify.
func (e *Env) GenerateTask(ctx context.Context, seed uint64) (dojo.Task, error) {
	t, err := e.gen(ctx, seed)
	if err != nil {
		return dojo.Task{}, err
	}
	vb := verifyBlock{Question: t.q.Text, GoldSQL: t.q.SQL, GoldHash: resultHash(t.gold), MatchMode: e.matchMode, KeepDistinct: e.keepDistinct, Difficulty: t.difficulty}
	meta := map[string]any{"difficulty": t.difficulty, "template": t.q.Template, "gold_rows": len(t.gold.Rows)}
	id := fmt.Sprintf("%s/%s/s%d/%d", e.spec.ID, e.diff, e.size, seed)
	if t.db != nil {
		vb.Domain, vb.Size, vb.DBSeed = t.db.dom.name, t.db.size, t.db.seed
		meta["domain"] = t.db.dom.name
	} else {
		vb.DBID, vb.Index = t.src.name, t.index
		meta = map[string]any{"db_id": t.src.name, "index": t.index, "gold_rows": len(t.gold.Rows)}
		if t.difficulty != "" {
			meta["difficulty"] = t.difficulty
		}
		id = fmt.Sprintf("%s/%d", e.spec.ID, seed)
	}
	b, err := json.Marshal(vb)
	if err != nil {
		return dojo.Task{}, dojo.Errorf(dojo.CodeInternal, "sql: encoding the gold: %v", err)
	}
	task := dojo.Task{
		ID:      id,
		Env:     e.spec.ID,
		Options: e.opts,
		Seed:    seed,
		Prompt:  e.promptOf(t),
		Verify:  b,
		Meta:    meta,
	}
	if !e.single {
		task.Tools = tools
	}
	return task, nil
}

// Reset starts the task of seed.
func (e *Env) Reset(ctx context.Context, seed uint64) (dojo.Obs, dojo.Info, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	t, err := e.gen(ctx, seed)
	if err != nil {
		return dojo.Obs{}, dojo.Info{}, err
	}
	e.task, e.prompt = t, e.promptOf(t)
	e.turns, e.calls, e.invalid = 0, 0, 0
	e.everReset, e.running = true, true
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
	if !e.everReset {
		return dojo.Step{}, dojo.ErrNotReset
	}
	if !e.running {
		return dojo.Step{}, dojo.ErrEnded
	}
	if err := ctx.Err(); err != nil {
		return dojo.Step{}, err
	}
	e.parts.Reset()
	e.turns++
	res := playTurn(ctx, e.cfg(), e.task, a, e.calls)
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
	case e.terminate && e.invalid >= e.maxInvalid:
		st.Terminated = true
		st.Obs = dojo.Obs{Messages: res.messages, Text: renderText(res.messages)}
	default:
		st.Obs = dojo.Obs{Messages: res.messages, Text: renderText(res.messages)}
		if e.turns >= e.maxTurns {
			st.Truncated = true
		}
	}
	if st.Done() {
		e.running = false
	}
	e.setMetrics()
	st.Info.Parts = e.parts.Parts()
	st.Info.Metrics = e.metrics
	st.Reward = e.parts.Sum()
	return st, nil
}

// OracleAction submits the gold SQL: a submit_sql call in multi mode, a
// ```sql block in single mode.
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if !e.everReset {
		return dojo.Action{}, dojo.ErrNotReset
	}
	if !e.running {
		return dojo.Action{}, dojo.ErrEnded
	}
	return oracleAction(e.task.q.SQL, e.single), nil
}

func oracleAction(gold string, single bool) dojo.Action {
	if single {
		return dojo.TextAction("```sql\n" + gold + "\n```")
	}
	args, _ := json.Marshal(map[string]string{"sql": gold})
	return dojo.MessageAction("", dojo.ToolCall{ID: "call_0", Name: "submit_sql", Arguments: args})
}

// VerifyTask scores a response to a generated task. The gold comes from
// t.Verify (the database is rebuilt from its domain, size and db seed, and
// the gold result must hash to gold_hash), or from regenerating t.Seed when
// Verify is empty. Response.Text is one completion (its submit_sql call,
// else its SQL as in Step); Response.Messages replays the assistant turns
// (tool calls run again; the first submission ends it). The parts are the
// episode's components summed over its turns.
func (e *Env) VerifyTask(ctx context.Context, t dojo.Task, r dojo.Response) (dojo.Score, error) {
	if err := ctx.Err(); err != nil {
		return dojo.Score{}, err
	}
	var task *genTask
	cfg := e.cfg()
	if len(t.Verify) > 0 {
		var vb verifyBlock
		dec := json.NewDecoder(bytes.NewReader(t.Verify))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&vb); err != nil {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s: verify block: %v (want the object GenerateTask writes)", t.ID, err)
		}
		if vb.DBID != "" {
			if e.v.data == nil {
				return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s names a database of a data set (db_id %q): verify it with the env that made it (%s)", t.ID, vb.DBID, t.Env)
			}
			ds, err := loadData(e.v.data, e.path)
			if err != nil {
				return dojo.Score{}, err
			}
			if task, err = dataExample(ctx, e.v.data, ds, vb.Index, vb.DBID, vb.Question, vb.GoldSQL); err != nil {
				return dojo.Score{}, err
			}
			if vb.MatchMode != "" {
				cfg.mode, cfg.keepDistinct = vb.MatchMode, vb.KeepDistinct
			}
			goto score
		}
		d := domainByName(vb.Domain)
		if d == nil || vb.Size < 1 || vb.Size > 10 || vb.GoldSQL == "" {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s: verify block names domain %q, size %d: want one of the generated domains, size 1..10 and a gold_sql", t.ID, vb.Domain, vb.Size)
		}
		g, err := openGenerated(d, vb.Size, vb.DBSeed)
		if err != nil {
			return dojo.Score{}, err
		}
		gold, err := g.db.Gold(ctx, RemoveDistinct(vb.GoldSQL))
		if err != nil {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s: gold query fails: %v", t.ID, err)
		}
		if vb.GoldHash != "" && resultHash(gold) != vb.GoldHash {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s: the gold result does not hash to gold_hash: the task was made by another version of the generator", t.ID)
		}
		task = &genTask{src: g.src, db: g, q: question{Text: vb.Question, SQL: vb.GoldSQL}, difficulty: vb.Difficulty, gold: gold}
		if vb.MatchMode != "" {
			cfg.mode, cfg.keepDistinct = vb.MatchMode, vb.KeepDistinct
		}
	} else {
		if t.Env != "" && t.Env != e.spec.ID {
			return dojo.Score{}, dojo.Errorf(dojo.CodeInvalid, "sql: task %s is for %s, not %s", t.ID, t.Env, e.spec.ID)
		}
		var err error
		if task, err = e.gen(ctx, t.Seed); err != nil {
			return dojo.Score{}, err
		}
	}
score:
	var vals [numComponents]float64
	success, calls := false, 0
	var errs []string
	play := func(a dojo.Action) bool {
		res := playTurn(ctx, cfg, task, a, calls)
		calls += res.calls
		for i, v := range res.vals {
			vals[i] += v
		}
		errs = append(errs, res.errs...)
		if res.final {
			success = res.success
		}
		return res.final
	}
	if len(r.Messages) > 0 {
		for _, m := range r.Messages {
			if m.Role == "assistant" && play(dojo.MessageAction(m.Content, m.ToolCalls...)) {
				break
			}
		}
	} else {
		c := cfg
		c.single = true // one completion: its SQL is the answer
		res := playTurn(ctx, c, task, dojo.TextAction(r.Text), 0)
		vals, success = res.vals, res.success
		errs = res.errs
	}
	parts := make([]dojo.Part, numComponents)
	w := e.parts.Parts()
	for i := range parts {
		parts[i] = dojo.Part{Name: components[i].Name, Value: vals[i], Weight: w[i].Weight}
	}
	s := dojo.Score{Reward: dojo.Sum(parts), Success: success, Parts: parts}
	if len(errs) > 0 {
		s.Error = strings.Join(errs, "; ")
	}
	return s, nil
}
