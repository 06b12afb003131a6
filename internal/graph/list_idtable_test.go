package graph

import (
	"math/rand/v2"
	"testing"
)

// The id table tells a user new to the read from one delivered already, and
// a user new to a run from one the run met, across growth (a directory
// larger than its count said) and for the key 0.
func TestIDTable(t *testing.T) {
	t.Parallel()
	for _, hint := range []int64{0, 1000, 200_000} {
		table := newIDTable(hint)
		rng := rand.New(rand.NewPCG(1, uint64(hint))) //nolint:gosec // keys for a test, reproducible
		keys := []idKey{0, zeroKey - 1}
		for range 150_000 {
			keys = append(keys, idKey(rng.Uint64()))
		}
		for _, k := range keys {
			if read, run := table.see(k, 1); !read || !run {
				t.Fatalf("hint %d: key %#x seen before its first meeting", hint, k)
			}
		}
		for _, k := range keys {
			if read, run := table.see(k, 1); read || run {
				t.Fatalf("hint %d: key %#x new again to run 1", hint, k)
			}
			if read, run := table.see(k, 2); read || !run {
				t.Fatalf("hint %d: key %#x: new to the read %v, to run 2 %v; want false, true", hint, k, read, run)
			}
		}
		if table.n != len(keys) {
			t.Errorf("hint %d: %d keys held, want %d", hint, table.n, len(keys))
		}
		if table.n*loadDen > len(table.keys)*loadNum {
			t.Errorf("hint %d: %d keys in %d slots, above the load factor", hint, table.n, len(table.keys))
		}
		table.release()
		table.release()
	}
}
