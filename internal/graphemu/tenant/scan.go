package tenant

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
)

// viewKind is a sort order of the users.
type viewKind uint8

const (
	vUPN viewKind = iota // lower-cased userPrincipalName (the default)
	vDN                  // lower-cased displayName, then UPN
	vID                  // lower-cased id (SetDefaultOrder(OrderID))
)

// sortKey locates a user in a view: upn in the UPN view, dn and upn in the
// displayName view, id in the id view. UPNs and ids are unique among live
// users, so the key is unique.
type sortKey struct{ dn, upn, id string }

func cmpKey(a, b sortKey) int {
	if c := strings.Compare(a.dn, b.dn); c != 0 {
		return c
	}
	if c := strings.Compare(a.upn, b.upn); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

func entryKey(v viewKind, e *entry) sortKey {
	switch v {
	case vDN:
		return sortKey{dn: e.lowerDN, upn: e.lowerUPN}
	case vID:
		return sortKey{id: e.lowerID}
	}
	return sortKey{upn: e.lowerUPN}
}

// prepareView builds the base index of a view on first use.
func (t *Tenant) prepareView(v viewKind) {
	if t.base.n == 0 {
		return
	}
	switch v {
	case vDN:
		t.dnIdx()
	case vID:
		t.idIdx()
	}
}

// basePos maps a view index to a base position.
func (t *Tenant) basePos(v viewKind, k int) int {
	switch v {
	case vDN:
		return int(t.dn.perm[k])
	case vID:
		return int(t.ids.perm[k])
	}
	return k
}

// cmpBase compares the base user at view index k with key.
func (t *Tenant) cmpBase(v viewKind, k int, key sortKey) int {
	switch v {
	case vDN:
		d := &t.dn
		if c := strings.Compare(d.arena[d.off[k]:d.off[k+1]], key.dn); c != 0 {
			return c
		}
		return t.base.cmp(int(d.perm[k]), key.upn)
	case vID:
		return t.cmpBaseID(int(t.ids.perm[k]), key.id)
	}
	return t.base.cmp(k, key.upn)
}

// keyOf is the sort key of a candidate in a view.
func (t *Tenant) keyOf(v viewKind, c cand) sortKey {
	if c.e != nil {
		return entryKey(v, c.e)
	}
	switch v {
	case vDN:
		d := &t.dn
		return sortKey{dn: d.arena[d.off[c.k]:d.off[c.k+1]], upn: t.base.fullKey(c.pos)}
	case vID:
		return sortKey{id: t.baseID(c.pos)}
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

// spanBounds are the index ranges of a UPN span in the UPN view, and of the
// whole view in the others (given allSpans()).
func (t *Tenant) spanBounds(st *state, v viewKind, s span) bounds {
	ov := st.overlay(v)
	bd := bounds{bHi: t.base.n, oHi: len(ov)}
	if v != vUPN {
		return bd
	}
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

// scan visits the live users of a state in view order (descending when
// desc), restricted to spans of lower-cased UPN (allSpans() for every user;
// no spans visit no one, as an unsatisfiable filter's plan must), strictly
// after the cursor in the direction of the scan. The UPN view seeks each
// span in the index; the other views walk the whole view and skip, from the
// index alone, the users outside the spans, except that the id view sorts
// the users of spans that hold few (see defaultFewByID). It stops when fn
// returns false and reports whether it was stopped. Callers hold t.mu.
func (t *Tenant) scan(st *state, v viewKind, desc bool, spans []span, after *sortKey, fn func(cand) bool) bool {
	if v == vID && len(spans) > 0 && !isAllSpans(spans) {
		if n := t.countSpans(st, spans); n*n <= st.nLive*t.settings.fewByID {
			return t.scanFewByID(st, desc, spans, after, fn)
		}
	}
	t.prepareView(v)
	ov := st.overlay(v)
	spans, visit := t.restrict(v, spans, fn)
	next := t.nextAsc
	if desc {
		next = t.nextDesc
	}
	for j := range spans {
		s := spans[j]
		if desc {
			s = spans[len(spans)-1-j]
		}
		bd := t.spanBounds(st, v, s)
		if after != nil {
			t.boundAfter(&bd, v, ov, *after, desc)
		}
		for {
			c, ok := next(st, v, ov, &bd)
			if !ok {
				break
			}
			if !visit(c) {
				return true
			}
		}
	}
	return false
}

// restrict is how a view meets UPN spans: the UPN view seeks each span;
// the others walk the whole view (allSpans()) and skip, from the index
// alone, the users outside the spans (no spans: nothing to walk).
func (t *Tenant) restrict(v viewKind, spans []span, fn func(cand) bool) ([]span, func(cand) bool) {
	switch {
	case v == vUPN || isAllSpans(spans):
		return spans, fn
	case len(spans) == 0:
		return nil, fn
	}
	return allSpans(), func(c cand) bool { return !t.upnIn(c, spans) || fn(c) }
}

// boundAfter narrows a span's bounds to the users strictly after the cursor
// in the direction of the scan.
func (t *Tenant) boundAfter(bd *bounds, v viewKind, ov []*entry, after sortKey, desc bool) {
	if desc {
		bd.bHi = min(bd.bHi, t.baseBound(v, after, false))
		bd.oHi = min(bd.oHi, overlayBound(v, ov, after, false))
		return
	}
	bd.bLo = max(bd.bLo, t.baseBound(v, after, true))
	bd.oLo = max(bd.oLo, overlayBound(v, ov, after, true))
}

// defaultFewByID decides between the two ways to scan UPN spans in id
// order. Walking the id index costs n steps per listing (the cursor moves
// through it once, whatever the pages); sorting the users of the spans by
// id costs S per page, S*S/top per listing. With S*S <= n*1000, sorting is
// the cheaper up to pages of 999: 1 ms instead of 600 ms for a first page of
// a 500-user partition of a million users.
const defaultFewByID = 1000

// scanFewByID scans spans that hold few users in id order: it reads them
// from the UPN index and sorts them by id.
func (t *Tenant) scanFewByID(st *state, desc bool, spans []span, after *sortKey, fn func(cand) bool) bool {
	type byID struct {
		id string
		c  cand
	}
	var all []byID
	t.scan(st, vUPN, false, spans, nil, func(c cand) bool {
		id := t.lowerIDOf(c)
		if after == nil || (desc && id < after.id) || (!desc && id > after.id) {
			all = append(all, byID{id, c})
		}
		return true
	})
	slices.SortFunc(all, func(a, b byID) int { return strings.Compare(a.id, b.id) })
	if desc {
		slices.Reverse(all)
	}
	for _, x := range all {
		if !fn(x.c) {
			return true
		}
	}
	return false
}

// lowerIDOf is a live user's lower-cased id.
func (t *Tenant) lowerIDOf(c cand) string {
	if c.e != nil {
		return c.e.lowerID
	}
	return t.baseID(c.pos)
}

func isAllSpans(spans []span) bool { return len(spans) == 1 && spans[0].lo == "" && spans[0].hiInf }

// upnIn reports whether a candidate's lower-cased UPN lies in one of the
// spans (sorted and disjoint, as plans are).
func (t *Tenant) upnIn(c cand, spans []span) bool {
	i := sort.Search(len(spans), func(i int) bool { return spans[i].hiInf || t.cmpUPN(c, spans[i].hi) < 0 })
	return i < len(spans) && t.cmpUPN(c, spans[i].lo) >= 0
}

// cmpUPN compares a candidate's lower-cased UPN with q.
func (t *Tenant) cmpUPN(c cand, q string) int {
	if c.e != nil {
		return strings.Compare(c.e.lowerUPN, q)
	}
	return t.base.cmp(c.pos, q)
}

// nextAsc takes the smallest live user left in a span's base and overlay
// ranges.
func (t *Tenant) nextAsc(st *state, v viewKind, ov []*entry, bd *bounds) (cand, bool) {
	for bd.bLo < bd.bHi && st.shadowed(t.basePos(v, bd.bLo)) {
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
func (t *Tenant) nextDesc(st *state, v viewKind, ov []*entry, bd *bounds) (cand, bool) {
	for bd.bHi > bd.bLo && st.shadowed(t.basePos(v, bd.bHi-1)) {
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

// countSpans counts the live users of a state in UPN spans from the index
// alone.
func (t *Tenant) countSpans(st *state, spans []span) int {
	n := 0
	for _, s := range spans {
		bd := t.spanBounds(st, vUPN, s)
		n += bd.bHi - bd.bLo - st.shadowCount(bd.bLo, bd.bHi) + bd.oHi - bd.oLo
	}
	return n
}

// shadowCount counts shadowed base positions in [lo,hi).
func (s *state) shadowCount(lo, hi int) int {
	n := 0
	for lo < hi {
		w := s.shadow[lo>>6] >> (lo & 63)
		take := min(64-(lo&63), hi-lo)
		if take < 64 {
			w &= 1<<take - 1
		}
		n += bits.OnesCount64(w)
		lo += take
	}
	return n
}
