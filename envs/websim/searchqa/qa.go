package searchqa

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo/reward"
)

// Question kinds.
const (
	KindBridge      = "bridge"      // a chain of relations, then the last entity or one of its attributes
	KindComparison  = "comparison"  // which of two entities (each maybe reached by a chain) has the larger or earlier value
	KindAggregation = "aggregation" // a count of listed entities, or the years between two dates
	KindMixed       = "mixed"
)

// QuestionKinds lists the kinds of questions, mixed last.
var QuestionKinds = []string{KindBridge, KindComparison, KindAggregation, KindMixed}

// MaxHops is the largest number of hops of a generated question.
const MaxHops = 4

// Question is a question generated from a world's graph.
type Question struct {
	Kind string
	// Hops is the number of facts to read, each from a page.
	Hops int
	Text string
	// Answers holds the gold answer first, then its aliases.
	Answers []string
	// Hop lists what each hop reads, in reading order.
	Hop []QuestionHop
	// About lists the entities the answer is about: a bridge's last entity
	// (named by the answer, or whose attribute it is), the two entities a
	// comparison or a difference of years compares, a count's entity.
	About []int32
}

// QuestionHop is one fact a question needs.
type QuestionHop struct {
	// Page is the page of the fact's subject, which states it.
	Page int32
	// Evidence lists every page that states the fact (Page among them);
	// the hop is read once any of them is seen.
	Evidence []int32
	// Entity is the subject entity.
	Entity int32
}

// minHops is the fewest hops a kind of question takes.
func minHops(kind string) int {
	if kind == KindComparison {
		return 2
	}
	return 1
}

// Question generates the question of seed: kind one of QuestionKinds, hops
// 1..MaxHops or 0 for a number drawn per seed (at least 2 for comparison).
// The answer is unambiguous: relations are functional, names are unique
// after normalization, compared values differ, and the answer is not
// written in the question (but for comparisons, which name it).
func (w *World) Question(kind string, hops int, seed uint64) (*Question, error) {
	if !slices.Contains(QuestionKinds, kind) {
		return nil, fmt.Errorf("question kind %q: want one of %s", kind, strings.Join(QuestionKinds, ", "))
	}
	if hops < 0 || hops > MaxHops || hops > 0 && hops < minHops(kind) {
		return nil, fmt.Errorf("%d hops: %s questions take %d..%d (or 0 for any)", hops, kind, minHops(kind), MaxHops)
	}
	r := rand.New(rand.NewPCG(seed, questionStream))
	qb := &questionBuilder{w: w, r: r}
	for range 200 {
		k, h := kind, hops
		if k == KindMixed {
			k = pickOne(r, QuestionKinds[:3])
			if h == 1 && k == KindComparison {
				k = KindBridge
			}
		}
		if h == 0 {
			h = minHops(k) + r.IntN(MaxHops-minHops(k)+1)
		}
		var q *Question
		switch k {
		case KindBridge:
			q = qb.bridge(h)
		case KindComparison:
			q = qb.comparison(h)
		default:
			q = qb.aggregation(h)
		}
		if q != nil {
			q.Kind, q.Hops = k, h
			q.Text = strings.ToUpper(q.Text[:1]) + q.Text[1:]
			return q, nil
		}
	}
	return nil, fmt.Errorf("no %s question of %d hops in this world for seed %d (a world of too few entities)", kind, hops, seed)
}

type questionBuilder struct {
	w *World
	r *rand.Rand
}

// relsFrom lists the relations whose subjects are of kind k.
var relsFrom = func() (out [numKinds][]Rel) {
	for r := range numRels {
		out[relKinds[r][0]] = append(out[relKinds[r][0]], r)
	}
	return out
}()

// chain is a walk along relations: ents[0] -rels[0]-> ents[1] ...
type chain struct {
	ents []int32
	rels []Rel
}

func (c chain) last() int32 { return c.ents[len(c.ents)-1] }

