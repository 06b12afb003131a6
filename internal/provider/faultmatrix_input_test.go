package provider

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// badInputCase is one row of the bad input table.
type badInputCase struct {
	name   string
	tenant func(t *testing.T) *tenant.Tenant // nil: 60 generated users
	setup  func(t *testing.T, dir string, ten *tenant.Tenant) badInput

	stage   readStage // where the read must stop; stageNone: it succeeds, with per-user errors
	summary string    // the one error's summary (regexp)
	detail  []string  // regexps its detail must match
	shows   string    // what the detail was checked to say, for the table
	graph   bool      // the error is Graph's own answer, so Graph is asked
	errors  int       // error diagnostics expected (one per bad value); 0 = 1
}

// badInput is a row's configuration and, for reads that succeed, what the
// CSV must hold.
type badInput struct {
	attrs    map[string]tftypes.Value // output_path defaults to dir/users.csv
	provider map[string]tftypes.Value
	env      map[string]string
	others   []string // files besides users.csv the folder may hold
	want     []string // object ids the CSV must hold exactly, lower-cased
	perUser  int      // per-user errors expected
	check    func(log []*emutest.Exchange) (string, error)
}

func attrsOnly(attrs map[string]tftypes.Value) func(*testing.T, string, *tenant.Tenant) badInput {
	return func(*testing.T, string, *tenant.Tenant) badInput { return badInput{attrs: attrs} }
}

const (
	guidA = "0b8d6c1e-33a4-4c4f-9f0e-5d2b0c6f1a7e"
	guidB = "5a0f3b9c-7d41-4e8a-b2c6-19f0d3e4a5b6"
)

func badInputCases() []badInputCase {
	return append(validationCases(), graphRejectsCases()...)
}

