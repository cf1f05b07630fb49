package searchqa

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/dojo-rl/dojo/envs/websim/internal/prose"
)

// pages writes the world's pages: one per entity, then the archive and
// claim distractors. Each sentence that states a fact of the world records
// the page as evidence of it, so questions know every page a hop can be
// read from.
func (g *generator) pages() {
	w := g.w
	w.facts = map[fact][]int32{}
	for i := range w.Entities {
		w.Entities[i].Page = int32(i)
		w.Pages = append(w.Pages, Page{Title: w.Entities[i].Name, Entity: int32(i), Kind: "entity"})
	}
	n := int(math.Round(w.Options.Noise / 3 * float64(w.Options.Size)))
	for made, tries := 0, 0; made < n && tries < 4*n; tries++ {
		if g.archivePage() {
			made++
		}
	}
	for made, tries := 0, 0; made < n && tries < 4*n; tries++ {
		if g.claimPage() {
			made++
		}
	}
	for i := range w.Entities {
		pw := &pageWriter{g: g, page: int32(i), r: rand.New(rand.NewPCG(w.Options.Seed^uint64(i)*0x9e3779b97f4a7c15, worldStream+1))}
		pw.entity(int32(i))
		w.Pages[i].Text, w.Pages[i].Links = pw.text(), pw.links
	}
	// Page ids: slugs of the titles, made unique in page order.
	seen := map[string]bool{}
	for i := range w.Pages {
		id := slug(w.Pages[i].Title)
		if id == "" {
			id = "page"
		}
		for k := 2; seen[id]; k++ {
			id = fmt.Sprintf("%s-%d", slug(w.Pages[i].Title), k)
		}
		seen[id] = true
		w.Pages[i].ID = id
	}
}

// pageWriter writes one page.
type pageWriter struct {
	g     *generator
	r     *rand.Rand
	page  int32
	b     strings.Builder
	links []int32
}

func (p *pageWriter) text() string { return strings.TrimSpace(p.b.String()) }

// say appends a sentence.
func (p *pageWriter) say(format string, args ...any) {
	if p.b.Len() > 0 {
		p.b.WriteByte(' ')
	}
	fmt.Fprintf(&p.b, format, args...)
}

// name returns entity e's name and links its page.
func (p *pageWriter) name(e int32) string {
	if pg := p.g.w.Entities[e].Page; pg != p.page && !slices.Contains(p.links, pg) {
		p.links = append(p.links, pg)
	}
	return p.g.w.Entities[e].Name
}

// the returns "the " + an event's name (events read with an article).
func (p *pageWriter) the(e int32) string {
	if p.g.w.Entities[e].Kind == Event {
		return "the " + p.name(e)
	}
	return p.name(e)
}

// states records that this page states fact (e, k).
func (p *pageWriter) states(e int32, k factKind) {
	f := fact{e, k}
	if pages := p.g.w.facts[f]; !slices.Contains(pages, p.page) {
		p.g.w.facts[f] = append(pages, p.page)
	}
}

// list names entities as "A", "A and B" or "A, B and C", stating for each
// the relation rel of which the page's entity is the object.
func (p *pageWriter) list(es []int32, rel Rel) string {
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = p.the(e)
		p.states(e, relFact(rel))
	}
	return prose.AndList(names)
}

// backlinks states the subjects of rel whose object is the page's entity
// (named name), if there are any, in a sentence of format (with the name
// and the list).
func (p *pageWriter) backlinks(name string, es []int32, rel Rel, format string) {
	if len(es) > 0 {
		p.say(format, name, p.list(es, rel))
	}
}

// complete states the complete list of the subjects of rel whose object
// is entity i ("The only … is A." or "The … are A, B and C."), which a
// count question reads, if there are any.
func (p *pageWriter) complete(i int32, es []int32, rel Rel, one, many string) {
	p.completeAs(p.g.w.Entities[i].Name, i, es, rel, one, many)
}

// completeAs is complete naming the entity as name.
func (p *pageWriter) completeAs(name string, i int32, es []int32, rel Rel, one, many string) {
	if len(es) == 0 {
		return
	}
	if len(es) == 1 {
		p.say(one, name, p.list(es, rel))
	} else {
		p.say(many, name, p.list(es, rel))
	}
	p.states(i, countFact(rel))
}

func lastWord(name string) string { return name[strings.LastIndexByte(name, ' ')+1:] }

func (p *pageWriter) filler(subject string) {
	order := p.r.Perm(len(fillers))
	for _, i := range order[:p.r.IntN(3)] {
		p.say(fillers[i], subject)
	}
}

func (p *pageWriter) hatnote(e *Entity) {
	if e.Namesake >= 0 {
		p.say("Not to be confused with %s.", p.the(e.Namesake))
	}
}

