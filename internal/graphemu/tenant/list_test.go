package tenant

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func keysOf(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, k.(string)) //nolint:forcetypeassert // object keys are strings
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

func TestSelect(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	defaults := []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
		"officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}
	cases := []struct {
		sel, context string
		keys         []string
	}{
		{"", "users", defaults},
		{"displayName,ID", "users(displayName,id)", []string{"displayName", "id"}},
		{" userprincipalname , DISPLAYNAME ", "users(userPrincipalName,displayName)", []string{"userPrincipalName", "displayName"}},
		{"id,id,mail", "users(id,mail)", []string{"id", "mail"}},
		{"otherMails,accountEnabled,signInActivity", "users(otherMails,accountEnabled,signInActivity)", []string{"otherMails", "accountEnabled", "signInActivity"}},
	}
	for _, c := range cases {
		t.Run(c.sel, func(t *testing.T) {
			t.Parallel()
			q := values("$top", "3")
			if c.sel != "" {
				q.Set("select", c.sel) // Graph takes options without '$' too
			}
			pg, err := tn.ListUsers(q, false)
			if err != nil {
				t.Fatal(err)
			}
			if pg.Context != c.context {
				t.Errorf("context %q, want %q", pg.Context, c.context)
			}
			var items []json.RawMessage
			if err := json.Unmarshal(pg.Value, &items); err != nil || len(items) != 3 {
				t.Fatalf("%d items, %v", len(items), err)
			}
			for _, it := range items {
				keys, err := keysOf(it)
				if err != nil || !slices.Equal(keys, c.keys) {
					t.Fatalf("keys %v (%v), want %v", keys, err, c.keys)
				}
			}
		})
	}
	pg, err := tn.ListUsers(values("$select", "*", "$top", "1"), false)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(decode(t, pg.Value)[0]); n != len(ListProperties()) {
		t.Errorf("$select=* gave %d properties, want %d", n, len(ListProperties()))
	}
}