// walk draws a chain of n relations from start through distinct entities,
// ending at an entity of kind end (any kind when end is numKinds).
func (qb *questionBuilder) walk(start int32, n int, end Kind) (chain, bool) {
	c := chain{ents: []int32{start}}
	for range n {
		cur := &qb.w.Entities[c.last()]
		var opts []Rel
		for _, r := range relsFrom[cur.Kind] {
			if o := cur.Rel[r]; o >= 0 && !slices.Contains(c.ents, o) {
				opts = append(opts, r)
			}
		}
		if len(opts) == 0 {
			return c, false
		}
		rel := pickOne(qb.r, opts)
		c.rels = append(c.rels, rel)
		c.ents = append(c.ents, cur.Rel[rel])
	}
	return c, end == numKinds || qb.w.Entities[c.last()].Kind == end
}

// walkTo draws a chain of n relations ending at an entity of kind end, from
// a random start.
func (qb *questionBuilder) walkTo(n int, end Kind) (chain, bool) {
	for range 40 {
		start := int32(qb.r.IntN(len(qb.w.Entities)))
		if n == 0 && end != numKinds && qb.w.Entities[start].Kind != end {
			start = pickOne(qb.r, qb.w.byKind[end])
		}
		if c, ok := qb.walk(start, n, end); ok {
			return c, true
		}
	}
	return chain{}, false
}

// np describes the chain's last entity by the chain: "the founder of the
// publisher of The Glass Orchard".
func (qb *questionBuilder) np(c chain) string {
	s := qb.base(c.ents[0])
	for i, rel := range c.rels {
		s = fmt.Sprintf(relNP(rel, &qb.w.Entities[c.ents[i]]), s)
	}
	return s
}

// base names an entity as questions do: events with an article.
func (qb *questionBuilder) base(e int32) string {
	x := &qb.w.Entities[e]
	if x.Kind == Event {
		return "the " + x.Name
	}
	return x.Name
}

// relPhrases word each relation as a noun phrase of its object ("the
// founder of %s") and as the question asking for it ("who founded %s?");
// for a work's creator and publisher, by the work's kind.
var relPhrases = [numRels]struct{ np, question string }{
	Birthplace: {"the birthplace of %s", "where was %s born?"},
	Employer:   {"the employer of %s", "which organisation does %s work for?"},
	AlmaMater:  {"the university attended by %s", "which university did %s attend?"},
	Founder:    {"the founder of %s", "who founded %s?"},
	BasedIn:    {"the city where %s is based", "in which city is %s based?"},
	Location:   {"the city where %s was held", "in which city was %s held?"},
	Organiser:  {"the organiser of %s", "which organisation organised %s?"},
	Winner:     {"the winner of %s", "who won %s?"},
	InCountry:  {"the country of %s", "in which country is %s?"},
	Capital:    {"the capital of %s", "what is the capital of %s?"},
}

var workPhrases = map[string][2]struct{ np, question string }{ // [creator, publisher]
	"novel": {{"the author of %s", "who wrote %s?"}, {"the publisher of %s", "which company published %s?"}},
	"film":  {{"the director of %s", "who directed %s?"}, {"the studio that produced %s", "which studio produced %s?"}},
	"album": {{"the artist who recorded %s", "who recorded %s?"}, {"the label that released %s", "which label released %s?"}},
}

func relPhrase(r Rel, subj *Entity) (np, question string) {
	switch r {
	case Creator:
		p := workPhrases[subj.Label][0]
		return p.np, p.question
	case Publisher:
		p := workPhrases[subj.Label][1]
		return p.np, p.question
	}
	return relPhrases[r].np, relPhrases[r].question
}

func relNP(r Rel, subj *Entity) string { np, _ := relPhrase(r, subj); return np }

func relQuestion(r Rel, subj *Entity) string { _, q := relPhrase(r, subj); return q }

// attrs lists the attributes a bridge question may ask of an entity.
func attrs(e *Entity) []factKind {
	switch e.Kind {
	case Person:
		return []factKind{factYear, factLabel}
	case Org:
		if e.Label == educationIndustry {
			return []factKind{factYear, factNum} // a university's page names no industry
		}
		return []factKind{factYear, factNum, factLabel}
	case City:
		return []factKind{factNum, factYear}
	case Country:
		return []factKind{factNum}
	case Work:
		return []factKind{factYear, factGenre}
	}
	return []factKind{factYear, factNum} // Event
}

