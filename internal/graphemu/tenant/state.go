package tenant

import "slices"

// state is what a listing sees of the directory on top of the immutable
// base: which base users are shadowed (changed or deleted), and the live
// overlay users in each sort order. The tenant keeps the current state and,
// with a consistency lag, an older one (see lag.go); entries are never
// mutated once listed, so both share them and only the slices and the
// shadow bits are held twice.
type state struct {
	shadow []uint64 // base positions replaced by the overlay (changed or deleted)
	ordUPN []*entry // live overlay users in UPN order
	ordDN  []*entry // ... in displayName order
	ordID  []*entry // ... in id order
	nLive  int
}

func (s *state) shadowed(pos int) bool { return s.shadow[pos>>6]&(1<<(pos&63)) != 0 }

func (s *state) overlay(v viewKind) []*entry {
	switch v {
	case vDN:
		return s.ordDN
	case vID:
		return s.ordID
	}
	return s.ordUPN
}

// insert lists an overlay user.
func (s *state) insert(e *entry) {
	s.ordUPN = insertEntry(vUPN, s.ordUPN, e)
	s.ordDN = insertEntry(vDN, s.ordDN, e)
	s.ordID = insertEntry(vID, s.ordID, e)
	s.nLive++
}

// remove takes a live user out of the listing: a base user is shadowed, an
// overlay user dropped from every order.
func (s *state) remove(c cand) {
	s.nLive--
	if c.e == nil {
		s.shadow[c.pos>>6] |= 1 << (c.pos & 63)
		return
	}
	s.ordUPN = removeEntry(vUPN, s.ordUPN, c.e)
	s.ordDN = removeEntry(vDN, s.ordDN, c.e)
	s.ordID = removeEntry(vID, s.ordID, c.e)
}

func (s *state) clone() *state {
	return &state{
		shadow: slices.Clone(s.shadow),
		ordUPN: slices.Clone(s.ordUPN),
		ordDN:  slices.Clone(s.ordDN),
		ordID:  slices.Clone(s.ordID),
		nLive:  s.nLive,
	}
}

func insertEntry(v viewKind, ov []*entry, e *entry) []*entry {
	return slices.Insert(ov, overlayBound(v, ov, entryKey(v, e), false), e)
}

func removeEntry(v viewKind, ov []*entry, e *entry) []*entry {
	for i := overlayBound(v, ov, entryKey(v, e), false); i < len(ov); i++ {
		if ov[i] == e {
			return slices.Delete(ov, i, i+1)
		}
	}
	return ov
}
