package sql

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Difficulty levels: Spider's hardness classes.
const (
	diffEasy   = "easy"
	diffMedium = "medium"
	diffHard   = "hard"
	diffExtra  = "extra"
	diffMixed  = "mixed"
)

var difficulties = []string{diffEasy, diffMedium, diffHard, diffExtra}

// question is a generated question: its text and gold SQL. When the gold
// has a LIMIT k, tieSQL lists the sort key of every candidate row in the
// gold's order, and the generator rejects the question if the k-th and the
// (k+1)-th keys are equal.
type question struct {
	Template string
	Text     string
	SQL      string
	tieSQL   string
	k        int
}

type tctx struct {
	r *rand.Rand
	d *domain
	x *dbData
}

func (c *tctx) cat() string   { return c.x.eCat[c.r.IntN(len(c.x.eCat))] }
func (c *tctx) parent() int   { return c.r.IntN(len(c.x.pName)) }
func (c *tctx) pattr() string { return c.x.pAttr[c.r.IntN(len(c.x.pAttr))] }
func (c *tctx) inner(k int) int { // a value of E.num strictly between the k-th smallest and the largest
	s := slices.Clone(c.x.eNum)
	slices.Sort(s)
	return s[k+c.r.IntN(len(s)-2*k)]
}

// template makes a question from a database's content.
type template struct {
	name string
	diff string
	make func(c *tctx) question
}

