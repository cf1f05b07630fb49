package sql

import (
	"encoding/json"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
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
			Description: "deadline of a turn's queries, in milliseconds: the calls of one turn share it"}.Range(10, 60000),
		dojo.Option{Name: "max_rows", Type: dojo.OptInt, Default: 20,
			Description: "rows of a run_sql result shown (the rest is cut with a note)"}.Range(1, 1000),
		dojo.Option{Name: "max_cell_bytes", Type: dojo.OptInt, Default: 1000,
			Description: "bytes of a text or blob value shown by run_sql and describe_table; a longer one is cut, marked …[cut: N bytes]"}.Range(16, 1<<20),
		dojo.Option{Name: "max_result_bytes", Type: dojo.OptInt, Default: 64 << 10,
			Description: "bytes of a run_sql result (values' bytes plus 16 each) read: past it the rows stop, with a note"}.Range(1024, 64<<20),
		family.MaxCalls(),
		dojo.Option{Name: "max_turns", Type: dojo.OptInt, Default: 10,
			Description: "multi mode: assistant turns before the episode is truncated"}.Range(1, 100),
		dojo.Option{Name: "tool_budget", Type: dojo.OptInt, Default: 6,
			Description: "tool calls (submit_sql excluded) before each further call scores efficiency -1"}.Range(0, 100),
	}
	opts = append(opts, family.InvalidOptions(family.InvalidText{
		Penalize:  "an invalid call returns an error result and scores invalid=-1",
		Terminate: "once max_invalid calls were invalid",
		Counted:   "invalid calls",
		Max:       1000,
	})...)
	opts = append(opts, dojo.Option{Name: dojo.RewardOption, Type: dojo.OptReward,
		Description: "reward profile: shaped (default), sparse, arctic (Arctic-Text2SQL-R1: 1 correct / 0.1 executes / 0), sqlr1 (SQL-R1's format, execution and result terms), shaped+cost (shaped with a cost per call beyond the budget), or an object of component weights"})
	if v.data != nil {
		opts = append([]dojo.Option{{Name: "path", Type: dojo.OptString, Path: true, Default: v.data.defaultPath,
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
		Rewards:        components[:],
		Profiles:       profiles,
		DefaultProfile: "shaped",
		Options:        v.options(),
		Tags:           []string{"sql", "llm", "text-to-sql", "task-generator", "tool-use", "Spider", "Arctic-Text2SQL-R1", "SQL-R1"},
	}
}

// components are the reward components, in Spec.Rewards order.
var components = [...]dojo.Component{
	{Name: "success", Shaped: 1, Description: "1 on the submission step iff the submitted SQL's result matches the gold's (execution match, option match_mode), else 0"},
	{Name: "format", Shaped: 0.1, Description: "-1 for a malformed turn (no SQL could be read from the answer, or only broken <tool_call> blocks), else 0"},
	{Name: "executes", Shaped: 0.1, Description: "on the submission step: 1 iff the submitted SQL runs (read-only, one statement, within timeout_ms and the row cap), else 0"},
	{Name: "overlap", Shaped: 0.3, Description: "on the submission step: (row F1 + column F1) / 2 of the submitted result against the gold's (0 if it does not run or was cut at the row cap)"},
	{Name: "schema", Shaped: 0.1, Description: "on the submission step: F1 of the tables and columns named in the submitted SQL against those named in the gold SQL"},
	{Name: "efficiency", Shaped: 0, Description: "-1 per tool call beyond option tool_budget calls in the episode (weight 0.02 in shaped+cost; not in shaped: it can change the optimal policy)"},
	{Name: "invalid", Shaped: 0.05, Description: "-1 per invalid tool call (unknown tool, arguments not a JSON object of the tool's schema, unknown table)"},
	{Name: "sqlr1_format", Shaped: 0, Description: "SQL-R1 format term on the submission step: 1 if the answer is <think>…</think><answer>…```sql …```…</answer> (each tag once, in order) or a submit_sql call with SQL, else -1"},
	{Name: "sqlr1_execution", Shaped: 0, Description: "SQL-R1 execution term on the submission step: 2 if the SQL runs, -2 if not, 0 when the format failed"},
	{Name: "sqlr1_result", Shaped: 0, Description: "SQL-R1 result term on the submission step: 3 if the result matches the gold, -3 if not, 0 when the SQL did not run or the format failed"},
	{Name: "sqlr1_length", Shaped: 0, Description: "SQL-R1 length term, only for a correct text answer in format: 0.5·min(1, (|think|+|answer|)/2048) + |sql|/|answer| (characters)"},
}

var profiles = map[string]map[string]float64{
	// Arctic-Text2SQL-R1: 1 if correct, 0.1 if it only executes, else 0
	// (success ⇒ executes, so 0.9 + 0.1 = 1).
	"arctic": {"success": 0.9, "executes": 0.1},
	"sqlr1":  {"sqlr1_format": 1, "sqlr1_execution": 1, "sqlr1_result": 1, "sqlr1_length": 1},
	// shaped with a cost per tool call beyond the budget (the shaped of
	// earlier versions).
	"shaped+cost": {"success": 1, "format": 0.1, "executes": 0.1, "overlap": 0.3, "schema": 0.1, "efficiency": 0.02, "invalid": 0.05},
}

// numComponents is the number of reward components.
const numComponents = len(components)

// Indices of the reward components in Spec.Rewards, looked up by name.
var (
	cSuccess        = family.MustIndex(components[:], dojo.SuccessComponent)
	cFormat         = family.MustIndex(components[:], "format")
	cExecutes       = family.MustIndex(components[:], "executes")
	cOverlap        = family.MustIndex(components[:], "overlap")
	cSchema         = family.MustIndex(components[:], "schema")
	cEfficiency     = family.MustIndex(components[:], "efficiency")
	cInvalid        = family.MustIndex(components[:], "invalid")
	cSQLR1Format    = family.MustIndex(components[:], "sqlr1_format")
	cSQLR1Execution = family.MustIndex(components[:], "sqlr1_execution")
	cSQLR1Result    = family.MustIndex(components[:], "sqlr1_result")
	cSQLR1Length    = family.MustIndex(components[:], "sqlr1_length")
)
