package tenant

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"
)

// deltaRound follows a delta round to its deltaLink.
func deltaRound(t *testing.T, tn *Tenant, q url.Values) ([]item, url.Values, int) {
	t.Helper()
	var all []item
	pages := 0
	for {
		pg, err := tn.Delta(q, DeltaOptions{})
		if err != nil {
			t.Fatalf("delta page %d: %v", pages, err)
		}
		all = append(all, decode(t, pg.Value)...)
		pages++
		if pg.Next == nil {
			if pg.Delta == nil || pg.Delta.Get("$deltatoken") == "" {
				t.Fatal("last page without a deltaLink")
			}
			return all, pg.Delta, pages
		}
		if pg.Delta != nil {
			t.Fatal("a page with both nextLink and deltaLink")
		}
		q = pg.Next
	}
}

func TestDeltaInitialRound(t *testing.T) {
	t.Parallel()
	tn := generated(t, 250, 0)
	items, link, pages := deltaRound(t, tn, values("$select", "displayName,userPrincipalName"))
	if pages != 2 || len(items) != 250 || link == nil {
		t.Fatalf("%d pages, %d users", pages, len(items))
	}
	if got := column(items, "userPrincipalName"); !slices.Equal(got, expected(t, tn, "", "")) {
		t.Fatal("the initial round is not every user once")
	}
	for _, it := range items {
		if _, ok := it["id"]; !ok || len(it) != 3 {
			t.Fatalf("item %v: id is always returned, and only what is selected", it)
		}
	}
	items, _, _ = deltaRound(t, tn, link)
	if len(items) != 0 {
		t.Fatalf("no changes, yet %d items", len(items))
	}
}

func TestDeltaChanges(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	_, link, _ := deltaRound(t, tn, values("$select", "displayName"))
	mustDo(t, tn.Add(User{ID: guid(50), UserPrincipalName: "new.user@contoso.onmicrosoft.com", DisplayName: "New User"}))
	mustDo(t, tn.Update(guid(1), func(u *User) { u.DisplayName = "Adele V." }))
	mustDo(t, tn.Update(guid(1), func(u *User) { u.DisplayName = "Adele Vance-Smith" }))
	mustDo(t, tn.SoftDelete(guid(2)))
	mustDo(t, tn.HardDelete(guid(3)))
	mustDo(t, tn.SoftDelete(guid(4)))
	mustDo(t, tn.HardDelete(guid(4)))
	items, link2, _ := deltaRound(t, tn, link)
	got := map[string]string{}
	for _, it := range items {
		id := it["id"].(string) //nolint:forcetypeassert // delta items always carry an id
		if _, dup := got[id]; dup {
			t.Fatalf("%s reported twice", id)
		}
		if r, ok := it["@removed"].(map[string]any); ok {
			got[id] = "removed:" + r["reason"].(string) //nolint:forcetypeassert // reason is a string
		} else {
			got[id] = it["displayName"].(string) //nolint:forcetypeassert // selected
		}
	}
	want := map[string]string{
		guid(50): "New User", guid(1): "Adele Vance-Smith",
		guid(2): "removed:changed", guid(3): "removed:deleted", guid(4): "removed:deleted",
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	mustDo(t, tn.Restore(guid(2)))
	items, _, _ = deltaRound(t, tn, link2)
	if len(items) != 1 || items[0]["id"] != guid(2) || items[0]["displayName"] != "Alex Wilber" {
		t.Fatalf("after restore: %v", items)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeltaPagesChanges(t *testing.T) {
	t.Parallel()
	tn := generated(t, 300, 0)
	_, link, _ := deltaRound(t, tn, values("$select", "id,jobTitle"))
	var changed []string
	i := 0
	for u := range tn.Users() {
		if i%2 == 0 {
			changed = append(changed, u.ID)
		}
		i++
	}
	for _, id := range changed {
		mustDo(t, tn.Update(id, func(u *User) { u.JobTitle = "Changed" }))
	}
	items, _, pages := deltaRound(t, tn, link)
	if pages != 1 || !slices.Equal(sortedCopy(column(items, "id")), sortedCopy(changed)) {
		t.Fatalf("%d pages, %d items, want %d", pages, len(items), len(changed))
	}
}

func TestDeltaLatestAndFilter(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	pg, err := tn.Delta(values("$deltatoken", "latest", "$select", "displayName,city"), DeltaOptions{})
	if err != nil || pg.Items != 0 || string(pg.Value) != "[]" || pg.Delta == nil || pg.Next != nil {
		t.Fatalf("latest: %v %v", pg, err)
	}
	mustDo(t, tn.Update(guid(9), func(u *User) { u.City = "北京" }))
	items, _, _ := deltaRound(t, tn, pg.Delta)
	if len(items) != 1 || items[0]["city"] != "北京" || items[0]["id"] != guid(9) {
		t.Fatalf("changes after latest: %v", items)
	}
	items, _, _ = deltaRound(t, tn, values("$filter", "id eq '"+guid(7)+"' or id eq '"+guid(8)+"'"))
	if got := column(items, "id"); !slices.Equal(got, []string{guid(7), guid(8)}) {
		t.Fatalf("filtered delta: %v", got)
	}
}

func TestDeltaErrors(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	for _, q := range []url.Values{
		values("$top", "5"), values("$orderby", "displayName"), values("$search", `"displayName:a"`),
		values("$filter", "startsWith(displayName,'a')"), values("$select", "aboutMe"),
	} {
		if _, err := tn.Delta(q, DeltaOptions{}); err == nil || err.Status == http.StatusOK {
			t.Errorf("Delta(%v) accepted", q)
		}
	}
	_, link, _ := deltaRound(t, tn, values("$select", "displayName"))
	bad := []byte(link.Get("$deltatoken"))
	bad[5] ^= 2
	for _, tok := range []string{string(bad), "bogus", ""} {
		_, err := tn.Delta(values("$deltatoken", tok), DeltaOptions{})
		wantError(t, err, http.StatusGone, CodeResyncRequired, "")
	}
	tn.ExpireDeltaTokens()
	_, err := tn.Delta(link, DeltaOptions{})
	wantError(t, err, http.StatusGone, CodeResyncRequired, "")
	if err.Location.Get("$select") != "displayName" {
		t.Fatalf("Location %v must restart the same query", err.Location)
	}
	if _, err := tn.ListUsers(values("$skiptoken", link.Get("$deltatoken")), false); err == nil {
		t.Error("a delta token was accepted as a page token")
	}
}

func TestDeltaTokenLifetime(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	tn.SetClock(func() time.Time { return now })
	tn.SetDeltaTokenLifetime(7 * 24 * time.Hour)
	_, link, _ := deltaRound(t, tn, values())
	now = now.Add(6 * 24 * time.Hour)
	if _, err := tn.Delta(link, DeltaOptions{}); err != nil {
		t.Fatalf("six days old: %v", err)
	}
	now = now.Add(2 * 24 * time.Hour)
	_, err := tn.Delta(link, DeltaOptions{})
	wantError(t, err, http.StatusBadRequest, CodeSyncStateNotFound, "The delta token is expired and data must be synchronized again.")
}
