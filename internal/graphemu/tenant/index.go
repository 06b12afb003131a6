package tenant

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"unicode/utf8"
)

// baseIndex is the generated users sorted by lower-cased UPN. Every generated
// UPN ends in "@" + domain, so only the local parts are stored (each with its
// '@'), one arena for all: about 20 bytes a user instead of a string each.
// Comparing "local@" pieces orders the full UPNs the same way, because a
// local part never holds '@'.
type baseIndex struct {
	n      int
	arena  string   // sorted lower-cased local parts, each followed by '@'
	off    []uint32 // n+1 offsets into arena, by position
	order  []uint32 // position -> generator index
	inv    []uint32 // generator index -> position
	suffix string   // lower-cased domain
}

func buildBase(g *generator) (baseIndex, error) {
	n := g.n
	b := baseIndex{n: n, suffix: strings.ToLower(g.domain)}
	var raw []byte
	rawOff := make([]uint32, n+1)
	for i := range n {
		id := g.identity(u32(i))
		start := len(raw)
		raw = g.appendUPNLocal(raw, &id)
		raw = lowerUPNBytes(raw, start)
		raw = append(raw, '@')
		if len(raw) > 1<<32-1 {
			return b, errors.New("UPN arena exceeds 4 GiB")
		}
		rawOff[i+1] = u32(len(raw))
	}
	rs := string(raw)
	local := func(i uint32) string { return rs[rawOff[i]:rawOff[i+1]] }
	b.order = make([]uint32, n)
	for i := range b.order {
		b.order[i] = uint32(i)
	}
	slices.SortFunc(b.order, func(x, y uint32) int { return strings.Compare(local(x), local(y)) })
	var sorted strings.Builder
	sorted.Grow(len(rs))
	b.off = make([]uint32, n+1)
	b.inv = make([]uint32, n)
	for pos, i := range b.order {
		if pos > 0 && local(b.order[pos-1]) == local(i) {
			return b, fmt.Errorf("duplicate userPrincipalName %q", local(i)+b.suffix)
		}
		sorted.WriteString(local(i))
		b.off[pos+1] = u32(sorted.Len())
		b.inv[i] = uint32(pos)
	}
	b.arena = sorted.String()
	return b, nil
}

// local is the "local@" piece at a position.
func (b *baseIndex) local(pos int) string { return b.arena[b.off[pos]:b.off[pos+1]] }

// fullKey is the lower-cased UPN at a position (allocates).
func (b *baseIndex) fullKey(pos int) string { return b.local(pos) + b.suffix }

// cmp compares the lower-cased UPN at pos with q without building it.
func (b *baseIndex) cmp(pos int, q string) int {
	l := b.local(pos)
	if len(q) < len(l) {
		if c := strings.Compare(l[:len(q)], q); c != 0 {
			return c
		}
		return 1
	}
	if c := strings.Compare(l, q[:len(l)]); c != 0 {
		return c
	}
	return strings.Compare(b.suffix, q[len(l):])
}

// findExact returns the position holding exactly the lower-cased UPN q.
func (b *baseIndex) findExact(q string) (int, bool) {
	lo, hi := 0, b.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if b.cmp(m, q) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < b.n && b.cmp(lo, q) == 0
}

// dnIndex orders the base users by (lower-cased displayName, UPN) for
// $orderby=displayName. It costs about as much as the UPN index, so it is
// built only when a query first asks for that order.
type dnIndex struct {
	perm  []uint32 // view index -> base position
	arena string   // lower-cased display names in view order
	off   []uint32
}

func (t *Tenant) dnIdx() *dnIndex {
	t.dnOnce.Do(func() {
		n := t.base.n
		names := make([]string, n)
		der := newDeriver()
		for pos := range n {
			names[pos] = strings.ToLower(t.gen.displayNameOf(t.base.order[pos], der))
		}
		d := &t.dn
		d.perm = make([]uint32, n)
		for i := range d.perm {
			d.perm[i] = uint32(i)
		}
		slices.SortFunc(d.perm, func(x, y uint32) int {
			if c := strings.Compare(names[x], names[y]); c != 0 {
				return c
			}
			return int(x) - int(y) // positions are in UPN order
		})
		var sb strings.Builder
		d.off = make([]uint32, n+1)
		for k, pos := range d.perm {
			sb.WriteString(names[pos])
			d.off[k+1] = u32(sb.Len())
		}
		d.arena = sb.String()
	})
	return &t.dn
}

