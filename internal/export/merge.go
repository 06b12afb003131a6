package export

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// writeUsers writes the CSV in one merge pass over the sorted rows: the
// read's (in an incremental snapshot, the changed users'), interleaved with
// the previous snapshot's unchanged rows when the snapshot is incremental.
// The changes report is worked out on the way, against the previous
// snapshot's rows. It returns the rows written.
func (j *job) writeUsers(ctx context.Context) (int, error) {
	m := merger{j: j, incremental: j.mode == ModeIncremental, prev: j.prev, diff: j.diff}
	if j.report != nil {
		m.outputs = append(m.outputs, j.report)
	}
	err := j.writeSortedThen(ctx, j.out, j.p.enc.header(), j.users, m.row, func() error { return m.previousUpTo(nil, nil) })
	return m.rows, err
}

// merger is the state of the final merge.
type merger struct {
	j           *job
	incremental bool
	prev        *snapshot   // nil when there is no previous snapshot to read
	diff        *differ     // nil without a changes report
	outputs     []rowOutput // what else sees each row: the report's counts
	rows        int
}

// row takes the next row of the sorter.
func (m *merger) row(e *entry) error {
	key, id, rec := e.key(), e.id(), e.payload()
	if err := m.previousUpTo(key, id); err != nil {
		return err
	}
	paired := false
	if m.prev != nil && m.prev.ok && m.prev.cmp(key, id) == 0 {
		// The same user under the same name in both snapshots. In an
		// incremental one, the sorter holds only changed users: the
		// previous row gives way.
		paired = true
		if m.diff != nil {
			if err := m.diff.same(key, m.prev.rec, rec); err != nil {
				return err
			}
		}
		if err := m.prev.advance(); err != nil {
			return err
		}
	}
	if m.diff != nil && !paired {
		if err := m.diff.new(key, id, rec); err != nil {
			return err
		}
	}
	return m.write(rec)
}

// previousUpTo passes the previous snapshot's rows that sort before (key,
// id), or all that remain when key is nil.
func (m *merger) previousUpTo(key, id []byte) error {
	for m.prev != nil && m.prev.ok && (key == nil || m.prev.cmp(key, id) < 0) {
		if err := m.previousRow(); err != nil {
			return err
		}
		if err := m.prev.advance(); err != nil {
			return err
		}
	}
	return nil
}

// previousRow handles a row of the previous snapshot that the sorter has no
// row for under the same name: in an incremental snapshot it is copied as
// it is, unless its user changed (then it waits for the user's new row,
// which is elsewhere or nowhere); otherwise the user is gone or renamed.
func (m *merger) previousRow() error {
	p := m.prev
	if m.incremental && !m.j.sink.isReplaced(p.id) {
		return m.write(p.rec)
	}
	if m.diff == nil {
		return nil
	}
	return m.diff.old(p.key, p.id, p.rec)
}

func (m *merger) write(rec []byte) error {
	m.rows++
	if err := m.j.out.writeAll(rec); err != nil {
		return err
	}
	for _, o := range m.outputs {
		if err := o.row(rec); err != nil {
			return err
		}
	}
	return nil
}

// writeChanges writes the changes report, when there is one.
func (j *job) writeChanges(ctx context.Context) error {
	if j.diff == nil {
		return nil
	}
	if err := j.diff.finish(ctx); err != nil {
		return err
	}
	return j.writeSorted(ctx, j.chg, encodeRecord(changesColumns(), j.p.enc.crlf), j.diff.changes, func(e *entry) error {
		return j.chg.writeAll(e.payload())
	})
}

// previousSnapshot is the snapshot the manifest describes, checked: its
// manifest matches this export, and its CSV is still the one it describes.
type previousSnapshot struct {
	m    *Manifest
	path string
}

// open starts reading its CSV.
func (s *previousSnapshot) open(header []byte, upn, oid int) (*snapshot, error) {
	return openSnapshot(s.m, s.path, header, upn, oid)
}

