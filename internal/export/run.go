package export

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

const utf8BOM = "\ufeff"

// run carries out the plan; Run documents it.
func (p *plan) run(ctx context.Context, src Source, q directory.Query) (res Result, err error) {
	j, err := p.start(ctx)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		if cerr := j.cleanup(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	if err := src.Users(ctx, p.query(q), j.sink); err != nil {
		return Result{}, fmt.Errorf("reading users: %w", err)
	}
	return j.finish(ctx)
}

// job is one export under way: its temporary files and sorters.
type job struct {
	p        *plan
	out, res *atomicFile // res is nil without a results file
	users    *sorter
	errs     *sorter
	sink     *sink
	stale    []string // temporary files of earlier exports, removed
}

// start removes what earlier exports that were killed left in the folders,
// then creates the temporary output files: that proves the folders
// writable before the directory is read.
func (p *plan) start(ctx context.Context) (*job, error) {
	stale := removeStale(time.Now(), p.folders()...)
	out, err := createAtomic(p.output, true)
	if err != nil {
		return nil, fmt.Errorf("output path %q: %w", p.output, err)
	}
	j := &job{p: p, out: out, stale: stale}
	if p.results != "" {
		if j.res, err = createAtomic(p.results, false); err != nil {
			return nil, errors.Join(fmt.Errorf("results path %q: %w", p.results, err), out.discard())
		}
	}
	dir := filepath.Dir(p.output)
	j.users = newSorter(dir, p.sortMemory, p.fanIn, order{unique: true})
	j.errs = newSorter(dir, p.sortMemory/errorSortShare, p.fanIn, order{})
	j.sink = newSink(ctx, &p.enc, j.users, j.errs)
	return j, nil
}

// folders are where the export writes: its files and their temporaries.
func (p *plan) folders() []string {
	dirs := []string{filepath.Dir(p.output)}
	if p.results != "" {
		dirs = append(dirs, filepath.Dir(p.results))
	}
	return dirs
}

// cleanup removes whatever temporary file remains; after a successful
// export, none does.
func (j *job) cleanup() error {
	err := errors.Join(j.users.close(), j.errs.close(), j.out.discard())
	if j.res != nil {
		err = errors.Join(err, j.res.discard())
	}
	return err
}

func (j *job) finish(ctx context.Context) (Result, error) {
	if err := j.sink.close(); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, interrupted(err)
	}
	first, err := j.writeResults(ctx)
	if err != nil {
		return Result{}, err
	}
	r := Result{Errors: j.sink.errs.count, FirstErrors: first, RemovedTemporaries: j.stale}
	if j.p.failOnUserErrors && r.Errors > 0 {
		if err := j.publish(ctx, j.res); err != nil {
			return Result{}, err
		}
		return r, fmt.Errorf("%d per-user errors, so the CSV was not written: %w", r.Errors, ErrUserErrors)
	}
	if r.Users, err = j.writeUsers(ctx); err != nil {
		return Result{}, err
	}
	if err := errors.Join(j.users.close(), j.errs.close()); err != nil {
		return Result{}, err
	}
	// The CSV first: should the results file then fail to be published, the
	// main artefact is at least complete and current.
	if err := j.publish(ctx, j.out, j.res); err != nil {
		return Result{}, err
	}
	r.SHA256 = j.out.checksum()
	return r, nil
}

// publish renames the prepared files into place in the order given, unless
// the export was cancelled meanwhile. Two renames cannot be one atomic step:
// when one fails, the error says which files were already replaced and which
// were left as they were.
func (j *job) publish(ctx context.Context, files ...*atomicFile) error {
	if err := ctx.Err(); err != nil {
		return interrupted(err)
	}
	files = slices.DeleteFunc(files, func(f *atomicFile) bool { return f == nil })
	for i, f := range files {
		if err := f.publish(); err != nil {
			return partlyPublished(err, files[:i], files[i+1:])
		}
	}
	return nil
}

// partlyPublished adds to err what happened to the other files of a publish.
func partlyPublished(err error, replaced, untouched []*atomicFile) error {
	for _, f := range replaced {
		err = fmt.Errorf("%w; %q was already replaced", err, f.target)
	}
	for _, f := range untouched {
		err = fmt.Errorf("%w; %q was left as it was", err, f.target)
	}
	return err
}

// interrupted says so when err is the export's cancellation or deadline.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("export interrupted, nothing written: %w", err)
	}
	return err
}

// writeUsers writes the CSV, rows in order, to its temporary file.
func (j *job) writeUsers(ctx context.Context) (int, error) {
	rows := 0
	err := j.writeSorted(ctx, j.out, j.p.enc.header(), j.users, func(e *entry) error {
		rows++
		return j.out.writeAll(e.payload())
	})
	if err != nil {
		return 0, err
	}
	return rows, nil
}

// writeResults writes the results file (when there is one) and returns the
// first per-user errors in its order.
func (j *job) writeResults(ctx context.Context) ([]directory.UserError, error) {
	w := resultsWriter{out: j.res, max: j.p.maxDetailed, escape: j.p.enc.escape, crlf: j.p.enc.crlf}
	if err := j.writeSorted(ctx, j.res, encodeRecord(resultsColumns(), w.crlf), j.errs, w.emit); err != nil {
		return nil, err
	}
	return w.first, nil
}

// writeSorted hands every row of s, in order, to emit and makes f ready to
// publish: the BOM (if asked for) and header first, flushed and synced
// after. f is nil when there is no file, and emit still sees every row.
func (j *job) writeSorted(ctx context.Context, f *atomicFile, header []byte, s *sorter, emit func(e *entry) error) error {
	if f != nil {
		if j.p.bom {
			if err := f.writeAll([]byte(utf8BOM)); err != nil {
				return err
			}
		}
		if err := f.writeAll(header); err != nil {
			return err
		}
	}
	if err := s.finish(ctx, emit); err != nil {
		return interrupted(err)
	}
	if f == nil {
		return nil
	}
	return f.prepare()
}

// resultsWriter turns sorted per-user errors into results-file rows.
type resultsWriter struct {
	out          *atomicFile
	max          int
	escape, crlf bool
	first        []directory.UserError
	row, scratch []byte
}

func (w *resultsWriter) emit(e *entry) error {
	f, err := decodeUserError(e.payload())
	if err != nil {
		return err
	}
	if len(w.first) < w.max {
		w.first = append(w.first, f.userError())
	}
	if w.out == nil {
		return nil
	}
	w.row, w.scratch = f.appendRow(w.row[:0], w.scratch, w.escape, w.crlf)
	return w.out.writeAll(w.row)
}