var templates = []template{
	// easy: one table, one condition or one aggregate
	{"filter_cat", diffEasy, func(c *tctx) question {
		d, v := c.d, c.cat()
		return question{Text: fmt.Sprintf("List the %s of all %s whose %s is '%s'.", d.eName, d.eNouns, d.eCatNoun, v),
			SQL: fmt.Sprintf("SELECT %s FROM %s WHERE %s = '%s'", d.eName, d.eTable, d.eCat, v)}
	}},
	{"count_num", diffEasy, func(c *tctx) question {
		d, v := c.d, c.inner(1)
		return question{Text: fmt.Sprintf("How many %s have a %s greater than %d?", d.eNouns, d.eNumNoun, v),
			SQL: fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s > %d", d.eTable, d.eNum, v)}
	}},
	{"filter_parent_attr", diffEasy, func(c *tctx) question {
		d, v := c.d, c.pattr()
		return question{Text: fmt.Sprintf("What are the names of the %s whose %s is '%s'?", d.pNouns, d.pAttrNoun, v),
			SQL: fmt.Sprintf("SELECT %s FROM %s WHERE %s = '%s'", d.pName, d.pTable, d.pAttr, v)}
	}},
	{"max_num_cat", diffEasy, func(c *tctx) question {
		d, v := c.d, c.cat()
		return question{Text: fmt.Sprintf("What is the highest %s among %s whose %s is '%s'?", d.eNumNoun, d.eNouns, d.eCatNoun, v),
			SQL: fmt.Sprintf("SELECT MAX(%s) FROM %s WHERE %s = '%s'", d.eNum, d.eTable, d.eCat, v)}
	}},
	// medium: grouping, one join, ordering with a limit
	{"group_count", diffMedium, func(c *tctx) question {
		d := c.d
		return question{Text: fmt.Sprintf("For each %s, how many %s are there?", d.eCatNoun, d.eNouns),
			SQL: fmt.Sprintf("SELECT %s, COUNT(*) FROM %s GROUP BY %s", d.eCat, d.eTable, d.eCat)}
	}},
	{"join_parent", diffMedium, func(c *tctx) question {
		d := c.d
		p := c.x.pName[c.parent()]
		return question{Text: fmt.Sprintf("List the %s of the %s %s the %s named '%s'.", d.eName, d.eNouns, d.eOfP, d.pNoun, p),
			SQL: fmt.Sprintf("SELECT %s.%s FROM %s JOIN %s ON %s.%s = %s.id WHERE %s.%s = '%s'", d.eTable, d.eName, d.eTable, d.pTable, d.eTable, d.eFk, d.pTable, d.pTable, d.pName, p)}
	}},
	{"top_k", diffMedium, func(c *tctx) question {
		d, k := c.d, 1+c.r.IntN(3)
		dir, word := "DESC", "highest"
		if c.r.IntN(2) == 0 {
			dir, word = "ASC", "lowest"
		}
		return question{Text: fmt.Sprintf("What are the %s and %s of the %d %s with the %s %s, %s first?", d.eName, d.eNumNoun, k, d.eNouns, word, d.eNumNoun, word),
			SQL:    fmt.Sprintf("SELECT %s, %s FROM %s ORDER BY %s %s LIMIT %d", d.eName, d.eNum, d.eTable, d.eNum, dir, k),
			tieSQL: fmt.Sprintf("SELECT %s FROM %s ORDER BY %s %s", d.eNum, d.eTable, d.eNum, dir), k: k}
	}},
	{"avg_cat", diffMedium, func(c *tctx) question {
		d, v := c.d, c.cat()
		return question{Text: fmt.Sprintf("What is the average %s of %s whose %s is '%s'?", d.eNumNoun, d.eNouns, d.eCatNoun, v),
			SQL: fmt.Sprintf("SELECT AVG(%s) FROM %s WHERE %s = '%s'", d.eNum, d.eTable, d.eCat, v)}
	}},
	// hard: HAVING, nested queries, set operations
	{"having", diffHard, func(c *tctx) question {
		d := c.d
		n := 1 + c.r.IntN(max(1, len(c.x.eName)/len(d.eCats)))
		return question{Text: fmt.Sprintf("Which %s values have more than %d %s?", d.eCatNoun, n, d.eNouns),
			SQL: fmt.Sprintf("SELECT %s FROM %s GROUP BY %s HAVING COUNT(*) > %d", d.eCat, d.eTable, d.eCat, n)}
	}},
	{"above_avg", diffHard, func(c *tctx) question {
		d, v := c.d, c.cat()
		return question{Text: fmt.Sprintf("List the %s of the %s whose %s is '%s' and whose %s is above the average %s of all %s.", d.eName, d.eNouns, d.eCatNoun, v, d.eNumNoun, d.eNumNoun, d.eNouns),
			SQL: fmt.Sprintf("SELECT %s FROM %s WHERE %s = '%s' AND %s > (SELECT AVG(%s) FROM %s)", d.eName, d.eTable, d.eCat, v, d.eNum, d.eNum, d.eTable)}
	}},
	{"intersect", diffHard, func(c *tctx) question {
		d, a, b := c.d, c.cat(), c.cat()
		for b == a {
			b = d.eCats[c.r.IntN(len(d.eCats))]
		}
		part := func(v string) string {
			return fmt.Sprintf("SELECT %s.%s FROM %s JOIN %s ON %s.%s = %s.id WHERE %s.%s = '%s'", d.pTable, d.pName, d.pTable, d.eTable, d.eTable, d.eFk, d.pTable, d.eTable, d.eCat, v)
		}
		return question{Text: fmt.Sprintf("Which %s have both %s whose %s is '%s' and %s whose %s is '%s'? Give their names.", d.pNouns, d.eNouns, d.eCatNoun, a, d.eNouns, d.eCatNoun, b),
			SQL: part(a) + " INTERSECT " + part(b)}
	}},
	{"never", diffHard, func(c *tctx) question {
		d := c.d
		return question{Text: fmt.Sprintf("List the %s of the %s that were never %s.", d.eName, d.eNouns, d.lVerb),
			SQL: fmt.Sprintf("SELECT %s FROM %s WHERE id NOT IN (SELECT %s FROM %s)", d.eName, d.eTable, d.lE, d.lTable)}
	}},
	{"except_attr", diffHard, func(c *tctx) question {
		d, v := c.d, c.cat()
		return question{Text: fmt.Sprintf("Which %s have no %s whose %s is '%s'? Give their names.", d.pNouns, d.eNouns, d.eCatNoun, v),
			SQL: fmt.Sprintf("SELECT %s FROM %s EXCEPT SELECT %s.%s FROM %s JOIN %s ON %s.%s = %s.id WHERE %s.%s = '%s'", d.pName, d.pTable, d.pTable, d.pName, d.pTable, d.eTable, d.eTable, d.eFk, d.pTable, d.eTable, d.eCat, v)}
	}},
	// extra: two or three joins with grouping and ordering, unions
	{"top_parent_qty", diffExtra, func(c *tctx) question {
		d := c.d
		return question{Text: fmt.Sprintf("Which %s has the largest total %s over all %s of its %s? Give its name.", d.pNoun, d.lQtyNoun, d.lTable, d.eNouns),
			SQL:    fmt.Sprintf("SELECT %s.%s FROM %s JOIN %s ON %s.%s = %s.id JOIN %s ON %s.%s = %s.id GROUP BY %s.id ORDER BY SUM(%s.%s) DESC LIMIT 1", d.pTable, d.pName, d.pTable, d.eTable, d.eTable, d.eFk, d.pTable, d.lTable, d.lTable, d.lE, d.eTable, d.pTable, d.lTable, d.lQty),
			tieSQL: fmt.Sprintf("SELECT SUM(%s.%s) FROM %s JOIN %s ON %s.%s = %s.id JOIN %s ON %s.%s = %s.id GROUP BY %s.id ORDER BY SUM(%s.%s) DESC", d.lTable, d.lQty, d.pTable, d.eTable, d.eTable, d.eFk, d.pTable, d.lTable, d.lTable, d.lE, d.eTable, d.pTable, d.lTable, d.lQty), k: 1}
	}},
	{"top_g_count", diffExtra, func(c *tctx) question {
		d, k := c.d, 1+c.r.IntN(2)
		return question{Text: fmt.Sprintf("Which %d %s appear in the most %s, and in how many each? Most first.", k, d.gNouns, d.lTable),
			SQL:    fmt.Sprintf("SELECT %s.%s, COUNT(*) FROM %s JOIN %s ON %s.%s = %s.id GROUP BY %s.id ORDER BY COUNT(*) DESC LIMIT %d", d.gTable, d.gName, d.gTable, d.lTable, d.lTable, d.lG, d.gTable, d.gTable, k),
			tieSQL: fmt.Sprintf("SELECT COUNT(*) FROM %s JOIN %s ON %s.%s = %s.id GROUP BY %s.id ORDER BY COUNT(*) DESC", d.gTable, d.lTable, d.lTable, d.lG, d.gTable, d.gTable), k: k}
	}},
	{"three_joins", diffExtra, func(c *tctx) question {
		d := c.d
		p := c.x.pName[c.parent()]
		return question{Text: fmt.Sprintf("What are the distinct names of the %s who %s %s %s the %s named '%s'?", d.gNouns, d.gVerb, d.eNouns, d.eOfP, d.pNoun, p),
			SQL: fmt.Sprintf("SELECT DISTINCT %s.%s FROM %s JOIN %s ON %s.%s = %s.id JOIN %s ON %s.%s = %s.id JOIN %s ON %s.%s = %s.id WHERE %s.%s = '%s'", d.gTable, d.gName, d.gTable, d.lTable, d.lTable, d.lG, d.gTable, d.eTable, d.lTable, d.lE, d.eTable, d.pTable, d.eTable, d.eFk, d.pTable, d.pTable, d.pName, p)}
	}},
	{"union_attr", diffExtra, func(c *tctx) question {
		d, a, v := c.d, c.pattr(), c.inner(1)
		return question{Text: fmt.Sprintf("List the %s of the %s that are %s a %s whose %s is '%s', or whose %s is over %d.", d.eName, d.eNouns, d.eOfP, d.pNoun, d.pAttrNoun, a, d.eNumNoun, v),
			SQL: fmt.Sprintf("SELECT %s.%s FROM %s JOIN %s ON %s.%s = %s.id WHERE %s.%s = '%s' UNION SELECT %s FROM %s WHERE %s > %d", d.eTable, d.eName, d.eTable, d.pTable, d.eTable, d.eFk, d.pTable, d.pTable, d.pAttr, a, d.eName, d.eTable, d.eNum, v)}
	}},
}

// templatesOf returns the templates of a difficulty ("mixed": all).
func templatesOf(diff string) []template {
	if diff == diffMixed {
		return templates
	}
	var out []template
	for _, t := range templates {
		if t.diff == diff {
			out = append(out, t)
		}
	}
	return out
}