func (p *pageWriter) entity(i int32) {
	w := p.g.w
	e := &w.Entities[i]
	sub := func(r Rel) []int32 { return w.subjects[r][i] }
	r := p.r
	switch e.Kind {
	case Person:
		s := lastWord(e.Name)
		bp := p.name(e.Rel[Birthplace])
		switch r.IntN(3) {
		case 0:
			p.say("%s (born %d) is %s from %s.", e.Name, e.Year, prose.WithArticle(e.Label), bp)
		case 1:
			p.say("%s, born in %s in %d, is %s.", e.Name, bp, e.Year, prose.WithArticle(e.Label))
		default:
			p.say("%s is %s. %s was born in %s in %d.", e.Name, prose.WithArticle(e.Label), s, bp, e.Year)
		}
		p.states(i, factYear)
		p.states(i, factLabel)
		p.states(i, relFact(Birthplace))
		for _, a := range e.Aliases {
			p.say("%s's full name is %s.", s, a)
		}
		p.hatnote(e)
		if r.IntN(2) == 0 {
			p.say("%s studied at %s.", s, p.name(e.Rel[AlmaMater]))
		} else {
			p.say("%s is a graduate of %s.", s, p.name(e.Rel[AlmaMater]))
		}
		p.states(i, relFact(AlmaMater))
		switch r.IntN(3) {
		case 0:
			p.say("%s works for %s.", s, p.name(e.Rel[Employer]))
		case 1:
			p.say("%s has worked at %s since %d.", s, p.name(e.Rel[Employer]), min(2024, e.Year+22+r.IntN(20)))
		default:
			p.say("Today %s works at %s.", s, p.name(e.Rel[Employer]))
		}
		p.states(i, relFact(Employer))
		p.completeAs(s, i, sub(Creator), Creator, "%s's only work is %s.", "%s's works are %s.")
		p.backlinks(s, sub(Founder), Founder, "%s founded %s.")
		p.backlinks(s, sub(Winner), Winner, "%s won %s.")
		p.filler(s)
	case Org:
		city := p.name(e.Rel[BasedIn])
		if e.Label == educationIndustry {
			p.say("%s is a university in %s.", e.Name, city)
		} else if len(e.Aliases) > 0 {
			p.say("%s (%s) is %s company based in %s.", e.Name, e.Aliases[0], prose.WithArticle(e.Label), city)
		} else {
			p.say("%s is %s company based in %s.", e.Name, prose.WithArticle(e.Label), city)
		}
		p.states(i, relFact(BasedIn))
		p.states(i, factLabel)
		p.hatnote(e)
		if r.IntN(2) == 0 {
			p.say("It was founded in %d by %s.", e.Year, p.name(e.Rel[Founder]))
		} else {
			p.say("%s founded %s in %d.", p.name(e.Rel[Founder]), e.Name, e.Year)
		}
		p.states(i, factYear)
		p.states(i, relFact(Founder))
		if e.FormerBase >= 0 {
			p.say("Until %d it was based in %s; it then moved to %s.", e.MovedIn, p.name(e.FormerBase), city)
		}
		if e.Label == educationIndustry {
			p.say("It has %s staff.", formatNum(e.Num))
		} else if r.IntN(2) == 0 {
			p.say("It employs %s people.", formatNum(e.Num))
		} else {
			p.say("%s has %s employees.", e.Name, formatNum(e.Num))
		}
		p.states(i, factNum)
		p.backlinks(e.Name, sub(AlmaMater), AlmaMater, "Alumni of %s include %s.")
		p.backlinks(e.Name, sub(Employer), Employer, "People who work at %s include %s.")
		p.complete(i, sub(Publisher), Publisher, "The only work %s has published is %s.", "The works %s has published are %s.")
		p.backlinks(e.Name, sub(Organiser), Organiser, "%s organised %s.")
		p.filler(e.Name)
	case City:
		k := p.name(e.Rel[InCountry])
		if r.IntN(2) == 0 {
			p.say("%s is a city in %s with a population of %s.", e.Name, k, formatNum(e.Num))
		} else {
			p.say("%s, a city in %s, has %s inhabitants.", e.Name, k, formatNum(e.Num))
		}
		p.states(i, relFact(InCountry))
		p.states(i, factNum)
		p.hatnote(e)
		p.say("It was founded in %d.", e.Year)
		p.states(i, factYear)
		if w.Entities[e.Rel[InCountry]].Rel[Capital] == i {
			p.say("%s is the capital of %s.", e.Name, k)
			p.states(e.Rel[InCountry], relFact(Capital))
		}
		p.backlinks(e.Name, sub(Birthplace), Birthplace, "People born in %s include %s.")
		p.complete(i, sub(BasedIn), BasedIn, "The only organisation based in %s is %s.", "The organisations based in %s are %s.")
		p.backlinks(e.Name, sub(Location), Location, "%s hosted %s.")
		p.filler(e.Name)
	case Country:
		p.say("%s is a country with a population of %s.", e.Name, formatNum(e.Num))
		p.states(i, factNum)
		p.say("Its capital is %s.", p.name(e.Rel[Capital]))
		p.states(i, relFact(Capital))
		p.complete(i, sub(InCountry), InCountry, "The only city of %s is %s.", "The cities of %s are %s.")
		p.filler(e.Name)
	case Work:
		c, pub := p.name(e.Rel[Creator]), p.name(e.Rel[Publisher])
		switch e.Label {
		case "novel":
			p.say("%s is a %d %s novel by %s, published by %s.", e.Name, e.Year, e.Genre, c, pub)
		case "film":
			p.say("%s is a %d %s film directed by %s and produced by %s.", e.Name, e.Year, e.Genre, c, pub)
		default:
			p.say("%s is a %d %s album by %s, released by %s.", e.Name, e.Year, e.Genre, c, pub)
		}
		for _, k := range []factKind{factYear, factGenre, factLabel, relFact(Creator), relFact(Publisher)} {
			p.states(i, k)
		}
		p.hatnote(e)
		p.filler(e.Name)
	case Event:
		p.say("The %s was %s held in %s in %d.", e.Name, prose.WithArticle(e.Label), p.name(e.Rel[Location]), e.Year)
		p.say("It was organised by %s and won by %s.", p.name(e.Rel[Organiser]), p.name(e.Rel[Winner]))
		p.say("About %s visitors attended.", formatNum(e.Num))
		for _, k := range []factKind{factYear, factLabel, factNum, relFact(Location), relFact(Organiser), relFact(Winner)} {
			p.states(i, k)
		}
		p.filler("the " + e.Name)
	}
}

