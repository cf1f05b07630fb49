package shop

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/internal/race"
)

// TestShopGoals checks generated goals over many seeds: the target offers
// what the goal asks, satisfies it, and is found by the gold search; the
// price bound follows WebShop's rule; and nearly every goal is unique among
// its search's results.
func TestShopGoals(t *testing.T) {
	t.Parallel()
	n := 1500
	if race.Enabled {
		n = 200
	}
	for _, c := range []struct {
		cfg       catalogConfig
		gc        goalConfig
		minUnique float64
	}{
		{catalogConfig{Products: 1000, Variants: 2}, goalConfig{paraphrase: 0.5}, 0.93},
		{catalogConfig{Products: 300, Variants: 0, Seed: 1}, goalConfig{attributes: 1}, 0.95},
		{catalogConfig{Products: 500, Variants: 5, Seed: 2}, goalConfig{attributes: 3, paraphrase: 1}, 0.85},
	} {
		t.Run(fmt.Sprintf("%+v/%+v", c.cfg, c.gc), func(t *testing.T) {
			t.Parallel()
			cat := openCatalog(c.cfg)
			unique, titleSearch := 0, 0
			for seed := range uint64(n) {
				g, rank, uniq, err := generateGoal(cat, c.gc, seed)
				if err != nil {
					t.Fatal(err)
				}
				i, p := cat.product(g.ASIN)
				if p == nil || g.Name != p.Title || g.Query != p.Query {
					t.Fatalf("seed %d: goal %+v does not describe its target", seed, g)
				}
				if c.gc.attributes > 0 && len(g.Attributes) != c.gc.attributes || len(g.Attributes) < 1 || len(g.Attributes) > 3 {
					t.Fatalf("seed %d: %d attributes (option %d)", seed, len(g.Attributes), c.gc.attributes)
				}
				for _, a := range g.Attributes {
					if !slices.Contains(p.Attributes, a) || !strings.Contains(g.Instruction, a) {
						t.Fatalf("seed %d: attribute %q not the target's or not in %q", seed, a, g.Instruction)
					}
				}
				if len(g.Options) != len(p.Options) {
					t.Fatalf("seed %d: %d goal options for %d options", seed, len(g.Options), len(p.Options))
				}
				for k, o := range g.Options {
					if o.Name != p.Options[k].Name || !slices.Contains(p.Options[k].Values, o.Value) {
						t.Fatalf("seed %d: option %v not offered by the target", seed, o)
					}
				}
				if s := scorePurchase(p, g, bestChoiceOf(p, g)); s.Total != 1 {
					t.Fatalf("seed %d: the target scores %v", seed, s.Total)
				}
				if !strings.HasSuffix(g.Instruction, fmt.Sprintf(", and price lower than %.2f dollars", g.PriceUpper)) {
					t.Fatalf("seed %d: %q lacks the price bound", seed, g.Instruction)
				}
				if hits := cat.index.Search(g.Search, searchReturnN); rank < 1 || rank > len(hits) || hits[rank-1].Doc != i {
					t.Fatalf("seed %d: rank %d in the gold search %q", seed, rank, g.Search)
				}
				if g.Search != g.Instruction {
					titleSearch++
				}
				if uniq {
					unique++
				}
			}
			rate := float64(unique) / float64(n)
			t.Logf("unique %.3f, title searches %d of %d", rate, titleSearch, n)
			if rate < c.minUnique {
				t.Errorf("only %.1f%% of goals are unique among their results, want %.0f%%", 100*rate, 100*c.minUnique)
			}
		})
	}
}

// bestChoiceOf chooses the goal's option values on p.
func bestChoiceOf(p *product, g *goal) []chosenOption {
	var out []chosenOption
	for _, o := range g.Options {
		out = append(out, chosenOption{o.Name, o.Value})
	}
	return out
}

// TestPriceUpper checks WebShop's price bound: of the first four multiples
// of 10 above the price, the larger of two drawn, so the k-th of them with
// probability (k−1)/6.
func TestPriceUpper(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	counts := map[float64]int{}
	const n = 60000
	for range n {
		counts[priceUpper(r, 34.99)]++
	}
	for k, want := range map[float64]float64{40: 0, 50: 1.0 / 6, 60: 2.0 / 6, 70: 3.0 / 6} {
		if got := float64(counts[k]) / n; math.Abs(got-want) > 0.01 {
			t.Errorf("bound %v drawn %.3f of the time, want %.3f", k, got, want)
		}
	}
	if len(counts) != 3 {
		t.Errorf("bounds drawn: %v", counts)
	}
	if got := priceUpper(r, 40); got != 60 && got != 70 && got != 80 {
		t.Errorf("a price of exactly 40 got bound %v: the multiples must be above it", got)
	}
	if got := priceUpper(r, 985); got != 1000000 {
		t.Errorf("a price of 985 got bound %v, want none (1000000) as fewer than two multiples are left", got)
	}
}

func TestWriteInstruction(t *testing.T) {
	t.Parallel()
	c := openCatalog(catalogConfig{Products: 1000, Variants: 2})
	var jacket *product
	for i := range c.products {
		if p := &c.products[i]; p.Type == "rain jacket" && p.option("size") != nil && slices.Contains(p.option("size").Values, "medium") && slices.Contains(p.option("color").Values, "navy") {
			jacket = p
			break
		}
	}
	if jacket == nil {
		t.Fatal("no navy rain jacket in medium")
	}
	g := &goal{Attributes: []string{"insulated", "packable"}, Options: []goalOption{{"color", "navy"}, {"size", "medium"}}, PriceUpper: 120}
	plain := writeInstruction(rand.New(rand.NewPCG(1, 1)), jacket, g, 0)
	if !strings.HasSuffix(plain, " an insulated and packable rain jacket in navy, size medium, and price lower than 120.00 dollars") {
		t.Errorf("instruction %q", plain)
	}
	para := writeInstruction(rand.New(rand.NewPCG(1, 1)), jacket, g, 1)
	if !strings.HasSuffix(para, " an insulated and packable rain jacket in navy blue, size m, and price lower than 120.00 dollars") {
		t.Errorf("paraphrased instruction %q", para)
	}
	g.Attributes = []string{"waterproof"}
	if s := writeInstruction(rand.New(rand.NewPCG(1, 1)), jacket, g, 0); !strings.Contains(s, " a waterproof rain jacket in navy") {
		t.Errorf("instruction %q", s)
	}
}