func attrQuestion(a factKind, e *Entity) string {
	switch a {
	case factYear:
		switch e.Kind {
		case Person:
			return "in what year was %s born?"
		case Org, City:
			return "in what year was %s founded?"
		case Work:
			return "in what year was %s released?"
		}
		return "in what year was %s held?"
	case factNum:
		switch e.Kind {
		case Org:
			if e.Label == educationIndustry {
				return "how many staff does %s have?"
			}
			return "how many people does %s employ?"
		case Event:
			return "how many visitors attended %s?"
		}
		return "what is the population of %s?"
	case factLabel:
		if e.Kind == Person {
			return "what is the occupation of %s?"
		}
		return "in which industry is %s?"
	}
	return "what genre is %s?" // factGenre
}

// attrAnswers gives the answers of attribute a of e.
func attrAnswers(a factKind, e *Entity) []string {
	switch a {
	case factYear:
		return []string{strconv.Itoa(e.Year)}
	case factNum:
		return []string{formatNum(e.Num), strconv.Itoa(e.Num)}
	case factLabel:
		return []string{e.Label}
	}
	return []string{e.Genre}
}

func nameAnswers(e *Entity) []string {
	return append([]string{e.Name}, e.Aliases...)
}

func numberAnswers(n int, unit string) []string {
	out := []string{strconv.Itoa(n)}
	if n < len(numberWords) {
		out = append(out, numberWords[n])
	}
	if unit != "" {
		out = append(out, strconv.Itoa(n)+" "+unit)
		if n < len(numberWords) {
			out = append(out, numberWords[n]+" "+unit)
		}
	}
	return out
}

// hops returns the hops reading chain c, then fact last of its last entity
// when last is not numKinds.
func (qb *questionBuilder) hops(c chain, last factKind, withLast bool) []QuestionHop {
	var out []QuestionHop
	add := func(e int32, k factKind) {
		out = append(out, QuestionHop{Page: qb.w.Entities[e].Page, Evidence: qb.w.evidence(fact{e, k}), Entity: e})
	}
	for i, rel := range c.rels {
		add(c.ents[i], relFact(rel))
	}
	if withLast {
		add(c.last(), last)
	}
	return out
}

// mentions reports whether the question's text holds an answer's words.
func mentions(question string, answers []string) bool {
	q := " " + reward.NormalizeAnswer(question) + " "
	for _, a := range answers {
		if strings.Contains(q, " "+reward.NormalizeAnswer(a)+" ") {
			return true
		}
	}
	return false
}

func (qb *questionBuilder) bridge(h int) *Question {
	byAttr := qb.r.IntN(2) == 0
	n := h
	if byAttr {
		n = h - 1
	}
	c, ok := qb.walkTo(n, numKinds)
	if !ok || n == 0 && !byAttr {
		return nil
	}
	var q Question
	if byAttr {
		e := &qb.w.Entities[c.last()]
		a := pickOne(qb.r, attrs(e))
		q.Text = fmt.Sprintf(attrQuestion(a, e), qb.np(c))
		q.Answers = attrAnswers(a, e)
		q.Hop = qb.hops(c, a, true)
		q.About = []int32{c.last()}
	} else {
		last := len(c.rels) - 1
		inner := chain{ents: c.ents[:last+1], rels: c.rels[:last]}
		q.Text = fmt.Sprintf(relQuestion(c.rels[last], &qb.w.Entities[c.ents[last]]), qb.np(inner))
		q.Answers = nameAnswers(&qb.w.Entities[c.last()])
		q.Hop = qb.hops(c, 0, false)
		q.About = []int32{c.last()}
	}
	if mentions(q.Text, q.Answers) {
		return nil
	}
	return &q
}

// comparisons are the comparison questions by kind and attribute: "first"
// means the smaller value wins.
var comparisons = []struct {
	kind  Kind
	attr  factKind
	text  string
	first bool
}{
	{Person, factYear, "who was born first, %s or %s?", true},
	{Org, factYear, "which was founded first, %s or %s?", true},
	{Org, factNum, "which has more staff, %s or %s?", false},
	{City, factNum, "which city has the larger population, %s or %s?", false},
	{City, factYear, "which city was founded first, %s or %s?", true},
	{Country, factNum, "which country has the larger population, %s or %s?", false},
	{Work, factYear, "which came out first, %s or %s?", true},
	{Event, factYear, "which was held first, %s or %s?", true},
	{Event, factNum, "which drew more visitors, %s or %s?", false},
}

