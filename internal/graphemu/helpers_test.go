package graphemu

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/golden"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

//nolint:gochecknoglobals // a test flag is package state by nature
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// epoch is the fake clock's start: a fixed instant, so answers are byte-stable.
func epoch() time.Time { return time.Date(2024, 1, 10, 8, 0, 0, 0, time.UTC) }

// fakeClock is a Clock tests drive. Sleep records the duration and advances
// nothing; when gate is set, Sleep blocks until the gate is closed (or the
// context ends), so a test can hold requests in flight.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	slept  []time.Duration
	gate   chan struct{}
	asleep atomic.Int64
}

func newFakeClock() *fakeClock { return &fakeClock{now: epoch()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	gate := c.gate
	c.mu.Unlock()
	if gate == nil {
		return ctx.Err()
	}
	c.asleep.Add(1)
	defer c.asleep.Add(-1)
	select {
	case <-gate:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *fakeClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.slept)
}

// testDomain is the domain of the test tenants.
const testDomain = "contoso.onmicrosoft.com"

// testUsers is a small explicit directory: a member whose UPN starts with a
// digit, a guest with #EXT#, and plain members.
func testUsers() []tenant.User {
	return []tenant.User{
		{ID: "11111111-1111-4111-8111-111111111111", UserPrincipalName: "adele@" + testDomain, DisplayName: "Adele Vance"},
		{ID: "22222222-2222-4222-8222-222222222222", UserPrincipalName: "1bob@" + testDomain, DisplayName: "Bob"},
		{ID: "33333333-3333-4333-8333-333333333333", UserPrincipalName: "carol_fabrikam.com#EXT#@" + testDomain, DisplayName: "Carol (guest)"},
		{ID: "44444444-4444-4444-8444-444444444444", UserPrincipalName: "dan@" + testDomain, DisplayName: "Dan"},
		{ID: "55555555-5555-4555-8555-555555555555", UserPrincipalName: "erin@" + testDomain, DisplayName: "Erin"},
	}
}

func newTestTenant(tb testing.TB) *tenant.Tenant {
	tb.Helper()
	tn, err := tenant.New(testDomain, testUsers())
	if err != nil {
		tb.Fatalf("tenant.New: %v", err)
	}
	return tn
}

// sequentialIDs makes request and trace ids 00000000-0000-4000-8000-000000000001, ...
func sequentialIDs() func() string {
	var n atomic.Uint64
	return func() string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n.Add(1)) }
}

// testServer is an emulator under test with its fake clock.
type testServer struct {
	*Server
	t     testing.TB
	clock *fakeClock
}

// newServer builds an emulator with a fake clock, sequential ids and the test
// tenant unless cfg says otherwise; it is not listening (see serve).
func newServer(tb testing.TB, cfg Config) *testServer {
	tb.Helper()
	if cfg.Tenant == nil {
		cfg.Tenant = newTestTenant(tb)
	}
	clock := newFakeClock()
	if cfg.Clock == nil {
		cfg.Clock = clock
	}
	if cfg.CA == nil {
		ca, err := testCA()
		if err != nil {
			tb.Fatalf("NewCA: %v", err)
		}
		cfg.CA = ca
	}
	s, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	s.newID = sequentialIDs()
	return &testServer{Server: s, t: tb, clock: clock}
}

// startServer is newServer listening on 127.0.0.1 over TLS (or plain HTTP).
func startServer(tb testing.TB, cfg Config, useTLS bool) *testServer {
	tb.Helper()
	ts := newServer(tb, cfg)
	if err := ts.Start("127.0.0.1:0", useTLS); err != nil {
		tb.Fatalf("Start: %v", err)
	}
	tb.Cleanup(ts.Close)
	return ts
}

// testCA is one CA for the whole test binary: generating keys is the
// slowest part of starting a server.
//
//nolint:gochecknoglobals // a once-computed fixture shared by parallel tests
var testCA = sync.OnceValues(NewCA)

