package export

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// The memory an export needs must not grow with the directory: a process
// exporting 500,000 users through Run (default SortMemory, 26 columns) peaks
// at most 1.25 times as high as one exporting 50,000, and well under the
// 150 MB the whole provider may use. Each size runs in a process of its own,
// because peak RSS only ever grows.
func TestPeakMemoryIsFlat(t *testing.T) {
	t.Parallel()
	switch {
	case testing.Short():
		t.Skip("exports 550,000 users")
	case raceEnabled:
		t.Skip("the race detector changes memory use")
	case runtime.GOOS != "linux":
		t.Skip("reads peak RSS from /proc")
	}
	small := worstPeak(t, 50_000)
	large := worstPeak(t, 500_000)
	t.Logf("peak RSS %.1f MB at 50k users, %.1f MB at 500k (%.2fx); peak heap %.1f MB, %.1f MB",
		mb(small.rss), mb(large.rss), float64(large.rss)/float64(small.rss), mb(small.heap), mb(large.heap))
	if float64(large.rss) > 1.25*float64(small.rss) {
		t.Errorf("peak RSS grows with the directory: %.1f MB at 500k users vs %.1f MB at 50k", mb(large.rss), mb(small.rss))
	}
	if large.rss > 150e6 {
		t.Errorf("peak RSS %.1f MB at 500k users exceeds the provider's whole budget", mb(large.rss))
	}
}

func mb(n uint64) float64 { return float64(n) / 1e6 }

// worstPeak is the highest peak of three runs: when the garbage collector
// runs decides how high one run peaks, and a short run may end before the
// unluckiest timing comes.
func worstPeak(t *testing.T, users int) peak {
	t.Helper()
	var worst peak
	for range 3 {
		p := measurePeak(t, users)
		worst.rss, worst.heap = max(worst.rss, p.rss), max(worst.heap, p.heap)
	}
	return worst
}

type peak struct{ rss, heap uint64 }

const memoryUsersEnv = "AAD_EXPORT_MEMORY_TEST_USERS"

func measurePeak(t *testing.T, users int) peak {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMemoryHelperProcess$", "-test.count=1") //nolint:gosec // the test binary itself
	cmd.Env = append(os.Environ(), memoryUsersEnv+"="+strconv.Itoa(users), "TMPDIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("export of %d users: %v\n%s", users, err, out)
	}
	var p peak
	for line := range strings.Lines(string(out)) {
		if _, err := fmt.Sscanf(line, "PEAK rss=%d heap=%d", &p.rss, &p.heap); err == nil {
			return p
		}
	}
	t.Fatalf("export of %d users reported no peak:\n%s", users, out)
	return p
}

// TestMemoryHelperProcess is the process TestPeakMemoryIsFlat measures; it
// does nothing unless started by it.
//
//nolint:paralleltest // it is alone in its process, and must be
func TestMemoryHelperProcess(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv(memoryUsersEnv))
	if err != nil {
		t.Skip("started by TestPeakMemoryIsFlat only")
	}
	heap := sampleHeap(t)
	out := filepath.Join(t.TempDir(), "users.csv")
	res, err := Run(t.Context(), &decodingSource{n: n, heap: heap}, directory.Query{},
		Options{OutputPath: out, EscapeFormulas: true, SortMemory: sortMemoryFromEnv(t)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Users != n {
		t.Fatalf("%d users written, want %d", res.Users, n)
	}
	heap.sample()
	// The parent process reads this line.
	fmt.Printf("PEAK rss=%d heap=%d\n", peakRSS(t), heap.max.Load())
}

// sortMemoryFromEnv lets the default be compared with other budgets by hand.
func sortMemoryFromEnv(t *testing.T) int64 {
	t.Helper()
	v := os.Getenv("AAD_EXPORT_MEMORY_TEST_SORT_MEMORY")
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// decodingSource makes its users batch by batch, as a reader decoding pages
// does, from two goroutines; nothing outlives its batch.
type decodingSource struct {
	n    int
	heap *heapSampler
}

func (s *decodingSource) Users(ctx context.Context, _ directory.Query, sink directory.Sink) error {
	const batch, workers = 999, 2
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 2)) //nolint:gosec // test data
			users := make([]directory.User, 0, batch)
			for i := w * batch; i < s.n; i += workers * batch {
				users = users[:0]
				for j := i; j < min(i+batch, s.n); j++ {
					users = append(users, realisticUser(j, r))
				}
				if err := sink.Users(ctx, users); err != nil {
					errs[w] = err
					return
				}
				s.heap.sample()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// heapSampler records the largest heap seen, sampled after every batch and
// every millisecond (the merge runs after the last batch).
type heapSampler struct {
	max     atomic.Uint64
	samples []metrics.Sample
	mu      sync.Mutex
}

func sampleHeap(t *testing.T) *heapSampler {
	t.Helper()
	h := &heapSampler{samples: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				h.sample()
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

func (h *heapSampler) sample() {
	h.mu.Lock()
	metrics.Read(h.samples)
	v := h.samples[0].Value.Uint64()
	h.mu.Unlock()
	for {
		cur := h.max.Load()
		if v <= cur || h.max.CompareAndSwap(cur, v) {
			return
		}
	}
}

// peakRSS is the process's high-water mark of resident memory (VmHWM).
func peakRSS(t *testing.T) uint64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if kb, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(kb, "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n * 1024
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}
