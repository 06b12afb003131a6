//go:build unix

package export

import (
	"syscall"
	"testing"
	"time"
)

// processCPU is the user and system CPU time the process has used: what the
// provider's CPU target counts, whatever the parallelism.
func processCPU(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
