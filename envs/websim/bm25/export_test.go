package bm25

// Internals the package's external tests reach.

var (
	K1       = bm25K1
	SortHits = sortHits
	SnippetN = snippet
)

func (ix *Index) AvgDL() float64                           { return ix.avgdl }
func (ix *Index) ScoreTokens(d int, toks []string) float64 { return ix.scoreTokens(d, toks) }
