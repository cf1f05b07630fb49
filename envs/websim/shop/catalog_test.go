package shop

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dojo-rl/dojo/dojotest"
)

// The package's golden tests share one -update flag, registered here when
// no other test file did.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

// updateGolden reports whether -update was given.
func updateGolden() bool { return flag.Lookup("update").Value.String() == "true" }

// TestShopLexicon checks the properties of the lexicon that make WebShop's
// fuzzy matching exact on generated products (see the package doc).
func TestShopLexicon(t *testing.T) {
	t.Parallel()
	buttons := []string{"search", "back to search", "next >", "< prev", "buy now", "description", "features", "reviews", "attributes"}
	digits := regexp.MustCompile(`[0-9]`)
	nounOwner := map[string]string{}
	for _, ty := range productTypes {
		cat := &categories[ty.cat]
		if len(ty.attrs) < 6 {
			t.Errorf("%s: %d attributes, want at least 6 (products draw 3 to 5 and variants swap one)", ty.name, len(ty.attrs))
		}
		for i, a := range ty.attrs {
			if benefitOf(cat, a) == a {
				t.Errorf("%s: attribute %q is not in the %s pool", ty.name, a, cat.name)
			}
			for _, b := range ty.attrs[i+1:] {
				if r := tokenSetRatio(a, b); r > fuzzThreshold || strings.Contains(a, b) || strings.Contains(b, a) {
					t.Errorf("%s: attributes %q and %q match each other (token_set_ratio %d)", ty.name, a, b, r)
				}
			}
		}
		var values []string
		for _, o := range ty.options {
			if o.min < 2 || o.max > len(o.values) || o.min > o.max {
				t.Errorf("%s: option %s draws %d to %d of %d values", ty.name, o.name, o.min, o.max, len(o.values))
			}
			for i, a := range o.values {
				na := normalizeColor(a)
				for _, b := range o.values[i+1:] {
					nb := normalizeColor(b)
					if na == nb || o.name != "size" && tokenSetRatio(na, nb) > fuzzThreshold {
						t.Errorf("%s: option %s: values %q and %q match each other (normalized %q, %q)", ty.name, o.name, a, b, na, nb)
					}
				}
				if slices.Contains(values, a) || slices.Contains(buttons, a) {
					t.Errorf("%s: value %q is repeated across options or is a button", ty.name, a)
				}
				values = append(values, a)
			}
			if !strings.Contains(o.phrase, "%s") {
				t.Errorf("%s: option %s: phrase %q has no %%s", ty.name, o.name, o.phrase)
			}
		}
		nouns := slices.Clone(ty.nouns)
		for _, s := range ty.suffixes {
			nouns = append(nouns, s.nouns...)
			for _, n := range s.nouns {
				if !strings.Contains(strings.ToLower(s.text), n) {
					t.Errorf("%s: suffix %q lacks its noun %q", ty.name, s.text, n)
				}
			}
		}
		for _, n := range nouns {
			if o, ok := nounOwner[n]; ok && o != ty.name {
				t.Errorf("noun %q belongs to both %s and %s: titles of different types would share it", n, o, ty.name)
			}
			nounOwner[n] = ty.name
		}
		for _, s := range append(slices.Clone(ty.lines), ty.name) {
			if digits.MatchString(s) {
				t.Errorf("%s: text %q has a digit (sizes are numbers)", ty.name, s)
			}
		}
	}
	for _, c := range categories {
		for _, s := range c.sentences {
			if digits.MatchString(s) {
				t.Errorf("%s: sentence %q has a digit", c.name, s)
			}
		}
		for _, a := range c.attributes {
			if digits.MatchString(a.benefit) {
				t.Errorf("%s: benefit %q has a digit", c.name, a.benefit)
			}
		}
	}
	if !slices.IsSorted(shopColorSet) {
		t.Errorf("shopColorSet is not sorted: normalize_color takes the first color in alphabetical order")
	}
	for v, alts := range shopParaphrases {
		if !slices.Contains(bannedWords(), v) {
			t.Errorf("paraphrase of %q, which is no option value", v)
		}
		for _, a := range alts {
			if a == v {
				t.Errorf("paraphrase %q of itself", v)
			}
		}
	}
}

