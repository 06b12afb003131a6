package report

import (
	"cmp"
	"slices"
)

func (b *Builder) errorSection() section {
	sec := section{ID: "errors", Title: "Per-user errors",
		Intro: "Users the export could not read in full, by operation and Graph error code; the results file names each user."}
	if b.errors == 0 {
		sec.Intro = "Every selected user was exported: there were no per-user errors."
		return sec
	}
	kinds := make([]errorKind, 0, len(b.errs))
	for k := range b.errs {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(x, y errorKind) int {
		return cmp.Or(cmp.Compare(b.errs[y], b.errs[x]), cmp.Compare(x.operation, y.operation), cmp.Compare(x.code, y.code))
	})
	t := table{ID: "errors", Caption: "Per-user errors by operation and code", Heads: []string{"Operation", "Code"},
		Columns: []valueColumn{{Key: "count", Label: "Users", Total: true}}}
	for _, k := range kinds {
		op, code := clean(k.operation), clean(k.code)
		if code == "" {
			code = "(none)"
		}
		t.addRow("error:"+op+":"+code, []string{op, code}, b.errs[k])
	}
	if b.errOverflow > 0 {
		t.addRow("other", []string{"Other", "(more kinds than the report keeps)"}, b.errOverflow)
	}
	t.Chart = newChart(&t)
	sec.Tables = []table{t}
	return sec
}
