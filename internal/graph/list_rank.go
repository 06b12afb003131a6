package graph

import "strings"

// Pivot names for rank splits are spread evenly over the space of names
// written with the common characters, read as numbers: each character a
// digit in base rankBase (0 for "the name ends"). Names cluster (given names,
// a shared prefix), so even spacing rarely cuts evenly; the counts of the
// pieces tell, and pieces still too large are cut again between their own
// bounds, where the common prefix is longer and the spacing finer.
const (
	rankAlphabet = "-.0123456789@_abcdefghijklmnopqrstuvwxyz" // in byte order, as Graph compares lower-cased names
	rankBase     = int64(len(rankAlphabet) + 1)
	rankDepth    = 6 // digits after the common prefix: rankBase^6 fits in int64
)

// rankDigit is c's digit. A character outside the alphabet gets the digit
// of the next character up, which keeps the order (not strictly).
func rankDigit(c byte) int64 {
	n := int64(0)
	for i := range len(rankAlphabet) {
		if rankAlphabet[i] == c {
			return int64(i) + 1
		}
		if rankAlphabet[i] < c {
			n++
		}
	}
	return min(n+1, rankBase-1)
}

// rankValue reads the first rankDepth characters of s as a number.
func rankValue(s string) int64 {
	var v int64
	for i := range rankDepth {
		d := int64(0)
		if i < len(s) {
			d = rankDigit(s[i])
		}
		v = v*rankBase + d
	}
	return v
}

// rankSpan is one past the largest rankValue.
func rankSpan() int64 {
	v := int64(1)
	for range rankDepth {
		v *= rankBase
	}
	return v
}

// rankName writes v back as characters of the alphabet. A 0 digit followed
// by others (no name ends and goes on) becomes the smallest character.
func rankName(v int64) string {
	var d [rankDepth]int64
	for i := rankDepth - 1; i >= 0; i-- {
		d[i] = v % rankBase
		v /= rankBase
	}
	n := rankDepth
	for n > 0 && d[n-1] == 0 {
		n--
	}
	var b strings.Builder
	for i := range n {
		b.WriteByte(rankAlphabet[max(d[i], 1)-1])
	}
	return b.String()
}

// rankPivots returns up to ways-1 names strictly between low and high
// (high "" = the end of the names that begin with prefix), increasing,
// spread evenly in rank space below their common prefix.
func rankPivots(prefix, low, high string, ways int) []string {
	common := prefix
	var lo, hi int64
	if high == "" {
		if !strings.HasPrefix(low, prefix) {
			return nil
		}
		lo, hi = rankValue(low[len(common):]), rankSpan()
	} else {
		common = commonPrefix(low, high)
		lo, hi = rankValue(low[len(common):]), rankValue(high[len(common):])
	}
	var pivots []string
	for j := 1; j < ways; j++ {
		p := common + rankName(lo+(hi-lo)*int64(j)/int64(ways))
		if p > low && (high == "" || p < high) && (len(pivots) == 0 || p > pivots[len(pivots)-1]) {
			pivots = append(pivots, p)
		}
	}
	return pivots
}

// commonPrefix is the longest byte prefix of a and b that ends on a
// character boundary.
func commonPrefix(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	for i > 0 && i < len(a) && a[i]&0xC0 == 0x80 {
		i--
	}
	return a[:i]
}
