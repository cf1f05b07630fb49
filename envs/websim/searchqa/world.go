package searchqa

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dojo-rl/dojo/envs/websim/bm25"
	"github.com/dojo-rl/dojo/envs/websim/internal/prose"
	"github.com/dojo-rl/dojo/reward"
)

// Kind is the kind of an entity of a world.
type Kind uint8

// Entity kinds.
const (
	Person Kind = iota
	Org
	City
	Country
	Work
	Event
	numKinds
)

var kindNames = [numKinds]string{"person", "organisation", "city", "country", "work", "event"}

func (k Kind) String() string { return kindNames[k] }

// Rel is a relation between entities: each entity of the relation's
// subject kind has exactly one object.
type Rel uint8

// Relations.
const (
	Birthplace Rel = iota // person → city
	Employer              // person → organisation
	AlmaMater             // person → organisation (a university)
	Founder               // organisation → person
	BasedIn               // organisation → city
	Creator               // work → person
	Publisher             // work → organisation
	Location              // event → city
	Organiser             // event → organisation
	Winner                // event → person
	InCountry             // city → country
	Capital               // country → city
	numRels
)

var relKinds = [numRels][2]Kind{
	Birthplace: {Person, City}, Employer: {Person, Org}, AlmaMater: {Person, Org},
	Founder: {Org, Person}, BasedIn: {Org, City}, Creator: {Work, Person}, Publisher: {Work, Org},
	Location: {Event, City}, Organiser: {Event, Org}, Winner: {Event, Person},
	InCountry: {City, Country}, Capital: {Country, City},
}

var relNames = [numRels]string{"birthplace", "employer", "alma_mater", "founder", "based_in", "creator",
	"publisher", "location", "organiser", "winner", "country", "capital"}

func (r Rel) String() string { return relNames[r] }

// Entity is a person, organisation, place, work or event of a world.
type Entity struct {
	Kind Kind
	// Name is the entity's name, unique in the world after SQuAD
	// normalization; Aliases are other names that denote it (a full name
	// with a middle name, a legal form), unique as well.
	Name    string
	Aliases []string
	// Page is the entity's own page.
	Page int32
	// Year is the year of birth, founding, release or the event.
	Year int
	// Num is a population, a number of employees or of visitors (0: none).
	Num int
	// Label is an occupation, an industry, a work's kind or an event's type.
	Label string
	// Genre is a work's genre.
	Genre string
	// Rel holds the object of each relation of the entity's kind (-1
	// where the relation does not apply).
	Rel [numRels]int32
	// Namesake is the entity whose name this one's was made from (a
	// near-duplicate distractor), or -1.
	Namesake int32
	// An organisation that moved: its former city and the year it moved.
	FormerBase int32
	MovedIn    int
}

// Page is one page of a world's web: a title, a text and the pages the text
// links to.
type Page struct {
	ID    string
	Title string
	Text  string
	Links []int32
	// Entity is the entity the page is about (-1: none).
	Entity int32
	// Kind is "entity", "archive" (an outdated description, dated) or
	// "claim" (a false or unverified statement, marked as such).
	Kind string
}

// WorldOptions configure a generated world.
type WorldOptions struct {
	// Size is the number of entities before near-duplicate distractors
	// (at least 20).
	Size int
	// Noise is the number of distractor pages per entity, in [0, 1]:
	// entities with near-duplicate names, dated archive pages and pages of
	// refuted claims, in about equal numbers.
	Noise float64
	// Seed selects the world.
	Seed uint64
}

// World is a generated world: entities, their pages, and the search index
// over the pages. It is read-only once made and safe for concurrent use.
type World struct {
	Options  WorldOptions
	Entities []Entity
	Pages    []Page
	Index    *bm25.Index

	byKind [numKinds][]int32
	// facts maps a fact to the pages that state it.
	facts    map[fact][]int32
	pageByID map[string]int32
	// subjects lists, per relation and object, the subjects (the complete
	// backlink lists pages print).
	subjects [numRels]map[int32][]int32

	hashOnce sync.Once
	hash     string
}

// A fact is what one hop of a question reads: a relation or attribute of an
// entity, or the number of subjects of a relation it is the object of.
type fact struct {
	e    int32
	what factKind
}

type factKind uint8

