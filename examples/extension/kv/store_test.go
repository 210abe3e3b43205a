package kv_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/examples/extension/kv"
)

func TestStoreSetGetDelete(t *testing.T) {
	t.Parallel()
	s := kv.NewStore()
	_, _, ok := s.Get("a")
	assert.False(t, ok)

	s.Set("a", json.RawMessage(`{"x":1}`), 3)
	v, writer, ok := s.Get("a")
	require.True(t, ok)
	assert.JSONEq(t, `{"x":1}`, string(v))
	assert.Equal(t, uint64(3), writer)

	s.Set("b", json.RawMessage(`"text"`), 0)
	assert.Equal(t, []string{"a", "b"}, s.Keys())
	assert.True(t, s.Delete("a"))
	assert.False(t, s.Delete("a"))
	assert.Equal(t, []string{"b"}, s.Keys())
}

func TestStoreSetCopiesTheValue(t *testing.T) {
	t.Parallel()
	s := kv.NewStore()
	buf := []byte(`1`)
	s.Set("k", buf, 1)
	buf[0] = '2'
	v, _, _ := s.Get("k")
	assert.Equal(t, "1", string(v))
}

func TestStoreIncr(t *testing.T) {
	t.Parallel()
	s := kv.NewStore()
	n, err := s.Incr("n", 1, 1)
	require.NoError(t, err)
	assert.Equal(t, 1.0, n)
	n, err = s.Incr("n", 2.5, 2)
	require.NoError(t, err)
	assert.Equal(t, 3.5, n)
	_, writer, _ := s.Get("n")
	assert.Equal(t, uint64(2), writer)

	s.Set("word", json.RawMessage(`"abc"`), 1)
	_, err = s.Incr("word", 1, 1)
	require.EqualError(t, err, `the value of "word" is "abc", not a number`)
}

// TestStoreIncrConcurrent is meant for the race detector: concurrent increments
// lose nothing.
func TestStoreIncrConcurrent(t *testing.T) {
	t.Parallel()
	s := kv.NewStore()
	const workers, each = 8, 250
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := s.Incr("hits", 1, uint64(w+1))
				assert.NoError(t, err)
				_ = s.Keys()
			}
		}()
	}
	wg.Wait()
	v, _, _ := s.Get("hits")
	assert.Equal(t, "2000", string(v))
}
