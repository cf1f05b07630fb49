package sql

import (
	"strings"
)

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