const (
	factYear factKind = iota + factKind(numRels)
	factNum
	factLabel
	factGenre
	factCount // + Rel: the number of subjects of the relation
)

func relFact(r Rel) factKind   { return factKind(r) }
func countFact(r Rel) factKind { return factCount + factKind(r) }

// Random streams of the world generator (PCG's second word).
const (
	worldStream    = 0x776f726c64 // "world"
	questionStream = 0x7175657374 // "quest"
)

// MinWorldSize and MaxWorldSize bound WorldOptions.Size.
const (
	MinWorldSize = 20
	MaxWorldSize = 200000
)

// NewWorld generates the world of o. The same options give the same world,
// byte for byte.
func NewWorld(o WorldOptions) (*World, error) {
	if o.Size < MinWorldSize || o.Size > MaxWorldSize {
		return nil, fmt.Errorf("world size %d: want %d..%d entities", o.Size, MinWorldSize, MaxWorldSize)
	}
	if math.IsNaN(o.Noise) || o.Noise < 0 || o.Noise > 1 {
		return nil, fmt.Errorf("world noise %v: want a number in [0, 1]", o.Noise)
	}
	g := &generator{r: rand.New(rand.NewPCG(o.Seed, worldStream)), w: &World{Options: o}, names: map[string]bool{}}
	g.entities()
	g.pages()
	w := g.w
	w.pageByID = make(map[string]int32, len(w.Pages))
	for i, p := range w.Pages {
		w.pageByID[p.ID] = int32(i)
	}
	w.Index = bm25.NewIndex(pageDocs(w.Pages))
	return w, nil
}

// pageDocs returns pages as the documents of an index.
func pageDocs(pages []Page) []bm25.Doc {
	docs := make([]bm25.Doc, len(pages))
	for i, p := range pages {
		docs[i] = bm25.Doc{ID: p.ID, Title: p.Title, Text: p.Text}
	}
	return docs
}

// PageByID returns the page whose ID is id, or whose title is id (ignoring
// case and surrounding space), and whether there is one.
func (w *World) PageByID(id string) (int, bool) {
	id = strings.TrimSpace(id)
	if p, ok := w.pageByID[id]; ok {
		return int(p), true
	}
	if p, ok := w.pageByID[slug(id)]; ok && strings.EqualFold(w.Pages[p].Title, id) {
		return int(p), true
	}
	return 0, false
}

// Hash is a SHA-256 of every page's id, title and text: tasks carry it so
// that a verifier detects a world made by another version of the generator.
func (w *World) Hash() string {
	w.hashOnce.Do(func() {
		h := sha256.New()
		for _, p := range w.Pages {
			fmt.Fprintf(h, "%s\x00%s\x00%s\x00", p.ID, p.Title, p.Text)
		}
		w.hash = hex.EncodeToString(h.Sum(nil))
	})
	return w.hash
}

// evidence returns the pages that state f.
func (w *World) evidence(f fact) []int32 { return w.facts[f] }

// generator holds the state of one world's generation.
type generator struct {
	r     *rand.Rand
	w     *World
	names map[string]bool // normalized names and aliases in use
}

// claim reserves name (normalized) and reports whether it was free.
func (g *generator) claim(name string) bool {
	n := reward.NormalizeAnswer(name)
	if n == "" || g.names[n] {
		return false
	}
	g.names[n] = true
	return true
}

// uniqueName draws names with draw until one is free (giving up with ""
// after many tries, which the caller treats as no entity).
func (g *generator) uniqueName(draw func() string) string {
	for range 200 {
		if n := draw(); g.claim(n) {
			return n
		}
	}
	return ""
}

func (g *generator) add(e Entity) int32 {
	for r := range e.Rel {
		e.Rel[r] = -1
	}
	e.Namesake, e.FormerBase, e.Page = -1, -1, -1
	id := int32(len(g.w.Entities))
	g.w.Entities = append(g.w.Entities, e)
	g.w.byKind[e.Kind] = append(g.w.byKind[e.Kind], id)
	return id
}

func (g *generator) ent(i int32) *Entity { return &g.w.Entities[i] }

func (g *generator) any(k Kind) int32 { return pickOne(g.r, g.w.byKind[k]) }

