package segment

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// maxExponent bounds the decimal exponent accepted in "1e-2"-style values, so
// a hostile value cannot ask for a number with millions of digits.
const maxExponent = 100

var (
	ratZero    = new(big.Rat)
	ratOne     = big.NewRat(1, 1)
	ratHundred = big.NewRat(100, 1)
)

// parseRat reads one point of a segment or sequence. It accepts the three
// forms k6 accepts:
//
//	fraction    "1/3", "2/4"        (decimal integers; the denominator not 0)
//	decimal     "0.5", ".25", "1e-1"
//	percentage  "50%", "12.5%"      (k6 itself takes only whole percentages)
//
// Surrounding spaces are ignored. The result is not range-checked.
func parseRat(s string) (*big.Rat, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, errors.New("missing value")
	}
	if p, ok := strings.CutSuffix(t, "%"); ok {
		r, ok := parseDecimal(strings.TrimSpace(p))
		if !ok {
			return nil, fmt.Errorf("%q is not a valid percentage", s)
		}
		return r.Quo(r, ratHundred), nil
	}
	if num, den, ok := strings.Cut(t, "/"); ok {
		a, okA := parseInt(num, true)
		b, okB := parseInt(den, false)
		if !okA || !okB {
			return nil, fmt.Errorf("%q is not a valid fraction", s)
		}
		if b.Sign() == 0 {
			return nil, fmt.Errorf("%q has a zero denominator", s)
		}
		return new(big.Rat).SetFrac(a, b), nil
	}
	r, ok := parseDecimal(t)
	if !ok {
		return nil, fmt.Errorf("%q is not a valid percentage, decimal or fraction", s)
	}
	return r, nil
}

// parseInt reads a decimal integer, with an optional sign when signed is set.
func parseInt(s string, signed bool) (*big.Int, bool) {
	digits := s
	if signed && digits != "" && (digits[0] == '+' || digits[0] == '-') {
		digits = digits[1:]
	}
	if digits == "" || !allDigits(digits) {
		return nil, false
	}
	return new(big.Int).SetString(s, 10)
}

// parseDecimal reads [sign] digits [. digits] [e [sign] digits], with at least
// one mantissa digit, exactly: 0.1 is 1/10, not the float nearest to it.
func parseDecimal(s string) (*big.Rat, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant = s[:i]
		e := s[i+1:]
		digits := strings.TrimLeft(e, "+-")
		if len(e)-len(digits) > 1 || digits == "" || len(digits) > 4 || !allDigits(digits) {
			return nil, false
		}
		var err error
		if exp, err = strconv.Atoi(e); err != nil || exp > maxExponent || exp < -maxExponent {
			return nil, false
		}
	}
	whole, frac, _ := strings.Cut(mant, ".")
	if whole+frac == "" || !allDigits(whole) || !allDigits(frac) {
		return nil, false
	}
	n, ok := new(big.Int).SetString(whole+frac, 10)
	if !ok {
		return nil, false
	}
	if neg {
		n.Neg(n)
	}
	// value = n × 10^(exp − len(frac))
	exp -= len(frac)
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp))), nil)
	r := new(big.Rat)
	if exp >= 0 {
		return r.SetInt(n.Mul(n, pow)), true
	}
	return r.SetFrac(n, pow), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// copyRat returns a private copy of r, so callers cannot change our values.
func copyRat(r *big.Rat) *big.Rat {
	return new(big.Rat).Set(r)
}
