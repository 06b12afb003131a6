package graphemu

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// goldenTenant is a generated directory whose page and delta tokens are
// byte-stable (the tenant's clock is fixed).
func goldenTenant(t *testing.T) *tenant.Tenant {
	t.Helper()
	ten, err := tenant.Generate(tenant.GenerateOptions{Seed: 1, Users: 25, Domain: testDomain, SharedPrefixShare: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	ten.SetClock(epoch)
	return ten
}

// withMethods is a user with three phone methods and an email method.
func withMethods(t *testing.T, ten *tenant.Tenant) tenant.User {
	t.Helper()
	for u := range ten.Users() {
		if len(u.Phones) == 3 && u.Email != "" {
			return u
		}
	}
	t.Fatal("no user with every method")
	return tenant.User{}
}

// linkPath is a link of this Graph without its base, to request it again.
func linkPath(t *testing.T, body []byte, key string) string {
	t.Helper()
	var p map[string]json.RawMessage
	mustUnmarshal(t, body, &p)
	var link string
	mustUnmarshal(t, p[key], &link)
	if !strings.HasPrefix(link, "http://graph.test/v1.0/") {
		t.Fatalf("%s %q is not a link of this Graph", key, link)
	}
	return strings.TrimPrefix(link, "http://graph.test")
}

// TestPageGoldens pins list, delta and authentication-methods answers as they
// leave the HTTP layer (status, headers, key order, link encoding), byte for
// byte. The tenant's own goldens pin what it builds; these, what a client
// receives.
func TestPageGoldens(t *testing.T) {
	t.Parallel()
	ten := goldenTenant(t)
	ts := newServer(t, Config{Tenant: ten})
	someone := withMethods(t, ten)
	eventual := map[string]string{"ConsistencyLevel": "eventual"}
	first := ts.graph("GET", "/v1.0/users?$select=id,userPrincipalName,displayName,businessPhones&$top=3&$count=true"+
		"&$filter="+url.QueryEscape("startsWith(userPrincipalName,'user') or displayName eq 'O''Brien & co'"), eventual, "")
	next := ts.graph("GET", linkPath(t, first.body, "@odata.nextLink"), eventual, "")
	delta := ts.graph("GET", "/v1.0/users/delta?$select=displayName,accountEnabled", nil, "")
	methods := ts.graph("GET", "/v1.0/users/"+someone.ID+"/authentication/methods", nil, "")
	all := upnsOf(ten)
	for _, err := range []error{
		ten.Update(all[0], func(u *tenant.User) { f := false; u.AccountEnabled = &f }),
		ten.SoftDelete(all[1]), ten.HardDelete(all[2]),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	changes := ts.graph("GET", linkPath(t, delta.body, "@odata.deltaLink"), nil, "")
	for _, c := range []struct {
		name string
		r    response
	}{
		{"list_first_page", first}, {"list_next_page", next}, {"delta_initial", delta},
		{"delta_changes", changes}, {"auth_methods", methods},
	} {
		if c.r.status != 200 {
			t.Fatalf("%s: %s", c.name, c.r)
		}
		checkGolden(t, c.name+".golden", render(c.r))
	}
}

// upnsOf lists the tenant's UPNs in Graph's order.
func upnsOf(ten *tenant.Tenant) []string {
	var upns []string
	for u := range ten.Users() {
		upns = append(upns, u.UserPrincipalName)
	}
	return upns
}

// TestMaskPhonesOverHTTP: with Config.MaskPhones the authentication-methods
// endpoints answer every phone number masked, as an Authentication
// Administrator sees them, keeping the country code and the last two digits;
// email addresses are not masked.
func TestMaskPhonesOverHTTP(t *testing.T) {
	t.Parallel()
	ten := goldenTenant(t)
	plain, masked := newServer(t, Config{Tenant: ten}), newServer(t, Config{Tenant: ten, MaskPhones: true})
	someone := withMethods(t, ten)
	type method struct {
		ID, PhoneNumber, EmailAddress string
	}
	read := func(ts *testServer, path string) []method {
		t.Helper()
		r := ts.graph("GET", "/v1.0/users/"+someone.ID+"/authentication/"+path, nil, "")
		if r.status != 200 {
			t.Fatalf("%s: %s", path, r)
		}
		var p struct{ Value []method }
		mustUnmarshal(t, r.body, &p)
		return p.Value
	}
	for _, path := range []string{"methods", "phoneMethods", "emailMethods"} {
		open, hidden := read(plain, path), read(masked, path)
		if len(open) != len(hidden) || len(open) == 0 {
			t.Fatalf("%s: %d methods plain, %d masked", path, len(open), len(hidden))
		}
		for i, m := range hidden {
			c := open[i]
			if m.ID != c.ID || m.EmailAddress != c.EmailAddress {
				t.Errorf("%s: masked %+v, plain %+v", path, m, c)
			}
			if c.PhoneNumber == "" {
				continue
			}
			cc, _, _ := strings.Cut(c.PhoneNumber, " ")
			digits := strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, strings.SplitN(c.PhoneNumber, "x", 2)[0])
			if m.PhoneNumber == c.PhoneNumber || !strings.HasPrefix(m.PhoneNumber, cc+" ") || !strings.Contains(m.PhoneNumber, "XX") ||
				!strings.Contains(m.PhoneNumber, digits[len(digits)-2:]) || strings.Contains(m.PhoneNumber, c.PhoneNumber[len(cc)+1:]) {
				t.Errorf("%s: %q masked as %q", path, c.PhoneNumber, m.PhoneNumber)
			}
		}
	}
	r := masked.graph("GET", "/v1.0/users/"+someone.ID+"/authentication/phoneMethods", nil, "")
	checkGolden(t, "auth_phone_methods_masked.golden", render(r))
}
