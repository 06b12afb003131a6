package export

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
)

// spillFile holds sorted runs, one after the other. It lives next to the
// output file rather than in the system temp folder, which is often a RAM
// disk and would defeat the point of spilling.
type spillFile struct {
	f    *os.File
	path string // the name still to remove; "" once unlinked
	w    *bufio.Writer
	size int64
	hdr  [4 * binary.MaxVarintLen64]byte
}

// segment locates one sorted run in a spill file.
type segment struct{ off, n int64 }

func newSpillFile(dir string) (*spillFile, error) {
	f, err := os.CreateTemp(dir, spillPattern)
	if err != nil {
		return nil, fmt.Errorf("creating a temporary sort file: %w", err)
	}
	sf := &spillFile{f: f, path: f.Name(), w: bufio.NewWriterSize(f, 256<<10)}
	// Unlinked at once, the file's space is freed when the process ends,
	// however it ends (even killed). Windows refuses; close removes it there.
	if os.Remove(sf.path) == nil {
		sf.path = ""
	}
	return sf, nil
}

// writeEntry appends one row as its generation, three lengths (key, id,
// whole entry) and the entry's bytes. The lengths are signed varints only
// because they are ints: they are never negative.
func (sf *spillFile) writeEntry(e *entry) error {
	h := binary.AppendUvarint(sf.hdr[:0], uint64(e.gen))
	h = binary.AppendVarint(h, int64(e.klen))
	h = binary.AppendVarint(h, int64(e.ilen))
	h = binary.AppendVarint(h, int64(len(e.data)))
	if _, err := sf.w.Write(h); err != nil {
		return fmt.Errorf("writing a temporary sort file: %w", err)
	}
	if _, err := sf.w.Write(e.data); err != nil {
		return fmt.Errorf("writing a temporary sort file: %w", err)
	}
	sf.size += int64(len(h) + len(e.data))
	return nil
}

func (sf *spillFile) flush() error {
	if err := sf.w.Flush(); err != nil {
		return fmt.Errorf("writing a temporary sort file: %w", err)
	}
	return nil
}

func (sf *spillFile) close() error {
	err := sf.f.Close()
	if sf.path != "" {
		if rerr := os.Remove(sf.path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		sf.path = ""
	}
	if err != nil {
		return fmt.Errorf("removing a temporary sort file: %w", err)
	}
	return nil
}

// runReader reads one run back, entry by entry, into a buffer it reuses.
type runReader struct {
	r    *bufio.Reader
	size int64 // of the run: no entry can be longer
	cur  entry
	buf  []byte
}

func newRunReader(r io.ReaderAt, seg segment) *runReader {
	return &runReader{
		r:    bufio.NewReaderSize(io.NewSectionReader(r, seg.off, seg.n), mergeBufferSize),
		size: seg.n,
	}
}

var errCorruptRun = errors.New("temporary sort file is corrupt")

// next reads the following entry into cur; false at the end of the run.
func (rr *runReader) next() (bool, error) {
	gen, err := binary.ReadUvarint(rr.r)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading a temporary sort file: %w", err)
	}
	klen, err := binary.ReadVarint(rr.r)
	if err != nil {
		return false, fmt.Errorf("reading a temporary sort file: %w", noEOF(err))
	}
	ilen, err := binary.ReadVarint(rr.r)
	if err != nil {
		return false, fmt.Errorf("reading a temporary sort file: %w", noEOF(err))
	}
	n, err := binary.ReadVarint(rr.r)
	if err != nil {
		return false, fmt.Errorf("reading a temporary sort file: %w", noEOF(err))
	}
	if n < 0 || n > rr.size || klen < 0 || ilen < 0 || klen > n || ilen > n-klen || gen > math.MaxUint32 {
		return false, errCorruptRun
	}
	if int64(cap(rr.buf)) < n {
		rr.buf = make([]byte, n)
	}
	rr.buf = rr.buf[:n]
	if _, err := io.ReadFull(rr.r, rr.buf); err != nil {
		return false, fmt.Errorf("reading a temporary sort file: %w", noEOF(err))
	}
	rr.cur = entry{data: rr.buf, klen: int(klen), ilen: int(ilen), gen: uint32(gen)}
	return true, nil
}

// noEOF turns an end of file inside an entry into the error it is.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// mergeRuns delivers the rows of the given runs to emit in order, reading
// each run sequentially through a min-heap of run heads.
func mergeRuns(ctx context.Context, sf *spillFile, runs []segment, ord order, emit func(e *entry) error) error {
	h := runHeap{ord: ord}
	for _, seg := range runs {
		rr := newRunReader(sf.f, seg)
		ok, err := rr.next()
		if err != nil {
			return err
		}
		if ok {
			h.rs = append(h.rs, rr)
		}
	}
	h.init()
	for n := 0; len(h.rs) > 0; n++ {
		if n%ctxCheckInterval == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		top := h.rs[0]
		if err := emit(&top.cur); err != nil {
			return err
		}
		ok, err := top.next()
		if err != nil {
			return err
		}
		if ok {
			h.down(0)
		} else {
			h.pop()
		}
	}
	return nil
}

// runHeap is a binary min-heap of run readers by their current entry. It is
// written out rather than built on container/heap to keep interface calls
// and boxing off the per-row path.
type runHeap struct {
	ord order
	rs  []*runReader
}

func (h *runHeap) less(i, j int) bool { return h.ord.compare(&h.rs[i].cur, &h.rs[j].cur) < 0 }

func (h *runHeap) init() {
	for i := len(h.rs)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *runHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h.rs) {
			return
		}
		m := l
		if r := l + 1; r < len(h.rs) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h.rs[i], h.rs[m] = h.rs[m], h.rs[i]
		i = m
	}
}

func (h *runHeap) pop() {
	last := len(h.rs) - 1
	h.rs[0] = h.rs[last]
	h.rs[last] = nil
	h.rs = h.rs[:last]
	h.down(0)
}
