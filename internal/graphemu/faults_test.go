package graphemu

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

func TestFaultMatching(t *testing.T) {
	t.Parallel()
	type req struct {
		e     Endpoint
		inner bool
		user  string
	}
	list, get := req{e: EndpointListFirst}, req{e: EndpointGet, user: "Bob@x"}
	innerGet := req{e: EndpointGet, inner: true}
	tests := []struct {
		name  string
		fault Fault
		reqs  []req
		want  string // one letter per request: x fired, . not
	}{
		{"once by default", Fault{Endpoint: EndpointListFirst}, []req{list, list, list}, "x.."},
		{"nth", Fault{Endpoint: EndpointListFirst, Nth: 3}, []req{list, list, list, list}, "..x."},
		{"nth and times", Fault{Endpoint: EndpointListFirst, Nth: 2, Times: 2}, []req{list, list, list, list}, ".xx."},
		{"unlimited", Fault{Endpoint: EndpointListFirst, Times: Unlimited}, []req{list, list, list}, "xxx"},
		{"other endpoints do not count", Fault{Endpoint: EndpointListFirst, Nth: 2}, []req{get, list, get, list}, "...x"},
		{"any", Fault{Endpoint: EndpointAny, Times: Unlimited}, []req{get, list, innerGet}, "xxx"},
		{"inner only", Fault{Endpoint: EndpointInner, Times: Unlimited}, []req{get, innerGet, list}, ".x."},
		{"endpoint inside batches too", Fault{Endpoint: EndpointGet, Times: Unlimited}, []req{get, innerGet}, "xx"},
		{"user", Fault{Endpoint: EndpointAny, User: "bob@X", Times: Unlimited}, []req{list, get, innerGet}, ".x."},
		{"rate 0 is always", Fault{Endpoint: EndpointAny, Times: 2, Rate: 0}, []req{list, list, list}, "xx."},
	}
	for _, tt := range tests {
		fs := newFaultSet(1)
		fs.add(tt.fault)
		var got strings.Builder
		for _, r := range tt.reqs {
			if _, ok := fs.match(r.e, r.inner, r.user); ok {
				got.WriteByte('x')
			} else {
				got.WriteByte('.')
			}
		}
		if got.String() != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got.String(), tt.want)
		}
	}
}

func TestFaultRate(t *testing.T) {
	t.Parallel()
	fired := func(seed int64) int {
		fs := newFaultSet(seed)
		fs.add(Fault{Endpoint: EndpointAny, Rate: 0.25, Times: Unlimited})
		n := 0
		for range 4000 {
			if _, ok := fs.match(EndpointGet, false, ""); ok {
				n++
			}
		}
		return n
	}
	a := fired(3)
	if a != fired(3) {
		t.Errorf("the same seed fired differently")
	}
	if a < 800 || a > 1200 {
		t.Errorf("rate 0.25 fired %d times in 4000", a)
	}
}

// TestFaultFirstFiresAll: every matching rule counts the request; the first
// due one fires.
func TestFaultFirstFiresAll(t *testing.T) {
	t.Parallel()
	fs := newFaultSet(1)
	fs.add(Fault{Endpoint: EndpointAny, Nth: 2, Status: 503})
	fs.add(Fault{Endpoint: EndpointAny, Nth: 2, Status: 504})
	var got []int
	for range 3 {
		if f, ok := fs.match(EndpointGet, false, ""); ok {
			got = append(got, f.Status)
		}
	}
	if len(got) != 2 || got[0] != 503 || got[1] != 504 {
		t.Errorf("fired %v, want [503 504]", got)
	}
}

