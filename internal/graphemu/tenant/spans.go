package tenant

import (
	"slices"
	"strings"
)

// span is a half-open range [lo, hi) of lower-cased UPNs; lo "" is the start,
// hiInf the end. A $filter's spans are a superset of the UPNs it can match,
// so a scan visits only those parts of the index; no spans means it matches
// no one.
type span struct {
	lo, hi string
	hiInf  bool
}

func allSpans() []span { return []span{{hiInf: true}} }

func pointSpan(x string) []span { return []span{{lo: x, hi: x + "\x00"}} }

func leSpan(x string) []span { return []span{{hi: x + "\x00"}} }

func geSpan(x string) []span { return []span{{lo: x, hiInf: true}} }

// prefixSpan is every string starting with p.
func prefixSpan(p string) []span {
	b := []byte(p)
	for len(b) > 0 && b[len(b)-1] == 0xff {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return []span{{lo: p, hiInf: true}}
	}
	b[len(b)-1]++
	return []span{{lo: p, hi: string(b)}}
}

// cmpHi orders span ends, +inf last.
func cmpHi(a, b span) int {
	switch {
	case a.hiInf && b.hiInf:
		return 0
	case a.hiInf:
		return 1
	case b.hiInf:
		return -1
	}
	return strings.Compare(a.hi, b.hi)
}

// hiBefore reports whether a ends before the lower end x.
func hiBefore(a span, x string) bool { return !a.hiInf && a.hi < x }

func emptySpan(s span) bool { return !s.hiInf && s.hi <= s.lo }

// normalize sorts spans and merges overlapping or touching ones.
func normalize(in []span) []span {
	var s []span
	for _, x := range in {
		if !emptySpan(x) {
			s = append(s, x)
		}
	}
	slices.SortFunc(s, func(a, b span) int { return strings.Compare(a.lo, b.lo) })
	var out []span
	for _, x := range s {
		if n := len(out); n > 0 && !hiBefore(out[n-1], x.lo) {
			if cmpHi(x, out[n-1]) > 0 {
				out[n-1].hi, out[n-1].hiInf = x.hi, x.hiInf
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

func unionSpans(a, b []span) []span { return normalize(append(slices.Clone(a), b...)) }

func intersectSpans(a, b []span) []span {
	var out []span
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		lo := max(a[i].lo, b[j].lo)
		hi := a[i]
		if cmpHi(b[j], a[i]) < 0 {
			hi = b[j]
		}
		if s := (span{lo: lo, hi: hi.hi, hiInf: hi.hiInf}); !emptySpan(s) {
			out = append(out, s)
		}
		if cmpHi(a[i], b[j]) < 0 {
			i++
		} else {
			j++
		}
	}
	return out
}

// complementSpans is everything a normalized list leaves out.
func complementSpans(a []span) []span {
	var out []span
	lo := ""
	for _, s := range a {
		if g := (span{lo: lo, hi: s.lo}); !emptySpan(g) {
			out = append(out, g)
		}
		if s.hiInf {
			return out
		}
		lo = s.hi
	}
	return append(out, span{lo: lo, hiInf: true})
}
