package report

import (
	"strconv"
	"testing"
	"time"
)

func TestSegments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		userType, enabled string
		want              segment
	}{
		{"Member", "True", segmentOf(kindMember, stateEnabled)},
		{"member", "true", segmentOf(kindMember, stateEnabled)},
		{"GUEST", "False", segmentOf(kindGuest, stateDisabled)},
		{"", "", segmentOf(kindOther, stateUnknown)},
		{"'=Guest", "True", segmentOf(kindOther, stateEnabled)},
		{"Gue\u017ft", "Yes", segmentOf(kindOther, stateUnknown)}, // no Unicode folding
	}
	for _, tt := range tests {
		b := build([]string{"userType", "accountEnabled"}, []string{tt.userType, tt.enabled})
		var want bySegment
		want[tt.want] = 1
		if b.all != want {
			t.Errorf("userType %q, accountEnabled %q: counts %v, want %v", tt.userType, tt.enabled, b.all, want)
		}
	}
}

func TestEnumsIgnoreCase(t *testing.T) {
	t.Parallel()
	b := build([]string{"legalAgeGroupClassification"},
		[]string{"MinorWithOutParentalConsent"}, []string{"minorwithoutparentalconsent"}, []string{"MinorWithoutParentalConsent"},
		[]string{""}, []string{"Unexpected"})
	if got := b.legal.counts[0].total(); got != 3 {
		t.Errorf("minors without consent = %d, want 3", got)
	}
	if b.legal.counts[b.legal.notSet()].total() != 1 || b.legal.counts[b.legal.other()].total() != 1 {
		t.Errorf("not set / other: %v", b.legal.counts)
	}
}

func TestMethods(t *testing.T) {
	t.Parallel()
	b := build([]string{"methodsRegistered"},
		[]string{"fido2;;fido2;email"}, []string{";;"}, []string{""}, []string{"email"}, []string{"fido2x;fido2"})
	got := map[string]int{}
	for i, n := range b.method.names {
		got[n] = b.method.counts[i].total()
	}
	want := map[string]int{"fido2": 2, "email": 2, "fido2x": 1}
	if len(got) != len(want) || got["fido2"] != 2 || got["email"] != 2 || got["fido2x"] != 1 {
		t.Errorf("methods = %v, want %v", got, want)
	}
	if n := b.noMethod.total(); n != 2 {
		t.Errorf("users with no method = %d, want 2", n)
	}
}

func TestContact(t *testing.T) {
	t.Parallel()
	b := build([]string{"authenticationPhoneNumber", "authenticationEmail"},
		[]string{"+1 206 555 0100", "a@example.org"}, []string{"", "a@example.org"}, []string{"", ""})
	got := [contactNone + 1]int{}
	for i := range got {
		got[i] = b.contactCount[i].total()
	}
	if want := [contactNone + 1]int{1, 0, 2, 1}; got != want {
		t.Errorf("contact counts = %v, want %v", got, want)
	}
	if b := build([]string{"userType"}, []string{"Member"}); b.contactCount[contactNone].total() != 0 {
		t.Error("users count as having no contact method when no such column was exported")
	}
}

func TestAgeOf(t *testing.T) {
	t.Parallel()
	at := func(d time.Duration) string { return asOf().Add(-d).Format(time.RFC3339Nano) }
	tests := []struct {
		name, v, created string
		want             int
	}{
		{"now", at(0), "", recent},
		{"30 days", at(30 * day), "", recent},
		{"30 days and a second", at(30*day + time.Second), "", over30},
		{"90 days", at(90 * day), "", over30},
		{"91 days", at(91 * day), "", over90},
		{"365 days", at(365 * day), "", over90},
		{"365 days and a nanosecond", at(365*day + 1), "", over365},
		{"in the future", at(-48 * time.Hour), "", recent},
		{"offset", "2026-01-30T13:00:00+01:00", "", recent}, // 12:00 UTC, 30 days
		{"fraction", "2025-12-01T12:00:00.1234567Z", "", over30},
		{"never", "", "", never},
		{"never, created lately", "", at(10 * day), neverNew},
		{"never, created 31 days ago", "", at(31 * day), never},
		{"never, created unreadable", "", "yesterday", never},
		{"unreadable", "2026-02-30T00:00:00Z", "", unreadable},
		{"not a date", "'=1", "", unreadable},
	}
	for _, tt := range tests {
		if got := ageOf([]byte(tt.v), asOf(), []byte(tt.created)); got != tt.want {
			t.Errorf("%s: ageOf(%q, created %q) = %d, want %d", tt.name, tt.v, tt.created, got, tt.want)
		}
	}
}

func TestSignInSources(t *testing.T) {
	t.Parallel()
	const recentJSON = `{"lastSignInDateTime":"2026-02-28T00:00:00Z","lastSignInRequestId":"r"}`
	tests := []struct {
		name              string
		columns           []string
		row               []string
		last, success     int  // bucket the user lands in, -1 for not shown
		successFromObject bool // the table for the last successful sign-in is shown
	}{
		{"path columns", []string{"signInActivity/lastSignInDateTime", "signInActivity/lastSuccessfulSignInDateTime"},
			[]string{"2026-02-28T00:00:00Z", ""}, recent, never, true},
		{"the whole object", []string{"signInActivity"}, []string{recentJSON}, recent, -1, false},
		{"the object with both", []string{"signInActivity"},
			[]string{`{"lastSignInDateTime":null,"lastSuccessfulSignInDateTime":"2020-01-01T00:00:00Z"}`}, never, over365, true},
		{"the path column wins", []string{"signInActivity", "signInActivity/lastSignInDateTime"},
			[]string{recentJSON, "2020-01-01T00:00:00Z"}, over365, -1, false},
		{"no sign-in column", []string{"userType"}, []string{"Member"}, -1, -1, false},
	}
	for _, tt := range tests {
		b := build(tt.columns, tt.row)
		for i, want := range []int{tt.last, tt.success} {
			si := &b.signIns[i]
			if want < 0 {
				if si.exported() {
					t.Errorf("%s: measure %d shown", tt.name, i)
				}
				continue
			}
			if !si.exported() || si.counts[want].total() != 1 {
				t.Errorf("%s: measure %d: shown %v, counts %v, want bucket %d", tt.name, i, si.exported(), si.counts, want)
			}
		}
	}
}

func TestShortRowsAndUnknownColumns(t *testing.T) {
	t.Parallel()
	b := build(fixtureColumns(), []string{"only-one-cell"}, nil)
	if b.rows != 2 || b.all[segmentOf(kindOther, stateUnknown)] != 2 {
		t.Errorf("short rows: rows %d, counts %v", b.rows, b.all)
	}
	b = build([]string{"userType", "userType"}, []string{"Guest", "Member"})
	if b.all[segmentOf(kindGuest, stateUnknown)] != 1 {
		t.Errorf("a repeated column must be read from its first place: %v", b.all)
	}
}

func TestUserErrorsAreCapped(t *testing.T) {
	t.Parallel()
	b := NewBuilder(nil, asOf())
	for i := range maxErrorKinds + 5 {
		b.UserError("lookup", "code"+strconv.Itoa(i))
	}
	b.UserError("lookup", "code0")
	if b.errors != maxErrorKinds+6 || len(b.errs) != maxErrorKinds || b.errOverflow != 5 || b.errs[errorKind{"lookup", "code0"}] != 2 {
		t.Errorf("errors %d, kinds %d, overflow %d", b.errors, len(b.errs), b.errOverflow)
	}
}