func validationCases() []badInputCase {
	v := func(name, summary string, attrs map[string]tftypes.Value, shows string, detail ...string) badInputCase {
		return badInputCase{name: name, setup: attrsOnly(attrs), stage: stageValidate, summary: summary, detail: detail, shows: shows}
	}
	return []badInputCase{
		v(`unknown column "nope"`, `^Invalid columns$`, map[string]tftypes.Value{"columns": strList("userPrincipalName", "nope")},
			"names it, lists every valid column", `"nope"`, `valid column names`, `authenticationEmail`, `employeeId`),
		v(`duplicate column "mail"`, `^Invalid columns$`, map[string]tftypes.Value{"columns": strList("mail", "objectId", "mail")},
			"names the duplicate", `duplicated column "mail"`),
		v(`empty columns list`, `^Invalid columns$`, map[string]tftypes.Value{"columns": strList()},
			"lists the valid columns", `no columns given`, `userPrincipalName`),
		v(`empty user_principal_names`, `Invalid Attribute Value`, map[string]tftypes.Value{"user_principal_names": strList()},
			"at least 1 element", `at least 1`),
		v(`empty object_ids`, `Invalid Attribute Value`, map[string]tftypes.Value{"object_ids": strList()},
			"at least 1 element", `at least 1`),
		v(`user_principal_names with filter`, `^Conflicting user selection$`,
			map[string]tftypes.Value{"user_principal_names": strList("a@contoso.com"), "filter": str("accountEnabled eq true")},
			"explains the two ways to select", `cannot be combined with filter or search`),
		v(`object_ids with search`, `^Conflicting user selection$`,
			map[string]tftypes.Value{"object_ids": strList(guidA), "search": str(`"displayName:a"`)},
			"explains the two ways to select", `cannot be combined with filter or search`),
		{
			name: "object_ids that are not GUIDs (2 of 3)", stage: stageValidate, summary: `^Invalid object_ids\[[12]\]$`, errors: 2,
			setup: attrsOnly(map[string]tftypes.Value{"object_ids": strList(guidA, "alice@contoso.com", "{"+guidB+"}")}),
			shows: "one error per bad value, naming it and showing the GUID form", detail: []string{`is not a GUID`, `00000000-0000-0000-0000-000000000000`},
		},
		v(`the same user twice (case differs)`, `^Duplicate entry$`, map[string]tftypes.Value{"user_principal_names": strList("Ann@contoso.com", "ann@CONTOSO.com")},
			"names both elements", `element 0`),
		{
			name: "results_path is output_path (spelt differently)", stage: stageValidate, summary: `^results_path is output_path$`,
			shows: "names the path", detail: []string{`users\.csv`},
			setup: func(_ *testing.T, dir string, _ *tenant.Tenant) badInput {
				return badInput{attrs: map[string]tftypes.Value{"results_path": str(filepath.Join(dir, ".", "sub", "..", "users.csv"))}}
			},
		},
		{
			name: "graph_endpoint plain http to a remote host", stage: stageValidateProvider, summary: `^Invalid graph_endpoint$`,
			shows: "refuses: tokens would cross the network in clear", detail: []string{`uses plain http`, `only https is allowed`},
			setup: func(*testing.T, string, *tenant.Tenant) badInput {
				return badInput{provider: map[string]tftypes.Value{"graph_endpoint": str("http://graph.example.net")}}
			},
		},
		{
			name: "AAD_GRAPH_ENDPOINT plain http to a remote host (environment)", stage: stageConfigure, summary: `^Invalid AAD_GRAPH_ENDPOINT$`,
			shows: "names the variable, refuses", detail: []string{`AAD_GRAPH_ENDPOINT`, `uses plain http`},
			setup: func(*testing.T, string, *tenant.Tenant) badInput {
				return badInput{
					provider: map[string]tftypes.Value{"graph_endpoint": tftypes.NewValue(tftypes.String, nil)},
					env:      map[string]string{envGraphEndpoint: "http://10.1.2.3:8080"},
				}
			},
		},
		{
			name: "authority_host plain http", stage: stageValidateProvider, summary: `^Invalid authority_host$`,
			shows: "refuses", detail: []string{`must use https`},
			setup: func(*testing.T, string, *tenant.Tenant) badInput {
				return badInput{provider: map[string]tftypes.Value{"authority_host": str("http://login.example.net/")}}
			},
		},
		{
			name: "output_path in a missing folder", stage: stageRead, summary: `^Export failed$`,
			shows: "names the folder, before Graph is asked", detail: []string{`nope`, `does not exist`},
			setup: func(_ *testing.T, dir string, _ *tenant.Tenant) badInput {
				return badInput{attrs: map[string]tftypes.Value{"output_path": str(filepath.Join(dir, "nope", "users.csv"))}}
			},
		},
		{
			name: "output_path in a folder that cannot be written", stage: stageRead, summary: `^Export failed$`,
			shows: "names the folder, before Graph is asked", detail: []string{`cannot create a file in folder`, `locked`},
			setup: func(t *testing.T, dir string, _ *tenant.Tenant) badInput {
				t.Helper()
				locked := filepath.Join(dir, "locked")
				if err := os.Mkdir(locked, 0o700); err != nil {
					t.Fatal(err)
				}
				lockFolder(t, locked)
				return badInput{attrs: map[string]tftypes.Value{"output_path": str(filepath.Join(locked, "users.csv"))}, others: []string{"locked"}}
			},
		},
		{
			name: "output_path is a folder", stage: stageRead, summary: `^Export failed$`,
			shows: "says so, before Graph is asked", detail: []string{`is a folder`},
			setup: func(t *testing.T, dir string, _ *tenant.Tenant) badInput {
				t.Helper()
				sub := filepath.Join(dir, "exports")
				if err := os.Mkdir(sub, 0o700); err != nil {
					t.Fatal(err)
				}
				return badInput{attrs: map[string]tftypes.Value{"output_path": str(sub)}, others: []string{"exports"}}
			},
		},
	}
}

