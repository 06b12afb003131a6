package tenant

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// reportAll follows the report's nextLinks to the end, running between(page)
// after each page but the last.
func reportAll(t *testing.T, tn *Tenant, q url.Values, between func(page int)) ([]item, int) {
	t.Helper()
	var all []item
	for pages := 1; ; pages++ {
		pg, err := tn.UserRegistrationDetails(q)
		if err != nil {
			t.Fatalf("report page %d of %v: %v", pages, q, err)
		}
		got := decode(t, pg.Value)
		if len(got) != pg.Items {
			t.Fatalf("Items %d but %d rows", pg.Items, len(got))
		}
		all = append(all, got...)
		if pg.Next == nil {
			return all, pages
		}
		if between != nil {
			between(pages)
		}
		q = pg.Next
	}
}

// reference is the rows the report must give for a predicate on rows, from
// every live user.
func reference(tn *Tenant, keep func(u *User, r *Registration) bool) []string {
	var out []string
	for u := range tn.Users() {
		r := RegistrationOf(&u)
		if keep(&u, &r) {
			out = append(out, strings.ToLower(u.ID))
		}
	}
	slices.Sort(out)
	return out
}

func rowIDs(rows []item) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		s, _ := r["id"].(string)
		out[i] = strings.ToLower(s)
	}
	slices.Sort(out)
	return out
}

