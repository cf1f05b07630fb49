package bm25_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dojo-rl/dojo/envs/websim/bm25"
	"github.com/dojo-rl/dojo/internal/race"
	"github.com/google/go-cmp/cmp"
)

// bruteSearch ranks every document by Index.Score: the reference Search
// must agree with exactly.
func bruteSearch(ix *bm25.Index, query string, k int) []bm25.Hit {
	var hits []bm25.Hit
	toks := bm25.Tokenize(query)
	for d := range ix.Len() {
		if s := ix.ScoreTokens(d, toks); s > 0 {
			hits = append(hits, bm25.Hit{Doc: d, Score: s})
		}
	}
	bm25.SortHits(hits)
	return hits[:min(k, len(hits))]
}

// zipfCorpus makes n documents over a Zipf-distributed vocabulary, with
// duplicates (for ties) and a few long documents (for many blocks).
func zipfCorpus(seed uint64, n, vocab int) []bm25.Doc {
	r := rand.New(rand.NewPCG(seed, 1))
	z := rand.NewZipf(r, 1.1, 2, uint64(vocab-1))
	word := func() string { return fmt.Sprintf("w%d", z.Uint64()) }
	docs := make([]bm25.Doc, n)
	for d := range docs {
		if d > 0 && r.IntN(20) == 0 {
			docs[d] = docs[r.IntN(d)] // an exact duplicate: tied scores
			docs[d].ID = fmt.Sprint(d)
			continue
		}
		nt, nw := 1+r.IntN(4), 5+r.IntN(60)
		if r.IntN(50) == 0 {
			nw = 2000
		}
		var title, text []string
		for range nt {
			title = append(title, word())
		}
		for range nw {
			text = append(text, word())
		}
		docs[d] = bm25.Doc{ID: fmt.Sprint(d), Title: strings.Join(title, " "), Text: strings.Join(text, ", ")}
	}
	return docs
}

func randomQuery(r *rand.Rand, vocab int) string {
	z := rand.NewZipf(r, 1.05, 1, uint64(vocab-1))
	n := 1 + r.IntN(5)
	var q []string
	for range n {
		switch r.IntN(10) {
		case 0:
			q = append(q, "absent") // not indexed
		case 1:
			if len(q) > 0 {
				q = append(q, strings.ToUpper(q[0])) // a repeat, in capitals
				continue
			}
			fallthrough
		default:
			q = append(q, fmt.Sprintf("w%d", z.Uint64()))
		}
	}
	return strings.Join(q, " ")
}

func TestSearchMatchesBruteForce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		seed        uint64
		docs, vocab int
		queries     int
	}{
		{1, 50, 30, 300},
		{2, 2000, 500, 300},
		{3, 5000, 5000, 200},
	} {
		if race.Enabled {
			tc.queries /= 10
		}
		docs := zipfCorpus(tc.seed, tc.docs, tc.vocab)
		ix := bm25.NewIndex(docs)
		r := rand.New(rand.NewPCG(tc.seed, 2))
		for range tc.queries {
			q := randomQuery(r, tc.vocab)
			brute := bruteSearch(ix, q, 100)
			for _, k := range []int{1, 3, 10, 100} {
				got, want := ix.Search(q, k), brute[:min(k, len(brute))]
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("corpus %d, Search(%q, %d) (-brute +got):\n%s", tc.seed, q, k, diff)
				}
			}
		}
	}
}

func TestSearchEdgeCases(t *testing.T) {
	t.Parallel()
	empty := bm25.NewIndex(nil)
	if got := empty.Search("anything", 10); len(got) != 0 {
		t.Errorf("empty index found %v", got)
	}
	ix := bm25.NewIndex([]bm25.Doc{
		{ID: "a", Title: "Alpha", Text: "The alpha river flows."},
		{ID: "b", Title: "Beta", Text: "Beta and alpha, again alpha."},
		{ID: "c", Title: "Gamma", Text: ""},
	})
	for _, tc := range []struct {
		q    string
		k    int
		want []int
	}{
		{"alpha", 10, []int{0, 1}}, // the same frequency in a shorter page
		{"ALPHA", 10, []int{0, 1}},
		{"gamma", 10, []int{2}},
		{"alpha", 1, []int{0}},
		{"alpha", 0, nil},
		{"alpha", -1, nil},
		{"", 10, nil},
		{"  ,.;  ", 10, nil},
		{"delta", 10, nil},
		{"river gamma", 10, []int{2, 0}},
	} {
		var got []int
		for _, h := range ix.Search(tc.q, tc.k) {
			got = append(got, h.Doc)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Search(%q, %d) = %v, want %v", tc.q, tc.k, got, tc.want)
		}
	}
	if ix.Len() != 3 || ix.Doc(1).ID != "b" {
		t.Errorf("Len() = %d, Doc(1) = %+v", ix.Len(), ix.Doc(1))
	}
	if got := ix.DocFreq("alpha"); got != 2 {
		t.Errorf("DocFreq(alpha) = %d, want 2", got)
	}
}

