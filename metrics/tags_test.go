package metrics

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTagSetBasics(t *testing.T) {
	t.Parallel()
	base := NewTagSet(map[string]string{"scenario": "default", "group": "", "vu": "1"})
	assert.Equal(t, 3, base.Len())
	v, ok := base.Get("scenario")
	assert.True(t, ok)
	assert.Equal(t, "default", v)
	v, ok = base.Get("group")
	assert.True(t, ok, "an empty value is a value")
	assert.Equal(t, "", v)
	_, ok = base.Get("nope")
	assert.False(t, ok)

	var keys []string
	base.Range(func(k, _ string) bool {
		keys = append(keys, k)
		return true
	})
	assert.Equal(t, []string{"group", "scenario", "vu"}, keys, "sorted")

	n := 0
	base.Range(func(string, string) bool { n++; return false })
	assert.Equal(t, 1, n, "Range stops when fn returns false")

	with := base.With("check", "ok")
	assert.Equal(t, 4, with.Len())
	assert.Equal(t, 3, base.Len(), "With leaves the original alone")
	_, ok = base.Get("check")
	assert.False(t, ok)
	assert.Equal(t, "{check:ok,group:,scenario:default,vu:1}", with.String())

	replaced := with.With("vu", "2")
	v, _ = replaced.Get("vu")
	assert.Equal(t, "2", v)
	v, _ = with.Get("vu")
	assert.Equal(t, "1", v)
	assert.Same(t, replaced, replaced.With("vu", "2"), "setting the same value returns the same set")

	without := with.Without("check")
	assert.True(t, without.Equal(base))
	assert.Same(t, base, base.Without("missing"))

	assert.Equal(t, map[string]string{"scenario": "default", "group": "", "vu": "1"}, base.Map())
	assert.Equal(t, []Tag{{"group", ""}, {"scenario", "default"}, {"vu", "1"}}, base.Tags())
}

func TestTagSetNilIsEmpty(t *testing.T) {
	t.Parallel()
	var nilSet *TagSet
	assert.Equal(t, 0, nilSet.Len())
	_, ok := nilSet.Get("a")
	assert.False(t, ok)
	assert.True(t, nilSet.Contains(nil))
	assert.False(t, nilSet.Contains(NewTagSet(map[string]string{"a": "b"})))
	assert.True(t, NewTagSet(nil).Contains(nilSet))
	assert.Equal(t, map[string]string{}, nilSet.Map())
	assert.Nil(t, nilSet.Tags())
	assert.True(t, nilSet.Equal(NewTagSet(nil)))
	assert.Equal(t, NewTagSet(nil).Hash(), nilSet.Hash())
	assert.Equal(t, 1, nilSet.With("a", "b").Len())
	assert.Equal(t, 0, nilSet.Without("a").Len())
	assert.Equal(t, "{}", nilSet.String())
	assert.Equal(t, "", nilSet.Key())
}

func TestTagSetContains(t *testing.T) {
	t.Parallel()
	sample := NewTagSet(map[string]string{
		"status": "200", "method": "GET", "name": "http://x/ok", "group": "::setup", "expected_response": "true",
	})
	tests := []struct {
		name string
		sub  map[string]string
		want bool
	}{
		{"empty selector matches all", nil, true},
		{"one tag", map[string]string{"status": "200"}, true},
		{"two tags", map[string]string{"status": "200", "method": "GET"}, true},
		{"value differs", map[string]string{"status": "404"}, false},
		{"one of two differs", map[string]string{"status": "200", "method": "POST"}, false},
		{"missing key", map[string]string{"scenario": "x"}, false},
		{"group path", map[string]string{"group": "::setup"}, true},
		{"more tags than the sample", map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "6"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, sample.Contains(NewTagSet(tc.sub)))
		})
	}
}

func TestTagSetReadsDoNotAllocate(t *testing.T) { //nolint:paralleltest // AllocsPerRun
	sample := NewTagSet(map[string]string{"status": "200", "method": "GET", "name": "x", "group": ""})
	sub := NewTagSet(map[string]string{"status": "200", "method": "GET"})
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		sample.Contains(sub)
		sample.Get("name")
		sample.Equal(sub)
	}))
}

func TestTagSetEqualityAndKeys(t *testing.T) {
	t.Parallel()
	a := NewTagSet(map[string]string{"a": "1", "b": "2"})
	b := NewTagSet(nil).With("b", "2").With("a", "1")
	c := NewTagSetFromTags(Tag{"b", "x"}, Tag{"a", "1"}, Tag{"b", "2"})
	assert.True(t, a.Equal(b))
	assert.True(t, a.Equal(c), "the last value of a repeated key wins")
	assert.Equal(t, a.Hash(), b.Hash())
	assert.Equal(t, a.Key(), b.Key())
	assert.Equal(t, `"a"="1","b"="2"`, a.Key())

	tricky := []*TagSet{
		NewTagSet(map[string]string{"ab": "c"}),
		NewTagSet(map[string]string{"a": "bc"}),
		NewTagSet(map[string]string{"a": "b", "c": ""}),
		NewTagSet(map[string]string{"a=": "b"}),
		NewTagSet(map[string]string{"a": "=b"}),
		NewTagSet(map[string]string{"a": `","b"="`}),
	}
	seen := map[string]bool{}
	hashes := map[uint64]bool{}
	for _, s := range tricky {
		assert.False(t, seen[s.Key()], "key %s is unique", s.Key())
		seen[s.Key()] = true
		hashes[s.Hash()] = true
		assert.False(t, s.Equal(a))
	}
	assert.Len(t, hashes, len(tricky))
}

func TestTagSetMerge(t *testing.T) {
	t.Parallel()
	sys := NewTagSet(map[string]string{"scenario": "s", "group": ""})
	vu := NewTagSet(map[string]string{"group": "::g", "mine": "x"})
	m := sys.Merge(vu)
	assert.Equal(t, map[string]string{"scenario": "s", "group": "::g", "mine": "x"}, m.Map())
	assert.Same(t, sys, sys.Merge(nil))
	assert.Same(t, vu, NewTagSet(nil).Merge(vu))
	var nilSet *TagSet
	assert.Equal(t, 0, nilSet.Merge(nil).Len())
}
