package shop

import (
	"context"

	"github.com/dojo-rl/dojo"
)

// OracleAction returns the gold action from the current page: the gold
// search (the instruction, or in large catalogs the target's title), page
// to the target in the results, open it, choose the
// goal's option values, and buy. From any other page it heads back there
// (< Prev from a sub-page or another product, Back to Search from results
// without the target).
func (e *Env) OracleAction(ctx context.Context) (dojo.Action, error) {
	if err := e.life.Check(); err != nil {
		return dojo.Action{}, err
	}
	return e.actionOf(e.ep.oracle()), nil
}

// oracle is the gold action from the current page (see
// Env.OracleAction).
func (ep *episode) oracle() action {
	switch ep.page {
	case pageSearch:
		return action{"search", ep.g.Search}
	case pageResults:
		at := -1
		for i, d := range ep.results {
			if d == ep.target {
				at = i
			}
		}
		switch {
		case at < 0:
			return action{"click", btnBackSearch}
		case at/productWindow+1 > ep.resultPage:
			return action{"click", btnNext}
		case at/productWindow+1 < ep.resultPage:
			return action{"click", btnPrev}
		}
		return action{"click", ep.g.ASIN}
	case pageItem:
		if ep.item != ep.target {
			return action{"click", btnPrev}
		}
		for _, o := range ep.g.Options {
			if ep.chosenValue(o.Name) != o.Value {
				return action{"click", o.Value}
			}
		}
		return action{"click", btnBuy}
	}
	return action{"click", btnPrev}
}