// TestBM25Formula checks a score by hand against FTS5's formula.
func TestBM25Formula(t *testing.T) {
	t.Parallel()
	ix := bm25.NewIndex([]bm25.Doc{
		{Title: "x", Text: "a b c"},       // 4 tokens
		{Title: "y", Text: "a a d e f g"}, // 7 tokens
		{Title: "z", Text: "h"},           // 2 tokens
	})
	n, avgdl := 3.0, 13.0/3
	idfA := math.Log((n - 2 + 0.5) / (2 + 0.5)) // ≤ 0: FTS5 uses 1e-6
	if idfA > 0 {
		t.Fatal("test assumption")
	}
	idfD := math.Log((n - 1 + 0.5) / (1 + 0.5))
	want := 1e-6*((2*2.2)/(2+1.2*(1-0.75+0.75*7/avgdl))) + idfD*((1*2.2)/(1+1.2*(1-0.75+0.75*7/avgdl)))
	if got := ix.Search("a d", 1); len(got) != 1 || got[0].Doc != 1 || got[0].Score != want {
		t.Errorf("Search(a d) = %v, want doc 1 with %v", got, want)
	}
}

func TestSearchConcurrent(t *testing.T) {
	t.Parallel()
	ix := bm25.NewIndex(zipfCorpus(7, 3000, 800))
	r := rand.New(rand.NewPCG(7, 7))
	queries := make([]string, 200)
	want := make([][]bm25.Hit, len(queries))
	for i := range queries {
		queries[i] = randomQuery(r, 800)
		want[i] = ix.Search(queries[i], 10)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range queries {
				j := (i + w*50) % len(queries)
				if got := ix.Search(queries[j], 10); !slices.Equal(got, want[j]) {
					t.Errorf("concurrent Search(%q) = %v, want %v", queries[j], got, want[j])
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSearchAppendNoAlloc(t *testing.T) {
	if race.Enabled {
		t.Skip("the race detector makes sync.Pool drop scratch buffers")
	}
	ix := bm25.NewIndex(zipfCorpus(9, 2000, 500))
	dst := make([]bm25.Hit, 0, 10)
	ix.SearchAppend(dst, "w3 w17", 10) // warm the scratch pool
	allocs := testing.AllocsPerRun(100, func() {
		dst = ix.SearchAppend(dst[:0], "w3 w17", 10)
	})
	if allocs > 0 {
		t.Errorf("SearchAppend allocates %v times per search, want 0", allocs)
	}
}

func TestTokenize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Hello, World!", []string{"hello", "world"}},
		{"O'Brien's 3rd-place", []string{"o", "brien", "s", "3rd", "place"}},
		{"Café naïve ÉCOLE Ångström", []string{"cafe", "naive", "ecole", "angstrom"}},
		{"Straße Ǆ", []string{"straße", "ǆ"}},
		{"Москва 東京 ١٢٣", []string{"москва", "東京", "١٢٣"}},
		{"e\u0301t\u0301e", []string{"ete"}},
		{"a_b a.b", []string{"a", "b", "a", "b"}},
		{"", nil},
		{"  \t\n", nil},
	} {
		if got := bm25.Tokenize(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("bm25.Tokenize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	text := "Ada Lovelace was born in London in 1815. She worked with Charles Babbage on the Analytical Engine. " +
		"Her notes describe an algorithm for Bernoulli numbers. She died in 1852 in Marylebone. " +
		"Many consider her the first programmer, and the Ada language is named after her."
	for _, tc := range []struct {
		q        string
		contains []string
	}{
		{"bernoulli algorithm", []string{"algorithm for Bernoulli numbers", "…"}},
		{"died Marylebone", []string{"died in 1852 in Marylebone."}},
		{"nothing here", []string{"Ada Lovelace was born"}},
		{"language named", []string{"named after her."}},
	} {
		got := bm25.SnippetN(text, tc.q, 12)
		for _, c := range tc.contains {
			if !strings.Contains(got, c) {
				t.Errorf("bm25.SnippetN(%q) = %q, want it to contain %q", tc.q, got, c)
			}
		}
		if n := len(bm25.Tokenize(got)); n > 12 {
			t.Errorf("bm25.SnippetN(%q) = %q: %d words, want at most 12", tc.q, got, n)
		}
	}
	ix := bm25.NewIndex([]bm25.Doc{{Title: "t", Text: "short text"}})
	if got := ix.Snippet(0, "text"); got != "short text" {
		t.Errorf("Snippet of a short text = %q", got)
	}
}
