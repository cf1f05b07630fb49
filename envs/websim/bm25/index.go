package bm25

import (
	"math"
	"slices"
	"strings"
	"sync"
)

// Doc is one indexed document.
type Doc struct{ ID, Title, Text string }

// Hit is one search result: the document's position in the docs given to
// NewIndex and its BM25 score.
type Hit struct {
	Doc   int
	Score float64
}

// BM25 parameters, as SQLite FTS5's bm25() uses them. They are variables,
// not constants, so that k1+1 is rounded as FTS5 rounds it (a constant
// expression would be computed exactly and round differently).
var (
	bm25K1   = 1.2
	bm25B    = 0.75
	bm25K1p1 = bm25K1 + 1.0
)

// An Index is a read-only in-memory inverted index over documents' titles
// and texts, ranked by Okapi BM25 exactly as SQLite FTS5's bm25() ranks a
// table of (title, text) with the unicode61 tokenizer and a query of the
// terms joined by OR:
//
//	score(D, Q) = Σ_{q in Q} IDF(q) · f(q,D)·(k1+1) / (f(q,D) + k1·(1 − b + b·|D|/avgdl))
//	IDF(q)      = ln((N − n(q) + 0.5) / (n(q) + 0.5)), or 1e-6 where that is ≤ 0
//
// with k1 = 1.2, b = 0.75, f(q,D) the occurrences of q in D's title and
// text, |D| their length in tokens, avgdl the mean length, N the number of
// documents and n(q) the number holding q. A query term given twice counts
// twice, as in FTS5. Scores are summed in query order in float64, so they
// are the same numbers FTS5 computes (negated: FTS5's bm25() is negative).
//
// Search finds the top k exactly (see scratch.search): it seeds the top k
// with the best postings of the weightiest terms, then runs
// document-at-a-time MaxScore (Turtle and Flood 1995) with block-max
// skipping (Ding and Suel 2011), so it touches few of the postings that
// cannot change the top k. An Index is safe for concurrent searches; it
// holds 12 bytes per posting (document and contribution) and the
// documents.
type Index struct {
	docs  []Doc
	terms map[string]int32
	// Per term t: postings pdoc[off[t]:off[t+1]] in increasing document
	// order with their contributions to their documents' scores (pc), the
	// IDF and the largest contribution.
	off   []uint32
	pdoc  []uint32
	pc    []float64
	idf   []float64
	maxSc []float64
	// Per block of blockSize postings (blocks start at each term's first
	// posting): the block's last document and largest contribution; the
	// blocks of term t are boff[t]:boff[t+1].
	boff  []uint32
	blast []uint32
	bmax  []float64
	// Per term: the postings of its topSeeds largest contributions (best
	// first, ties by document), or all its postings when it has fewer;
	// seeds[seedOff[t]:seedOff[t+1]].
	seeds   []uint32
	seedOff []uint32
	// norm[d] = k1·(1 − b + b·|D|/avgdl).
	norm  []float64
	avgdl float64

	scratch sync.Pool
}

const (
	blockSize = 64
	topSeeds  = 16
)

