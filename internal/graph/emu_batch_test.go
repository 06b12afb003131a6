package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// codeAccessDenied is Graph's code for a missing authentication methods
// permission.
const codeAccessDenied = "accessDenied"

// pick returns the tenant's users that keep selects, at most n.
func pick(tn *tenant.Tenant, n int, keep func(tenant.User) bool) []tenant.User {
	var out []tenant.User
	for u := range tn.Users() {
		if len(out) == n {
			break
		}
		if keep(u) {
			out = append(out, u)
		}
	}
	return out
}

func TestExplicitUsers(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 31, Users: 5000})
	srv := emutest.Start(t, tn)
	c := newEmuClient(t, srv)

	guests := pick(tn, 5, func(u tenant.User) bool { return strings.Contains(u.UserPrincipalName, "#EXT#") })
	quoted := pick(tn, 5, func(u tenant.User) bool { return strings.Contains(u.UserPrincipalName, "'") })
	native := pick(tn, 5, func(u tenant.User) bool { return u.UserPrincipalName[0] >= 0x80 })
	plain := pick(tn, 2000, func(u tenant.User) bool { return u.UserPrincipalName[0] >= 'a' && u.UserPrincipalName[0] <= 'z' })
	if len(guests) == 0 || len(quoted) == 0 || len(native) == 0 {
		t.Fatal("the tenant lacks guests, quotes or non-ASCII names: the test would prove less than it says")
	}
	var q directory.Query
	q.Select = listColumns()
	var want []string
	for _, group := range [][]tenant.User{guests, quoted, native, plain} {
		for _, u := range group {
			q.UserPrincipalNames = append(q.UserPrincipalNames, u.UserPrincipalName)
			want = append(want, strings.ToLower(u.ID))
		}
	}
	// The same users again: by id, and by name in another case.
	q.ObjectIDs = []string{strings.ToUpper(guests[0].ID), plain[0].ID}
	q.UserPrincipalNames = append(q.UserPrincipalNames, strings.ToUpper(plain[1].UserPrincipalName))
	// And users that do not exist, or could inject a filter.
	missing := []string{"nobody@contoso.onmicrosoft.com", "o'neil@contoso.onmicrosoft.com", "x') or (true@contoso.onmicrosoft.com"}
	q.UserPrincipalNames = append(q.UserPrincipalNames, missing...)
	q.ObjectIDs = append(q.ObjectIDs, "00000000-0000-4000-8000-000000000000", "not-a-guid")
	slices.Sort(want)
	want = slices.Compact(want) // a guest may have a quote too

	var sink collector
	if err := c.Users(context.Background(), q, &sink); err != nil {
		t.Fatalf("Users: %v", err)
	}
	checkExactly(t, sink.ids(), want)
	var failed []string
	for _, e := range sink.errors {
		if e.Operation != directory.OpLookup {
			t.Errorf("user error %+v, want operation %s", e, directory.OpLookup)
		}
		failed = append(failed, e.Subject())
		if e.Subject() != "not-a-guid" && (e.Status != http.StatusNotFound || e.Code == "" || e.RequestID == "") {
			t.Errorf("user error %+v, want Graph's 404 with its code and request-id", e)
		}
	}
	slices.Sort(failed)
	wantFailed := append(slices.Clone(missing), "00000000-0000-4000-8000-000000000000", "not-a-guid")
	slices.Sort(wantFailed)
	if !slices.Equal(failed, wantFailed) {
		t.Errorf("per-user errors for %q, want %q", failed, wantFailed)
	}
	cnt := srv.Counters()
	if cnt.Total(graphemu.EndpointGet) != 0 || cnt.InnerTotal(graphemu.EndpointGet) == 0 {
		t.Errorf("%d direct GETs and %d batched: want every lookup batched", cnt.Total(graphemu.EndpointGet), cnt.InnerTotal(graphemu.EndpointGet))
	}
	if batches, inner := cnt.Total(graphemu.EndpointBatch), cnt.InnerTotal(graphemu.EndpointGet); batches*maxBatchSize < inner || batches > inner/10 {
		t.Errorf("%d batches for %d lookups, want them about 20 to a batch", batches, inner)
	}
}

// wantMethods is what the tenant says a user's methods are.
func wantMethods(u tenant.User) directory.AuthMethods {
	var a directory.AuthMethods
	for _, p := range u.Phones {
		switch p.Type {
		case tenant.PhoneMobile:
			a.MobilePhone = p.Number
		case tenant.PhoneAlternateMobile:
			a.AlternateMobilePhone = p.Number
		}
	}
	a.Email = u.Email
	return a
}

