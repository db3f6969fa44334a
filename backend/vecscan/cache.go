package vecscan

import (
	"sort"
	"sync"
	"time"
)

// Cache holds, per notebook, what a store loaded at one index version: the
// chunk count of each embedding model and the slabs of the models it chose
// to hold. An entry whose version is not the notebook's current one is
// reloaded; the least recently used entries go when the slabs pass the
// budget.
type Cache struct {
	mu      sync.Mutex
	entries map[string]*Entry
	bytes   int64
}

// Entry is one notebook's cached state at one index version.
type Entry struct {
	mu     sync.Mutex // held while loading, so one query loads and the rest wait
	loaded bool       // under mu

	// Under the cache's lock.
	used    time.Time
	version int64
	size    int64 // bytes of the slabs, once loaded

	// Version is the index version the load saw (the loader may re-read
	// it inside its own transaction and set it).
	Version int64
	// Counts is the number of chunks per model.
	Counts map[string]int
	// Slabs are the models' vectors the loader chose to keep.
	Slabs map[string]*Slab
}

// Models are the models that have chunks, sorted.
func (e *Entry) Models() []string {
	out := make([]string, 0, len(e.Counts))
	for m, n := range e.Counts {
		if n > 0 {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

func (e *Entry) bytes() int64 {
	var n int64
	for _, s := range e.Slabs {
		n += s.Bytes()
	}
	return n
}

// Get returns the entry of key at version, calling load to fill a new one
// (one caller loads; others wait for it). budget bounds the bytes of all
// slabs held.
func (c *Cache) Get(key string, version, budget int64, load func(*Entry) error) (*Entry, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*Entry{}
	}
	e := c.entries[key]
	if e == nil || e.version != version {
		if e != nil {
			c.bytes -= e.size
		}
		e = &Entry{version: version, Version: version}
		c.entries[key] = e
	}
	e.used = time.Now()
	c.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.loaded {
		return e, nil
	}
	e.Counts, e.Slabs = map[string]int{}, map[string]*Slab{}
	if err := load(e); err != nil {
		return nil, err
	}
	e.loaded = true
	c.mu.Lock()
	if c.entries[key] == e {
		e.size = e.bytes()
		c.bytes += e.size
		c.evict(key, budget)
	}
	c.mu.Unlock()
	return e, nil
}

// evict drops the least recently used entries with slabs (not keep's)
// while over budget.
func (c *Cache) evict(keep string, budget int64) {
	for c.bytes > budget {
		var oldest string
		var at time.Time
		for id, e := range c.entries {
			if id != keep && e.size > 0 && (oldest == "" || e.used.Before(at)) {
				oldest, at = id, e.used
			}
		}
		if oldest == "" {
			return
		}
		c.bytes -= c.entries[oldest].size
		delete(c.entries, oldest)
	}
}

// Drop forgets every entry.
func (c *Cache) Drop() {
	c.mu.Lock()
	c.entries, c.bytes = nil, 0
	c.mu.Unlock()
}
