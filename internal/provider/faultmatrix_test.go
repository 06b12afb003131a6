package provider

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// TestFaultMatrix runs the provider's data source through everything Graph
// and users throw at it (issue "Hardening": throttling storms, server
// errors, broken connections, expired page and access tokens, missing
// permissions, users deleted mid-read, timeouts, interruption, bad input)
// and prints one table row per case: the fault, what the provider did, rows
// expected and written, PASS or FAIL.
//
// Every read goes through the provider's protocol server in-process (the
// code Terraform calls), or through the terraform CLI where the CLI matters
// (an interrupt), against the emulator over TLS behind a recording front.
// What the provider did is read from the front's records, never from the
// provider's own account of itself: which requests it sent again, after how
// long, with which token. Each row proves the output is complete (the CSV's
// object ids are exactly the directory's, byte for byte the export a read
// without faults writes) or absent (the previous file untouched, no
// temporary file left). Waits are checked only from below (a busy machine
// makes them longer, never shorter).
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	m := &matrix{}
	t.Run("graph faults", func(t *testing.T) {
		t.Parallel()
		for i, c := range faultCases() {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				runFaultCase(t, m, i+1, c)
			})
		}
	})
	t.Run("bad input", func(t *testing.T) {
		t.Parallel()
		for i, c := range badInputCases() {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				runBadInputCase(t, m, i+1, c)
			})
		}
	})
	t.Cleanup(func() {
		// Printed, not logged: `make test` shows the tables of a passing run.
		fmt.Print(m.render(faultTable, []string{"#", "fault", "what the provider did", "rows expected", "rows written", "outcome"}) +
			m.render(badInputTable, []string{"#", "input", "caught at", "what the provider said", "requests to Graph", "written", "outcome"}))
	})
}

const (
	faultTable    = "FAULT MATRIX: faults from Graph and interruptions (aad_users_export through the provider's protocol server in-process, or the terraform CLI; emulator over TLS)"
	badInputTable = "FAULT MATRIX: bad input (clear error at validate time where possible, Graph's error otherwise; nothing written)"
)

// listOnlyColumns need no authentication-method lookups: listing alone.
func listOnlyColumns() tftypes.Value {
	return strList("userPrincipalName", "objectId", "displayName", "mail", "accountEnabled", "userType")
}

// faultCase is one row of the Graph faults table.
type faultCase struct {
	name  string
	users int // tenant size; 0 = 60
	// clustered: 60% of the names share a prefix, so that partitions run
	// to several pages.
	clustered bool
	emu       func(*graphemu.Config)
	provider  map[string]tftypes.Value
	attrs     map[string]tftypes.Value // beyond output_path and results_path; columns default to listOnlyColumns

	// inject adds the faults once the baseline read is done, and returns
	// the object ids of users that must end up as per-user errors.
	inject func(f *emutest.Front, ten *tenant.Tenant) map[string]bool
	// during runs beside the read (to interrupt it); its error fails the row.
	during func(ctx context.Context, f *emutest.Front, dir string, cancel context.CancelFunc) error

	fail   string   // the one error diagnostic's summary (regexp); "" = a complete export
	detail []string // regexps its detail must match

	// check proves what the row is about from the front's records; its
	// text joins the "what the provider did" column.
	check func(o *observed) (string, error)

	// cli replaces the in-process read (a row that needs the terraform CLI).
	cli func(t *testing.T) rowOutcome
}

// observed is what a row's check reads.
type observed struct {
	log      []*emutest.Exchange
	retries  []*emutest.Retry
	counters graphemu.Counters
	res      readResult
}

// rowOutcome is a row's last cells and its error.
type rowOutcome struct {
	did, expected, written string
	err                    error
	skipped                bool // not run here (it needs the terraform CLI)
}

func fault(e graphemu.Endpoint, status, times int, ra time.Duration, style graphemu.RetryAfterStyle) graphemu.Fault {
	return graphemu.Fault{Endpoint: e, Status: status, Times: times, RetryAfter: ra, RetryAfterStyle: style}
}

func effect(e graphemu.Endpoint, eff graphemu.Effect, nth, times int) graphemu.Fault {
	return graphemu.Fault{Endpoint: e, Effect: eff, Nth: nth, Times: times}
}

// injecting returns an inject function adding the faults, with no user
// expected to fail.
func injecting(faults ...graphemu.Fault) func(*emutest.Front, *tenant.Tenant) map[string]bool {
	return func(f *emutest.Front, _ *tenant.Tenant) map[string]bool {
		for _, fl := range faults {
			f.Emulator().Inject(fl)
		}
		return nil
	}
}

// Shared pieces of the cases.
var (
	allColumns    = map[string]tftypes.Value{"columns": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, nil)} //nolint:gochecknoglobals // read-only case data
	oneChain      = map[string]tftypes.Value{"concurrency": number(1)}                                                    //nolint:gochecknoglobals // read-only case data
	requestIDLine = `request-id: [0-9a-f-]{36}`                                                                           //nolint:gochecknoglobals // read-only case data
)

// pagedUsers is a tenant of three 999-user pages, listed in one chain
// (concurrency 1) so that nextLinks meet the faults.
const pagedUsers = 2500

func faultCases() []faultCase {
	return slices.Concat(throttlingCases(), serverErrorCases(), connectionCases(), []faultCase{stormCase()}, tokenCases(), failureCases())
}

