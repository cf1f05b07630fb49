package shop

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/websim/bm25"
	"github.com/dojo-rl/dojo/envs/websim/internal/prose"
)

// goal is what an instruction asks for (WebShop's goal): the target
// product's type (query, product category and title nouns for r_type), the
// attributes and option values asked for, and the price bound.
type goal struct {
	ASIN            string       `json:"asin"`
	Instruction     string       `json:"instruction"`
	Search          string       `json:"search"` // the gold search: the instruction, or the target's title
	Attributes      []string     `json:"attributes"`
	Options         []goalOption `json:"options"`
	PriceUpper      float64      `json:"price_upper"`
	Query           string       `json:"query"`
	Category        string       `json:"category"`
	ProductCategory string       `json:"product_category"`
	Name            string       `json:"name"`
	Nouns           []string     `json:"name_nouns"`
}

// goalOption is an option value the instruction asks for.
type goalOption struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Search parameters as WebShop's: a search returns the top 50 products,
// shown 10 to a page.
const (
	searchReturnN = 50
	productWindow = 10
)

// goalAttempts bounds the targets drawn for a seed's goal, and
// goalRefinements the refinements of each (see generateGoal).
const (
	goalAttempts    = 8
	goalRefinements = 3
)

// goalConfig is what goal generation reads from the options.
type goalConfig struct {
	attributes int     // goal attributes; 0: 1 to 3, drawn
	paraphrase float64 // the chance that an instruction names an option value by a paraphrase
}

// generateGoal draws the goal of seed on catalog c, as a person writes an
// instruction looking at a product: a target product, some of its
// attributes, one value of each of its options, and WebShop's price bound.
//
// The search for the instruction should show the target among its top 50
// results. When other results satisfy the goal too (could score 1 with
// some options), the instruction is refined to tell the target apart, up to
// goalRefinements times: it names one more of the target's attributes (the
// one fewest of those results have; not when option goal_attributes fixes
// their number), or else asks for another of its option values that fewer
// of them offer. A target that cannot be told apart is redrawn, up to
// goalAttempts times; then the first draw whose target the instruction
// finds is kept, satisfiable but not unique. When no draw's instruction
// finds its target (in catalogs of many thousands of products), the gold
// search is the target's title instead. TestShopGoals counts how rarely
// either happens.
//
// It returns the goal, the target's rank in the gold search's results
// (from 1) and whether no other of those results satisfies the goal.
func generateGoal(c *catalog, gc goalConfig, seed uint64) (*goal, int, bool, error) {
	r := rand.New(rand.NewPCG(seed, streamGoal))
	var s goalSearch
	var first *goal
	firstRank := 0
	for range goalAttempts {
		t := r.IntN(len(c.products))
		p := &c.products[t]
		g := drawGoal(r, p, gc)
		for range goalRefinements + 1 {
			g.Instruction = writeInstruction(r, p, g, gc.paraphrase)
			g.Search = g.Instruction
			rank := s.run(c, g, t)
			if rank == 0 {
				break
			}
			if len(s.rivals) == 0 {
				return g, rank, true, nil
			}
			if first == nil {
				first, firstRank = cloneGoal(g), rank
			}
			if !refineGoal(r, c, p, g, s.rivals, gc.attributes == 0) {
				break
			}
		}
	}
	if first != nil {
		return first, firstRank, false, nil
	}
	for range goalAttempts {
		t := r.IntN(len(c.products))
		p := &c.products[t]
		g := drawGoal(r, p, gc)
		g.Instruction = writeInstruction(r, p, g, gc.paraphrase)
		g.Search = strings.ToLower(p.Title)
		if rank := s.run(c, g, t); rank > 0 {
			return g, rank, len(s.rivals) == 0, nil
		}
	}
	return nil, 0, false, dojo.Errorf(dojo.CodeInternal, "websim: no findable shopping goal for seed %d in %d draws", seed, 2*goalAttempts)
}

// goalSearch runs a goal's gold search and finds the other results that
// satisfy it.
type goalSearch struct {
	hits   []bm25.Hit
	rivals []int
}

// run searches g.Search and returns the rank of product t in the results
// (from 1; 0 when absent), keeping the rivals: the other results that
// satisfy g.
func (s *goalSearch) run(c *catalog, g *goal, t int) int {
	s.hits = c.index.SearchAppend(s.hits[:0], g.Search, searchReturnN)
	s.rivals = s.rivals[:0]
	gp := prepareGoal(g)
	rank := 0
	for i, h := range s.hits {
		if h.Doc == t {
			rank = i + 1
		} else if satisfies(&c.products[h.Doc], g, gp) {
			s.rivals = append(s.rivals, h.Doc)
		}
	}
	return rank
}

func cloneGoal(g *goal) *goal {
	c := *g
	c.Attributes = slices.Clone(g.Attributes)
	c.Options = slices.Clone(g.Options)
	return &c
}

