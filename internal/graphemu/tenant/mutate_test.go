package tenant

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestMutations(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	cases := []struct {
		name string
		do   func() error
		want error
	}{
		{"add duplicate UPN", func() error { return tn.Add(User{UserPrincipalName: "ADELE.VANCE@contoso.onmicrosoft.com"}) }, ErrConflict},
		{"add duplicate id", func() error {
			return tn.Add(User{ID: strings.ToUpper(guid(1)), UserPrincipalName: "x@contoso.onmicrosoft.com"})
		}, ErrConflict},
		{"add without UPN", func() error { return tn.Add(User{DisplayName: "No UPN"}) }, ErrInvalid},
		{"add with a bad phone", func() error {
			return tn.Add(User{UserPrincipalName: "p@contoso.onmicrosoft.com", Phones: []PhoneMethod{{PhoneMobile, "555-0100"}}})
		}, ErrInvalid},
		{"add with two mobiles", func() error {
			return tn.Add(User{UserPrincipalName: "p@contoso.onmicrosoft.com", Phones: []PhoneMethod{{PhoneMobile, "+1 1"}, {PhoneMobile, "+1 2"}}})
		}, ErrInvalid},
		{"add with a fax method", func() error {
			return tn.Add(User{UserPrincipalName: "p@contoso.onmicrosoft.com", Phones: []PhoneMethod{{"fax", "+1 1"}}})
		}, ErrInvalid},
		{"update unknown", func() error { return tn.Update("nobody@contoso.onmicrosoft.com", func(*User) {}) }, ErrNotFound},
		{"update the id", func() error { return tn.Update(guid(5), func(u *User) { u.ID = guid(77) }) }, ErrInvalid},
		{"update to a taken UPN", func() error {
			return tn.Update(guid(5), func(u *User) { u.UserPrincipalName = "Megan.Bowen@contoso.onmicrosoft.com" })
		}, ErrConflict},
		{"delete unknown", func() error { return tn.SoftDelete(guid(77)) }, ErrNotFound},
		{"hard-delete unknown", func() error { return tn.HardDelete(guid(77)) }, ErrNotFound},
		{"restore a live user", func() error { return tn.Restore(guid(6)) }, ErrNotFound},
	}
	for _, c := range cases {
		if err := c.do(); !isErr(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if tn.Len() != 12 {
		t.Fatalf("failed mutations changed the tenant: %d users", tn.Len())
	}
}

func TestMutationLifecycle(t *testing.T) {
	t.Parallel()
	tn := generated(t, 200, 0)
	u, _ := tn.Lookup(expected(t, tn, "", "")[10])
	mustDo(t, tn.Update(u.ID, func(x *User) { x.UserPrincipalName = "zz.renamed@contoso.onmicrosoft.com"; x.JobTitle = "Renamed" }))
	if _, ok := tn.Lookup(u.UserPrincipalName); ok {
		t.Fatal("the old UPN still resolves")
	}
	got, ok := tn.Lookup("ZZ.RENAMED@contoso.onmicrosoft.com")
	if !ok || got.ID != u.ID || got.JobTitle != "Renamed" || got.DisplayName != u.DisplayName {
		t.Fatalf("renamed user: %+v", got)
	}
	got.DisplayName = "mutating a copy"
	if again, _ := tn.Lookup(u.ID); again.DisplayName != u.DisplayName {
		t.Fatal("Lookup returned shared state")
	}
	mustDo(t, tn.SoftDelete(u.ID))
	if _, ok := tn.Lookup(u.ID); ok || tn.Len() != 199 {
		t.Fatal("a soft-deleted user is still live")
	}
	mustDo(t, tn.Add(User{UserPrincipalName: "zz.renamed@contoso.onmicrosoft.com"}))
	if err := tn.Restore(u.ID); !isErr(err, ErrConflict) {
		t.Fatalf("restore over a taken UPN: %v", err)
	}
	mustDo(t, tn.HardDelete("zz.renamed@contoso.onmicrosoft.com"))
	mustDo(t, tn.Restore("ZZ.RENAMED@contoso.onmicrosoft.com"))
	if got, ok := tn.Lookup(u.ID); !ok || got.DeletedDateTime != "" || tn.Len() != 200 {
		t.Fatalf("restored: %v %+v", ok, got)
	}
	mustDo(t, tn.SoftDelete(u.ID))
	mustDo(t, tn.HardDelete(u.ID))
	if err := tn.Restore(u.ID); !isErr(err, ErrNotFound) {
		t.Fatalf("restore after hard delete: %v", err)
	}
	if err := tn.Add(User{ID: u.ID, UserPrincipalName: "reuse@contoso.onmicrosoft.com"}); !isErr(err, ErrConflict) {
		t.Fatalf("a deleted id was reused: %v", err)
	}
}

func TestNewFillsIDs(t *testing.T) {
	t.Parallel()
	users := []User{{UserPrincipalName: "a@contoso.onmicrosoft.com"}, {UserPrincipalName: "b@contoso.onmicrosoft.com"}}
	a, err := New("", users)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New("", users)
	ua, _ := a.Lookup("a@contoso.onmicrosoft.com")
	ub, _ := b.Lookup("a@contoso.onmicrosoft.com")
	if ua.ID == "" || ua.ID != ub.ID || a.Domain() != "contoso.onmicrosoft.com" {
		t.Fatalf("ids %q %q", ua.ID, ub.ID)
	}
	if _, ok := parseGUID(ua.ID); !ok {
		t.Fatalf("filled id %q is not a GUID", ua.ID)
	}
	for _, bad := range [][]User{
		{{ID: "x", UserPrincipalName: "a@b"}, {ID: "X", UserPrincipalName: "c@d"}},
		{{UserPrincipalName: "a@b"}, {UserPrincipalName: "A@B"}},
		{{UserPrincipalName: "no-at-sign"}},
	} {
		if _, err := New("", bad); err == nil {
			t.Errorf("New(%v) accepted", bad)
		}
	}
}

// TestConcurrentQueriesAndMutations runs paged queries in parallel with
// mutations (run with -race): every page must answer and no unchanged user
// may be lost or repeated. (A user whose sort key changes mid-scan may be
// met twice, in Graph too.)
func TestConcurrentQueriesAndMutations(t *testing.T) {
	t.Parallel()
	tn := generated(t, 3000, 0.5)
	stable := map[string]bool{}
	for _, u := range expected(t, tn, "", "") {
		stable[u] = true
	}
	var mu sync.Mutex
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			upn := fmt.Sprintf("%c.concurrent%d@contoso.onmicrosoft.com", 'a'+i%26, i)
			if err := tn.Add(User{UserPrincipalName: upn}); err != nil {
				t.Error(err)
				return
			}
			if i%3 == 0 {
				if err := tn.Update(upn, func(u *User) { u.DisplayName = "x" }); err != nil {
					t.Error(err)
				}
			}
			if i%2 == 0 {
				if err := tn.SoftDelete(upn); err != nil {
					t.Error(err)
				}
			}
		}
	}()
	queries := []url.Values{
		values("$top", "97", "$select", "userPrincipalName"),
		values("$top", "999", "$select", "userPrincipalName", "$filter", "startsWith(userPrincipalName,'user')"),
		values("$top", "50", "$select", "userPrincipalName", "$orderby", "displayName"),
		values("$top", "200", "$select", "userPrincipalName", "$filter", "not(startsWith(userPrincipalName,'user'))", "$count", "true"),
	}
	var readers sync.WaitGroup
	for i, q := range queries {
		readers.Add(1)
		go func() {
			defer readers.Done()
			seen := map[string]int{}
			for q != nil {
				pg, err := tn.ListUsers(q, true)
				if err != nil {
					t.Error(err)
					return
				}
				for _, u := range column(decode(t, pg.Value), "userPrincipalName") {
					seen[u]++
					if seen[u] > 1 && stable[u] {
						t.Errorf("unchanged user %s listed twice", u)
					}
				}
				q = pg.Next
			}
			mu.Lock()
			defer mu.Unlock()
			for u := range seen {
				if !stable[u] && !strings.Contains(u, ".concurrent") {
					t.Errorf("unknown user %s", u)
				}
			}
			if i == 0 {
				for u := range stable {
					if seen[u] != 1 {
						t.Errorf("unchanged user %s listed %d times", u, seen[u])
					}
				}
			}
		}()
	}
	readers.Wait()
	close(done)
	wg.Wait()
}
