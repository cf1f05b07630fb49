package sql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/reward"
)

// turnConfig is what a turn needs of the env's options.
type turnConfig struct {
	single       bool
	mode         Mode
	keepDistinct bool
	timeout      time.Duration // of each query, and of all the calls of a turn together
	maxRows      int
	maxCell      int // max_cell_bytes of run_sql results
	maxResult    int // max_result_bytes of run_sql results
	maxCalls     int
	budget       int
}

func (e *Env) cfg() turnConfig {
	return turnConfig{single: e.single, mode: e.matchMode, keepDistinct: e.keepDistinct, timeout: e.timeout,
		maxRows: e.maxRows, maxCell: e.maxCell, maxResult: e.maxResult, maxCalls: e.maxCalls, budget: e.budget}
}

// turnResult is the outcome of one assistant turn.
type turnResult struct {
	vals     [numComponents]float64
	messages []dojo.Message // tool results (or a note), when the episode goes on
	closing  string         // the final observation's text
	final    bool
	success  bool
	calls    int // tool calls counted against the budget
	invalid  int
	errs     []string
}

// predCap bounds the rows of a submitted query: more than
// max(10000, 2·gold rows) rows cannot match and are cut.
func predCap(gold *Result) int { return max(10000, 2*len(gold.Rows)) }

// extractSQL reads the SQL of a final answer: the last ```sql (or ```)
// block, else dojo.Answer (the last <answer> block or the whole text),
// with a trailing semicolon removed.
func extractSQL(text string) string {
	s := text
	if i := strings.LastIndex(s, "```"); i >= 0 {
		if j := strings.LastIndex(s[:i], "```"); j >= 0 {
			body := strings.TrimLeft(s[j+3:i], " \t")
			for _, tag := range []string{"sqlite", "sql"} { // the info string
				if len(body) > len(tag) && strings.EqualFold(body[:len(tag)], tag) && (body[len(tag)] == ' ' || body[len(tag)] == '\n' || body[len(tag)] == '\t' || body[len(tag)] == '\r') {
					body = body[len(tag):]
					break
				}
			}
			s = body
		}
	}
	s = dojo.Answer(s)
	s = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), ";"))
	return s
}

// playTurn plays assistant turn a on task t; callsBefore counts the
// episode's earlier tool calls. Every query of the turn runs under one
// deadline, timeout_ms from the turn's start: the turn's calls share it.
func playTurn(ctx context.Context, c turnConfig, t *genTask, a dojo.Action, callsBefore int) turnResult {
	var res turnResult
	ctx, cancel := withTurnDeadline(ctx, c.timeout)
	defer cancel()
	var calls []dojo.ToolCall
	text := a.Text
	var perrs []string
	if a.Kind == dojo.ActMessage && len(a.ToolCalls) > 0 {
		calls = a.ToolCalls
	} else if a.Kind != dojo.ActIndex {
		var rest string
		calls, rest, perrs = reward.ParseToolCalls(a.Text)
		if len(calls) > 0 || len(perrs) > 0 {
			text = rest
		}
	} else {
		text = ""
	}
	if c.single {
		for _, call := range calls {
			if call.Name == "submit_sql" {
				sql, err := sqlArg(call)
				if err != nil {
					res.invalid++
					res.vals[cInvalid]--
					res.errs = append(res.errs, err.Error())
				}
				return submit(ctx, c, t, sql, "", true, res)
			}
		}
		if len(perrs) > 0 {
			res.errs = append(res.errs, perrs...)
		}
		return submit(ctx, c, t, extractSQL(text), text, false, res)
	}
	if len(calls) == 0 {
		if len(perrs) > 0 { // only broken blocks: not an answer
			res.vals[cFormat] = -1
			res.errs = append(res.errs, perrs...)
			res.messages = []dojo.Message{{Role: "user", Content: "Your reply could not be read: " + strings.Join(perrs, "; ") + ". Call a tool or give the final SQL."}}
			return res
		}
		return submit(ctx, c, t, extractSQL(text), text, false, res)
	}
	refused := 0
	if c.maxCalls > 0 && len(calls) > c.maxCalls {
		refused = len(calls) - c.maxCalls
		res.errs = append(res.errs, family.Refusals(len(calls), c.maxCalls))
	}
	for i, call := range calls {
		if i >= len(calls)-refused {
			res.invalid++
			res.vals[cInvalid]--
			b, _ := json.Marshal(map[string]string{"error": family.Refusal(i, len(calls), c.maxCalls)})
			res.messages = append(res.messages, dojo.Message{Role: "tool", Name: call.Name, ToolCallID: call.ID, Content: string(b)})
			continue
		}
		if call.Name != "submit_sql" {
			res.calls++
			if callsBefore+res.calls > c.budget {
				res.vals[cEfficiency]--
			}
		}
		out, final, sql, err := runTool(ctx, c, t, call)
		if err != nil {
			res.invalid++
			res.vals[cInvalid]--
			res.errs = append(res.errs, err.Error())
			b, _ := json.Marshal(map[string]string{"error": err.Error()})
			out = string(b)
		}
		if final && err == nil {
			return submit(ctx, c, t, sql, "", true, res)
		}
		res.messages = append(res.messages, dojo.Message{Role: "tool", Name: call.Name, ToolCallID: call.ID, Content: out})
	}
	return res
}

