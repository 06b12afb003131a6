package tenant

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// roundWith follows a delta round like deltaRound, with DeltaOptions, and
// runs between(page) after each page but the last.
func roundWith(t *testing.T, tn *Tenant, q url.Values, opts DeltaOptions, between func(page int)) ([]item, url.Values, int) {
	t.Helper()
	var all []item
	for pages := 1; ; pages++ {
		pg, err := tn.Delta(q, opts)
		if err != nil {
			t.Fatalf("delta page %d: %v", pages, err)
		}
		if pg.Items > max(opts.pageSize(), 1) {
			t.Fatalf("page %d holds %d items, more than %d", pages, pg.Items, opts.pageSize())
		}
		all = append(all, decode(t, pg.Value)...)
		if pg.Next == nil {
			return all, pg.Delta, pages
		}
		if between != nil {
			between(pages)
		}
		q = pg.Next
	}
}

// A user changed while a round is paged (after the page that listed it)
// must come back in the next round: the deltaLink starts where the round
// began, not where it ended. Both kinds of round.
func TestDeltaChangeDuringRoundIsNotLost(t *testing.T) {
	t.Parallel()
	for _, initial := range []bool{true, false} {
		name := map[bool]string{true: "initial", false: "changes"}[initial]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tn := generated(t, 250, 0)
			opts := DeltaOptions{MaxPageSize: 100}
			q := values("$select", "displayName")
			if !initial {
				_, link, _ := roundWith(t, tn, q, opts, nil)
				for u := range tn.Users() {
					mustDo(t, tn.Update(u.ID, func(u *User) { u.DisplayName += " (1)" }))
				}
				q = link
			}
			var victim string
			items, link, pages := roundWith(t, tn, q, opts, func(page int) {
				if page == 1 {
					victim = strings.ToLower(decodeFirstID(t, tn, q, opts))
					mustDo(t, tn.Update(victim, func(u *User) { u.DisplayName = "Changed meanwhile" }))
				}
			})
			if pages < 2 || len(items) != 250 {
				t.Fatalf("%d pages, %d items", pages, len(items))
			}
			next, _, _ := roundWith(t, tn, link, opts, nil)
			if it, ok := ids(next)[victim]; !ok || it["displayName"] != "Changed meanwhile" {
				t.Fatalf("the change made during the round is lost: next round %v", next)
			}
		})
	}
}

// decodeFirstID is the id of the first item of the page q answers.
func decodeFirstID(t *testing.T, tn *Tenant, q url.Values, opts DeltaOptions) string {
	t.Helper()
	pg, err := tn.Delta(q, opts)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := decode(t, pg.Value)[0]["id"].(string)
	return id
}