func (g *generator) displayNameOf(i uint32, d *deriver) string {
	id := g.identity(i)
	r := g.stream(i, gCore|0x80)
	var s string
	deriveDisplayName(&r, &id, &s, d)
	d.flush()
	return s
}

// lowerUPNBytes lower-cases b[start:] as strings.ToLower would.
func lowerUPNBytes(b []byte, start int) []byte {
	for _, c := range b[start:] {
		if c >= utf8.RuneSelf {
			return append(b[:start], strings.ToLower(string(b[start:]))...)
		}
	}
	lowerASCII(b[start:])
	return b
}

// viewKind is a sort order of the users.
type viewKind uint8

const (
	vUPN viewKind = iota // lower-cased userPrincipalName (the default)
	vDN                  // lower-cased displayName, then UPN
)

// sortKey locates a user in a view; dn is empty in the UPN view. UPNs are
// unique among live users, so the key is unique.
type sortKey struct{ dn, upn string }

func cmpKey(a, b sortKey) int {
	if c := strings.Compare(a.dn, b.dn); c != 0 {
		return c
	}
	return strings.Compare(a.upn, b.upn)
}

func upnKeyOf(e *entry) sortKey { return sortKey{upn: e.lowerUPN} }
func dnKeyOf(e *entry) sortKey  { return sortKey{dn: e.lowerDN, upn: e.lowerUPN} }

func (t *Tenant) overlay(v viewKind) []*entry {
	if v == vDN {
		return t.ordDN
	}
	return t.ordUPN
}

func entryKey(v viewKind, e *entry) sortKey {
	if v == vDN {
		return dnKeyOf(e)
	}
	return upnKeyOf(e)
}

// basePos maps a view index to a base position.
func (t *Tenant) basePos(v viewKind, k int) int {
	if v == vDN {
		return int(t.dn.perm[k])
	}
	return k
}

// cmpBase compares the base user at view index k with key.
func (t *Tenant) cmpBase(v viewKind, k int, key sortKey) int {
	if v == vDN {
		d := &t.dn
		if c := strings.Compare(d.arena[d.off[k]:d.off[k+1]], key.dn); c != 0 {
			return c
		}
		return t.base.cmp(int(d.perm[k]), key.upn)
	}
	return t.base.cmp(k, key.upn)
}

// keyOf is the sort key of a candidate in a view.
func (t *Tenant) keyOf(v viewKind, c cand) sortKey {
	if c.e != nil {
		return entryKey(v, c.e)
	}
	if v == vDN {
		d := &t.dn
		return sortKey{dn: d.arena[d.off[c.k]:d.off[c.k+1]], upn: t.base.fullKey(c.pos)}
	}
	return sortKey{upn: t.base.fullKey(c.pos)}
}