func TestFaultStatus(t *testing.T) {
	t.Parallel()
	id := testUsers()[0].ID
	tests := []struct {
		name         string
		fault        Fault
		path         string
		status       int
		code, msg    string
		retryAfter   string
		hasRetry     bool
		throttledCnt int
	}{
		{name: "503", fault: Fault{Endpoint: EndpointListFirst, Status: 503}, path: "/v1.0/users", status: 503, code: "serviceNotAvailable"},
		{name: "503 retry after", fault: Fault{Endpoint: EndpointListFirst, Status: 503, RetryAfter: 2 * time.Second}, path: "/v1.0/users", status: 503, code: "serviceNotAvailable", retryAfter: "2", hasRetry: true},
		{name: "504", fault: Fault{Endpoint: EndpointGet, Status: 504}, path: "/v1.0/users/" + id, status: 504, code: "gatewayTimeout"},
		{name: "504 fractional", fault: Fault{Endpoint: EndpointGet, Status: 504, RetryAfter: 500 * time.Millisecond, RetryAfterStyle: RetryAfterFractional}, path: "/v1.0/users/" + id, status: 504, code: "gatewayTimeout", retryAfter: "0.5", hasRetry: true},
		{name: "429 seconds", fault: Fault{Endpoint: EndpointAuthMethods, Status: 429, RetryAfter: 3 * time.Second}, path: "/v1.0/users/" + id + "/authentication/methods", status: 429, code: "TooManyRequests", msg: "Please retry again later.", retryAfter: "3", hasRetry: true, throttledCnt: 1},
		{name: "429 date", fault: Fault{Endpoint: EndpointAuthMethods, Status: 429, RetryAfter: 3 * time.Second, RetryAfterStyle: RetryAfterHTTPDate}, path: "/v1.0/users/" + id + "/authentication/methods", status: 429, code: "TooManyRequests", retryAfter: "Wed, 10 Jan 2024 08:00:03 GMT", hasRetry: true, throttledCnt: 1},
		{name: "429 without retry after", fault: Fault{Endpoint: EndpointAuthMethods, Status: 429}, path: "/v1.0/users/" + id + "/authentication/methods", status: 429, code: "TooManyRequests", throttledCnt: 1},
		{name: "401", fault: Fault{Endpoint: EndpointListFirst, Status: 401}, path: "/v1.0/users", status: 401, code: "InvalidAuthenticationToken"},
		{name: "403 on the list", fault: Fault{Endpoint: EndpointListFirst, Status: 403}, path: "/v1.0/users", status: 403, code: codeRequestDenied, msg: msgRequestDenied},
		{name: "403 on auth methods", fault: Fault{Endpoint: EndpointAuthMethods, Status: 403}, path: "/v1.0/users/" + id + "/authentication/methods", status: 403, code: codeAccessDenied, msg: msgAccessDenied},
		{name: "own code", fault: Fault{Endpoint: EndpointAny, Status: 500, Code: "UnknownError", Message: "boom"}, path: "/v1.0/users", status: 500, code: "UnknownError", msg: "boom"},
		{name: "user not found", fault: Fault{Endpoint: EndpointAuthMethods, Effect: EffectUserNotFound}, path: "/v1.0/users/" + id + "/authentication/methods", status: 404, code: tenant.CodeResourceNotFound, msg: tenant.NotFound(id).Message},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newServer(t, Config{})
			h := map[string]string{"Authorization": "Bearer " + ts.tokenFor(ts.App())}
			ts.Inject(tt.fault)
			r := ts.handle("GET", tt.path, h, "")
			e := checkEnvelope(t, r)
			if r.status != tt.status || e.Code != tt.code || tt.msg != "" && e.Message != tt.msg {
				t.Errorf("got %d %+v, want %d %s %q", r.status, e, tt.status, tt.code, tt.msg)
			}
			if ra, ok := r.header["Retry-After"]; ok != tt.hasRetry || ok && ra[0] != tt.retryAfter {
				t.Errorf("Retry-After %v, want %q", ra, tt.retryAfter)
			}
			if again := ts.handle("GET", tt.path, h, ""); again.status != 200 {
				t.Errorf("the fault fired twice: %s", again)
			}
			if c := ts.Counters(); c.FaultsFired != 1 || c.Throttled != tt.throttledCnt {
				t.Errorf("counters %+v", c)
			}
		})
	}
}

func TestFaultExpirePageToken(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	first := ts.graph("GET", "/v1.0/users?$top=2", nil, "")
	var p struct {
		NextLink string `json:"@odata.nextLink"`
	}
	mustUnmarshal(t, first.body, &p)
	next := strings.TrimPrefix(p.NextLink, "http://graph.test")
	ts.Inject(Fault{Endpoint: EndpointListNext, Effect: EffectExpirePageToken})
	for range 2 { // the token stays expired: retrying the link does not help
		r := ts.graph("GET", next, nil, "")
		if e := checkEnvelope(t, r); r.status != 400 || e.Code != "Directory_ExpiredPageToken" {
			t.Fatalf("%s", r)
		}
	}
	if r := ts.graph("GET", "/v1.0/users?$top=2", nil, ""); r.status != 200 {
		t.Errorf("a new first page: %s", r)
	}
}

