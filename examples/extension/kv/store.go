package kv

import (
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

// Store is a key-value map shared by every VU of a run. Values are held as JSON,
// so each reader gets its own copy and no JavaScript value crosses VUs. It is
// safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	entries map[string]entry
}

// entry is one stored value and the VU that wrote it last.
type entry struct {
	value  json.RawMessage
	writer uint64
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{entries: map[string]entry{}}
}

// Set stores the JSON value under key, written by the VU with id writer.
func (s *Store) Set(key string, value json.RawMessage, writer uint64) {
	v := append(json.RawMessage(nil), value...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries[key] = entry{value: v, writer: writer}
}

// Get returns the JSON value under key and the id of the VU that wrote it.
func (s *Store) Get(key string) (value json.RawMessage, writer uint64, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	return e.value, e.writer, ok
}

// Incr adds by to the number under key (a missing key counts as 0) in one step
// and returns the sum.
func (s *Store) Incr(key string, by float64, writer uint64) (float64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n float64
	if e, ok := s.entries[key]; ok {
		if err := json.Unmarshal(e.value, &n); err != nil {
			return 0, fmt.Errorf("the value of %q is %s, not a number", key, e.value)
		}
	}
	n += by
	raw, err := json.Marshal(n)
	if err != nil {
		return 0, fmt.Errorf("the sum for %q is %v, which JSON can't hold", key, n)
	}
	s.entries[key] = entry{value: raw, writer: writer}
	return n, nil
}

// Delete removes key and reports whether it was there.
func (s *Store) Delete(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.entries[key]
	delete(s.entries, key)
	return ok
}

// Keys returns the stored keys, sorted.
func (s *Store) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.entries))
	for k := range s.entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