func throttlingCases() []faultCase {
	return []faultCase{
		{
			name:   `429 storm, Retry-After in whole seconds ("1"), 2x on the first page`,
			inject: injecting(fault(graphemu.EndpointListFirst, 429, 2, time.Second, graphemu.RetryAfterSeconds)),
			check:  retried("listFirst", 429, 2, `^1$`),
		},
		{
			name:   `429 storm, fractional Retry-After ("0.5" must not become 0), 3x on the first page`,
			inject: injecting(fault(graphemu.EndpointListFirst, 429, 3, 500*time.Millisecond, graphemu.RetryAfterFractional)),
			check:  retried("listFirst", 429, 3, `^0\.5$`),
		},
		{
			name:   `429, Retry-After as an HTTP date, 2x on $count`,
			inject: injecting(fault(graphemu.EndpointCount, 429, 2, time.Second, graphemu.RetryAfterHTTPDate)),
			check:  retried("count", 429, 2, `GMT$`),
		},
		{
			name:   `429 without Retry-After, 3x on the first page`,
			inject: injecting(fault(graphemu.EndpointListFirst, 429, 3, 0, graphemu.RetryAfterNone)),
			check:  backedOff("listFirst", 429, 3),
		},
		{
			name:   `429 with Retry-After "0.001", below the first backoff step (as good as "0"), 3x on the first page`,
			inject: injecting(fault(graphemu.EndpointListFirst, 429, 3, time.Millisecond, graphemu.RetryAfterFractional)),
			check:  backedOffAfter("listFirst", 429, 3, `^0\.001$`),
		},
		{
			name:  `429 storm from the throttle itself (budget 40 RU/s, mixed Retry-After forms), all 26 columns`,
			users: 80,
			emu: func(c *graphemu.Config) {
				c.Profile = graphemu.Profile{Throttle: true, TenantBudget: 40, Window: time.Second, RetryAfter: graphemu.RetryAfterMixed}
			},
			attrs: allColumns,
			check: throttledStorm,
		},
		{
			name:   `inner 429 in $batch (Retry-After "0.5"), 10 auth-method lookups, all 26 columns`,
			attrs:  allColumns,
			inject: injecting(graphemu.Fault{Endpoint: graphemu.EndpointAuthMethods, Status: 429, Nth: 5, Times: 10, RetryAfter: 500 * time.Millisecond, RetryAfterStyle: graphemu.RetryAfterFractional}),
			check:  retried("inner", 429, 10, `^0\.5$`),
		},
	}
}

func serverErrorCases() []faultCase {
	return []faultCase{
		{
			name:   `503 with Retry-After "0.5", 2x on the first page`,
			inject: injecting(fault(graphemu.EndpointListFirst, 503, 2, 500*time.Millisecond, graphemu.RetryAfterFractional)),
			check:  retried("listFirst", 503, 2, `^0\.5$`),
		},
		{
			name:   `503 without Retry-After, 2x on $count`,
			inject: injecting(fault(graphemu.EndpointCount, 503, 2, 0, graphemu.RetryAfterNone)),
			check:  backedOff("count", 503, 2),
		},
		{
			name:   `504 with Retry-After "1" on a $batch, all 26 columns`,
			attrs:  allColumns,
			inject: injecting(fault(graphemu.EndpointBatch, 504, 1, time.Second, graphemu.RetryAfterSeconds)),
			check:  retried("batch", 504, 1, `^1$`),
		},
		{
			name:   `504 without Retry-After, 2x on the first page`,
			inject: injecting(fault(graphemu.EndpointListFirst, 504, 2, 0, graphemu.RetryAfterNone)),
			check:  backedOff("listFirst", 504, 2),
		},
		{
			name:   `500 without Retry-After, 2x on the first page`,
			inject: injecting(fault(graphemu.EndpointListFirst, 500, 2, 0, graphemu.RetryAfterNone)),
			check:  backedOff("listFirst", 500, 2),
		},
		{
			name:   `502 without Retry-After, 2x on $count`,
			inject: injecting(fault(graphemu.EndpointCount, 502, 2, 0, graphemu.RetryAfterNone)),
			check:  backedOff("count", 502, 2),
		},
		{
			name:   `502 on a $batch, all 26 columns`,
			attrs:  allColumns,
			inject: injecting(fault(graphemu.EndpointBatch, 502, 1, 0, graphemu.RetryAfterNone)),
			check:  retried("batch", 502, 1, ""),
		},
		{
			name:  `inner 500 and 502 in $batch without Retry-After, all 26 columns`,
			attrs: allColumns,
			inject: injecting(fault(graphemu.EndpointInner, 500, 3, 0, graphemu.RetryAfterNone),
				graphemu.Fault{Endpoint: graphemu.EndpointInner, Status: 502, Nth: 20, Times: 2}),
			check: all(retried("inner", 500, 3, ""), retried("inner", 502, 2, "")),
		},
		{
			name:  `inner 503 and 504 in $batch without Retry-After, all 26 columns`,
			attrs: allColumns,
			inject: injecting(fault(graphemu.EndpointInner, 503, 3, 0, graphemu.RetryAfterNone),
				graphemu.Fault{Endpoint: graphemu.EndpointInner, Status: 504, Nth: 20, Times: 2}),
			check: all(retried("inner", 503, 3, ""), retried("inner", 504, 2, "")),
		},
	}
}