// Every live user once, whatever the page size and order; rows as Graph
// writes them.
func TestReportPages(t *testing.T) {
	t.Parallel()
	tn := generated(t, 1200, 0.3)
	all := reference(tn, func(*User, *Registration) bool { return true })
	for _, q := range []url.Values{
		values(), values("$top", "999"), values("$top", "7", "$orderby", "userDisplayName desc"),
		values("$top", "250", "$orderby", "userPrincipalName"),
	} {
		rows, pages := reportAll(t, tn, q, nil)
		if got := rowIDs(rows); !slices.Equal(got, all) {
			t.Fatalf("%v: %d rows, want %d", q, len(got), len(all))
		}
		if top := q.Get("$top"); top == "" && pages != 12 || top == "999" && pages != 2 {
			t.Errorf("%v: %d pages", q, pages)
		}
	}
	rows, _ := reportAll(t, tn, values("$orderby", "userDisplayName desc", "$top", "999"), nil)
	names := column(rows, "userDisplayName")
	if !slices.IsSortedFunc(names, func(a, b string) int { return -strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
		t.Error("$orderby userDisplayName desc is not in that order")
	}
	if got := keys(rows[0]); len(got) != 16 || slices.Contains(got, "defaultMfaMethod") {
		t.Errorf("row keys %v", got)
	}
	tn.SetDefaultOrder(OrderID)
	rows, _ = reportAll(t, tn, values("$top", "999"), nil)
	if got := column(rows, "id"); !slices.IsSorted(got) {
		t.Error("without $orderby, a tenant in id order gives the report in id order")
	}
}

// The report pages over the live directory: users that exist throughout
// come once, whatever is created, deleted or renamed between pages; created
// users appear and deleted ones disappear.
func TestReportPagesWhileTheDirectoryChanges(t *testing.T) {
	t.Parallel()
	for _, order := range []Order{OrderUPN, OrderID} {
		t.Run(order.String(), func(t *testing.T) {
			t.Parallel()
			tn := generated(t, 2000, 0.3)
			tn.SetDefaultOrder(order)
			c := manualChurn(t, tn, ChurnOptions{Creates: 5, Deletes: 5, Renames: 10, Updates: 5, Restores: 1, Seed: 3})
			before := tn.Snapshot()
			rows, _ := reportAll(t, tn, values("$top", "120", "$select", "id,userPrincipalName"), func(int) { mustDo(t, c.Step()) })
			touched := map[string]bool{}
			for _, ev := range c.Stop() {
				touched[strings.ToLower(ev.ID)] = true
			}
			seen := map[string]int{}
			for _, r := range rows {
				id, _ := r["id"].(string)
				seen[strings.ToLower(id)]++
			}
			for id := range before {
				if !touched[id] && seen[id] != 1 {
					t.Errorf("untouched user %s listed %d times", id, seen[id])
				}
			}
			rows, _ = reportAll(t, tn, values("$top", "999", "$select", "id"), nil)
			if got, want := rowIDs(rows), reference(tn, func(*User, *Registration) bool { return true }); !slices.Equal(got, want) {
				t.Errorf("after the churn: %d rows, %d users", len(got), len(want))
			}
		})
	}
}

// Partitions by userPrincipalName prefix, the way a client splits the
// report (by the first characters of the names it listed from /users: the
// report has no ge, le nor not to catch the rest), add up to the whole
// report exactly.
func TestReportPartitions(t *testing.T) {
	t.Parallel()
	tn := generated(t, 3000, 0.4)
	firsts := map[string]bool{}
	for u := range tn.Users() {
		r, _ := utf8.DecodeRuneInString(strings.ToLower(u.UserPrincipalName))
		firsts[string(r)] = true
	}
	var got []string
	for first := range firsts {
		clause := "startsWith(userPrincipalName,'" + strings.ReplaceAll(first, "'", "''") + "')"
		rows, _ := reportAll(t, tn, values("$filter", clause, "$top", "999", "$select", "id,userPrincipalName"), nil)
		for _, r := range rows {
			if upn, _ := r["userPrincipalName"].(string); !strings.HasPrefix(strings.ToLower(upn), first) {
				t.Fatalf("%s gave %s", clause, upn)
			}
		}
		got = append(got, rowIDs(rows)...)
	}
	slices.Sort(got)
	if want := reference(tn, func(*User, *Registration) bool { return true }); !slices.Equal(got, want) {
		t.Fatalf("%d partitions hold %d rows, the report %d", len(firsts), len(got), len(want))
	}
}

// The filters Graph documents, and those it refuses, with its messages.
func TestReportFilters(t *testing.T) {
	t.Parallel()
	tn := generated(t, 1500, 0.2)
	mfa := func(_ *User, r *Registration) bool { return r.IsMfaRegistered }
	accepted := []struct {
		filter string
		keep   func(u *User, r *Registration) bool
	}{
		{"isMfaRegistered eq true", mfa},
		{"isMfaRegistered eq false", func(u *User, r *Registration) bool { return !mfa(u, r) }},
		{"isAdmin eq true", func(_ *User, r *Registration) bool { return r.IsAdmin }},
		{"isMfaCapable eq true and isSsprCapable eq false", func(_ *User, r *Registration) bool { return r.IsMfaCapable && !r.IsSsprCapable }},
		{"isPasswordlessCapable eq true or isSsprEnabled eq false", func(_ *User, r *Registration) bool { return r.IsPasswordlessCapable || !r.IsSsprEnabled }},
		{"isSsprRegistered eq true", func(_ *User, r *Registration) bool { return r.IsSsprRegistered }},
		{"isSystemPreferredAuthenticationMethodEnabled eq false", func(_ *User, r *Registration) bool { return !r.IsSystemPreferredEnabled }},
		{"userType eq 'guest'", func(u *User, _ *Registration) bool { return u.UserType == "Guest" }},
		{"userType eq 'Member' and isMfaRegistered eq false", func(u *User, r *Registration) bool { return u.UserType == "Member" && !r.IsMfaRegistered }},
		{"startsWith(userPrincipalName,'USER1')", func(u *User, _ *Registration) bool {
			return strings.HasPrefix(strings.ToLower(u.UserPrincipalName), "user1")
		}},
		{"(startsWith(userPrincipalName,'a') or startsWith(userPrincipalName,'b')) and isMfaRegistered eq true", func(u *User, r *Registration) bool {
			l := strings.ToLower(u.UserPrincipalName)
			return (l[0] == 'a' || l[0] == 'b') && r.IsMfaRegistered
		}},
		{"startsWith(userDisplayName,'a')", func(u *User, _ *Registration) bool { return strings.HasPrefix(strings.ToLower(u.DisplayName), "a") }},
		{"methodsRegistered/any(m:m eq 'fido2' or m eq 'windowsHelloForBusiness')", func(_ *User, r *Registration) bool {
			return slices.Contains(r.MethodsRegistered, regFido2) || slices.Contains(r.MethodsRegistered, regHello)
		}},
		{"systemPreferredAuthenticationMethods/any(m:m eq 'push')", func(_ *User, r *Registration) bool { return slices.Contains(r.SystemPreferredMethods, "push") }},
		{"userPreferredMethodForSecondaryAuthentication eq 'sms'", func(_ *User, r *Registration) bool { return r.UserPreferredMethod == "sms" }},
	}
	for _, tt := range accepted {
		rows, _ := reportAll(t, tn, values("$filter", tt.filter, "$top", "999", "$select", "id"), nil)
		want := reference(tn, tt.keep)
		if got := rowIDs(rows); !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("%s: %d rows, want %d", tt.filter, len(got), len(want))
		}
	}
	u, _ := tn.Lookup(reference(tn, mfa)[0])
	rows, _ := reportAll(t, tn, values("$filter", "userPrincipalName eq '"+strings.ToUpper(strings.ReplaceAll(u.UserPrincipalName, "'", "''"))+"'"), nil)
	if len(rows) != 1 || rows[0]["id"] != u.ID {
		t.Errorf("userPrincipalName eq: %v", rows)
	}
}

