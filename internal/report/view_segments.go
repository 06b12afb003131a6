package report

import "strings"

// segColumn is a column of a segment table: the users of some segments.
type segColumn struct {
	key, group, label string
	set               []segment
}

func kindNames(k int) (key, label string) {
	return [...]string{"member", "guest", "othertype"}[k], [...]string{"Members", "Guests", "Other user types"}[k]
}

func stateNames(s int) (key, label string) {
	return [...]string{"enabled", "disabled", "unknown"}[s], [...]string{"enabled", "disabled", "enabled not set"}[s]
}

// kindsShown are the user types the tables split by: none when userType was
// not exported, and "other" only when some user has it.
func (b *Builder) kindsShown() []int {
	return b.dimension(b.userType, b.kindSet(kindOther), kindMember, kindGuest, kindOther)
}

// statesShown is kindsShown for accountEnabled.
func (b *Builder) statesShown() []int {
	return b.dimension(b.accountEnabled, b.stateSet(stateUnknown), stateEnabled, stateDisabled, stateUnknown)
}

// dimension lists values, the last of which (the users Graph left null or
// gave another value) only when the segments rare hold any user.
func (b *Builder) dimension(col int, rare []segment, values ...int) []int {
	switch {
	case col < 0:
		return nil
	case b.all.sum(rare) > 0:
		return values
	}
	return values[:len(values)-1]
}

func (b *Builder) kindSet(k int) []segment {
	return []segment{segmentOf(k, stateEnabled), segmentOf(k, stateDisabled), segmentOf(k, stateUnknown)}
}

func (b *Builder) stateSet(s int) []segment {
	return []segment{segmentOf(kindMember, s), segmentOf(kindGuest, s), segmentOf(kindOther, s)}
}

// enabledSet is the segments of enabled accounts, or of every account when
// accountEnabled was not exported (nothing says they are disabled).
func (b *Builder) enabledSet() (set []segment, label string) {
	if b.accountEnabled < 0 {
		return b.allSet(), "Accounts"
	}
	return b.stateSet(stateEnabled), "Enabled accounts"
}

func (b *Builder) allSet() []segment {
	set := make([]segment, segments)
	for i := range set {
		set[i] = segment(i)
	}
	return set
}

// segmentColumns are the parts that segment tables split a row into: user
// type crossed with state, or either alone, or none.
func (b *Builder) segmentColumns() []segColumn {
	ks, ss := b.kindsShown(), b.statesShown()
	var cols []segColumn
	switch {
	case ks != nil && ss != nil:
		for _, k := range ks {
			kk, kl := kindNames(k)
			for _, s := range ss {
				sk, sl := stateNames(s)
				cols = append(cols, segColumn{kk + "-" + sk, kl, sl, []segment{segmentOf(k, s)}})
			}
		}
	case ks != nil:
		for _, k := range ks {
			kk, kl := kindNames(k)
			cols = append(cols, segColumn{kk, "", kl, b.kindSet(k)})
		}
	case ss != nil:
		for _, s := range ss {
			sk, sl := stateNames(s)
			cols = append(cols, segColumn{sk, "", upperFirst(sl), b.stateSet(s)})
		}
	}
	return cols
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// segRow is a row of a segment table before it is laid out.
type segRow struct {
	key    string
	labels []string
	counts *bySegment
}

// segmentTable lays rows out as "All" and then the segment columns.
func (b *Builder) segmentTable(id, caption string, heads []string, rows []segRow) table {
	segCols := b.segmentColumns()
	t := table{ID: id, Caption: caption, Heads: heads}
	t.Columns = append(t.Columns, valueColumn{Key: "all", Label: "All", Total: true})
	for _, c := range segCols {
		t.Columns = append(t.Columns, valueColumn{Key: c.key, Group: c.group, Label: c.label, Class: "seg-" + c.key})
	}
	t.groupHeads()
	for _, r := range rows {
		values := []int{r.counts.total()}
		for _, c := range segCols {
			values = append(values, r.counts.sum(c.set))
		}
		t.addRow(r.key, r.labels, values...)
	}
	t.Chart = newChart(&t)
	return t
}

// enumRows are the rows of an enum: its documented values and "not set",
// then "other" when some user has a value Graph does not document.
func enumRows(e *enum, labels []string, notSet string) []segRow {
	var rows []segRow
	for i, v := range e.values {
		rows = append(rows, segRow{key: v, labels: []string{labels[i]}, counts: &e.counts[i]})
	}
	rows = append(rows, segRow{key: "notset", labels: []string{notSet}, counts: &e.counts[e.notSet()]})
	if e.counts[e.other()].total() > 0 {
		rows = append(rows, segRow{key: "other", labels: []string{"Other value"}, counts: &e.counts[e.other()]})
	}
	return rows
}