func connectionCases() []faultCase {
	return []faultCase{
		{
			name:   `connection reset (HTTP/2 stream reset), 2x on the first page`,
			inject: injecting(effect(graphemu.EndpointListFirst, graphemu.EffectReset, 1, 2)),
			check:  brokenRetried("listFirst", "reset", 2),
		},
		{
			name:   `connection reset under a $batch, all 26 columns`,
			attrs:  allColumns,
			inject: injecting(effect(graphemu.EndpointBatch, graphemu.EffectReset, 1, 1)),
			check:  brokenRetried("batch", "reset", 1),
		},
		{
			name:   `truncated body (half the page, then the connection drops), 2x on the first page`,
			inject: injecting(effect(graphemu.EndpointListFirst, graphemu.EffectTruncate, 1, 2)),
			check:  brokenRetried("listFirst", "truncated", 2),
		},
		{
			name:   `truncated $batch answer, all 26 columns`,
			attrs:  allColumns,
			inject: injecting(effect(graphemu.EndpointBatch, graphemu.EffectTruncate, 1, 1)),
			check:  brokenRetried("batch", "truncated", 1),
		},
		{
			name:   `Directory_ExpiredPageToken mid-scan (2,500 users in one chain, at the 3rd page)`,
			users:  pagedUsers,
			attrs:  oneChain,
			inject: injecting(effect(graphemu.EndpointListNext, graphemu.EffectExpirePageToken, 2, 1)),
			check:  restartedScan,
		},
	}
}

// stormCase throws everything at once at a partitioned export of a
// directory whose names cluster (so partitions run to several pages), with
// the authentication columns: the CSV must still be byte for byte the one a
// read without faults writes.
func stormCase() faultCase {
	return faultCase{
		name:  `all at once: 429 and inner 503 on 3% of requests, a reset, 2 truncations, an expired page token; 6,000 users, partitioned, all 26 columns`,
		users: 6000, clustered: true,
		attrs: allColumns,
		inject: injecting(
			graphemu.Fault{Endpoint: graphemu.EndpointAny, Status: 429, Rate: 0.03, Times: 40, RetryAfter: 200 * time.Millisecond, RetryAfterStyle: graphemu.RetryAfterMixed},
			graphemu.Fault{Endpoint: graphemu.EndpointInner, Status: 503, Rate: 0.03, Times: 40},
			graphemu.Fault{Endpoint: graphemu.EndpointListNext, Effect: graphemu.EffectReset, Nth: 1},
			graphemu.Fault{Endpoint: graphemu.EndpointBatch, Effect: graphemu.EffectTruncate, Nth: 5, Times: 2},
			graphemu.Fault{Endpoint: graphemu.EndpointListNext, Effect: graphemu.EffectExpirePageToken, Nth: 2},
		),
		check: func(o *observed) (string, error) {
			var next, resets, expired int
			for _, e := range o.log {
				switch {
				case e.Kind != graphemu.EndpointListNext:
				case e.Broken == "reset":
					resets++
				case e.Code == "Directory_ExpiredPageToken":
					expired++
				default:
					next++
				}
			}
			partitions := o.attempts("listFirst")
			if o.counters.FaultsFired < 20 || resets == 0 || expired == 0 || partitions < 4 {
				return "", fmt.Errorf("%d faults fired, %d resets and %d expired page tokens over %d nextLinks, %d first pages: not the storm the row names",
					o.counters.FaultsFired, resets, expired, next, partitions)
			}
			return fmt.Sprintf("%d faults fired over %d requests (%d first pages; a nextLink reset, a page token expired)", o.counters.FaultsFired, len(o.log), partitions), nil
		},
	}
}

func tokenCases() []faultCase {
	return []faultCase{
		{
			name:   `access token expires mid-scan (revoked: 401 on the 2nd page)`,
			users:  pagedUsers,
			attrs:  oneChain,
			inject: injecting(effect(graphemu.EndpointListNext, graphemu.EffectRevokeTokens, 1, 1)),
			check:  renewedAfter("listNext", 1),
		},
		{
			name:   `access token expires inside a $batch (inner 401), all 26 columns`,
			attrs:  allColumns,
			inject: injecting(effect(graphemu.EndpointInner, graphemu.EffectRevokeTokens, 5, 1)),
			check:  renewedAfter("inner", 1),
		},
		{
			// The fourth page is asked for 3.2s after the first token was
			// issued, past its renewal point (three quarters of its life).
			// A token's exp claim is whole seconds, so a 4s token lives at
			// least 3s: a renewal at 3s is never late, however busy the
			// machine.
			name:  `token lifetime (4s) shorter than the export (3,500 users, 1.6s a page)`,
			users: 3500,
			attrs: oneChain,
			emu: func(c *graphemu.Config) {
				c.TokenLifetime = 4 * time.Second
				c.Profile = graphemu.Profile{Latency: map[graphemu.Endpoint]graphemu.Latency{graphemu.EndpointListNext: {Base: 1600 * time.Millisecond}}}
			},
			check: renewedAhead,
		},
	}
}

