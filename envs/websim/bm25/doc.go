// Package bm25 is an in-memory full-text search index ranked by Okapi BM25
// exactly as SQLite FTS5's bm25() ranks a (title, text) table with the
// unicode61 tokenizer and a query of the terms joined by OR (k1 = 1.2,
// b = 0.75, FTS5's IDF with its 1e-6 floor, the same tokens): the same
// documents in the same order, with the same scores but for the last bit of
// an IDF (FTS5 takes its logarithm from musl). websim's search QA worlds and
// corpora and its shop's catalogs search with it; it depends on nothing of
// theirs.
//
// # Building
//
// NewIndex(docs) indexes documents ({ID, Title, Text}); a document is
// known by its position in docs (Hit.Doc, Index.Doc). An Index is
// read-only once built and serves any number of concurrent searches; it
// holds 12 bytes per posting besides the documents, which it keeps (not a
// copy). Tokenize splits text as the index does: maximal runs of letters,
// numbers and private-use characters, case-folded, diacritics removed from
// Latin letters (FTS5's "unicode61" with remove_diacritics 1).
//
// # Searching
//
// Search(query, k) returns the top k documents, best first, ties broken by
// document; SearchAppend appends them to a slice the caller reuses, and
// then allocates nothing. The score of a document for a query is
//
//	score(D, Q) = Σ_{q in Q} IDF(q) · f(q,D)·(k1+1) / (f(q,D) + k1·(1 − b + b·|D|/avgdl))
//	IDF(q)      = ln((N − n(q) + 0.5) / (n(q) + 0.5)), or 1e-6 where that is ≤ 0
//
// (see Index); Score computes it directly for one document, and DocFreq
// gives n(q). Search finds the top k by seeding the heap with each weighty
// term's best postings, then MaxScore (Turtle and Flood 1995) with
// block-max skipping (Ding and Suel 2011); its bounds are summed in query
// order, as scores are, so by the monotonicity of floating-point addition
// they bound the scores exactly and ties break by document as Search
// promises.
//
// # Snippets
//
// Snippet(d, query) cuts the window of 30 words of document d's text that
// holds the most query terms, with "…" where text was cut.
//
// # Agreement with FTS5
//
// The package's tests hold it to SQLite FTS5 (modernc.org/sqlite): the
// tokens FTS5 makes, the scores and rankings on random corpora, and on a
// generated world of 1,500 entities a mean overlap@10 and Kendall's tau of
// at least 0.99 with FTS5's top 10 (rankings with b = 0.5 or an unfloored
// IDF fall below it). Its benchmarks index a generated world of about
// 100,000 pages and search it with two-term queries and with whole
// questions, beside FTS5's ORDER BY bm25(pages) LIMIT 10 over the same
// pages (go test ./envs/websim/bm25 -bench 100k).
package bm25