func TestFaultRevokeTokens(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	tok := ts.tokenFor(ts.App())
	ts.Inject(Fault{Endpoint: EndpointListNext, Nth: 1, Effect: EffectRevokeTokens})
	h := map[string]string{"Authorization": "Bearer " + tok}
	if r := ts.handle("GET", "/v1.0/users", h, ""); r.status != 200 {
		t.Fatalf("%s", r)
	}
	r := ts.handle("GET", "/v1.0/users?$skiptoken=x", h, "")
	if e := checkEnvelope(t, r); r.status != 401 || e.Message != msgTokenExpired {
		t.Fatalf("%s", r)
	}
	if r := ts.handle("GET", "/v1.0/users", h, ""); r.status != 401 {
		t.Errorf("the old token still works: %s", r)
	}
	if r := ts.graph("GET", "/v1.0/users", nil, ""); r.status != 200 {
		t.Errorf("a new token: %s", r)
	}
}

func TestFaultTokenEndpoint(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	ts.Inject(Fault{Endpoint: EndpointToken, Status: 503, RetryAfter: time.Second})
	r := ts.handle("POST", "/"+ts.TenantID()+"/oauth2/v2.0/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "grant_type=client_credentials")
	checkSTSError(t, r, 503, "temporarily_unavailable", 90033)
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	ts.tokenFor(ts.App()) // fired once only
	if c := ts.Counters(); c.Requests[EndpointToken][503] != 1 || c.Requests[EndpointToken][200] != 1 || c.TokensIssued != 1 {
		t.Errorf("counters %+v", c)
	}
}

// TestFaultConnection breaks connections over HTTP/2 (TLS) and HTTP/1.1
// (plain): a reset leaves the client without an answer, a truncated answer
// leaves it with a short body; the next request works.
func TestFaultConnection(t *testing.T) {
	t.Parallel()
	for _, useTLS := range []bool{true, false} {
		for _, effect := range []Effect{EffectReset, EffectTruncate} {
			name := map[Effect]string{EffectReset: "reset", EffectTruncate: "truncate"}[effect] + map[bool]string{true: " h2", false: " h1"}[useTLS]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				ts := startServer(t, Config{Clock: wallClock{}}, useTLS)
				h := map[string]string{"Authorization": "Bearer " + ts.netToken(ts.App())}
				ts.Inject(Fault{Endpoint: EndpointListFirst, Effect: effect})
				r, err := ts.do(context.Background(), "GET", "/v1.0/users", h, "")
				switch effect {
				case EffectReset:
					if err == nil {
						t.Errorf("reset: got an answer %s", r)
					}
				case EffectTruncate:
					if err == nil || r.status != 200 && r.status != 0 {
						t.Errorf("truncate: %v %s", err, r)
					}
					if useTLS == false && !errors.Is(err, io.ErrUnexpectedEOF) {
						t.Errorf("truncate over HTTP/1.1: %v, want unexpected EOF", err)
					}
				}
				if r, err := ts.do(context.Background(), "GET", "/v1.0/users", h, ""); err != nil || r.status != 200 {
					t.Errorf("next request: %v %s", err, r)
				}
				if c := ts.Counters(); c.Aborted != 1 || c.FaultsFired != 1 {
					t.Errorf("counters %+v", c)
				}
			})
		}
	}
}

// TestFaultInsideBatch: a status fault on an inner request is that request's
// answer; a connection fault breaks the whole batch.
func TestFaultInsideBatch(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{Clock: wallClock{}}, true)
	h := map[string]string{"Authorization": "Bearer " + ts.netToken(ts.App()), "Content-Type": "application/json"}
	body := batchOf(get("1", "/users/"+testUsers()[0].ID+"/authentication/methods"), get("2", "/users/"+testUsers()[1].ID))
	ts.Inject(Fault{Endpoint: EndpointInner, Nth: 2, Status: 503, RetryAfter: time.Second})
	r, err := ts.do(context.Background(), "POST", "/v1.0/$batch", h, body)
	if err != nil || r.status != 200 {
		t.Fatalf("%v %s", err, r)
	}
	var a batchAnswer
	mustUnmarshal(t, r.body, &a)
	statuses := a.byID()
	if statuses["1"]+statuses["2"] != 200+503 {
		t.Errorf("statuses %v", statuses)
	}
	ts.Inject(Fault{Endpoint: EndpointAuthMethods, Effect: EffectReset})
	if r, err := ts.do(context.Background(), "POST", "/v1.0/$batch", h, body); err == nil {
		t.Errorf("reset inside a batch: got %s", r)
	}
	c := ts.Counters()
	if c.Inner[EndpointAuthMethods][StatusAborted] != 1 || c.Requests[EndpointBatch][StatusAborted] != 1 {
		t.Errorf("counters %+v", c)
	}
}