func TestSelectNullsAndEmpties(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	pg, err := tn.ListUsers(values("$select", "displayName,givenName,otherMails,accountEnabled,employeeOrgData", "$filter", "startsWith(userPrincipalName,'#')"), false)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"displayName":"Hash Tag","givenName":null,"otherMails":[],"accountEnabled":null,"employeeOrgData":null}]`
	if string(pg.Value) != want {
		t.Fatalf("got %s\nwant %s", pg.Value, want)
	}
}

func TestQueryOptionErrors(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	const pageSize = "Must be between 1 and 999 inclusive."
	cases := []struct {
		q         url.Values
		status    int
		code, msg string
	}{
		{values("$top", "1000"), 400, CodeUnsupportedQuery, "Invalid page size specified: '1000'. " + pageSize},
		{values("$top", "0"), 400, CodeUnsupportedQuery, "Invalid page size specified: '0'. " + pageSize},
		{values("$top", "-5"), 400, CodeUnsupportedQuery, "Invalid page size specified: '-5'."},
		{values("$top", "ten"), 400, CodeUnsupportedQuery, "Invalid page size specified: 'ten'."},
		{values("$skip", "10"), 400, CodeBadRequest, "'$skip' is not supported by the service."},
		{values("$select", "foo"), 400, CodeBadRequest, "Could not find a property named 'foo' on type 'Microsoft.DirectoryServices.User'."},
		{values("$select", "id,manager"), 400, CodeBadRequest, "property named 'manager'"},
		{values("$select", "id,aboutMe"), 501, CodeNotImplemented, "This operation target is not yet supported."},
		{values("$select", "skills"), 501, CodeNotImplemented, ""},
		{values("$select", "mailboxSettings"), 501, CodeNotImplemented, ""},
		{values("$select", "id", "select", "mail"), 400, CodeBadRequest, "Query option 'Select' was specified more than once"},
		{url.Values{"$top": {"1", "2"}}, 400, CodeBadRequest, "Query option 'Top' was specified more than once"},
		{values("$foo", "1"), 400, CodeBadRequest, "Unrecognized query argument specified: '$foo'."},
		{values("$count", "maybe"), 400, CodeBadRequest, "$count"},
		{values("$orderby", "city"), 400, CodeUnsupportedQuery, "Unsupported sort property 'city'"},
		{values("$orderby", "displayName,userPrincipalName"), 400, CodeUnsupportedQuery, ""},
		{values("$orderby", "displayName sideways"), 400, CodeBadRequest, ""},
		{values("$orderby", "displayName", "$filter", "accountEnabled eq true"), 400, CodeUnsupportedQuery, "Sorting not supported for current query."},
		{values("$search", `"displayName:a"`), 400, CodeUnsupportedQuery, "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'"},
		{values("$expand", "manager"), 400, CodeBadRequest, "navigation property"},
		{values("$skiptoken", "garbage"), 400, CodeBadRequest, "Invalid Skip Token"},
		{values("$deltatoken", "x"), 400, CodeBadRequest, ""},
	}
	for _, c := range cases {
		t.Run(c.q.Encode(), func(t *testing.T) {
			t.Parallel()
			_, err := tn.ListUsers(c.q, false)
			wantError(t, err, c.status, c.code, c.msg)
		})
	}
	for _, top := range []string{"1", "999", " 50 "} {
		if _, err := tn.ListUsers(values("$top", top, "foo", "ignored"), false); err != nil {
			t.Errorf("$top=%q: %v", top, err)
		}
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	tn := generated(t, 700, 0.5)
	pg, err := tn.ListUsers(values("$count", "true", "$top", "100"), true)
	if err != nil || !pg.HasCount || pg.Count != 700 {
		t.Fatalf("first page: count %d has %v err %v", pg.Count, pg.HasCount, err)
	}
	next, err := tn.ListUsers(pg.Next, true)
	if err != nil || next.HasCount {
		t.Fatalf("later page carries @odata.count (%v)", err)
	}
	pg, err = tn.ListUsers(values("$count", "true"), false)
	if err != nil || pg.HasCount {
		t.Fatalf("$count without ConsistencyLevel must be ignored: %v %v", pg.HasCount, err)
	}
	_, err = tn.CountUsers(nil, false)
	wantError(t, err, http.StatusBadRequest, CodeBadRequest, "$count is not currently supported.")
	n, err := tn.CountUsers(nil, true)
	if err != nil || n != 700 {
		t.Fatalf("/users/$count = %d, %v", n, err)
	}
	want := len(expected(t, tn, "startsWith(userPrincipalName,'user') and accountEnabled eq true", ""))
	n, err = tn.CountUsers(values("$filter", "startsWith(userPrincipalName,'user') and accountEnabled eq true"), true)
	if err != nil || n != want || want == 0 {
		t.Fatalf("filtered count %d, %v, want %d", n, err, want)
	}
	pg, err = tn.ListUsers(values("$filter", "endsWith(mail,'.com')", "$count", "true", "$top", "5"), true)
	if err != nil || pg.Count != len(expected(t, tn, "endsWith(mail,'.com')", "")) {
		t.Fatalf("advanced count %d, %v", pg.Count, err)
	}
}

func TestSearch(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	cases := []struct {
		search string
		want   []string
	}{
		{`"displayName:ade"`, []string{"Adele Vance"}},
		{`"displayName:VAN"`, []string{"Adele Vance"}},
		{`"displayName:o'brien"`, []string{"Tilde O'Brien"}},
		{`"mail:meganb"`, []string{"Megan Bowen"}},
		{`"mail:contoso.com"`, []string{"Adele Vance", "Alex Wilber", "Megan Bowen", "王伟"}},
		{`"displayName:ade" OR "displayName:meg"`, []string{"Adele Vance", "Megan Bowen"}},
		{`"displayName:a" AND "mail:alexw"`, []string{"Alex Wilber"}},
		{`"displayName:иван"`, []string{"Иван Иванов"}},
		{`"displayName:nobody"`, nil},
	}
	for _, c := range cases {
		t.Run(c.search, func(t *testing.T) {
			t.Parallel()
			items, _ := listAll(t, tn, values("$search", c.search, "$select", "displayName"), true)
			if got := column(items, "displayName"); !slices.Equal(got, c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
	for _, bad := range []string{`"displayName:a" or "mail:b"`, `displayName:a`, `"displayName:a`, `"city:Paris"`, `"wa"`, `"displayName:a" AND`} {
		if _, err := tn.ListUsers(values("$search", bad), true); err == nil || err.Status != http.StatusBadRequest {
			t.Errorf("$search=%s accepted (%v)", bad, err)
		}
	}
	n, err := tn.CountUsers(values("$search", `"displayName:a"`), true)
	if err != nil || n != 2 {
		t.Errorf("count with $search = %d, %v", n, err)
	}
}