// response is what a test looks at.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// handle serves a request through Handler() (no network), for answers that
// must be byte-stable: the Host is graph.test and the scheme http.
func (ts *testServer) handle(method, target string, header map[string]string, body string) response {
	ts.t.Helper()
	req := httptest.NewRequestWithContext(context.Background(), method, "http://graph.test"+target, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	ts.Handler().ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// tokenFor gets a token for app through Handler(), for requests to graph.test.
func (ts *testServer) tokenFor(app App) string {
	ts.t.Helper()
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "scope": {graphResource + "/.default"},
	}
	r := ts.handle("POST", "/"+ts.TenantID()+"/oauth2/v2.0/token",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
	if r.status != 200 {
		ts.t.Fatalf("token: %s", r)
	}
	var tr tokenResponse
	if err := json.Unmarshal(r.body, &tr); err != nil {
		ts.t.Fatalf("token answer: %v", err)
	}
	return tr.AccessToken
}

// graph sends a Graph request through Handler() with a token of the default
// app and the given extra headers.
func (ts *testServer) graph(method, target string, header map[string]string, body string) response {
	ts.t.Helper()
	h := map[string]string{"Authorization": "Bearer " + ts.tokenFor(ts.App())}
	for k, v := range header {
		h[k] = v
	}
	return ts.handle(method, target, h, body)
}

// do sends a request over the network with the server's HTTP client.
func (ts *testServer) do(ctx context.Context, method, target string, header map[string]string, body string) (response, error) {
	req, err := http.NewRequestWithContext(ctx, method, ts.URL()+target, strings.NewReader(body))
	if err != nil {
		return response{}, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := ts.HTTPClient().Do(req)
	if err != nil {
		return response{}, err
	}
	b, err := io.ReadAll(resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, err
}

// netToken gets a token for app over the network, for the Graph at ts.URL().
func (ts *testServer) netToken(app App) string {
	ts.t.Helper()
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "scope": {ts.Scope()},
	}
	r, err := ts.do(context.Background(), "POST", "/"+ts.TenantID()+"/oauth2/v2.0/token",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
	if err != nil || r.status != 200 {
		ts.t.Fatalf("token: %v %s", err, r)
	}
	var tr tokenResponse
	if err := json.Unmarshal(r.body, &tr); err != nil {
		ts.t.Fatalf("token answer: %v", err)
	}
	return tr.AccessToken
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got, *update)
}

// render prints a response for a golden file: the status, the headers
// (except Date and Content-Length, which the HTTP stack sets), and the body
// indented.
func render(r response) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP %d\n", r.status)
	for _, k := range slices.Sorted(maps.Keys(r.header)) {
		if k == "Date" || k == "Content-Length" {
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(r.header[k], ", "))
	}
	b.WriteByte('\n')
	var pretty bytes.Buffer
	if json.Indent(&pretty, r.body, "", "  ") == nil {
		b.Write(pretty.Bytes())
	} else {
		b.Write(r.body)
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// keysOf returns the sorted keys of a JSON object.
func keysOf(tb testing.TB, raw json.RawMessage) []string {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatalf("not a JSON object: %v: %s", err, raw)
	}
	return slices.Sorted(maps.Keys(m))
}

// graphErr is Graph's error envelope as GRAPH.md describes it.
type graphErr struct {
	Code, Message string
	RequestID     string
}

// checkEnvelope asserts the exact shape of Graph's error envelope in an HTTP
// answer, whose request-id header must match the body's.
func checkEnvelope(t *testing.T, r response) graphErr {
	t.Helper()
	e := checkErrorBody(t, r.body)
	if r.header.Get("request-id") != e.RequestID {
		t.Errorf("request-id header %q, body %q", r.header.Get("request-id"), e.RequestID)
	}
	return e
}

// checkErrorBody asserts the exact shape of Graph's error envelope (no
// missing or extra keys) and returns its fields.
func checkErrorBody(t *testing.T, body []byte) graphErr {
	t.Helper()
	if got := keysOf(t, body); !slices.Equal(got, []string{"error"}) {
		t.Fatalf("envelope keys %v, want [error]: %s", got, body)
	}
	var env struct {
		Error map[string]json.RawMessage `json:"error"`
	}
	mustUnmarshal(t, body, &env)
	if got := keysOf(t, mustJSON(t, env.Error)); !slices.Equal(got, []string{"code", "innerError", "message"}) {
		t.Fatalf("error keys %v: %s", got, body)
	}
	if got := keysOf(t, env.Error["innerError"]); !slices.Equal(got, []string{"client-request-id", "date", "request-id"}) {
		t.Fatalf("innerError keys %v: %s", got, body)
	}
	var e graphErrorBody
	mustUnmarshal(t, body, &e)
	if _, err := time.Parse("2006-01-02T15:04:05", e.Error.InnerError.Date); err != nil {
		t.Errorf("innerError.date %q: %v", e.Error.InnerError.Date, err)
	}
	return graphErr{Code: e.Error.Code, Message: e.Error.Message, RequestID: e.Error.InnerError.RequestID}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
