package graph

import (
	"fmt"
	"math/rand/v2"
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

// The same for a code split: empty ranges of code points join a neighbour.
func TestCodeRangesCoverTheParent(t *testing.T) {
	t.Parallel()
	parent := &partition{kind: kindRest, prefix: "a"}
	var children []*partition
	counts := []int64{0, 5, 0, 0, 7, 0}
	bounds := []rune{0, 0x30, 0x40, 0x60, 0x100, 0x4E00, maxRune}
	for i, n := range counts {
		ch := parent.with(kindCode)
		ch.lo, ch.hi, ch.count = bounds[i], bounds[i+1], n
		children = append(children, ch)
	}
	got := mergeEmptyCodes(parent, children)
	if len(got) != 2 || got[0].lo != 0 || got[0].hi != got[1].lo || got[1].hi != maxRune || got[0].count+got[1].count != 12 {
		for _, g := range got {
			t.Logf("[%#x, %#x) %d users: %s", g.lo, g.hi, g.count, g.filter())
		}
		t.Fatal("the merged code ranges do not cover the parent in two partitions")
	}
}