func TestOrderBy(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	byName := func(desc bool) []string {
		var names []string
		for _, u := range fixtureUsers() {
			names = append(names, u.DisplayName)
		}
		slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
		if desc {
			slices.Reverse(names)
		}
		return names
	}
	cases := []struct {
		orderby string
		want    []string
	}{
		{"displayName", byName(false)},
		{"displayName asc", byName(false)},
		{"DisplayName DESC", byName(true)},
	}
	for _, c := range cases {
		items, pages := listAll(t, tn, values("$orderby", c.orderby, "$top", "5", "$select", "displayName"), false)
		if got := column(items, "displayName"); !slices.Equal(got, c.want) || pages != 3 {
			t.Errorf("$orderby=%s: %d pages %q, want %q", c.orderby, pages, got, c.want)
		}
	}
	items, _ := listAll(t, tn, values("$orderby", "userPrincipalName desc", "$top", "4", "$select", "userPrincipalName"), false)
	want := expected(t, tn, "", "")
	slices.Reverse(want)
	if got := column(items, "userPrincipalName"); !slices.Equal(got, want) {
		t.Errorf("userPrincipalName desc: %q", got)
	}
	items, _ = listAll(t, tn, values("$orderby", "displayName", "$filter", "accountEnabled eq true", "$count", "true", "$select", "displayName"), true)
	if got := column(items, "displayName"); len(got) != 8 || !slices.IsSortedFunc(got, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
		t.Errorf("filtered and ordered: %q", got)
	}
}

func TestSignInActivityPageCap(t *testing.T) {
	t.Parallel()
	tn := generated(t, 500, 0)
	for _, q := range []url.Values{
		values("$select", "id,signInActivity", "$top", "999"),
		values("$select", "id", "$top", "999", "$filter", "signInActivity/lastSignInDateTime ge 2000-01-01T00:00:00Z"),
	} {
		pg, err := tn.ListUsers(q, false)
		if err != nil {
			t.Fatal(err)
		}
		if pg.Items != signInPageCap || pg.Next == nil {
			t.Errorf("%v: page of %d, want %d with a nextLink", q, pg.Items, signInPageCap)
		}
		if !SelectsProperty(q, PropSignInActivity) {
			t.Errorf("SelectsProperty(%v) = false", q)
		}
	}
	if pg, _ := tn.ListUsers(values("$select", "id,signInActivity", "$top", "50"), false); pg.Items != 50 {
		t.Errorf("a smaller $top is kept: %d", pg.Items)
	}
	if SelectsProperty(values("$select", "id,mail", "$filter", "startsWith(mail,'signInActivity')"), PropSignInActivity) {
		t.Error("SelectsProperty matched a string literal")
	}
}

