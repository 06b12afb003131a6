package graph

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// listColumns() are the portal's list columns as Graph property names.
func listColumns() []string {
	return []string{
		"userPrincipalName", "displayName", "surname", "mail", "givenName", "id", "userType", "jobTitle",
		"department", "accountEnabled", "usageLocation", "streetAddress", "state", "country",
		"officeLocation", "city", "postalCode", "businessPhones", "mobilePhone", "otherMails",
		"ageGroup", "consentProvidedForMinor", "legalAgeGroupClassification",
	}
}

// emuConfig is a client configuration pointed at srv with its default app's
// client secret.
func emuConfig(tb testing.TB, srv *graphemu.Server) Config {
	tb.Helper()
	app := srv.App()
	return Config{
		GraphEndpoint: srv.URL(),
		AuthorityHost: srv.URL(),
		HTTPClient:    srv.HTTPClient(),
		Credentials:   Credentials{TenantID: srv.TenantID(), ClientID: app.ClientID, ClientSecret: app.ClientSecret},
		Logger:        testLogger(tb),
	}
}

// newEmuClient builds a client for srv.
func newEmuClient(tb testing.TB, srv *graphemu.Server, mods ...func(*Config)) *Client {
	tb.Helper()
	cfg := emuConfig(tb, srv)
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c
}

// collector is a directory.Sink that keeps everything.
type collector struct {
	mu       sync.Mutex
	users    []directory.User
	errors   []directory.UserError
	replaces int             // Replace calls
	replaced int             // ids they named
	gone     map[string]bool // ids a Replace named: later deliveries of them are stale
}

// Users keeps the users, except those a Replace named already: as the
// export does, a replacement stands whenever the listing delivers the user
// (the change log is followed while the listing runs).
func (s *collector) Users(_ context.Context, users []directory.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range users {
		if !s.gone[strings.ToLower(users[i].ID)] {
			s.users = append(s.users, users[i])
		}
	}
	return nil
}

func (s *collector) UserError(_ context.Context, e directory.UserError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors = append(s.errors, e)
}

// Replace drops the users delivered before with these ids and keeps
// current, as the export does; it counts the calls and the ids named.
func (s *collector) Replace(_ context.Context, ids []string, current []directory.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone == nil {
		s.gone = map[string]bool{}
	}
	for _, id := range ids {
		s.gone[strings.ToLower(id)] = true
	}
	named := map[string]bool{}
	for _, id := range ids {
		named[strings.ToLower(id)] = true
	}
	s.users = slices.DeleteFunc(s.users, func(u directory.User) bool { return named[strings.ToLower(u.ID)] })
	s.users = append(s.users, current...)
	s.replaces++
	s.replaced += len(ids)
	return nil
}

// discard is a sink that counts the users and drops them.
type discard struct{ n atomic.Int64 }

func (d *discard) Users(_ context.Context, users []directory.User) error {
	d.n.Add(int64(len(users)))
	return nil
}
func (*discard) UserError(context.Context, directory.UserError) {}
func (d *discard) Replace(_ context.Context, _ []string, current []directory.User) error {
	d.n.Add(int64(len(current)))
	return nil
}

// ids returns the delivered users' ids, sorted.
func (s *collector) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.users))
	for i := range s.users {
		ids[i] = strings.ToLower(s.users[i].ID)
	}
	slices.Sort(ids)
	return ids
}

// listsEveryone lists the directory with the list columns and checks that
// each of tn's users came exactly once; it returns what was delivered.
func listsEveryone(t *testing.T, c *Client, tn *tenant.Tenant) *collector {
	t.Helper()
	var sink collector
	if err := c.Users(context.Background(), directory.Query{Select: listColumns()}, &sink); err != nil {
		t.Fatalf("Users: %v", err)
	}
	checkExactly(t, sink.ids(), emutest.IDs(tn, nil))
	return &sink
}

// checkExactly fails unless got holds want's ids, each once.
func checkExactly(tb testing.TB, got, want []string) {
	tb.Helper()
	if dup := duplicates(got); len(dup) > 0 {
		tb.Errorf("%d users delivered more than once, e.g. %v", len(dup), dup[:min(3, len(dup))])
	}
	got = slices.Compact(slices.Clone(got))
	if slices.Equal(got, want) {
		return
	}
	missing, extra := diffSorted(want, got)
	tb.Errorf("delivered %d distinct users, want %d; missing %d (e.g. %v), unexpected %d (e.g. %v)",
		len(got), len(want), len(missing), missing[:min(3, len(missing))], len(extra), extra[:min(3, len(extra))])
}

func duplicates(sorted []string) []string {
	var dup []string
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			dup = append(dup, sorted[i])
		}
	}
	return dup
}

// diffSorted returns what is in a but not b, and in b but not a.
func diffSorted(a, b []string) (onlyA, onlyB []string) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}

func TestEmuSmoke(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 7, Users: 3000})
	srv := emutest.Start(t, tn)
	c := newEmuClient(t, srv)
	listsEveryone(t, c, tn)
}

// testLister is a lister of two chains with its table, for tests that list
// partitions one by one (list makes the table of a whole read).
func testLister(tb testing.TB, c *Client, base listQuery, deliver func(context.Context, []directory.User) error) *lister {
	tb.Helper()
	l := newLister(c, base, 2, deliver)
	l.table = newIDTable(0)
	tb.Cleanup(l.table.release)
	return l
}
