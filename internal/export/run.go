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
func (p *plan) run(ctx context.Context, src Source, q directory.Query) (Result, error) {
	q = p.query(q)
	prev, why := p.previous(q)
	how := p.choose(src, q, prev, why)
	res, err := p.runAs(ctx, src, q, prev, how)
	if how.mode == ModeIncremental && errors.Is(err, directory.ErrChangeLogExpired) {
		how = choice{mode: ModeFull, fellBack: true,
			because: "the previous snapshot's change log has expired (Graph keeps it for about a week) or Graph asked to start over, so the directory was listed again"}
		res, err = p.runAs(ctx, src, q, prev, how)
	}
	if err == nil && p.changes != "" && prev == nil && why != "" {
		res.Warnings = append(res.Warnings, "The changes report lists every user as added: "+why+".")
	}
	if how.fellBack {
		res.Warnings = append(res.Warnings, "The snapshot is not incremental: "+how.because+".")
	}
	return res, err
}

// choice is how a snapshot is taken, and why.
type choice struct {
	mode     Mode
	because  string // why a snapshot asked to be incremental is full
	fellBack bool   // the reason is a fallback, not the configuration
}

// runAs takes the snapshot as chosen.
func (p *plan) runAs(ctx context.Context, src Source, q directory.Query, prev *previousSnapshot, how choice) (res Result, err error) {
	started := time.Now().UTC()
	j, err := p.start(ctx)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		if cerr := j.cleanup(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	j.mode = how.mode
	link, err := j.read(ctx, src, q, prev)
	if err != nil {
		return Result{}, fmt.Errorf("reading users: %w", err)
	}
	if prev != nil && (how.mode == ModeIncremental || j.diff != nil) {
		if j.prev, err = prev.open(j.p.enc.header(), p.upn, p.oid); err != nil {
			return Result{}, err
		}
	}
	res, err = j.finish(ctx, manifestDraft(p, q, started, link, prev, how.mode))
	res.Mode, res.FullBecause, res.FellBack, res.DeltaLink = how.mode, how.because, how.fellBack, link
	return res, err
}

// job is one export under way: its temporary files and sorters.
type job struct {
	p        *plan
	mode     Mode
	out, res *atomicFile // res is nil without a results file
	chg      *atomicFile // nil without a changes report
	rep      *atomicFile // nil without a compliance report
	report   *reportFeed // nil without a compliance report
	users    *sorter
	errs     *sorter
	sink     *sink
	prev     *snapshot // the previous CSV, read in the final merge; nil when not needed
	diff     *differ   // nil without a changes report
	stale    []string  // temporary files of earlier exports, removed
}

// read runs the source: the changes since the previous snapshot, or the
// whole selection (with the change log's link when the source has one).
func (j *job) read(ctx context.Context, src Source, q directory.Query, prev *previousSnapshot) (string, error) {
	tracker, tracks := src.(Tracker)
	switch {
	case j.mode == ModeIncremental:
		return tracker.Changes(ctx, q, prev.m.DeltaLink, prev.m.FailedIDs, j.sink)
	case tracks:
		return tracker.UsersTracked(ctx, q, j.sink)
	}
	return "", src.Users(ctx, q, j.sink)
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
		if j.res, err = createAtomic(p.results, p.manifest != ""); err != nil {
			return nil, errors.Join(fmt.Errorf("results path %q: %w", p.results, err), j.cleanup())
		}
	}
	if p.report != "" {
		if j.rep, err = createAtomic(p.report, false); err != nil {
			return nil, errors.Join(fmt.Errorf("report path %q: %w", p.report, err), j.cleanup())
		}
	}
	dir := filepath.Dir(p.output)
	if p.changes != "" {
		if j.chg, err = createAtomic(p.changes, false); err != nil {
			return nil, errors.Join(fmt.Errorf("changes path %q: %w", p.changes, err), j.cleanup())
		}
		j.diff = newDiffer(p.columns, p.upn, p.oid, p.enc.crlf,
			newSorter(dir, p.sortMemory/errorSortShare, p.fanIn, order{}),
			newSorter(dir, p.sortMemory/errorSortShare, p.fanIn, order{}))
	}
	j.users = newSorter(dir, p.sortMemory, p.fanIn, order{unique: true})
	j.errs = newSorter(dir, p.sortMemory/errorSortShare, p.fanIn, order{})
	j.sink = newSink(ctx, &p.enc, j.users, j.errs)
	j.users.keep = j.sink.current
	return j, nil
}

