package export

// This file is the contract between the export core and its callers (the
// provider) and sources (internal/graph).

import (
	"context"
	"errors"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// Source reads users from the directory and delivers them to a Sink. The
// Graph client (internal/graph.Client) implements it; tests use fakes.
type Source interface {
	Users(ctx context.Context, q directory.Query, sink directory.Sink) error
}

// Tracker is a Source that can follow the directory's change log, which
// incremental snapshots are made of. The Graph client implements it.
type Tracker interface {
	Source

	// UsersTracked reads like Users and returns a link to the change log
	// as of the end of the read ("" when there is none).
	UsersTracked(ctx context.Context, q directory.Query, sink directory.Sink) (string, error)

	// Changes delivers to sink.Replace the users of q changed since link
	// (and those recheck names, changed or not), and returns the link to
	// follow next time. An error wrapping directory.ErrChangeLogExpired
	// says link is too old to follow.
	Changes(ctx context.Context, q directory.Query, link string, recheck []string, sink directory.Sink) (string, error)
}

// Refresh says which users' authentication methods an incremental snapshot
// reads again: the change log does not cover them.
type Refresh string

// Refreshes.
const (
	RefreshAll     Refresh = "all"     // every user's: the snapshot lists the directory again
	RefreshChanged Refresh = "changed" // the created and changed users' only; the others' may be stale
)

// LineEnding is the row terminator of the CSV.
type LineEnding string

// Line endings.
const (
	LF   LineEnding = "lf"
	CRLF LineEnding = "crlf"
)

// Options configure one export. The zero value of each field is its default,
// except Columns (nil = DefaultColumns) and EscapeFormulas (callers set it).
type Options struct {
	OutputPath  string // CSV to write (atomically, mode 0600)
	ResultsPath string // per-user errors CSV; "" = none

	Columns        []string // column names; nil means DefaultColumns()
	EscapeFormulas bool
	LineEnding     LineEnding // "" = LF
	ByteOrderMark  bool       // write a UTF-8 BOM first

	// FailOnUserErrors makes per-user errors fail the export: the results
	// file is still written, the CSV is not.
	FailOnUserErrors bool

	// SortMemory bounds the bytes of encoded rows held in memory before a
	// sorted run is spilled to a temporary file next to OutputPath.
	// 0 = the package default (DefaultSortMemory).
	SortMemory int64

	// MaxDetailedErrors is how many per-user errors Result keeps in detail.
	// 0 = 10.
	MaxDetailedErrors int

	// ManifestPath is where the snapshot's manifest (JSON evidence: what,
	// from where, when, checksums, the change-log link) is written, and the
	// previous one read. "" = none, unless Incremental: then OutputPath
	// plus ".manifest.json".
	ManifestPath string

	// ChangesPath is where the changes since the previous snapshot (the
	// one ManifestPath describes) are written as CSV; "" = none.
	ChangesPath string

	// ReportPath is where the compliance report of the snapshot is written:
	// one self-contained HTML page; "" = none.
	ReportPath string

	// Incremental builds the snapshot from the previous one and the
	// directory's change log, when the previous one allows it (same
	// tenant, columns, selection, encoding, and a CSV still as written).
	Incremental bool

	// AuthMethodsRefresh applies to incremental snapshots with
	// authentication-method columns; "" = RefreshAll.
	AuthMethodsRefresh Refresh

	// Provenance is recorded in the manifest.
	Provenance Provenance
}

// Result describes a finished export.
type Result struct {
	Users  int    // rows written (header excluded)
	Errors int    // per-user errors
	SHA256 string // hex SHA-256 of the CSV's bytes, computed while writing

	// FirstErrors holds the first MaxDetailedErrors per-user errors in the
	// order of the results file.
	FirstErrors []directory.UserError

	// Mode says how the snapshot was taken. FullBecause says why a
	// snapshot asked to be incremental listed the whole selection ("" when
	// it did not, or was not asked to); FellBack is set when that was not
	// the configuration's choice but a fallback (no usable previous
	// snapshot, or a change log Graph no longer knows), worth a warning.
	Mode        Mode
	FullBecause string
	FellBack    bool

	// Added, Removed and Changed count the users in the changes report
	// (set only when there is one).
	Added, Removed, Changed int

	// DeltaLink is the change log as of the end of the snapshot ("" when
	// the source has none).
	DeltaLink string

	// Warnings are things the caller should tell the user: a snapshot that
	// could not be incremental, a changes report with nothing to compare.
	Warnings []string

	// RemovedTemporaries are the temporary files of earlier exports into
	// the same folders that were killed before their clean-up (they hold
	// personal data), which this export removed before it began. Files of
	// exports still running, here or in another process, are left alone.
	RemovedTemporaries []string
}

// ErrUserErrors is returned (wrapped, with the count) when FailOnUserErrors
// is set and at least one per-user error occurred.
var ErrUserErrors = errors.New("per-user errors occurred")

// Run reads the users selected by q from src and writes the CSV (and the
// results file) as Options say. Run fills in q.Select and q.AuthMethods from
// the columns; callers set only the user selection (Filter, Search, lists).
//
// On any error or cancellation the previous files are untouched and no
// temporary file remains (and one that a killed export left behind is
// removed by the next export into the folder), with one limit: the CSV and the results file are
// renamed into place one after the other, the CSV first, which no file
// system offers as one atomic step. Should the second rename (or syncing the
// folder after either) fail, the CSV has already been replaced, and the
// error says so and names the file left as it was.
//
// The options, paths and columns are checked before src is called. src may
// deliver from many goroutines at once and in any order; the CSV's rows are
// in the CSV contract's order whatever it does, and a user delivered twice
// fails the export (ErrDuplicateUser).
func Run(ctx context.Context, src Source, q directory.Query, opts Options) (Result, error) {
	p, err := newPlan(opts)
	if err != nil {
		return Result{}, err
	}
	return p.run(ctx, src, q)
}
