package report

import "time"

// Ages of the last sign-in, measured from the snapshot's time, in the order
// the report lists them.
const (
	recent     = iota // within 30 days (or after the snapshot's time)
	over30            // more than 30 days, up to 90
	over90            // more than 90 days, up to 365
	over365           // more than 365 days
	never             // no sign-in recorded
	neverNew          // none recorded, and created within 30 days
	unreadable        // not an ISO 8601 date-time
	ageBuckets
)

const day = 24 * time.Hour

// signIns counts users by the age of one sign-in date-time: from its own
// column (signInActivity/lastSignInDateTime), or else from the member of the
// same name in a signInActivity column that holds the whole object.
type signIns struct {
	col      int    // the date-time's own column, or -1
	jsonCol  int    // the signInActivity column, read when col < 0
	member   string // the date-time's name in signInActivity
	seen     bool   // some signInActivity object had the member
	counts   [ageBuckets]bySegment
	required bool // shown only when seen, or from its own column
}

func newSignIns(cols map[string]int, member string, required bool) signIns {
	return signIns{
		col:      column(cols, "signInActivity/"+member),
		jsonCol:  column(cols, "signInActivity"),
		member:   member,
		required: required,
	}
}

// exported reports whether the export holds this date-time. The last
// successful sign-in is younger than signInActivity itself: from the whole
// object it counts only when some user's object carries it.
func (si *signIns) exported() bool {
	switch {
	case si.col >= 0:
		return true
	case si.jsonCol < 0:
		return false
	}
	return !si.required || si.seen
}

func (si *signIns) add(cells [][]byte, s segment, asOf time.Time, created []byte) {
	var v []byte
	switch {
	case si.col >= 0:
		v = cell(cells, si.col)
	case si.jsonCol >= 0:
		var ok bool
		if v, ok = topLevelString(cell(cells, si.jsonCol), si.member); ok {
			si.seen = true
		}
	default:
		return
	}
	si.counts[ageOf(v, asOf, created)][s]++
}

// ageOf places a sign-in date-time in its bucket. Users who never signed in
// are told apart by createdDateTime (when exported): a new account has not
// had the time to.
func ageOf(v []byte, asOf time.Time, created []byte) int {
	if len(v) == 0 {
		if t, ok := parseTime(created); ok && asOf.Sub(t) <= 30*day {
			return neverNew
		}
		return never
	}
	t, ok := parseTime(v)
	if !ok {
		return unreadable
	}
	switch age := asOf.Sub(t); {
	case age > 365*day:
		return over365
	case age > 90*day:
		return over90
	case age > 30*day:
		return over30
	}
	return recent
}

// parseTime reads an RFC 3339 date-time, as Graph sends them, with the
// standard library's own parser, which allocates nothing for UTC times.
func parseTime(v []byte) (time.Time, bool) {
	if len(v) == 0 {
		return time.Time{}, false
	}
	var t time.Time
	if t.UnmarshalText(v) != nil {
		return time.Time{}, false
	}
	return t, true
}
