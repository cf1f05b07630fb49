package shop

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo/envs/websim/bm25"
)

// page is a kind of page of the shop.
type page uint8

const (
	pageSearch  page = iota // the search box and the instruction
	pageResults             // a page of search results
	pageItem                // a product, its options and Buy Now
	pageSub                 // a product's Description, Features, Reviews or Attributes
	pageDone                // after Buy Now
)

var pageNames = [...]string{"search", "results", "item", "item_sub", "done"}

func (p page) String() string { return pageNames[p] }

// Button texts, as WebShop's pages show them.
const (
	btnSearch      = "Search"
	btnBackSearch  = "Back to Search"
	btnNext        = "Next >"
	btnPrev        = "< Prev"
	btnBuy         = "Buy Now"
	btnDescription = "Description"
	btnFeatures    = "Features"
	btnReviews     = "Reviews"
	btnAttributes  = "Attributes"
)

// action is one parsed action: search[arg], click[arg] or think[arg].
type action struct {
	verb string
	arg  string
}

func (a action) String() string { return a.verb + "[" + a.arg + "]" }

// episode is the state of one shopping session: the page shown and
// what the reward needs. The env steps it; VerifyTask replays a response
// through it; the oracle and the baselines read it.
type episode struct {
	c         *catalog
	g         *goal
	target    int
	showAttrs bool

	page       page
	keywords   string
	results    []int // product indices of the last search, best first
	resultPage int   // from 1
	item       int   // the product of an item or sub page
	sub        string
	chosen     []chosenOption

	steps, invalid, searches int
	score                    score
	bought                   int // the product bought, or -1
	boughtOptions            []chosenOption

	hits []bm25.Hit // search buffer
}

func newEpisode(c *catalog, g *goal, showAttrs bool) *episode {
	ep := &episode{c: c, showAttrs: showAttrs}
	ep.reset(g)
	return ep
}

func (ep *episode) reset(g *goal) {
	target, _ := ep.c.product(g.ASIN)
	*ep = episode{c: ep.c, g: g, target: target, showAttrs: ep.showAttrs, bought: -1,
		results: ep.results[:0], chosen: ep.chosen[:0], hits: ep.hits[:0]}
}

// done reports whether the session ended with a purchase.
func (ep *episode) done() bool { return ep.page == pageDone }

// stepResult is what one action did to the reward.
type stepResult struct {
	invalid  string  // why the action was invalid, or ""
	bought   bool    // the action bought a product
	score    float64 // WebShop's score of the purchase
	success  bool    // the purchase scored 1
	progress float64 // Φ(after) − Φ(before)
	thought  bool    // a think[...] action
}

// act applies one action. An action that is not possible on the page is
// invalid: the page stays as it was and the result says why.
func (ep *episode) act(a action) stepResult {
	before := ep.potential()
	ep.steps++
	var res stepResult
	if msg := ep.apply(a, &res); msg != "" {
		ep.invalid++
		res.invalid = msg
	}
	res.progress = ep.potential() - before
	return res
}

func (ep *episode) apply(a action, res *stepResult) string {
	if ep.page == pageDone {
		return "the session is over"
	}
	switch a.verb {
	case "think":
		res.thought = true
		return ""
	case "search":
		if ep.page != pageSearch {
			return fmt.Sprintf("there is no search box on the %s page: click[%s] to get back to it", ep.page, btnBackSearch)
		}
		q := normalizeArg(a.arg)
		if q == "" {
			return "search[] needs a query: search[your query]"
		}
		ep.search(q)
		return ""
	case "click":
		return ep.click(normalizeArg(a.arg), res)
	}
	return fmt.Sprintf("unknown action %q: the actions are search[query] and click[button]", a.verb)
}

