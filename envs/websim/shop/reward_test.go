package shop

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestTokenSetRatio checks token_set_ratio against the values thefuzz and
// rapidfuzz document and values worked out by hand from their definition.
func TestTokenSetRatio(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want int
	}{
		// rapidfuzz's documentation
		{"fuzzy was a bear", "fuzzy fuzzy was a bear", 100},
		{"fuzzy was a bear but not a dog", "fuzzy was a bear", 100},
		{"fuzzy was a bear but not a dog", "fuzzy was a bear but not a cat", 92}, // 92.307...
		// by hand: intersection "resistant" (9), rest "water" / "wind":
		// max(100−100·7/29, 100−100·6/24, 100−100·5/23) = 78.26
		{"water resistant", "wind resistant", 78},
		{"arch support", "ankle support", 74}, // 100 − 100·5/19 = 73.68
		{"waterproof", "windproof", 63},       // no common token: 100 − 100·7/19
		{"navy", "navy", 100},
		{"Water-Resistant!", "water resistant", 100}, // processing: case and punctuation
		{"café", "caf", 100},                         // é (U+00E9) is dropped
		{"", "navy", 0},
		{"!!!", "!!!", 0}, // no tokens
		{"set of four", "set of six", 75},
		{"pack of 1", "pack of 2", 89}, // why the lexicon has no such values
	} {
		if got := tokenSetRatio(c.a, c.b); got != c.want {
			t.Errorf("tokenSetRatio(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := tokenSetRatio(c.b, c.a); got != c.want {
			t.Errorf("tokenSetRatio(%q, %q) = %d, want %d (it is symmetric)", c.b, c.a, got, c.want)
		}
	}
}

