package tenant

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestParseFilterCanonical(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"displayName eq 'a'", "displayName eq 'a'"},
		{"DisplayName EQ 'O''Brien'", "DisplayName eq 'O''Brien'"},
		{"a eq 'x' or b eq 'y' and c eq 'z'", "(a eq 'x' or (b eq 'y' and c eq 'z'))"},
		{"(a eq 'x' or b eq 'y') and c eq 'z'", "((a eq 'x' or b eq 'y') and c eq 'z')"},
		{"not startsWith(userPrincipalName,'a') and b eq 'y'", "(not(startsWith(userPrincipalName,'a')) and b eq 'y')"},
		{"NOT(startswith(userPrincipalName, 'a') OR STARTSWITH(userPrincipalName,'b'))",
			"not((startsWith(userPrincipalName,'a') or startsWith(userPrincipalName,'b')))"},
		{"city in ('Paris', 'Zürich')", "city in ('Paris','Zürich')"},
		{"accountEnabled eq true", "accountEnabled eq true"},
		{"givenName eq null", "givenName eq null"},
		{"createdDateTime ge 2021-01-01T00:00:00Z", "createdDateTime ge 2021-01-01T00:00:00Z"},
		{"createdDateTime le 2021-01-01", "createdDateTime le 2021-01-01"},
		{"createdDateTime le 2021-01-01T10:00:00.123+02:00", "createdDateTime le 2021-01-01T10:00:00.123+02:00"},
		{"id eq 'c7df2760-2c81-4ef7-b578-5b5392b571df'", "id eq 'c7df2760-2c81-4ef7-b578-5b5392b571df'"},
		{"assignedLicenses/any(x:x/skuId eq c7df2760-2c81-4ef7-b578-5b5392b571df)",
			"assignedLicenses/any(x:x/skuId eq c7df2760-2c81-4ef7-b578-5b5392b571df)"},
		{"otherMails/any(x: startsWith(x, 'a') or x eq 'b')", "otherMails/any(x:(startsWith(x,'a') or x eq 'b'))"},
		{"otherMails/$count eq 0", "otherMails/$count eq 0"},
		{"signInActivity/lastSignInDateTime le 2024-01-01T00:00:00Z", "signInActivity/lastSignInDateTime le 2024-01-01T00:00:00Z"},
		{"startsWith(userPrincipalName,'user#EXT#')", "startsWith(userPrincipalName,'user#EXT#')"},
		{"x eq -1.5", "x eq -1.5"},
	}
	for _, c := range cases {
		n, err := parseFilter(c.in)
		if err != nil {
			t.Errorf("parseFilter(%q): %v", c.in, err)
			continue
		}
		if got := n.String(); got != c.want {
			t.Errorf("parseFilter(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"", "displayName", "displayName eq", "displayName eq 'a' and", "eq 'a'", "(displayName eq 'a'",
		"displayName eq 'a')", "displayName eq 'unterminated", "displayName eq a", "displayName == 'a'",
		"startsWith(displayName)", "startsWith('a',displayName)", "unknownFn(displayName,'a')",
		"otherMails/any(x startsWith(x,'a'))", "city in ()", "city in ('a' 'b')", "displayName eq 'a' 'b'",
		"x eq 12abc", "x eq 2021-13", "§", strings.Repeat("not ", 100) + "a eq 'b'", strings.Repeat("(", 100) + "a eq 'b'" + strings.Repeat(")", 100),
	} {
		if n, err := parseFilter(in); err == nil {
			t.Errorf("parseFilter(%q) accepted: %s", in, n)
		}
	}
}

// FuzzParseFilter checks that the canonical form re-parses to itself and
// that, whenever a filter binds, listing (every page, as an advanced query)
// and $count agree with evaluating the filter on every user, on the fixture
// (overlay only) and on a small generated tenant (the index's spans).
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		"not(startsWith(userPrincipalName,'a') or startsWith(userPrincipalName,'b')) and accountEnabled eq true",
		"otherMails/any(x:startsWith(x,'a'))", "city in ('a','b''c')", "createdDateTime ge 2021-01-01T00:00:00Z",
		"assignedLicenses/any(x:x/skuId eq c7df2760-2c81-4ef7-b578-5b5392b571df)", "x eq -1.5", "a eq null",
		"userPrincipalName eq null", "not(startsWith(userPrincipalName,''))",
		"userPrincipalName eq 'a@x' and startsWith(userPrincipalName,'b')",
		"userPrincipalName le 'b' or startsWith(userPrincipalName,'u') and accountEnabled eq false",
	} {
		f.Add(s)
	}
	cat := newCatalog()
	tenants := []*Tenant{fixture(f), generated(f, 300, 0.6)}
	for _, tn := range tenants {
		tn.SetScanLimit(7) // pages that stop early, some empty, all followed
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseFilter(s)
		if err != nil {
			return
		}
		canon := n.String()
		again, err := parseFilter(canon)
		if err != nil {
			t.Fatalf("%q: canonical form %q does not parse: %v", s, canon, err)
		}
		if again.String() != canon {
			t.Fatalf("%q: canonical form %q re-parses as %q", s, canon, again.String())
		}
		if _, e := bindFilter(cat, s); e != nil {
			return
		}
		for _, tn := range tenants {
			want := expected(t, tn, s, "")
			items, _ := listAll(t, tn, values("$filter", s, "$count", "true", "$top", "5", "$select", "userPrincipalName"), true)
			if got := column(items, "userPrincipalName"); !slices.Equal(got, want) {
				t.Fatalf("%q: listed %q, evaluating every user gives %q", s, got, want)
			}
			if c, err := tn.CountUsers(values("$filter", s), true); err != nil || c != len(want) {
				t.Fatalf("%q: /users/$count = %d, %v; evaluating every user gives %d", s, c, err, len(want))
			}
		}
	})
}