// NewIndex builds the index of docs. It keeps docs (not a copy); the caller
// must not modify them afterwards.
func NewIndex(docs []Doc) *Index {
	ix := &Index{docs: docs, terms: make(map[string]int32)}
	// Pass 1: tokenize, assign term ids, count document frequencies; keep
	// each document's sorted term ids with their counts.
	type posting struct{ term, tf uint32 }
	var (
		df      []uint32
		total   int
		lengths = make([]uint32, len(docs))
		perDoc  = make([][]posting, len(docs))
		ids     []uint32
		buf     []byte
	)
	addText := func(s string) {
		for i := 0; ; {
			tok, start, end := nextToken(s, i, buf)
			if start < 0 {
				return
			}
			buf, i = tok, end
			if len(tok) == 0 {
				continue
			}
			t, ok := ix.terms[string(tok)]
			if !ok {
				t = int32(len(df))
				ix.terms[string(tok)] = t
				df = append(df, 0)
			}
			ids = append(ids, uint32(t))
		}
	}
	for d := range docs {
		ids = ids[:0]
		addText(docs[d].Title)
		addText(docs[d].Text)
		lengths[d] = uint32(len(ids))
		total += len(ids)
		slices.Sort(ids)
		var ps []posting
		for i := 0; i < len(ids); {
			j := i + 1
			for j < len(ids) && ids[j] == ids[i] {
				j++
			}
			ps = append(ps, posting{ids[i], uint32(j - i)})
			df[ids[i]]++
			i = j
		}
		perDoc[d] = ps
	}

	// Pass 2: lay the postings out term by term.
	nt := len(df)
	ix.off = make([]uint32, nt+1)
	for t, n := range df {
		ix.off[t+1] = ix.off[t] + n
	}
	np := int(ix.off[nt])
	ix.pdoc = make([]uint32, np)
	tfs := make([]uint32, np)
	next := slices.Clone(ix.off[:nt])
	for d, ps := range perDoc {
		for _, p := range ps {
			i := next[p.term]
			next[p.term]++
			ix.pdoc[i], tfs[i] = uint32(d), p.tf
		}
		perDoc[d] = nil
	}

	// Pass 3: statistics and score bounds.
	n := float64(len(docs))
	if len(docs) > 0 {
		ix.avgdl = float64(total) / n
	}
	ix.norm = make([]float64, len(docs))
	for d, l := range lengths {
		ix.norm[d] = bm25K1 * (1 - bm25B + bm25B*float64(l)/ix.avgdl)
	}
	ix.idf = make([]float64, nt)
	ix.pc = make([]float64, np)
	ix.maxSc = make([]float64, nt)
	ix.boff = make([]uint32, nt+1)
	for t := range nt {
		nh := float64(df[t])
		idf := math.Log((n - nh + 0.5) / (nh + 0.5))
		if idf <= 0 {
			idf = 1e-6
		}
		ix.idf[t] = idf
		lo, hi := ix.off[t], ix.off[t+1]
		for i := lo; i < hi; i++ {
			// FTS5's order of operations.
			f := float64(tfs[i])
			ix.pc[i] = idf * ((f * bm25K1p1) / (f + ix.norm[ix.pdoc[i]]))
		}
		ix.boff[t+1] = ix.boff[t] + (hi-lo+blockSize-1)/blockSize
		best := 0.0
		for b := lo; b < hi; b += blockSize {
			e := min(b+blockSize, hi)
			bm := 0.0
			for i := b; i < e; i++ {
				bm = max(bm, ix.contrib(t, i))
			}
			ix.blast = append(ix.blast, ix.pdoc[e-1])
			ix.bmax = append(ix.bmax, bm)
			best = max(best, bm)
		}
		ix.maxSc[t] = best
	}
	ix.seedOff = make([]uint32, nt+1)
	var top []uint32
	for t := range nt {
		lo, hi := ix.off[t], ix.off[t+1]
		top = top[:0]
		for i := lo; i < hi; i++ {
			top = append(top, i)
			if len(top) > topSeeds {
				// Keep the best topSeeds: drop the worst (few, so a scan).
				w := 0
				for j := 1; j < len(top); j++ {
					if ix.seedBefore(t, top[w], top[j]) {
						w = j
					}
				}
				top[w] = top[len(top)-1]
				top = top[:len(top)-1]
			}
		}
		slices.SortFunc(top, func(a, b uint32) int {
			if ix.seedBefore(t, a, b) {
				return -1
			}
			return 1
		})
		ix.seeds = append(ix.seeds, top...)
		ix.seedOff[t+1] = uint32(len(ix.seeds))
	}
	return ix
}

// seedBefore reports whether posting a of term t contributes more than
// posting b (or as much, in an earlier document).
func (ix *Index) seedBefore(t int, a, b uint32) bool {
	ca, cb := ix.contrib(t, a), ix.contrib(t, b)
	return ca > cb || ca == cb && ix.pdoc[a] < ix.pdoc[b]
}

// Len returns the number of documents.
func (ix *Index) Len() int { return len(ix.docs) }

// Doc returns document d.
func (ix *Index) Doc(d int) Doc { return ix.docs[d] }

// contrib is posting i's (of term t) contribution to its document's score.
func (ix *Index) contrib(t int, i uint32) float64 { return ix.pc[i] }

// Score returns document d's BM25 score for query, computed directly (the
// value Search ranks by). It is meant for checks and explanations; Search
// does not call it.
func (ix *Index) Score(d int, query string) float64 {
	return ix.scoreTokens(d, Tokenize(query))
}

func (ix *Index) scoreTokens(d int, toks []string) float64 {
	s := 0.0
	for _, tok := range toks {
		t, ok := ix.terms[tok]
		if !ok {
			continue
		}
		if p, ok := ix.find(int(t), uint32(d)); ok {
			s += ix.pc[p]
		}
	}
	return s
}