func failureCases() []faultCase {
	onlyMethods := graphemu.DefaultApp()
	onlyMethods.Permissions = []string{graphemu.PermAuthMethodReadAll}
	onlyUsers := graphemu.DefaultApp()
	onlyUsers.Permissions = []string{graphemu.PermUserReadAll}
	return []faultCase{
		{
			name:   `401 on listing: Graph rejects every token`,
			inject: injecting(fault(graphemu.EndpointListFirst, 401, graphemu.Unlimited, 0, graphemu.RetryAfterNone)),
			fail:   `^Microsoft Graph rejected the access token$`,
			detail: []string{graphemu.DefaultClientID, graphemu.DefaultTenantID, `InvalidAuthenticationToken`, requestIDLine},
			check:  all(attempts("listFirst", 2), tokensIssued(2)),
		},
		{
			name:   `403 on listing: the app lacks User.Read.All`,
			emu:    func(c *graphemu.Config) { c.Apps = []graphemu.App{onlyMethods} },
			fail:   `^Missing permission to read users$`,
			detail: []string{`User\.Read\.All`, graphemu.DefaultClientID, graphemu.DefaultTenantID, `Authorization_RequestDenied`, requestIDLine},
			check:  attempts("count", 1),
		},
		{
			name:   `403 on auth methods: the app lacks UserAuthenticationMethod.Read.All, all 26 columns`,
			attrs:  allColumns,
			emu:    func(c *graphemu.Config) { c.Apps = []graphemu.App{onlyUsers} },
			fail:   `^Missing permission to read authentication methods$`,
			detail: []string{`UserAuthenticationMethod\.Read\.All`, graphemu.DefaultClientID, `authenticationPhoneNumber`, `accessDenied`, requestIDLine},
		},
		{
			name:   `404 for a user deleted between listing and its auth-method lookup, all 26 columns`,
			attrs:  allColumns,
			inject: oneUsersMethods(graphemu.Fault{Effect: graphemu.EffectUserNotFound}),
			check:  resultsRowFor(`getAuthenticationMethods|authMethods`, "404", "Request_ResourceNotFound"),
		},
		{
			name:   `403 on one user's auth methods (one the app may not read, as an administrator's), all 26 columns`,
			attrs:  allColumns,
			inject: oneUsersMethods(graphemu.Fault{Status: 403, Times: graphemu.Unlimited}),
			check:  resultsRowFor(`getAuthenticationMethods|authMethods`, "403", "accessDenied"),
		},
		{
			name:   `throttled past the timeout: 429 Retry-After "2" forever, read timeout 3s`,
			attrs:  map[string]tftypes.Value{"timeouts": readTimeout("3s")},
			inject: injecting(fault(graphemu.EndpointListFirst, 429, graphemu.Unlimited, 2*time.Second, graphemu.RetryAfterSeconds)),
			fail:   `^Export timed out$`,
			detail: []string{`3s`, `429 TooManyRequests`, `timeouts`, requestIDLine},
			check:  attempts("listFirst", 2),
		},
		{
			name:   `throttled past the timeout inside $batch: inner 429 Retry-After "2" forever, read timeout 3s`,
			attrs:  map[string]tftypes.Value{"columns": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, nil), "timeouts": readTimeout("3s")},
			inject: injecting(fault(graphemu.EndpointAuthMethods, 429, graphemu.Unlimited, 2*time.Second, graphemu.RetryAfterSeconds)),
			fail:   `^Export timed out$`,
			detail: []string{`3s`, `429`, `authenticationPhoneNumber`},
		},
		{
			// A hostile or broken front end: the wait must be capped, never
			// overflow into no wait at all.
			name:   `429 with an absurd Retry-After ("9223372037", 292 years) forever, read timeout 3s`,
			attrs:  map[string]tftypes.Value{"timeouts": readTimeout("3s")},
			inject: injecting(fault(graphemu.EndpointListFirst, 429, graphemu.Unlimited, time.Duration(math.MaxInt64), graphemu.RetryAfterSeconds)),
			fail:   `^Export timed out$`,
			detail: []string{`3s`, `429 TooManyRequests`, requestIDLine},
			check:  attempts("listFirst", 1),
		},
		{
			name:   `503 on every try (Retry-After "0.5"): retries run out`,
			inject: injecting(fault(graphemu.EndpointListFirst, 503, graphemu.Unlimited, 500*time.Millisecond, graphemu.RetryAfterFractional)),
			fail:   `^Microsoft Graph kept failing$`,
			detail: []string{`HTTP 503`, `serviceNotAvailable`, requestIDLine},
			check:  attempts("listFirst", 8),
		},
		{
			name:   `token endpoint 503 on every try, read timeout 5s`,
			attrs:  map[string]tftypes.Value{"timeouts": readTimeout("5s")},
			inject: injecting(fault(graphemu.EndpointToken, 503, graphemu.Unlimited, 0, graphemu.RetryAfterNone)),
			fail:   `^Export timed out$`,
			detail: []string{`5s`, `503`},
			check:  tokenAttemptsWithin(2, 5),
		},
		{
			name:   `cancelled mid-read (Terraform stops the provider)`,
			users:  pagedUsers,
			attrs:  oneChain,
			emu:    slowSecondPage,
			during: cancelAtSecondPage,
			fail:   `^Export cancelled$`,
			detail: []string{`previous file`},
		},
		{
			name: `Ctrl-C during terraform apply, mid-read (SIGINT to terraform's process group, the provider's included)`,
			cli:  interrupted("apply", true),
		},
		{
			name: `SIGINT to terraform plan alone, mid-read (Terraform stops the provider)`,
			cli:  interrupted("plan", false),
		},
	}
}

