package sql

import (
	"strings"

	"github.com/dojo-rl/dojo"
)

// Reward components, in Spec.Rewards order.
const (
	cSuccess = iota
	cFormat
	cExecutes
	cOverlap
	cSchema
	cEfficiency
	cInvalid
	cSQLR1Format
	cSQLR1Execution
	cSQLR1Result
	cSQLR1Length
	numComponents
)

var components = []dojo.Component{
	{Name: "success", Shaped: 1, Description: "1 on the submission step iff the submitted SQL's result matches the gold's (execution match, option match_mode), else 0"},
	{Name: "format", Shaped: 0.1, Description: "-1 for a malformed turn (no SQL could be read from the answer, or only broken <tool_call> blocks), else 0"},
	{Name: "executes", Shaped: 0.1, Description: "on the submission step: 1 iff the submitted SQL runs (read-only, one statement, within timeout_ms and the row cap), else 0"},
	{Name: "overlap", Shaped: 0.3, Description: "on the submission step: (row F1 + column F1) / 2 of the submitted result against the gold's (0 if it does not run or was cut at the row cap)"},
	{Name: "schema", Shaped: 0.1, Description: "on the submission step: F1 of the tables and columns named in the submitted SQL against those named in the gold SQL"},
	{Name: "efficiency", Shaped: 0.02, Description: "-1 per tool call beyond option tool_budget calls in the episode"},
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
}

// sqlKeywords are words of SQL that are never schema identifiers.
var sqlKeywords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("select from where and or not in is null like between group by order having limit offset asc desc join inner left right outer full cross on as distinct all union intersect except count sum avg min max case when then else end exists cast with recursive values natural using") {
		sqlKeywords[w] = true
	}
}

// identifiers returns the lower-case identifiers of query (outside string
// literals; double-quoted and bracketed names count as identifiers).
func identifiers(query string) map[string]bool {
	out := map[string]bool{}
	s := query
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'':
			j := i + 1
			for j < len(s) && s[j] != '\'' {
				j++
			}
			i = j + 1
		case c == '"' || c == '`' || c == '[':
			close := c
			if c == '[' {
				close = ']'
			}
			j := i + 1
			for j < len(s) && s[j] != close {
				j++
			}
			out[strings.ToLower(s[i+1:min(j, len(s))])] = true
			i = j + 1
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			if w := strings.ToLower(s[i:j]); !sqlKeywords[w] {
				out[w] = true
			}
			i = j
		default:
			i++
		}
	}
	return out
}

// schemaF1 is the F1 of the schema items (tables and columns of the
// database) named in pred against those named in gold.
func schemaF1(tables, columns []string, gold, pred string) float64 {
	items := func(q string) map[string]bool {
		ids := identifiers(q)
		m := map[string]bool{}
		for _, t := range tables {
			if t = strings.ToLower(t); ids[t] {
				m["t:"+t] = true
			}
		}
		for _, c := range columns {
			if c = strings.ToLower(c); ids[c] {
				m["c:"+c] = true
			}
		}
		return m
	}
	g, p := items(gold), items(pred)
	both := 0
	for k := range p {
		if g[k] {
			both++
		}
	}
	return f1(both, len(p), len(g))
}

func f1(both, npred, ngold int) float64 {
	if both == 0 || npred == 0 || ngold == 0 {
		return 0
	}
	p, r := float64(both)/float64(npred), float64(both)/float64(ngold)
	return 2 * p * r / (p + r)
}

// overlap is (row F1 + column F1)/2 of pred against gold: rows as a
// multiset of canonical rows, columns as a multiset of canonical columns
// (a column's values sorted).
func overlap(gold, pred *Result) float64 {
	if gold == nil || pred == nil {
		return 0
	}
	rowKeys := func(r *Result) map[string]int {
		m := map[string]int{}
		var b strings.Builder
		for _, row := range r.Rows {
			b.Reset()
			for _, v := range row {
				b.WriteString(valueText(v))
				b.WriteByte(0x1f)
			}
			m[b.String()]++
		}
		return m
	}
	colKeys := func(r *Result) map[string]int {
		m := map[string]int{}
		for j := range r.Columns {
			vals := make([]string, len(r.Rows))
			for i, row := range r.Rows {
				vals[i] = valueText(row[j])
			}
			sortStrings(vals)
			m[strings.Join(vals, "\x1f")]++
		}
		return m
	}
	inter := func(a, b map[string]int) (both, na, nb int) {
		for k, n := range a {
			na += n
			both += min(n, b[k])
		}
		for _, n := range b {
			nb += n
		}
		return
	}
	rb, rp, rg := inter(rowKeys(pred), rowKeys(gold))
	cb, cp, cg := inter(colKeys(pred), colKeys(gold))
	return (f1(rb, rp, rg) + f1(cb, cp, cg)) / 2
}

// sqlr1Structure checks SQL-R1's answer format: <think>, </think>,
// <answer> and </answer> each exactly once and in this order, and a ```sql
// block in the answer. It returns the trimmed think and answer texts and
// the answer's last SQL block with white space runs collapsed.
func sqlr1Structure(text string) (think, answer, sql string, ok bool) {
	tags := []string{"<think>", "</think>", "<answer>", "</answer>"}
	pos := make([]int, len(tags))
	for i, tag := range tags {
		if strings.Count(text, tag) != 1 {
			return "", "", "", false
		}
		pos[i] = strings.Index(text, tag)
		if i > 0 && pos[i] < pos[i-1] {
			return "", "", "", false
		}
	}
	think = strings.TrimSpace(text[pos[0]+len(tags[0]) : pos[1]])
	answer = strings.TrimSpace(text[pos[2]+len(tags[2]) : pos[3]])
	i := strings.LastIndex(answer, "```sql")
	if i < 0 {
		return "", "", "", false
	}
	rest := answer[i+len("```sql"):]
	j := strings.Index(rest, "```")
	if j < 0 {
		return "", "", "", false
	}
	sql = strings.Join(strings.Fields(rest[:j]), " ")
	return think, answer, sql, sql != ""
}

// sqlr1Length is SQL-R1's length term of a correct answer.
func sqlr1Length(think, answer, sql string) float64 {
	if answer == "" {
		return 0
	}
	const limit = 2048
	n := len(think) + len(answer)
	l := 0.5
	if n <= limit {
		l = 0.5 * float64(n) / limit
	}
	return l + float64(len(sql))/float64(len(answer))
}