func TestReportRefusals(t *testing.T) {
	t.Parallel()
	tn := generated(t, 50, 0)
	const invalid = "The query specified in the URI is not valid. "
	tests := []struct {
		q   url.Values
		msg string
	}{
		{values("$filter", "id eq '00000000-0000-4000-8000-000000000001'"), invalid + "The property 'id' cannot be used in the $filter query option."},
		{values("$filter", "lastUpdatedDateTime eq 2024-01-01T00:00:00Z"), invalid + "The property 'lastUpdatedDateTime' cannot be used in the $filter query option."},
		{values("$filter", "isMfaRegistered ne true"), invalid + "Logical operator 'NotEqual' is not allowed."},
		{values("$filter", "not(isMfaRegistered eq true)"), invalid + "Logical operator 'Not' is not allowed."},
		{values("$filter", "userType in ('guest')"), invalid + "Logical operator 'In' is not allowed."},
		{values("$filter", "endsWith(userPrincipalName,'.com')"), invalid + "Function 'endswith' is not allowed."},
		{values("$filter", "startsWith(userType,'g')"), invalid + "The property 'userType' cannot be used in the $filter query option."},
		{values("$filter", "methodsRegistered eq 'email'"), "Found operand types 'Collection(Edm.String)' and 'Edm.String' for operator kind 'Equal'."},
		{values("$filter", "isMfaRegistered eq 'true'"), "Found operand types 'Edm.Boolean' and 'Edm.String'"},
		{values("$filter", "defaultMfaMethod eq 'push'"), "Could not find a property named 'defaultMfaMethod' on type 'microsoft.graph.userRegistrationDetails'."},
		{values("$filter", "isMfaRegistered eq"), invalid + "Syntax error"},
		{values("$select", "id,defaultMfaMethod"), "Could not find a property named 'defaultMfaMethod'"},
		{values("$top", "1000"), invalid + "The limit of '999' for Top query has been exceeded. The value from the incoming request is '1000'."},
		{values("$top", "-1"), invalid + "Invalid value '-1' for $top query option found."},
		{values("$orderby", "isAdmin"), invalid + "Order by 'isAdmin' is not allowed."},
		{values("$orderby", "userPrincipalName,userDisplayName"), "The maximum number of $orderby clauses allowed is 1."},
		{values("$count", "true"), invalid + "Query option 'Count' is not allowed."},
		{values("$skip", "10"), invalid + "Query option 'Skip' is not allowed."},
		{values("$search", `"userPrincipalName:a"`), invalid + "Query option 'Search' is not allowed."},
		{values("$skiptoken", "bogus"), "Invalid Skip Token"},
	}
	for _, tt := range tests {
		_, err := tn.UserRegistrationDetails(tt.q)
		if err == nil || err.Status != http.StatusBadRequest || err.Code != CodeReportBadRequest || !strings.Contains(err.Message, tt.msg) {
			t.Errorf("%v: got %v, want 400 %s containing %q", tt.q, err, CodeReportBadRequest, tt.msg)
		}
	}
	list, err := tn.ListUsers(values("$top", "5"), false)
	mustDo(t, errOrNil(err))
	if _, err := tn.UserRegistrationDetails(values("$top", "5", "$skiptoken", list.Next.Get("$skiptoken"))); err == nil {
		t.Error("a /users page token was accepted by the report")
	}
}