func sqlArg(call dojo.ToolCall) (string, error) {
	var args struct {
		SQL *string `json:"sql"`
	}
	if err := json.Unmarshal(call.Arguments, &args); err != nil || args.SQL == nil {
		return "", fmt.Errorf("%s: arguments must be a JSON object {\"sql\": \"SELECT ...\"}", call.Name)
	}
	return *args.SQL, nil
}

// runTool runs one tool call; a submit_sql call returns final with its SQL.
// An error is an invalid call.
func runTool(ctx context.Context, c turnConfig, t *genTask, call dojo.ToolCall) (out string, final bool, sql string, err error) {
	d := t.src
	switch call.Name {
	case "list_tables":
		return strings.Join(d.tables, "\n"), false, "", nil
	case "describe_table":
		var args struct {
			Table string `json:"table"`
		}
		if json.Unmarshal(call.Arguments, &args) != nil || args.Table == "" {
			return "", false, "", fmt.Errorf("describe_table: arguments must be a JSON object {\"table\": \"name\"}")
		}
		name := strings.ToLower(strings.TrimSpace(args.Table))
		for i, tn := range d.tables {
			if strings.ToLower(tn) == name {
				r, qerr := d.db.QueryCapped(ctx, `SELECT * FROM "`+strings.ReplaceAll(tn, `"`, `""`)+`"`+d.order+" LIMIT 3",
					Caps{MaxRows: 3, MaxCellBytes: c.maxCell, MaxResultBytes: c.maxResult})
				s := d.ddl[i] + ";\n\nSample rows:\n"
				if qerr != nil {
					s += "(unavailable: " + qerr.Error() + ")"
				} else {
					s += formatResult(r, 3)
				}
				return s, false, "", nil
			}
		}
		return "", false, "", fmt.Errorf("describe_table: no table %q: the tables are %s", args.Table, strings.Join(d.tables, ", "))
	case "run_sql":
		q, err := sqlArg(call)
		if err != nil {
			return "", false, "", err
		}
		caps := Caps{MaxRows: c.maxRows, MaxCellBytes: c.maxCell, MaxResultBytes: c.maxResult}
		r, qerr := d.db.QueryCapped(ctx, q, caps)
		if qerr != nil {
			if turnTimedOut(ctx) {
				return fmt.Sprintf("error: the query ran out of time (timeout %d ms, shared by the calls of a turn)", c.timeout.Milliseconds()), false, "", nil
			}
			return "error: " + qerr.Error(), false, "", nil
		}
		return formatCapped(r, caps), false, "", nil
	case "submit_sql":
		q, err := sqlArg(call)
		return "", true, q, err
	}
	return "", false, "", fmt.Errorf("unknown tool %q: the tools are list_tables, describe_table, run_sql and submit_sql", call.Name)
}

// formatResult renders a result as a header and tab-separated rows; a
// value cut to max_cell_bytes ends with "…[cut: N bytes]".
func formatResult(r *Result, maxRows int) string { return formatCapped(r, Caps{MaxRows: maxRows}) }

