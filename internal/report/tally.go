package report

import (
	"cmp"
	"slices"
	"unicode/utf8"
)

// tally counts users by a free-text value (a department, an authentication
// method's name), per segment, in bounded memory: it keeps at most limit
// distinct values, each cut to maxLen bytes, and counts the users of any
// further value together as overflow. The values come from the directory, so
// nothing bounds them but these caps: 5,000 departments of 256 bytes hold
// about 2 MB.
type tally struct {
	limit, maxLen int
	index         map[string]int // value -> position in names and counts
	names         []string
	counts        []bySegment
	overflow      bySegment
	cutNames      bool   // some value was longer than maxLen
	scratch       []byte // the key of a value that was cut
}

// ellipsis ends a value that was cut to maxLen bytes.
const ellipsis = "…"

func newTally(limit, maxLen int) *tally {
	return &tally{limit: limit, maxLen: maxLen, index: make(map[string]int)}
}

// add counts one user with value v; the lookup of a value already seen
// allocates nothing.
func (t *tally) add(v []byte, s segment) {
	if len(v) > t.maxLen {
		t.scratch = append(append(t.scratch[:0], cut(v, t.maxLen)...), ellipsis...)
		v = t.scratch
		t.cutNames = true
	}
	if i, ok := t.index[string(v)]; ok {
		t.counts[i][s]++
		return
	}
	if len(t.names) >= t.limit {
		t.overflow[s]++
		return
	}
	name := string(v)
	t.index[name] = len(t.names)
	t.names = append(t.names, name)
	var c bySegment
	c[s] = 1
	t.counts = append(t.counts, c)
}

// cut returns the longest prefix of v of at most n bytes that does not end
// inside a UTF-8 sequence.
func cut(v []byte, n int) []byte {
	for n > 0 && n < len(v) && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n]
}

// ranked returns the positions of the values, most users first, then by
// value, so that the order is the same for the same rows.
func (t *tally) ranked() []int {
	order := make([]int, len(t.names))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(t.counts[b].total(), t.counts[a].total()); c != 0 {
			return c
		}
		return cmp.Compare(t.names[a], t.names[b])
	})
	return order
}
