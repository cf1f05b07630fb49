package websim

import "github.com/dojo-rl/dojo"

// Register adds the websim envs to r: websim/SearchQA-v0 (mixed question
// kinds), SearchQA-Bridge-v0, SearchQA-Comparison-v0,
// SearchQA-Aggregation-v0, SearchR1-v0 (Search-R1's text protocol and
// reward), Corpus-v0 (a JSONL corpus of your own) and Shop-v0 (WebShop over
// a generated catalog).
func Register(r *dojo.Registry) error {
	if err := registerSearch(r); err != nil {
		return err
	}
	return registerShop(r)
}