// refineGoal changes g to exclude more of the rival products: it adds the
// target's attribute that the fewest rivals have (when more attributes are
// allowed, up to 3), or else switches one option to the target's value the
// fewest rivals offer. It reports whether it changed g.
func refineGoal(r *rand.Rand, c *catalog, p *product, g *goal, rivals []int, moreAttributes bool) bool {
	if moreAttributes && len(g.Attributes) < min(3, len(p.Attributes)) {
		best, bestN := "", len(rivals)
		for _, i := range r.Perm(len(p.Attributes)) {
			a := p.Attributes[i]
			if slices.Contains(g.Attributes, a) {
				continue
			}
			n := 0
			for _, q := range rivals {
				if slices.Contains(c.products[q].Attributes, a) {
					n++
				}
			}
			if n < bestN {
				best, bestN = a, n
			}
		}
		if best != "" {
			g.Attributes = append(g.Attributes, best)
			return true
		}
	}
	bestO, bestV, bestN := -1, "", len(rivals)
	for oi, o := range p.Options {
		for _, i := range r.Perm(len(o.Values)) {
			v := o.Values[i]
			if v == g.Options[oi].Value {
				continue
			}
			n := 0
			for _, q := range rivals {
				if qo := c.products[q].option(o.Name); qo != nil && slices.Contains(qo.Values, v) {
					n++
				}
			}
			if n < bestN {
				bestO, bestV, bestN = oi, v, n
			}
		}
	}
	if bestO < 0 {
		return false
	}
	g.Options[bestO].Value = bestV
	return true
}

// drawGoal draws a goal with target p (its instruction is written later).
func drawGoal(r *rand.Rand, p *product, gc goalConfig) *goal {
	g := &goal{ASIN: p.ASIN, Query: p.Query, Category: p.Category, ProductCategory: p.ProductCategory, Name: p.Title, Nouns: p.Nouns}
	k := gc.attributes
	if k == 0 {
		k = 1 + r.IntN(3)
	}
	k = min(k, len(p.Attributes))
	for _, i := range r.Perm(len(p.Attributes))[:k] {
		g.Attributes = append(g.Attributes, p.Attributes[i])
	}
	for _, o := range p.Options {
		g.Options = append(g.Options, goalOption{Name: o.Name, Value: pick(r, o.Values)})
	}
	g.PriceUpper = priceUpper(r, p.price())
	return g
}

// priceUpper is WebShop's price bound: of the multiples of 10 from 10 to
// 990 above the price, take the first four, draw two and keep the larger.
// (WebShop asks for no price when fewer than two are left; catalog prices
// stay below $980, so there are always four.)
func priceUpper(r *rand.Rand, price float64) float64 {
	var above []float64
	for i := 1; i < 100 && len(above) < 4; i++ {
		if p := 10 * float64(i); p > price {
			above = append(above, p)
		}
	}
	if len(above) < 2 {
		return 1000000
	}
	i := r.IntN(len(above))
	j := r.IntN(len(above) - 1)
	if j >= i {
		j++
	}
	return max(above[i], above[j])
}

var instructionOpenings = []string{"i need", "i am looking for", "i want", "find me", "i would like", "i'm looking for"}

// writeInstruction writes the goal as WebShop's instructions read: "i need
// a waterproof rain jacket in navy, size medium, and price lower than
// 120.00 dollars". Each option value with paraphrases (shopParaphrases) is
// named by one of them with probability paraphrase: "size m".
func writeInstruction(r *rand.Rand, p *product, g *goal, paraphrase float64) string {
	ty := &productTypes[p.typ]
	var b strings.Builder
	b.WriteString(pick(r, instructionOpenings))
	b.WriteByte(' ')
	np := ty.name
	if len(g.Attributes) > 0 {
		np = prose.AndList(g.Attributes) + " " + np
	}
	if !ty.plural {
		b.WriteString(prose.Article(np) + " ")
	}
	b.WriteString(np)
	for i, o := range g.Options {
		phrase := "with " + o.Name + ": %s"
		for _, spec := range ty.options {
			if spec.name == o.Name {
				phrase = spec.phrase
			}
		}
		v := o.Value
		if alt := shopParaphrases[v]; len(alt) > 0 && r.Float64() < paraphrase {
			v = pick(r, alt)
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte(' ')
		fmt.Fprintf(&b, phrase, v)
	}
	fmt.Fprintf(&b, ", and price lower than %.2f dollars", g.PriceUpper)
	return b.String()
}

// satisfies reports whether buying p with the goal's option values (where p
// offers them) scores 1 under g (prepared as gp): whether p is as good a
// purchase as the target. It is scorePurchase(p, g, bestChoice(p,
// g)).Total == 1 with early exits: the score is 1 exactly when r_type is 1
// and every term matches.
func satisfies(p *product, g *goal, gp *goalPrep) bool {
	if p.price() > g.PriceUpper {
		return false
	}
	if rType, _, _, _ := typeReward(p, g, gp); rType != 1 {
		return false
	}
	for i, a := range g.Attributes {
		if !attributeMatch(p, a, gp.attrToks[i]) {
			return false
		}
	}
	n := 0
	for _, o := range p.Options {
		c := chosenOption{Name: o.Name, Value: o.Values[0]}
		for _, want := range g.Options {
			if want.Name == o.Name && slices.Contains(o.Values, want.Value) {
				c.Value = want.Value
			}
		}
		if optionMatch(p, gp, c) {
			n++
		}
	}
	return n >= len(g.Options)
}
