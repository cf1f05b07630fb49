// Package websim simulates the web for agents: a search engine over
// generated worlds (or a corpus of your own) for multi-hop question
// answering, in the style of Search-R1.
//
// # Search engine
//
// Index is an in-memory inverted index ranked by BM25 exactly as SQLite
// FTS5's bm25() ranks a (title, text) table with the unicode61 tokenizer:
// same tokens, same IDF, same k1 = 1.2 and b = 0.75, same scores. Search
// finds the top k with MaxScore over per-block score bounds; one Index
// serves any number of concurrent searches.
package websim
