package emutest

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// frontClient starts a Front over a small tenant and returns it with a
// client that trusts it.
func frontClient(t *testing.T) (*Front, *http.Client) {
	t.Helper()
	cert, certPEM, err := LoopbackCertificate("emutest front")
	if err != nil {
		t.Fatal(err)
	}
	f := StartFront(t, graphemu.Config{Tenant: Generate(t, tenant.GenerateOptions{Seed: 1, Users: 20}), Seed: 1}, cert)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	return f, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
}

// TestFrontRecordsRetries makes the calls a client makes after a 429 with
// Retry-After: one retry too soon, one after the wait. The front must name
// each request as the emulator counts it, pair each failure with the next
// attempt, and tell the early retry from the patient one.
func TestFrontRecordsRetries(t *testing.T) {
	t.Parallel()
	f, c := frontClient(t)
	app := f.Emulator().App()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "scope": {f.URL() + "/.default"}}
	tokenURL := f.URL() + "/" + f.Emulator().TenantID() + "/oauth2/v2.0/token"
	var token struct {
		AccessToken string `json:"access_token"`
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	getJSON(t, c, req, &token)

	f.Emulator().Inject(graphemu.Fault{Endpoint: graphemu.EndpointCount, Times: 2, Status: http.StatusTooManyRequests,
		RetryAfter: time.Second, RetryAfterStyle: graphemu.RetryAfterSeconds})
	count := f.URL() + "/v1.0/users/$count"
	get := func(target string) int {
		status, _ := Get(t, c, target, token.AccessToken)
		return status
	}
	statuses := []int{get(count)} // 429
	statuses = append(statuses, get(count))
	time.Sleep(1100 * time.Millisecond)
	statuses = append(statuses, get(count))
	if want := []int{429, 429, 200}; !slices.Equal(statuses, want) {
		t.Fatalf("statuses %v, want %v", statuses, want)
	}

	log := f.Log()
	var kinds []string
	for _, e := range log {
		kinds = append(kinds, e.Kind.String())
	}
	if got, want := strings.Join(kinds, " "), "token count count count"; got != want {
		t.Errorf("kinds %q, want %q", got, want)
	}
	if c := f.Emulator().Counters(); c.Total(graphemu.EndpointCount) != 3 || c.Total(graphemu.EndpointToken) != 1 {
		t.Errorf("the emulator counted %d count and %d token requests; the front saw %q", c.Total(graphemu.EndpointCount), c.Total(graphemu.EndpointToken), kinds)
	}
	if log[1].Code != "TooManyRequests" || log[1].RetryAfter != "1" || log[1].Auth == "" || log[1].Auth != log[3].Auth {
		t.Errorf("first 429 recorded as %+v", log[1])
	}
	rs := Retries(log)
	if len(rs) != 2 {
		t.Fatalf("%d retries, want 2: %+v", len(rs), rs)
	}
	if err := rs[0].Honoured(); err == nil {
		t.Errorf("a retry %v after Retry-After: 1 counted as honoured", rs[0].Gap())
	}
	if err := rs[1].Honoured(); err != nil {
		t.Errorf("a retry after the wait: %v", err)
	}
	if !rs[0].SameToken || rs[0].Kind != graphemu.EndpointCount || rs[0].Status != http.StatusTooManyRequests {
		t.Errorf("retry recorded as %+v", rs[0])
	}

	f.Reset()
	if len(f.Log()) != 0 || f.Emulator().Counters().Total(graphemu.EndpointCount) != 0 {
		t.Error("Reset kept records or counters")
	}
}
