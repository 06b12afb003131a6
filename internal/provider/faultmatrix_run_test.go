package provider

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// This file drives one read the way Terraform does, through the provider's
// protocol server in-process: validate the provider and data source
// configurations, configure the provider, read the data source. Every
// diagnostic comes back, uncollapsed, with the stage that produced it.

// readStage names the step of a read that produced its errors.
type readStage string

const (
	stageValidateProvider readStage = "validate (provider block)"
	stageValidate         readStage = "validate (data source)"
	stageConfigure        readStage = "configure provider"
	stageRead             readStage = "read"
	stageNone             readStage = ""
)

// readResult is the outcome of one read.
type readResult struct {
	stage readStage // where it stopped with errors; stageNone when it succeeded
	diags []*tfprotov6.Diagnostic
	state map[string]tftypes.Value
}

func (r readResult) errors() []*tfprotov6.Diagnostic {
	return r.bySeverity(tfprotov6.DiagnosticSeverityError)
}
func (r readResult) warnings() []*tfprotov6.Diagnostic {
	return r.bySeverity(tfprotov6.DiagnosticSeverityWarning)
}
func (r readResult) failed() bool                        { return len(r.errors()) > 0 }
func (r readResult) number(name string) (int64, bool)    { return stateNumber(r.state, name) }
func (r readResult) text(name string) string             { return stateString(r.state, name) }
func (r readResult) summaries() string                   { return summaries(r.diags) }
func (r readResult) firstError() *tfprotov6.Diagnostic   { return first(r.errors()) }
func (r readResult) firstWarning() *tfprotov6.Diagnostic { return first(r.warnings()) }

func (r readResult) bySeverity(s tfprotov6.DiagnosticSeverity) []*tfprotov6.Diagnostic {
	var out []*tfprotov6.Diagnostic
	for _, d := range r.diags {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

func first(diags []*tfprotov6.Diagnostic) *tfprotov6.Diagnostic {
	if len(diags) == 0 {
		return nil
	}
	return diags[0]
}

func summaries(diags []*tfprotov6.Diagnostic) string {
	s := make([]string, len(diags))
	for i, d := range diags {
		s[i] = d.Summary
	}
	return strings.Join(s, "; ")
}

// readAt reads the data source once against the Graph and token endpoints at
// baseURL, as the emulator's default app with its client secret unless
// provider overrides that; env is all the environment the provider sees.
func readAt(ctx context.Context, t *testing.T, baseURL string, env map[string]string, provider, attrs map[string]tftypes.Value) readResult {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(&AADProvider{version: "test", lookupEnv: envOf(env)})()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	providerConfig := configValue(t, schemas.Provider, emulatorProvider(baseURL, provider))
	dsSchema := schemas.DataSourceSchemas["aad_users_export"]
	dsConfig := configValue(t, dsSchema, attrs)

	validP, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: providerConfig})
	if err != nil {
		t.Fatal(err)
	}
	if r := (readResult{stage: stageValidateProvider, diags: validP.Diagnostics}); r.failed() {
		return r
	}
	validDS, err := server.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "aad_users_export", Config: dsConfig})
	if err != nil {
		t.Fatal(err)
	}
	if r := (readResult{stage: stageValidate, diags: validDS.Diagnostics}); r.failed() {
		return r
	}
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.11.4", Config: providerConfig})
	if err != nil {
		t.Fatal(err)
	}
	if r := (readResult{stage: stageConfigure, diags: configured.Diagnostics}); r.failed() {
		return r
	}
	read, err := server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{TypeName: "aad_users_export", Config: dsConfig})
	if err != nil {
		t.Fatal(err)
	}
	r := readResult{stage: stageNone, diags: read.Diagnostics}
	if r.failed() {
		r.stage = stageRead
		return r
	}
	if read.State == nil {
		t.Fatal("a read without errors returned no state")
	}
	state, err := read.State.Unmarshal(dsSchema.ValueType())
	if err != nil {
		t.Fatal(err)
	}
	if err := state.As(&r.state); err != nil {
		t.Fatal(err)
	}
	return r
}

// emulatorProvider is the provider block for the emulator's default app at
// baseURL; extra attributes are added or override (a null value removes).
func emulatorProvider(baseURL string, extra map[string]tftypes.Value) map[string]tftypes.Value {
	attrs := map[string]tftypes.Value{
		"tenant_id": str(graphemu.DefaultTenantID), "client_id": str(graphemu.DefaultClientID), "client_secret": str(graphemu.DefaultClientSecret),
		"graph_endpoint": str(baseURL), "authority_host": str(baseURL + "/"), "use_cli": tftypes.NewValue(tftypes.Bool, false),
	}
	for k, v := range extra {
		attrs[k] = v
	}
	return attrs
}

func stateNumber(state map[string]tftypes.Value, name string) (int64, bool) {
	v, ok := state[name]
	if !ok || !v.IsKnown() || v.IsNull() {
		return 0, false
	}
	var f big.Float
	if v.As(&f) != nil {
		return 0, false
	}
	n, _ := f.Int64()
	return n, true
}

