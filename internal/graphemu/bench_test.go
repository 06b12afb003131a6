package graphemu

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// listColumns are the 23 portal columns a list page carries (the three
// authentication columns come from another endpoint).
const listColumns = "userPrincipalName,displayName,surname,mail,givenName,id,userType,jobTitle,department," +
	"accountEnabled,usageLocation,streetAddress,state,country,officeLocation,city,postalCode,businessPhones," +
	"mobilePhone,otherMails,ageGroup,consentProvidedForMinor,legalAgeGroupClassification"

// BenchmarkServeUsers measures the emulator's own throughput at zero
// latency: clients in parallel walk nextLink chains of 999-user pages with
// the 23 list columns through the real HTTP stack, reading each body whole.
// It reports users/s (client and server share the machine, so this is what
// the emulator leaves over for a client, not a property of the emulator
// alone) and allocations per page.
func BenchmarkServeUsers(b *testing.B) {
	ten, err := tenant.Generate(tenant.GenerateOptions{Seed: 1, Users: 100_000, Domain: testDomain})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		useTLS bool
	}{{"h2-tls", true}, {"h1-plain", false}} {
		b.Run(tc.name, func(b *testing.B) {
			ts := startServer(b, Config{Tenant: ten, Clock: wallClock{}}, tc.useTLS)
			token := ts.netToken(ts.App())
			client := ts.HTTPClient()
			first := ts.GraphURL() + "/users?$select=" + listColumns + "&$top=999"
			var users atomic.Int64
			b.SetParallelism(2) // 2 x GOMAXPROCS client goroutines
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				next := first
				for pb.Next() {
					n, link, err := fetchPage(client, next, token)
					if err != nil {
						b.Error(err)
						return
					}
					users.Add(int64(n))
					if next = link; next == "" {
						next = first
					}
				}
			})
			elapsed := time.Since(start)
			b.ReportMetric(float64(users.Load())/elapsed.Seconds(), "users/s")
			b.ReportMetric(float64(users.Load())/float64(b.N), "users/op")
		})
	}
}

// fetchPage gets one page and returns its user count and nextLink, with a
// cheap scan rather than a JSON decode (the client's cost is not measured).
func fetchPage(client *http.Client, url, token string) (int, string, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, http.NoBody)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	body, err := io.ReadAll(resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, "", &pageError{status: resp.StatusCode, body: string(body)}
	}
	n := bytes.Count(body, []byte(`"userPrincipalName":`))
	const key = `"@odata.nextLink":"`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return n, "", nil
	}
	rest := body[i+len(key):]
	link := string(rest[:bytes.IndexByte(rest, '"')])
	return n, strings.ReplaceAll(link, `\u0026`, "&"), nil
}

type pageError struct {
	status int
	body   string
}

func (e *pageError) Error() string { return http.StatusText(e.status) + ": " + e.body }

// BenchmarkServeBatch measures the server's own cost of a $batch of 20
// authentication-methods GETs, through Handler() with no network and no
// latency: what the provider's auth-column exports cost the emulator per
// batch (the client's share is not in it).
func BenchmarkServeBatch(b *testing.B) {
	ten, err := tenant.Generate(tenant.GenerateOptions{Seed: 1, Users: 2000, Domain: testDomain})
	if err != nil {
		b.Fatal(err)
	}
	ts := newServer(b, Config{Tenant: ten, Clock: wallClock{}})
	auth := "Bearer " + ts.tokenFor(ts.App())
	var bodies []string
	var reqs []string
	for u := range ten.Users() {
		reqs = append(reqs, `{"id":"`+itoa(len(reqs))+`","method":"GET","url":"/users/`+u.ID+`/authentication/methods"}`)
		if len(reqs) == maxBatch {
			bodies = append(bodies, `{"requests":[`+strings.Join(reqs, ",")+`]}`)
			reqs = nil
		}
	}
	h := ts.Handler()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "http://graph.test/v1.0/$batch",
			strings.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
