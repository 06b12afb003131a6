package tenant

import (
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/golden"
)

//nolint:gochecknoglobals // a test flag is package state by nature
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func ptr[T any](v T) *T { return &v }

func guid(n int) string {
	s := "000000000000" + itoa(n)
	return "00000000-0000-4000-8000-" + s[len(s)-12:]
}

// fixtureUsers is a small directory with one user per awkward case.
func fixtureUsers() []User {
	return []User{
		{
			ID: guid(1), UserPrincipalName: "adele.vance@contoso.onmicrosoft.com", DisplayName: "Adele Vance",
			GivenName: "Adele", Surname: "Vance", Mail: "adele.vance@contoso.com", JobTitle: "Retail Manager",
			Department: "Retail", UserType: "Member", AccountEnabled: ptr(true), City: "Redmond",
			Country: "United States", UsageLocation: "US", OtherMails: []string{"adele@gmail.com", "av@outlook.com"},
			ProxyAddresses: []string{"SMTP:adele.vance@contoso.com"}, BusinessPhones: []string{"+1 425 555 0109"},
			MobilePhone: "+1 425 555 0101", CreatedDateTime: "2021-03-01T10:00:00Z",
			LastPasswordChangeDateTime: "2023-05-01T00:00:00Z",
			SignInActivity:             &SignInActivity{LastSignInDateTime: "2023-11-02T09:00:00Z", LastSignInRequestID: guid(901)},
			AssignedLicenses:           []AssignedLicense{{SKUID: "6fd2c87f-b296-42f0-b197-1e91e994b900"}},
			Phones: []PhoneMethod{
				{PhoneOffice, "+1 4255550199x123"}, {PhoneMobile, "+1 4255550101"}, {PhoneAlternateMobile, "+44 2079460958"},
			},
			Email: "adele.personal@example.com",
		},
		{
			ID: guid(2), UserPrincipalName: "Alex.Wilber@contoso.onmicrosoft.com", DisplayName: "Alex Wilber",
			GivenName: "Alex", Surname: "Wilber", Mail: "alexw@contoso.com", Department: "Marketing",
			UserType: "Member", AccountEnabled: ptr(false), City: "San Diego", CreatedDateTime: "2022-06-15T08:30:00Z",
			AgeGroup: "Adult", LegalAgeGroupClassification: "Adult",
		},
		{
			ID: guid(3), UserPrincipalName: "bianca_fabrikam.com#EXT#@contoso.onmicrosoft.com", DisplayName: "Bianca Pisani",
			Mail: "bianca@fabrikam.com", UserType: "Guest", ExternalUserState: "PendingAcceptance",
			CreationType: "Invitation", OtherMails: []string{"bianca@fabrikam.com"}, AccountEnabled: ptr(true),
		},
		{
			ID: guid(4), UserPrincipalName: "élodie.dupont@contoso.onmicrosoft.com", DisplayName: "Élodie Dupont",
			GivenName: "Élodie", Surname: "Dupont", City: "Paris", Country: "France", Department: "Ventes, Europe",
			AgeGroup: "Minor", ConsentProvidedForMinor: "Granted", LegalAgeGroupClassification: "MinorWithParentalConsent",
			UserType: "Member", AccountEnabled: ptr(true),
		},
		{
			ID: guid(5), UserPrincipalName: "7eleven@contoso.onmicrosoft.com", DisplayName: "Seven Eleven",
			GivenName: "Seven", Surname: "Eleven", Department: "=SUM(A1)", JobTitle: `Head of "Ops"`,
			UserType: "Member", AccountEnabled: ptr(true),
		},
		{ID: guid(6), UserPrincipalName: "_svc.backup@contoso.onmicrosoft.com", DisplayName: "Backup Service", UserType: "Member", AccountEnabled: ptr(false)},
		{
			ID: guid(7), UserPrincipalName: "~tilde@contoso.onmicrosoft.com", DisplayName: "Tilde O'Brien",
			GivenName: "Tilde", Surname: "O'Brien", StreetAddress: "1 Main St\nSuite 2", UserType: "Member", AccountEnabled: ptr(true),
		},
		{
			ID: guid(8), UserPrincipalName: "иван.иванов@contoso.onmicrosoft.com", DisplayName: "Иван Иванов",
			GivenName: "Иван", Surname: "Иванов", City: "Москва", AgeGroup: "Minor",
			LegalAgeGroupClassification: "MinorWithOutParentalConsent", UserType: "Member", AccountEnabled: ptr(true),
		},
		{
			ID: guid(9), UserPrincipalName: "wang.wei@contoso.onmicrosoft.com", DisplayName: "王伟", GivenName: "伟",
			Surname: "王", Mail: "wang.wei@contoso.com", PreferredLanguage: "zh-CN", EmployeeID: "E000009",
			CompanyName: "Contoso, Ltd.", UserType: "Member", AccountEnabled: ptr(true),
			Phones: []PhoneMethod{{PhoneMobile, "+86 13800138000"}},
		},
		{
			ID: guid(10), UserPrincipalName: "megan.bowen@contoso.onmicrosoft.com", DisplayName: "Megan Bowen",
			GivenName: "Megan", Surname: "Bowen", Mail: "meganb@contoso.com", JobTitle: "Marketing Manager",
			Department: "Marketing", OtherMails: []string{"megan@example.net"}, MobilePhone: "+1 (555) 010-2030 x12",
			OnPremisesExtensionAttributes: ExtensionAttributes{"CC42"}, UserType: "Member", AccountEnabled: ptr(true),
			CreatedDateTime: "2020-01-01T00:00:00Z",
		},
		{ID: guid(11), UserPrincipalName: "'quote@contoso.onmicrosoft.com", DisplayName: " Leading Space", UserType: "Member"},
		{ID: guid(12), UserPrincipalName: "#hash@contoso.onmicrosoft.com", DisplayName: "Hash Tag", UserType: "Member"},
	}
}