// TestFilterRules checks Graph's per-property and per-operator support:
// default, advanced (ConsistencyLevel: eventual and $count=true) or never.
func TestFilterRules(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	const adv = "Try adding $count=true query parameter and ConsistencyLevel:eventual header."
	type want struct {
		status     int
		code, msg  string
		advancedOK bool // accepted as an advanced query
	}
	ok := want{}
	advOnly := func(msg string) want { return want{http.StatusBadRequest, CodeUnsupportedQuery, msg, true} }
	never := func(code, msg string) want { return want{http.StatusBadRequest, code, msg, false} }
	cases := []struct {
		filter string
		want   want
	}{
		{"startsWith(userPrincipalName,'a')", ok},
		{"startsWith(displayName,'a') or startsWith(mail,'a')", ok},
		{"userPrincipalName in ('a@b','c@d')", ok},
		{"userPrincipalName le 'm'", ok},
		{"userPrincipalName ge 'm'", advOnly("property 'userPrincipalName'")},
		{"accountEnabled eq false and userType eq 'Guest'", ok},
		{"givenName ge 'a' and surname le 'z'", ok},
		{"otherMails/any(x:startsWith(x,'a'))", ok},
		{"proxyAddresses/any(x:x eq 'SMTP:a@b')", ok},
		{"createdDateTime ge 2021-01-01T00:00:00Z", ok},
		{"signInActivity/lastSignInDateTime le 2024-01-01T00:00:00Z", ok},
		{"assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)", ok},
		{"endsWith(mail,'@contoso.com')", advOnly("Operator 'endsWith' is not supported because the required parameters might be missing. " + adv)},
		{"endsWith(userPrincipalName,'#EXT#@contoso.onmicrosoft.com')", advOnly("Operator 'endsWith'")},
		{"proxyAddresses/any(p:endsWith(p,'contoso.com'))", advOnly("Operator 'endsWith'")},
		{"accountEnabled ne true", advOnly("Operator 'ne'")},
		{"not(startsWith(userPrincipalName,'a') or startsWith(userPrincipalName,'b'))", advOnly("Operator 'not'")},
		{"givenName eq null", advOnly("property 'givenName'")},
		{"mobilePhone eq '+1 425 555 0101'", advOnly("Unsupported or invalid query filter clause specified for property 'mobilePhone' of resource 'User'.")},
		{"startsWith(officeLocation,'B')", advOnly("property 'officeLocation'")},
		{"onPremisesExtensionAttributes/extensionAttribute1 eq 'CC42'", advOnly("property 'onPremisesExtensionAttributes'")},
		{"otherMails/$count eq 0", advOnly("property 'otherMails'")},
		{"legalAgeGroupClassification eq 'Adult'", never(CodeUnsupportedQuery, "Unsupported or invalid query filter clause specified for property 'legalAgeGroupClassification' of resource 'User'.")},
		{"startsWith(jobTitle,'a')", never(CodeUnsupportedQuery, "property 'jobTitle'")},
		{"endsWith(displayName,'a')", never(CodeUnsupportedQuery, "property 'displayName'")},
		{"faxNumber eq '1'", never(CodeUnsupportedQuery, "property 'faxNumber'")},
		{"otherMails eq 'a@b'", never(CodeUnsupportedQuery, "property 'otherMails'")},
		{"otherMails/all(x:x eq 'a')", never(CodeUnsupportedQuery, "Unsupported Query.")},
		{"contains(displayName,'a')", never(CodeUnsupportedQuery, "Unsupported Query.")},
		{"displayName gt 'a'", never(CodeUnsupportedQuery, "Unsupported Query.")},
		{"foo eq 'x'", never(CodeBadRequest, "Could not find a property named 'foo' on type 'Microsoft.DirectoryServices.User'.")},
		{"signInActivity/nope le 2024-01-01T00:00:00Z", never(CodeBadRequest, "property named 'nope'")},
		{"accountEnabled eq 'true'", never(CodeBadRequest, "incompatible types was detected. Found operand types 'Edm.Boolean' and 'Edm.String' for operator kind 'Equal'")},
		{"displayName eq 5", never(CodeBadRequest, "'Edm.String' and 'Edm.Int32'")},
		{"createdDateTime ge '2021'", never(CodeBadRequest, "'Edm.DateTimeOffset' and 'Edm.String'")},
		{"startsWith(displayName,1)", never(CodeBadRequest, "expects a string literal")},
		{"displayName eq 'a' and", never(CodeBadRequest, "Invalid filter clause: Syntax error")},
		{"aboutMe eq 'x'", want{http.StatusNotImplemented, CodeNotImplemented, "not yet supported", false}},
	}
	for _, c := range cases {
		t.Run(c.filter, func(t *testing.T) {
			t.Parallel()
			_, err := tn.ListUsers(values("$filter", c.filter), false)
			_, errEventualOnly := tn.ListUsers(values("$filter", c.filter), true)
			_, errAdvanced := tn.ListUsers(values("$filter", c.filter, "$count", "true"), true)
			if c.want == ok {
				if err != nil || errAdvanced != nil {
					t.Fatalf("default: %v; advanced: %v", err, errAdvanced)
				}
				return
			}
			wantError(t, err, c.want.status, c.want.code, c.want.msg)
			wantError(t, errEventualOnly, c.want.status, c.want.code, c.want.msg)
			if c.want.advancedOK {
				if errAdvanced != nil {
					t.Fatalf("advanced query refused: %v", errAdvanced)
				}
			} else {
				wantError(t, errAdvanced, c.want.status, c.want.code, c.want.msg)
			}
		})
	}
}

