// Package websim simulates the web for agents, on CPU and offline, with
// verifiable rewards and difficulty knobs. Register adds its envs to a
// registry; each lives in its own package:
//
//	searchqa  multi-hop question answering with a search engine over generated worlds (or a corpus
//	          of your own), in the style of Search-R1 (Jin et al. 2025): websim/SearchQA-v0,
//	          SearchQA-Bridge-v0, SearchQA-Comparison-v0, SearchQA-Aggregation-v0, SearchR1-v0,
//	          Corpus-v0
//	shop      WebShop (Yao et al., NeurIPS 2022) over a generated catalog: websim/Shop-v0
//	bm25      the search engine both use: an in-memory index ranked by BM25 as SQLite FTS5 ranks
//
// Each package documents its observations, actions, reward components with
// their formulas, options and tasks.
package websim
