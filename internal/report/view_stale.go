package report

const staleTitle = "Stale accounts"

func (b *Builder) staleSection() (section, bool) {
	sec := section{ID: "stale", Title: staleTitle,
		Intro: "How long ago each user last signed in, measured from the snapshot's time (" + b.asOf.Format("2006-01-02 15:04 UTC") + "). An enabled account nobody uses is one an attacker can."}
	captions := [...]string{"Last sign-in (lastSignInDateTime)", "Last successful sign-in (lastSuccessfulSignInDateTime)"}
	ids := [...]string{"lastsignin", "lastsuccess"}
	notes := [...]string{
		"The last interactive sign-in attempt, successful or not: a user who signs in only non-interactively can look stale here.",
		"The last successful sign-in, interactive or not.",
	}
	for i := range b.signIns {
		si := &b.signIns[i]
		if !si.exported() {
			continue
		}
		t := b.segmentTable(ids[i], captions[i], []string{"Last sign-in"}, b.ageRows(si))
		t.Note = notes[i]
		sec.Tables = append(sec.Tables, t)
	}
	if b.signIns[1].col < 0 && b.signIns[1].jsonCol >= 0 && !b.signIns[1].seen {
		sec.Notes = append(sec.Notes, "No user's signInActivity holds lastSuccessfulSignInDateTime, so the report has no table for it.")
	}
	return sec, len(sec.Tables) > 0
}

func (b *Builder) ageRows(si *signIns) []segRow {
	rows := []segRow{
		{"recent", []string{"Within 30 days"}, &si.counts[recent]},
		{"over30", []string{"Over 30, up to 90 days ago"}, &si.counts[over30]},
		{"over90", []string{"Over 90, up to 365 days ago"}, &si.counts[over90]},
		{"over365", []string{"Over 365 days ago"}, &si.counts[over365]},
	}
	if b.created >= 0 {
		rows = append(rows,
			segRow{"never", []string{"Never, created over 30 days ago or on an unknown date"}, &si.counts[never]},
			segRow{"nevernew", []string{"Never, created within 30 days"}, &si.counts[neverNew]})
	} else {
		rows = append(rows, segRow{"never", []string{"Never"}, &si.counts[never]})
	}
	if si.counts[unreadable].total() > 0 {
		rows = append(rows, segRow{"unreadable", []string{"Date not readable"}, &si.counts[unreadable]})
	}
	return rows
}