// entities draws the world's entities and relations.
func (g *generator) entities() {
	n := g.w.Options.Size
	r := g.r
	nCountry := max(2, n/50)
	nCity := max(5, n/10)
	nOrg := max(5, n/6)
	nPerson := max(6, n*2/5)
	nWork := max(4, n/5)
	nEvent := max(2, n/12)
	namesakes := g.w.Options.Noise / 3 // a third of the distractors are namesakes

	for range nCountry {
		if name := g.uniqueName(func() string { return syllableName(r, placeStems, placeMids, countryEnds, 0.3) }); name != "" {
			g.add(Entity{Kind: Country, Name: name, Num: 200_000 + r.IntN(80_000_000)})
		}
	}
	city := func(name string) int32 {
		c := g.add(Entity{Kind: City, Name: name, Year: 800 + r.IntN(1150), Num: cityPopulation(r)})
		g.ent(c).Rel[InCountry] = g.w.byKind[Country][(len(g.w.byKind[City])-1)%len(g.w.byKind[Country])]
		if len(g.w.byKind[City]) > len(g.w.byKind[Country]) {
			g.ent(c).Rel[InCountry] = g.any(Country)
		}
		return c
	}
	for range nCity {
		if name := g.uniqueName(func() string { return syllableName(r, placeStems, placeMids, placeEnds, 0.4) }); name != "" {
			city(name)
		}
	}
	for range int(math.Round(namesakes * float64(nCity))) {
		orig := g.any(City)
		if name := g.uniqueName(func() string { return mutatePlace(r, g.ent(orig).Name) }); name != "" {
			g.ent(city(name)).Namesake = orig
		}
	}
	// Each country's capital: one of its cities (the first, which exists).
	for _, k := range g.w.byKind[Country] {
		var own []int32
		for _, c := range g.w.byKind[City] {
			if g.ent(c).Rel[InCountry] == k {
				own = append(own, c)
			}
		}
		g.ent(k).Rel[Capital] = pickOne(r, own)
	}

	person := func(given, surname string) int32 {
		p := g.add(Entity{Kind: Person, Name: given + " " + surname, Year: 1920 + r.IntN(80), Label: pickOne(r, occupations)})
		if r.IntN(3) == 0 {
			g.addAlias(p, func() string { return given + " " + pickOne(r, givenNames) + " " + surname })
		}
		g.ent(p).Rel[Birthplace] = g.any(City)
		return p
	}
	surname := func() string { return syllableName(r, surnameStems, surnameMids, surnameEnds, 0.35) }
	for range nPerson {
		var given, sur string
		if name := g.uniqueName(func() string {
			given, sur = pickOne(r, givenNames), surname()
			return given + " " + sur
		}); name != "" {
			person(given, sur)
		}
	}
	for range int(math.Round(namesakes * float64(nPerson))) {
		orig := g.any(Person)
		og, os, _ := strings.Cut(g.ent(orig).Name, " ")
		var given, sur string
		if name := g.uniqueName(func() string {
			given, sur = og, mutateWord(r, os)
			if r.IntN(2) == 0 {
				given, sur = pickOne(r, givenNames), os
			}
			return given + " " + sur
		}); name != "" {
			g.ent(person(given, sur)).Namesake = orig
		}
	}
	// A third of the people create works: they get a creator's occupation.
	people := g.w.byKind[Person]
	for _, p := range people {
		if r.IntN(3) == 0 {
			g.ent(p).Label = pickOne(r, creatorJobs[pickOne(r, workKinds)])
		}
	}

	// Organisations: the first ones cover the industries that publish and
	// education, so every work has a publisher of its kind and every
	// person a university.
	org := func(ind int, name string, founder int32) int32 {
		e := g.ent(founder)
		year := min(2020, e.Year+25+r.IntN(40))
		o := g.add(Entity{Kind: Org, Name: name, Year: year, Label: industries[ind].name, Num: 20 + r.IntN(20000)})
		g.ent(o).Rel[Founder], g.ent(o).Rel[BasedIn] = founder, g.any(City)
		if industries[ind].name != educationIndustry {
			g.addAlias(o, func() string { return name + " " + pickOne(r, legalForms) })
		}
		if r.Float64() < g.w.Options.Noise && year < 2015 {
			ob := g.ent(o)
			if fb := g.any(City); fb != ob.Rel[BasedIn] {
				ob.FormerBase, ob.MovedIn = fb, year+1+r.IntN(2020-year)
			}
		}
		return o
	}
	orgName := func(ind int, founder int32) string {
		suffix := pickOne(r, industries[ind].suffixes)
		base := surname()
		if r.IntN(2) == 0 {
			_, base, _ = strings.Cut(g.ent(founder).Name, " ")
		}
		if industries[ind].name == educationIndustry && r.IntN(2) == 0 {
			return "College of " + syllableName(r, placeStems, placeMids, placeEnds, 0.3)
		}
		return base + " " + suffix
	}
	forced := []string{"publishing", "film", "music", educationIndustry, educationIndustry}
	for i := range nOrg {
		ind := r.IntN(len(industries))
		if i < len(forced) {
			ind = industryIndex(forced[i])
		} else if r.IntN(5) == 0 {
			ind = industryIndex(educationIndustry) // a fifth are universities
		}
		founder := g.any(Person)
		if name := g.uniqueName(func() string { return orgName(ind, founder) }); name != "" {
			org(ind, name, founder)
		}
	}
	for range int(math.Round(namesakes * float64(nOrg))) {
		orig := g.any(Org)
		on := g.ent(orig).Name
		ind := industryIndex(g.ent(orig).Label)
		first, _, _ := strings.Cut(on, " ")
		if name := g.uniqueName(func() string {
			if first == "College" {
				return "College of " + mutatePlace(r, strings.TrimPrefix(on, "College of "))
			}
			return first + " " + pickOne(r, industries[ind].suffixes)
		}); name != "" {
			g.ent(org(ind, name, g.any(Person))).Namesake = orig
		}
	}
	var universities, employers []int32
	byIndustry := map[string][]int32{}
	for _, o := range g.w.byKind[Org] {
		byIndustry[g.ent(o).Label] = append(byIndustry[g.ent(o).Label], o)
		if g.ent(o).Label == educationIndustry {
			universities = append(universities, o)
		} else {
			employers = append(employers, o)
		}
	}
	for _, p := range g.w.byKind[Person] {
		g.ent(p).Rel[AlmaMater] = pickOne(r, universities)
		g.ent(p).Rel[Employer] = pickOne(r, employers)
	}

	// Works, by creators of the right occupation.
	creators := map[string][]int32{}
	for _, p := range g.w.byKind[Person] {
		for kind, jobs := range creatorJobs {
			if slices.Contains(jobs, g.ent(p).Label) {
				creators[kind] = append(creators[kind], p)
			}
		}
	}
	work := func(kind, title string) int32 {
		cs := creators[kind]
		if len(cs) == 0 {
			cs = g.w.byKind[Person]
		}
		c := pickOne(r, cs)
		year := min(2024, g.ent(c).Year+20+r.IntN(45))
		wk := g.add(Entity{Kind: Work, Name: title, Year: year, Label: kind, Genre: pickOne(r, genres[kind])})
		// The publisher: one of the kind's, founded before the work if any is.
		pubs := byIndustry[publishingIndustry(kind)]
		var older []int32
		for _, o := range pubs {
			if g.ent(o).Year <= year {
				older = append(older, o)
			}
		}
		if len(older) > 0 {
			pubs = older
		}
		g.ent(wk).Rel[Creator], g.ent(wk).Rel[Publisher] = c, pickOne(r, pubs)
		return wk
	}
	for range nWork {
		kind := pickOne(r, workKinds)
		if title := g.uniqueName(func() string { return workTitle(r) }); title != "" {
			work(kind, title)
		}
	}
	for range int(math.Round(namesakes * float64(nWork))) {
		orig := g.any(Work)
		on, kind := g.ent(orig).Name, g.ent(orig).Label
		if title := g.uniqueName(func() string { return mutateTitle(r, on) }); title != "" {
			g.ent(work(kind, title)).Namesake = orig
		}
	}

	for range nEvent {
		typ := pickOne(r, eventTypes)
		if name := g.uniqueName(func() string {
			return pickOne(r, eventAdjectives) + " " + pickOne(r, eventNouns) + " " + typ
		}); name != "" {
			ev := g.add(Entity{Kind: Event, Name: name, Year: 1950 + r.IntN(74), Label: strings.ToLower(typ), Num: 200 + r.IntN(60000)})
			e := g.ent(ev)
			e.Rel[Location], e.Rel[Organiser] = g.any(City), g.any(Org)
			win := g.any(Person)
			for range 20 {
				if g.ent(win).Year <= e.Year-16 {
					break
				}
				win = g.any(Person)
			}
			g.ent(ev).Rel[Winner] = win
		}
	}

	// The backlink lists, complete, in entity order.
	for rel := range numRels {
		g.w.subjects[rel] = map[int32][]int32{}
	}
	for i := range g.w.Entities {
		for rel, o := range g.w.Entities[i].Rel {
			if o >= 0 {
				g.w.subjects[rel][o] = append(g.w.subjects[rel][o], int32(i))
			}
		}
	}
}

