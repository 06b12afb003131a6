package report

const populationTitle = "Who is in the directory"

func (b *Builder) populationSection() (section, bool) {
	sec := section{ID: "population", Title: populationTitle,
		Intro: "Members and guests, enabled and disabled accounts, where accounts are managed, and the age groups that decide how minors may use the directory."}
	if b.userType >= 0 || b.accountEnabled >= 0 {
		sec.Tables = append(sec.Tables, b.accountsTable())
	}
	if b.synced >= 0 {
		t := b.segmentTable("source", "Where accounts are managed (onPremisesSyncEnabled)", []string{"Source"}, []segRow{
			{"synced", []string{"Synced from on-premises"}, &b.syncedCount[0]},
			{"cloudonly", []string{"Cloud-only"}, &b.syncedCount[1]},
		})
		t.Note = "Synced: onPremisesSyncEnabled is True. Cloud-only: False or not set."
		sec.Tables = append(sec.Tables, t)
	}
	if b.ageGroup.exported() {
		sec.Tables = append(sec.Tables, b.segmentTable("agegroup", "Age group (ageGroup)", []string{"Age group"},
			enumRows(&b.ageGroup, []string{"Minor", "Not adult", "Adult"}, "Not set")))
	}
	switch {
	case b.ageGroup.exported() && b.consent.exported():
		sec.Tables = append(sec.Tables, b.minorConsentTable())
	case b.consent.exported():
		sec.Tables = append(sec.Tables, b.segmentTable("consent", "Consent provided for minors (consentProvidedForMinor)", []string{"Consent"},
			enumRows(&b.consent, consentLabels(), "Not set")))
	}
	if b.legal.exported() {
		t := b.segmentTable("legalage", "Legal age group (legalAgeGroupClassification)", []string{"Classification"},
			enumRows(&b.legal, []string{"Minor without parental consent", "Minor with parental consent", "Minor, no parental consent required", "Not adult", "Adult"}, "Not set"))
		t.Note = "Graph computes this from ageGroup, consentProvidedForMinor and the country; values are compared ignoring case."
		sec.Tables = append(sec.Tables, t)
	}
	return sec, len(sec.Tables) > 0
}

func consentLabels() []string { return []string{"Granted", "Denied", "Not required"} }

// accountsTable is the directory's population: user types by state.
func (b *Builder) accountsTable() table {
	t := table{ID: "accounts", Caption: "Accounts by user type and state (userType, accountEnabled)", Heads: []string{"User type"}}
	t.Columns = append(t.Columns, valueColumn{Key: "all", Label: "All", Total: true})
	ss := b.statesShown()
	for _, s := range ss {
		key, label := stateNames(s)
		t.Columns = append(t.Columns, valueColumn{Key: key, Label: upperFirst(label), Class: "seg-" + key})
	}
	kindRows := b.kindsShown()
	if kindRows == nil {
		t.addRow("all", []string{"All users"}, b.stateValues(b.allSet(), ss)...)
	}
	for _, k := range kindRows {
		key, label := kindNames(k)
		t.addRow(key, []string{label}, b.stateValues(b.kindSet(k), ss)...)
	}
	t.Chart = newChart(&t)
	return t
}

// stateValues are the users of set, then of set in each state.
func (b *Builder) stateValues(set []segment, ss []int) []int {
	values := []int{b.all.sum(set)}
	for _, s := range ss {
		n := 0
		for _, seg := range set {
			if int(seg)%states == s {
				n += b.all[seg]
			}
		}
		values = append(values, n)
	}
	return values
}

// minorConsentTable crosses ageGroup with consentProvidedForMinor.
func (b *Builder) minorConsentTable() table {
	t := table{ID: "minorconsent", Caption: "Consent provided for minors, by age group (ageGroup, consentProvidedForMinor)", Heads: []string{"Age group"}}
	t.Columns = append(t.Columns, valueColumn{Key: "all", Label: "All", Total: true})
	labels := append(consentLabels(), "Not set", "Other value")
	keys := append(append([]string{}, b.consent.values...), "notset", "other")
	var cols []int
	for c := range keys {
		if c != b.consent.other() || b.consent.counts[c].total() > 0 {
			cols = append(cols, c)
			t.Columns = append(t.Columns, valueColumn{Key: keys[c], Label: labels[c], Class: "part-" + keys[c]})
		}
	}
	ageLabels := []string{"Minor", "Not adult", "Adult", "Not set", "Other value"}
	ageKeys := append(append([]string{}, b.ageGroup.values...), "notset", "other")
	for a := range ageKeys {
		if a == b.ageGroup.other() && b.ageGroup.counts[a].total() == 0 {
			continue
		}
		values := []int{0}
		for _, c := range cols {
			values = append(values, b.minorConsent[a][c])
			values[0] += b.minorConsent[a][c]
		}
		t.addRow(ageKeys[a], []string{ageLabels[a]}, values...)
	}
	t.Note = "Consent matters for users whose age group is Minor or Not adult."
	t.Chart = newChart(&t)
	return t
}
