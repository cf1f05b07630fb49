package bm25_test

import (
	"testing"

	"github.com/dojo-rl/dojo/envs/websim/bm25"
	"github.com/dojo-rl/dojo/envs/websim/searchqa"
)

// Worlds of the search QA envs are the realistic corpora the index is
// measured on: entity pages in varied sentences, with near-duplicate names,
// archives and refuted claims.

func newWorld(tb testing.TB, o searchqa.WorldOptions) *searchqa.World {
	tb.Helper()
	w, err := searchqa.NewWorld(o)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// indexDocs returns the documents ix was built from, in order.
func indexDocs(ix *bm25.Index) []bm25.Doc {
	docs := make([]bm25.Doc, ix.Len())
	for d := range docs {
		docs[d] = ix.Doc(d)
	}
	return docs
}
