package export

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"unsafe"
)

// entry is one row waiting for its place in the output: data holds the sort
// key, the object id and the payload, one after the other, so a row costs one
// slice of a shared buffer and no allocation of its own. gen is 0 for a row
// of the read itself and n for a row of its nth reconciliation (see
// sink.Replace): of the rows of one user, only the latest generation is
// written.
type entry struct {
	data       []byte
	klen, ilen int
	gen        uint32
}

const entrySize = int64(unsafe.Sizeof(entry{}))

func (e *entry) key() []byte     { return e.data[:e.klen] }
func (e *entry) id() []byte      { return e.data[e.klen : e.klen+e.ilen] }
func (e *entry) payload() []byte { return e.data[e.klen+e.ilen:] }

// order is the row order: (key, id) compared as a tuple, never as one
// concatenated string (a key that is a prefix of another must still sort
// first whatever the id). Rows that may legitimately share (key, id) — two
// failures of the same user — are ordered by payload so that the output stays
// deterministic; users must be unique and are checked for it.
type order struct{ unique bool }

func (o order) compare(a, b *entry) int {
	if c := bytes.Compare(a.key(), b.key()); c != 0 {
		return c
	}
	if c := bytes.Compare(a.id(), b.id()); c != 0 {
		return c
	}
	if c := cmp.Compare(a.gen, b.gen); c != 0 {
		return c
	}
	if o.unique {
		return 0
	}
	return bytes.Compare(a.payload(), b.payload())
}

// ErrDuplicateUser is returned (wrapped, naming the user) when the source
// delivered the same user twice: the export refuses to write a CSV with a
// duplicated row.
var ErrDuplicateUser = errors.New("user delivered twice")

// Tuning of the external sort. Merging reads every run at once through its
// own buffer, so the fan-in bounds that memory (128 x 16 KiB = 2 MiB, less
// than the SortMemory it replaces); with the default SortMemory a
// 500,000-user export makes about 60 runs and merges in one pass.
const (
	defaultFanIn     = 128
	mergeBufferSize  = 16 << 10
	ctxCheckInterval = 4096 // rows between checks for cancellation while merging
)

// sorter orders rows with bounded memory: rows accumulate in memory until
// budget bytes, are then sorted and spilled as a run to a temporary file next
// to the output, and the runs are merged at the end. It is not safe for
// concurrent use; its owner serialises calls.
type sorter struct {
	dir    string
	budget int64
	fanIn  int
	ord    order

	ents []entry
	held [][]byte // buffers the entries point into
	free [][]byte // buffers already spilled, handed back to callers for reuse
	mem  int64

	file *spillFile
	runs []segment

	// keep, when set, drops rows before the duplicate check: rows of an
	// earlier generation than their user's latest.
	keep func(e *entry) bool
}

// newSorter makes a sorter that spills to dir beyond budget bytes and merges
// at most fanIn runs at once (at least two, or the runs would never shrink).
func newSorter(dir string, budget int64, fanIn int, ord order) *sorter {
	return &sorter{dir: dir, budget: max(budget, 1), fanIn: max(fanIn, 2), ord: ord}
}

// add takes ownership of buf, into which ents point, and returns an empty
// buffer the caller may fill next (nil when none is free), so that steady
// state allocates nothing.
func (s *sorter) add(buf []byte, ents []entry) ([]byte, error) {
	s.held = append(s.held, buf)
	s.ents = append(s.ents, ents...)
	s.mem += int64(cap(buf)) + int64(len(ents))*entrySize
	var spare []byte
	if n := len(s.free); n > 0 {
		spare = s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
	}
	if s.mem < s.budget {
		return spare, nil
	}
	return spare, s.spill()
}

func (s *sorter) sortHeld() {
	slices.SortFunc(s.ents, func(a, b entry) int { return s.ord.compare(&a, &b) })
}