// DocFreq returns the number of documents holding the token tok (already
// folded, as Tokenize returns it).
func (ix *Index) DocFreq(tok string) int {
	t, ok := ix.terms[tok]
	if !ok {
		return 0
	}
	return int(ix.off[t+1] - ix.off[t])
}

// Search returns the top k documents for the query by BM25 (title and
// text), best first, ties broken by Doc. A query with no indexed term finds
// nothing.
func (ix *Index) Search(query string, k int) []Hit {
	return ix.SearchAppend(nil, query, k)
}

// SearchAppend is Search appending the hits to dst, so a caller that reuses
// dst searches with no allocation.
func (ix *Index) SearchAppend(dst []Hit, query string, k int) []Hit {
	if k <= 0 || len(ix.docs) == 0 {
		return dst
	}
	k = min(k, len(ix.docs))
	s, _ := ix.scratch.Get().(*scratch)
	if s == nil {
		s = new(scratch)
	}
	dst = s.search(ix, dst, query, k)
	ix.scratch.Put(s)
	return dst
}

// cursor walks one query term's postings.
type cursor struct {
	term     int
	mult     float64 // how many times the query holds the term
	ub       float64 // mult · the term's largest contribution
	pos, end uint32
	contrib  float64 // its contribution to the document being scored
	u        float64 // a bound of one occurrence's contribution, for boundInOrder
}

// scratch is the per-search working memory, pooled.
type scratch struct {
	buf     []byte
	qterms  []int32 // the query's indexed terms in order
	curs    []cursor
	order   []int     // cursor index of each query term
	prefix  []float64 // prefix[i] = slack · Σ_{j ≤ i} curs[j].ub
	heap    []Hit
	seeded  []uint32 // documents scored before the traversal, sorted
	seedPos int
}

// slack makes bounds safe against rounding: a bound is a sum in another
// order than the score it bounds, so it may be a few ulps low. A document
// is pruned only when slack times its bound is at most the k-th score, so
// its score is strictly below it and cannot win even a tie.
const slack = 1 + 1e-9