// runFaultCase runs one row: a baseline read without faults, then the read
// with them, then the checks.
func runFaultCase(t *testing.T, m *matrix, n int, c faultCase) {
	t.Helper()
	var out rowOutcome
	if c.cli != nil {
		out = c.cli(t)
	} else {
		out = readWithFaults(t, c)
	}
	verdict := "PASS"
	switch {
	case out.err != nil:
		verdict = "FAIL"
		t.Error(out.err)
	case out.skipped:
		verdict = "SKIP"
	}
	m.add(faultTable, strconv.Itoa(n), c.name, out.did, out.expected, out.written, verdict)
}

func readWithFaults(t *testing.T, c faultCase) rowOutcome {
	t.Helper()
	users := c.users
	if users == 0 {
		users = 60
	}
	ten, err := tenant.Generate(tenant.GenerateOptions{Seed: goldenSeed, Users: users, SharedPrefixShare: map[bool]float64{true: 0.6}[c.clustered]})
	if err != nil {
		t.Fatal(err)
	}
	cfg := graphemu.Config{Tenant: ten}
	if c.emu != nil {
		c.emu(&cfg)
	}
	f := startFront(t, cfg)
	attrs := map[string]tftypes.Value{"columns": listOnlyColumns()}
	for k, v := range c.attrs {
		attrs[k] = v
	}

	var baseline [][]string
	if c.fail == "" {
		if baseline, err = baselineRead(t, f, c.provider, attrs); err != nil {
			return rowOutcome{did: "the read without faults failed", err: err}
		}
	}
	f.Reset()
	var missing map[string]bool
	if c.inject != nil {
		missing = c.inject(f, ten)
	}

	dir := t.TempDir()
	out, results := filepath.Join(dir, "users.csv"), filepath.Join(dir, "results.csv")
	attrs["output_path"], attrs["results_path"] = str(out), str(results)
	writePrevious(t, out)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	duringErr := make(chan error, 1)
	if c.during != nil {
		go func() { duringErr <- c.during(ctx, f, dir, cancel) }()
	} else {
		duringErr <- nil
	}
	res := readAt(ctx, t, f.URL(), nil, c.provider, attrs)
	cancel()
	o := &observed{log: f.Log(), counters: f.Emulator().Counters(), res: res}
	o.retries = emutest.Retries(o.log)

	row := rowOutcome{expected: "absent (previous kept)"}
	if c.fail == "" {
		row.expected = strconv.Itoa(len(tenantIDs(ten, missing)))
		row.written, row.err = checkComplete(o, dir, ten, missing, baseline)
	} else {
		row.written, row.err = checkAbsent(o, out, c.fail, c.detail)
	}
	did := []string{describeRetries(o.retries)}
	errs := []error{row.err, <-duringErr, honouredAll(o)}
	if c.inject != nil && o.counters.FaultsFired == 0 {
		errs = append(errs, errors.New("no fault fired: the row proves nothing"))
	}
	if c.check != nil {
		text, err := c.check(o)
		did = append(did, text)
		errs = append(errs, err)
	}
	did = append(did, outcomeText(res, missing))
	row.did = joinNonEmpty(did, "; ")
	row.err = errors.Join(errs...)
	return row
}

// baselineRead exports the tenant without faults, the bytes a faulted read
// must reproduce.
func baselineRead(t *testing.T, f *emutest.Front, provider, attrs map[string]tftypes.Value) ([][]string, error) {
	t.Helper()
	dir := t.TempDir()
	battrs := map[string]tftypes.Value{}
	for k, v := range attrs {
		battrs[k] = v
	}
	battrs["output_path"] = str(filepath.Join(dir, "users.csv"))
	delete(battrs, "timeouts")
	res := readAt(t.Context(), t, f.URL(), nil, provider, battrs)
	if res.failed() {
		return nil, fmt.Errorf("the read without faults failed: %s: %s", res.firstError().Summary, res.firstError().Detail)
	}
	_, records, err := exportedIDs(filepath.Join(dir, "users.csv"))
	return records, err
}

// checkComplete proves a successful read wrote every user once: the CSV's
// object ids are exactly the tenant's (but the expected per-user errors),
// its records are those of the read without faults, and state, results
// file and warnings agree.
func checkComplete(o *observed, dir string, ten *tenant.Tenant, missing map[string]bool, baseline [][]string) (string, error) {
	res := o.res
	if res.failed() {
		return "absent", fmt.Errorf("the read failed (%s): %s: %s", res.stage, res.firstError().Summary, clip(res.firstError().Detail, 600))
	}
	out := filepath.Join(dir, "users.csv")
	ids, records, err := exportedIDs(out)
	if err != nil {
		return "unreadable", err
	}
	written := strconv.Itoa(len(ids))
	errs := []error{sameIDs(ids, tenantIDs(ten, missing)), sameRecords(records, baseline, missing)}
	if n, _ := res.number("user_count"); n != int64(len(ids)) {
		errs = append(errs, fmt.Errorf("user_count %d, the CSV has %d rows", n, len(ids)))
	}
	if n, _ := res.number("error_count"); n != int64(len(missing)) {
		errs = append(errs, fmt.Errorf("error_count %d, want %d", n, len(missing)))
	}
	if sum, err := fileSHA256(out); err != nil {
		errs = append(errs, err)
	} else if res.text("sha256") != sum {
		errs = append(errs, errors.New("the state's sha256 is not the file's"))
	}
	if info, err := os.Stat(out); err != nil {
		errs = append(errs, err)
	} else if perm := info.Mode().Perm(); perm != 0o600 {
		errs = append(errs, fmt.Errorf("the CSV has mode %o, want 600", perm))
	}
	errs = append(errs, checkResultsFile(filepath.Join(dir, "results.csv"), missing))
	wantWarnings := 0
	if len(missing) > 0 {
		wantWarnings = min(len(missing), export.DefaultMaxDetailedErrors) + 1
	}
	if got := len(res.warnings()); got != wantWarnings {
		errs = append(errs, fmt.Errorf("%d warnings (%s), want %d", got, summaries(res.warnings()), wantWarnings))
	}
	errs = append(errs, onlyFiles(dir, "users.csv", "results.csv"))
	return written, errors.Join(errs...)
}

