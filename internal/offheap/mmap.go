//go:build linux || darwin || freebsd

package offheap

import (
	"sync"
	"syscall"
)

// mapAnonymous maps size zeroed bytes of private memory, or returns nil
// when the system refuses (the caller then uses the heap).
func mapAnonymous(size int) ([]byte, func()) {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil
	}
	// Munmap fails only for a range that is not mapped, which Once rules
	// out.
	return b, sync.OnceFunc(func() { _ = syscall.Munmap(b) })
}
