package shop

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
	"github.com/dojo-rl/dojo/envs/websim/bm25"
	"github.com/dojo-rl/dojo/envs/websim/internal/prose"
)

// product is a product of a generated catalog, with the fields of
// WebShop's products (Title, Price, Attributes, options, BulletPoints as
// Features, Description, Reviews, Rating, category, query,
// product_category). Nouns are the title's nouns, which WebShop finds with
// spaCy and the generator knows from how it wrote the title.
type product struct {
	ASIN            string          `json:"asin"`
	Category        string          `json:"category"`
	Query           string          `json:"query"`
	ProductCategory string          `json:"product_category"`
	Type            string          `json:"type"`
	Brand           string          `json:"brand"`
	Title           string          `json:"title"`
	PriceCents      int             `json:"price_cents"`
	Attributes      []string        `json:"attributes"`
	Options         []productOption `json:"options"`
	Features        []string        `json:"features"`
	Description     string          `json:"description"`
	Reviews         []review        `json:"reviews"`
	Nouns           []string        `json:"title_nouns"`

	typ                                   int
	layout                                textLayout
	lowTitle, lowFeatures, lowDescription string
	prep                                  productPrep
}

// textLayout is the lexicon parts a product's texts are written from.
type textLayout struct {
	suffix, titleAttrs int
	lines, sentences   []int
}

// productOption is an option of a product and its values, in page order.
type productOption struct {
	Name   string   `json:"name"`
	Values []string `json:"values"`
}

// chosenOption is a value chosen for an option on the item page.
type chosenOption struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// review is a review of a product.
type review struct {
	Score int    `json:"score"`
	Text  string `json:"text"`
}

// price returns the price in dollars.
func (p *product) price() float64 { return float64(p.PriceCents) / 100 }

// priceText is the price as a page shows it: "$34.99".
func (p *product) priceText() string { return formatDollars(p.PriceCents) }

func formatDollars(cents int) string {
	return fmt.Sprintf("$%d.%02d", cents/100, cents%100)
}

// rating is the mean review score with one decimal, or "N.A." without
// reviews (as WebShop shows products without ratings).
func (p *product) rating() string {
	if len(p.Reviews) == 0 {
		return "N.A."
	}
	sum := 0
	for _, r := range p.Reviews {
		sum += r.Score
	}
	return strconv.FormatFloat(float64(sum)/float64(len(p.Reviews)), 'f', 1, 64)
}

// mentions reports whether s is a substring of the lower-cased title,
// features or description: WebShop's fallback when fuzzy matching fails.
func (p *product) mentions(s string) bool {
	return strings.Contains(p.lowTitle, s) || strings.Contains(p.lowFeatures, s) || strings.Contains(p.lowDescription, s)
}

// option returns the product's option of that name, or nil.
func (p *product) option(name string) *productOption {
	for i := range p.Options {
		if p.Options[i].Name == name {
			return &p.Options[i]
		}
	}
	return nil
}

// optionText is the options as WebShop's search documents hold them:
// "color: black, navy, and size: small, medium".
func (p *product) optionText() string {
	parts := make([]string, len(p.Options))
	for i, o := range p.Options {
		parts[i] = o.Name + ": " + strings.Join(o.Values, ", ")
	}
	return strings.Join(parts, ", and ")
}

func (p *product) finish() {
	p.lowTitle = strings.ToLower(p.Title)
	p.lowFeatures = strings.ToLower(strings.Join(p.Features, " "))
	p.lowDescription = strings.ToLower(p.Description)
	p.prepare()
}

// catalogConfig is what a catalog is made from.
type catalogConfig struct {
	Products int    `json:"products"`
	Variants int    `json:"variants"`
	Seed     uint64 `json:"catalog_seed"`
}

// catalog is a generated catalog with its search index. It is shared,
// read only, by every episode of the same catalogConfig.
type catalog struct {
	cfg      catalogConfig
	products []product
	byASIN   map[string]int
	index    *bm25.Index
	hash     string // FNV-1a 64 of every product's fields, hex
}

// product returns the product of an ASIN (any case), or nil.
func (c *catalog) product(asin string) (int, *product) {
	i, ok := c.byASIN[strings.ToUpper(asin)]
	if !ok {
		return -1, nil
	}
	return i, &c.products[i]
}

// Random streams (PCG's second word) of the shop.
const (
	streamCatalog  = 0x73686f70636174 // "shopcat"
	streamGoal     = 0x73686f70676f6c // "shopgol"
	streamBaseline = 0x73686f70626173 // "shopbas"
)

// catalogCacheSize bounds the catalogs kept (a catalog of the maximum size
// holds some hundred megabytes).
const catalogCacheSize = 4

// catalogCache shares catalogs among every episode of the process: at most
// catalogCacheSize of them, the least recently used evicted first (see
// family.Cache).
var catalogCache = family.NewCache[catalogConfig, *catalog](catalogCacheSize)

