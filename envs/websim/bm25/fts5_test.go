package bm25_test

import (
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo/envs/websim/bm25"
	"github.com/dojo-rl/dojo/envs/websim/searchqa"
	_ "modernc.org/sqlite"

	"github.com/dojo-rl/dojo/internal/race"
)

// fts5 is SQLite FTS5 over the same documents: the baseline the index is
// measured against, and the reference for its ranking.
type fts5 struct {
	db    *sql.DB
	stmt  *sql.Stmt // ids and scores, ties broken by rowid
	bench *sql.Stmt // ORDER BY bm25(pages) LIMIT k
}

func newFTS5(tb testing.TB, docs []bm25.Doc) *fts5 {
	tb.Helper()
	f, err := openFTS5(docs)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.db.Close() })
	return f
}

// openFTS5 indexes docs in an in-memory FTS5 table (rowid = document).
func openFTS5(docs []bm25.Doc) (*fts5, error) {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE VIRTUAL TABLE pages USING fts5(title, text, tokenize = 'unicode61')`); err != nil {
		return nil, err
	}
	tx, err := db.Begin()
	if err != nil {
		return nil, err
	}
	ins, err := tx.Prepare(`INSERT INTO pages(rowid, title, text) VALUES (?, ?, ?)`)
	if err != nil {
		return nil, err
	}
	for d, doc := range docs {
		if _, err := ins.Exec(d, doc.Title, doc.Text); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	stmt, err := db.Prepare(`SELECT rowid, -bm25(pages) FROM pages WHERE pages MATCH ? ORDER BY bm25(pages), rowid LIMIT ?`)
	if err != nil {
		return nil, err
	}
	bench, err := db.Prepare(`SELECT rowid FROM pages WHERE pages MATCH ? ORDER BY bm25(pages) LIMIT ?`)
	if err != nil {
		return nil, err
	}
	return &fts5{db: db, stmt: stmt, bench: bench}, nil
}

// matchExpr is the FTS5 query for a disjunction of the query's terms, each
// quoted as a string so no term is read as an operator.
func matchExpr(query string) string {
	toks := bm25.Tokenize(query)
	for i, t := range toks {
		toks[i] = `"` + t + `"`
	}
	return strings.Join(toks, " OR ")
}

func (f *fts5) search(tb testing.TB, query string, k int) []bm25.Hit {
	tb.Helper()
	expr := matchExpr(query)
	if expr == "" {
		return nil
	}
	rows, err := f.stmt.Query(expr, k)
	if err != nil {
		tb.Fatalf("FTS5 %q: %v", expr, err)
	}
	defer rows.Close()
	var hits []bm25.Hit
	for rows.Next() {
		var h bm25.Hit
		if err := rows.Scan(&h.Doc, &h.Score); err != nil {
			tb.Fatal(err)
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return hits
}

// TestTokenizerMatchesFTS5 indexes tricky strings in FTS5 and compares the
// vocabulary FTS5 reports (fts5vocab) with Tokenize's.
func TestTokenizerMatchesFTS5(t *testing.T) {
	t.Parallel()
	texts := []string{
		"Hello, World! O'Brien's 3rd-place finish (2019).",
		"Café naïve ÉCOLE Ångström façade Øresund Łódź Dvořák",
		"Москва Санкт-Петербург 東京 ١٢٣ x²",
		"snake_case kebab-case dotted.name e-mail@host.org",
		"ÀÁÂÃÄÅ àáâãäå ÇçÑñ ÿ ŸŽž",
		"e\u0301te\u0301 combining",
		"tab\tnew\nline\r\u00a0nbsp\u2003em",
		"price $12.50, 40% off — “quoted” «guillemets»",
	}
	var docs []bm25.Doc
	want := map[string]bool{}
	for _, s := range texts {
		docs = append(docs, bm25.Doc{Text: s})
		for _, tok := range bm25.Tokenize(s) {
			want[tok] = true
		}
	}
	f := newFTS5(t, docs)
	if _, err := f.db.Exec(`CREATE VIRTUAL TABLE vocab USING fts5vocab(pages, row)`); err != nil {
		t.Fatal(err)
	}
	rows, err := f.db.Query(`SELECT term FROM vocab`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]bool{}
	for rows.Next() {
		var term string
		if err := rows.Scan(&term); err != nil {
			t.Fatal(err)
		}
		got[term] = true
	}
	var onlyFTS, onlyUs []string
	for term := range got {
		if !want[term] {
			onlyFTS = append(onlyFTS, term)
		}
	}
	for term := range want {
		if !got[term] {
			onlyUs = append(onlyUs, term)
		}
	}
	slices.Sort(onlyFTS)
	slices.Sort(onlyUs)
	if len(onlyFTS)+len(onlyUs) > 0 {
		t.Errorf("tokens only FTS5 makes: %q\ntokens only Tokenize makes: %q", onlyFTS, onlyUs)
	}
}

// TestSearchMatchesFTS5 compares rankings and scores with FTS5 on random
// corpora: the same scores (to 1e-12: FTS5 takes its logarithm from musl,
// which may round the last bit of an IDF otherwise than Go's math.Log) and
// the same documents in the same order, but for documents whose scores tie
// within that tolerance.
func TestSearchMatchesFTS5(t *testing.T) {
	t.Parallel()
	docs := zipfCorpus(11, 3000, 1500)
	ix, f := bm25.NewIndex(docs), newFTS5(t, docs)
	r := rand.New(rand.NewPCG(11, 3))
	n := 300
	if race.Enabled {
		n = 30
	}
	for range n {
		q := randomQuery(r, 1500)
		got, want := ix.Search(q, 10), f.search(t, q, 10)
		if err := sameRanking(got, want, 1e-12); err != nil {
			t.Fatalf("Search(%q): %v\nours: %v\nFTS5: %v", q, err, got, want)
		}
	}
}

// sameRanking reports how two top-k lists differ beyond ties within the
// relative tolerance tol: their scores must agree position by position, and
// a document may differ only among near-tied scores.
func sameRanking(got, want []bm25.Hit, tol float64) error {
	near := func(a, b float64) bool { return math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b)) }
	if len(got) != len(want) {
		return fmt.Errorf("%d hits, want %d", len(got), len(want))
	}
	for i := range got {
		if !near(got[i].Score, want[i].Score) {
			return fmt.Errorf("hit %d scores %v, want %v", i, got[i].Score, want[i].Score)
		}
		if got[i].Doc == want[i].Doc {
			continue
		}
		// The same document must be at a position whose score ties, or
		// beyond the cut among documents tied with the last one.
		ok := near(got[i].Score, want[len(want)-1].Score)
		for j := range want {
			if want[j].Doc == got[i].Doc && near(want[j].Score, got[i].Score) {
				ok = true
			}
		}
		if !ok {
			return fmt.Errorf("hit %d is doc %d, want doc %d", i, got[i].Doc, want[i].Doc)
		}
	}
	return nil
}

func ExampleIndex_Search() {
	ix := bm25.NewIndex([]bm25.Doc{
		{ID: "p1", Title: "Ada Lovelace", Text: "Ada Lovelace wrote the first published algorithm."},
		{ID: "p2", Title: "Charles Babbage", Text: "Charles Babbage designed the Analytical Engine with Ada Lovelace."},
		{ID: "p3", Title: "London", Text: "London is the capital of England."},
		{ID: "p4", Title: "Analytical Engine", Text: "A mechanical computer designed by Charles Babbage."},
		{ID: "p5", Title: "England", Text: "England is a country; its capital is London."},
	})
	for _, h := range ix.Search("Lovelace algorithm", 10) {
		fmt.Printf("%s %.3f %s\n", ix.Doc(h.Doc).ID, h.Score, ix.Snippet(h.Doc, "algorithm"))
	}
	// Output:
	// p1 1.561 Ada Lovelace wrote the first published algorithm.
	// p2 0.308 Charles Babbage designed the Analytical Engine with Ada Lovelace.
}

// TestAgreementWithFTS5 measures how well the top 10 agree with FTS5's on a
// generated world, for two-term queries drawn from its pages and for its
// questions as queries: mean overlap@10 and Kendall's tau over the shared
// documents must be at least 0.99 (a ranking off by one BM25 detail, such
// as b = 0.7 or IDF without FTS5's floor, scores far lower; see
// TestAgreementDetectsWrongRanking).
func TestAgreementWithFTS5(t *testing.T) {
	t.Parallel()
	w := newWorld(t, searchqa.WorldOptions{Size: 1500, Noise: 0.5, Seed: 21})
	docs := indexDocs(w.Index)
	f := newFTS5(t, docs)
	n := 400
	if race.Enabled {
		n = 40
	}
	queries := twoTermQueries(w, n, 5)
	for s := range uint64(n / 2) {
		q, err := w.Question(searchqa.KindMixed, 0, s)
		if err != nil {
			t.Fatal(err)
		}
		queries = append(queries, q.Text)
	}
	overlap, tau := meanAgreement(t, queries, func(q string) []bm25.Hit { return w.Index.Search(q, 10) }, f)
	t.Logf("%d queries over %d pages: overlap@10 %.4f, Kendall's tau %.4f", len(queries), len(docs), overlap, tau)
	if overlap < 0.99 || tau < 0.99 {
		t.Errorf("agreement with FTS5: overlap@10 %.4f, tau %.4f; want both at least 0.99", overlap, tau)
	}
}

func meanAgreement(t *testing.T, queries []string, search func(string) []bm25.Hit, f *fts5) (overlap, tau float64) {
	t.Helper()
	for _, q := range queries {
		o, k := agreement(search(q), f.search(t, q, 10))
		overlap += o
		tau += k
	}
	return overlap / float64(len(queries)), tau / float64(len(queries))
}

// TestAgreementDetectsWrongRanking checks that the agreement test would
// fail on a wrong ranking: brute-force rankings by BM25 with b = 0.5, and
// with unfloored IDF, agree with FTS5 well below the threshold.
func TestAgreementDetectsWrongRanking(t *testing.T) {
	t.Parallel()
	f := newFTS5(t, indexDocs(newWorld(t, searchqa.WorldOptions{Size: 400, Noise: 0.5, Seed: 22}).Index))
	w := newWorld(t, searchqa.WorldOptions{Size: 400, Noise: 0.5, Seed: 22})
	queries := twoTermQueries(w, 60, 6)
	for _, variant := range []struct {
		name string
		b    float64
		raw  bool // IDF without FTS5's floor: negative for common terms
	}{{"b=0.5", 0.5, false}, {"unfloored IDF", 0.75, true}} {
		search := func(q string) []bm25.Hit {
			return variantSearch(w.Index, q, 10, variant.b, variant.raw)
		}
		overlap, tau := meanAgreement(t, queries, search, f)
		t.Logf("%s: overlap@10 %.4f, tau %.4f", variant.name, overlap, tau)
		if overlap >= 0.99 && tau >= 0.99 {
			t.Errorf("%s: overlap@10 %.4f, tau %.4f: the threshold would not catch it", variant.name, overlap, tau)
		}
	}
}

// variantSearch ranks every document by a variant of BM25.
func variantSearch(ix *bm25.Index, query string, k int, b float64, rawIDF bool) []bm25.Hit {
	toks := bm25.Tokenize(query)
	n := float64(ix.Len())
	var hits []bm25.Hit
	for d := range ix.Len() {
		doc := ix.Doc(d)
		all := bm25.Tokenize(doc.Title + " " + doc.Text)
		norm := bm25.K1 * (1 - b + b*float64(len(all))/ix.AvgDL())
		s := 0.0
		for _, q := range toks {
			tf := 0
			for _, x := range all {
				if x == q {
					tf++
				}
			}
			df := float64(ix.DocFreq(q))
			if tf == 0 || df == 0 {
				continue
			}
			idf := math.Log((n - df + 0.5) / (df + 0.5))
			if !rawIDF && idf <= 0 {
				idf = 1e-6
			}
			s += idf * float64(tf) * (bm25.K1 + 1) / (float64(tf) + norm)
		}
		if s != 0 {
			hits = append(hits, bm25.Hit{Doc: d, Score: s})
		}
	}
	bm25.SortHits(hits)
	return hits[:min(k, len(hits))]
}
