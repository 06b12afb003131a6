package graph

import "testing"

// TestPlannerSizes checks how partitions are sized: the work of one chain,
// at least two pages, at most maxPartitionPages pages (the ids a partition
// keeps while it is listed must not grow with the directory), and probes as
// many at once as the client sends requests, even when few chains list.
func TestPlannerSizes(t *testing.T) {
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
		{"signInActivity pages", 96, 96, signInPageSize, 500_000, maxPartitionPages * signInPageSize, 96},
		{"one chain", 1, 1, 999, 500_000, maxPartitionPages * 999, 1},
	}
	for _, tt := range tests {
		l := &lister{c: &Client{concurrency: tt.concurrency}, base: listQuery{top: tt.top}, chains: tt.chains}
		p := newPlanner(l, tt.total)
		if p.target != tt.wantTarget || int64(cap(p.probes)) != tt.wantProbeSlot {
			t.Errorf("%s: target %d, %d probes at once; want %d, %d", tt.name, p.target, cap(p.probes), tt.wantTarget, tt.wantProbeSlot)
		}
	}
}
