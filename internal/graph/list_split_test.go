package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSplitterSizes checks how partitions are sized: the work of one chain,
// at least two pages, at most maxPartitionPages pages (the ids a partition
// keeps while it is listed must not grow with the directory), and probes as
// many at once as the client sends requests, even when few chains list.
func TestSplitterSizes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                      string
		chains, concurrency       int
		top                       int32
		total                     int64
		wantTarget, wantProbeSlot int64
	}{
		{"list, 500k users", 96, 96, 999, 500_000, 500_000 / 96, 96},
		{"list, small directory", 96, 96, 999, 10_000, 2 * 999, 96},
		{"list, 5M users: capped", 96, 96, 999, 5_000_000, maxPartitionPages * 999, 96},
		{"auth methods, 50k users", authListChains, 96, 999, 50_000, 50_000 / authListChains, 96},
		{"auth methods, 500k users: capped", authListChains, 96, 999, 500_000, maxPartitionPages * 999, 96},
		{"signInActivity pages", 96, 96, 120, 500_000, maxPartitionPages * 120, 96},
		{"one chain", 1, 1, 999, 500_000, maxPartitionPages * 999, 1},
	}
	for _, tt := range tests {
		l := &lister{c: &Client{concurrency: tt.concurrency}, base: listQuery{top: tt.top}, chains: tt.chains}
		p := newSplitter(l, tt.total)
		if p.target != tt.wantTarget || int64(cap(p.probes)) != tt.wantProbeSlot {
			t.Errorf("%s: target %d, %d probes at once; want %d, %d", tt.name, p.target, cap(p.probes), tt.wantTarget, tt.wantProbeSlot)
		}
	}
}

// No range of a split is dropped, however empty when planned: a user may be
// created or renamed into it while the read runs (jim.new@ between 7,000
// james.* and 7,000 john.*). The pieces of a rank split, merged, still run
// from the parent's first bound to its last without a gap, and an empty
// piece costs no partition of its own.
func TestRankPiecesCoverTheParent(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7)) //nolint:gosec // test data
	cases := [][]int64{
		{7000, 0, 7000},
		{0, 7000},
		{7000, 0},
		{0, 0, 0},
		{9000, 0, 0, 9000, 0},
	}
	for range 500 {
		counts := make([]int64, 1+rng.IntN(16))
		for i := range counts {
			if rng.IntN(3) > 0 {
				counts[i] = int64(rng.IntN(8000))
			}
		}
		cases = append(cases, counts)
	}
	p := &splitter{target: 5000}
	for _, counts := range cases {
		bounds := []string{"j"}
		for i := 1; i < len(counts); i++ {
			bounds = append(bounds, fmt.Sprintf("j%03d", i))
		}
		bounds = append(bounds, "k")
		parent := &partition{kind: kindRank, prefix: "j", after: "j", upTo: "k"}
		parts := p.mergePieces(parent, bounds, counts)
		var sum, total int64
		for _, c := range counts {
			total += c
		}
		for i, part := range parts {
			sum += part.count
			if i == 0 && part.after != parent.after || i > 0 && part.after != parts[i-1].upTo {
				t.Fatalf("counts %v: partition %d starts after %q, leaving a gap", counts, i, part.after)
			}
			if part.count == 0 && len(parts) > 1 {
				t.Errorf("counts %v: an empty partition of its own", counts)
			}
		}
		if len(parts) == 0 || parts[len(parts)-1].upTo != parent.upTo || sum != total {
			t.Fatalf("counts %v: partitions %v do not cover the parent", counts, parts)
		}
	}
}

// The same for a code split: empty ranges of code points join a neighbour
// listed whole; next to a child that will be split again they stay apart,
// or that split would cut the same range as before and never narrow.
func TestCodeRangesCoverTheParent(t *testing.T) {
	t.Parallel()
	bounds := []rune{0, 0x30, 0x40, 0x60, 0x100, 0x4E00, maxRune}
	for _, tt := range []struct {
		counts []int64
		want   [][2]int // the children each partition spans
	}{
		{[]int64{0, 5, 0, 0, 7, 0}, [][2]int{{0, 3}, {4, 5}}},
		{[]int64{0, 50, 0, 0, 7, 0}, [][2]int{{0, 0}, {1, 1}, {2, 5}}},
		{[]int64{0, 0, 50, 0, 0, 0}, [][2]int{{0, 1}, {2, 2}, {3, 5}}},
		{[]int64{5, 0, 50, 0, 60, 0}, [][2]int{{0, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}}},
		{[]int64{0, 0, 0, 0, 0, 0}, [][2]int{{0, 5}}},
	} {
		parent := &partition{kind: kindRest, prefix: "a"}
		var children []*partition
		var total int64
		for i, n := range tt.counts {
			ch := parent.with(kindCode)
			ch.lo, ch.hi, ch.count = bounds[i], bounds[i+1], n
			children = append(children, ch)
			total += n
		}
		got := mergeEmptyCodes(parent, children, 10)
		var spans [][2]int
		var sum int64
		for _, g := range got {
			first := slices.IndexFunc(bounds, func(b rune) bool { return b == g.lo })
			last := slices.IndexFunc(bounds, func(b rune) bool { return b == g.hi }) - 1
			spans = append(spans, [2]int{first, last})
			sum += g.count
		}
		if !slices.Equal(spans, tt.want) || sum != total {
			t.Errorf("counts %v: partitions span the children %v with %d users, want %v with %d", tt.counts, spans, sum, tt.want, total)
		}
	}
}