// TestPagingCompleteness follows every nextLink of many queries and checks
// the concatenated pages hold exactly the expected users, in order.
func TestPagingCompleteness(t *testing.T) {
	t.Parallel()
	tn := generated(t, 3000, 0.6)
	cases := []struct {
		q                url.Values
		filter, search   string
		eventual         bool
		descending, byDN bool
	}{
		{q: values()},
		{q: values("$top", "999", "$select", "id,userPrincipalName")},
		{q: values("$top", "7", "$select", "userPrincipalName"), filter: "startsWith(userPrincipalName,'user1')"},
		{q: values("$top", "999", "$count", "true"), filter: "not(startsWith(userPrincipalName,'user'))", eventual: true},
		{q: values("$top", "50"), filter: "accountEnabled eq false"},
		{q: values("$top", "33"), filter: "startsWith(userPrincipalName,'user2') and userType eq 'Member'"},
		{q: values("$top", "100", "$count", "true"), search: `"displayName:a" OR "mail:user3"`, eventual: true},
		{q: values("$top", "64", "$orderby", "userPrincipalName desc"), descending: true},
		{q: values("$top", "999", "$orderby", "displayName"), byDN: true},
		{q: values("$top", "200", "$orderby", "displayName desc"), byDN: true, descending: true},
		{q: values("$top", "77", "$orderby", "userPrincipalName desc", "$count", "true"), descending: true, eventual: true,
			filter: "startsWith(userPrincipalName,'user1') or startsWith(userPrincipalName,'a') or userPrincipalName le '1'"},
	}
	for _, c := range cases {
		q := c.q
		if c.filter != "" {
			q.Set("$filter", c.filter)
		}
		if c.search != "" {
			q.Set("$search", c.search)
		}
		t.Run(q.Encode(), func(t *testing.T) {
			t.Parallel()
			if !q.Has("$select") {
				q.Set("$select", "userPrincipalName,displayName")
			}
			items, pages := listAll(t, tn, q, c.eventual)
			want := expected(t, tn, c.filter, c.search)
			got := column(items, "userPrincipalName")
			if c.byDN {
				ascending := slices.Clone(items)
				if c.descending {
					slices.Reverse(ascending)
				}
				if !slices.IsSortedFunc(ascending, func(a, b item) int {
					return strings.Compare(strings.ToLower(a["displayName"].(string)), strings.ToLower(b["displayName"].(string))) //nolint:forcetypeassert // every generated user has a display name
				}) {
					t.Error("not ordered by displayName")
				}
				if order := byDisplayName(tn, want, c.descending); !slices.Equal(got, order) {
					t.Error("not in the displayName order (ties by userPrincipalName), or its reverse when descending")
				}
				got, want = sortedCopy(got), sortedCopy(want)
			} else if c.descending {
				slices.Reverse(want)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%d pages, %d users, want %d", pages, len(got), len(want))
			}
		})
	}
}

// byDisplayName orders UPNs as $orderby=displayName does: by lower-cased
// display name, ties by lower-cased UPN; descending is the exact reverse.
func byDisplayName(tn *Tenant, upns []string, descending bool) []string {
	names := map[string]string{}
	for u := range tn.Users() {
		names[u.UserPrincipalName] = strings.ToLower(u.DisplayName)
	}
	out := slices.Clone(upns)
	slices.SortFunc(out, func(a, b string) int {
		if c := strings.Compare(names[a], names[b]); c != 0 {
			return c
		}
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	})
	if descending {
		slices.Reverse(out)
	}
	return out
}

// TestPartitionsCoverEveryUserOnce splits the directory the way the
// provider does and checks the union is every user exactly once.
func TestPartitionsCoverEveryUserOnce(t *testing.T) {
	t.Parallel()
	tn := generated(t, 5000, 0.6)
	prefixes := []string{"a", "b", "e", "m", "user1", "user2", "user"}
	var filters []string
	var rest []string
	for _, p := range prefixes[:len(prefixes)-1] {
		filters = append(filters, "startsWith(userPrincipalName,'"+p+"')")
	}
	filters = append(filters, "startsWith(userPrincipalName,'user') and not(startsWith(userPrincipalName,'user1') or startsWith(userPrincipalName,'user2'))")
	for _, p := range []string{"a", "b", "e", "m", "user"} {
		rest = append(rest, "startsWith(userPrincipalName,'"+p+"')")
	}
	filters = append(filters, "not("+strings.Join(rest, " or ")+")")
	seen := map[string]int{}
	for _, f := range filters {
		items, _ := listAll(t, tn, values("$filter", f, "$count", "true", "$top", "999", "$select", "id"), true)
		for _, id := range column(items, "id") {
			seen[id]++
		}
	}
	if len(seen) != 5000 {
		t.Fatalf("partitions cover %d users of 5000", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("user %s listed %d times", id, n)
		}
	}
}

