package tenant

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// extensionFixture is the fixture with directory extension values on a few
// users, and one extension of another app.
func extensionFixture(t *testing.T) *Tenant {
	t.Helper()
	users := fixtureUsers()
	users[0].Extensions = map[string]any{
		ExtensionCostCentre: "CC-100", ExtensionBadgeNumber: 4711, ExtensionIsContractor: false,
		ExtensionSkills: []string{"Go", "SQL"}, "EXTENSION_0123456789ABCDEF0123456789ABCDEF_division": "North",
	}
	users[1].Extensions = map[string]any{ExtensionCostCentre: "CC-200", ExtensionIsContractor: true, ExtensionSkills: []string{"Excel"}}
	users[2].Extensions = map[string]any{ExtensionCostCentre: "", ExtensionBadgeNumber: nil} // unset values
	tn, err := New("", users)
	mustDo(t, err)
	return tn
}

const otherExtension = "extension_0123456789abcdef0123456789abcdef_division"

// $select returns extensions by name, leaves them out of users without a
// value (never null), and keeps them out of the default set and of *.
func TestExtensionSelect(t *testing.T) {
	t.Parallel()
	tn := extensionFixture(t)
	sel := "id," + ExtensionCostCentre + "," + ExtensionBadgeNumber + "," + ExtensionIsContractor + "," + ExtensionSkills + "," + otherExtension
	pg, err := tn.ListUsers(values("$select", sel, "$filter", "id in ('"+guid(1)+"','"+guid(2)+"','"+guid(3)+"')"), false)
	mustDo(t, errOrNil(err))
	if !strings.HasSuffix(pg.Context, "("+sel+")") {
		t.Errorf("context %q", pg.Context)
	}
	got := ids(decode(t, pg.Value))
	want := map[string]string{
		guid(1): `map[extension_0123456789abcdef0123456789abcdef_division:North extension_5e7b9c2a3f144d8eb6a091c2d4f8e3a7_badgeNumber:4711 extension_5e7b9c2a3f144d8eb6a091c2d4f8e3a7_costCentre:CC-100 extension_5e7b9c2a3f144d8eb6a091c2d4f8e3a7_isContractor:false extension_5e7b9c2a3f144d8eb6a091c2d4f8e3a7_skills:[Go SQL] id:00000000-0000-4000-8000-000000000001]`,
		guid(2): `map[extension_5e7b9c2a3f144d8eb6a091c2d4f8e3a7_costCentre:CC-200 extension_5e7b9c2a3f144d8eb6a091c2d4f8e3a7_isContractor:true extension_5e7b9c2a3f144d8eb6a091c2d4f8e3a7_skills:[Excel] id:00000000-0000-4000-8000-000000000002]`,
		guid(3): `map[id:00000000-0000-4000-8000-000000000003]`,
	}
	for id, w := range want {
		if s := fmt.Sprint(got[id]); s != w {
			t.Errorf("%s: %s\nwant %s", id, s, w)
		}
	}
	for _, q := range []string{"", "*"} {
		e, err := tn.GetUser(guid(1), values("$select", q))
		mustDo(t, errOrNil(err))
		if strings.Contains(string(e.JSON), "extension_") {
			t.Errorf("$select=%q returns extensions: %s", q, e.JSON)
		}
	}
}

func TestExtensionFilter(t *testing.T) {
	t.Parallel()
	tn := extensionFixture(t)
	tests := []struct {
		filter   string
		eventual bool
		want     []string // ids
		status   int
		code     string
	}{
		{filter: ExtensionCostCentre + " eq 'cc-100'", want: []string{guid(1)}},
		{filter: ExtensionBadgeNumber + " eq 4711", want: []string{guid(1)}},
		{filter: ExtensionIsContractor + " eq true", want: []string{guid(2)}},
		{filter: ExtensionSkills + "/any(s:s eq 'excel')", want: []string{guid(2)}},
		{filter: otherExtension + " eq 'North'", want: []string{guid(1)}},
		{filter: ExtensionIsContractor + " ne true", eventual: true, want: append([]string{guid(1)}, others(3, 12)...)},
		{filter: ExtensionCostCentre + " eq null", eventual: true, want: others(3, 12)},
		{filter: ExtensionIsContractor + " ne true", status: http.StatusBadRequest, code: CodeUnsupportedQuery},
		{filter: ExtensionCostCentre + " eq null", status: http.StatusBadRequest, code: CodeUnsupportedQuery},
		{filter: "startsWith(" + ExtensionCostCentre + ",'CC')", status: http.StatusBadRequest, code: CodeUnsupportedQuery},
		{filter: ExtensionBadgeNumber + " ge 1", status: http.StatusBadRequest, code: CodeUnsupportedQuery},
		{filter: ExtensionSkills + " eq 'Go'", status: http.StatusBadRequest, code: CodeUnsupportedQuery},
		{filter: ExtensionBadgeNumber + " eq '4711'", status: http.StatusBadRequest, code: CodeBadRequest},
		{filter: ExtensionCostCentre + " eq 5", status: http.StatusBadRequest, code: CodeBadRequest},
		{filter: "extension_0123456789abcdef0123456789abcdef_nope eq 'x'", status: http.StatusBadRequest, code: CodeBadRequest},
	}
	for _, tt := range tests {
		q := values("$filter", tt.filter, "$select", "id")
		if tt.eventual {
			q.Set("$count", "true")
		}
		pg, err := tn.ListUsers(q, tt.eventual)
		if tt.status != 0 {
			if err == nil || err.Status != tt.status || err.Code != tt.code {
				t.Errorf("%s: got %v, want %d %s", tt.filter, err, tt.status, tt.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.filter, err)
			continue
		}
		if got := sortedCopy(column(decode(t, pg.Value), "id")); !slices.Equal(got, sortedCopy(tt.want)) {
			t.Errorf("%s: %v, want %v", tt.filter, got, tt.want)
		}
	}
}

// others are the fixture's ids from guid(from) to guid(to).
func others(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, guid(i))
	}
	return out
}