// folders are where the export writes: its files and their temporaries.
func (p *plan) folders() []string {
	var dirs []string
	for _, f := range []string{p.output, p.results, p.changes, p.manifest, p.report} {
		if f != "" && !slices.Contains(dirs, filepath.Dir(f)) {
			dirs = append(dirs, filepath.Dir(f))
		}
	}
	return dirs
}

// cleanup removes whatever temporary file remains; after a successful
// export, none does.
func (j *job) cleanup() error {
	var err error
	for _, s := range []*sorter{j.users, j.errs} {
		if s != nil {
			err = errors.Join(err, s.close())
		}
	}
	if j.diff != nil {
		err = errors.Join(err, j.diff.unpaired.close(), j.diff.changes.close())
	}
	for _, f := range []*atomicFile{j.out, j.res, j.chg, j.rep} {
		if f != nil {
			err = errors.Join(err, f.discard())
		}
	}
	return errors.Join(err, j.prev.close())
}

func (j *job) finish(ctx context.Context, draft *Manifest) (Result, error) {
	if err := j.sink.close(); err != nil {
		return Result{}, err
	}
	if err := ctx.Err(); err != nil {
		return Result{}, interrupted(err)
	}
	if j.rep != nil {
		// The snapshot's time: the read is over.
		j.report = newReportFeed(j.p.columns, time.Now().UTC())
	}
	first, failed, err := j.writeResults(ctx)
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
	if err := j.writeChanges(ctx); err != nil {
		return Result{}, err
	}
	if j.diff != nil {
		r.Added, r.Removed, r.Changed = j.diff.counts()
	}
	if err := errors.Join(j.users.close(), j.errs.close()); err != nil {
		return Result{}, err
	}
	r.SHA256 = j.out.checksum()
	if err := j.writeReport(draft, r.SHA256); err != nil {
		return Result{}, err
	}
	man, err := j.writeManifest(draft, r, failed)
	if err != nil {
		return Result{}, err
	}
	// The CSV first: should another file then fail to be published, the
	// main artefact is at least complete and current; the manifest last, so
	// that it never describes a CSV that is not there.
	if err := j.publish(ctx, j.out, j.res, j.chg, j.rep, man); err != nil {
		return Result{}, err
	}
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

// writeResults writes the results file (when there is one) and returns the
// first per-user errors in its order, and the object ids of every user that
// failed (for the next incremental snapshot to read again).
func (j *job) writeResults(ctx context.Context) ([]directory.UserError, []string, error) {
	w := resultsWriter{out: j.res, max: j.p.maxDetailed, escape: j.p.enc.escape, crlf: j.p.enc.crlf, report: j.report}
	if err := j.writeSorted(ctx, j.res, encodeRecord(resultsColumns(), w.crlf), j.errs, w.emit); err != nil {
		return nil, nil, err
	}
	return w.first, slices.Compact(w.failed), nil
}

// writeSorted hands every row of s, in order, to emit and makes f ready to
// publish: the BOM (if asked for) and header first, flushed and synced
// after. f is nil when there is no file, and emit still sees every row.
func (j *job) writeSorted(ctx context.Context, f *atomicFile, header []byte, s *sorter, emit func(e *entry) error) error {
	return j.writeSortedThen(ctx, f, header, s, emit, nil)
}

// writeSortedThen is writeSorted with then run after the last row, before
// the file is made ready.
func (j *job) writeSortedThen(ctx context.Context, f *atomicFile, header []byte, s *sorter, emit func(e *entry) error, then func() error) error {
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
	if then != nil {
		if err := then(); err != nil {
			return err
		}
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
	failed       []string
	report       *reportFeed // nil without a compliance report
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
	if len(f.objectID) > 0 {
		w.failed = append(w.failed, string(f.objectID))
	}
	if w.report != nil {
		w.report.b.UserError(string(f.operation), string(f.code))
	}
	if w.out == nil {
		return nil
	}
	w.row, w.scratch = f.appendRow(w.row[:0], w.scratch, w.escape, w.crlf)
	return w.out.writeAll(w.row)
}
