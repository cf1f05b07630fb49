package family

import (
	"errors"
	"sync"
)

// Cache shares read-only values that are costly to build (a generated
// database, a loaded data set, a web world, a shop catalog, a toy-text
// transition table) among every episode of the process. It is the one
// cache of the env families: sql's generated databases and data sets,
// searchqa's worlds and corpora (bounded by pages), the shop's catalogs
// and toy text's worlds use it.
//
// A value is built once per key, by the first Get of the key; concurrent
// Gets of the key wait for that build and share its value. A failed build
// is not kept: the next Get builds again. Each value has a cost (1 for a
// cache bounded by its number of values; pages, rows or bytes for one
// bounded by size); when the built values cost more than the bound, the
// least recently used are evicted, never the value just built, so a single
// value larger than the bound is kept alone. Eviction only drops the
// cache's reference: an episode that holds an evicted value keeps using
// it, and a value that must release resources (a database to close) does
// so when the garbage collector finds it unused (runtime.AddCleanup).
//
// Get on a hit is a map lookup and a move to the front of a list, under a
// mutex; eviction is O(1) a value. The zero Cache is not usable: make one
// with NewCache.
type Cache[K comparable, V any] struct {
	max int

	mu   sync.Mutex
	m    map[K]*entry[K, V]
	lru  entry[K, V] // sentinel of the list of built values, most recent first
	cost int         // of the built values in the list
}

type entry[K comparable, V any] struct {
	key        K
	once       sync.Once
	val        V
	err        error
	cost       int
	prev, next *entry[K, V] // in the list once built; nil while building or evicted
}

// NewCache returns a cache that keeps built values of total cost at most
// bound (at least 1).
func NewCache[K comparable, V any](bound int) *Cache[K, V] {
	c := &Cache[K, V]{max: max(1, bound), m: map[K]*entry[K, V]{}}
	c.lru.next, c.lru.prev = &c.lru, &c.lru
	return c
}

// errPanicked is the error of a build that panicked, for the Gets that
// waited for it.
var errPanicked = errors.New("family: the cache's build of this value panicked")

// Get returns the value of key, building it with build on first use.
// build returns the value, its cost (below 1 counts as 1) and an error; an
// error is returned to every Get that waited for that build and the value
// is not kept.
func (c *Cache[K, V]) Get(key K, build func() (V, int, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	if !ok {
		e = &entry[K, V]{key: key}
		c.m[key] = e
	} else if e.next != nil {
		c.unlink(e)
		c.pushFront(e)
	}
	c.mu.Unlock()
	e.once.Do(func() { c.build(e, build) })
	return e.val, e.err
}

func (c *Cache[K, V]) build(e *entry[K, V], build func() (V, int, error)) {
	e.err = errPanicked
	built := false
	defer func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.m[e.key] != e {
			return // removed while it was built (Clear)
		}
		if !built || e.err != nil {
			delete(c.m, e.key)
			return
		}
		c.pushFront(e)
		c.cost += e.cost
		for c.cost > c.max && c.lru.prev != e {
			old := c.lru.prev
			c.unlink(old)
			c.cost -= old.cost
			delete(c.m, old.key)
		}
	}()
	var n int
	e.val, n, e.err = build()
	e.cost = max(1, n)
	built = true
}

func (c *Cache[K, V]) pushFront(e *entry[K, V]) {
	e.prev, e.next = &c.lru, c.lru.next
	e.prev.next, e.next.prev = e, e
}

func (c *Cache[K, V]) unlink(e *entry[K, V]) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

// Len returns the number of values kept (built or being built).
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// Cost returns the total cost of the built values kept.
func (c *Cache[K, V]) Cost() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cost
}

// Contains reports whether key's value is kept (built or being built),
// without counting as a use.
func (c *Cache[K, V]) Contains(key K) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[key]
	return ok
}

// Clear drops every value (builds under way finish for their callers but
// are not kept).
func (c *Cache[K, V]) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
	c.lru.next, c.lru.prev = &c.lru, &c.lru
	c.cost = 0
}
