package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// engineIDs asks the emulator's own query engine (not over HTTP) for the
// ids a query selects: the ground truth filter and search tests compare with.
func engineIDs(t *testing.T, tn *tenant.Tenant, filter, search string) []string {
	t.Helper()
	q := url.Values{"$select": {"id"}, "$top": {"999"}, "$count": {"true"}}
	if filter != "" {
		q.Set("$filter", filter)
	}
	if search != "" {
		q.Set("$search", search)
	}
	var ids []string
	for {
		page, gerr := tn.ListUsers(q, true)
		if gerr != nil {
			t.Fatalf("the emulator's engine rejects the query: %v", gerr.Message)
		}
		var users []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(page.Value, &users); err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			ids = append(ids, strings.ToLower(u.ID))
		}
		if page.Next == nil {
			break
		}
		q = page.Next
	}
	slices.Sort(ids)
	return ids
}

func TestListMatchesTheTenant(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		opts        tenant.GenerateOptions
		concurrency int
	}{
		{"uncommon first characters and scripts", tenant.GenerateOptions{Seed: 11, Users: 6000}, 0},
		{"60% share one prefix", tenant.GenerateOptions{Seed: 12, Users: 8000, SharedPrefixShare: 0.6}, 0},
		{"one chain", tenant.GenerateOptions{Seed: 11, Users: 3000}, 1},
		{"60% share one prefix, one chain", tenant.GenerateOptions{Seed: 12, Users: 8000, SharedPrefixShare: 0.6}, 1},
		{"few chains", tenant.GenerateOptions{Seed: 13, Users: 5000, SharedPrefixShare: 0.3}, 3},
		{"one page", tenant.GenerateOptions{Seed: 14, Users: 500}, 0},
		{"empty", tenant.GenerateOptions{Seed: 15, Users: 0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := emutest.Generate(t, tt.opts)
			srv := emutest.Start(t, tn)
			c := newEmuClient(t, srv, func(c *Config) { c.Concurrency = tt.concurrency })
			sink := listsEveryone(t, c, tn)
			checkValues(t, tn, sink.users)
		})
	}
}

// checkValues compares decoded properties with the tenant's.
func checkValues(t *testing.T, tn *tenant.Tenant, users []directory.User) {
	t.Helper()
	for i := range users {
		u := &users[i]
		want, ok := tn.Lookup(u.ID)
		if !ok {
			continue
		}
		enabled := func(b *bool) string {
			if b == nil {
				return "null"
			}
			return strconv.FormatBool(*b)
		}
		got := fmt.Sprint(u.UserPrincipalName, u.DisplayName, u.Mail, enabled(u.AccountEnabled), u.BusinessPhones, u.OtherMails)
		exp := fmt.Sprint(want.UserPrincipalName, want.DisplayName, want.Mail, enabled(want.AccountEnabled), want.BusinessPhones, want.OtherMails)
		if got != exp {
			t.Errorf("user %s decoded as %q, want %q", u.ID, got, exp)
			return
		}
	}
}