// catalogsUnderTest are catalogs the invariant tests check.
var catalogsUnderTest = []catalogConfig{{Products: 1000, Variants: 2}, {Products: 300, Variants: 0, Seed: 1}, {Products: 500, Variants: 5, Seed: 2}}

// TestShopCatalogInvariants checks generated catalogs: ids, prices, option
// values drawn from the pools in order, and the invariants that make the
// reward exact: no product's texts mention an option value of its own or
// an attribute of its type that it lacks, and products of different types
// never have r_type 1 for each other.
func TestShopCatalogInvariants(t *testing.T) {
	t.Parallel()
	asin := regexp.MustCompile(`^B0[0-9A-Z]{8}$`)
	for _, cfg := range catalogsUnderTest {
		c := openCatalog(cfg)
		if len(c.products) != cfg.Products || c.index.Len() != cfg.Products {
			t.Fatalf("%+v: %d products, %d indexed", cfg, len(c.products), c.index.Len())
		}
		seen := map[string]bool{}
		for i := range c.products {
			p := &c.products[i]
			ty := &productTypes[p.typ]
			if !asin.MatchString(p.ASIN) || seen[p.ASIN] {
				t.Fatalf("%+v: ASIN %q is malformed or repeated", cfg, p.ASIN)
			}
			seen[p.ASIN] = true
			if j, q := c.product(strings.ToLower(p.ASIN)); j != i || q != p {
				t.Fatalf("product(%q) does not find it", p.ASIN)
			}
			if p.PriceCents < 100 || p.PriceCents >= 98000 {
				t.Errorf("%s: price %s outside [$1, $980)", p.ASIN, p.priceText())
			}
			if len(p.Attributes) < 3 || len(p.Features) < len(p.Attributes)+1 {
				t.Errorf("%s: %d attributes, %d features", p.ASIN, len(p.Attributes), len(p.Features))
			}
			for k, o := range p.Options {
				spec := ty.options[k]
				if o.Name != spec.name || len(o.Values) < spec.min {
					t.Errorf("%s: option %d is %s with %d values", p.ASIN, k, o.Name, len(o.Values))
				}
				last := -1
				for _, v := range o.Values {
					at := slices.Index(spec.values, v)
					if at <= last {
						t.Errorf("%s: option %s: %q out of the pool's order or not in it", p.ASIN, o.Name, v)
					}
					last = at
					if p.mentions(v) || p.mentions(normalizeColor(v)) {
						t.Errorf("%s: its texts mention its option value %q:\n%s\n%s\n%s", p.ASIN, v, p.Title, p.Features, p.Description)
					}
				}
			}
			for _, a := range ty.attrs {
				if !slices.Contains(p.Attributes, a) && p.mentions(a) {
					t.Errorf("%s: its texts mention %q, which it lacks", p.ASIN, a)
				}
			}
		}
		r := rand.New(rand.NewPCG(cfg.Seed, 7))
		for range 20000 {
			p, q := &c.products[r.IntN(len(c.products))], &c.products[r.IntN(len(c.products))]
			g := &goal{Query: p.Query, ProductCategory: p.ProductCategory, Nouns: p.Nouns}
			rt, _, _, _ := typeReward(q, g, prepareGoal(g))
			if same := p.typ == q.typ; same != (rt == 1) {
				t.Fatalf("r_type of %q for %q is %v (same type: %v)", q.Title, p.Title, rt, same)
			}
		}
	}
}

