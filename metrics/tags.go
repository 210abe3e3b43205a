package metrics

import (
	"sort"
	"strconv"
	"strings"
)

// Names of the system tags this package reads.
const (
	TagCheck    = "check"    // the check's name, on samples of the checks metric
	TagGroup    = "group"    // the group path ("::a::b"; "" at the root)
	TagScenario = "scenario" // the scenario's name
)

// GroupSeparator separates group names in a group path, as in "::outer::inner".
const GroupSeparator = "::"

// Tag is one key/value pair of a [TagSet].
type Tag struct {
	Key   string
	Value string
}

// TagSet is an immutable set of string tags, sorted by key. One *TagSet can be
// shared by any number of samples and goroutines: the runner builds one per VU
// and rebuilds it only when the VU's tags change, so emitting a sample costs
// nothing for its tags. The nil *TagSet is the empty set.
type TagSet struct {
	tags []Tag // sorted by Key, keys unique
	hash uint64
}

var emptyTagSet = &TagSet{hash: fnvOffset}

// NewTagSet returns a set holding the pairs of m (which it does not keep).
func NewTagSet(m map[string]string) *TagSet {
	if len(m) == 0 {
		return emptyTagSet
	}
	tags := make([]Tag, 0, len(m))
	for k, v := range m {
		tags = append(tags, Tag{Key: k, Value: v})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return newTagSet(tags)
}

// NewTagSetFromTags returns a set holding the given tags; for a repeated key the
// last value wins.
func NewTagSetFromTags(tags ...Tag) *TagSet {
	if len(tags) == 0 {
		return emptyTagSet
	}
	sorted := make([]Tag, len(tags))
	copy(sorted, tags)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	out := sorted[:0]
	for _, t := range sorted {
		if n := len(out); n > 0 && out[n-1].Key == t.Key {
			out[n-1] = t
			continue
		}
		out = append(out, t)
	}
	return newTagSet(out)
}

func newTagSet(sorted []Tag) *TagSet {
	h := uint64(fnvOffset)
	for _, t := range sorted {
		h = fnvString(h, t.Key)
		h = fnvString(h, t.Value)
	}
	return &TagSet{tags: sorted, hash: h}
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// fnvString hashes s and a terminating zero byte, so "ab","c" and "a","bc" differ.
func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	h *= fnvPrime // the terminator (xor with 0 is a no-op)
	return h
}

// find returns the position of key, or where it would be inserted.
func (t *TagSet) find(key string) (int, bool) {
	lo, hi := 0, len(t.tags)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if t.tags[mid].Key < key {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(t.tags) && t.tags[lo].Key == key
}

// Get returns the value of key and whether the set holds it.
func (t *TagSet) Get(key string) (string, bool) {
	if t == nil {
		return "", false
	}
	i, ok := t.find(key)
	if !ok {
		return "", false
	}
	return t.tags[i].Value, true
}

// Len returns the number of tags.
func (t *TagSet) Len() int {
	if t == nil {
		return 0
	}
	return len(t.tags)
}

// With returns a set like t with key set to value; t is unchanged.
func (t *TagSet) With(key, value string) *TagSet {
	if t == nil {
		t = emptyTagSet
	}
	i, ok := t.find(key)
	if ok && t.tags[i].Value == value {
		return t
	}
	n := len(t.tags)
	if !ok {
		n++
	}
	tags := make([]Tag, 0, n)
	tags = append(tags, t.tags[:i]...)
	tags = append(tags, Tag{Key: key, Value: value})
	if ok {
		i++
	}
	tags = append(tags, t.tags[i:]...)
	return newTagSet(tags)
}

// Without returns a set like t without key; t is unchanged.
func (t *TagSet) Without(key string) *TagSet {
	if t == nil {
		return emptyTagSet
	}
	i, ok := t.find(key)
	if !ok {
		return t
	}
	tags := make([]Tag, 0, len(t.tags)-1)
	tags = append(tags, t.tags[:i]...)
	tags = append(tags, t.tags[i+1:]...)
	return newTagSet(tags)
}

// Merge returns a set with the tags of t and of o; o's values win.
func (t *TagSet) Merge(o *TagSet) *TagSet {
	switch {
	case o.Len() == 0:
		if t == nil {
			return emptyTagSet
		}
		return t
	case t.Len() == 0:
		return o
	}
	tags := make([]Tag, 0, len(t.tags)+len(o.tags))
	i, j := 0, 0
	for i < len(t.tags) && j < len(o.tags) {
		switch a, b := t.tags[i], o.tags[j]; {
		case a.Key < b.Key:
			tags = append(tags, a)
			i++
		case a.Key > b.Key:
			tags = append(tags, b)
			j++
		default:
			tags = append(tags, b)
			i++
			j++
		}
	}
	tags = append(tags, t.tags[i:]...)
	tags = append(tags, o.tags[j:]...)
	return newTagSet(tags)
}

// Range calls fn for each tag in key order until fn returns false.
func (t *TagSet) Range(fn func(key, value string) bool) {
	if t == nil {
		return
	}
	for _, tag := range t.tags {
		if !fn(tag.Key, tag.Value) {
			return
		}
	}
}

// Tags returns a copy of the tags in key order.
func (t *TagSet) Tags() []Tag {
	if t == nil {
		return nil
	}
	out := make([]Tag, len(t.tags))
	copy(out, t.tags)
	return out
}

// Map returns the tags as a new map.
func (t *TagSet) Map() map[string]string {
	m := make(map[string]string, t.Len())
	t.Range(func(k, v string) bool {
		m[k] = v
		return true
	})
	return m
}

// Contains reports whether every tag of sub is in t with the same value; this
// is how a sample is matched to a sub-metric's selector. It does not allocate.
func (t *TagSet) Contains(sub *TagSet) bool {
	if sub.Len() == 0 {
		return true
	}
	if t.Len() < sub.Len() {
		return false
	}
	for _, want := range sub.tags {
		i, ok := t.find(want.Key)
		if !ok || t.tags[i].Value != want.Value {
			return false
		}
	}
	return true
}

// Equal reports whether t and o hold the same tags.
func (t *TagSet) Equal(o *TagSet) bool {
	if t == o {
		return true
	}
	if t.Len() != o.Len() || t.Hash() != o.Hash() {
		return false
	}
	for i := range t.Len() {
		if t.tags[i] != o.tags[i] {
			return false
		}
	}
	return true
}

// Hash returns a 64-bit hash of the tags, stable across runs, for grouping
// samples into series; sets with equal tags have equal hashes.
func (t *TagSet) Hash() uint64 {
	if t == nil {
		return emptyTagSet.hash
	}
	return t.hash
}

// Key returns a canonical string for the set, equal for equal sets and unique
// per set: each key and value quoted, as in `"k"="v","k2"="v2"`. It allocates;
// outputs that group often should cache by [TagSet.Hash] and [TagSet.Equal].
func (t *TagSet) Key() string {
	var b strings.Builder
	t.Range(func(k, v string) bool {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(k))
		b.WriteByte('=')
		b.WriteString(strconv.Quote(v))
		return true
	})
	return b.String()
}

// String renders the set as k6 writes a selector: {k:v,k2:v2}.
func (t *TagSet) String() string {
	var b strings.Builder
	b.WriteByte('{')
	t.Range(func(k, v string) bool {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(v)
		return true
	})
	b.WriteByte('}')
	return b.String()
}