func graphRejectsCases() []badInputCase {
	rejected := `^Microsoft Graph rejected the filter or search$`
	return []badInputCase{
		{
			name: "filter Graph rejects (legalAgeGroupClassification cannot be filtered)", stage: stageRead, summary: rejected, graph: true,
			setup: attrsOnly(map[string]tftypes.Value{"filter": str("legalAgeGroupClassification eq 'Adult'")}),
			shows: "Graph's code, message and request-id; that ConsistencyLevel and $count were sent, so the advanced-query rules do not allow it",
			detail: []string{`Graph refused filter "legalAgeGroupClassification eq 'Adult'"\.`, `code Request_UnsupportedQuery: .*'legalAgeGroupClassification'`, requestIDLine,
				`ConsistencyLevel: eventual`, `advanced query`, `aad-advanced-queries`},
		},
		{
			name: "filter with an OData syntax error", stage: stageRead, summary: rejected, graph: true,
			setup:  attrsOnly(map[string]tftypes.Value{"filter": str("displayName eq 'unterminated")}),
			shows:  "Graph's code, message and request-id; how to write OData literals",
			detail: []string{`HTTP 400, code \w+: \S`, requestIDLine, `single quotes`},
		},
		{
			name: "filter that closes the partition's parentheses: accountEnabled eq true) or (userType eq 'Guest'", stage: stageRead,
			summary: rejected, graph: true,
			setup: func(*testing.T, string, *tenant.Tenant) badInput {
				const filter = "accountEnabled eq true) or (userType eq 'Guest'"
				return badInput{attrs: map[string]tftypes.Value{"filter": str(filter)}, check: onlyFilter(filter)}
			},
			shows:  "Graph refuses it as given",
			detail: []string{`HTTP 400`, requestIDLine},
		},
		{
			name: `search Graph rejects (clause not quoted: displayName:ann)`, stage: stageRead, summary: rejected, graph: true,
			setup:  attrsOnly(map[string]tftypes.Value{"search": str("displayName:ann")}),
			shows:  "Graph's code, message and request-id; how to quote $search clauses",
			detail: []string{`HTTP 400, code \w+: .*quoted`, requestIDLine, `\$search clauses quoted`},
		},
		{
			name: `search on a property Graph cannot search ("jobTitle:x")`, stage: stageRead, summary: rejected, graph: true,
			setup:  attrsOnly(map[string]tftypes.Value{"search": str(`"jobTitle:x"`)}),
			shows:  "Graph's code, message and request-id; that ConsistencyLevel was sent, so the advanced-query rules do not allow it",
			detail: []string{`Graph refused search "\\"jobTitle:x\\""\.`, `code Request_UnsupportedQuery: .*'jobTitle'`, requestIDLine, `ConsistencyLevel: eventual`},
		},
		{
			name: `user_principal_names with quotes, #EXT#, non-ASCII, and names shaped to inject a filter`, stage: stageNone, graph: true,
			shows: "exported exactly the 4 named users; each of the 5 other names is a per-user 404, none selects anyone else",
			setup: awkwardNames,
		},
		{
			name: `3,000 user_principal_names (the 1,000 users and 2,000 that do not exist)`, stage: stageNone, graph: true,
			tenant: func(t *testing.T) *tenant.Tenant { t.Helper(); return generatedTenant(t, goldenSeed, 1000) },
			shows:  "exported the 1,000; 2,000 per-user errors, 10 detailed warnings + 1 total",
			setup:  longList,
		},
		{
			name:  `names in the directory that break unescaped OData ("o'brien')or(..." for 2,100 of 3,000 users), partitioned listing`,
			stage: stageNone, graph: true,
			tenant: func(t *testing.T) *tenant.Tenant {
				t.Helper()
				ten, err := tenant.Generate(tenant.GenerateOptions{Seed: 5, Users: 3000, SharedPrefixShare: 0.7, SharedPrefix: "o'brien')or(x"})
				if err != nil {
					t.Fatal(err)
				}
				return ten
			},
			shows: "exported all 3,000",
			setup: hostileDirectory,
		},
	}
}

