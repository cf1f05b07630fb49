package shop

import (
	"context"
	"strings"

	"github.com/dojo-rl/dojo"
)

// shopBaselines are the shop's baseline policies (see BaselineAction):
// reference points between random play and the oracle, and the hack probes
// the tests show to fail.
var shopBaselines = []string{"top-result", "random-click", "first-result", "click-all", "cheapest"}

// Baselines lists the names of the env's baseline policies (see
// BaselineAction).
func (e *Env) Baselines() []string { return append([]string(nil), shopBaselines...) }

// BaselineAction returns the action of the named baseline policy in the
// current state:
//
//	top-result    WebShop's rule baseline with options: search the instruction, open the first
//	              result, choose the option values the instruction names, buy
//	random-click  search the instruction, then click uniformly at random among the page's
//	              clickables (Buy Now included); seeded by the episode seed
//	first-result  search the instruction and buy the first result without choosing options
//	              (WebShop's rule baseline)
//	click-all     search the instruction, open the first result, click every option value and
//	              sub-page button in order, then buy
//	cheapest      search the instruction, look through every results page, buy the cheapest
//	              result without choosing options
func (e *Env) BaselineAction(ctx context.Context, policy string) (dojo.Action, error) {
	if err := e.life.Check(); err != nil {
		return dojo.Action{}, err
	}
	ep := e.ep
	if ep.page == pageSearch {
		return e.actionOf(action{"search", ep.g.Instruction}), nil
	}
	if ep.page == pageSub {
		return e.actionOf(action{"click", btnPrev}), nil
	}
	var a action
	switch policy {
	case "top-result", "first-result":
		a = ep.firstResult(policy == "top-result")
	case "random-click":
		cl := ep.clickables(nil)
		a = action{"click", cl[e.baseRNG.IntN(len(cl))]}
	case "click-all":
		a = ep.firstResult(false)
		if ep.page == pageItem {
			var all []string
			for _, o := range ep.c.products[ep.item].Options {
				all = append(all, o.Values...)
			}
			all = append(all, btnDescription, btnFeatures, btnReviews)
			if e.baseClick < len(all) {
				a = action{"click", all[e.baseClick]}
				e.baseClick++
			}
		}
	case "cheapest":
		a = e.cheapest()
	default:
		return dojo.Action{}, dojo.Errorf(dojo.CodeInvalid, "%s: unknown baseline %q (baselines: %s)", ID, policy, strings.Join(e.Baselines(), ", ")).WithField("agent")
	}
	return e.actionOf(a), nil
}

// firstResult opens the first result and buys it, choosing first the
// option values the instruction names when options is set.
func (ep *episode) firstResult(options bool) action {
	switch ep.page {
	case pageResults:
		if ep.resultPage > 1 {
			return action{"click", btnPrev}
		}
		if len(ep.results) == 0 {
			return action{"click", btnBackSearch}
		}
		return action{"click", ep.c.products[ep.results[0]].ASIN}
	case pageItem:
		if options {
			for _, o := range ep.c.products[ep.item].Options {
				if v := namedValue(ep.g.Instruction, o.Values); v != "" && ep.chosenValue(o.Name) != v {
					return action{"click", v}
				}
			}
		}
	}
	return action{"click", btnBuy}
}

// namedValue returns the longest of values that the text names as a whole
// word or phrase, or "".
func namedValue(text string, values []string) string {
	best := ""
	for _, v := range values {
		if len(v) > len(best) && containsWord(text, v) {
			best = v
		}
	}
	return best
}

// containsWord reports whether w occurs in s between non-alphanumeric
// characters (or the ends).
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(w)
		if (j == 0 || !isWordByte(s[j-1])) && (end == len(s) || !isWordByte(s[end])) {
			return true
		}
		i = j + 1
	}
}

// cheapest walks to the last results page (phase 0), then back to the page
// of the cheapest result seen (phase 1), opens it and buys it.
func (e *Env) cheapest() action {
	ep := e.ep
	switch ep.page {
	case pageResults:
		if len(ep.results) == 0 {
			return action{"click", btnBackSearch}
		}
		if e.baseClick == 0 && ep.resultPage < ep.resultPages() {
			return action{"click", btnNext}
		}
		e.baseClick = 1
		best := 0
		for i, d := range ep.results {
			if ep.c.products[d].PriceCents < ep.c.products[ep.results[best]].PriceCents {
				best = i
			}
		}
		switch page := best/productWindow + 1; {
		case page < ep.resultPage:
			return action{"click", btnPrev}
		case page > ep.resultPage:
			return action{"click", btnNext}
		}
		return action{"click", ep.c.products[ep.results[best]].ASIN}
	}
	return action{"click", btnBuy}
}
