//go:build !linux

package main

import (
	"errors"
	"os"
	"time"
)

// usage is what wait4 reports of a finished process; see rusage_linux.go.
type usage struct {
	CPU     time.Duration
	PeakRSS int64
}

// usageOf needs Linux: elsewhere the peak resident set is not reported in
// the same unit, and the benchmark's figures would not compare.
func usageOf(*os.ProcessState) (usage, error) {
	return usage{}, errors.New("the benchmark measures processes on Linux only")
}
