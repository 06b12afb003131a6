package tenant

import "bytes"

// propSet is a set of properties (a prop is a byte: v1.0 properties and
// the tenant's extensions fit in 256 bits). Delta queries keep one per
// change: what it changed.
type propSet [4]uint64

func (s *propSet) add(p prop) { s[p>>6] |= 1 << (p & 63) }

func (s propSet) has(p prop) bool { return s[p>>6]&(1<<(p&63)) != 0 }

func (s propSet) union(o propSet) propSet {
	for i := range s {
		s[i] |= o[i]
	}
	return s
}

func (s propSet) intersects(o propSet) bool {
	for i := range s {
		if s[i]&o[i] != 0 {
			return true
		}
	}
	return false
}

func setOf(ps []prop) propSet {
	var s propSet
	for _, p := range ps {
		s.add(p)
	}
	return s
}

// allProps is the set of every property of the catalogue.
func (c *catalog) allProps() propSet {
	var s propSet
	for p := range c.count() {
		s.add(p)
	}
	return s
}

// changed is the set of properties whose values differ between two states
// of a user, compared as Graph would return them.
func (c *catalog) changed(before, after *User) propSet {
	var s propSet
	var a, b []byte
	for p := range c.count() {
		info := &c.props[p]
		if info.singleUser {
			continue
		}
		a, b = info.enc(a[:0], before), info.enc(b[:0], after)
		if !bytes.Equal(a, b) {
			s.add(p)
		}
	}
	return s
}