// openCatalog returns the (shared, read-only) catalog of cfg, generating it
// on first use. At most catalogCacheSize catalogs stay cached; an evicted
// catalog lives on while episodes hold it.
func openCatalog(cfg catalogConfig) *catalog {
	c, _ := catalogCache.Get(cfg, func() (*catalog, int, error) { return generateCatalog(cfg), 1, nil })
	return c
}

// generateCatalog makes the catalog of cfg: cfg.Products products, in
// groups of a base product and cfg.Variants near-duplicates of it, shuffled.
// It is deterministic in cfg.
func generateCatalog(cfg catalogConfig) *catalog {
	r := rand.New(rand.NewPCG(cfg.Seed, streamCatalog))
	brands := makeBrands(r, max(3, cfg.Products/100))
	asins := map[string]bool{}
	products := make([]product, 0, cfg.Products)
	for len(products) < cfg.Products {
		t := r.IntN(len(productTypes))
		base := newProduct(r, t, pick(r, brands[t]))
		products = append(products, base)
		for v := 0; v < cfg.Variants && len(products) < cfg.Products; v++ {
			products = append(products, variantOf(r, &base))
		}
	}
	r.Shuffle(len(products), func(i, j int) { products[i], products[j] = products[j], products[i] })
	c := &catalog{cfg: cfg, products: products, byASIN: make(map[string]int, len(products))}
	h := fnv.New64a()
	docs := make([]bm25.Doc, len(products))
	for i := range products {
		p := &products[i]
		for {
			p.ASIN = newASIN(r)
			if !asins[p.ASIN] {
				break
			}
		}
		asins[p.ASIN] = true
		p.finish()
		c.byASIN[p.ASIN] = i
		docs[i] = bm25.Doc{ID: p.ASIN, Title: p.Title, Text: strings.ToLower(p.Description + " " + p.Features[0] + " " + p.optionText())}
		hashProduct(h, p)
	}
	c.hash = hex.EncodeToString(h.Sum(nil))
	c.index = bm25.NewIndex(docs)
	return c
}

func hashProduct(h interface{ Write([]byte) (int, error) }, p *product) {
	w := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	w(p.ASIN)
	w(p.Title)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(p.PriceCents))
	h.Write(b[:])
	for _, a := range p.Attributes {
		w(a)
	}
	for _, o := range p.Options {
		w(o.Name)
		for _, v := range o.Values {
			w(v)
		}
	}
	for _, f := range p.Features {
		w(f)
	}
	w(p.Description)
}