// baseBound is the first view index whose key is >= key (or > key, when
// strict).
func (t *Tenant) baseBound(v viewKind, key sortKey, strict bool) int {
	lo, hi := 0, t.base.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		c := t.cmpBase(v, m, key)
		if c < 0 || (strict && c == 0) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func overlayBound(v viewKind, ov []*entry, key sortKey, strict bool) int {
	lo, hi := 0, len(ov)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		c := cmpKey(entryKey(v, ov[m]), key)
		if c < 0 || (strict && c == 0) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// bounds are the base and overlay index ranges of one span of a scan.
type bounds struct{ bLo, bHi, oLo, oHi int }

func (t *Tenant) spanBounds(v viewKind, s span) bounds {
	ov := t.overlay(v)
	bd := bounds{bHi: t.base.n, oHi: len(ov)}
	if s.lo != "" {
		k := sortKey{upn: s.lo}
		bd.bLo, bd.oLo = t.baseBound(v, k, false), overlayBound(v, ov, k, false)
	}
	if !s.hiInf {
		k := sortKey{upn: s.hi}
		bd.bHi, bd.oHi = t.baseBound(v, k, false), overlayBound(v, ov, k, false)
	}
	return bd
}

// scan visits live users in view order (descending when desc), restricted to
// spans of lower-cased UPN (allSpans() for every user; no spans visit no one,
// as an unsatisfiable filter's plan must), strictly after the cursor in the
// direction of the scan. Only the UPN view is restricted by spans other than
// allSpans(). It stops when fn returns false and reports whether it was
// stopped. Callers hold t.mu.
func (t *Tenant) scan(v viewKind, desc bool, spans []span, after *sortKey, fn func(cand) bool) bool {
	if v == vDN && t.base.n > 0 {
		t.dnIdx()
	}
	ov := t.overlay(v)
	for j := range spans {
		s := spans[j]
		if desc {
			s = spans[len(spans)-1-j]
		}
		bd := t.spanBounds(v, s)
		if after != nil {
			if desc {
				bd.bHi = min(bd.bHi, t.baseBound(v, *after, false))
				bd.oHi = min(bd.oHi, overlayBound(v, ov, *after, false))
			} else {
				bd.bLo = max(bd.bLo, t.baseBound(v, *after, true))
				bd.oLo = max(bd.oLo, overlayBound(v, ov, *after, true))
			}
		}
		next := t.nextAsc
		if desc {
			next = t.nextDesc
		}
		for {
			c, ok := next(v, ov, &bd)
			if !ok {
				break
			}
			if !fn(c) {
				return true
			}
		}
	}
	return false
}

// nextAsc takes the smallest live user left in a span's base and overlay
// ranges.
func (t *Tenant) nextAsc(v viewKind, ov []*entry, bd *bounds) (cand, bool) {
	for bd.bLo < bd.bHi && t.shadowed(t.basePos(v, bd.bLo)) {
		bd.bLo++
	}
	hasB, hasO := bd.bLo < bd.bHi, bd.oLo < bd.oHi
	switch {
	case hasB && (!hasO || t.cmpBase(v, bd.bLo, entryKey(v, ov[bd.oLo])) < 0):
		bd.bLo++
		return cand{k: bd.bLo - 1, pos: t.basePos(v, bd.bLo-1)}, true
	case hasO:
		bd.oLo++
		return cand{pos: -1, e: ov[bd.oLo-1]}, true
	}
	return cand{}, false
}

// nextDesc takes the largest live user left.
func (t *Tenant) nextDesc(v viewKind, ov []*entry, bd *bounds) (cand, bool) {
	for bd.bHi > bd.bLo && t.shadowed(t.basePos(v, bd.bHi-1)) {
		bd.bHi--
	}
	hasB, hasO := bd.bLo < bd.bHi, bd.oLo < bd.oHi
	switch {
	case hasB && (!hasO || t.cmpBase(v, bd.bHi-1, entryKey(v, ov[bd.oHi-1])) > 0):
		bd.bHi--
		return cand{k: bd.bHi, pos: t.basePos(v, bd.bHi)}, true
	case hasO:
		bd.oHi--
		return cand{pos: -1, e: ov[bd.oHi]}, true
	}
	return cand{}, false
}

// countSpans counts live users in UPN spans from the index alone.
func (t *Tenant) countSpans(spans []span) int {
	n := 0
	for _, s := range spans {
		bd := t.spanBounds(vUPN, s)
		n += bd.bHi - bd.bLo - t.shadowCount(bd.bLo, bd.bHi) + bd.oHi - bd.oLo
	}
	return n
}

// shadowCount counts shadowed base positions in [lo,hi).
func (t *Tenant) shadowCount(lo, hi int) int {
	n := 0
	for lo < hi {
		w := t.shadow[lo>>6] >> (lo & 63)
		take := min(64-(lo&63), hi-lo)
		if take < 64 {
			w &= 1<<take - 1
		}
		n += bits.OnesCount64(w)
		lo += take
	}
	return n
}
