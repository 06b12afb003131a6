// Package offheap allocates large, long-lived arrays of plain integers
// outside the Go heap.
//
// Go's collector lets the heap grow to twice what is live before it runs
// again, so a table that lives for a whole read costs twice its size in
// peak memory when it is on the heap: the id table of a 500,000-user read,
// 7.5 MB, cost 15 MB. Off the heap it costs its size. Only arrays that hold
// no pointers belong here, and their owner must free them when it is done
// (nothing is collected). Small arrays, where the doubling costs little,
// are ordinary slices, and so is every array where the platform has no
// anonymous mappings or the mapping fails; freeing those is a no-op.
package offheap

import "unsafe"

// Word is an element type an off-heap array may hold: integers, which
// the collector never needs to see.
type Word interface {
	~uint16 | ~uint32 | ~uint64
}

// minMapped is the size from which an array is mapped: below it the
// mapping's system calls and page rounding cost more than the heap would.
const minMapped = 256 << 10

// Make returns n zeroed elements and the function that frees them. After
// free the slice must not be touched: on platforms with mappings the
// memory is gone. free may be called more than once.
func Make[T Word](n int) (s []T, free func()) {
	if n <= 0 {
		return nil, func() {}
	}
	var zero T
	size := n * int(unsafe.Sizeof(zero))
	if size < minMapped {
		return make([]T, n), func() {}
	}
	b, unmap := mapAnonymous(size)
	if b == nil {
		return make([]T, n), func() {}
	}
	// The mapping is page-aligned and size bytes long: n elements of T
	// fit it exactly, aligned, and hold no pointers for the collector.
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n), unmap //nolint:gosec // audited above
}
