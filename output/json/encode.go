package json

import (
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/minik6/minik6/metrics"
)

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. It escapes what JSON requires
// (quote, backslash, control characters), U+2028 and U+2029 (as
// encoding/json does, for JavaScript), and replaces invalid UTF-8 with
// U+FFFD; it leaves <, > and & as they are, so thresholds stay readable.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendFloat appends v as a JSON number, in the shortest form that reads
// back as v: plain decimals between 1e-6 and 1e21, exponent form outside
// (as encoding/json writes numbers). NaN and ±Inf, which JSON cannot hold,
// are written as null.
func appendFloat(dst []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(dst, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	if format == 'f' && v == math.Trunc(v) && math.Abs(v) < 1<<53 && !(v == 0 && math.Signbit(v)) {
		return strconv.AppendInt(dst, int64(v), 10) // most values are whole: counts, bytes
	}
	dst = strconv.AppendFloat(dst, v, format, -1, 64)
	if format == 'e' {
		// 1e-07 → 1e-7: drop the exponent's leading zero.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// appendTags appends a tag set as a JSON object, keys in order.
func appendTags(dst []byte, tags *metrics.TagSet) []byte {
	dst = append(dst, '{')
	first := true
	tags.Range(func(k, v string) bool {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendString(dst, v)
		return true
	})
	return append(dst, '}')
}

// appendStringMap appends m as a JSON object with sorted keys; keys is
// scratch space, returned for reuse.
func appendStringMap(dst []byte, m map[string]string, keys []string) ([]byte, []string) {
	keys = keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendString(dst, m[k])
	}
	clear(keys) // drop the references to the strings
	return append(dst, '}'), keys
}

// tagCacheSize is the number of tag sets whose encoding is remembered. Runs
// share a few sets among many samples (one per VU until its tags change), so a
// small direct-mapped cache catches nearly all of them.
const tagCacheSize = 256

// tagCache remembers the JSON of recently seen tag sets, by hash.
type tagCache struct {
	entries [tagCacheSize]struct {
		set *metrics.TagSet
		enc []byte
	}
}

// appendTags appends the JSON of tags, from the cache when it can.
func (c *tagCache) appendTags(dst []byte, tags *metrics.TagSet) []byte {
	e := &c.entries[tags.Hash()%tagCacheSize]
	if e.set == nil || (e.set != tags && !e.set.Equal(tags)) {
		e.set = tags
		e.enc = appendTags(e.enc[:0], tags)
	}
	return append(dst, e.enc...)
}

// timeCache formats times as time.RFC3339Nano, reusing the formatting of the
// whole second, which consecutive samples nearly always share, and of the
// last fraction, which the samples emitted together at the end of an
// iteration share.
type timeCache struct {
	sec    int64
	loc    *time.Location
	valid  bool
	prefix []byte // "2006-01-02T15:04:05"
	zone   []byte // "Z" or "+02:00"
	ns     int    // the nanoseconds frac holds
	frac   []byte // ".123456789", trailing zeros trimmed; empty for 0
}

// secondLen is the length of "2006-01-02T15:04:05".
const secondLen = 19

// appendTime appends t as time.RFC3339Nano would.
func (c *timeCache) appendTime(dst []byte, t time.Time) []byte {
	sec, loc := t.Unix(), t.Location()
	if !c.valid || sec != c.sec || loc != c.loc {
		whole := t.Truncate(time.Second)
		if y := whole.Year(); y < 0 || y > 9999 { // not the fixed-width layout
			c.valid = false
			return t.AppendFormat(dst, time.RFC3339Nano)
		}
		f := whole.AppendFormat(c.prefix[:0], time.RFC3339)
		c.prefix, c.zone = f[:secondLen], append(c.zone[:0], f[secondLen:]...)
		c.sec, c.loc, c.valid = sec, loc, true
	}
	if ns := t.Nanosecond(); ns != c.ns {
		c.ns, c.frac = ns, appendFraction(c.frac[:0], ns)
	}
	dst = append(dst, c.prefix...)
	dst = append(dst, c.frac...)
	return append(dst, c.zone...)
}

// appendFraction appends ".nnnnnnnnn" with the trailing zeros trimmed, or
// nothing for 0, as time.RFC3339Nano writes nanoseconds.
func appendFraction(dst []byte, ns int) []byte {
	if ns == 0 {
		return dst
	}
	var frac [10]byte
	frac[0] = '.'
	for i := 9; i > 0; i-- {
		frac[i] = byte('0' + ns%10)
		ns /= 10
	}
	n := 10
	for frac[n-1] == '0' {
		n--
	}
	return append(dst, frac[:n]...)
}
