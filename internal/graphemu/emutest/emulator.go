package emutest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// Start serves an emulator of tn over TLS on 127.0.0.1 until the test ends.
// mods adjust its configuration (Seed 1 unless they say otherwise).
func Start(tb testing.TB, tn *tenant.Tenant, mods ...func(*graphemu.Config)) *graphemu.Server {
	tb.Helper()
	cfg := graphemu.Config{Tenant: tn, Seed: 1}
	for _, m := range mods {
		m(&cfg)
	}
	srv, err := graphemu.Start(cfg)
	if err != nil {
		tb.Fatalf("starting the emulator: %v", err)
	}
	tb.Cleanup(srv.Close)
	return srv
}

// Generate builds a synthetic tenant.
func Generate(tb testing.TB, opts tenant.GenerateOptions) *tenant.Tenant {
	tb.Helper()
	tn, err := tenant.Generate(opts)
	if err != nil {
		tb.Fatalf("generating the tenant: %v", err)
	}
	return tn
}

// Churn starts changing tn (see tenant.StartChurn) until the test ends; a
// zero opts.Interval leaves the rounds to Step. It fails the test at its
// end if a round of the loop failed.
func Churn(tb testing.TB, tn *tenant.Tenant, opts tenant.ChurnOptions) *tenant.Churn {
	tb.Helper()
	c := tenant.StartChurn(tb.Context(), tn, opts)
	tb.Cleanup(func() {
		c.Stop()
		if err := c.Err(); err != nil {
			tb.Errorf("churn: %v", err)
		}
	})
	return c
}

// Token asks srv's token endpoint for a Graph token of its default app (by
// client secret), for tests that call the emulator's Graph themselves.
func Token(tb testing.TB, srv *graphemu.Server) string {
	tb.Helper()
	app := srv.App()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {app.ClientID},
		"client_secret": {app.ClientSecret}, "scope": {srv.Scope()}}
	req, err := http.NewRequestWithContext(tb.Context(), http.MethodPost, srv.TokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	getJSON(tb, srv.HTTPClient(), req, &tok)
	return tok.AccessToken
}

// Get sends a Graph GET with token (ConsistencyLevel: eventual, so that
// advanced queries work) and returns the status and the body.
func Get(tb testing.TB, c *http.Client, target, token string) (int, string) {
	tb.Helper()
	req, err := http.NewRequestWithContext(tb.Context(), http.MethodGet, target, http.NoBody)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("ConsistencyLevel", "eventual")
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err := errors.Join(err, resp.Body.Close()); err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// getJSON sends req with c and decodes a 200 answer into v.
func getJSON(tb testing.TB, c *http.Client, req *http.Request, v any) {
	tb.Helper()
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // a read-only body: nothing to lose on close
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
}

// IDs returns the object ids of tn's users that keep selects (every user
// when keep is nil), lower-cased and sorted: what an export of them holds.
func IDs(tn *tenant.Tenant, keep func(tenant.User) bool) []string {
	var ids []string
	for u := range tn.Users() {
		if keep == nil || keep(u) {
			ids = append(ids, strings.ToLower(u.ID))
		}
	}
	slices.Sort(ids)
	return ids
}
