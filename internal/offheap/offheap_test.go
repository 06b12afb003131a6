package offheap

import (
	"runtime"
	"testing"
)

// An array is zeroed, holds what is written to it, and frees once however
// often free is called.
func TestMake(t *testing.T) {
	t.Parallel()
	const n = 1 << 20
	keys, freeKeys := Make[uint64](n)
	runs, freeRuns := Make[uint32](n)
	defer freeKeys()
	defer freeRuns()
	if len(keys) != n || len(runs) != n {
		t.Fatalf("lengths %d and %d, want %d", len(keys), len(runs), n)
	}
	for i := range keys {
		if keys[i] != 0 || runs[i] != 0 {
			t.Fatalf("element %d is not zero", i)
		}
		keys[i], runs[i] = uint64(i)*0x9E3779B97F4A7C15, uint32(i)
	}
	runtime.GC() // the collector must neither move nor free the arrays
	for i := range keys {
		if keys[i] != uint64(i)*0x9E3779B97F4A7C15 || runs[i] != uint32(i) {
			t.Fatalf("element %d changed", i)
		}
	}
	freeKeys()
	freeKeys()
}

// Off the heap means the collector does not count it: the heap does not
// grow by the array's size.
func TestOffTheHeap(t *testing.T) { //nolint:paralleltest // reads the process's heap figures
	b, unmap := mapAnonymous(1)
	if b == nil {
		t.Skip("no anonymous mappings on this platform: the arrays are on the heap")
	}
	unmap()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, free := Make[uint64](8 << 20) // 64 MB
	defer free()
	s[len(s)-1] = 1
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc+16<<20 {
		t.Errorf("the heap grew by %d MB for a 64 MB off-heap array", (after.HeapAlloc-before.HeapAlloc)>>20)
	}
}

func TestEmpty(t *testing.T) {
	t.Parallel()
	s, free := Make[uint16](0)
	free()
	if s != nil {
		t.Errorf("Make(0) = %v", s)
	}
}
