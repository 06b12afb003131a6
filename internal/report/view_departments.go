package report

const (
	departmentTitle = "Departments"
	// departmentRows is how many departments the table lists by name; the
	// rest are one row, so that a tenant of 3,000 departments still prints on
	// a page or two.
	departmentRows = 25
)

func (b *Builder) departmentSection() (section, bool) {
	if b.department < 0 {
		return section{}, false
	}
	sec := section{ID: "departments", Title: departmentTitle,
		Intro: "Users per department (the department column), the largest first; names are as the CSV holds them."}
	d := b.departments
	ranked := d.ranked()
	var rows []segRow
	var rest bySegment
	restNames := 0
	for i, pos := range ranked {
		if i < departmentRows {
			rows = append(rows, segRow{"dept:" + clean(d.names[pos]), []string{clean(d.names[pos])}, &d.counts[pos]})
			continue
		}
		restNames++
		for s, n := range d.counts[pos] {
			rest[s] += n
		}
	}
	for s, n := range d.overflow {
		rest[s] += n
	}
	if rest.total() > 0 {
		rows = append(rows, segRow{"other", []string{"Other departments"}, &rest})
	}
	rows = append(rows, segRow{"none", []string{"No department"}, &b.noDepartment})
	sec.Tables = append(sec.Tables, b.segmentTable("departments", "Users by department", []string{"Department"}, rows))
	sec.Facts = []figure{
		{Metric: "departments/distinct", Label: "Departments", Value: len(d.names)},
		{Metric: "departments/listed", Label: "Listed by name", Value: min(len(d.names), departmentRows)},
		{Metric: "departments/grouped", Label: "Grouped as other departments", Value: restNames},
	}
	if d.overflow.total() > 0 {
		sec.Notes = append(sec.Notes, "The directory has more distinct departments than the report keeps (5,000): the users of the departments beyond them count under Other departments, and the count of departments is a lower bound.")
	}
	if d.cutNames {
		sec.Notes = append(sec.Notes, "Departments longer than 256 bytes are shown cut, ending in …, and counted together with the others that begin the same way.")
	}
	return sec, true
}
