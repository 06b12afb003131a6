package export

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// sink is the directory.Sink a Source delivers to. Users are encoded in the
// delivering goroutine, outside any lock, into a pooled batch; the lock is
// held only to hand the batch's buffer to the sorter (and, once every
// SortMemory bytes, to spill a run).
type sink struct {
	ctx     context.Context // the export's own: a source may pass another
	enc     *rowEncoder
	batches sync.Pool

	mu     sync.Mutex
	rows   *sorter
	err    error // first failure: every later delivery gets it too
	closed bool

	// replaced holds, for each user a Replace named, the generation of its
	// latest rows; gen counts the Replace calls.
	replaced map[string]uint32
	gen      uint32

	quoted []string // see batch.quoted

	errs errorSink
}

var _ directory.Sink = (*sink)(nil)

var errSinkClosed = errors.New("users delivered after the read returned")

func newSink(ctx context.Context, enc *rowEncoder, rows, errs *sorter) *sink {
	return &sink{ctx: ctx, enc: enc, rows: rows, errs: errorSink{rows: errs}}
}

// Users implements directory.Sink.
func (s *sink) Users(ctx context.Context, users []directory.User) error {
	if err := s.alive(ctx); err != nil {
		return err
	}
	if len(users) == 0 {
		return nil
	}
	b, ok := s.batches.Get().(*batch)
	if !ok {
		b = new(batch)
	}
	defer s.batches.Put(b)
	b.encode(s.enc, users)
	err := s.keep(b, nil)
	clear(b.ents) // the entries point into a buffer the sorter now owns
	return err
}

// Replace implements directory.Sink: rows of a later generation, which make
// the earlier rows of the same users void when the file is written.
func (s *sink) Replace(ctx context.Context, ids []string, current []directory.User) error {
	if err := s.alive(ctx); err != nil {
		return err
	}
	b, ok := s.batches.Get().(*batch)
	if !ok {
		b = new(batch)
	}
	defer s.batches.Put(b)
	b.encode(s.enc, current)
	if len(current) == 0 {
		// Only the ids: nothing for the sorter, but the rows already
		// delivered for them must go.
		b.ents = b.ents[:0]
	}
	ids = slices.Clone(ids)
	for i := range current {
		ids = append(ids, current[i].ID)
	}
	err := s.keep(b, ids)
	clear(b.ents)
	return err
}

func (s *sink) alive(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.ctx.Err()
}

// keep hands an encoded batch to the sorter. replacing names the users a
// Replace concerns (nil for a plain delivery): the batch's rows become their
// latest generation.
func (s *sink) keep(b *batch, replacing []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return errSinkClosed
	case s.err != nil:
		return s.err
	}
	s.quoted = append(s.quoted, b.quoted...)
	if replacing != nil {
		s.gen++
		if s.replaced == nil {
			s.replaced = map[string]uint32{}
		}
		for _, id := range replacing {
			s.replaced[id] = s.gen
		}
		for i := range b.ents {
			b.ents[i].gen = s.gen
		}
		if len(b.ents) == 0 {
			return nil
		}
	}
	spare, err := s.rows.add(b.buf, b.ents)
	b.buf = spare
	if err != nil {
		s.err = fmt.Errorf("sorting users: %w", err)
		return s.err
	}
	return nil
}

// current reports whether a row is its user's latest: the read's own when
// no Replace named the user, else the latest Replace's. It is consulted
// once the read is over, when replaced no longer changes.
func (s *sink) current(e *entry) bool {
	if len(s.replaced) == 0 {
		return e.gen == 0
	}
	g, ok := s.replaced[string(e.id())]
	if !ok {
		return e.gen == 0
	}
	return e.gen == g
}

// isReplaced reports whether a Replace named the user: its rows from before
// are void. It is consulted once the read is over.
func (s *sink) isReplaced(id []byte) bool {
	_, ok := s.replaced[string(id)]
	return ok
}

// quotedIDs are the ids of the users whose names read back ambiguously,
// for the manifest. It is consulted once the read is over.
func (s *sink) quotedIDs() []string { return s.quoted }

// UserError implements directory.Sink.
func (s *sink) UserError(_ context.Context, e directory.UserError) {
	s.errs.add(&e)
}

// close ends deliveries and reports the first failure of either kind.
func (s *sink) close() error {
	s.mu.Lock()
	s.closed = true
	err := s.err
	s.mu.Unlock()
	return errors.Join(err, s.errs.close())
}

// errorSink counts per-user errors and keeps their rows in a sorter of their
// own, so that thousands of them (a long list of names that do not exist)
// cost no more memory than the budget.
type errorSink struct {
	mu     sync.Mutex
	rows   *sorter
	count  int
	buf    []byte
	one    [1]entry
	err    error
	closed bool
}

func (s *errorSink) add(e *directory.UserError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return // the export has ended: no one is left to tell
	}
	s.count++
	if s.err != nil {
		return
	}
	b := appendLower(s.buf[:0], e.UserPrincipalName)
	klen := len(b)
	b = append(b, e.ObjectID...)
	b = appendUserError(b, e)
	s.one[0] = entry{data: b, klen: klen, ilen: len(e.ObjectID)}
	spare, err := s.rows.add(b, s.one[:])
	s.buf, s.one[0] = spare, entry{}
	if err != nil {
		s.err = fmt.Errorf("sorting per-user errors: %w", err)
	}
}

func (s *errorSink) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.err
}