func attrValue(a factKind, e *Entity) int {
	if a == factYear {
		return e.Year
	}
	return e.Num
}

// twoChains draws two chains with n relations in all, ending at distinct
// entities of kind k.
func (qb *questionBuilder) twoChains(n int, k Kind) (chain, chain, bool) {
	n1 := qb.r.IntN(n + 1)
	a, ok1 := qb.walkTo(n1, k)
	b, ok2 := qb.walkTo(n-n1, k)
	if !ok1 || !ok2 || a.last() == b.last() {
		return a, b, false
	}
	if qb.r.IntN(2) == 0 {
		a, b = b, a
	}
	return a, b, true
}

func (qb *questionBuilder) comparison(h int) *Question {
	cmp := pickOne(qb.r, comparisons)
	a, b, ok := qb.twoChains(h-2, cmp.kind)
	if !ok {
		return nil
	}
	ea, eb := &qb.w.Entities[a.last()], &qb.w.Entities[b.last()]
	va, vb := attrValue(cmp.attr, ea), attrValue(cmp.attr, eb)
	if va == vb {
		return nil
	}
	win := ea
	if (vb < va) == cmp.first {
		win = eb
	}
	q := &Question{Text: fmt.Sprintf(cmp.text, qb.np(a), qb.np(b)), Answers: nameAnswers(win)}
	q.Hop = append(qb.hops(a, cmp.attr, true), qb.hops(b, cmp.attr, true)...)
	q.About = []int32{a.last(), b.last()}
	return q
}

// counts are the count questions: the number of subjects of a relation an
// entity of the kind is the object of, listed completely on its page.
var counts = []struct {
	kind Kind
	rel  Rel
	text string
}{
	{Person, Creator, "how many works has %s created?"},
	{Org, Publisher, "how many works has %s published?"},
	{City, BasedIn, "how many organisations are based in %s?"},
	{Country, InCountry, "how many cities are there in %s?"},
}

// years phrases the date of an entity for a difference question.
func (qb *questionBuilder) years(c chain) string {
	switch np := qb.np(c); qb.w.Entities[c.last()].Kind {
	case Person:
		return "the birth of " + np
	case Org, City:
		return "the founding of " + np
	case Work:
		return "the release of " + np
	default:
		return np
	}
}

func (qb *questionBuilder) aggregation(h int) *Question {
	if h == 1 || qb.r.IntN(2) == 0 {
		cnt := pickOne(qb.r, counts)
		c, ok := qb.walkTo(h-1, cnt.kind)
		if !ok {
			return nil
		}
		n := len(qb.w.subjects[cnt.rel][c.last()])
		if n == 0 {
			return nil
		}
		q := &Question{Text: fmt.Sprintf(cnt.text, qb.np(c)), Answers: numberAnswers(n, "")}
		q.Hop = qb.hops(c, countFact(cnt.rel), true)
		q.About = []int32{c.last()}
		if mentions(q.Text, q.Answers) {
			return nil
		}
		return q
	}
	kinds := []Kind{Person, Org, City, Work, Event}
	k1, k2 := pickOne(qb.r, kinds), pickOne(qb.r, kinds)
	n1 := qb.r.IntN(h - 1)
	a, ok1 := qb.walkTo(n1, k1)
	b, ok2 := qb.walkTo(h-2-n1, k2)
	if !ok1 || !ok2 || a.last() == b.last() {
		return nil
	}
	d := qb.w.Entities[a.last()].Year - qb.w.Entities[b.last()].Year
	if d < 0 {
		d = -d
	}
	if d == 0 {
		return nil
	}
	q := &Question{Text: fmt.Sprintf("how many years passed between %s and %s?", qb.years(a), qb.years(b)), Answers: numberAnswers(d, "years")}
	q.Hop = append(qb.hops(a, factYear, true), qb.hops(b, factYear, true)...)
	q.About = []int32{a.last(), b.last()}
	if mentions(q.Text, q.Answers) {
		return nil
	}
	return q
}
