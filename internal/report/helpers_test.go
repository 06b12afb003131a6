package report

import (
	"bytes"
	"flag"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/") //nolint:gochecknoglobals // a test flag

// asOf is the snapshot time of the fixed tests.
func asOf() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

// build feeds rows (cells as the CSV holds them) to a new Builder.
func build(columns []string, rows ...[]string) *Builder {
	b := NewBuilder(columns, asOf())
	for _, r := range rows {
		cells := make([][]byte, len(r))
		for i, v := range r {
			cells[i] = []byte(v)
		}
		b.Row(cells)
	}
	return b
}

func render(tb testing.TB, b *Builder, s Snapshot) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := b.Render(&buf, s); err != nil {
		tb.Fatalf("Render: %v", err)
	}
	return buf.String()
}

// fixtureColumns are every column the report reads, plus one it does not.
func fixtureColumns() []string {
	return []string{
		"userPrincipalName", "userType", "accountEnabled", "onPremisesSyncEnabled", "department",
		"ageGroup", "consentProvidedForMinor", "legalAgeGroupClassification",
		"isMfaRegistered", "isMfaCapable", "isPasswordlessCapable", "methodsRegistered",
		"authenticationPhoneNumber", "authenticationAlternativePhoneNumber", "authenticationEmail",
		"createdDateTime", "signInActivity/lastSignInDateTime", "signInActivity/lastSuccessfulSignInDateTime",
	}
}

// fixtureRows are a small directory with a value of every kind the report
// tells apart, and departments and methods that try to break the page.
func fixtureRows() [][]string {
	const (
		recent = "2026-02-27T08:00:00Z"
		d60    = "2025-12-31T09:30:00.1234567Z"
		d200   = "2025-08-13T00:00:00Z"
		d900   = "2023-09-13T23:59:59+02:00"
	)
	return [][]string{
		{"ann@contoso.com", "Member", "True", "True", "Sales", "Adult", "", "Adult", "True", "True", "False", "microsoftAuthenticatorPush;mobilePhone", "+1 206 555 0100", "", "", "2020-01-01T00:00:00Z", recent, recent},
		{"ben@contoso.com", "Member", "True", "False", "Sales", "", "", "", "True", "True", "True", "fido2;windowsHelloForBusiness;fido2", "", "", "ben@example.org", "2021-05-05T00:00:00Z", d60, d60},
		{"cal@contoso.com", "Member", "False", "", "Research & Development", "", "", "", "False", "False", "False", "", "", "", "", "", d900, ""},
		{"dee@contoso.com", "Member", "True", "True", `<script>alert("x")</script>`, "Minor", "Granted", "MinorWithParentalConsent", "True", "True", "False", "email", "", "+1 425 555 0101", "dee@example.org", "2024-01-01T00:00:00Z", d200, d200},
		{"eve@contoso.com", "Member", "True", "True", `'=HYPERLINK("http://evil.example")`, "Minor", "", "minorwithoutparentalconsent", "False", "False", "False", "", "", "", "", "2026-02-20T00:00:00Z", "", ""},
		{"fay@contoso.com", "Member", "", "True", "\u202eevil\u202c Finance", "NotAdult", "Denied", "MinorWithOutParentalConsent", "", "", "", "", "", "", "", "", "not a date", ""},
		{"gus_fabrikam.com#EXT#@contoso.com", "Guest", "True", "", "", "", "", "", "False", "False", "False", "", "", "", "", "2025-01-01T00:00:00Z", "", ""},
		{"hal_fabrikam.com#EXT#@contoso.com", "Guest", "False", "", "Sales", "", "", "", "True", "True", "False", "softwareOneTimePasscode", "", "", "", "2019-01-01T00:00:00Z", d200, ""},
		{"ivy_fabrikam.com#EXT#@contoso.com", "guest", "True", "", "Partners \x01\xff", "Adult", "NotRequired", "adult", "True", "False", "False", "<b>bold</b>", "", "", "ivy@example.org", "", recent, recent},
		{"jon@contoso.com", "", "True", "False", "Sales", "Weird", "Maybe", "Strange", "Yes", "True", "True", "fido2", "+44 20 7946 0000", "", "", "", recent, recent},
		{"kim@contoso.com", "Member", "True", "True", strings.Repeat("Long department ", 20), "Adult", "", "Adult", "True", "True", "False", "mobilePhone", "+1 206 555 0199", "", "", "2018-01-01T00:00:00Z", d60, d60},
	}
}

func fixtureSnapshot() Snapshot {
	return Snapshot{
		TenantID:  "00000000-0000-0000-0000-0000000000aa",
		Cloud:     "public",
		Selection: `filter: department eq '<Sales>' & accountEnabled eq true`,
		SHA256:    "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea",
	}
}

func fixtureBuilder() *Builder {
	b := build(fixtureColumns(), fixtureRows()...)
	b.UserError("authenticationMethods", "accessDenied")
	b.UserError("authenticationMethods", "accessDenied")
	b.UserError("lookup", "Request_ResourceNotFound")
	b.UserError("lookup", "")
	b.UserError("<op>", `"code"&`)
	return b
}