// TestHTTP2 checks TLS answers come over HTTP/2 and plain ones over HTTP/1.1.
func TestHTTP2(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{Clock: wallClock{}}, true)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, ts.URL()+"/v1.0/users", http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ts.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // read to the end below; nothing to learn from closing
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("%s %d", resp.Proto, resp.StatusCode)
	}
	var e graphErrorBody
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error.Message != msgTokenEmpty {
		t.Errorf("%v %+v", err, e)
	}
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("TLS %+v", resp.TLS)
	}
}

// TestFaultOnIdentitySide: a fault for every endpoint acts on a token
// request as on a Graph one (the identity side once counted an expiry of
// page tokens as fired and did nothing).
func TestFaultOnIdentitySide(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	tok := ts.tokenFor(ts.App())
	h := map[string]string{"Authorization": "Bearer " + tok}
	first := ts.handle("GET", "/v1.0/users?$top=2", h, "")
	var p struct {
		NextLink string `json:"@odata.nextLink"`
	}
	mustUnmarshal(t, first.body, &p)
	ts.Inject(Fault{Endpoint: EndpointAny, Effect: EffectExpirePageToken})
	ts.tokenFor(ts.App()) // the first request the fault matches
	if c := ts.Counters(); c.FaultsFired != 1 {
		t.Fatalf("fired %d times", c.FaultsFired)
	}
	r := ts.handle("GET", strings.TrimPrefix(p.NextLink, "http://graph.test"), h, "")
	if e := checkEnvelope(t, r); r.status != 400 || e.Code != "Directory_ExpiredPageToken" {
		t.Errorf("the page token survived a fault that fired: %s", r)
	}
}

// TestInjectRefusesMeaninglessFaults: Inject panics on a fault that could
// never do what it says, and takes the ones tests use.
func TestInjectRefusesMeaninglessFaults(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	bad := []Fault{
		{Endpoint: EndpointOther, Status: 503},
		{Endpoint: Endpoint(-1), Status: 503},
		{Endpoint: EndpointOther + 1, Status: 503},
		{Endpoint: EndpointListFirst, Effect: Effect(99)},
		{Endpoint: EndpointToken, Effect: EffectExpirePageToken},
		{Endpoint: EndpointDiscovery, Effect: EffectUserNotFound},
		{Endpoint: EndpointToken, Status: 503, Code: "x"},
		{Endpoint: EndpointListFirst, Effect: EffectUserNotFound},
		{Endpoint: EndpointAny, Effect: EffectUserNotFound},
		{Endpoint: EndpointInner, Effect: EffectUserNotFound},
		{Endpoint: EndpointListNext, User: "adele@" + testDomain, Status: 503},
		{Endpoint: EndpointToken, User: "x", Status: 503},
		{Endpoint: EndpointListFirst},
		{Endpoint: EndpointListFirst, Status: 200},
		{Endpoint: EndpointListFirst, Status: 600},
		{Endpoint: EndpointListFirst, Effect: EffectReset, RetryAfter: time.Second},
		{Endpoint: EndpointListFirst, Effect: EffectTruncate, Status: 503},
		{Endpoint: EndpointListNext, Effect: EffectExpirePageToken, Code: "x"},
	}
	for _, f := range bad {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v accepted", f)
				}
			}()
			ts.Inject(f)
		}()
	}
	for _, f := range []Fault{
		{Endpoint: EndpointAny, Status: 429, Rate: 0.5, RetryAfter: time.Second, RetryAfterStyle: RetryAfterMixed},
		{Endpoint: EndpointInner, Status: 503},
		{Endpoint: EndpointCount, Status: 400, Code: "Request_UnsupportedQuery", Message: "Unsupported query."},
		{Endpoint: EndpointToken, Status: 503, RetryAfter: time.Second},
		{Endpoint: EndpointToken, Effect: EffectRevokeTokens},
		{Endpoint: EndpointDiscovery, Effect: EffectTruncate},
		{Endpoint: EndpointAny, Effect: EffectExpirePageToken},
		{Endpoint: EndpointListNext, Effect: EffectReset, Nth: 2},
		{Endpoint: EndpointAuthMethods, Effect: EffectUserNotFound},
		{Endpoint: EndpointInner, User: "adele@" + testDomain, Effect: EffectUserNotFound, Times: Unlimited},
		{Endpoint: EndpointGet, User: "adele@" + testDomain, Status: 503},
	} {
		ts.Inject(f) // a panic fails the test
	}
}
