package websim

import ("fmt"; "slices"; "testing"; "time")

func measure(b *testing.B, w *World, qs []string) string {
	var ds []time.Duration
	dst := make([]Hit, 0, 10)
	for _, q := range qs {
		best := time.Hour
		for range 5 {
			t0 := time.Now()
			dst = w.Index.SearchAppend(dst[:0], q, 10)
			best = min(best, time.Since(t0))
		}
		ds = append(ds, best)
	}
	slices.Sort(ds)
	n := len(ds)
	var tot time.Duration
	for _, x := range ds { tot += x }
	return fmt.Sprint("p50 ", ds[n/2], " p90 ", ds[n*9/10], " p99 ", ds[n*99/100], " max ", ds[n-1], " mean ", tot/time.Duration(n))
}

func BenchmarkZZ(b *testing.B) {
	w, queries, _ := benchCorpus(b, false)
	var qs []string
	for s := range uint64(500) {
		q, _ := w.Question(KindMixed, 0, s)
		qs = append(qs, q.Text)
	}
	fmt.Println("two-term:", measure(b, w, queries))
	fmt.Println("questions:", measure(b, w, qs))
}