// TestIndelDistance compares the LCS-based distance with the recursive
// definition (insertions and deletions only) on random short strings.
func TestIndelDistance(t *testing.T) {
	t.Parallel()
	var slow func(a, b string) int
	slow = func(a, b string) int {
		switch {
		case a == "":
			return len(b)
		case b == "":
			return len(a)
		case a[0] == b[0]:
			return slow(a[1:], b[1:])
		}
		return 1 + min(slow(a[1:], b), slow(a, b[1:]))
	}
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, r.IntN(7))
		for i := range b {
			b[i] = "abc "[r.IntN(4)]
		}
		return string(b)
	}
	for range 2000 {
		a, b := word(), word()
		if got, want := indelDistance([]byte(a), []byte(b)), slow(a, b); got != want {
			t.Fatalf("indelDistance(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
	long := strings.Repeat("ab", 200)
	if got := indelDistance([]byte(long), []byte(long[1:])); got != 1 {
		t.Errorf("indelDistance of long strings = %d, want 1", got)
	}
}

// TestNormalizeColor runs the cases of WebShop's own test of
// normalize_color (tests/web-agent-site/engine/test_normalize.py).
func TestNormalizeColor(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"": "", "black forest": "black", "violet lavender": "lavender", "steelivy fuchsia": "fuchsia",
		"123alabaster": "alabaster", "webshop": "webshop", "navy blue": "blue", "medium": "medium",
	} {
		if got := normalizeColor(in); got != want {
			t.Errorf("normalizeColor(%q) = %q, want %q", in, got, want)
		}
	}
}

// testProduct is a hand-made product for the reward tests.
func testProduct() *product {
	p := &product{
		ASIN: "B000000001", Query: "rain jackets", ProductCategory: "Clothing, Shoes & Jewelry › Rain Jackets",
		Title:       "Alon Waterproof Rain Jacket with Adjustable Hood",
		PriceCents:  8999,
		Attributes:  []string{"waterproof", "packable", "water resistant"},
		Options:     []productOption{{Name: "color", Values: []string{"navy", "olive"}}, {Name: "size", Values: []string{"small", "medium"}}},
		Features:    []string{"WATERPROOF: sealed seams.", "Zippered pockets with a reflective zipper pull."},
		Description: "Alon rain jacket: waterproof, packable.",
		Nouns:       []string{"alon", "rain", "jacket", "hood"},
	}
	p.finish()
	return p
}

func testGoal() *goal {
	return &goal{ASIN: "B000000001", Query: "rain jackets", ProductCategory: "Clothing, Shoes & Jewelry › Rain Jackets",
		Name: "Alon Waterproof Rain Jacket with Adjustable Hood", Nouns: []string{"alon", "rain", "jacket", "hood"},
		Attributes: []string{"waterproof", "packable"}, Options: []goalOption{{"color", "navy"}, {"size", "medium"}}, PriceUpper: 100}
}

// TestScorePurchase checks each term of WebShop's reward and the branches
// of its type reward on a hand-made product.
func TestScorePurchase(t *testing.T) {
	t.Parallel()
	right := []chosenOption{{"color", "navy"}, {"size", "medium"}}
	for _, c := range []struct {
		name   string
		change func(p *product, g *goal)
		chosen []chosenOption
		want   float64
		rType  float64
	}{
		{"all match", nil, right, 1, 1},
		{"no options chosen", nil, nil, 3.0 / 5, 1},
		{"wrong size", nil, []chosenOption{{"color", "navy"}, {"size", "small"}}, 4.0 / 5, 1},
		{"size is matched exactly", func(p *product, g *goal) { g.Options[1].Value = "medium tall" }, right, 4.0 / 5, 1},
		{"other options fuzzily", func(p *product, g *goal) { g.Options[0].Value = "Navy!" }, right, 1, 1},
		{"an option found in the text", func(p *product, g *goal) { g.Options[0].Value = "black" },
			[]chosenOption{{"color", "reflective"}, {"size", "medium"}}, 1, 1}, // WebShop's fallback: "reflective" is in the features
		{"options capped at the goal's", func(p *product, g *goal) { g.Options = g.Options[:1] },
			[]chosenOption{{"color", "navy"}, {"size", "navy"}}, 1, 1}, // 2 matches of 1 goal option count 1: (2 + 1 + 1)/4, not 5/4
		{"price above the bound", func(p *product, g *goal) { g.PriceUpper = 80 }, right, 4.0 / 5, 1},
		{"price at the bound", func(p *product, g *goal) { g.PriceUpper = 89.99 }, right, 1, 1},
		{"attribute fuzzily", func(p *product, g *goal) { g.Attributes[1] = "Packable." }, right, 1, 1},
		{"attribute in the text only", func(p *product, g *goal) { g.Attributes[1] = "sealed seams" }, right, 1, 1},
		{"attribute missing", func(p *product, g *goal) { g.Attributes[1] = "insulated" }, right, 4.0 / 5, 1},
		{"type by category only", func(p *product, g *goal) { g.Query = "coats"; g.Nouns = []string{"jacket", "x", "y", "z", "w"} },
			right, 1, 1}, // title score 0.2, not above it; the breadcrumb matches
		{"type by title only", func(p *product, g *goal) {
			g.Query, g.ProductCategory, g.Nouns = "coats", "Coats", []string{"jacket", "hood", "x", "y"}
		}, right, 1, 1}, // title score 0.5
		{"no type match", func(p *product, g *goal) {
			g.Query, g.ProductCategory, g.Nouns = "coats", "Coats", []string{"jacket", "x", "y", "z", "w"}
		}, right, 0.5, 0.5},
		{"title score below 0.1", func(p *product, g *goal) {
			g.Nouns = []string{"jacket", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
		}, right, 0.1, 0.1}, // even with the query matching
		{"no common noun", func(p *product, g *goal) { g.Nouns = []string{"boots"} }, right, 0, 0},
		{"a goal without nouns scores title 0.2", func(p *product, g *goal) { g.Nouns = nil }, right, 1, 1},
		{"nouns counted with repeats", func(p *product, g *goal) {
			g.Query, g.ProductCategory, g.Nouns = "coats", "Coats", []string{"jacket", "jacket", "jacket", "x", "y"}
		}, right, 0.5, 0.5}, // 1 common noun / 5 listed = 0.2
	} {
		t.Run(c.name, func(t *testing.T) {
			p, g := testProduct(), testGoal()
			if c.change != nil {
				c.change(p, g)
			}
			s := scorePurchase(p, g, c.chosen)
			if d := s.Total - c.want; d > 1e-12 || d < -1e-12 || s.RType != c.rType {
				t.Errorf("score %v (r_type %v), want %v (r_type %v); %+v", s.Total, s.RType, c.want, c.rType, s)
			}
			sat := satisfies(p, g, prepareGoal(g))
			if best := scorePurchase(p, g, []chosenOption{{"color", pickValue(p, g, "color")}, {"size", pickValue(p, g, "size")}}); sat != (best.Total == 1) {
				t.Errorf("satisfies = %v, but the best choice scores %v", sat, best.Total)
			}
		})
	}
}

// pickValue is the goal's value of option name when p offers it, else the
// first value (what satisfies chooses).
func pickValue(p *product, g *goal, name string) string {
	o := p.option(name)
	for _, want := range g.Options {
		if want.Name == name {
			for _, v := range o.Values {
				if v == want.Value {
					return v
				}
			}
		}
	}
	return o.Values[0]
}