func TestReportSelectTopAndLicence(t *testing.T) {
	t.Parallel()
	tn := generated(t, 30, 0)
	pg, err := tn.UserRegistrationDetails(values("$select", "userPrincipalName,ISMFAREGISTERED,methodsRegistered", "$top", "4"))
	mustDo(t, errOrNil(err))
	rows := decode(t, pg.Value)
	if pg.Context != reportSet+"(userPrincipalName,isMfaRegistered,methodsRegistered)" || len(rows) != 4 || pg.Next == nil ||
		!slices.Equal(keys(rows[0]), []string{"isMfaRegistered", "methodsRegistered", "userPrincipalName"}) {
		t.Errorf("context %q, %d rows %v, next %v", pg.Context, len(rows), rows, pg.Next)
	}
	if pg, err := tn.UserRegistrationDetails(values("$top", "0")); err != nil || pg.Items != 0 || pg.Next != nil {
		t.Errorf("$top=0: %v %v", pg, err)
	}
	tn.SetPremiumLicense(false)
	_, err = tn.UserRegistrationDetails(values())
	wantError(t, err, http.StatusForbidden, CodeNonPremiumTenant, "Neither tenant is B2C or tenant doesn't have premium license")
	tn.SetPremiumLicense(true)
	if _, err := tn.UserRegistrationDetails(values()); err != nil {
		t.Errorf("licence back: %v", err)
	}
}

// Pages read while a churn changes the directory on its own goroutine
// (run with -race): users the churn never touched come once.
func TestReportUnderLiveChurn(t *testing.T) {
	t.Parallel()
	tn := generated(t, 3000, 0.3)
	before := tn.Snapshot()
	c := StartChurn(t.Context(), tn, ChurnOptions{Interval: time.Millisecond, Creates: 3, Deletes: 3, Renames: 5, Updates: 3, Restores: 1, Seed: 8})
	rows, _ := reportAll(t, tn, values("$top", "50", "$select", "id"), nil)
	touched := map[string]bool{}
	for _, ev := range c.Stop() {
		touched[strings.ToLower(ev.ID)] = true
	}
	mustDo(t, c.Err())
	seen := map[string]int{}
	for _, id := range rowIDs(rows) {
		seen[id]++
	}
	for id := range before {
		if !touched[id] && seen[id] != 1 {
			t.Errorf("untouched user %s listed %d times", id, seen[id])
		}
	}
}

// FuzzReportQuery: whatever the query, the report answers a page or a 400
// with its code, and a filter it accepts keeps exactly the rows whose
// registration satisfies it (checked against the predicate, row by row).
func FuzzReportQuery(f *testing.F) {
	for _, s := range []string{
		"$filter=startsWith(userPrincipalName,'a')&$top=3", "$filter=isMfaRegistered eq true or userType eq 'guest'&$orderby=userDisplayName desc",
		"$filter=methodsRegistered/any(m:m eq 'email' or m eq 'fido2')&$select=id,methodsRegistered", "$top=1000", "$orderby=isAdmin",
		"$filter=not(isAdmin eq true)", "$select=nope", "$skiptoken=abc", "$filter=userPreferredMethodForSecondaryAuthentication eq null",
	} {
		f.Add(s)
	}
	tn := generated(f, 200, 0.3)
	tn.SetScanLimit(13)
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		pg, e := tn.UserRegistrationDetails(q)
		if e != nil {
			if e.Status != http.StatusBadRequest || e.Code != CodeReportBadRequest {
				t.Fatalf("%q: %v", raw, e)
			}
			return
		}
		decode(t, pg.Value)
		// The options as the tenant reads them: names in any case, with or
		// without "$".
		opts, _, e := readOptions(q)
		if e != nil {
			t.Fatalf("%q: answered, but its options do not read: %v", raw, e)
		}
		filter := opts[oFilter]
		if opts[oSkiptoken] != "" || opts[oSelect] != "" || strings.TrimSpace(filter) == "" {
			return
		}
		bound, e := bindReportFilter(regProps(), filter)
		if e != nil {
			t.Fatalf("%q: the report accepted a filter that does not bind: %v", raw, e)
		}
		rows, _ := reportAll(t, tn, q, nil)
		want := reference(tn, func(u *User, _ *Registration) bool {
			return bound.pred(&evalCtx{u: u, lowerUPN: strings.ToLower(u.UserPrincipalName)})
		})
		if opts[oTop] != "0" && !slices.Equal(rowIDs(rows), want) {
			t.Fatalf("%q: %d rows, want %d", raw, len(rows), len(want))
		}
	})
}
