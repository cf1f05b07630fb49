package sql

import (
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Mode selects an execution-match rule.
type Mode string

// Execution-match modes.
const (
	// ModeSpider follows the Spider test-suite evaluator (exec_eval.py,
	// Zhong, Yu & Klein 2020): two empty results match; otherwise the row
	// counts and column counts must agree and some permutation of the
	// predicted columns must make the rows equal — in order when the gold
	// query contains "order by" (the evaluator's own test: a case-insensitive
	// substring of the gold SQL), as multisets otherwise.
	ModeSpider Mode = "spider"
	// ModeBird follows BIRD's evaluator: set(predicted rows) == set(gold
	// rows), columns by position, duplicates and order ignored.
	ModeBird Mode = "bird"
)

// Match reports whether pred matches gold under mode; goldSQL decides
// whether order matters in spider mode. Numbers compare by value (int64 1
// equals float64 1.0); a string never equals a number. keepDistinct is
// accepted for symmetry with ExecMatch: DISTINCT is a property of the
// queries, removed before they run, so it does not change the comparison of
// two results. A nil result matches nothing.
func Match(gold, pred *Result, goldSQL string, mode Mode, keepDistinct bool) bool {
	_ = keepDistinct
	if gold == nil || pred == nil {
		return false
	}
	if mode == ModeBird {
		return setEqual(gold.Rows, pred.Rows)
	}
	return resultEq(gold.Rows, pred.Rows, strings.Contains(strings.ToLower(goldSQL), "order by"))
}

// valueKey is a canonical text for v such that two values have the same key
// exactly when Python's == holds between the sqlite3 values they stand for.
func valueKey(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 'N')
	case int64:
		b = append(b, 'n')
		return strconv.AppendInt(b, x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			b = append(b, 'n')
			return strconv.AppendInt(b, int64(x), 10)
		}
		b = append(b, 'f')
		return strconv.AppendFloat(b, x, 'g', -1, 64)
	case string:
		b = append(b, 's')
		b = strconv.AppendInt(b, int64(len(x)), 10)
		b = append(b, ':')
		return append(b, x...)
	case []byte:
		b = append(b, 'b')
		b = strconv.AppendInt(b, int64(len(x)), 10)
		b = append(b, ':')
		return append(b, x...)
	default:
		return valueKey(b, normalize(v))
	}
}

// rowKey is the canonical text of row with its columns taken in perm order
// (perm nil: natural order).
func rowKey(b []byte, row []any, perm []int) []byte {
	for i := range row {
		j := i
		if perm != nil {
			j = perm[i]
		}
		b = valueKey(b, row[j])
		b = append(b, 0)
	}
	return b
}

func setEqual(gold, pred [][]any) bool {
	gs := make(map[string]struct{}, len(gold))
	var buf []byte
	for _, r := range gold {
		buf = rowKey(buf[:0], r, nil)
		gs[string(buf)] = struct{}{}
	}
	ps := make(map[string]struct{}, len(pred))
	for _, r := range pred {
		buf = rowKey(buf[:0], r, nil)
		if _, ok := gs[string(buf)]; !ok {
			return false
		}
		ps[string(buf)] = struct{}{}
	}
	return len(ps) == len(gs)
}

// resultEq is exec_eval.py's result_eq: gold rows vs predicted rows, the
// predicted columns allowed any permutation.
func resultEq(gold, pred [][]any, ordered bool) bool {
	if len(gold) == 0 && len(pred) == 0 {
		return true
	}
	if len(gold) != len(pred) {
		return false
	}
	nc := len(gold[0])
	if len(pred[0]) != nc {
		return false
	}
	for _, r := range pred {
		if len(r) != nc {
			return false
		}
	}
	// Fast path: the same rows in the same order under the identity
	// permutation match whether or not order matters.
	if sameRows(gold, pred) {
		return true
	}
	// Column value multisets: predicted column j may stand for gold column i
	// only if both hold the same multiset of values (necessary for any
	// match, ordered or not). A commutative hash (the sum of the values'
	// hashes) stands for each multiset; a collision only adds a candidate,
	// which the exact row check below then rejects.
	colKeys := func(rows [][]any) []uint64 {
		keys := make([]uint64, nc)
		var buf []byte
		for _, row := range rows {
			for c, v := range row {
				buf = valueKey(buf[:0], v)
				keys[c] += maphash.Bytes(hashSeed, buf)
			}
		}
		return keys
	}
	gk, pk := colKeys(gold), colKeys(pred)
	cand := make([][]int, nc)
	for i := range nc {
		for j := range nc {
			if gk[i] == pk[j] {
				cand[i] = append(cand[i], j)
			}
		}
		if len(cand[i]) == 0 {
			return false
		}
	}
	// Gold rows, canonical and (unless ordered) counted.
	var buf []byte
	goldRows := make([]string, len(gold))
	for r, row := range gold {
		buf = rowKey(buf[:0], row, nil)
		goldRows[r] = string(buf)
	}
	var goldCount map[string]int
	if !ordered {
		goldCount = make(map[string]int, len(gold))
		for _, k := range goldRows {
			goldCount[k]++
		}
	}
	perm := make([]int, nc)
	used := make([]bool, nc)
	count := make(map[string]int, len(gold))
	check := func() bool {
		if ordered {
			for r, row := range pred {
				buf = rowKey(buf[:0], row, perm)
				if string(buf) != goldRows[r] {
					return false
				}
			}
			return true
		}
		clear(count)
		for _, row := range pred {
			buf = rowKey(buf[:0], row, perm)
			k := string(buf)
			count[k]++
			if count[k] > goldCount[k] {
				return false
			}
		}
		return true
	}
	var try func(i int) bool
	try = func(i int) bool {
		if i == nc {
			return check()
		}
		for _, j := range cand[i] {
			if used[j] {
				continue
			}
			used[j], perm[i] = true, j
			if try(i + 1) {
				return true
			}
			used[j] = false
		}
		return false
	}
	return try(0)
}

var hashSeed = maphash.MakeSeed()

// sameRows reports whether a and b hold equal rows in the same order,
// column by column.
func sameRows(a, b [][]any) bool {
	for r := range a {
		if len(a[r]) != len(b[r]) {
			return false
		}
		for c := range a[r] {
			if !valueEqual(a[r][c], b[r][c]) {
				return false
			}
		}
	}
	return true
}

// valueEqual is Python's == between the sqlite3 values a and b stand for.
func valueEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y && math.Abs(y) < 1<<63 && int64(y) == x
		}
		return false
	case float64:
		switch y := b.(type) {
		case float64:
			return x == y
		case int64:
			return valueEqual(y, x)
		}
		return false
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []byte:
		y, ok := b.([]byte)
		return ok && string(x) == string(y)
	}
	return string(valueKey(nil, a)) == string(valueKey(nil, b))
}

// sortStrings sorts s in place.
func sortStrings(s []string) { slices.Sort(s) }
