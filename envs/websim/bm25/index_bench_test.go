package bm25_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dojo-rl/dojo/envs/websim/bm25"
	"github.com/dojo-rl/dojo/envs/websim/searchqa"
)

// The benchmark corpus: a generated world of about 100,000 pages, and
// two-term queries drawn from its pages (two distinct tokens of a random
// page, so common and rare terms mix as in real queries).
var bench100k struct {
	once    sync.Once
	world   *searchqa.World
	docs    []bm25.Doc
	queries []string
	fts     *fts5
}

// benchWorldSize gives about 100,000 pages at noise 0.3.
const benchWorldSize = 79000

func benchCorpus(b *testing.B, withFTS bool) (*searchqa.World, []string, *fts5) {
	b.Helper()
	bench100k.once.Do(func() {
		w, err := searchqa.NewWorld(searchqa.WorldOptions{Size: benchWorldSize, Noise: 0.3, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		bench100k.world = w
		bench100k.docs = indexDocs(w.Index)
		bench100k.queries = twoTermQueries(w, 1000, 42)
	})
	if withFTS && bench100k.fts == nil {
		// Kept for the process: the benchmarks share it.
		f, err := openFTS5(bench100k.docs)
		if err != nil {
			b.Fatal(err)
		}
		bench100k.fts = f
	}
	return bench100k.world, bench100k.queries, bench100k.fts
}

// twoTermQueries draws n queries of two distinct tokens of random pages.
func twoTermQueries(w *searchqa.World, n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 9))
	out := make([]string, 0, n)
	for len(out) < n {
		p := &w.Pages[r.IntN(len(w.Pages))]
		toks := bm25.Tokenize(p.Title + " " + p.Text)
		a, b := toks[r.IntN(len(toks))], toks[r.IntN(len(toks))]
		if a != b {
			out = append(out, a+" "+b)
		}
	}
	return out
}

// BenchmarkIndexBuild100k indexes the 100,000 pages.
func BenchmarkIndexBuild100k(b *testing.B) {
	benchCorpus(b, false)
	b.ReportAllocs()
	for b.Loop() {
		bm25.NewIndex(bench100k.docs)
	}
}

// BenchmarkSearch100k runs the two-term queries against the index and
// against SQLite FTS5 over the same pages (ORDER BY bm25(pages) LIMIT 10,
// the terms joined by OR as Search ranks them).
func BenchmarkSearch100k(b *testing.B) {
	w, queries, f := benchCorpus(b, true)
	b.Run("bm25", func(b *testing.B) {
		b.ReportAllocs()
		dst := make([]bm25.Hit, 0, 10)
		i := 0
		for b.Loop() {
			dst = w.Index.SearchAppend(dst[:0], queries[i%len(queries)], 10)
			i++
		}
	})
	b.Run("bm25-alloc", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			w.Index.Search(queries[i%len(queries)], 10)
			i++
		}
	})
	b.Run("fts5", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			f.searchBench(b, matchExpr(queries[i%len(queries)]), 10)
			i++
		}
	})
	// For reference: FTS5 with the terms joined by AND (its default), which
	// finds only pages holding both terms, so ranks fewer of them.
	b.Run("fts5-and", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			f.searchBench(b, strings.ReplaceAll(matchExpr(queries[i%len(queries)]), " OR ", " "), 10)
			i++
		}
	})
}

// BenchmarkSearchQuestions100k searches the 100,000 pages with questions of
// the world as queries (8 to 20 terms, many of them common words), as a
// baseline agent that searches the question does.
func BenchmarkSearchQuestions100k(b *testing.B) {
	w, _, _ := benchCorpus(b, false)
	var qs []string
	for s := range uint64(500) {
		q, err := w.Question(searchqa.KindMixed, 0, s)
		if err != nil {
			b.Fatal(err)
		}
		qs = append(qs, q.Text)
	}
	b.ReportAllocs()
	dst := make([]bm25.Hit, 0, 10)
	i := 0
	for b.Loop() {
		dst = w.Index.SearchAppend(dst[:0], qs[i%len(qs)], 10)
		i++
	}
}

// BenchmarkSearchVsFTS5 runs each query on both engines in turn, so that
// load from other processes affects both alike, and reports their median
// latencies, the speedup (FTS5's time over the index's), and how well the
// top 10s agree (mean overlap@10 and Kendall's tau over shared documents).
func BenchmarkSearchVsFTS5(b *testing.B) {
	w, queries, f := benchCorpus(b, true)
	var ours, theirs []time.Duration
	var overlap, tau float64
	n := 0
	dst := make([]bm25.Hit, 0, 10)
	for b.Loop() {
		q := queries[n%len(queries)]
		t0 := time.Now()
		dst = w.Index.SearchAppend(dst[:0], q, 10)
		t1 := time.Now()
		want := f.search(b, q, 10)
		t2 := time.Now()
		ours, theirs = append(ours, t1.Sub(t0)), append(theirs, t2.Sub(t1))
		o, k := agreement(dst, want)
		overlap += o
		tau += k
		n++
	}
	med := func(ds []time.Duration) float64 {
		s := slices.Clone(ds)
		slices.Sort(s)
		return float64(s[len(s)/2].Nanoseconds())
	}
	var so, st time.Duration
	for i := range ours {
		so += ours[i]
		st += theirs[i]
	}
	b.ReportMetric(med(ours), "bm25-p50-ns")
	b.ReportMetric(med(theirs), "fts5-p50-ns")
	b.ReportMetric(float64(st)/float64(so), "speedup")
	b.ReportMetric(overlap/float64(n), "overlap@10")
	b.ReportMetric(tau/float64(n), "kendall-tau")
}

// agreement compares two top-k lists: the fraction of want's documents
// that got holds, and Kendall's tau of the shared documents' orders (1 when
// fewer than two are shared).
func agreement(got, want []bm25.Hit) (overlap, tau float64) {
	if len(want) == 0 {
		if len(got) == 0 {
			return 1, 1
		}
		return 0, 1
	}
	pos := map[int]int{}
	for i, h := range want {
		pos[h.Doc] = i
	}
	var shared []int // want's positions, in got's order
	for _, h := range got {
		if p, ok := pos[h.Doc]; ok {
			shared = append(shared, p)
		}
	}
	overlap = float64(len(shared)) / float64(len(want))
	if len(shared) < 2 {
		return overlap, 1
	}
	conc, disc := 0, 0
	for i := range shared {
		for j := i + 1; j < len(shared); j++ {
			if shared[i] < shared[j] {
				conc++
			} else {
				disc++
			}
		}
	}
	return overlap, float64(conc-disc) / float64(conc+disc)
}

// searchBench runs an FTS5 MATCH expression as ORDER BY bm25 LIMIT k,
// reading the rowids.
func (f *fts5) searchBench(b *testing.B, expr string, k int) {
	rows, err := f.bench.Query(expr, k)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
	}
	if err := rows.Close(); err != nil {
		b.Fatal(err)
	}
}
