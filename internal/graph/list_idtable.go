package graph

import (
	"math/bits"
	"sync"

	"github.com/aad-export/terraform-provider-aad/internal/offheap"
)

// idTable remembers every user a read has delivered, across all its
// partitions, and which partition run met each last. On a live directory a
// user renamed from a partition already listed into one still being listed
// is met twice: the table delivers it once. The run number lets each
// partition count the distinct users it met (its members, wherever they
// were delivered), which its completeness check compares with Graph's count.
//
// It is an open-addressing hash table of 8-byte keys with a 4-byte run each:
// about 15 bytes a user at its load factor, sized from the directory's count
// up front so that it does not grow (and double) in the middle of a read.
// Keys are already uniform (halves of a random GUID), so the slot is the key
// scaled to the table, with linear probing. The arrays live off the Go heap
// (package offheap): on it, the collector's headroom would double their
// cost. The table's owner releases it when the read ends.
type idTable struct {
	mu   sync.Mutex
	keys []uint64 // 0 = empty; a key of 0 is stored as zeroKey
	runs []uint32
	n    int
	free []func() // the arrays' releases
}

// zeroKey stands for the key 0, which marks an empty slot.
const zeroKey = 1<<64 - 1

// maxLoad is the share of slots in use beyond which the table grows.
const (
	loadNum = 4
	loadDen = 5
)

func newIDTable(hint int64) *idTable {
	t := &idTable{}
	t.alloc(max(64, int(hint)*loadDen/loadNum+16))
	return t
}

func (t *idTable) alloc(slots int) {
	var freeKeys, freeRuns func()
	t.keys, freeKeys = offheap.Make[uint64](slots)
	t.runs, freeRuns = offheap.Make[uint32](slots)
	t.free = []func(){freeKeys, freeRuns}
}

// release frees the table's arrays; it must not be used afterwards.
func (t *idTable) release() {
	for _, f := range t.free {
		f()
	}
	t.keys, t.runs, t.free = nil, nil, nil
}

// see records that run met the user k. It reports whether the user is new to
// the read (deliver it) and whether it is new to the run (count it).
// Callers hold t.mu.
func (t *idTable) see(k idKey, run uint32) (newToRead, newToRun bool) {
	key := uint64(k)
	if key == 0 {
		key = zeroKey
	}
	i := t.slot(key)
	for {
		switch t.keys[i] {
		case 0:
			t.keys[i], t.runs[i] = key, run
			t.n++
			if t.n*loadDen > len(t.keys)*loadNum {
				t.grow()
			}
			return true, true
		case key:
			if t.runs[i] == run {
				return false, false
			}
			t.runs[i] = run
			return false, true
		}
		i = t.next(i)
	}
}

// slot maps a key to its first slot: the key read as a fraction of the
// table's size.
func (t *idTable) slot(key uint64) int {
	hi, _ := bits.Mul64(key, uint64(len(t.keys)))
	return int(hi) //nolint:gosec // hi < len(t.keys): the high word of key*n is below n
}

// next is the slot after i, wrapping round (linear probing).
func (t *idTable) next(i int) int {
	if i+1 == len(t.keys) {
		return 0
	}
	return i + 1
}

// grow doubles the table: the directory holds more users than its count
// said (it grew during the read).
func (t *idTable) grow() {
	keys, runs, free := t.keys, t.runs, t.free
	defer func() {
		for _, f := range free {
			f()
		}
	}()
	t.alloc(2 * len(keys))
	for j, key := range keys {
		if key == 0 {
			continue
		}
		i := t.slot(key)
		for t.keys[i] != 0 {
			i = t.next(i)
		}
		t.keys[i], t.runs[i] = key, runs[j]
	}
}