func fixture(tb testing.TB) *Tenant {
	tb.Helper()
	tn, err := New("contoso.onmicrosoft.com", fixtureUsers())
	if err != nil {
		tb.Fatal(err)
	}
	return tn
}

func generated(tb testing.TB, users int, share float64) *Tenant {
	tb.Helper()
	tn, err := Generate(GenerateOptions{Seed: 42, Users: users, SharedPrefixShare: share})
	if err != nil {
		tb.Fatal(err)
	}
	return tn
}

func values(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q
}

type item = map[string]any

func decode(tb testing.TB, raw []byte) []item {
	tb.Helper()
	var out []item
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("page value is not a JSON array: %v\n%s", err, raw)
	}
	return out
}

// listAll follows nextLinks to the end and returns every item and the
// number of pages.
func listAll(tb testing.TB, tn *Tenant, q url.Values, eventual bool) ([]item, int) {
	tb.Helper()
	var all []item
	pages := 0
	for q != nil {
		pg, err := tn.ListUsers(q, eventual)
		if err != nil {
			tb.Fatalf("page %d of %v: %v", pages, q, err)
		}
		got := decode(tb, pg.Value)
		if len(got) != pg.Items {
			tb.Fatalf("Items %d but %d values", pg.Items, len(got))
		}
		all = append(all, got...)
		pages++
		if pages > 100000 {
			tb.Fatal("nextLinks never end")
		}
		q = pg.Next
	}
	return all, pages
}

func column(items []item, name string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		s, _ := it[name].(string)
		out[i] = s
	}
	return out
}

// wantError checks a Graph error's status, code and message (a substring;
// "" skips the message).
func wantError(t *testing.T, err *Error, status int, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %d %s %q", status, code, msg)
	}
	if err.Status != status || err.Code != code || !strings.Contains(err.Message, msg) {
		t.Fatalf("got %d %s %q, want %d %s containing %q", err.Status, err.Code, err.Message, status, code, msg)
	}
}

// expected lists the live users matching a filter and search, in default
// order, by evaluating the bound predicate on every user: the reference the
// index, spans and paging are checked against.
func expected(tb testing.TB, tn *Tenant, filter, search string) []string {
	tb.Helper()
	var f *boundFilter
	var s *searchExpr
	if filter != "" {
		var err *Error
		if f, err = bindFilter(tn.cat, filter); err != nil {
			tb.Fatal(err)
		}
	}
	if search != "" {
		var err *Error
		if s, err = parseSearch(tn.cat, search); err != nil {
			tb.Fatal(err)
		}
	}
	var out []string
	for u := range tn.Users() {
		if f != nil && !f.pred(&evalCtx{u: &u, lowerUPN: strings.ToLower(u.UserPrincipalName)}) {
			continue
		}
		if s != nil && !s.match(&u) {
			continue
		}
		out = append(out, u.UserPrincipalName)
	}
	return out
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got, *update)
}

func isErr(err, target error) bool { return errors.Is(err, target) }

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// ids maps items by their lower-cased id.
func ids(items []item) map[string]item {
	out := map[string]item{}
	for _, it := range items {
		id, _ := it["id"].(string)
		out[strings.ToLower(id)] = it
	}
	return out
}

// keys are an item's property names, sorted.
func keys(it item) []string { return slices.Sorted(maps.Keys(it)) }

// errOrNil turns a Graph error into an error, for mustDo.
func errOrNil(err *Error) error {
	if err == nil {
		return nil
	}
	return err
}