// search finds the top k in three steps. (1) Seeding: the documents of
// each query term's top postings (its topSeeds best contributions, or all
// its postings when it has no more) are scored exactly, so the heap starts
// with a high k-th score. (2) Document-at-a-time MaxScore (Turtle and Flood
// 1995): terms in increasing order of their bounds; those whose bounds sum
// to no more than the k-th score are non-essential, looked up only for
// documents the essential ones propose, and only while the document can
// still win. (3) Block-max skipping (Ding and Suel 2011): before a
// candidate is scored, the essential terms' bounds over their current
// blocks bound every document up to the end of the first of those blocks;
// when that cannot beat the k-th score, the whole range is skipped.
func (s *scratch) search(ix *Index, dst []Hit, query string, k int) []Hit {
	// Parse the query into its terms, merging repeats.
	s.qterms, s.curs, s.order, s.heap, s.seeded = s.qterms[:0], s.curs[:0], s.order[:0], s.heap[:0], s.seeded[:0]
	for i := 0; ; {
		tok, start, end := nextToken(query, i, s.buf)
		if start < 0 {
			break
		}
		s.buf, i = tok, end
		if len(tok) == 0 {
			continue
		}
		t, ok := ix.terms[string(tok)]
		if !ok {
			continue
		}
		s.qterms = append(s.qterms, t)
		dup := false
		for c := range s.curs {
			if s.curs[c].term == int(t) {
				s.curs[c].mult++
				dup = true
				break
			}
		}
		if !dup {
			s.curs = append(s.curs, cursor{term: int(t), mult: 1, pos: ix.off[t], end: ix.off[t+1]})
		}
	}
	if len(s.curs) == 0 {
		return dst
	}
	for c := range s.curs {
		s.curs[c].ub = s.curs[c].mult * ix.maxSc[s.curs[c].term]
	}
	// Cursors by increasing bound; prefix sums of the bounds.
	slices.SortFunc(s.curs, func(a, b cursor) int {
		if a.ub != b.ub {
			if a.ub < b.ub {
				return -1
			}
			return 1
		}
		return a.term - b.term
	})
	s.prefix = s.prefix[:0]
	sum := 0.0
	for c := range s.curs {
		sum += s.curs[c].ub
		s.prefix = append(s.prefix, sum*slack)
	}
	for _, t := range s.qterms {
		for c := range s.curs {
			if s.curs[c].term == int(t) {
				s.order = append(s.order, c)
				break
			}
		}
	}

	// (1) Seeding, from the terms that weigh most: the one of the largest
	// bound, and others whose bound is at least half of it.
	for c := len(s.curs) - 1; c >= 0; c-- {
		if c < len(s.curs)-1 && s.curs[c].ub < s.curs[len(s.curs)-1].ub/2 {
			break
		}
		t := s.curs[c].term
		seeds := ix.seeds[ix.seedOff[t]:ix.seedOff[t+1]]
		for _, p := range seeds[:min(len(seeds), max(k, 4))] {
			s.seeded = append(s.seeded, ix.pdoc[p])
		}
	}
	slices.Sort(s.seeded)
	s.seeded = slices.Compact(s.seeded)
	for _, d := range s.seeded {
		s.push(Hit{Doc: int(d), Score: s.exactScore(ix, d)}, k)
	}
	s.seedPos = 0

	// (2) and (3): the traversal.
	theta, worst := -1.0, -1 // the k-th best score and its document, once the heap is full
	firstEss := 0            // cursors from firstEss on are essential
	nc := len(s.curs)
	// setTheta updates the k-th score and makes terms non-essential while
	// the documents holding only non-essential terms cannot win: their
	// bound (the sum in query order of the terms' largest contributions,
	// which floating-point addition's monotonicity makes a true bound of
	// the scores, summed alike) is below the k-th score, or equal to it
	// when every document left comes after the k-th one (and so loses the
	// tie). after is the last document the traversal passed.
	setTheta := func(after int) bool {
		if len(s.heap) < k {
			return true
		}
		theta, worst = s.heap[0].Score, s.heap[0].Doc
		for firstEss < nc {
			for c := range s.curs {
				s.curs[c].u = 0
				if c <= firstEss {
					s.curs[c].u = ix.maxSc[s.curs[c].term]
				}
			}
			if b := s.boundInOrder(); b < theta || b == theta && after >= worst {
				firstEss++
				continue
			}
			break
		}
		return firstEss < nc
	}
	if !setTheta(-1) {
		goto done
	}
	for {
		// The next candidate: the smallest document among essential cursors.
		d := uint32(math.MaxUint32)
		for c := firstEss; c < nc; c++ {
			if cu := &s.curs[c]; cu.pos < cu.end && ix.pdoc[cu.pos] < d {
				d = ix.pdoc[cu.pos]
			}
		}
		if d == math.MaxUint32 {
			break
		}
		if theta >= 0 {
			// (3) A bound of every document from d to end: essential terms
			// at d contribute at most their current block's largest
			// contribution up to the block's end; those whose next posting
			// comes later contribute nothing before it.
			end := uint32(math.MaxUint32)
			quick := 0.0
			for c := firstEss; c < nc; c++ {
				cu := &s.curs[c]
				switch {
				case cu.pos >= cu.end:
					cu.u = 0
				case ix.pdoc[cu.pos] == d:
					b := ix.blockOf(cu.term, cu.pos)
					cu.u = ix.bmax[b]
					end = min(end, ix.blast[b])
				default:
					cu.u = 0
					end = min(end, ix.pdoc[cu.pos]-1)
				}
				quick += cu.mult * cu.u
			}
			// First a quick bound (in another order than the scores' sums,
			// so made safe by slack; the non-essential terms' part is their
			// prefix sum); near the k-th score, the exact one.
			quick = quick*slack + prefixBelow(s.prefix, firstEss)
			skip := quick*slack < theta
			if !skip && quick <= theta*slack*slack {
				for c := range firstEss {
					s.curs[c].u = ix.maxSc[s.curs[c].term] // a non-essential term: its largest contribution
				}
				b := s.boundInOrder()
				skip = b < theta || b == theta && int(d) > worst
			}
			if skip {
				for c := firstEss; c < nc; c++ {
					s.curs[c].seek(ix, end+1)
				}
				continue
			}
		}
		// Seeded documents are scored already.
		for s.seedPos < len(s.seeded) && s.seeded[s.seedPos] < d {
			s.seedPos++
		}
		if s.seedPos < len(s.seeded) && s.seeded[s.seedPos] == d {
			for c := firstEss; c < nc; c++ {
				if cu := &s.curs[c]; cu.pos < cu.end && ix.pdoc[cu.pos] == d {
					cu.pos++
				}
			}
			continue
		}
		// Score the essential terms at d.
		partial := 0.0
		for c := firstEss; c < nc; c++ {
			cu := &s.curs[c]
			cu.contrib = 0
			if cu.pos < cu.end && ix.pdoc[cu.pos] == d {
				cu.contrib = ix.contrib(cu.term, cu.pos)
				partial += cu.mult * cu.contrib
				cu.pos++
			}
		}
		// Add the non-essential ones while the document can still win.
		pruned := false
		for c := firstEss - 1; c >= 0; c-- {
			if theta >= 0 && partial*slack+s.prefix[c] <= theta {
				pruned = true
				break
			}
			cu := &s.curs[c]
			cu.contrib = 0
			if !cu.seekBlock(ix, d) {
				continue
			}
			if theta >= 0 && (partial+cu.mult*ix.bmax[ix.blockOf(cu.term, cu.pos)])*slack+prefixBelow(s.prefix, c) <= theta {
				pruned = true // even this term's block bound cannot lift d
				break
			}
			cu.seek(ix, d)
			if cu.pos < cu.end && ix.pdoc[cu.pos] == d {
				cu.contrib = ix.contrib(cu.term, cu.pos)
				partial += cu.mult * cu.contrib
			}
		}
		if pruned {
			continue
		}
		// The exact score, summed in query order as FTS5 sums it.
		score := 0.0
		for _, c := range s.order {
			score += s.curs[c].contrib
		}
		h := Hit{Doc: int(d), Score: score}
		if len(s.heap) == k && !worse(s.heap[0], h) {
			continue
		}
		s.push(h, k)
		if !setTheta(int(d)) {
			break
		}
	}
done:
	// The heap, best first.
	n := len(dst)
	dst = append(dst, s.heap...)
	sortHits(dst[n:])
	return dst
}