// formatCapped is formatResult that says which of caps cut r.
func formatCapped(r *Result, caps Caps) string {
	maxRows := caps.MaxRows
	var b strings.Builder
	b.WriteString(strings.Join(r.Columns, "\t"))
	for _, row := range r.Rows {
		b.WriteByte('\n')
		for i, v := range row {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(valueText(v))
		}
	}
	if len(r.Rows) == 0 {
		b.WriteString("\n(no rows)")
	}
	switch {
	case r.OverBytes:
		fmt.Fprintf(&b, "\n(only the first %d rows are shown: the result is cut at %d bytes, max_result_bytes)", len(r.Rows), caps.MaxResultBytes)
	case r.Truncated:
		fmt.Fprintf(&b, "\n(only the first %d rows are shown)", maxRows)
	}
	if r.CutCells > 0 {
		fmt.Fprintf(&b, "\n(%d values are cut to their first %d bytes, max_cell_bytes)", r.CutCells, caps.MaxCellBytes)
	}
	return b.String()
}

// submit judges the submitted SQL and ends the episode; raw is the text
// it came from (SQL-R1's format applies to it), viaCall whether it came by
// a submit_sql call.
func submit(ctx context.Context, c turnConfig, t *genTask, sql, raw string, viaCall bool, res turnResult) turnResult {
	res.final = true
	think, answer, r1sql, r1ok := sqlr1Structure(raw)
	r1ok = r1ok || viaCall && sql != ""
	if !r1ok {
		res.vals[cSQLR1Format] = -1
	} else {
		res.vals[cSQLR1Format] = 1
	}
	if sql == "" {
		res.vals[cFormat] = -1
		res.vals[cSQLR1Format] = -1
		res.errs = append(res.errs, "no SQL in the answer: give one query in a ```sql block, <answer>…</answer>, or submit_sql")
		res.closing = "The episode is over: no SQL was submitted."
		return res
	}
	res.vals[cSchema] = schemaF1(t.src.tables, t.src.columns, t.q.SQL, sql)
	goldSQL, predSQL := t.q.SQL, sql
	if c.mode == ModeSpider && !c.keepDistinct {
		goldSQL, predSQL = RemoveDistinct(goldSQL), RemoveDistinct(predSQL)
	}
	gold := t.gold
	if goldSQL != RemoveDistinct(t.q.SQL) {
		g, err := t.src.db.Gold(ctx, goldSQL)
		if err == nil {
			gold = g
		}
	}
	pred, err := t.src.db.prediction(ctx, nil, predSQL, Caps{MaxRows: predCap(gold), MaxResultBytes: DefaultMaxResultBytes})
	if err == nil && pred.OverBytes {
		err = fmt.Errorf("its result is larger than %d bytes", DefaultMaxResultBytes)
	}
	if err != nil {
		if r1ok {
			res.vals[cSQLR1Execution] = -2
		}
		msg := err.Error()
		if turnTimedOut(ctx) {
			msg = fmt.Sprintf("the query ran out of time (timeout %d ms)", c.timeout.Milliseconds())
		}
		res.closing = "The episode is over: the submitted SQL did not run: " + msg
		return res
	}
	res.vals[cExecutes] = 1
	if r1ok {
		res.vals[cSQLR1Execution] = 2
	}
	if !pred.Truncated {
		res.vals[cOverlap] = overlap(gold, pred)
	}
	if !pred.Truncated && Match(gold, pred, goldSQL, c.mode, c.keepDistinct) {
		res.success = true
		res.vals[cSuccess] = 1
		if r1ok {
			res.vals[cSQLR1Result] = 3
			if !viaCall {
				res.vals[cSQLR1Length] = sqlr1Length(think, answer, r1sql)
			}
		}
		res.closing = "The episode is over: the submitted SQL is correct."
	} else {
		if r1ok {
			res.vals[cSQLR1Result] = -3
		}
		res.closing = "The episode is over: the submitted SQL's result differs from the expected one."
	}
	return res
}

// withTurnDeadline returns ctx bounded by d from now, for one turn.
func withTurnDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, errTurnTime)
}

var errTurnTime = errors.New("sql: the turn ran out of time")

// turnTimedOut reports whether ctx, a turn's context, ended by the turn's
// own deadline (not the caller's).
func turnTimedOut(ctx context.Context) bool {
	return ctx.Err() != nil && errors.Is(context.Cause(ctx), errTurnTime)
}
