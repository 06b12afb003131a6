package export

import (
	"errors"
	"fmt"
	"slices"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// Defaults of Options fields whose zero value means "the default".
const (
	// DefaultSortMemory keeps the sort's share of an export's memory small
	// and flat: beyond it rows are spilled to disk in sorted runs, which
	// costs a sequential write and read of the rows, far less than reading
	// them from Graph. The garbage collector lets the heap grow to about
	// twice what is live, so every MiB here costs about two of RSS. Measured
	// on 100,000 26-column users, 4 MiB (some 8,000 rows a run) is no slower
	// than 16 MiB (the sorts are more cache-friendly) and keeps the whole
	// export near 30 MB of RSS at 50,000 and at 500,000 users (about 60 runs,
	// merged in one pass).
	DefaultSortMemory = 4 << 20

	DefaultMaxDetailedErrors = 10
)

// errorSortShare is the fraction of SortMemory the per-user errors get:
// they are usually few, and must not double the budget when they are many.
const errorSortShare = 8

// plan is Options checked and resolved: what one export will do.
type plan struct {
	output, results  string // absolute, clean
	changes          string // "" = no changes report
	manifest         string // "" = no manifest
	report           string // "" = no compliance report
	enc              rowEncoder
	columns          []string
	upn, oid         int // the identity columns; -1 when absent
	bom              bool
	failOnUserErrors bool
	incremental      bool
	refresh          Refresh
	provenance       Provenance
	sortMemory       int64
	maxDetailed      int
	fanIn            int // runs merged at once; tests lower it to force several passes
}

func newPlan(o Options) (*plan, error) {
	cat := newCatalogue()
	names := o.Columns
	if names == nil {
		names = cat.defaults
	}
	if err := cat.validate(names); err != nil {
		return nil, err
	}
	crlf, err := o.LineEnding.isCRLF()
	if err != nil {
		return nil, err
	}
	if o.SortMemory < 0 || o.MaxDetailedErrors < 0 {
		return nil, errors.New("sort memory and the number of detailed errors cannot be negative")
	}
	refresh := o.AuthMethodsRefresh
	switch refresh {
	case "":
		refresh = RefreshAll
	case RefreshAll, RefreshChanged:
	default:
		return nil, fmt.Errorf("unknown authentication methods refresh %q: use %q or %q", string(refresh), RefreshAll, RefreshChanged)
	}
	manifest := o.ManifestPath
	if manifest == "" && o.Incremental {
		manifest = o.OutputPath + ".manifest.json"
	}
	upn, oid, identified := identityColumns(names)
	if (o.Incremental || o.ChangesPath != "") && !identified {
		return nil, errNoIdentity
	}
	p := &plan{
		output:           o.OutputPath,
		results:          o.ResultsPath,
		changes:          o.ChangesPath,
		manifest:         manifest,
		report:           o.ReportPath,
		enc:              rowEncoder{cols: cat.lookup(names), escape: o.EscapeFormulas, crlf: crlf},
		columns:          slices.Clone(names),
		upn:              upn,
		oid:              oid,
		bom:              o.ByteOrderMark,
		failOnUserErrors: o.FailOnUserErrors,
		incremental:      o.Incremental,
		refresh:          refresh,
		provenance:       o.Provenance,
		sortMemory:       orDefault(o.SortMemory, DefaultSortMemory),
		maxDetailed:      orDefault(o.MaxDetailedErrors, DefaultMaxDetailedErrors),
		fanIn:            defaultFanIn,
	}
	if err := resolveTargets(target{"output", &p.output}, target{"results", &p.results},
		target{"changes", &p.changes}, target{"manifest", &p.manifest}, target{"report", &p.report}); err != nil {
		return nil, err
	}
	return p, nil
}

func orDefault[T int | int64](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

func (l LineEnding) isCRLF() (bool, error) {
	switch l {
	case "", LF:
		return false, nil
	case CRLF:
		return true, nil
	}
	return false, fmt.Errorf("unknown line ending %q: use %q or %q", string(l), LF, CRLF)
}

// query is q with what the columns need read: id and userPrincipalName
// always (the rows are sorted by them), then each column's property once,
// in column order; the authentication methods and the registration report
// if a column needs them; the smallest page a selected property allows;
// and the properties the change log is to follow.
func (p *plan) query(q directory.Query) directory.Query {
	q.Select = []string{"id", "userPrincipalName"}
	q.Tracked = []string{"id", "userPrincipalName"}
	q.AuthMethods, q.Registration, q.PageSize = false, false, 0
	for _, c := range p.enc.cols {
		switch c.source {
		case fromAuthMethods:
			q.AuthMethods = true
		case fromRegistration:
			q.Registration = true
		default:
			if !slices.Contains(q.Select, c.property) {
				q.Select = append(q.Select, c.property)
			}
			if !c.untracked && !slices.Contains(q.Tracked, c.property) {
				q.Tracked = append(q.Tracked, c.property)
			}
		}
		if c.pageSize > 0 && (q.PageSize == 0 || c.pageSize < q.PageSize) {
			q.PageSize = c.pageSize
		}
	}
	return q
}