// TestFilterEvaluation checks what filters match, on the fixture.
func TestFilterEvaluation(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	cases := []struct {
		filter string
		want   []string // local parts of the UPNs, in default order
	}{
		{"startsWith(displayName,'a')", []string{"adele.vance", "Alex.Wilber"}},
		{"startsWith(displayName,'ÉLO')", []string{"élodie.dupont"}},
		{"displayName eq 'ADELE VANCE'", []string{"adele.vance"}},
		{"mail eq 'ADELE.VANCE@CONTOSO.COM'", []string{"adele.vance"}},
		{"accountEnabled eq false", []string{"_svc.backup", "Alex.Wilber"}},
		{"accountEnabled eq null", []string{"#hash", "'quote"}},
		{"accountEnabled ne true", []string{"#hash", "'quote", "_svc.backup", "Alex.Wilber"}},
		{"userType eq 'Guest'", []string{"bianca_fabrikam.com#EXT#"}},
		{"city in ('Paris','москва')", []string{"élodie.dupont", "иван.иванов"}},
		{"otherMails/any(x:startsWith(x,'adele'))", []string{"adele.vance"}},
		{"otherMails/any(x:x eq 'megan@example.net' or x eq 'bianca@fabrikam.com')", []string{"bianca_fabrikam.com#EXT#", "megan.bowen"}},
		{"not(otherMails/any(x:startsWith(x,'a') or startsWith(x,'b')))", []string{"#hash", "'quote", "7eleven", "_svc.backup", "Alex.Wilber", "megan.bowen", "wang.wei", "~tilde", "élodie.dupont", "иван.иванов"}},
		{"otherMails/$count eq 2", []string{"adele.vance"}},
		{"endsWith(mail,'@contoso.com')", []string{"adele.vance", "Alex.Wilber", "megan.bowen", "wang.wei"}},
		{"endsWith(userPrincipalName,'#EXT#@contoso.onmicrosoft.com')", []string{"bianca_fabrikam.com#EXT#"}},
		{"not(startsWith(userPrincipalName,'a') or startsWith(userPrincipalName,'b'))", []string{"#hash", "'quote", "7eleven", "_svc.backup", "megan.bowen", "wang.wei", "~tilde", "élodie.dupont", "иван.иванов"}},
		{"startsWith(userPrincipalName,'a') and not(startsWith(userPrincipalName,'al'))", []string{"adele.vance"}},
		{"givenName eq null", []string{"#hash", "'quote", "_svc.backup", "bianca_fabrikam.com#EXT#"}},
		{"givenName ne null and department eq null", []string{"wang.wei", "~tilde", "иван.иванов"}},
		{"department ne 'Marketing'", []string{"#hash", "'quote", "7eleven", "_svc.backup", "adele.vance", "bianca_fabrikam.com#EXT#", "wang.wei", "~tilde", "élodie.dupont", "иван.иванов"}},
		{"createdDateTime ge 2021-01-01T00:00:00Z", []string{"adele.vance", "Alex.Wilber"}},
		{"createdDateTime le 2021-03-01", []string{"megan.bowen"}},
		{"userPrincipalName le 'b'", []string{"#hash", "'quote", "7eleven", "_svc.backup", "adele.vance", "Alex.Wilber"}},
		{"userPrincipalName eq 'ALEX.wilber@contoso.onmicrosoft.com'", []string{"Alex.Wilber"}},
		{"id eq '" + guid(3) + "'", []string{"bianca_fabrikam.com#EXT#"}},
		{"id in ('" + guid(3) + "','" + strings.ToUpper(guid(12)) + "')", []string{"#hash", "bianca_fabrikam.com#EXT#"}},
		{"surname eq 'O''Brien'", []string{"~tilde"}},
		{"onPremisesExtensionAttributes/extensionAttribute1 eq 'cc42'", []string{"megan.bowen"}},
		{"signInActivity/lastSignInDateTime le 2024-01-01T00:00:00Z", []string{"adele.vance"}},
		{"assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)", []string{"adele.vance"}},
		{"assignedPlans/any(x:x/servicePlanId eq 5dbe027f-2339-4123-9542-606e4d348a72)", []string{"adele.vance"}},
		{"startsWith(userPrincipalName,'bianca_fabrikam.com#EXT#')", []string{"bianca_fabrikam.com#EXT#"}},
		{"startsWith(userPrincipalName,'Ж') or startsWith(userPrincipalName,'И')", []string{"иван.иванов"}},
		{"ageGroup eq 'Minor' and consentProvidedForMinor eq null", []string{"иван.иванов"}},
		{"startsWith(department,'=')", []string{"7eleven"}},
	}
	for _, c := range cases {
		t.Run(c.filter, func(t *testing.T) {
			t.Parallel()
			items, _ := listAll(t, tn, values("$filter", c.filter, "$count", "true", "$select", "userPrincipalName"), true)
			var got []string
			for _, u := range column(items, "userPrincipalName") {
				got = append(got, strings.TrimSuffix(u, "@contoso.onmicrosoft.com"))
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("got %q\nwant %q", got, c.want)
			}
			n, err := tn.CountUsers(values("$filter", c.filter), true)
			if err != nil || n != len(c.want) {
				t.Fatalf("/users/$count = %d, %v; want %d", n, err, len(c.want))
			}
		})
	}
}

