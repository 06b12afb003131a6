package export

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/report"
)

// The compliance report is the snapshot's rows seen as a reviewer would
// look at them: counts computed from the rows as the final merge writes
// them (no second pass over the file, memory that does not grow with the
// directory), rendered as one self-contained HTML page once the CSV is
// complete.

// rowOutput is one consumer of the final merge: every row of the CSV, in
// order, as written (line ending included).
type rowOutput interface {
	row(rec []byte) error
}

// reportFeed hands the rows' cells to the report's builder.
type reportFeed struct {
	b     *report.Builder
	split fieldSplitter
}

func newReportFeed(columns []string, asOf time.Time) *reportFeed {
	return &reportFeed{b: report.NewBuilder(columns, asOf)}
}

func (f *reportFeed) row(rec []byte) error {
	fields, err := f.split.split(rec)
	if err != nil {
		return fmt.Errorf("reading back a row for the report: %w", err)
	}
	f.b.Row(fields)
	return nil
}

// writeReport renders the report of the finished snapshot into its
// temporary file, ready to publish.
func (j *job) writeReport(draft *Manifest, sha string) error {
	if j.rep == nil {
		return nil
	}
	s := report.Snapshot{
		TenantID:  draft.TenantID,
		Cloud:     draft.Cloud,
		Selection: selectionText(draft.Selection),
		SHA256:    sha,
	}
	if err := j.report.b.Render(j.rep.w, s); err != nil {
		return fmt.Errorf("writing the report %q: %w", j.p.report, err)
	}
	return j.rep.prepare()
}

// selectionText names the selection for the report's header.
func selectionText(s Selection) string {
	switch {
	case len(s.UserPrincipalNames)+len(s.ObjectIDs) > 0:
		return strconv.Itoa(len(s.UserPrincipalNames)+len(s.ObjectIDs)) + " listed users"
	case s.Filter != "" && s.Search != "":
		return "filter: " + s.Filter + "; search: " + s.Search
	case s.Filter != "":
		return "filter: " + s.Filter
	case s.Search != "":
		return "search: " + s.Search
	}
	return "all users"
}
