package main

import (
	"context"
	"fmt"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// profileEnv names a path prefix: a child given it writes a CPU profile of
// its export (prefix.cpu.pprof) and a heap profile taken when its live heap
// was largest (prefix.heap.pprof), for finding out why a figure is what it is.
const profileEnv = "AAD_BENCH_PROFILE"

// startProfiles starts the profiles prefix asks for; stop ends them.
func startProfiles(ctx context.Context, prefix string) (stop func() error, err error) {
	if prefix == "" {
		return func() error { return nil }, nil
	}
	cpu, err := os.Create(prefix + ".cpu.pprof") //nolint:gosec // where the person running the benchmark asked for profiles
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		_ = cpu.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- watchHeap(ctx, prefix+".heap.pprof") }()
	return func() error {
		pprof.StopCPUProfile()
		cancel()
		return errorsJoin(<-done, cpu.Close())
	}, nil
}

// watchHeap writes a heap profile each time the live heap after a
// collection is the largest yet.
func watchHeap(ctx context.Context, path string) error {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var most uint64
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		metrics.Read(sample)
		if live := sample[0].Value.Uint64(); live > most {
			most = live
			if err := writeHeap(path); err != nil {
				return err
			}
		}
	}
}

func writeHeap(path string) error {
	f, err := os.Create(path) //nolint:gosec // as in startProfiles
	if err != nil {
		return err
	}
	err = pprof.Lookup("heap").WriteTo(f, 0)
	return errorsJoin(err, f.Close())
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	if b != nil {
		return fmt.Errorf("closing the profile: %w", b)
	}
	return nil
}