// lockFolder makes a folder unwritable; root ignores permissions, so as root
// the folder is made immutable instead.
func lockFolder(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o500); err != nil { //nolint:gosec // a folder the owner cannot write to
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o700) }) //nolint:gosec // the test's own folder, writable again for removal
		return
	}
	ctx := context.WithoutCancel(t.Context())                                                   // the cleanup runs after t.Context is done
	if out, err := exec.CommandContext(ctx, "chattr", "+i", dir).CombinedOutput(); err != nil { //nolint:gosec // dir is the test's own folder
		t.Skipf("running as root and cannot make the folder immutable: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.CommandContext(ctx, "chattr", "-i", dir).Run() }) //nolint:gosec // dir is the test's own folder
}

// awkwardNames adds users whose names need escaping everywhere, selects them
// by name with names shaped to inject a filter or a path, and wants exactly
// the real ones.
func awkwardNames(t *testing.T, _ string, ten *tenant.Tenant) badInput {
	t.Helper()
	domain := "@" + ten.Domain()
	existing := []string{"o'brien" + domain, "zoë.ünïcode-日本" + domain, "ann_fabrikam.com#EXT#" + domain, "x')or(true" + domain}
	var want []string
	for _, upn := range existing {
		if err := ten.Add(tenant.User{UserPrincipalName: upn, DisplayName: upn, UserType: "Member"}); err != nil {
			t.Fatal(err)
		}
		u, ok := ten.Lookup(upn)
		if !ok {
			t.Fatalf("the tenant lost %s", upn)
		}
		want = append(want, strings.ToLower(u.ID))
	}
	injections := []string{"nobody') or (1 eq 1", "' or ''='", "*", "../me", "a@b.c?$filter=true"}
	names := append(append([]string{}, existing...), injections...)
	return badInput{
		attrs:   map[string]tftypes.Value{"user_principal_names": strList(names...), "columns": strList("userPrincipalName", "objectId", "displayName")},
		want:    want,
		perUser: len(injections),
		check:   onlyBatches,
	}
}

// longList selects every user of a 1,000-user tenant by name, with 2,000
// names that do not exist.
func longList(_ *testing.T, _ string, ten *tenant.Tenant) badInput {
	var names []string
	for u := range ten.Users() {
		names = append(names, u.UserPrincipalName)
	}
	for i := range 2000 {
		names = append(names, fmt.Sprintf("nobody%04d@%s", i, ten.Domain()))
	}
	return badInput{
		attrs:   map[string]tftypes.Value{"user_principal_names": strList(names...), "columns": strList("userPrincipalName", "objectId")},
		want:    emutest.IDs(ten, nil),
		perUser: 2000,
		check:   onlyBatches,
	}
}

// onlyBatches wants explicit users looked up 20 to a $batch, never one
// request each.
func onlyBatches(log []*emutest.Exchange) (string, error) {
	batches, singles := 0, 0
	for _, e := range log {
		switch e.Kind {
		case graphemu.EndpointBatch:
			batches++
		case graphemu.EndpointGet:
			singles++
		}
	}
	if singles > 0 || batches == 0 {
		return "", fmt.Errorf("%d single GETs and %d $batch requests; want lookups in $batch only", singles, batches)
	}
	return fmt.Sprintf("looked up 20 to a $batch (%d $batch requests, no single GET)", batches), nil
}

// onlyFilter wants every request to have carried the caller's filter as
// given: a filter Graph refuses is never combined into partition filters,
// where unbalanced parentheses could change what a partition selects.
func onlyFilter(filter string) func([]*emutest.Exchange) (string, error) {
	return func(records []*emutest.Exchange) (string, error) {
		sent := 0
		for _, e := range records {
			u, err := url.ParseRequestURI(e.URI)
			if err != nil || !u.Query().Has("$filter") {
				continue
			}
			if got := u.Query().Get("$filter"); got != filter {
				return "", fmt.Errorf("a %s request carried $filter %q, not the caller's filter as given", e.Kind, got)
			}
			sent++
		}
		if sent == 0 {
			return "", errors.New("no request carried the filter: the row proves nothing")
		}
		return fmt.Sprintf("sent as given %d times, never inside a partition filter", sent), nil
	}
}

// hostileDirectory wants the partitioned listing of a directory whose names
// are full of quotes and parentheses complete, with the names escaped in
// the partition filters it sent.
func hostileDirectory(_ *testing.T, _ string, ten *tenant.Tenant) badInput {
	return badInput{
		attrs: map[string]tftypes.Value{"columns": listOnlyColumns()},
		want:  tenantIDs(ten, nil),
		check: func(log []*emutest.Exchange) (string, error) {
			escaped := 0
			for _, e := range log {
				if e.Kind != graphemu.EndpointCount && e.Kind != graphemu.EndpointListFirst {
					continue
				}
				u, err := url.ParseRequestURI(e.URI)
				if err != nil {
					continue
				}
				if strings.Contains(u.Query().Get("$filter"), "o''brien'')or(") {
					escaped++
				}
			}
			if escaped == 0 {
				return "", errors.New("no partition filter held the names' quotes doubled: the row proves nothing")
			}
			return fmt.Sprintf("%d partition filters with the names' quotes doubled", escaped), nil
		},
	}
}

// runBadInputCase runs one row of the bad input table.
func runBadInputCase(t *testing.T, m *matrix, n int, c badInputCase) {
	t.Helper()
	var ten *tenant.Tenant
	if c.tenant != nil {
		ten = c.tenant(t)
	} else {
		ten = generatedTenant(t, goldenSeed, 60)
	}
	f := startFront(t, graphemu.Config{Tenant: ten})
	dir := t.TempDir()
	out := filepath.Join(dir, "users.csv")
	in := c.setup(t, dir, ten)
	attrs := map[string]tftypes.Value{"output_path": str(out), "results_path": tftypes.NewValue(tftypes.String, nil)}
	for k, v := range in.attrs {
		attrs[k] = v
	}
	if c.stage != stageNone {
		writePrevious(t, out)
	}
	res := readAt(t.Context(), t, f.URL(), in.env, in.provider, attrs)
	log := f.Log()
	graphRequests := 0
	for _, e := range log {
		if e.Kind != graphemu.EndpointToken && e.Kind != graphemu.EndpointDiscovery {
			graphRequests++
		}
	}

	said, written, err := checkBadInput(c, in, res, dir, out)
	errs := []error{err}
	if !c.graph && len(log) > 0 {
		errs = append(errs, fmt.Errorf("%d requests reached the emulator; the input should have been refused before", len(log)))
	}
	if in.check != nil {
		text, err := in.check(log)
		said = joinNonEmpty([]string{said, text}, "; ")
		errs = append(errs, err)
	}
	verdict := "PASS"
	if err := errors.Join(errs...); err != nil {
		verdict = "FAIL"
		t.Error(err)
	}
	caught := string(c.stage)
	if c.stage == stageNone {
		caught = "per user (read succeeds)"
	} else if c.graph {
		caught += " (Graph's answer)"
	}
	m.add(badInputTable, strconv.Itoa(n), c.name, caught, said, strconv.Itoa(graphRequests), written, verdict)
}

// checkBadInput checks a row's outcome and says what the provider said.
func checkBadInput(c badInputCase, in badInput, res readResult, dir, out string) (said, written string, err error) {
	if c.stage == stageNone {
		written, err := checkSelection(in, res, dir, out)
		return c.shows, written, err
	}
	written = "nothing (previous kept)"
	errs := []error{untouchedBeside(out, in.others)}
	if errs[0] != nil {
		written = "CHANGED"
	}
	diags := res.errors()
	switch {
	case len(diags) != max(c.errors, 1):
		errs = append(errs, fmt.Errorf("%d error diagnostics (%s), want %d", len(diags), summaries(diags), max(c.errors, 1)))
	case res.stage != c.stage:
		errs = append(errs, fmt.Errorf("caught at %q, want at %q: %s", res.stage, c.stage, diags[0].Summary))
	default:
		for _, d := range diags {
			errs = append(errs, matchAll(d.Summary, c.summary), matchAll(d.Detail, c.detail...))
		}
	}
	switch len(diags) {
	case 0:
		said = "no error"
	case 1:
		said = fmt.Sprintf("error %q: %s", diags[0].Summary, c.shows)
	default:
		said = fmt.Sprintf("%d errors %q: %s", len(diags), res.summaries(), c.shows)
	}
	return said, written, errors.Join(errs...)
}

// checkSelection checks a read that succeeded wrote exactly the selected
// users, with the expected per-user errors.
func checkSelection(in badInput, res readResult, dir, out string) (string, error) {
	if res.failed() {
		return "absent", fmt.Errorf("the read failed (%s): %s", res.stage, clip(res.firstError().Detail, 600))
	}
	ids, _, err := exportedIDs(out)
	if err != nil {
		return "unreadable", err
	}
	errs := []error{sameIDs(ids, in.want)}
	if n, _ := res.number("error_count"); n != int64(in.perUser) {
		errs = append(errs, fmt.Errorf("error_count %d, want %d", n, in.perUser))
	}
	wantWarnings := 0
	if in.perUser > 0 {
		wantWarnings = min(in.perUser, export.DefaultMaxDetailedErrors) + 1
	}
	if got := len(res.warnings()); got != wantWarnings {
		errs = append(errs, fmt.Errorf("%d warnings, want %d", got, wantWarnings))
	}
	errs = append(errs, onlyFiles(dir, "users.csv"))
	return strconv.Itoa(len(ids)) + " rows", errors.Join(errs...)
}

// untouchedBeside is untouched for a folder that may also hold others
// (left as the row made them: an empty folder stays empty).
func untouchedBeside(out string, others []string) error {
	for _, o := range others {
		entries, err := os.ReadDir(filepath.Join(filepath.Dir(out), o))
		if err != nil {
			return err
		}
		if len(entries) > 0 {
			return fmt.Errorf("%s holds %d entries after a failed read", o, len(entries))
		}
	}
	return untouched(out, others...)
}