func stateString(state map[string]tftypes.Value, name string) string {
	v, ok := state[name]
	if !ok || !v.IsKnown() || v.IsNull() {
		return ""
	}
	var s string
	if v.As(&s) != nil {
		return ""
	}
	return s
}

func number(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }

// readTimeout is a timeouts block setting read.
func readTimeout(d string) tftypes.Value {
	typ := tftypes.Object{AttributeTypes: map[string]tftypes.Type{"read": tftypes.String}}
	return tftypes.NewValue(typ, map[string]tftypes.Value{"read": str(d)})
}

// exportedIDs reads the objectId column of a written CSV; a duplicate id is
// an error (the export must never write a user twice).
func exportedIDs(path string) ([]string, [][]string, error) {
	records, err := readCSVFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(records) == 0 {
		return nil, nil, fmt.Errorf("%s has no header", path)
	}
	col := slices.Index(records[0], "objectId")
	if col < 0 {
		return nil, nil, fmt.Errorf("%s has no objectId column: %q", path, records[0])
	}
	seen := map[string]bool{}
	ids := make([]string, 0, len(records)-1)
	for _, r := range records[1:] {
		id := strings.ToLower(r[col])
		if seen[id] {
			return nil, nil, fmt.Errorf("%s holds user %s twice", path, id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids, records, nil
}

// tenantIDs lists the object ids of the tenant's users, lower-cased, but
// those in skip.
func tenantIDs(ten *tenant.Tenant, skip map[string]bool) []string {
	return emutest.IDs(ten, func(u tenant.User) bool { return !skip[strings.ToLower(u.ID)] })
}

// sameIDs compares the ids a CSV holds with the ids it should hold.
func sameIDs(got, wantIDs []string) error {
	var extra, missing []string
	want := make(map[string]bool, len(wantIDs))
	for _, id := range wantIDs {
		want[id] = true
	}
	have := make(map[string]bool, len(got))
	for _, id := range got {
		have[id] = true
		if !want[id] {
			extra = append(extra, id)
		}
	}
	for _, id := range wantIDs {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	if len(extra) == 0 && len(missing) == 0 {
		return nil
	}
	slices.Sort(extra)
	slices.Sort(missing)
	return fmt.Errorf("the CSV holds %d users not in the directory (%q) and lacks %d of the directory's (%q)",
		len(extra), extra[:min(3, len(extra))], len(missing), missing[:min(3, len(missing))])
}

// onlyFiles checks a folder holds exactly the named files: no temporary
// file is left behind.
func onlyFiles(dir string, names ...string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	want := slices.Clone(names)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("folder holds %q, want exactly %q", got, want)
	}
	return nil
}

// previousExport is what output_path holds before a read that must fail:
// it must still hold it afterwards.
var previousExport = []byte("userPrincipalName,objectId\nthe-previous-export@contoso.onmicrosoft.com,00000000-0000-4000-8000-000000000001\n") //nolint:gochecknoglobals // a constant the tests compare bytes with

func writePrevious(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, previousExport, 0o600); err != nil {
		t.Fatal(err)
	}
}

// untouched checks a failed read left output_path as writePrevious made it
// and nothing else in its folder but the files named beside (no temporary
// file).
func untouched(path string, beside ...string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !bytes.Equal(b, previousExport) {
		return fmt.Errorf("a failed read changed %s (%d bytes now)", filepath.Base(path), len(b))
	}
	return onlyFiles(filepath.Dir(path), append([]string{filepath.Base(path)}, beside...)...)
}

// matchAll checks s matches every pattern.
func matchAll(s string, patterns ...string) error {
	for _, p := range patterns {
		if !regexp.MustCompile(p).MatchString(s) {
			return fmt.Errorf("%q does not match %s", clip(s, 400), p)
		}
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// matrix gathers the rows of the printed tables; subtests add to it in
// parallel.
type matrix struct {
	mu     sync.Mutex
	tables map[string][][]string // table title -> rows
}

func (m *matrix) add(table string, row ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tables == nil {
		m.tables = map[string][][]string{}
	}
	m.tables[table] = append(m.tables[table], row)
}

// render draws a table in Markdown, rows sorted by their first cell (the
// row number), every column padded to its widest cell.
func (m *matrix) render(title string, header []string) string {
	m.mu.Lock()
	rows := slices.Clone(m.tables[title])
	m.mu.Unlock()
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(fmt.Sprintf("%4s", a[0]), fmt.Sprintf("%4s", b[0])) })
	width := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i, c := range cells {
			fmt.Fprintf(&b, " %s%s |", c, strings.Repeat(" ", width[i]-len([]rune(c))))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "\n%s\n\n", title)
	line(header)
	rule := make([]string, len(header))
	for i := range rule {
		rule[i] = strings.Repeat("-", width[i])
	}
	line(rule)
	for _, r := range rows {
		line(r)
	}
	return b.String()
}