func TestFilterAndSearchCombineWithPartitions(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 21, Users: 6000, SharedPrefixShare: 0.2})
	srv := emutest.Start(t, tn)
	tests := []struct{ name, filter, search string }{
		{"basic filter", "accountEnabled eq true", ""},
		{"filter with or", "userType eq 'Guest' or startsWith(displayName,'A')", ""},
		{"advanced filter", "endsWith(mail,'.com')", ""},
		{"search", "", `"displayName:an"`},
		{"filter and search", "accountEnabled eq true", `"displayName:a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newEmuClient(t, srv)
			var sink collector
			if err := c.Users(context.Background(), directory.Query{Select: listColumns(), Filter: tt.filter, Search: tt.search}, &sink); err != nil {
				t.Fatalf("Users: %v", err)
			}
			want := engineIDs(t, tn, tt.filter, tt.search)
			if len(want) == 0 {
				t.Fatal("the query selects nobody: the test would prove nothing")
			}
			checkExactly(t, sink.ids(), want)
		})
	}
}

func TestInvalidFilterFailsWithGraphsError(t *testing.T) {
	t.Parallel()
	srv := emutest.Start(t, emutest.Generate(t, tenant.GenerateOptions{Seed: 22, Users: 1500}))
	c := newEmuClient(t, srv)
	var sink collector
	err := c.Users(context.Background(), directory.Query{Select: listColumns(), Filter: "nosuchproperty eq 'x'"}, &sink)
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != http.StatusBadRequest || ge.Code == "" || ge.RequestID == "" {
		t.Fatalf("err = %v, want Graph's 400 with its code and request-id", err)
	}
	if len(sink.users) != 0 {
		t.Errorf("delivered %d users before failing", len(sink.users))
	}
}

// proxied serves the emulator behind an interceptor, over a TLS server of
// the test's own, and returns a client for it.
func proxied(t *testing.T, srv *graphemu.Server, wrap func(http.Handler) http.Handler) *Client {
	t.Helper()
	ts := httptest.NewTLSServer(wrap(srv.Handler()))
	t.Cleanup(ts.Close)
	return newEmuClient(t, srv, func(c *Config) {
		c.GraphEndpoint, c.AuthorityHost, c.HTTPClient = ts.URL, ts.URL, ts.Client()
	})
}

// rewriting lets rewrite change the bodies of the requests match selects.
func rewriting(match func(*http.Request) bool, rewrite func(body []byte) []byte) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			body := rewrite(rec.Body.Bytes())
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	}
}

func isCount(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/users/$count") }

// countOneMore rewrites a $count answer to one user more.
func countOneMore(body []byte) []byte {
	n, _ := strconv.Atoi(strings.TrimSpace(string(body)))
	return []byte(strconv.Itoa(n + 1))
}

func TestFallsBackToOneChainWhenPartitionFiltersAreRejected(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 23, Users: 4000})
	srv := emutest.Start(t, tn)
	// Graph counts the query, then refuses every partition filter.
	srv.Inject(graphemu.Fault{Endpoint: graphemu.EndpointCount, Nth: 2, Times: graphemu.Unlimited,
		Status: http.StatusBadRequest, Code: "Request_UnsupportedQuery", Message: "Unsupported query."})
	c := newEmuClient(t, srv)
	listsEveryone(t, c, tn)
	if n := srv.Counters().Total(graphemu.EndpointListFirst); n != 1 {
		t.Errorf("%d chains listed, want the one fallback chain", n)
	}
}

// A count taken while the directory changed does not make the read give up
// its partitions: the split is counted again first.
func TestRecountsBeforeFallingBack(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 24, Users: 4000})
	srv := emutest.Start(t, tn)
	var first atomic.Bool
	c := proxied(t, srv, rewriting(isCount, func(body []byte) []byte {
		// The query's first count is one too many (a user deleted
		// meanwhile): the partitions cannot add up to it until the
		// query is counted again.
		if first.CompareAndSwap(false, true) {
			return countOneMore(body)
		}
		return body
	}))
	listsEveryone(t, c, tn)
	if n := srv.Counters().Total(graphemu.EndpointListFirst); n < 3 {
		t.Errorf("%d chains listed, want the partitions' chains, not the one fallback chain", n)
	}
}

// Counts that never add up, while the directory holds still, mean the
// partition filters do not cut the directory as the splitter believes: the
// read falls back to one chain rather than trust them.
func TestFallsBackToOneChainWhenCountsNeverAddUp(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 24, Users: 4000})
	srv := emutest.Start(t, tn)
	restCount := func(r *http.Request) bool {
		return isCount(r) && strings.HasPrefix(r.URL.Query().Get("$filter"), "not(")
	}
	c := proxied(t, srv, rewriting(restCount, countOneMore))
	listsEveryone(t, c, tn)
	if n := srv.Counters().Total(graphemu.EndpointListFirst); n != 1 {
		t.Errorf("%d chains listed, want the one fallback chain", n)
	}
}

func TestShortPartitionIsListedAgain(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 25, Users: 4000})
	srv := emutest.Start(t, tn)
	// The first pages of three partitions each lose their first user,
	// silently; a partition loses a user once, so its listing again finds
	// it whatever the order the chains' pages come in.
	var (
		mu   sync.Mutex
		lost = map[string]bool{} // by the partition's filter
	)
	losesUser := func(r *http.Request) bool {
		if !strings.HasSuffix(r.URL.Path, "/users") || r.URL.Query().Get("$top") != "999" {
			return false
		}
		mu.Lock()
		defer mu.Unlock()
		filter := r.URL.Query().Get("$filter")
		if lost[filter] || len(lost) == 3 {
			return false
		}
		lost[filter] = true
		return true
	}
	c := proxied(t, srv, rewriting(losesUser, func(body []byte) []byte { return dropFirstUser(t, body) }))
	listsEveryone(t, c, tn)
	if len(lost) != 3 {
		t.Errorf("%d partitions lost a user, want 3: the test proves less than it says", len(lost))
	}
}

// dropFirstUser removes the first element of a page's "value".
func dropFirstUser(t *testing.T, body []byte) []byte {
	t.Helper()
	var page map[string]any
	if err := json.Unmarshal(body, &page); err != nil {
		return body
	}
	if v, ok := page["value"].([]any); ok && len(v) > 0 {
		page["value"] = v[1:]
	}
	out, err := json.Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A user Graph counts but never lists (from either end, however often the
// partition is listed again) is a short result the read refuses.
// dropUser removes the user with this id from a page's "value".
func dropUser(t *testing.T, body []byte, id string) []byte {
	t.Helper()
	var page map[string]any
	if err := json.Unmarshal(body, &page); err != nil {
		return body
	}
	if v, ok := page["value"].([]any); ok {
		page["value"] = slices.DeleteFunc(v, func(u any) bool {
			m, _ := u.(map[string]any)
			return strings.EqualFold(fmt.Sprint(m["id"]), id)
		})
	}
	out, err := json.Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPersistentlyShortListingFails(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 26, Users: 600})
	srv := emutest.Start(t, tn)
	var ghost string
	for u := range tn.Users() {
		ghost = u.ID
		break
	}
	c := proxied(t, srv, rewriting(func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/users")
	}, func(body []byte) []byte { return dropUser(t, body, ghost) }))
	c.settleFor = 2 * time.Second
	err := c.Users(context.Background(), directory.Query{Select: listColumns()}, &discard{})
	if !errors.Is(err, ErrIncomplete) {
		t.Fatalf("err = %v, want ErrIncomplete", err)
	}
}

// descending reports a page request listing in descending order.
func descending(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.URL.Query().Get("$orderby")), "desc") && r.URL.Query().Get("$top") == "999"
}

func TestTwoEndsMeet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		refuse bool // Graph refuses $orderby
	}{{"both ends", false}, {"descending order refused", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 27, Users: 12000, SharedPrefixShare: 0.5})
			// Pages take time, so the partition is still being listed when
			// the idle worker comes to help.
			srv := emutest.Start(t, tn, func(c *graphemu.Config) { c.Profile = graphemu.RealisticProfile(0.05) })
			var desc, pages atomic.Int64
			c := proxied(t, srv, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Query().Get("$orderby") != "" && tt.refuse {
						writeGraphError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Sorting not supported for current query.")
						return
					}
					if descending(r) {
						desc.Add(1)
					}
					if strings.HasSuffix(r.URL.Path, "/users") {
						pages.Add(1)
					}
					next.ServeHTTP(w, r)
				})
			})
			var sink collector
			l := testLister(t, c, baseQuery(directory.Query{Select: listColumns()}), sink.Users)
			done := make(chan error, 1)
			go func() { done <- l.listPartition(context.Background(), &partition{count: int64(tn.Len())}) }()
			for deadline := time.Now().Add(10 * time.Second); len(sink.ids()) == 0; {
				if time.Now().After(deadline) {
					t.Fatal("the partition delivered nothing in 10 s")
				}
				time.Sleep(5 * time.Millisecond)
			}
			helped, err := l.help(context.Background())
			if err != nil || !helped {
				t.Fatalf("help = %v, %v; want the idle worker to help", helped, err)
			}
			if err := <-done; err != nil {
				t.Fatalf("listPartition: %v", err)
			}
			checkExactly(t, sink.ids(), emutest.IDs(tn, nil))
			if got := desc.Load(); (got > 0) == tt.refuse {
				t.Errorf("%d pages listed from the other end; want some exactly when Graph allows it", got)
			}
			// The ends stop where they meet: together they list the
			// partition's pages once, give or take the page each had in
			// flight when they met.
			if most := int64((tn.Len()+998)/999 + 2); pages.Load() > most {
				t.Errorf("%d pages listed from both ends, want at most %d", pages.Load(), most)
			}
		})
	}
}

func TestUsersSingleChain(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 28, Users: 1050})
	srv := emutest.Start(t, tn)
	c := newEmuClient(t, srv)
	var sink collector
	if err := c.UsersSingleChain(context.Background(), directory.Query{Select: listColumns()}, 100, &sink); err != nil {
		t.Fatalf("UsersSingleChain: %v", err)
	}
	checkExactly(t, sink.ids(), emutest.IDs(tn, nil))
	cnt := srv.Counters()
	if first, next := cnt.Total(graphemu.EndpointListFirst), cnt.Total(graphemu.EndpointListNext); first != 1 || next != 10 || cnt.Total(graphemu.EndpointCount) != 0 {
		t.Errorf("%d first pages, %d next pages and %d counts; want one chain of 11 pages of 100", first, next, cnt.Total(graphemu.EndpointCount))
	}
	if err := c.UsersSingleChain(context.Background(), directory.Query{}, 1000, &sink); err == nil {
		t.Error("a page size of 1000 was accepted")
	}
}