const asinChars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// newASIN draws an Amazon-style product id: B0 and eight characters.
func newASIN(r *rand.Rand) string {
	b := []byte("B0        ")
	for i := 2; i < len(b); i++ {
		b[i] = asinChars[r.IntN(len(asinChars))]
	}
	return string(b)
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// makeBrands draws n distinct brand names per type, none containing a word
// the reward matches on (a color, an option value, an attribute phrase), so
// brands never make a product seem to have what it lacks.
func makeBrands(r *rand.Rand, n int) [][]string {
	banned := bannedWords()
	var names []string
	for _, a := range shopBrandStarts {
		for _, m := range shopBrandMiddles {
			for _, z := range shopBrandEnds {
				if b := a + m + z; !containsAny(strings.ToLower(b), banned) {
					names = append(names, b)
				}
			}
		}
	}
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	n = min(n, len(names)/len(productTypes))
	out := make([][]string, len(productTypes))
	for t := range out {
		out[t] = names[t*n : (t+1)*n]
	}
	return out
}

// bannedWords are the strings the reward looks for in product texts: every
// color, option value and attribute phrase of the lexicon.
func bannedWords() []string {
	out := append([]string(nil), shopColorSet...)
	for _, t := range productTypes {
		for _, o := range t.options {
			out = append(out, o.values...)
		}
	}
	for _, c := range categories {
		for _, a := range c.attributes {
			out = append(out, a.phrase)
		}
	}
	return out
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// newProduct draws a product of type t by brand.
func newProduct(r *rand.Rand, t int, brand string) product {
	ty := &productTypes[t]
	cat := &categories[ty.cat]
	p := product{typ: t, Brand: brand}
	n := min(3+r.IntN(3), len(ty.attrs))
	for _, i := range r.Perm(len(ty.attrs))[:n] {
		p.Attributes = append(p.Attributes, ty.attrs[i])
	}
	for _, spec := range ty.options {
		p.Options = append(p.Options, drawOption(r, spec))
	}
	p.PriceCents = drawPrice(r, ty.minPrice, ty.maxPrice)
	p.layout = textLayout{
		suffix:     r.IntN(len(ty.suffixes)),
		titleAttrs: 1 + r.IntN(2),
		lines:      r.Perm(len(ty.lines))[:1+r.IntN(len(ty.lines))],
		sentences:  r.Perm(len(cat.sentences))[:2],
	}
	p.Reviews = drawReviews(r, cat)
	p.write()
	return p
}

// variantOf draws a near-duplicate listing of base: the same brand, type,
// texts and reviews, with one attribute swapped (and the texts rewritten
// with it), one option's values redrawn, or a higher price (and a small
// price change in any case).
func variantOf(r *rand.Rand, base *product) product {
	ty := &productTypes[base.typ]
	v := product{typ: base.typ, Brand: base.Brand, PriceCents: base.PriceCents, layout: base.layout, Reviews: base.Reviews}
	v.Attributes = slices.Clone(base.Attributes)
	v.Options = make([]productOption, len(base.Options))
	for i, o := range base.Options {
		v.Options[i] = productOption{Name: o.Name, Values: slices.Clone(o.Values)}
	}
	switch r.IntN(3) {
	case 0: // swap an attribute
		var free []string
		for _, a := range ty.attrs {
			if !slices.Contains(v.Attributes, a) {
				free = append(free, a)
			}
		}
		v.Attributes[r.IntN(len(v.Attributes))] = pick(r, free)
	case 1: // redraw one option's values
		i := r.IntN(len(v.Options))
		v.Options[i] = drawOption(r, ty.options[i])
	default: // a dearer listing
		v.PriceCents = v.PriceCents * (120 + r.IntN(60)) / 100
	}
	v.PriceCents = roundPrice(v.PriceCents * (95 + r.IntN(11)) / 100)
	v.write()
	return v
}

// drawOption draws some of an option's values, kept in the pool's order.
func drawOption(r *rand.Rand, spec optionSpec) productOption {
	k := spec.min + r.IntN(spec.max-spec.min+1)
	idx := r.Perm(len(spec.values))[:k]
	slices.Sort(idx)
	o := productOption{Name: spec.name}
	for _, i := range idx {
		o.Values = append(o.Values, spec.values[i])
	}
	return o
}

// drawPrice draws a price between lo and hi dollars, with shop-like cents.
func drawPrice(r *rand.Rand, lo, hi int) int {
	return roundPrice(lo*100 + r.IntN((hi-lo)*100+1))
}

// roundPrice ends a price in cents with .99, .95, .49 or .00, at least
// $1.99 and below $980, so that every price has a price bound in
// WebShop's range of bounds.
func roundPrice(c int) int {
	dollars := min(max(c/100, 1), 979)
	ends := [...]int{99, 95, 49, 0}
	return dollars*100 + ends[(c/7)%len(ends)]
}

func drawReviews(r *rand.Rand, cat *category) []review {
	n := r.IntN(4)
	out := make([]review, 0, n)
	for _, i := range r.Perm(len(cat.reviews))[:n] {
		out = append(out, review{Score: cat.reviews[i].score, Text: cat.reviews[i].text})
	}
	return out
}

// write composes the product's texts from its attributes and the chosen
// lexicon parts: the title (brand, one or two attributes, the type, a
// suffix), its nouns, the features (one per attribute and the type's
// lines) and the description.
func (p *product) write() {
	ty := &productTypes[p.typ]
	cat := &categories[ty.cat]
	sfx := ty.suffixes[p.layout.suffix]
	words := []string{p.Brand}
	for _, a := range p.Attributes[:min(p.layout.titleAttrs, len(p.Attributes))] {
		words = append(words, titleCase(a))
	}
	words = append(words, titleCase(ty.name), sfx.text)
	p.Title = strings.Join(words, " ")
	p.Nouns = append(append([]string{strings.ToLower(p.Brand)}, ty.nouns...), sfx.nouns...)
	p.Category = cat.name
	p.Query = ty.query
	p.ProductCategory = cat.root + " › " + titleCase(ty.query)
	p.Type = ty.name
	p.Features = p.Features[:0]
	for _, a := range p.Attributes {
		p.Features = append(p.Features, strings.ToUpper(a)+": "+capitalize(benefitOf(cat, a))+".")
	}
	for _, l := range p.layout.lines {
		p.Features = append(p.Features, ty.lines[l])
	}
	var d strings.Builder
	d.WriteString(p.Brand + " " + ty.name + ": " + prose.AndList(p.Attributes) + ".")
	for _, s := range p.layout.sentences {
		d.WriteString(" " + cat.sentences[s])
	}
	p.Description = d.String()
}

func benefitOf(cat *category, phrase string) string {
	for _, a := range cat.attributes {
		if a.phrase == phrase {
			return a.benefit
		}
	}
	return phrase
}

// titleCase capitalizes each word, upper-casing initialisms ("uv", "gmo")
// and leaving "and", "to", "of" alone.
func titleCase(s string) string {
	ws := strings.Fields(s)
	for i, w := range ws {
		switch w {
		case "uv", "gmo":
			ws[i] = strings.ToUpper(w)
		case "and", "to", "of", "no":
			if i == 0 {
				ws[i] = capitalize(w)
			}
		default:
			ws[i] = capitalize(w)
		}
	}
	return strings.Join(ws, " ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// checkCatalogConfig validates the options a catalog is made from.
func checkCatalogConfig(id string, cfg catalogConfig) error {
	if cfg.Products < 1 || cfg.Variants < 0 {
		return dojo.Errorf(dojo.CodeInvalid, "%s: products %d and variants %d: want at least 1 product and 0 or more variants", id, cfg.Products, cfg.Variants)
	}
	return nil
}