// TestPagingWithMutations changes the directory between pages: unchanged
// users are still listed exactly once.
func TestPagingWithMutations(t *testing.T) {
	t.Parallel()
	tn := generated(t, 1000, 0.3)
	before := expected(t, tn, "", "")
	touched := map[string]bool{}
	q := values("$top", "40", "$select", "userPrincipalName")
	var got []string
	for step := 0; q != nil; step++ {
		pg, err := tn.ListUsers(q, false)
		if err != nil {
			t.Fatalf("page %d: %v", step, err)
		}
		got = append(got, column(decode(t, pg.Value), "userPrincipalName")...)
		q = pg.Next
		victim := before[(step*97)%len(before)]
		other := before[(step*131+7)%len(before)]
		if touched[victim] || touched[other] {
			continue
		}
		touched[victim], touched[other] = true, true
		added := fmt.Sprintf("%c-added-%d@contoso.onmicrosoft.com", 'a'+step%26, step)
		touched[added] = true
		if err := tn.Add(User{UserPrincipalName: added}); err != nil {
			t.Fatal(err)
		}
		if err := tn.SoftDelete(victim); err != nil {
			t.Fatal(err)
		}
		renamed := "renamed-" + other
		touched[renamed] = true
		if err := tn.Update(other, func(u *User) { u.UserPrincipalName = renamed }); err != nil {
			t.Fatal(err)
		}
	}
	count := map[string]int{}
	for _, u := range got {
		count[u]++
		if count[u] > 1 {
			t.Fatalf("%s listed twice", u)
		}
	}
	for _, u := range before {
		if !touched[u] && count[u] != 1 {
			t.Fatalf("unchanged user %s listed %d times", u, count[u])
		}
	}
}

func TestPageTokens(t *testing.T) {
	t.Parallel()
	tn := generated(t, 300, 0)
	q := values("$top", "10", "$select", "id")
	pg, err := tn.ListUsers(q, false)
	if err != nil || pg.Next == nil {
		t.Fatal(err)
	}
	token := pg.Next.Get("$skiptoken")
	if pg.Next.Get("$top") != "10" || pg.Next.Get("$select") != "id" {
		t.Fatalf("nextLink lost the options: %v", pg.Next)
	}
	tamper := []byte(token)
	tamper[len(tamper)/2] ^= 1
	cases := []struct {
		name string
		q    url.Values
	}{
		{"tampered", values("$top", "10", "$select", "id", "$skiptoken", string(tamper))},
		{"truncated", values("$top", "10", "$select", "id", "$skiptoken", token[:len(token)-3])},
		{"other $top", values("$top", "11", "$select", "id", "$skiptoken", token)},
		{"other $select", values("$top", "10", "$select", "id,mail", "$skiptoken", token)},
		{"added $filter", values("$top", "10", "$select", "id", "$filter", "accountEnabled eq true", "$skiptoken", token)},
		{"other tenant", values("$top", "10", "$select", "id", "$skiptoken", mustNext(t, fixture(t)))},
	}
	for _, c := range cases {
		_, err := tn.ListUsers(c.q, false)
		wantError(t, err, http.StatusBadRequest, CodeBadRequest, "Invalid Skip Token")
	}
	if _, err := tn.ListUsers(pg.Next, false); err != nil {
		t.Fatalf("a token is reusable until it expires: %v", err)
	}
	tn.ExpirePageTokens()
	_, err = tn.ListUsers(pg.Next, false)
	wantError(t, err, http.StatusBadRequest, CodeExpiredPageToken, "The specified page token value has expired and can no longer be included in your request.")
	if _, err := tn.ListUsers(q, false); err != nil {
		t.Fatalf("a new scan starts after expiry: %v", err)
	}
}

