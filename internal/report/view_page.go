package report

import "time"

// view builds the whole page.
func (b *Builder) view(s Snapshot) page {
	p := page{
		Title: "Directory report " + clean(s.TenantID) + " " + b.asOf.Format(time.DateOnly),
		Header: header{
			TenantID: clean(s.TenantID), Cloud: clean(s.Cloud), Selection: clean(s.Selection), SHA256: clean(s.SHA256),
			AsOf: b.asOf.Format("2006-01-02 15:04:05 UTC"), AsOfISO: b.asOf.Format(time.RFC3339),
			Columns: cleanAll(b.columns), Rows: b.rows, Errors: b.errors,
		},
		Figures: b.figures(),
	}
	for _, spec := range b.sectionSpecs() {
		if sec, ok := spec.build(); ok {
			p.Sections = append(p.Sections, sec)
		} else {
			p.Missing = append(p.Missing, missing{Title: spec.title, Columns: spec.wants})
		}
	}
	p.Sections = append(p.Sections, b.errorSection())
	return p
}

// sectionSpec is a section that needs some columns: build reports false
// when the export has none of wants.
type sectionSpec struct {
	title string
	wants []string
	build func() (section, bool)
}

func (b *Builder) sectionSpecs() []sectionSpec {
	return []sectionSpec{
		{populationTitle, []string{"userType", "accountEnabled", "onPremisesSyncEnabled", "ageGroup", "consentProvidedForMinor", "legalAgeGroupClassification"}, b.populationSection},
		{departmentTitle, []string{"department"}, b.departmentSection},
		{strongAuthTitle, strongAuthColumns(), b.strongAuthSection},
		{staleTitle, []string{"signInActivity/lastSignInDateTime", "signInActivity/lastSuccessfulSignInDateTime", "signInActivity"}, b.staleSection},
	}
}

// figures are the headline numbers: each answers one reviewer's question,
// when the export's columns allow it.
func (b *Builder) figures() []figure {
	fig := func(id, label string, n int) figure {
		return figure{Metric: "key/" + id, Label: label, Value: n, Share: share(n, b.rows)}
	}
	figs := []figure{fig("users", "Users", b.rows)}
	if b.userType >= 0 {
		figs = append(figs, fig("members", "Members", b.all.sum(b.kindSet(kindMember))), fig("guests", "Guests", b.all.sum(b.kindSet(kindGuest))))
	}
	if b.accountEnabled >= 0 {
		figs = append(figs, fig("enabled", "Enabled", b.all.sum(b.stateSet(stateEnabled))), fig("disabled", "Disabled", b.all.sum(b.stateSet(stateDisabled))))
	}
	if b.synced >= 0 {
		figs = append(figs, fig("synced", "Synced from on-premises", b.syncedCount[0].total()), fig("cloudonly", "Cloud-only", b.syncedCount[1].total()))
	}
	if b.legal.exported() {
		figs = append(figs, fig("minors-without-consent", "Minors without parental consent", b.legal.counts[0].total()))
	}
	enabled, who := b.enabledSet()
	switch capable, registered := &b.mfa[1], &b.mfa[0]; {
	case capable.exported():
		figs = append(figs, fig("not-mfa-capable", who+" not MFA capable", capable.counts[1].sum(enabled)))
	case registered.exported():
		figs = append(figs, fig("not-mfa-registered", who+" not MFA registered", registered.counts[1].sum(enabled)))
	}
	if b.contactRead() {
		figs = append(figs, fig("no-auth-contact", who+" with no authentication phone or email", b.contactCount[contactNone].sum(enabled)))
	}
	if si := &b.signIns[0]; si.exported() {
		figs = append(figs,
			fig("stale-90", who+" with no sign-in for over 90 days", si.counts[over90].sum(enabled)+si.counts[over365].sum(enabled)),
			fig("never-signed-in", who+" that never signed in", si.counts[never].sum(enabled)+si.counts[neverNew].sum(enabled)))
	}
	// Errors are not a share of the rows: a listed user who does not exist
	// is an error and no row.
	return append(figs, figure{Metric: "key/errors", Label: "Per-user errors", Value: b.errors})
}

func strongAuthColumns() []string {
	mfa, contact := mfaColumns(), contactColumns()
	return append(append(mfa[:], "methodsRegistered"), contact[:]...)
}

func (b *Builder) contactRead() bool {
	for _, c := range b.contact {
		if c >= 0 {
			return true
		}
	}
	return false
}
