package report

// A segment is one user type crossed with one account state: the split that
// most tables of the report show in their columns, so that "enabled guests
// who never signed in" is a cell, not a question.

// Kinds of user, from the userType column.
const (
	kindMember = iota
	kindGuest
	kindOther // userType null or a value Graph does not document
	kinds
)

// Account states, from the accountEnabled column.
const (
	stateEnabled = iota
	stateDisabled
	stateUnknown // accountEnabled null
	states
)

const segments = kinds * states

// segment is kind*states + state.
type segment int

// bySegment counts users per segment.
type bySegment [segments]int

func (c *bySegment) total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// sum adds the counts of the segments in set.
func (c *bySegment) sum(set []segment) int {
	n := 0
	for _, s := range set {
		n += c[s]
	}
	return n
}

func segmentOf(kind, state int) segment { return segment(kind*states + state) }

func kindOf(userType []byte) int {
	switch {
	case equalFold(userType, "Member"):
		return kindMember
	case equalFold(userType, "Guest"):
		return kindGuest
	}
	return kindOther
}

func stateOf(accountEnabled []byte) int {
	switch {
	case equalFold(accountEnabled, "True"):
		return stateEnabled
	case equalFold(accountEnabled, "False"):
		return stateDisabled
	}
	return stateUnknown
}

// equalFold compares b with the ASCII word s, ignoring ASCII case only. The
// values the report recognises are ASCII, and Unicode folding would take
// "Gue\u017Ft" (a long s) for "Guest".
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	if string(b) == s {
		return true // Graph's own casing: the common case, and a quick one
	}
	for i := range b {
		if lowerASCII(b[i]) != lowerASCII(s[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
