package websim

import (
	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/websim/searchqa"
	"github.com/dojo-rl/dojo/envs/websim/shop"
)

// Register adds the websim envs to r: searchqa's websim/SearchQA-v0 (mixed
// question kinds), SearchQA-Bridge-v0, SearchQA-Comparison-v0,
// SearchQA-Aggregation-v0, SearchR1-v0 (Search-R1's text protocol and
// reward) and Corpus-v0 (a JSONL corpus of your own), then shop's Shop-v0
// (WebShop over a generated catalog).
func Register(r *dojo.Registry) error {
	if err := searchqa.Register(r); err != nil {
		return err
	}
	return shop.Register(r)
}