func TestAuthenticationMethods(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 32, Users: 2500})
	srv := emutest.Start(t, tn)
	gone := pick(tn, 1, func(tenant.User) bool { return true })[0]
	// Deleted between listing and lookup: its methods answer 404.
	srv.Inject(graphemu.Fault{Endpoint: graphemu.EndpointAuthMethods, User: gone.ID, Effect: graphemu.EffectUserNotFound, Times: graphemu.Unlimited})
	c := newEmuClient(t, srv)
	var sink collector
	if err := c.Users(context.Background(), directory.Query{Select: listColumns(), AuthMethods: true}, &sink); err != nil {
		t.Fatalf("Users: %v", err)
	}
	want := emutest.IDs(tn, func(u tenant.User) bool { return u.ID != gone.ID })
	checkExactly(t, sink.ids(), want)
	var withPhone, withEmail int
	for i := range sink.users {
		u := &sink.users[i]
		tu, _ := tn.Lookup(u.ID)
		if u.Auth == nil || *u.Auth != wantMethods(tu) {
			t.Fatalf("user %s has methods %+v, want %+v", u.ID, u.Auth, wantMethods(tu))
		}
		if u.Auth.MobilePhone != "" {
			withPhone++
		}
		if u.Auth.Email != "" {
			withEmail++
		}
	}
	if withPhone == 0 || withEmail == 0 {
		t.Errorf("%d users with a mobile phone and %d with an email method: the test would prove little", withPhone, withEmail)
	}
	if len(sink.errors) != 1 || sink.errors[0].ObjectID != gone.ID || sink.errors[0].Status != http.StatusNotFound ||
		sink.errors[0].Operation != directory.OpAuthMethods || sink.errors[0].UserPrincipalName != gone.UserPrincipalName {
		t.Errorf("per-user errors %+v, want one 404 for %s", sink.errors, gone.ID)
	}
	cnt := srv.Counters()
	if cnt.Total(graphemu.EndpointAuthMethods) != 0 || cnt.InnerTotal(graphemu.EndpointAuthMethods) < len(want) {
		t.Errorf("%d direct and %d batched method lookups, want them all batched", cnt.Total(graphemu.EndpointAuthMethods), cnt.InnerTotal(graphemu.EndpointAuthMethods))
	}
}

func TestMissingAuthMethodsPermissionFailsOnce(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 33, Users: 3000})
	app := graphemu.DefaultApp()
	app.Permissions = []string{graphemu.PermUserReadAll}
	srv := emutest.Start(t, tn, func(c *graphemu.Config) { c.Apps = []graphemu.App{app} })
	c := newEmuClient(t, srv)
	var sink collector
	err := c.Users(context.Background(), directory.Query{Select: listColumns(), AuthMethods: true}, &sink)
	var ge *Error
	if !errors.As(err, &ge) || ge.Operation != OpAuthMethods || ge.Status != http.StatusForbidden || ge.Code != codeAccessDenied || ge.RequestID == "" {
		t.Fatalf("err = %v, want one 403 accessDenied *Error for the authentication methods", err)
	}
	if len(sink.errors) != 0 || len(sink.users) != 0 {
		t.Errorf("delivered %d users and %d per-user errors; want none", len(sink.users), len(sink.errors))
	}
}

func TestInnerThrottlingIsRequeued(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 34, Users: 1500})
	srv := emutest.Start(t, tn, func(c *graphemu.Config) {
		// A budget of 400 resource units a second: the 1,500 lookups are
		// throttled several times over.
		c.Profile = graphemu.Profile{Throttle: true, TenantBudget: 400, Window: time.Second, RetryAfter: graphemu.RetryAfterMixed}
	})
	c := newEmuClient(t, srv)
	var sink collector
	if err := c.Users(context.Background(), directory.Query{Select: listColumns(), AuthMethods: true}, &sink); err != nil {
		t.Fatalf("Users: %v", err)
	}
	checkExactly(t, sink.ids(), emutest.IDs(tn, nil))
	if cnt := srv.Counters(); cnt.Throttled == 0 || c.Stats().Throttled == 0 {
		t.Errorf("the emulator throttled %d requests and the client saw %d: the test did not throttle", cnt.Throttled, c.Stats().Throttled)
	}
	if len(sink.errors) != 0 {
		t.Errorf("per-user errors %+v, want none", sink.errors[:min(3, len(sink.errors))])
	}
}