// previous finds the snapshot this one builds on or compares with, or says
// why there is none to use ("" when there is no manifest at all: a first
// snapshot, or none asked for).
func (p *plan) previous(q directory.Query) (*previousSnapshot, string) {
	if p.manifest == "" || (!p.incremental && p.changes == "") {
		return nil, ""
	}
	m, err := readManifest(p.manifest)
	switch {
	case err != nil:
		return nil, err.Error()
	case m == nil:
		return nil, ""
	}
	if why := m.mismatch(manifestDraft(p, q, time.Time{}, "", nil, "")); why != "" {
		return nil, "the previous snapshot does not match this one: " + why
	}
	if _, err := os.Stat(p.output); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Sprintf("the previous CSV %q is gone", p.output)
	}
	sum, err := fileSHA256(p.output)
	if err != nil {
		return nil, err.Error()
	}
	if sum != m.SHA256 {
		return nil, fmt.Sprintf("the CSV %q is no longer the file its manifest describes (its bytes changed)", p.output)
	}
	return &previousSnapshot{m: m, path: p.output}, ""
}

// choose decides how the snapshot is taken; why is the reason there is no
// previous snapshot to build on, if any.
func (p *plan) choose(src Source, q directory.Query, prev *previousSnapshot, why string) choice {
	full := choice{mode: ModeFull}
	if !p.incremental {
		return full
	}
	if _, ok := src.(Tracker); !ok {
		full.because = "the source cannot follow the directory's change log"
		return full
	}
	if q.Explicit() {
		full.because = "users named one by one are read in full each time"
		return full
	}
	if col := p.untracked(); col != "" {
		full.because = fmt.Sprintf("the column %s is not in the directory's change log, so every user was read again", col)
		return full
	}
	if prev == nil {
		if why == "" {
			full.because = "there is no previous snapshot yet"
			return full
		}
		full.because, full.fellBack = why+", so the directory was listed again", true
		return full
	}
	if prev.m.DeltaLink == "" {
		full.because, full.fellBack = "the previous snapshot has no link to the directory's change log, so the directory was listed again", true
		return full
	}
	return choice{mode: ModeIncremental}
}

// untracked names a column whose values the change log does not cover, so
// that only listing every user again keeps the snapshot exact: the
// authentication methods unless the configuration accepts them stale.
func (p *plan) untracked() string {
	for _, c := range p.enc.cols {
		switch {
		case c.needsAuthMethods() && p.refresh == RefreshAll:
			return c.name + " (with auth_methods_refresh \"all\")"
		case c.untracked && !c.needsAuthMethods():
			return c.name
		}
	}
	return ""
}

// manifestDraft is the manifest of this snapshot as far as it is known
// before the files are written.
func manifestDraft(p *plan, q directory.Query, started time.Time, link string, prev *previousSnapshot, mode Mode) *Manifest {
	crlf := LF
	if p.enc.crlf {
		crlf = CRLF
	}
	m := &Manifest{
		Version:         manifestVersion,
		ProviderVersion: p.provenance.ProviderVersion,
		TenantID:        p.provenance.TenantID,
		Cloud:           p.provenance.Cloud,
		ClientID:        p.provenance.ClientID,
		Columns:         p.columns,
		Selection:       Selection{Filter: q.Filter, Search: q.Search, UserPrincipalNames: q.UserPrincipalNames, ObjectIDs: q.ObjectIDs},
		EscapeFormulas:  p.enc.escape,
		LineEnding:      string(crlf),
		ByteOrderMark:   p.bom,
		Mode:            mode,
		StartedAt:       started,
		DeltaLink:       link,
	}
	if prev != nil && mode == ModeIncremental {
		m.QuotedIDs = prev.m.QuotedIDs
	}
	return m
}

// writeManifest completes the draft with the outcome and prepares it for
// publishing; nil when there is no manifest.
func (j *job) writeManifest(m *Manifest, r Result, failed []string) (*atomicFile, error) {
	if j.p.manifest == "" {
		return nil, nil
	}
	m.FinishedAt = time.Now().UTC()
	m.Users, m.Errors, m.SHA256 = r.Users, r.Errors, r.SHA256
	if j.res != nil {
		m.ResultsSHA256 = j.res.checksum()
	}
	m.FailedIDs = failed
	m.QuotedIDs = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(m.QuotedIDs), j.sink.quotedIDs()...))))
	return writeManifest(j.p.manifest, m)
}