func publishingIndustry(kind string) string {
	for _, ind := range industries {
		if ind.publish == kind {
			return ind.name
		}
	}
	return ""
}

// addAlias gives entity e an alias drawn by draw, if a free one comes.
func (g *generator) addAlias(e int32, draw func() string) {
	for range 5 {
		if a := draw(); g.claim(a) {
			g.ent(e).Aliases = append(g.ent(e).Aliases, a)
			return
		}
	}
}

func cityPopulation(r *rand.Rand) int {
	// Log-uniform between 2,000 and 5 million, rounded to the hundred.
	p := math.Exp(math.Log(2000) + r.Float64()*(math.Log(5e6)-math.Log(2000)))
	return int(p/100) * 100
}

func workTitle(r *rand.Rand) string {
	a, n := pickOne(r, titleAdjectives), pickOne(r, titleNouns)
	switch r.IntN(6) {
	case 0:
		return "The " + a + " " + n
	case 1:
		return n + " of " + plural(pickOne(r, titleNouns))
	case 2:
		return a + " " + plural(n)
	case 3:
		art := prose.WithArticle(n)
		return strings.ToUpper(art[:1]) + art[1:] + " for " + pickOne(r, givenNames)
	case 4:
		return "The " + n + " at " + syllableName(r, placeStems, placeMids, placeEnds, 0)
	}
	return a + " " + n
}