// sortHits orders hits best first: by score, then by document.
func sortHits(hits []Hit) {
	slices.SortFunc(hits, func(a, b Hit) int {
		if a.Score != b.Score {
			if a.Score > b.Score {
				return -1
			}
			return 1
		}
		return a.Doc - b.Doc
	})
}

// boundInOrder sums the cursors' bounds u in query order, as scores are
// summed: since floating-point addition is monotonic, the result is at
// least the score of any document whose contributions are at most the u.
func (s *scratch) boundInOrder() float64 {
	b := 0.0
	for _, c := range s.order {
		b += s.curs[c].u
	}
	return b
}

// exactScore is document d's score, its terms looked up by binary search.
func (s *scratch) exactScore(ix *Index, d uint32) float64 {
	for c := range s.curs {
		cu := &s.curs[c]
		cu.contrib = 0
		if p, ok := ix.find(cu.term, d); ok {
			cu.contrib = ix.pc[p]
		}
	}
	score := 0.0
	for _, c := range s.order {
		score += s.curs[c].contrib
	}
	return score
}

func prefixBelow(prefix []float64, c int) float64 {
	if c == 0 {
		return 0
	}
	return prefix[c-1]
}

// find returns the posting of document d in term t's list, searching the
// block lasts first, then the block.
func (ix *Index) find(t int, d uint32) (uint32, bool) {
	b0, b1 := ix.boff[t], ix.boff[t+1]
	b, _ := slices.BinarySearch(ix.blast[b0:b1], d) // the first block whose last is ≥ d
	if b == int(b1-b0) {
		return 0, false
	}
	lo := ix.off[t] + uint32(b)*blockSize
	hi := min(lo+blockSize, ix.off[t+1])
	i, ok := slices.BinarySearch(ix.pdoc[lo:hi], d)
	return lo + uint32(i), ok
}

// blockOf is the block of term t holding posting p.
func (ix *Index) blockOf(t int, p uint32) uint32 {
	return ix.boff[t] + (p-ix.off[t])/blockSize
}

// seekBlock moves the cursor to the start of the first block that may hold
// d or a later document (or leaves it where it is, inside that block); it
// reports false when the postings are exhausted.
func (cu *cursor) seekBlock(ix *Index, d uint32) bool {
	if cu.pos >= cu.end {
		return false
	}
	b := ix.blockOf(cu.term, cu.pos)
	for ix.blast[b] < d {
		b++
		start := ix.off[cu.term] + (b-ix.boff[cu.term])*blockSize
		if start >= cu.end {
			cu.pos = cu.end
			return false
		}
		cu.pos = start
	}
	return true
}

