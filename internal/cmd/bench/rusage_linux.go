package main

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// usage is what wait4 reports of a finished process: its CPU time (user and
// system) and its peak resident set. For a process that waited for its own
// children (terraform and its provider plugin) Linux adds theirs to the CPU
// time. The peak is never below the parent's own peak (see peakRSS), so it is
// only a fallback.
type usage struct {
	CPU     time.Duration
	PeakRSS int64 // bytes
}

func usageOf(ps *os.ProcessState) (usage, error) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return usage{}, errors.New("no resource usage for the process")
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return usage{CPU: cpu, PeakRSS: ru.Maxrss * 1024}, nil // Linux reports kilobytes
}
