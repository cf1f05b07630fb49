package searchqa

import "sync"

// The process shares generated worlds (and loaded corpora) among every
// episode, read-only: a world is built once per key and kept while the
// cache holds it. The cache is bounded by the pages it holds, so it keeps
// many small worlds or a few large ones; the least recently used go first
// (episodes that still hold one keep using it until they let go).
const cachePages = 1_500_000

type cacheKey struct {
	size  int
	noise float64
	seed  uint64
	path  string // a corpus: its files and their sizes and times
}

type cacheSlot struct {
	once  sync.Once
	val   any
	err   error
	pages int
	used  uint64 // the clock of its last use
}

var shared = struct {
	sync.Mutex
	m     map[cacheKey]*cacheSlot
	clock uint64
	pages int
}{m: map[cacheKey]*cacheSlot{}}

// cached returns the value of key, building it with build (which also
// returns the value's number of pages) on first use. A failed build is not
// kept.
func cached(key cacheKey, build func() (any, int, error)) (any, error) {
	shared.Lock()
	s, ok := shared.m[key]
	if !ok {
		s = &cacheSlot{}
		shared.m[key] = s
	}
	shared.clock++
	s.used = shared.clock
	shared.Unlock()
	s.once.Do(func() {
		var n int
		s.val, n, s.err = build()
		shared.Lock()
		defer shared.Unlock()
		if s.err != nil {
			if shared.m[key] == s {
				delete(shared.m, key)
			}
			return
		}
		if shared.m[key] == s { // not evicted while it was built
			s.pages = n
			shared.pages += n
			evict(key)
		}
	})
	return s.val, s.err
}

// evict drops the least recently used built slots (never keep) while the
// cache holds more than cachePages pages. The lock is held.
func evict(keep cacheKey) {
	for shared.pages > cachePages {
		var oldest cacheKey
		var os *cacheSlot
		for k, s := range shared.m {
			if k == keep || s.pages == 0 {
				continue
			}
			if os == nil || s.used < os.used {
				oldest, os = k, s
			}
		}
		if os == nil {
			return
		}
		delete(shared.m, oldest)
		shared.pages -= os.pages
	}
}

// cachedValue is cached for values of one type: build returns the value
// and its number of pages.
func cachedValue[T any](key cacheKey, build func() (T, int, error)) (T, error) {
	v, err := cached(key, func() (any, int, error) { return build() })
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
