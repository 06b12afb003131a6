package report

const strongAuthTitle = "Strong authentication"

func (b *Builder) strongAuthSection() (section, bool) {
	sec := section{ID: "strongauth", Title: strongAuthTitle,
		Intro: "Who can sign in with more than a password: the registration details Graph reports for each user, the methods they registered, and the phones and email the authentication methods API holds."}
	if t, ok := b.mfaTable(); ok {
		sec.Tables = append(sec.Tables, t)
	}
	if b.methods >= 0 {
		sec.Tables = append(sec.Tables, b.methodsTable())
	}
	if b.contactRead() {
		sec.Tables = append(sec.Tables, b.contactTable())
	}
	return sec, len(sec.Tables) > 0
}

// mfaTable has a yes and a no row for each registration-details flag
// exported, and a row for users Graph reported nothing for when there are
// any.
func (b *Builder) mfaTable() (table, bool) {
	labels := [...]string{"MFA registered", "MFA capable", "Passwordless capable"}
	names := mfaColumns()
	var rows []segRow
	for i := range b.mfa {
		e := &b.mfa[i]
		if !e.exported() {
			continue
		}
		rows = append(rows,
			segRow{names[i] + "-yes", []string{labels[i], "yes"}, &e.counts[0]},
			segRow{names[i] + "-no", []string{labels[i], "no"}, &e.counts[1]})
		if e.counts[e.notSet()].total() > 0 {
			rows = append(rows, segRow{names[i] + "-notset", []string{labels[i], "not reported"}, &e.counts[e.notSet()]})
		}
		if e.counts[e.other()].total() > 0 {
			rows = append(rows, segRow{names[i] + "-other", []string{labels[i], "other value"}, &e.counts[e.other()]})
		}
	}
	if rows == nil {
		return table{}, false
	}
	t := b.segmentTable("mfa", "Registration details (isMfaRegistered, isMfaCapable, isPasswordlessCapable)", []string{"Flag", "Value"}, rows)
	t.Note = "MFA capable: registered a strong method that the tenant's policy allows. A user not MFA capable can sign in with a password alone wherever Conditional Access does not require more."
	return t, true
}

func (b *Builder) methodsTable() table {
	m := b.method
	var rows []segRow
	for _, pos := range m.ranked() {
		rows = append(rows, segRow{"method:" + clean(m.names[pos]), []string{clean(m.names[pos])}, &m.counts[pos]})
	}
	if m.overflow.total() > 0 {
		rows = append(rows, segRow{"other", []string{"Other methods"}, &m.overflow})
	}
	rows = append(rows, segRow{"none", []string{"No method registered"}, &b.noMethod})
	t := b.segmentTable("methods", "Methods registered (methodsRegistered)", []string{"Method"}, rows)
	t.Note = "A user with several methods counts in the row of each."
	return t
}

func (b *Builder) contactTable() table {
	labels := [...]string{"Authentication phone", "Alternative authentication phone", "Authentication email"}
	keys := contactColumns()
	var rows []segRow
	for i, col := range b.contact {
		if col >= 0 {
			rows = append(rows, segRow{keys[i], []string{labels[i]}, &b.contactCount[i]})
		}
	}
	rows = append(rows, segRow{"none", []string{"None of these"}, &b.contactCount[contactNone]})
	t := b.segmentTable("contact", "Authentication phones and email", []string{"Method"}, rows)
	t.Note = "From the authentication methods API. A user counts in the row of each method they have; None of these counts users with none of the columns exported."
	return t
}