// What a change round says of each user: removed with Graph's reason,
// created and restored users whole, updated users by id and only the
// selected properties that changed, and nothing of users whose changes
// touched nothing selected.
func TestDeltaChangeRoundItems(t *testing.T) {
	t.Parallel()
	other := otherExtension
	sel := "displayName,jobTitle,accountEnabled," + ExtensionCostCentre + "," + other + "," + ExtensionBadgeNumber
	tests := []struct {
		name   string
		sel    string
		change func(*Tenant) error
		want   []string // keys of the user's item; nil: no item
		reason string   // "@removed" reason
	}{
		{"updated", sel, func(tn *Tenant) error { return tn.Update(guid(1), func(u *User) { u.DisplayName = "A. Vance" }) },
			[]string{"displayName", "id"}, ""},
		{"updated twice", sel, func(tn *Tenant) error {
			mustDo(t, tn.Update(guid(1), func(u *User) { u.DisplayName = "A. Vance" }))
			return tn.Update(guid(1), func(u *User) { u.JobTitle = "" })
		}, []string{"displayName", "id", "jobTitle"}, ""},
		{"not selected", sel, func(tn *Tenant) error { return tn.Update(guid(1), func(u *User) { u.City = "Seattle" }) }, nil, ""},
		{"no change", sel, func(tn *Tenant) error { return tn.Update(guid(1), func(*User) {}) }, nil, ""},
		{"every extension of the type", sel, func(tn *Tenant) error {
			return tn.Update(guid(1), func(u *User) { u.Extensions[ExtensionCostCentre] = "CC-2" })
		}, []string{ExtensionCostCentre, "id", other}, ""},
		{"an extension cleared", sel, func(tn *Tenant) error {
			return tn.Update(guid(1), func(u *User) { delete(u.Extensions, ExtensionBadgeNumber) })
		}, []string{ExtensionBadgeNumber, "id"}, ""},
		{"without $select every change counts", "", func(tn *Tenant) error {
			return tn.Update(guid(1), func(u *User) { u.Department = "Sales" })
		}, []string{"id"}, ""},
		{"without $select, the default properties", "", func(tn *Tenant) error {
			return tn.Update(guid(1), func(u *User) { u.Department, u.Surname = "Sales", "V." })
		}, []string{"id", "surname"}, ""},
		{"created", sel, func(tn *Tenant) error {
			return tn.Add(User{ID: guid(1), UserPrincipalName: "new@contoso.onmicrosoft.com", DisplayName: "New"})
		}, []string{"accountEnabled", "displayName", "id", "jobTitle"}, ""},
		{"soft-deleted", sel, func(tn *Tenant) error { return tn.SoftDelete(guid(1)) }, []string{"@removed", "id"}, "changed"},
		{"hard-deleted", sel, func(tn *Tenant) error { return tn.HardDelete(guid(1)) }, []string{"@removed", "id"}, "deleted"},
		{"soft, then hard", sel, func(tn *Tenant) error {
			mustDo(t, tn.SoftDelete(guid(1)))
			return tn.HardDelete(guid(1))
		}, []string{"@removed", "id"}, "deleted"},
		{"restored", sel, func(tn *Tenant) error {
			mustDo(t, tn.SoftDelete(guid(1)))
			return tn.Restore(guid(1))
		}, []string{ExtensionBadgeNumber, ExtensionCostCentre, "accountEnabled", "displayName", "id", "jobTitle", other}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			users := fixtureUsers()
			users[0].Extensions = map[string]any{ExtensionCostCentre: "CC-1", other: "North", ExtensionBadgeNumber: 7}
			users[1].Extensions = map[string]any{other: "South"} // registers it when user 0 is left out
			if tt.name == "created" {
				users = users[1:]
			}
			tn, err := New("", users)
			mustDo(t, err)
			q := values()
			if tt.sel != "" {
				q = values("$select", tt.sel)
			}
			_, link, _ := deltaRound(t, tn, q)
			mustDo(t, tt.change(tn))
			items, _, _ := deltaRound(t, tn, link)
			it, ok := ids(items)[guid(1)]
			switch {
			case tt.want == nil && ok:
				t.Fatalf("reported %v, want nothing", it)
			case tt.want == nil:
				return
			case !ok || !slices.Equal(keys(it), sortedCopy(tt.want)):
				t.Fatalf("item %v, want keys %v", it, tt.want)
			}
			if r, _ := it["@removed"].(map[string]any); tt.reason != "" && r["reason"] != tt.reason {
				t.Errorf("@removed %v, want reason %q", it["@removed"], tt.reason)
			}
			for _, k := range []string{"jobTitle", ExtensionBadgeNumber} {
				if v, ok := it[k]; ok && v != nil && tt.name != "restored" {
					t.Errorf("%s set to null reads %v, want null", k, v)
				}
			}
		})
	}
}

// Prefer: odata.maxpagesize sets smaller pages; Graph's own size is 200
// and the most it gives.
func TestDeltaPageSize(t *testing.T) {
	t.Parallel()
	tn := generated(t, 450, 0)
	for _, tt := range []struct {
		max, pages int
	}{{0, 3}, {50, 9}, {200, 3}, {1000, 3}, {-1, 3}} {
		items, _, pages := roundWith(t, tn, values("$select", "id"), DeltaOptions{MaxPageSize: tt.max}, nil)
		if pages != tt.pages || len(items) != 450 {
			t.Errorf("maxpagesize %d: %d pages, %d items; want %d pages", tt.max, pages, len(items), tt.pages)
		}
	}
}

// Tokens that have lived too long answer Graph's 400 syncStateNotFound,
// next pages and delta links alike; tokens the directory no longer honours
// 410 Gone with the query to start again from.
func TestDeltaTokenExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	tn := generated(t, 300, 0)
	tn.SetClock(func() time.Time { return now })
	tn.SetDeltaTokenLifetime(time.Hour)
	q := values("$select", "displayName", "$filter", "id eq '"+guid(1)+"' or id eq '"+guid(2)+"'")
	pg, err := tn.Delta(values("$select", "displayName"), DeltaOptions{MaxPageSize: 100})
	mustDo(t, errOrNil(err))
	next := pg.Next
	filtered, err := tn.Delta(q, DeltaOptions{})
	mustDo(t, errOrNil(err))
	now = now.Add(2 * time.Hour)
	for _, link := range []url.Values{next, filtered.Delta} {
		_, err := tn.Delta(link, DeltaOptions{})
		wantError(t, err, http.StatusBadRequest, CodeSyncStateNotFound, "The sync state generation is not found.")
	}
	tn.SetDeltaTokenLifetime(7 * 24 * time.Hour)
	tn.ExpireDeltaTokens()
	_, err = tn.Delta(filtered.Delta, DeltaOptions{})
	wantError(t, err, http.StatusGone, CodeResyncRequired, "")
	if err.Location.Get("$select") != "displayName" || err.Location.Get("$filter") != q.Get("$filter") {
		t.Errorf("Location %v does not restart the query", err.Location)
	}
}