func mustNext(t *testing.T, tn *Tenant) string {
	t.Helper()
	pg, err := tn.ListUsers(values("$top", "1", "$select", "id"), false)
	if err != nil || pg.Next == nil {
		t.Fatal(err)
	}
	return pg.Next.Get("$skiptoken")
}

func TestPageTokenLifetime(t *testing.T) {
	t.Parallel()
	tn := generated(t, 50, 0)
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tn.SetClock(func() time.Time { return now })
	tn.SetPageTokenLifetime(time.Minute)
	pg, err := tn.ListUsers(values("$top", "10"), false)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(59 * time.Second)
	if _, err := tn.ListUsers(pg.Next, false); err != nil {
		t.Fatalf("young token refused: %v", err)
	}
	now = now.Add(2 * time.Second)
	_, err = tn.ListUsers(pg.Next, false)
	wantError(t, err, http.StatusBadRequest, CodeExpiredPageToken, "")
}

// TestEmptyPagesWithNextLink: a filter that matches nothing in a scanned
// range answers an empty page with a nextLink, as Graph may.
func TestEmptyPagesWithNextLink(t *testing.T) {
	t.Parallel()
	tn := generated(t, 2000, 0)
	tn.SetScanLimit(50)
	filter := "accountEnabled eq false and userType eq 'Guest'"
	items, pages := listAll(t, tn, values("$filter", filter, "$select", "userPrincipalName", "$top", "999"), false)
	want := expected(t, tn, filter, "")
	if got := column(items, "userPrincipalName"); !slices.Equal(got, want) {
		t.Fatalf("got %d users, want %d", len(got), len(want))
	}
	if pages < 2000/50 || len(want) >= pages {
		t.Fatalf("%d pages for %d matches: expected empty pages", pages, len(want))
	}
}

// TestPrefixFilterUsesIndex: with a tiny scan budget, a prefix partition
// still fills its pages, because startsWith on userPrincipalName is a range
// of the sorted index rather than a scan.
func TestPrefixFilterUsesIndex(t *testing.T) {
	t.Parallel()
	tn := generated(t, 20000, 0.6)
	tn.SetScanLimit(1000)
	for _, f := range []string{
		"startsWith(userPrincipalName,'user1')",
		"startsWith(userPrincipalName,'user') and not(startsWith(userPrincipalName,'user1') or startsWith(userPrincipalName,'user2'))",
	} {
		pg, err := tn.ListUsers(values("$filter", f, "$count", "true", "$top", "999", "$select", "id"), true)
		if err != nil {
			t.Fatal(err)
		}
		if pg.Items != 999 {
			t.Errorf("%s: first page holds %d users, want 999", f, pg.Items)
		}
	}
}

// FuzzSkipToken: a token the tenant did not issue is refused cleanly, never
// a panic and never a page. One it did issue (the seed's, or one a run of
// the same seed issued at another time: the key follows the seed) opens
// only when it is exactly what the tenant seals, byte for byte.
func FuzzSkipToken(f *testing.F) {
	tn, err := Generate(GenerateOptions{Seed: 3, Users: 50})
	if err != nil {
		f.Fatal(err)
	}
	pg, _ := tn.ListUsers(values("$top", "5"), false)
	f.Add(pg.Next.Get("$skiptoken"))
	f.Add("")
	f.Add("cAEAAAAA")
	f.Fuzz(func(t *testing.T, token string) {
		if pt, err := tn.openToken(token); err == nil {
			if sealed := tn.sealToken(pt); sealed != token {
				t.Fatalf("token %q opened, but the tenant seals it as %q", token, sealed)
			}
			return
		}
		got, err := tn.ListUsers(values("$top", "5", "$skiptoken", token), false)
		if token == "" {
			return
		}
		if err == nil || got != nil {
			t.Fatalf("token %q accepted", token)
		}
		if _, err := tn.Delta(values("$skiptoken", token), DeltaOptions{}); err == nil {
			t.Fatalf("delta token %q accepted", token)
		}
	})
}