// normalizeArg lower-cases an argument and collapses its white space, as
// WebShop lower-cases action arguments.
func normalizeArg(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

func (ep *episode) search(q string) {
	ep.searches++
	ep.keywords = q
	ep.hits = ep.c.index.SearchAppend(ep.hits[:0], q, searchReturnN)
	ep.results = ep.results[:0]
	for _, h := range ep.hits {
		ep.results = append(ep.results, h.Doc)
	}
	ep.showResults(1)
}

// showResults shows a page of the last search's results. As in WebShop,
// showing results forgets the options chosen on an item page.
func (ep *episode) showResults(page int) {
	ep.page, ep.resultPage = pageResults, page
	ep.chosen = ep.chosen[:0]
}

func (ep *episode) resultPages() int {
	return max(1, (len(ep.results)+productWindow-1)/productWindow)
}

// pageResults returns the results shown on the current results page.
func (ep *episode) pageResultsShown() []int {
	lo := (ep.resultPage - 1) * productWindow
	hi := min(lo+productWindow, len(ep.results))
	if lo >= hi {
		return nil
	}
	return ep.results[lo:hi]
}

// click presses a clickable of the page, named in lower case.
func (ep *episode) click(b string, res *stepResult) string {
	if b == "" {
		return "click[] needs a button: click[button], with a button of the page"
	}
	if ep.clickOnce(b, res) {
		return ""
	}
	// Forgive the brackets and quotes of the page's text: click[[Buy Now]].
	if t := strings.Trim(b, "[]\"' "); t != b && t != "" && ep.clickOnce(t, res) {
		return ""
	}
	if ep.page == pageSearch && (b == "search" || strings.HasPrefix(b, "search ")) {
		return "the Search button needs a query: type search[your query]"
	}
	return fmt.Sprintf("%q is not a button of this page (buttons: %s)", b, strings.Join(ep.clickables(nil), ", "))
}

// clickOnce presses b if it is a clickable of the page.
func (ep *episode) clickOnce(b string, res *stepResult) bool {
	switch ep.page {
	case pageResults:
		switch {
		case b == lower(btnBackSearch):
			ep.backToSearch()
		case b == lower(btnPrev) && ep.resultPage > 1:
			ep.showResults(ep.resultPage - 1)
		case b == lower(btnNext) && ep.resultPage < ep.resultPages():
			ep.showResults(ep.resultPage + 1)
		default:
			for _, i := range ep.pageResultsShown() {
				if strings.EqualFold(b, ep.c.products[i].ASIN) {
					ep.page, ep.item = pageItem, i
					ep.chosen = ep.chosen[:0]
					return true
				}
			}
			return false
		}
		return true
	case pageItem:
		p := &ep.c.products[ep.item]
		switch b {
		case lower(btnBackSearch):
			ep.backToSearch()
		case lower(btnPrev):
			ep.showResults(ep.resultPage)
		case lower(btnBuy):
			ep.buy(res)
		case lower(btnDescription), lower(btnFeatures), lower(btnReviews):
			ep.page, ep.sub = pageSub, capitalize(b)
		case lower(btnAttributes):
			if !ep.showAttrs {
				return false
			}
			ep.page, ep.sub = pageSub, btnAttributes
		default:
			for _, o := range p.Options {
				if slices.Contains(o.Values, b) {
					ep.choose(o.Name, b)
					return true
				}
			}
			return false
		}
		return true
	case pageSub:
		switch b {
		case lower(btnBackSearch):
			ep.backToSearch()
		case lower(btnPrev):
			ep.page = pageItem
		default:
			return false
		}
		return true
	}
	return false
}

func lower(s string) string { return strings.ToLower(s) }

func (ep *episode) backToSearch() {
	ep.page = pageSearch
	ep.keywords = ""
	ep.results = ep.results[:0]
	ep.chosen = ep.chosen[:0]
}

// choose selects value for the option name, replacing an earlier choice.
func (ep *episode) choose(name, value string) {
	for i := range ep.chosen {
		if ep.chosen[i].Name == name {
			ep.chosen[i].Value = value
			return
		}
	}
	ep.chosen = append(ep.chosen, chosenOption{Name: name, Value: value})
}

func (ep *episode) chosenValue(name string) string {
	for _, c := range ep.chosen {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (ep *episode) buy(res *stepResult) {
	p := &ep.c.products[ep.item]
	ep.bought = ep.item
	ep.boughtOptions = append(ep.boughtOptions[:0], ep.chosen...)
	ep.score = scorePurchase(p, ep.g, ep.chosen)
	ep.page = pageDone
	res.bought, res.score, res.success = true, ep.score.Total, ep.score.Total == 1
}

// potential is the shaping potential Φ of the page: 0 on the search page
// and after the purchase; 0.25 on results that hold the target; on the
// target's item page or sub-pages 0.5 plus 0.5 times the share of goal
// options chosen as asked; 0 elsewhere.
func (ep *episode) potential() float64 {
	switch ep.page {
	case pageResults:
		if slices.Contains(ep.results, ep.target) {
			return 0.25
		}
	case pageItem, pageSub:
		if ep.item != ep.target {
			return 0
		}
		ok := 0
		for _, o := range ep.g.Options {
			if ep.chosenValue(o.Name) == o.Value {
				ok++
			}
		}
		if len(ep.g.Options) == 0 {
			return 1
		}
		return 0.5 + 0.5*float64(ok)/float64(len(ep.g.Options))
	}
	return 0
}

// clickables returns the clickables of the page in lower case, as
// WebShop's get_available_actions lists them, appended to dst.
func (ep *episode) clickables(dst []string) []string {
	switch ep.page {
	case pageResults:
		dst = append(dst, lower(btnBackSearch))
		if ep.resultPage > 1 {
			dst = append(dst, lower(btnPrev))
		}
		if ep.resultPage < ep.resultPages() {
			dst = append(dst, lower(btnNext))
		}
		for _, i := range ep.pageResultsShown() {
			dst = append(dst, lower(ep.c.products[i].ASIN))
		}
	case pageItem:
		dst = append(dst, lower(btnBackSearch), lower(btnPrev))
		for _, o := range ep.c.products[ep.item].Options {
			dst = append(dst, o.Values...)
		}
		dst = append(dst, lower(btnDescription), lower(btnFeatures), lower(btnReviews))
		if ep.showAttrs {
			dst = append(dst, lower(btnAttributes))
		}
		dst = append(dst, lower(btnBuy))
	case pageSub:
		dst = append(dst, lower(btnBackSearch), lower(btnPrev))
	}
	return dst
}

// seg is one element of a page: text, or a button; a line break follows
// it when br is set.
type seg struct {
	text   string
	button bool
	br     bool
}

// pageWriter renders a page in one of the observation formats: "text" (one
// line per row of the page, buttons in brackets) or "simple" (WebShop's
// text mode: the elements joined by " [SEP] ").
type pageWriter struct {
	b      strings.Builder
	simple bool
	n      int // elements written
	bol    bool
}

func (w *pageWriter) reset(simple bool) {
	w.b.Reset()
	w.simple, w.n, w.bol = simple, 0, true
}

func (w *pageWriter) put(s seg) {
	if w.simple {
		if w.n > 0 {
			w.b.WriteString(" [SEP] ")
		}
		w.b.WriteString(s.text)
	} else {
		if !w.bol {
			w.b.WriteByte(' ')
		}
		if s.button {
			w.b.WriteByte('[')
			w.b.WriteString(s.text)
			w.b.WriteByte(']')
		} else {
			w.b.WriteString(s.text)
		}
		w.bol = false
		if s.br {
			w.b.WriteByte('\n')
			w.bol = true
		}
	}
	w.n++
}

func (w *pageWriter) text(s string)   { w.put(seg{text: s}) }
func (w *pageWriter) line(s string)   { w.put(seg{text: s, br: true}) }
func (w *pageWriter) button(s string) { w.put(seg{text: s, button: true}) }
func (w *pageWriter) buttonLine(s string) {
	w.put(seg{text: s, button: true, br: true})
}

// endLine ends the current line (text format).
func (w *pageWriter) endLine() {
	if !w.simple && !w.bol {
		w.b.WriteByte('\n')
		w.bol = true
	}
}

func (w *pageWriter) String() string { return strings.TrimRight(w.b.String(), "\n") }

// render writes the page, after a note (an invalid action's reason, or
// "OK." after a thought) when there is one.
func (ep *episode) render(w *pageWriter, note string) {
	if note != "" {
		w.line(note)
	}
	switch ep.page {
	case pageSearch:
		w.line("WebShop")
		w.line("Instruction:")
		w.line(ep.g.Instruction)
		w.buttonLine(btnSearch)
	case pageResults:
		ep.instructionLine(w)
		w.buttonLine(btnBackSearch)
		shown := ep.pageResultsShown()
		if len(ep.results) == 0 {
			w.line("No results: try other words.")
			break
		}
		lo := (ep.resultPage-1)*productWindow + 1
		w.line(fmt.Sprintf("Page %d (%d-%d) of %d total results", ep.resultPage, lo, lo+len(shown)-1, len(ep.results)))
		if ep.resultPage > 1 {
			w.button(btnPrev)
		}
		if ep.resultPage < ep.resultPages() {
			w.button(btnNext)
		}
		w.endLine()
		for _, i := range shown {
			p := &ep.c.products[i]
			w.buttonLine(p.ASIN)
			w.line(p.Title)
			w.line(p.priceText())
		}
	case pageItem:
		p := &ep.c.products[ep.item]
		ep.instructionLine(w)
		w.button(btnBackSearch)
		w.buttonLine(btnPrev)
		for _, o := range p.Options {
			w.text(o.Name + ":")
			for _, v := range o.Values {
				w.button(v)
			}
			if c := ep.chosenValue(o.Name); c != "" {
				w.text("(selected: " + c + ")")
			}
			w.endLine()
		}
		w.line(p.Title)
		w.line("Price: " + p.priceText())
		w.line("Rating: " + p.rating())
		w.button(btnDescription)
		w.button(btnFeatures)
		w.button(btnReviews)
		if ep.showAttrs {
			w.button(btnAttributes)
		}
		w.buttonLine(btnBuy)
	case pageSub:
		p := &ep.c.products[ep.item]
		ep.instructionLine(w)
		w.button(btnBackSearch)
		w.buttonLine(btnPrev)
		switch ep.sub {
		case btnDescription:
			w.line(p.Description)
		case btnFeatures:
			for _, f := range p.Features {
				w.line(f)
			}
		case btnReviews:
			if len(p.Reviews) == 0 {
				w.line("No reviews yet.")
			}
			for _, r := range p.Reviews {
				w.line(strconv.Itoa(r.Score) + " out of 5: " + r.Text)
			}
		case btnAttributes:
			for _, a := range p.Attributes {
				w.line(a)
			}
		}
	case pageDone:
		p := &ep.c.products[ep.bought]
		w.line("Thank you for shopping with us!")
		what := "without choosing options"
		if len(ep.boughtOptions) > 0 {
			parts := make([]string, len(ep.boughtOptions))
			for i, o := range ep.boughtOptions {
				parts[i] = o.Name + ": " + o.Value
			}
			what = "with " + strings.Join(parts, ", ")
		}
		w.line(fmt.Sprintf("You bought %s (%s) %s for %s.", p.ASIN, p.Title, what, p.priceText()))
		w.line("Your score (min 0.0, max 1.0): " + strconv.FormatFloat(ep.score.Total, 'f', -1, 64))
	}
}

func (ep *episode) instructionLine(w *pageWriter) {
	w.text("Instruction:")
	w.line(ep.g.Instruction)
}
