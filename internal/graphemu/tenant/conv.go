package tenant

import (
	"encoding/binary"
	"math"
)

// Checked integer conversions: the index stores positions as uint32 to halve
// its memory, so every narrowing is explicit and checked.

// u32 narrows n, which callers have bounded (tenant sizes are limited to
// fewer than 2^32 users and the UPN arena to 4 GiB).
func u32(n int) uint32 {
	if n < 0 || n > math.MaxUint32 {
		panic("graphemu/tenant: index out of uint32 range")
	}
	return uint32(n)
}

// low32 is the low half of x.
func low32(x uint64) uint32 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], x)
	return binary.LittleEndian.Uint32(b[:4])
}

// below draws a value in [0,n) from x (n > 0).
func below(x uint64, n int) int {
	if n <= 0 {
		return 0
	}
	v := x % uint64(n)
	if v > math.MaxInt {
		return 0
	}
	return int(v)
}

// below64 draws a value in [0,n) from x (n > 0).
func below64(x uint64, n int64) int64 {
	if n <= 0 {
		return 0
	}
	v := x % uint64(n)
	if v > math.MaxInt64 {
		return 0
	}
	return int64(v)
}