// seek moves the cursor to its first posting at or after document d.
func (cu *cursor) seek(ix *Index, d uint32) {
	if !cu.seekBlock(ix, d) {
		return
	}
	blockEnd := min(ix.off[cu.term]+(ix.blockOf(cu.term, cu.pos)-ix.boff[cu.term]+1)*blockSize, cu.end)
	lo, hi := cu.pos, blockEnd
	for lo < hi {
		m := (lo + hi) / 2
		if ix.pdoc[m] < d {
			lo = m + 1
		} else {
			hi = m
		}
	}
	cu.pos = lo
}

// worse orders hits from worst to best: lower score, then higher Doc.
func worse(a, b Hit) bool { return a.Score < b.Score || (a.Score == b.Score && a.Doc > b.Doc) }

// push adds h to the k-best min-heap (worst at the root: lowest score, then
// highest Doc).
func (s *scratch) push(h Hit, k int) {
	hp := s.heap
	if len(hp) == k && !worse(hp[0], h) {
		return
	}
	if len(hp) < k {
		hp = append(hp, h)
		for i := len(hp) - 1; i > 0; {
			p := (i - 1) / 2
			if !worse(hp[i], hp[p]) {
				break
			}
			hp[i], hp[p] = hp[p], hp[i]
			i = p
		}
		s.heap = hp
		return
	}
	hp[0] = h // replace the worst
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(hp) && worse(hp[l], hp[m]) {
			m = l
		}
		if r := l + 1; r < len(hp) && worse(hp[r], hp[m]) {
			m = r
		}
		if m == i {
			break
		}
		hp[i], hp[m] = hp[m], hp[i]
		i = m
	}
}

// Snippet returns a short excerpt of document d around the query's terms:
// the window of about snippetWords words of its text that holds the most
// distinct query terms (then the most occurrences, then the earliest), with
// "…" where text was cut. A document whose text holds no query term gives
// its opening words.
func (ix *Index) Snippet(d int, query string) string {
	return snippet(ix.docs[d].Text, query, snippetWords)
}

const snippetWords = 30

// snippet is Snippet over any text, with a window of w tokens.
func snippet(text, query string, w int) string {
	q := Tokenize(query)
	type span struct {
		start, end int
		term       int // index into q's distinct terms, or -1
	}
	distinct := make(map[string]int)
	for _, t := range q {
		if _, ok := distinct[t]; !ok {
			distinct[t] = len(distinct)
		}
	}
	var spans []span
	var buf []byte
	for i := 0; ; {
		tok, start, end := nextToken(text, i, buf)
		if start < 0 {
			break
		}
		buf, i = tok, end
		term := -1
		if j, ok := distinct[string(tok)]; ok {
			term = j
		}
		spans = append(spans, span{start, end, term})
	}
	if len(spans) == 0 {
		return strings.TrimSpace(text)
	}
	// Slide a window of w tokens; keep the best start.
	counts := make([]int, len(distinct))
	cover, hits := 0, 0
	add := func(sp span, delta int) {
		if sp.term < 0 {
			return
		}
		if delta > 0 && counts[sp.term] == 0 {
			cover++
		}
		counts[sp.term] += delta
		if delta < 0 && counts[sp.term] == 0 {
			cover--
		}
		hits += delta
	}
	best, bestCover, bestHits := 0, -1, -1
	for i := range spans {
		add(spans[i], 1)
		if i >= w {
			add(spans[i-w], -1)
		}
		if i >= w-1 || i == len(spans)-1 {
			st := max(0, i-w+1)
			if cover > bestCover || (cover == bestCover && hits > bestHits) {
				best, bestCover, bestHits = st, cover, hits
			}
		}
	}
	if bestHits > 0 {
		// Centre the window's hits in it, so each has context around it.
		f, l := best, min(best+w, len(spans))-1
		for spans[f].term < 0 {
			f++
		}
		for spans[l].term < 0 {
			l--
		}
		best = (f + l - w + 1) / 2
		best = max(best, l-w+1)
		best = min(best, f, len(spans)-w)
		best = max(best, 0)
	}
	last := min(best+w, len(spans)) - 1
	from, to := spans[best].start, spans[last].end
	// Extend to the end of the sentence's punctuation (a closing period,
	// parenthesis or quote right after the last word).
	for to < len(text) && strings.IndexByte(".,;:!?)\"'", text[to]) >= 0 {
		to++
	}
	var b strings.Builder
	if best > 0 {
		b.WriteString("… ")
	}
	b.WriteString(strings.TrimSpace(text[from:to]))
	if last < len(spans)-1 {
		b.WriteString(" …")
	}
	return b.String()
}
