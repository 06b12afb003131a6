package tenant

import (
	"bytes"
	"errors"
	"fmt"
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

// idIndex orders the base users by id, for lists in id order
// (SetDefaultOrder). Ids are derived, not stored: the index holds only the
// permutation (4 bytes a user), and comparisons derive the ids they need.
type idIndex struct {
	perm []uint32 // view index -> base position
}

func (t *Tenant) idIdx() *idIndex {
	t.idOnce.Do(func() {
		n := t.base.n
		keys := make([][16]byte, n)
		for pos := range n {
			keys[pos] = t.gen.idOf(t.base.order[pos])
		}
		p := &t.ids
		p.perm = make([]uint32, n)
		for i := range p.perm {
			p.perm[i] = uint32(i)
		}
		// Lower-case hex with dashes at fixed places orders as the bytes do.
		slices.SortFunc(p.perm, func(x, y uint32) int { return bytes.Compare(keys[x][:], keys[y][:]) })
	})
	return &t.ids
}

// baseID is the lower-cased id of the base user at a position.
func (t *Tenant) baseID(pos int) string { return formatGUID(t.gen.idOf(t.base.order[pos])) }

// cmpBaseID compares the id of the base user at a position with a
// lower-cased id, without allocating.
func (t *Tenant) cmpBaseID(pos int, id string) int {
	var buf [36]byte
	b := appendGUID(buf[:0], t.gen.idOf(t.base.order[pos]))
	for i := range min(len(b), len(id)) {
		if b[i] != id[i] {
			return cmpByte(b[i], id[i])
		}
	}
	return len(b) - len(id)
}

func cmpByte(a, b byte) int {
	if a < b {
		return -1
	}
	return 1
}