// archivePage adds a dated page that describes an entity as it was: a
// former city, employer, size or population. It states no current fact.
func (g *generator) archivePage() bool {
	w, r := g.w, g.r
	e := int32(r.IntN(len(w.Entities)))
	x := &w.Entities[e]
	pw := &pageWriter{g: g, page: int32(len(w.Pages)), r: r}
	var title string
	switch x.Kind {
	case Org:
		year := x.Year + r.IntN(max(1, 2010-x.Year))
		base := x.Rel[BasedIn]
		if x.FormerBase >= 0 && year < x.MovedIn {
			base = x.FormerBase
		}
		title = fmt.Sprintf("%s in %d", x.Name, year)
		pw.say("This page describes %s as it was in %d and has not been updated since.", pw.name(e), year)
		pw.say("At that time %s was based in %s and employed %s people.", x.Name, pw.name(base), formatNum(oldNumber(r, x.Num)))
	case Person:
		year := min(2015, x.Year+20+r.IntN(20))
		other := g.any(Org)
		if other == x.Rel[Employer] {
			return false
		}
		title = fmt.Sprintf("%s in %d", x.Name, year)
		pw.say("In a %d interview, %s said they were then working for %s.", year, pw.name(e), pw.name(other))
		pw.say("The interview predates later changes of employer.")
	case City, Country:
		year := 1900 + r.IntN(100)
		title = fmt.Sprintf("%s census of %d", x.Name, year)
		pw.say("The census of %d counted %s inhabitants in %s.", year, formatNum(oldNumber(r, x.Num)), pw.name(e))
		pw.say("Figures from later censuses are higher.")
	default:
		return false
	}
	w.Pages = append(w.Pages, Page{Title: title, Text: pw.text(), Links: pw.links, Entity: -1, Kind: "archive"})
	return true
}

// oldNumber is an earlier, smaller value of n: 30 to 90 % of it, rounded.
func oldNumber(r *rand.Rand, n int) int {
	v := int(float64(n) * (0.3 + 0.6*r.Float64()))
	if v > 1000 {
		v = v / 100 * 100
	}
	return max(1, v)
}

// claimPage adds a page reporting a false or unverified statement about an
// entity, marked as such.
func (g *generator) claimPage() bool {
	w, r := g.w, g.r
	e := int32(r.IntN(len(w.Entities)))
	x := &w.Entities[e]
	pw := &pageWriter{g: g, page: int32(len(w.Pages)), r: r}
	other := func(k Kind, not int32) int32 {
		for range 10 {
			if o := g.any(k); o != not {
				return o
			}
		}
		return -1
	}
	// The relation a claim gets wrong, by the entity's kind.
	rel, ok := map[Kind]Rel{Person: Birthplace, Org: Founder, Work: Creator, Event: Winner}[x.Kind]
	if !ok {
		return false
	}
	o := other(relKinds[rel][1], x.Rel[rel])
	if o < 0 {
		return false
	}
	var title string
	switch x.Kind {
	case Person:
		title = "Claims about " + x.Name
		pw.say("A widely shared post claims that %s was born in %s.", pw.name(e), pw.name(o))
		pw.say("The claim is false.")
	case Org:
		title = "Rumours about " + x.Name
		pw.say("An unverified forum post says that %s was founded by %s in %d.", pw.name(e), pw.name(o), x.Year-1-r.IntN(9))
		pw.say("No source confirms this.")
	case Work:
		title = "Misattributions of " + x.Name
		pw.say("%s is sometimes wrongly credited to %s.", pw.name(e), pw.name(o))
	default: // Event
		title = "Disputed results of the " + x.Name
		pw.say("Some reports wrongly named %s as the winner of the %s.", pw.name(o), pw.name(e))
	}
	w.Pages = append(w.Pages, Page{Title: title, Text: pw.text(), Links: pw.links, Entity: -1, Kind: "claim"})
	return true
}
