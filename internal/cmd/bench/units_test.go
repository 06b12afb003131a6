package main

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

func TestShellUnquote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{`'plain'`, "plain", false},
		{`''`, "", false},
		{`'it'\''s'`, "it's", false},
		{`'$HOME "x" \ ;'`, `$HOME "x" \ ;`, false},
		{`'a'\'''`, "a'", false},
		{`'open`, "", true},
		{`bare`, "", true},
		{`'a'b`, "", true},
	}
	for _, tt := range tests {
		got, err := shellUnquote(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("%s: %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// FuzzShellUnquote: whatever graphemu's quoting writes reads back the same,
// and nothing makes the reader panic.
func FuzzShellUnquote(f *testing.F) {
	for _, s := range []string{"", "a", "it's", "''''", `\'`, "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		quoted := "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		got, err := shellUnquote(quoted)
		if err != nil || got != s {
			t.Errorf("%q quoted as %s read back as %q, %v", s, quoted, got, err)
		}
		_, _ = shellUnquote(s) // any input: an error or a value, never a panic
	})
}

func TestReadEnvFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(path, []byte("A='1'\n\nB='it'\\''s'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env, err := readEnvFile(path)
	if err != nil || len(env) != 2 || env["A"] != "1" || env["B"] != "it's" {
		t.Errorf("%v %v", env, err)
	}
	if err := os.WriteFile(path, []byte("A\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readEnvFile(path); err == nil {
		t.Error("a line without = was accepted")
	}
	if _, err := readEnvFile(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestReplaceBetween(t *testing.T) {
	t.Parallel()
	doc := "a\n<!-- B: note -->\nold\n<!-- E -->\nz\n"
	got, err := replaceBetween(doc, "<!-- B", "<!-- E -->", "new")
	if want := "a\n<!-- B: note -->\n\nnew\n<!-- E -->\nz\n"; err != nil || got != want {
		t.Errorf("%q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"no markers\n", "<!-- E -->\n<!-- B -->\n", "<!-- B -->\n"} {
		if _, err := replaceBetween(bad, "<!-- B", "<!-- E -->", "x"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestThousands(t *testing.T) {
	t.Parallel()
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 500000: "500,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(in); got != want {
			t.Errorf("%d: %q, want %q", in, got, want)
		}
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		wantErr bool
	}{
		{"", false},
		{"-only speed,exact -large 1000 -time-scale 0.1", false},
		{"-only fast", true},
		{"-large 0", true},
		{"-churn-users 0", true},
		{"-only churn -churn-users 5000", false},
		{"-only snapshots,report -snapshot-users 5000 -report-users 3000", false},
		{"-snapshot-users 0", true},
		{"-report-users -1", true},
		{"-time-scale 0", true},
		{"extra", true},
	}
	for _, tt := range tests {
		_, err := parseFlags(strings.Fields(tt.args), io.Discard)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: %v, want error %v", tt.args, err, tt.wantErr)
		}
	}
}

// testBench is a bench holding rows made up for the target checks.
func testBench(rows map[string]row) *bench {
	cfg, err := parseFlags(nil, io.Discard)
	if err != nil {
		panic(err)
	}
	return &bench{cfg: cfg, rows: rows}
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func TestChecks(t *testing.T) {
	t.Parallel()
	good := map[string]row{
		keyProviderList: {Users: 500_000, Wall: secs(7.5)},
		keyChain999:     {Users: 20_000, Wall: secs(22)},
		keyChain100:     {Users: 20_000, Wall: secs(40)},
		keyProviderAll:  {Users: 50_000, Wall: secs(56), RU: 50_000},
		keyZeroProvider: {Users: 500_000, CPU: secs(5)},
		keyZeroRaw:      {Users: 500_000, CPU: secs(4)},
		keyMemLarge:     {Users: 500_000, PeakRSS: 70e6},
		keyMemMedium:    {Users: 50_000, PeakRSS: 60e6},
		keyExactOne:     {Users: 10, SHA256: strings.Repeat("a", 64)},
		keyExactDefault: {Users: 10, SHA256: strings.Repeat("a", 64)},
		keyChurnStill:   {Users: 100_000, Wall: secs(3.4)},
		keyChurnLive:    {Users: 100_010, Wall: secs(4), Live: &liveCheck{Changes: map[tenant.EventKind]int{tenant.EventRenamed: 30}}},
		keySnapFull:     {Users: 500_000, Wall: secs(8), PeakRSS: 90e6, SHA256: strings.Repeat("b", 64)},
		keySnapIncremental: {Users: 500_000, Wall: secs(0.7), PeakRSS: 30e6, SHA256: strings.Repeat("c", 64), Delta: 26,
			Mode: "incremental"},
		keySnapChanges: {Users: 500_000, Wall: secs(0.8), PeakRSS: 32e6, SHA256: strings.Repeat("c", 64), Delta: 26,
			Added: 1250, Removed: 1250, Changed: 2480},
		keySnapFresh:     {Users: 500_000, Wall: secs(8), SHA256: strings.Repeat("c", 64)},
		keyReportWithout: {Users: 500_000, Wall: secs(8)},
		keyReportWith:    {Users: 500_000, Wall: secs(8.5)},
	}
	tests := []struct {
		name   string
		change func(map[string]row, *bench)
		failed int // the target that must fail; 0 = none
	}{
		{"all met", func(map[string]row, *bench) {}, 0},
		{"slower than 20x the $top=999 chain", func(r map[string]row, _ *bench) { setWall(r, keyProviderList, 28) }, 1},
		{"slower than 100x the 100-a-page chain", func(r map[string]row, _ *bench) { setWall(r, keyProviderList, 10.1) }, 1},
		{"over 1.15x the strict floor", func(r map[string]row, _ *bench) { setWall(r, keyProviderAll, 1.16*52.5) }, 2},
		{"within the bucket: no floor", func(r map[string]row, _ *bench) {
			x := r[keyProviderAll]
			x.Users, x.RU = 7000, 8000
			r[keyProviderAll] = x
		}, 2},
		// The floor is what the export needs: RU wasted do not excuse a slow wall.
		{"wasted RU do not raise the floor", func(r map[string]row, _ *bench) {
			x := r[keyProviderAll]
			x.RU, x.Wall = 100_000, secs(70)
			r[keyProviderAll] = x
		}, 2},
		{"over twice the raw CPU", func(r map[string]row, _ *bench) { x := r[keyZeroProvider]; x.CPU = secs(8.1); r[keyZeroProvider] = x }, 3},
		{"over 150 MB", func(r map[string]row, _ *bench) { setRSS(r, keyMemLarge, 151e6); setRSS(r, keyMemMedium, 150e6) }, 4},
		{"grows over 1.25x", func(r map[string]row, _ *bench) { setRSS(r, keyMemLarge, 76e6) }, 4},
		{"different bytes", func(r map[string]row, _ *bench) {
			x := r[keyExactOne]
			x.SHA256 = strings.Repeat("b", 64)
			r[keyExactOne] = x
		}, 5},
		{"a user missed", func(_ map[string]row, b *bench) { b.exact.Missing = 1 }, 5},
		{"over 1.2x under churn", func(r map[string]row, _ *bench) { setWall(r, keyChurnLive, 4.1) }, 6},
		{"a violation under churn", func(r map[string]row, _ *bench) {
			r[keyChurnLive].Live.Violations = []string{"user x (x@y) lived through the whole export but is missing"}
		}, 6},
		{"no change under churn", func(r map[string]row, _ *bench) { clear(r[keyChurnLive].Live.Changes) }, 6},
		{"the changing export unchecked", func(r map[string]row, _ *bench) { x := r[keyChurnLive]; x.Live = nil; r[keyChurnLive] = x }, 6},
		{"incremental over a tenth of the full", func(r map[string]row, _ *bench) { setWall(r, keySnapIncremental, 0.81) }, 7},
		{"incremental over 30 s", func(r map[string]row, _ *bench) {
			setWall(r, keySnapFull, 400)
			setWall(r, keySnapIncremental, 30)
			setWall(r, keySnapChanges, 31)
		}, 7},
		{"incremental holds more than the full", func(r map[string]row, _ *bench) { setRSS(r, keySnapIncremental, 90.1e6) }, 7},
		{"incremental bytes differ from a full export's", func(r map[string]row, _ *bench) { setSHA(r, keySnapFresh, "d") }, 7},
		{"changes report over 1.2x", func(r map[string]row, _ *bench) { setWall(r, keySnapChanges, 0.85) }, 8},
		{"changes report's CSV differs", func(r map[string]row, _ *bench) { setSHA(r, keySnapChanges, "d") }, 8},
		{"compliance report over 1.1x", func(r map[string]row, _ *bench) { setWall(r, keyReportWith, 8.9) }, 9},
	}
	for _, tt := range tests {
		rows := map[string]row{}
		for k, v := range good {
			if v.Live != nil {
				v.Live = &liveCheck{Changes: maps.Clone(v.Live.Changes)}
			}
			rows[k] = v
		}
		b := testBench(rows)
		b.exact = &completeness{Expected: 10, Rows: 10}
		tt.change(rows, b)
		checks := b.checks()
		for _, c := range checks {
			if want := c.N != tt.failed; c.Pass != want || c.Skipped {
				t.Errorf("%s: target %d %s (%s), want pass %v", tt.name, c.N, c.verdict(), c.Figure, want)
			}
		}
		// The run's exit status: errTargetsMissed exactly when one failed.
		if got := (report{b: b, checks: checks}).passed(); got != (tt.failed == 0) {
			t.Errorf("%s: report passed %v, want %v", tt.name, got, tt.failed == 0)
		}
	}
}

func TestRUNeeded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		users                  int
		total, gets, listPages int64
	}{
		{1, 2, 1, 1}, {999, 1000, 999, 1}, {1000, 1002, 1000, 2}, {50_000, 50_051, 50_000, 51},
	}
	for _, tt := range tests {
		total, gets, pages := ruNeeded(tt.users)
		if total != tt.total || gets != tt.gets || pages != tt.listPages {
			t.Errorf("%d users: %d = %d + %d, want %d = %d + %d", tt.users, total, gets, pages, tt.total, tt.gets, tt.listPages)
		}
	}
}

func TestBudgetFigureFlagsWaste(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ru       int64
		wasteful bool
	}{{50_051, false}, {50_551, false}, {50_552, true}, {100_000, true}} {
		b := testBench(map[string]row{keyProviderAll: {Users: 50_000, Wall: secs(56), RU: tt.ru}})
		c := b.checkBudget()
		if strings.Contains(c.Figure, "WASTEFUL") != tt.wasteful || !strings.Contains(c.Figure, "50,051 needed") {
			t.Errorf("%d RU spent: %s", tt.ru, c.Figure)
		}
	}
}

func TestWholeExport(t *testing.T) {
	t.Parallel()
	if err := wholeExport("row", 10, 10); err != nil {
		t.Error(err)
	}
	for _, users := range []int{0, 9, 11} {
		if err := wholeExport("row", users, 10); err == nil {
			t.Errorf("%d users of 10 accepted", users)
		}
	}
}

func setWall(r map[string]row, key string, s float64) { x := r[key]; x.Wall = secs(s); r[key] = x }

func setRSS(r map[string]row, key string, b int64) { x := r[key]; x.PeakRSS = b; r[key] = x }

func setSHA(r map[string]row, key, c string) {
	x := r[key]
	x.SHA256 = strings.Repeat(c, 64)
	r[key] = x
}

// TestDeltaFloor: the change log's pages at the realistic profile's
// latency, on its clock.
func TestDeltaFloor(t *testing.T) {
	t.Parallel()
	b := testBench(nil)
	if got, want := b.deltaFloor(25, 5000), secs(7.5); got != want {
		t.Errorf("25 pages carrying 5,000 users: %v, want %v", got, want)
	}
	b.cfg.timeScale = 0.1
	if got, want := b.deltaFloor(25, 5000), secs(0.75); got != want {
		t.Errorf("on a clock ten times faster: %v, want %v", got, want)
	}
}

// TestCopySnapshot copies a CSV and its manifest, byte for byte and
// private, and refuses to overwrite.
func TestCopySnapshot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	from, to := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv")
	for path, data := range map[string]string{from: "h\nrow\n", manifestPath(from): `{"sha256":"x"}`} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := copySnapshot(from, to); err != nil {
		t.Fatal(err)
	}
	for src, dst := range map[string]string{from: to, manifestPath(from): manifestPath(to)} {
		want, _ := os.ReadFile(src)
		got, err := os.ReadFile(dst)
		fi, serr := os.Stat(dst)
		if err != nil || serr != nil || !bytes.Equal(got, want) || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %q (%v, %v), want %q, mode 0600", dst, got, err, fi, want)
		}
	}
	if err := copySnapshot(from, to); err == nil {
		t.Error("copied over an existing snapshot")
	}
	if err := copySnapshot(filepath.Join(dir, "none.csv"), filepath.Join(dir, "c.csv")); err == nil {
		t.Error("copied a snapshot that does not exist")
	}
}

func TestChecksSkipped(t *testing.T) {
	t.Parallel()
	b := testBench(map[string]row{})
	for _, c := range b.checks() {
		if !c.Skipped || c.verdict() != "SKIPPED" {
			t.Errorf("target %d: %s", c.N, c.verdict())
		}
	}
	if !(report{b: b, checks: b.checks()}).passed() {
		t.Error("skipped targets count as failures")
	}
}

// TestCompleteness writes CSVs with a user missing, one duplicated and one
// unknown, and checks each is found.
func TestCompleteness(t *testing.T) {
	t.Parallel()
	spec := emulatorSpec{Users: 50, Seed: 3, SharedShare: 0.6, SharedPrefix: "user"}
	ids := idsOf(t, spec)
	tests := []struct {
		name string
		ids  []string
		want completeness
	}{
		{"complete", ids, completeness{Expected: 50, Rows: 50}},
		{"one missing", ids[1:], completeness{Expected: 50, Rows: 49, Missing: 1}},
		{"one twice", append(ids[:len(ids):len(ids)], ids[7]), completeness{Expected: 50, Rows: 51, Duplicated: 1}},
		{"one unknown", append(ids[1:len(ids):len(ids)], "00000000-0000-4000-8000-000000000000"), completeness{Expected: 50, Rows: 50, Missing: 1, Unknown: 1}},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "users.csv")
		csv := "userPrincipalName,objectId\n"
		for _, id := range tt.ids {
			csv += "x@y," + id + "\n"
		}
		if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := checkCompleteness(path, spec)
		if err != nil {
			t.Fatal(err)
		}
		if got.Expected != tt.want.Expected || got.Rows != tt.want.Rows || got.Missing != tt.want.Missing ||
			got.Duplicated != tt.want.Duplicated || got.Unknown != tt.want.Unknown || got.ok() != (tt.name == "complete") {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
		if got.Shared < 20 || got.Shared > 40 {
			t.Errorf("%s: %d of 50 users under the shared prefix, want about 30", tt.name, got.Shared)
		}
	}
}

// idsOf lists the object ids of the directory spec generates.
func idsOf(t *testing.T, spec emulatorSpec) []string {
	t.Helper()
	ten, err := generate(spec)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for u := range ten.Users() {
		ids = append(ids, u.ID)
	}
	if len(ids) != spec.Users {
		t.Fatalf("%d ids for %d users", len(ids), spec.Users)
	}
	return ids
}

func TestSlug(t *testing.T) {
	t.Parallel()
	if got := slug("Single chain, $top=999"); got != "single-chain---top-999" {
		t.Errorf("%q", got)
	}
}

func TestDisturbed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		others time.Duration
		want   bool
	}{
		{0, false}, {secs(5), false}, {secs(5.1), true}, {secs(30), true}, {-1, false},
	}
	for _, tt := range tests {
		r := row{Wall: secs(10), Others: tt.others}
		if got := r.disturbed(); got != tt.want {
			t.Errorf("others %v in 10 s: disturbed %v, want %v", tt.others, got, tt.want)
		}
	}
	b := testBench(map[string]row{keyZeroRaw: {Name: "raw", Wall: secs(5), Others: secs(1), Attempts: 2}, keyZeroProvider: {Name: "p", Attempts: 1}})
	b.order = []string{keyZeroProvider, keyZeroRaw}
	if line := (report{b: b}).remeasuredLine(); !strings.Contains(line, "target 3 raw (2 runs") || strings.Contains(line, "target 3 p ") {
		t.Errorf("%q", line)
	}
}

func TestShellJoin(t *testing.T) {
	t.Parallel()
	got := shellJoin([]string{"-only", "speed", "-command", "make bench", "", "it's"})
	if want := `-only speed -command 'make bench' '' 'it'\''s'`; got != want {
		t.Errorf("%s, want %s", got, want)
	}
}

func TestThrottleWindow(t *testing.T) {
	t.Parallel()
	for scale, want := range map[float64]time.Duration{1: 10 * time.Second, 0.1: time.Second, 0.01: 100 * time.Millisecond} {
		if got := throttleWindow(scale); got != want {
			t.Errorf("time scale %g: %v, want %v", scale, got, want)
		}
	}
	b := testBench(nil)
	if units, window := b.throttleBudget(); units != 8000 || window != 10*time.Second {
		t.Errorf("budget %g per %v", units, window)
	}
}

func TestUnescaped(t *testing.T) {
	t.Parallel()
	for cell, want := range map[string]string{
		"anna@x":   "anna@x",
		"'-anna@x": "-anna@x",
		"'+1@x":    "+1@x",
		"'=a@x":    "=a@x",
		"'@a@x":    "@a@x",
		"'anna@x":  "'anna@x", // a name that begins with a quote: not escaped
		"'":        "'",
		"":         "",
	} {
		if got := unescaped(cell); got != want {
			t.Errorf("unescaped(%q) = %q, want %q", cell, got, want)
		}
	}
}
