package report

import (
	"bytes"
	"slices"
	"time"
)

// Caps on what the report keeps of free text from the directory: beyond
// them, users still count, in an "other" row.
const (
	maxDepartments   = 5000 // distinct departments; tenants seldom have 1,000
	departmentMaxLen = 256  // bytes; Graph allows 64 characters
	maxMethods       = 64   // distinct method names; Graph documents about 15
	methodMaxLen     = 128
	maxErrorKinds    = 100 // distinct operation and code pairs
)

// Builder accumulates the report's counts from the rows of one export, one
// row at a time, in memory that does not grow with the number of rows. It is
// not safe for concurrent use: the export feeds it from the goroutine that
// writes the CSV.
type Builder struct {
	columns []string
	asOf    time.Time

	rows, errors int

	userType, accountEnabled int // column indices, -1 when not exported
	all                      bySegment

	synced      int
	syncedCount [2]bySegment // synced, cloud-only

	ageGroup, consent, legal enum
	minorConsent             [5][5]int // ageGroup x consent positions: 3 documented values each, not set, other

	department   int
	departments  *tally
	noDepartment bySegment

	mfa [3]enum // isMfaRegistered, isMfaCapable, isPasswordlessCapable

	methods  int
	method   *tally
	noMethod bySegment

	contact      [3]int                     // authenticationPhoneNumber, ...AlternativePhoneNumber, authenticationEmail
	contactCount [contactNone + 1]bySegment // then the users with none

	created int
	signIns [2]signIns // last sign-in, last successful sign-in

	errs        map[errorKind]int
	errOverflow int
}

type errorKind struct{ operation, code string }

// contactColumns are the authentication methods' phone and email columns:
// the contact table has a row for each, and one for users with none
// (contactNone).
func contactColumns() [3]string {
	return [...]string{"authenticationPhoneNumber", "authenticationAlternativePhoneNumber", "authenticationEmail"}
}

const contactNone = 3

// mfaColumns are the registration details' flags of strong authentication.
func mfaColumns() [3]string {
	return [...]string{"isMfaRegistered", "isMfaCapable", "isPasswordlessCapable"}
}

// NewBuilder returns a Builder for rows with these columns (the CSV's header).
// asOf is the snapshot's time: the end of the directory's listing, from which
// the ages of sign-ins and accounts are measured.
func NewBuilder(columns []string, asOf time.Time) *Builder {
	cols := make(map[string]int, len(columns))
	for i, c := range columns {
		if _, dup := cols[c]; !dup {
			cols[c] = i
		}
	}
	b := &Builder{
		columns:        slices.Clone(columns),
		asOf:           asOf.UTC(),
		userType:       column(cols, "userType"),
		accountEnabled: column(cols, "accountEnabled"),
		synced:         column(cols, "onPremisesSyncEnabled"),
		ageGroup:       newEnum(column(cols, "ageGroup"), "Minor", "NotAdult", "Adult"),
		consent:        newEnum(column(cols, "consentProvidedForMinor"), "Granted", "Denied", "NotRequired"),
		legal: newEnum(column(cols, "legalAgeGroupClassification"),
			"MinorWithOutParentalConsent", "MinorWithParentalConsent", "MinorNoParentalConsentRequired", "NotAdult", "Adult"),
		department:  column(cols, "department"),
		departments: newTally(maxDepartments, departmentMaxLen),
		methods:     column(cols, "methodsRegistered"),
		method:      newTally(maxMethods, methodMaxLen),
		created:     column(cols, "createdDateTime"),
		signIns: [2]signIns{
			newSignIns(cols, "lastSignInDateTime", false),
			newSignIns(cols, "lastSuccessfulSignInDateTime", true),
		},
		errs: make(map[errorKind]int),
	}
	for i, name := range mfaColumns() {
		b.mfa[i] = newEnum(column(cols, name), "True", "False")
	}
	for i, name := range contactColumns() {
		b.contact[i] = column(cols, name)
	}
	return b
}

func column(cols map[string]int, name string) int {
	if i, ok := cols[name]; ok {
		return i
	}
	return -1
}

// Row counts one user. It implements Feed.
func (b *Builder) Row(cells [][]byte) {
	b.rows++
	s := segmentOf(kindOf(cell(cells, b.userType)), stateOf(cell(cells, b.accountEnabled)))
	b.all[s]++
	b.addPopulation(cells, s)
	if b.department >= 0 {
		if v := cell(cells, b.department); len(v) > 0 {
			b.departments.add(v, s)
		} else {
			b.noDepartment[s]++
		}
	}
	b.addStrongAuth(cells, s)
	created := cell(cells, b.created)
	for i := range b.signIns {
		b.signIns[i].add(cells, s, b.asOf, created)
	}
}

func (b *Builder) addPopulation(cells [][]byte, s segment) {
	if b.synced >= 0 {
		if equalFold(cell(cells, b.synced), "True") {
			b.syncedCount[0][s]++
		} else {
			b.syncedCount[1][s]++
		}
	}
	b.ageGroup.add(cells, s)
	b.consent.add(cells, s)
	b.legal.add(cells, s)
	if b.ageGroup.exported() && b.consent.exported() {
		b.minorConsent[b.ageGroup.index(cell(cells, b.ageGroup.col))][b.consent.index(cell(cells, b.consent.col))]++
	}
}

func (b *Builder) addStrongAuth(cells [][]byte, s segment) {
	for i := range b.mfa {
		b.mfa[i].add(cells, s)
	}
	if b.methods >= 0 {
		b.addMethods(cell(cells, b.methods), s)
	}
	read, found := false, false
	for i, col := range b.contact {
		if col < 0 {
			continue
		}
		read = true
		if len(cell(cells, col)) > 0 {
			found = true
			b.contactCount[i][s]++
		}
	}
	if read && !found {
		b.contactCount[contactNone][s]++
	}
}

// addMethods counts the user once for each method named in the ;-joined
// list v, and as having none when it names none.
func (b *Builder) addMethods(v []byte, s segment) {
	counted := false
	for start := 0; start < len(v); {
		end := bytes.IndexByte(v[start:], ';')
		if end < 0 {
			end = len(v)
		} else {
			end += start
		}
		if name := v[start:end]; len(name) > 0 && !listed(v[:start], name) {
			b.method.add(name, s)
			counted = true
		}
		start = end + 1
	}
	if !counted {
		b.noMethod[s]++
	}
}

// listed reports whether the ;-joined list has name among its elements.
func listed(list, name []byte) bool {
	for len(list) > 0 {
		var elem []byte
		if i := bytes.IndexByte(list, ';'); i >= 0 {
			elem, list = list[:i], list[i+1:]
		} else {
			elem, list = list, nil
		}
		if bytes.Equal(elem, name) {
			return true
		}
	}
	return false
}

// UserError counts one per-user error. It implements Feed.
func (b *Builder) UserError(operation, code string) {
	b.errors++
	k := errorKind{operation, code}
	if _, ok := b.errs[k]; ok || len(b.errs) < maxErrorKinds {
		b.errs[k]++
		return
	}
	b.errOverflow++
}
