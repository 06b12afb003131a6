package report

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestTallyCaps(t *testing.T) {
	t.Parallel()
	tl := newTally(3, 8)
	for _, v := range []string{"b", "a", "b", "c", "d", "e", "a", "b"} {
		tl.add([]byte(v), segment(0))
	}
	// b:3, a:2, c:1 kept; d and e (first seen after the cap) overflow.
	if got := tl.names; !slices.Equal(got, []string{"b", "a", "c"}) {
		t.Errorf("names = %q", got)
	}
	if tl.overflow.total() != 2 {
		t.Errorf("overflow = %d, want 2", tl.overflow.total())
	}
	var ranked []string
	for _, i := range tl.ranked() {
		ranked = append(ranked, tl.names[i]+"="+strconv.Itoa(tl.counts[i].total()))
	}
	if want := []string{"b=3", "a=2", "c=1"}; !slices.Equal(ranked, want) {
		t.Errorf("ranked = %q, want %q", ranked, want)
	}
}

func TestTallyCutsLongValues(t *testing.T) {
	t.Parallel()
	tl := newTally(10, 8)
	tl.add([]byte("abcdefghij"), 0)
	tl.add([]byte("abcdefghXYZ"), 0)     // same first 8 bytes: one entry
	tl.add([]byte("abcdefg\u00e9xx"), 0) // é straddles byte 8: cut before it
	tl.add([]byte("abcdefgh"), 0)        // exactly 8 bytes: kept whole
	want := []string{"abcdefgh" + ellipsis, "abcdefg" + ellipsis, "abcdefgh"}
	if !slices.Equal(tl.names, want) || tl.counts[0].total() != 2 || !tl.cutNames {
		t.Errorf("names = %q, counts %v, cut %v", tl.names, tl.counts, tl.cutNames)
	}
}

func TestTallyTiesByName(t *testing.T) {
	t.Parallel()
	tl := newTally(10, 64)
	for _, v := range strings.Fields("z y x y z x") {
		tl.add([]byte(v), 0)
	}
	var got []string
	for _, i := range tl.ranked() {
		got = append(got, tl.names[i])
	}
	if want := []string{"x", "y", "z"}; !slices.Equal(got, want) {
		t.Errorf("ranked = %q, want %q", got, want)
	}
}