// A 403 or a server failure on one user's step, while the other users'
// steps are served, is that user's error: the read goes on and every other
// user is delivered. Early failures, seen before any step was served, are
// held back until one is, then reported the same way.
func TestOneUsersFailedStepIsThatUsersError(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 35, Users: 1200})
	srv := emutest.Start(t, tn)
	users := pick(tn, 4, func(tenant.User) bool { return true })
	forbidden, failing, forbiddenGet, failingGet := users[0], users[1], users[2], users[3]
	srv.Inject(graphemu.Fault{Endpoint: graphemu.EndpointAuthMethods, User: forbidden.ID, Status: http.StatusForbidden, Times: graphemu.Unlimited})
	srv.Inject(graphemu.Fault{Endpoint: graphemu.EndpointAuthMethods, User: failing.ID, Status: http.StatusInternalServerError, Times: graphemu.Unlimited})
	srv.Inject(graphemu.Fault{Endpoint: graphemu.EndpointGet, User: forbiddenGet.UserPrincipalName, Status: http.StatusForbidden, Times: graphemu.Unlimited})
	srv.Inject(graphemu.Fault{Endpoint: graphemu.EndpointGet, User: failingGet.UserPrincipalName, Status: http.StatusBadGateway, Times: graphemu.Unlimited})
	// The first steps of all fail: the gate holds them until one is served.
	srv.Inject(graphemu.Fault{Endpoint: graphemu.EndpointAuthMethods, Status: http.StatusForbidden, Times: 5})
	c := newEmuClient(t, srv)
	quickRetries(c)

	t.Run("authentication methods", func(t *testing.T) {
		t.Parallel()
		var sink collector
		if err := c.Users(context.Background(), directory.Query{Select: listColumns(), AuthMethods: true}, &sink); err != nil {
			t.Fatalf("Users: %v", err)
		}
		failed := map[string]int{}
		for _, e := range sink.errors {
			if e.Operation != directory.OpAuthMethods || e.UserPrincipalName == "" || e.Code == "" || e.RequestID == "" {
				t.Errorf("per-user error %+v, want the user, the operation and Graph's code and request-id", e)
			}
			failed[e.ObjectID] = e.Status
		}
		if failed[forbidden.ID] != http.StatusForbidden || failed[failing.ID] != http.StatusInternalServerError {
			t.Errorf("per-user errors by id %v, want 403 for %s and 500 (after its retries) for %s", failed, forbidden.ID, failing.ID)
		}
		// The five early 403s may have hit the two users above too.
		if n := len(sink.errors); n < 2 || n > 7 {
			t.Errorf("%d per-user errors, want the two users' and the five early 403s'", n)
		}
		checkExactly(t, sink.ids(), emutest.IDs(tn, func(u tenant.User) bool { _, bad := failed[u.ID]; return !bad }))
	})
	t.Run("lookups", func(t *testing.T) {
		t.Parallel()
		named := pick(tn, 300, func(tenant.User) bool { return true })
		var sink collector
		if err := c.Users(context.Background(), directory.Query{Select: listColumns(), UserPrincipalNames: upns(named)}, &sink); err != nil {
			t.Fatalf("Users: %v", err)
		}
		failed := map[string]int{}
		for _, e := range sink.errors {
			failed[e.UserPrincipalName] = e.Status
		}
		want := map[string]int{forbiddenGet.UserPrincipalName: http.StatusForbidden, failingGet.UserPrincipalName: http.StatusBadGateway}
		if fmt.Sprint(failed) != fmt.Sprint(want) {
			t.Errorf("per-user errors %v, want %v", failed, want)
		}
		if len(sink.users) != len(named)-2 {
			t.Errorf("%d users delivered, want %d", len(sink.users), len(named)-2)
		}
	})
}

// A 403 on every step is one error for the whole read, with Graph's words,
// whether the read is large (it fails after a batch's worth of steps, not a
// request per user) or smaller than one batch (it fails at the end).
func TestForbiddenEverywhereIsTheReadsError(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 36, Users: 3000})
	noMethods := graphemu.DefaultApp()
	noMethods.Permissions = []string{graphemu.PermUserReadAll}
	noUsers := graphemu.DefaultApp()
	noUsers.Permissions = []string{graphemu.PermAuthMethodReadAll}
	few := upns(pick(tn, 5, func(tenant.User) bool { return true }))
	tests := []struct {
		name     string
		app      graphemu.App
		q        directory.Query
		op       string
		endpoint graphemu.Endpoint
		most     int // inner requests at most
	}{
		{"methods, 3,000 users", noMethods, directory.Query{Select: listColumns(), AuthMethods: true}, OpAuthMethods, graphemu.EndpointAuthMethods, 5 * maxBatchSize},
		{"methods, 5 named users", noMethods, directory.Query{Select: listColumns(), AuthMethods: true, UserPrincipalNames: few}, OpAuthMethods, graphemu.EndpointAuthMethods, 5},
		{"lookups, 5 named users", noUsers, directory.Query{Select: listColumns(), UserPrincipalNames: few}, OpGetUsers, graphemu.EndpointGet, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := emutest.Start(t, tn, func(c *graphemu.Config) { c.Apps = []graphemu.App{tt.app} })
			c := newEmuClient(t, srv, func(c *Config) { c.Concurrency = 4 })
			var sink collector
			err := c.Users(context.Background(), tt.q, &sink)
			var ge *Error
			if !errors.As(err, &ge) || ge.Operation != tt.op || ge.Status != http.StatusForbidden || ge.RequestID == "" {
				t.Fatalf("err = %v, want one 403 *Error for %s", err, tt.op)
			}
			if len(sink.errors) != 0 || len(sink.users) != 0 {
				t.Errorf("delivered %d users and %d per-user errors; want none", len(sink.users), len(sink.errors))
			}
			if n := srv.Counters().InnerTotal(tt.endpoint); n > tt.most {
				t.Errorf("%d requests before failing, want at most %d", n, tt.most)
			}
		})
	}
}
