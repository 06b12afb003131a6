package export

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// rows builds n entries, each in a buffer of its own, with few distinct keys
// so that ties on the key are common.
func testEntries(n int, seed uint64) (bufs [][]byte, ents []entry) {
	r := rand.New(rand.NewPCG(seed, 3)) //nolint:gosec // test data
	for i := range n {
		key := fmt.Sprintf("k%d", r.IntN(n/3+1))
		id := fmt.Sprintf("%06d", i)
		payload := bytes.Repeat([]byte{"abcdefghijklmnopqrstuvwxyz"[r.IntN(26)]}, r.IntN(40))
		data := append(append([]byte(key), id...), payload...)
		bufs = append(bufs, data)
		ents = append(ents, entry{data: data, klen: len(key), ilen: len(id)})
	}
	return bufs, ents
}

func collect(t *testing.T, s *sorter) []string {
	t.Helper()
	var got []string
	if err := s.finish(t.Context(), func(e *entry) error {
		got = append(got, string(e.data))
		return nil
	}); err != nil {
		t.Fatalf("finish: %v", err)
	}
	return got
}

func TestSorterSpillsAndMerges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		n             int
		budget        int64
		fanIn         int
		wantSpills    bool
		wantMultiPass bool
	}{
		{name: "in memory", n: 500, budget: 1 << 20, fanIn: 64},
		{name: "one run per entry", n: 200, budget: 1, fanIn: 64, wantSpills: true, wantMultiPass: true},
		{name: "several runs", n: 2000, budget: 8 << 10, fanIn: 64, wantSpills: true},
		{name: "multi-pass", n: 2000, budget: 2 << 10, fanIn: 4, wantSpills: true, wantMultiPass: true},
		{name: "fan-in two", n: 300, budget: 1 << 10, fanIn: 2, wantSpills: true, wantMultiPass: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			bufs, ents := testEntries(tt.n, 42)
			want := make([]string, len(ents))
			sorted := slices.Clone(ents)
			slices.SortFunc(sorted, func(a, b entry) int { return order{}.compare(&a, &b) })
			for i := range sorted {
				want[i] = string(sorted[i].data)
			}
			s := newSorter(dir, tt.budget, tt.fanIn, order{})
			for i := range ents {
				if _, err := s.add(bufs[i], ents[i:i+1]); err != nil {
					t.Fatal(err)
				}
			}
			spilled := len(s.runs)
			if (spilled > 0) != tt.wantSpills || (spilled > tt.fanIn) != tt.wantMultiPass {
				t.Errorf("%d runs spilled with fan-in %d", spilled, tt.fanIn)
			}
			if diff := cmp.Diff(want, collect(t, s)); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			if len(s.runs) > tt.fanIn {
				t.Errorf("final merge read %d runs, fan-in is %d", len(s.runs), tt.fanIn)
			}
			if err := s.close(); err != nil {
				t.Fatal(err)
			}
			if left := filesIn(t, dir); len(left) != 0 {
				t.Errorf("files left: %q", left)
			}
		})
	}
}

// Keys are compared before ids, as a tuple: "abc" sorts before "abc!" even
// though "abc~" (key and id concatenated) would sort after "abc!0".
func TestOrderIsATuple(t *testing.T) {
	t.Parallel()
	a := entry{data: []byte("abc~"), klen: 3, ilen: 1}
	b := entry{data: []byte("abc!0"), klen: 4, ilen: 1}
	if (order{unique: true}).compare(&a, &b) >= 0 {
		t.Error(`("abc", "~") does not sort before ("abc!", "0")`)
	}
	c := entry{data: []byte("abc0x"), klen: 3, ilen: 1}
	d := entry{data: []byte("abc0y"), klen: 3, ilen: 1}
	if (order{unique: true}).compare(&c, &d) != 0 || (order{}).compare(&c, &d) >= 0 {
		t.Error("payload must matter only to a non-unique order")
	}
}

func TestSorterRejectsDuplicates(t *testing.T) {
	t.Parallel()
	for _, budget := range []int64{1 << 20, 1} {
		t.Run(fmt.Sprint("budget=", budget), func(t *testing.T) {
			t.Parallel()
			s := newSorter(t.TempDir(), budget, defaultFanIn, order{unique: true})
			t.Cleanup(func() {
				if err := s.close(); err != nil {
					t.Error(err)
				}
			})
			for _, d := range []string{"b2row", "a1row", "c3row", "a1other"} {
				buf := []byte(d)
				if _, err := s.add(buf, []entry{{data: buf, klen: 1, ilen: 1}}); err != nil {
					t.Fatal(err)
				}
			}
			err := s.finish(t.Context(), func(*entry) error { return nil })
			if !errors.Is(err, ErrDuplicateUser) {
				t.Fatalf("finish = %v, want ErrDuplicateUser", err)
			}
		})
	}
}

func TestSorterHonoursCancellation(t *testing.T) {
	t.Parallel()
	for _, budget := range []int64{1 << 20, 1} {
		s := newSorter(t.TempDir(), budget, defaultFanIn, order{})
		bufs, ents := testEntries(50, 1)
		for i := range ents {
			if _, err := s.add(bufs[i], ents[i:i+1]); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := s.finish(ctx, func(*entry) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("budget %d: finish = %v, want context.Canceled", budget, err)
		}
		if err := s.close(); err != nil {
			t.Fatal(err)
		}
	}
}

// Spill files are unlinked as soon as they are created, so that not even a
// killed process leaves one behind.
func TestSpillFileIsUnlinked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sf, err := newSpillFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if left := filesIn(t, dir); runtime.GOOS != "windows" && (len(left) != 0 || sf.path != "") {
		t.Errorf("the spill file still has a name: %q", left)
	}
	fi, err := sf.f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("spill file mode %v, want 0600", fi.Mode().Perm())
	}
	if err := sf.close(); err != nil {
		t.Fatal(err)
	}
	if left := filesIn(t, dir); len(left) != 0 {
		t.Errorf("files left: %q", left)
	}
}

// FuzzRunReader feeds the run reader arbitrary bytes: it must return entries
// or an error, never panic or allocate more than the run holds.
func FuzzRunReader(f *testing.F) {
	var valid bytes.Buffer
	sf := &spillFile{w: bufio.NewWriter(&valid)}
	for _, e := range []entry{{data: []byte("k1row"), klen: 1, ilen: 1}, {data: []byte("key2id-row"), klen: 4, ilen: 2}, {}} {
		if err := sf.writeEntry(&e); err != nil {
			f.Fatal(err)
		}
	}
	if err := sf.flush(); err != nil {
		f.Fatal(err)
	}
	f.Add(valid.Bytes())
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{1, 1, 100, 'a'})
	f.Fuzz(func(t *testing.T, data []byte) {
		rr := newRunReader(bytes.NewReader(data), segment{n: int64(len(data))})
		for range len(data) + 1 {
			ok, err := rr.next()
			if err != nil || !ok {
				return
			}
			if len(rr.cur.data) > len(data) || rr.cur.klen+rr.cur.ilen > len(rr.cur.data) {
				t.Fatalf("entry larger than the run: %+v", rr.cur)
			}
		}
		t.Fatal("reader returned more entries than bytes")
	})
}

func TestNewSpillFileInMissingFolder(t *testing.T) {
	t.Parallel()
	_, err := newSpillFile(t.TempDir() + "/missing")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("newSpillFile = %v, want ErrNotExist", err)
	}
}
