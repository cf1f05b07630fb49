package searchqa

import "github.com/dojo-rl/dojo/envs/internal/family"

// The process shares generated worlds (and loaded corpora) among every
// episode, read-only: a world is built once per key and kept while the
// cache holds it. The cache is bounded by the pages it holds, so it keeps
// many small worlds or a few large ones; the least recently used go first
// (episodes that still hold one keep using it until they let go). It is a
// family.Cache whose cost of a value is its number of pages.
const cachePages = 1_500_000

type cacheKey struct {
	size  int
	noise float64
	seed  uint64
	path  string // a corpus: its files and their sizes and times
}

// shared holds worlds and corpora (*World or *Corpus, told apart by key).
var shared = family.NewCache[cacheKey, any](cachePages)

// cachedValue returns the value of key, building it with build (which also
// returns the value's number of pages) on first use. A failed build is not
// kept.
func cachedValue[T any](key cacheKey, build func() (T, int, error)) (T, error) {
	v, err := shared.Get(key, func() (any, int, error) { return build() })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// sharedWorld returns the world of o, from the cache.
func sharedWorld(o WorldOptions) (*World, error) {
	return cachedValue(cacheKey{size: o.Size, noise: o.Noise, seed: o.Seed}, func() (*World, int, error) {
		w, err := NewWorld(o)
		if err != nil {
			return nil, 0, err
		}
		return w, len(w.Pages), nil
	})
}
