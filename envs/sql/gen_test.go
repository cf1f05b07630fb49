package sql

import (
	"context"
	"testing"

	"github.com/dojo-rl/dojo/internal/race"
)

// TestGenerateAll generates tasks of every domain and difficulty over many
// seeds: each gold result is non-empty, has no NULL, and (checked again
// here) its WHERE-less form does not match it.
func TestGenerateAll(t *testing.T) {
	t.Parallel()
	n := uint64(600)
	if race.Enabled {
		n = 24
	}
	ctx := context.Background()
	for _, d := range domains {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			seen := map[string]int{}
			for _, diff := range append([]string{diffMixed}, difficulties...) {
				for seed := range n {
					g, err := generate(ctx, d, diff, 2, seed)
					if err != nil {
						t.Fatalf("%s seed %d: %v", diff, seed, err)
					}
					seen[g.q.Template]++
					if len(g.gold.Rows) == 0 {
						t.Fatalf("%s seed %d: empty gold for %s", diff, seed, g.q.SQL)
					}
					if diff != diffMixed && g.difficulty != diff {
						t.Fatalf("seed %d: difficulty %s, want %s", seed, g.difficulty, diff)
					}
					if g.q.tieSQL != "" {
						keys, err := g.db.db.Query(ctx, g.q.tieSQL, 0)
						if err != nil || len(keys.Rows) < g.q.k || len(keys.Rows) > g.q.k && valueText(keys.Rows[g.q.k-1][0]) == valueText(keys.Rows[g.q.k][0]) {
							t.Fatalf("seed %d: %q: tie or too few rows at LIMIT %d (%v)", seed, g.q.SQL, g.q.k, err)
						}
					}
					if nw, ok := stripWhere(g.q.SQL); ok {
						res, err := g.db.db.Query(ctx, RemoveDistinct(nw), 100000)
						if err == nil && Match(g.gold, res, g.q.SQL, ModeSpider, false) {
							t.Fatalf("seed %d: WHERE-less %q matches gold %q", seed, nw, g.q.SQL)
						}
					}
				}
			}
			for _, tp := range templates {
				if !race.Enabled && seen[tp.name] == 0 {
					t.Errorf("template %s never generated", tp.name)
				}
			}
		})
	}
}