// TestShopScoreIsExact checks, on random purchases, that WebShop's score is
// 1 exactly when the product is of the goal's type, has every goal
// attribute, the goal's option values were chosen and the price is within
// the bound: on generated catalogs the fuzzy matching is exact.
func TestShopScoreIsExact(t *testing.T) {
	t.Parallel()
	c := openCatalog(catalogsUnderTest[0])
	r := rand.New(rand.NewPCG(3, 4))
	ones := 0
	for range 30000 {
		p := &c.products[r.IntN(len(c.products))]
		g := drawGoal(r, p, goalConfig{})
		q := p
		if r.IntN(2) == 0 { // another product, often of the same type
			q = &c.products[r.IntN(len(c.products))]
			for range 20 {
				if q.typ == p.typ {
					break
				}
				q = &c.products[r.IntN(len(c.products))]
			}
		}
		var chosen []chosenOption
		for k, o := range q.Options {
			v := pick(r, o.Values)
			if k < len(g.Options) && r.IntN(3) > 0 && slices.Contains(o.Values, g.Options[k].Value) {
				v = g.Options[k].Value
			}
			if r.IntN(5) > 0 {
				chosen = append(chosen, chosenOption{o.Name, v})
			}
		}
		exact := q.typ == p.typ && q.price() <= g.PriceUpper
		for _, a := range g.Attributes {
			exact = exact && slices.Contains(q.Attributes, a)
		}
		for _, want := range g.Options {
			got := ""
			for _, ch := range chosen {
				if ch.Name == want.Name {
					got = ch.Value
				}
			}
			exact = exact && got == want.Value
		}
		s := scorePurchase(q, g, chosen)
		if (s.Total == 1) != exact {
			t.Fatalf("buying %s (%v, %v) with %v for %+v: score %v, exact match %v", q.Title, q.Attributes, q.Options, chosen, g, s.Total, exact)
		}
		if exact {
			ones++
		}
	}
	if ones < 3000 {
		t.Errorf("only %d of 30000 random purchases were exact matches: the test does not probe score 1 enough", ones)
	}
}

// TestShopCatalogGolden pins two small catalogs byte for byte: a change to
// the generator shows here and must bump the env's version.
func TestShopCatalogGolden(t *testing.T) {
	t.Parallel()
	for _, cfg := range []catalogConfig{{Products: 50, Variants: 2}, {Products: 60, Variants: 0, Seed: 7}} {
		c := generateCatalog(cfg)
		b, err := json.MarshalIndent(struct {
			Config   catalogConfig `json:"config"`
			Hash     string        `json:"hash"`
			Products []product     `json:"products"`
		}{cfg, c.hash, c.products}, "", " ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", fmt.Sprintf("shop_catalog_p%d_v%d_s%d.json", cfg.Products, cfg.Variants, cfg.Seed))
		dojotest.Golden(t, path, append(b, '\n'), updateGolden())
	}
}

// TestShopCatalogShared checks that one catalog serves every env of the
// same config, that generation is deterministic, that the cache stays
// bounded, and (under -race) that concurrent episodes share it safely.
func TestShopCatalogShared(t *testing.T) {
	cfg := catalogConfig{Products: 200, Variants: 1, Seed: 99}
	a, b := openCatalog(cfg), openCatalog(cfg)
	if a != b {
		t.Errorf("two opens of one config made two catalogs")
	}
	if again := generateCatalog(cfg); again.hash != a.hash {
		t.Errorf("generating the same config twice gave hashes %s and %s", a.hash, again.hash)
	}
	if other := openCatalog(catalogConfig{Products: 200, Variants: 1, Seed: 98}); other.hash == a.hash {
		t.Errorf("catalog seeds 98 and 99 gave the same catalog")
	}
	for s := range uint64(catalogCacheSize + 2) {
		openCatalog(catalogConfig{Products: 50, Seed: 1000 + s})
	}
	if n := catalogCache.Len(); n > catalogCacheSize {
		t.Errorf("the cache holds %d catalogs, want at most %d", n, catalogCacheSize)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			c := openCatalog(cfg)
			for seed := range uint64(20) {
				g, _, _, err := generateGoal(c, goalConfig{}, seed*4+uint64(w))
				if err != nil {
					t.Error(err)
					return
				}
				ep := newEpisode(c, g, false)
				for !ep.done() && ep.steps < 20 {
					ep.act(ep.oracle())
				}
				if ep.score.Total != 1 {
					t.Errorf("oracle on a shared catalog scored %v", ep.score.Total)
				}
			}
		})
	}
	wg.Wait()
}