// TestFilterSpans checks the index plan against evaluating every user, for
// the partition filters the provider sends, on a generated tenant.
func TestFilterSpans(t *testing.T) {
	t.Parallel()
	tn := generated(t, 4000, 0.6)
	filters := []string{
		"startsWith(userPrincipalName,'a')",
		"startsWith(userPrincipalName,'user1') or startsWith(userPrincipalName,'user2')",
		"startsWith(userPrincipalName,'user') and not(startsWith(userPrincipalName,'user1'))",
		"not(startsWith(userPrincipalName,'a') or startsWith(userPrincipalName,'u') or startsWith(userPrincipalName,'m'))",
		"not(startsWith(userPrincipalName,'user'))",
		"userPrincipalName le 'k' and not(userPrincipalName le 'c')",
		"userPrincipalName ge 'x' or userPrincipalName eq 'nobody@contoso.onmicrosoft.com'",
		"userPrincipalName ne 'x'",
		"startsWith(userPrincipalName,'a') and accountEnabled eq false",
		"(startsWith(userPrincipalName,'b') or userType eq 'Guest') and not(startsWith(userPrincipalName,'~'))",
		"not(startsWith(userPrincipalName,'a') and accountEnabled eq true)",
		"startsWith(userPrincipalName,'é') or startsWith(userPrincipalName,'и') or startsWith(userPrincipalName,'#')",
		"userPrincipalName eq null or startsWith(userPrincipalName,'_')",
		// Filters whose spans are empty match no one: an empty plan once read as
		// "the whole directory" while $count said 0.
		"userPrincipalName eq null",
		"userPrincipalName eq 'a@x' and startsWith(userPrincipalName,'b')",
		"not(startsWith(userPrincipalName,''))",
		"not(userPrincipalName ne null)",
		"startsWith(userPrincipalName,'zz') and userPrincipalName le 'a' and accountEnabled eq true",
	}
	for _, f := range filters {
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			want := expected(t, tn, f, "")
			items, _ := listAll(t, tn, values("$filter", f, "$count", "true", "$top", "999", "$select", "userPrincipalName"), true)
			if got := column(items, "userPrincipalName"); !slices.Equal(got, want) {
				t.Fatalf("%d users listed, %d expected", len(got), len(want))
			}
			if n, _ := tn.CountUsers(values("$filter", f), true); n != len(want) {
				t.Fatalf("count %d, want %d", n, len(want))
			}
		})
	}
}

// TestParseSupport reads the catalogue's compact support specs, and refuses
// (by panicking while the catalogue is built) any operator or level it does
// not know, which would otherwise silently make a rule unsupported.
func TestParseSupport(t *testing.T) {
	t.Parallel()
	if got, want := parseSupport("eq=D in=A sw=D ew=A gele=D null=A"), (support{eq: lvDefault, in: lvAdvanced,
		startsWith: lvDefault, endsWith: lvAdvanced, ge: lvDefault, le: lvDefault, null: lvAdvanced}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := parseSupport(""); got != (support{}) {
		t.Errorf("empty spec: %+v", got)
	}
	for _, spec := range []string{"eq=X", "eq", "eq=d", "sw=D gt=D", "startsWith=D", "eq=D, in=D"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q accepted", spec)
				}
			}()
			parseSupport(spec)
		}()
	}
}