// TestOrderByDisplayNameWithOverlay mixes generated and changed users in the
// displayName order.
func TestOrderByDisplayNameWithOverlay(t *testing.T) {
	t.Parallel()
	tn := generated(t, 600, 0.2)
	all := expected(t, tn, "", "")
	for i, upn := range all[:40] {
		mustDo(t, tn.Update(upn, func(u *User) { u.DisplayName = fmt.Sprintf("Renamed %03d", 40-i) }))
	}
	for i := range 30 {
		mustDo(t, tn.Add(User{UserPrincipalName: fmt.Sprintf("zz%d@contoso.onmicrosoft.com", i), DisplayName: fmt.Sprintf("Added %d", i%7)}))
	}
	mustDo(t, tn.SoftDelete(all[100]))
	type row struct{ dn, upn string }
	var want []row
	for u := range tn.Users() {
		want = append(want, row{strings.ToLower(u.DisplayName), strings.ToLower(u.UserPrincipalName)})
	}
	slices.SortFunc(want, func(a, b row) int {
		if c := strings.Compare(a.dn, b.dn); c != 0 {
			return c
		}
		return strings.Compare(a.upn, b.upn)
	})
	for _, desc := range []bool{false, true} {
		q := values("$orderby", "displayName", "$top", "23", "$select", "userPrincipalName")
		if desc {
			q.Set("$orderby", "displayName desc")
		}
		items, _ := listAll(t, tn, q, false)
		got := column(items, "userPrincipalName")
		w := make([]string, len(want))
		for i, r := range want {
			w[i] = r.upn
		}
		if desc {
			slices.Reverse(w)
		}
		if !slices.Equal(lower(got), w) {
			t.Fatalf("desc=%v: order differs (%d vs %d users)", desc, len(got), len(w))
		}
	}
}

func lower(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = strings.ToLower(v)
	}
	return out
}

// A filter limited to object ids is answered from the ids, not by scanning
// the directory a scan budget at a time: one page, whatever the directory's
// size, as Graph answers it.
func TestIDFilterAnswersAtOnce(t *testing.T) {
	t.Parallel()
	tn, err := Generate(GenerateOptions{Seed: 5, Users: 60000})
	if err != nil {
		t.Fatal(err)
	}
	tn.SetScanLimit(1000)
	var ids []string
	for u := range tn.Users() {
		if len(ids) == 0 || len(ids) < 15 && u.UserPrincipalName[0] > 'm' {
			ids = append(ids, u.ID)
		}
	}
	renamed := ids[3]
	if err := tn.Update(renamed, func(u *User) { u.UserPrincipalName = "0.renamed@" + tn.Domain() }); err != nil {
		t.Fatal(err)
	}
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = "'" + id + "'"
	}
	for _, eventual := range []bool{false, true} {
		q := url.Values{"$select": {"id,userPrincipalName"}, "$filter": {"id in (" + strings.Join(quoted, ",") + ")"}}
		if eventual {
			q.Set("$count", "true")
		}
		page, gerr := tn.ListUsers(q, eventual)
		if gerr != nil {
			t.Fatal(gerr.Message)
		}
		if page.Items != len(ids) || page.Next != nil {
			t.Errorf("eventual %v: %d users in the first page (next %v), want all %d at once", eventual, page.Items, page.Next != nil, len(ids))
		}
		if !strings.Contains(string(page.Value), "0.renamed@") {
			t.Errorf("eventual %v: the renamed user is not found by its id", eventual)
		}
	}
}