// sameRecords compares a CSV with the read without faults, but the rows of
// users expected to fail.
func sameRecords(got, baseline [][]string, missing map[string]bool) error {
	col := slices.Index(baseline[0], "objectId")
	want := [][]string{baseline[0]}
	for _, r := range baseline[1:] {
		if !missing[strings.ToLower(r[col])] {
			want = append(want, r)
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("the CSV has %d records, the read without faults %d", len(got), len(want))
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			return fmt.Errorf("record %d differs from the read without faults:\n got %q\nwant %q", i, got[i], want[i])
		}
	}
	return nil
}

// checkResultsFile checks the results file names exactly the users that
// failed.
func checkResultsFile(path string, missing map[string]bool) error {
	records, err := readCSVFile(path)
	if err != nil {
		return err
	}
	if len(records)-1 != len(missing) {
		return fmt.Errorf("the results file has %d rows, want %d", len(records)-1, len(missing))
	}
	for _, r := range records[1:] {
		if !missing[strings.ToLower(r[1])] {
			return fmt.Errorf("the results file names %q, which should have been exported", r[:2])
		}
	}
	return nil
}

// checkAbsent proves a failed read failed with one clear error and wrote
// nothing.
func checkAbsent(o *observed, out, summary string, detail []string) (string, error) {
	res := o.res
	written := "absent (previous kept)"
	if err := untouched(out); err != nil {
		written = "CHANGED"
		return written, err
	}
	errs := res.errors()
	switch {
	case len(errs) == 0:
		return written, fmt.Errorf("the read did not fail; want one error %s", summary)
	case len(errs) > 1:
		return written, fmt.Errorf("%d error diagnostics (%s), want one", len(errs), summaries(errs))
	case res.stage != stageRead:
		return written, fmt.Errorf("failed at %s, want at read", res.stage)
	}
	return written, errors.Join(matchAll(errs[0].Summary, summary), matchAll(errs[0].Detail, detail...))
}

func outcomeText(res readResult, missing map[string]bool) string {
	switch {
	case res.failed():
		return fmt.Sprintf("failed: %d error diagnostic %q, nothing written", len(res.errors()), res.firstError().Summary)
	case len(missing) > 0:
		return fmt.Sprintf("exported all others; %d per-user error (warning %q, results file)", len(missing), res.firstWarning().Summary)
	default:
		return "exported all"
	}
}

// describeRetries summarises the retries the front saw, by request kind and
// failure: how many, the Retry-After asked and the waits.
func describeRetries(rs []*emutest.Retry) string {
	type group struct {
		ra   map[string]bool
		gaps []time.Duration
	}
	var order []string
	groups := map[string]*group{}
	for _, r := range rs {
		what := strconv.Itoa(r.Status)
		if r.Broken != "" {
			what = r.Broken
		}
		if r.Code != "" {
			what += " " + r.Code
		}
		k := r.Kind.String() + " " + what
		g, ok := groups[k]
		if !ok {
			g = &group{ra: map[string]bool{}}
			groups[k] = g
			order = append(order, k)
		}
		g.ra[r.RetryAfter] = true
		g.gaps = append(g.gaps, r.Gap())
	}
	parts := make([]string, 0, len(order))
	for _, k := range order {
		g := groups[k]
		parts = append(parts, fmt.Sprintf("%s: retried %dx%s, waited %s", k, len(g.gaps), retryAfterText(g.ra), gapsText(g.gaps)))
	}
	return strings.Join(parts, "; ")
}

func retryAfterText(ra map[string]bool) string {
	var values []string
	for v := range ra {
		if v != "" {
			values = append(values, strconv.Quote(v))
		}
	}
	switch {
	case len(values) == 0:
		return " (no Retry-After)"
	case len(values) > 3:
		return fmt.Sprintf(" (%d Retry-After values)", len(values))
	}
	slices.Sort(values)
	return " after Retry-After " + strings.Join(values, ", ")
}

func gapsText(gaps []time.Duration) string {
	if len(gaps) > 4 {
		lo, hi := slices.Min(gaps), slices.Max(gaps)
		return fmt.Sprintf("%.2fs to %.2fs", lo.Seconds(), hi.Seconds())
	}
	s := make([]string, len(gaps))
	for i, g := range gaps {
		s[i] = fmt.Sprintf("%.2fs", g.Seconds())
	}
	return strings.Join(s, ", ")
}