func TestExtensionSelectUnknown(t *testing.T) {
	t.Parallel()
	tn := extensionFixture(t)
	name := "extension_0123456789abcdef0123456789abcdef_nope"
	_, err := tn.ListUsers(values("$select", "id,"+name), false)
	wantError(t, err, http.StatusBadRequest, CodeBadRequest, "Could not find a property named '"+name+"' on type 'Microsoft.DirectoryServices.User'.")
}

// Values given on users are checked against the registered extensions:
// names and types, keyed by the registered spelling, unset values dropped.
func TestExtensionValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ext  map[string]any
		err  error
	}{
		{"standard", map[string]any{ExtensionBadgeNumber: 1, ExtensionSkills: []string{"Go"}}, nil},
		{"another app's", map[string]any{otherExtension: "x"}, nil},
		{"not an extension name", map[string]any{"costCentre": "x"}, ErrInvalid},
		{"no app id", map[string]any{"extension__costCentre": "x"}, ErrInvalid},
		{"wrong type", map[string]any{ExtensionBadgeNumber: "1"}, ErrInvalid},
		{"unsupported type", map[string]any{ExtensionBadgeNumber: 1.5}, ErrInvalid},
	}
	for _, tt := range tests {
		_, err := New("", []User{{UserPrincipalName: "a@contoso.onmicrosoft.com", Extensions: tt.ext}})
		if (tt.err == nil) != (err == nil) || tt.err != nil && !isErr(err, tt.err) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.err)
		}
	}
	tn := extensionFixture(t)
	u, _ := tn.Lookup(guid(1))
	if u.Extensions[otherExtension] != "North" {
		t.Errorf("an extension given in other case is not keyed by its registered name: %v", u.Extensions)
	}
	if u, _ := tn.Lookup(guid(3)); u.Extensions != nil {
		t.Errorf("unset values kept: %v", u.Extensions)
	}
	for _, bad := range []map[string]any{
		{"extension_00000000000000000000000000000000_unregistered": "x"},
		{ExtensionIsContractor: "yes"},
	} {
		if err := tn.Update(guid(1), func(u *User) { u.Extensions = bad }); !isErr(err, ErrInvalid) {
			t.Errorf("update with %v: %v", bad, err)
		}
	}
}

// A generated tenant gives a share of its users the standard extensions,
// the same values every time, typed as registered.
func TestGeneratedExtensions(t *testing.T) {
	t.Parallel()
	count := func(share float64) (withCost int, sample string) {
		tn, err := Generate(GenerateOptions{Seed: 9, Users: 2000, ExtensionShare: share})
		mustDo(t, err)
		all, _ := listAll(t, tn, values("$select", "id,"+ExtensionCostCentre+","+ExtensionBadgeNumber+","+ExtensionIsContractor+","+ExtensionSkills, "$top", "999"), false)
		for _, it := range all {
			if _, ok := it[ExtensionCostCentre]; ok {
				withCost++
			}
			if b, ok := it[ExtensionBadgeNumber]; ok {
				if _, isNumber := b.(float64); !isNumber {
					t.Errorf("badge number %v is not a number", b)
				}
			}
			if c, ok := it[ExtensionIsContractor]; ok {
				if _, isBool := c.(bool); !isBool {
					t.Errorf("isContractor %v is not a boolean", c)
				}
			}
		}
		return withCost, fmt.Sprint(all[:5])
	}
	n, a := count(0)
	if _, b := count(0); a != b {
		t.Error("generated extension values differ between two tenants of one seed")
	}
	if share := float64(n) / 2000; share < 0.45 || share > 0.65 {
		t.Errorf("%.2f of users have a cost centre, want about 0.54", share)
	}
	if n, _ := count(-1); n != 0 {
		t.Errorf("ExtensionShare -1: %d users with values", n)
	}
	if _, err := Generate(GenerateOptions{Users: 1, ExtensionShare: 1.5}); err == nil {
		t.Error("ExtensionShare 1.5 accepted")
	}
}