// spill writes the rows held in memory as one sorted run.
func (s *sorter) spill() error {
	if len(s.ents) == 0 {
		return nil
	}
	s.sortHeld()
	if s.file == nil {
		f, err := newSpillFile(s.dir)
		if err != nil {
			return err
		}
		s.file = f
	}
	start := s.file.size
	for i := range s.ents {
		if err := s.file.writeEntry(&s.ents[i]); err != nil {
			return err
		}
	}
	s.runs = append(s.runs, segment{off: start, n: s.file.size - start})
	s.release()
	return nil
}

// release forgets the rows held in memory and keeps their buffers for reuse.
func (s *sorter) release() {
	clear(s.ents)
	s.ents = s.ents[:0]
	for i, b := range s.held {
		s.free = append(s.free, b[:0])
		s.held[i] = nil
	}
	s.held = s.held[:0]
	s.mem = 0
}

// finish delivers every row in order to emit, which must not keep the entry
// (its bytes are reused). For a unique order, two rows with the same (key,
// id) are an ErrDuplicateUser.
func (s *sorter) finish(ctx context.Context, emit func(e *entry) error) error {
	if s.ord.unique {
		emit = rejectDuplicates(emit)
	}
	if s.keep != nil {
		emit = keepOnly(s.keep, emit)
	}
	if len(s.runs) == 0 {
		return s.emitHeld(ctx, emit)
	}
	if err := s.spill(); err != nil {
		return err
	}
	s.free = nil // the merge needs no row buffers: let them go
	if err := s.file.flush(); err != nil {
		return err
	}
	if err := s.reduceRuns(ctx); err != nil {
		return err
	}
	return mergeRuns(ctx, s.file, s.runs, s.ord, emit)
}

func (s *sorter) emitHeld(ctx context.Context, emit func(e *entry) error) error {
	s.sortHeld()
	for i := range s.ents {
		if i%ctxCheckInterval == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := emit(&s.ents[i]); err != nil {
			return err
		}
	}
	s.release()
	return nil
}

// reduceRuns merges runs fanIn at a time into a new spill file until one
// final merge can read them all at once.
func (s *sorter) reduceRuns(ctx context.Context) error {
	for len(s.runs) > s.fanIn {
		next, err := newSpillFile(s.dir)
		if err != nil {
			return err
		}
		merged, err := s.mergeInto(ctx, next)
		if err == nil {
			err = next.flush()
		}
		if err != nil {
			return errors.Join(err, next.close())
		}
		old := s.file
		s.file, s.runs = next, merged
		if err := old.close(); err != nil {
			return err
		}
	}
	return nil
}

func (s *sorter) mergeInto(ctx context.Context, next *spillFile) ([]segment, error) {
	var merged []segment
	for i := 0; i < len(s.runs); i += s.fanIn {
		group := s.runs[i:min(i+s.fanIn, len(s.runs))]
		start := next.size
		if err := mergeRuns(ctx, s.file, group, s.ord, next.writeEntry); err != nil {
			return nil, err
		}
		merged = append(merged, segment{off: start, n: next.size - start})
	}
	return merged, nil
}

// close removes the spill file, if any.
func (s *sorter) close() error {
	if s.file == nil {
		return nil
	}
	err := s.file.close()
	s.file = nil
	return err
}

// keepOnly wraps emit with a filter.
func keepOnly(keep func(e *entry) bool, emit func(e *entry) error) func(e *entry) error {
	return func(e *entry) error {
		if !keep(e) {
			return nil
		}
		return emit(e)
	}
}

// rejectDuplicates wraps emit with a check that no two consecutive rows share
// (key, id): in sorted order, a user delivered twice shows up as neighbours.
func rejectDuplicates(emit func(e *entry) error) func(e *entry) error {
	var prev []byte
	var prevKey int
	started := false
	return func(e *entry) error {
		kid := e.data[:e.klen+e.ilen]
		if started && prevKey == e.klen && bytes.Equal(prev, kid) {
			return fmt.Errorf("%w: userPrincipalName %q, id %q; the directory read is inconsistent, nothing was written",
				ErrDuplicateUser, e.key(), e.id())
		}
		prev, prevKey, started = append(prev[:0], kid...), e.klen, true
		return emit(e)
	}
}