func joinNonEmpty(parts []string, sep string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// honouredAll holds in every row: no retry came earlier than its
// Retry-After asked.
func honouredAll(o *observed) error {
	var errs []error
	for _, r := range o.retries {
		errs = append(errs, r.Honoured())
	}
	return errors.Join(errs...)
}

func (o *observed) retriesOf(kind string, status int) []*emutest.Retry {
	var out []*emutest.Retry
	for _, r := range o.retries {
		if r.Kind.String() == kind && r.Status == status && r.Broken == "" {
			out = append(out, r)
		}
	}
	return out
}

func (o *observed) attempts(kind string) int {
	n := 0
	for _, e := range o.log {
		if e.Kind.String() == kind {
			n++
		}
	}
	return n
}

// all combines checks.
func all(checks ...func(*observed) (string, error)) func(*observed) (string, error) {
	return func(o *observed) (string, error) {
		var texts []string
		var errs []error
		for _, c := range checks {
			text, err := c(o)
			texts, errs = append(texts, text), append(errs, err)
		}
		return joinNonEmpty(texts, "; "), errors.Join(errs...)
	}
}

// retried wants exactly n retries of kind after status, each asked to wait
// by a Retry-After matching ra ("" = none sent), each waiting at least that.
func retried(kind string, status, n int, ra string) func(*observed) (string, error) {
	return func(o *observed) (string, error) {
		rs := o.retriesOf(kind, status)
		if len(rs) != n {
			return "", fmt.Errorf("%d retries of %s after %d, want %d", len(rs), kind, status, n)
		}
		var errs []error
		var least time.Duration
		for i, r := range rs {
			if ra == "" && r.RetryAfter != "" || ra != "" && !regexp.MustCompile(ra).MatchString(r.RetryAfter) {
				errs = append(errs, fmt.Errorf("Retry-After %q, want %s", r.RetryAfter, ra))
			}
			if want, ok := r.Required(); ok && (i == 0 || want < least) {
				least = want
			}
		}
		if ra == "" {
			return "", errors.Join(errs...)
		}
		return fmt.Sprintf("every wait >= the %.2fs asked", least.Seconds()), errors.Join(errs...)
	}
}

// backedOff wants n retries of kind after status without Retry-After, the
// k-th waiting at least the lower edge of the k-th backoff step (the policy
// draws each wait from the upper half of a step that doubles from 0.5s).
func backedOff(kind string, status, n int) func(*observed) (string, error) {
	return backedOffAfter(kind, status, n, "")
}

// backedOffAfter is backedOff for answers whose Retry-After (matching the
// regexp ra; "" = none) is below the first backoff step: the client must
// back off as if there were none, not retry at once.
func backedOffAfter(kind string, status, n int, ra string) func(*observed) (string, error) {
	return func(o *observed) (string, error) {
		rs := o.retriesOf(kind, status)
		if len(rs) != n {
			return "", fmt.Errorf("%d retries of %s after %d, want %d", len(rs), kind, status, n)
		}
		var errs []error
		floors := make([]string, n)
		for i, r := range rs {
			floor := 250 * time.Millisecond << i
			floors[i] = fmt.Sprintf("%.2fs", floor.Seconds())
			if ra == "" && r.RetryAfter != "" || ra != "" && !regexp.MustCompile(ra).MatchString(r.RetryAfter) {
				errs = append(errs, fmt.Errorf("Retry-After %q sent; the row wants %q", r.RetryAfter, ra))
			}
			if r.Gap() < floor {
				errs = append(errs, fmt.Errorf("retry %d waited %v, want at least %v (exponential backoff)", i+1, r.Gap(), floor))
			}
		}
		return "exponential backoff with jitter: waits >= " + strings.Join(floors, ", "), errors.Join(errs...)
	}
}

// brokenRetried wants n attempts of kind whose connection broke as said,
// each tried again.
func brokenRetried(kind, broken string, n int) func(*observed) (string, error) {
	return func(o *observed) (string, error) {
		got := 0
		for _, r := range o.retries {
			if r.Kind.String() == kind && r.Broken == broken {
				got++
			}
		}
		if got != n {
			return "", fmt.Errorf("%d %s %s attempts tried again, want %d", got, broken, kind, n)
		}
		return "", nil
	}
}

// attempts wants exactly n requests of kind: the retry policy is the only
// one (a second loop, kiota's or azcore's, would multiply them).
func attempts(kind string, n int) func(*observed) (string, error) {
	return func(o *observed) (string, error) {
		if got := o.attempts(kind); got != n {
			return "", fmt.Errorf("%d %s requests reached Graph, want exactly %d", got, kind, n)
		}
		return fmt.Sprintf("exactly %d %s attempts reached Graph", n, kind), nil
	}
}

func tokensIssued(n int) func(*observed) (string, error) {
	return func(o *observed) (string, error) {
		if got := o.counters.TokensIssued; got != n {
			return "", fmt.Errorf("%d access tokens issued, want %d", got, n)
		}
		return fmt.Sprintf("%d tokens issued", n), nil
	}
}

// tokenAttemptsWithin wants between lo and hi token requests: the policy's
// backoff within the read timeout allows no more, whereas azcore's own retries
// would multiply them.
func tokenAttemptsWithin(lo, hi int) func(*observed) (string, error) {
	return func(o *observed) (string, error) {
		got := o.attempts("token")
		if got < lo || got > hi {
			return "", fmt.Errorf("%d token requests, want %d to %d", got, lo, hi)
		}
		return fmt.Sprintf("%d token requests, with backoff, then stopped before the deadline", got), nil
	}
}

// throttledStorm wants the throttle to have answered 429 many times, and
// (with honouredAll) every retry to have waited as asked.
func throttledStorm(o *observed) (string, error) {
	if o.counters.Throttled < 5 {
		return "", fmt.Errorf("only %d 429 answers: no storm", o.counters.Throttled)
	}
	return fmt.Sprintf("%d 429 answers from the throttle, every wait >= its Retry-After", o.counters.Throttled), nil
}

// restartedScan wants the page token to have expired (400
// Directory_ExpiredPageToken) and the chain to have started over.
func restartedScan(o *observed) (string, error) {
	expired := 0
	for _, e := range o.log {
		if e.Kind == graphemu.EndpointListNext && e.Status == 400 && e.Code == "Directory_ExpiredPageToken" {
			expired++
		}
	}
	firsts := o.attempts("listFirst")
	if expired != 1 || firsts != 2 {
		return "", fmt.Errorf("%d expired page tokens and %d first pages, want 1 and 2 (a restart)", expired, firsts)
	}
	return "400 Directory_ExpiredPageToken at the 3rd page: listed again from the first page, the users of the 2 pages delivered skipped", nil
}

// renewedAfter wants n retries of kind after a 401, each with a new token.
func renewedAfter(kind string, n int) func(*observed) (string, error) {
	return func(o *observed) (string, error) {
		rs := o.retriesOf(kind, 401)
		if len(rs) < n {
			return "", fmt.Errorf("%d retries of %s after 401, want at least %d", len(rs), kind, n)
		}
		for _, r := range rs {
			if r.SameToken {
				return "", fmt.Errorf("a %s request rejected with 401 was sent again with the same token", kind)
			}
			if r.Code != "InvalidAuthenticationToken" {
				return "", fmt.Errorf("401 with code %q, want InvalidAuthenticationToken", r.Code)
			}
		}
		if o.counters.TokensIssued < 2 {
			return "", fmt.Errorf("%d access tokens issued, want a new one", o.counters.TokensIssued)
		}
		return fmt.Sprintf("401 InvalidAuthenticationToken: new token obtained (%d issued), request sent again with it", o.counters.TokensIssued), nil
	}
}

// renewedAhead wants a short-lived token replaced before it expired: more
// than one token, and no request rejected.
func renewedAhead(o *observed) (string, error) {
	for _, e := range o.log {
		if e.Status == 401 {
			return "", errors.New("a request was rejected with 401: the token was not renewed in time")
		}
	}
	if o.counters.TokensIssued < 2 {
		return "", fmt.Errorf("%d access tokens issued; the export outlived its first token", o.counters.TokensIssued)
	}
	return fmt.Sprintf("%d tokens issued, each renewed before it expired, no 401", o.counters.TokensIssued), nil
}

// oneUsersMethods makes one listed user's auth-method lookups answer as fl
// says (Endpoint and User are set here), and expects that user to be a
// per-user error.
func oneUsersMethods(fl graphemu.Fault) func(f *emutest.Front, ten *tenant.Tenant) map[string]bool {
	return func(f *emutest.Front, ten *tenant.Tenant) map[string]bool {
		var victim tenant.User
		for u := range ten.Users() {
			if victim = u; strings.HasPrefix(strings.ToLower(u.UserPrincipalName), "m") {
				break
			}
		}
		fl.Endpoint, fl.User = graphemu.EndpointAuthMethods, victim.ID
		f.Emulator().Inject(fl)
		return map[string]bool{strings.ToLower(victim.ID): true}
	}
}

// resultsRowFor wants the per-user error's warning to carry Graph's status
// and code.
func resultsRowFor(operation, status, code string) func(*observed) (string, error) {
	return func(o *observed) (string, error) {
		w := o.res.firstWarning()
		if w == nil {
			return "", errors.New("no warning for the user")
		}
		if err := matchAll(w.Detail, operation, status, code); err != nil {
			return "", err
		}
		return status + " " + code + " -> per-user error", nil
	}
}

// slowSecondPage makes the second page take a minute: the read is sure to
// be under way when it is interrupted.
func slowSecondPage(c *graphemu.Config) {
	c.Profile = graphemu.Profile{Latency: map[graphemu.Endpoint]graphemu.Latency{graphemu.EndpointListNext: {Base: time.Minute}}}
}

// cancelAtSecondPage cancels the read once the second page was asked for,
// after checking the export's temporary file exists (so that "no temporary
// file remains" is not vacuous).
func cancelAtSecondPage(ctx context.Context, f *emutest.Front, dir string, cancel context.CancelFunc) error {
	defer cancel()
	if err := waitFor(ctx, f, "listNext"); err != nil {
		return err
	}
	tmp, err := filepath.Glob(filepath.Join(dir, ".aad-export-*.tmp"))
	if err != nil {
		return err
	}
	if len(tmp) == 0 {
		return errors.New("no temporary file in the folder while the export ran")
	}
	return nil
}

// waitFor waits until a request of kind reaches the front.
func waitFor(ctx context.Context, f *emutest.Front, kind string) error {
	for {
		select {
		case k := <-f.Arrived():
			if k.String() == kind {
				return nil
			}
		case <-ctx.Done():
			return fmt.Errorf("no %s request before the read ended", kind)
		}
	}
}