func plural(n string) string {
	switch {
	case strings.HasSuffix(n, "s") || strings.HasSuffix(n, "x") || strings.HasSuffix(n, "sh"):
		return n + "es"
	case strings.HasSuffix(n, "y") && !strings.HasSuffix(n, "ey"):
		return n[:len(n)-1] + "ies"
	}
	return n + "s"
}

// mutateWord changes a name a little: one vowel, or its ending.
func mutateWord(r *rand.Rand, w string) string {
	const vowels = "aeiou"
	b := []byte(w)
	var at []int
	for i := 1; i < len(b); i++ {
		if strings.IndexByte(vowels, b[i]) >= 0 {
			at = append(at, i)
		}
	}
	if len(at) > 0 && r.IntN(3) > 0 {
		i := pickOne(r, at)
		b[i] = vowels[(strings.IndexByte(vowels, b[i])+1+r.IntN(4))%5]
		return string(b)
	}
	if len(w) > 4 {
		return w[:len(w)-1] + string(vowels[r.IntN(5)])
	}
	return w + "e"
}

// mutatePlace changes a place name's ending or one of its vowels.
func mutatePlace(r *rand.Rand, name string) string {
	for _, end := range placeEnds {
		if strings.HasSuffix(name, end) && r.IntN(2) == 0 {
			return strings.TrimSuffix(name, end) + pickOne(r, placeEnds)
		}
	}
	return mutateWord(r, name)
}

// mutateTitle changes one word of a title.
func mutateTitle(r *rand.Rand, t string) string {
	words := strings.Fields(t)
	i := r.IntN(len(words))
	switch w := words[i]; {
	case w == "The" || w == "A" || w == "of" || w == "for" || w == "at":
		words[len(words)-1] = mutateWord(r, words[len(words)-1])
	case slices.Contains(titleAdjectives, w):
		words[i] = pickOne(r, titleAdjectives)
	default:
		words[i] = pickOne(r, titleNouns)
	}
	return strings.Join(words, " ")
}

// slug makes a page id of a title: lower case, runs of other characters
// than letters and digits replaced by "-".
func slug(title string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(title) {
		if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// formatNum writes n with thousands separators (4,300).
func formatNum(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + formatNum(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
