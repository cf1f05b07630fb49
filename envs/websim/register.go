package websim

import "github.com/dojo-rl/dojo"

// Register adds the websim envs to r: websim/SearchQA-v0 (mixed question
// kinds), SearchQA-Bridge-v0, SearchQA-Comparison-v0,
// SearchQA-Aggregation-v0, SearchR1-v0 (Search-R1's text protocol and
// reward) and Corpus-v0 (a JSONL corpus of your own).
func Register(r *dojo.Registry) error {
	return registerSearch(r)
}
