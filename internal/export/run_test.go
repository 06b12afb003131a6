package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/golden"
)

//nolint:gochecknoglobals // a test flag is package state by nature
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// runPlan runs an export like Run, with the plan adjusted first (fan-in).
func runPlan(t *testing.T, src Source, opts Options, adjust func(p *plan)) (Result, error) {
	t.Helper()
	p, err := newPlan(opts)
	if err != nil {
		return Result{}, err
	}
	if adjust != nil {
		adjust(p)
	}
	return p.run(t.Context(), src, directory.Query{})
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// filesIn lists a folder: what is left there after an export.
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got, *update)
}

// parseCSV reads a written file back with encoding/csv.
func parseCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	b = bytes.TrimPrefix(b, []byte(utf8BOM))
	r := csv.NewReader(bytes.NewReader(b))
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	return records
}

func TestRunGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts Options
	}{
		{"default.csv", Options{EscapeFormulas: true}},
		{"default_unescaped.csv", Options{}},
		{"crlf_bom.csv", Options{EscapeFormulas: true, LineEnding: CRLF, ByteOrderMark: true}},
		{"all_columns.csv", Options{EscapeFormulas: true, Columns: validColumnNames()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			opts := tt.opts
			opts.OutputPath = filepath.Join(dir, "users.csv")
			opts.ResultsPath = filepath.Join(dir, "results.csv")
			src := &fakeSource{users: awkwardUsers(), errs: awkwardErrors(), batch: 4, workers: 3, seed: 1}
			res, err := runPlan(t, src, opts, nil)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			got := readFile(t, opts.OutputPath)
			checkGolden(t, tt.name, got)
			checkGolden(t, "results_"+tt.name, readFile(t, opts.ResultsPath))

			sum := sha256.Sum256(got)
			if res.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("Result.SHA256 = %s, the file's is %x", res.SHA256, sum)
			}
			if res.Users != len(awkwardUsers()) || res.Errors != len(awkwardErrors()) {
				t.Errorf("Result counts %d users, %d errors", res.Users, res.Errors)
			}
			records := parseCSV(t, got)
			wantHeader := opts.Columns
			if wantHeader == nil {
				wantHeader = DefaultColumns()
			}
			if diff := cmp.Diff(wantHeader, records[0]); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if len(records) != 1+len(awkwardUsers()) {
				t.Errorf("%d records, want %d", len(records), 1+len(awkwardUsers()))
			}
			if diff := cmp.Diff([]string{"results.csv", "users.csv"}, filesIn(t, dir)); diff != "" {
				t.Errorf("files left (-want +got):\n%s", diff)
			}
		})
	}
}

// The order is lower-cased userPrincipalName, then id, as a tuple.
func TestRunOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := Options{OutputPath: filepath.Join(dir, "u.csv"), Columns: []string{"userPrincipalName", "objectId"}}
	if _, err := runPlan(t, &fakeSource{users: awkwardUsers(), batch: 2, workers: 4, seed: 9}, opts, nil); err != nil {
		t.Fatal(err)
	}
	records := parseCSV(t, readFile(t, opts.OutputPath))[1:]
	var got []string
	for _, r := range records {
		got = append(got, r[0])
	}
	want := []string{
		"ALICE2@contoso.com", "alice@contoso.com", "Bob@Contoso.com", "empty@contoso.com",
		// strings.ToLower("İ") is "i": the two share a key and sort by id.
		"formula@contoso.com", "İpek@contoso.com", "ipek@contoso.com", "ivan.petrov@contoso.com",
		"john_example.com#EXT#@contoso.onmicrosoft.com", "mohammed.ali@contoso.com",
		"pat@contoso.com", "pat@contoso.com.au", "spaces@contoso.com", "wang.xiaoming@contoso.com",
		"zoe.angstrom@contoso.com",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if !slices.IsSortedFunc(records, func(a, b []string) int {
		return cmpTuple(strings.ToLower(a[0]), a[1], strings.ToLower(b[0]), b[1])
	}) {
		t.Error("rows are not sorted by (strings.ToLower(userPrincipalName), objectId)")
	}
}

func cmpTuple(k1, i1, k2, i2 string) int {
	if c := strings.Compare(k1, k2); c != 0 {
		return c
	}
	return strings.Compare(i1, i2)
}

// Spilling and merging, in one pass or several, and any delivery order or
// concurrency give the bytes of the in-memory sort.
func TestRunDeterministic(t *testing.T) {
	t.Parallel()
	users := append(awkwardUsers(), generatedUsers(3000, 5)...)
	errs := awkwardErrors()
	for i := range 300 {
		errs = append(errs, directory.UserError{
			UserPrincipalName: fmt.Sprintf("Missing%03d@contoso.com", i%150), Operation: directory.OpLookup,
			Status: 404, Code: "Request_ResourceNotFound", Message: fmt.Sprintf("not found %d", i%7),
		})
	}
	reference := func() ([]byte, []byte, Result) {
		dir := t.TempDir()
		opts := Options{
			OutputPath: filepath.Join(dir, "u.csv"), ResultsPath: filepath.Join(dir, "r.csv"),
			EscapeFormulas: true, Columns: validColumnNames(), MaxDetailedErrors: 25,
		}
		res, err := runPlan(t, &fakeSource{users: users, errs: errs, workers: 1}, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		return readFile(t, opts.OutputPath), readFile(t, opts.ResultsPath), res
	}
	wantCSV, wantResults, wantRes := reference()

	tests := []struct {
		name                  string
		batch, workers, fanIn int
		sortMemory            int64
		seed                  uint64
	}{
		{name: "in memory, concurrent", batch: 999, workers: 4, seed: 2},
		{name: "small batches", batch: 7, workers: 8, seed: 3},
		{name: "one byte budget", batch: 50, workers: 3, sortMemory: 1, seed: 4},
		{name: "tiny budget, multi-pass", batch: 13, workers: 2, sortMemory: 4096, fanIn: 3, seed: 5},
		{name: "small budget", batch: 999, workers: 2, sortMemory: 64 << 10, seed: 6},
		{name: "one user per batch", batch: 1, workers: 4, sortMemory: 20000, fanIn: 2, seed: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			opts := Options{
				OutputPath: filepath.Join(dir, "u.csv"), ResultsPath: filepath.Join(dir, "r.csv"),
				EscapeFormulas: true, Columns: validColumnNames(), MaxDetailedErrors: 25, SortMemory: tt.sortMemory,
			}
			src := &fakeSource{users: users, errs: errs, batch: tt.batch, workers: tt.workers, seed: tt.seed}
			res, err := runPlan(t, src, opts, func(p *plan) {
				if tt.fanIn > 0 {
					p.fanIn = tt.fanIn
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(readFile(t, opts.OutputPath), wantCSV) {
				t.Error("CSV differs from the in-memory reference")
			}
			if !bytes.Equal(readFile(t, opts.ResultsPath), wantResults) {
				t.Error("results file differs from the in-memory reference")
			}
			if diff := cmp.Diff(wantRes, res); diff != "" {
				t.Errorf("Result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"r.csv", "u.csv"}, filesIn(t, dir)); diff != "" {
				t.Errorf("files left (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunDuplicateUser(t *testing.T) {
	t.Parallel()
	for _, sortMemory := range []int64{0, 1} {
		t.Run(fmt.Sprint("sortMemory=", sortMemory), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := filepath.Join(dir, "u.csv")
			if err := os.WriteFile(out, []byte("previous"), 0o600); err != nil {
				t.Fatal(err)
			}
			users := append(generatedUsers(500, 1), awkwardUsers()...)
			dup := awkwardUsers()[2]
			dup.DisplayName = "changed between pages"
			users = append(users, dup)
			_, err := Run(t.Context(), &fakeSource{users: users, batch: 10, workers: 3}, directory.Query{},
				Options{OutputPath: out, SortMemory: sortMemory})
			if !errors.Is(err, ErrDuplicateUser) {
				t.Fatalf("Run = %v, want ErrDuplicateUser", err)
			}
			if !strings.Contains(err.Error(), "bob@contoso.com") || !strings.Contains(err.Error(), dup.ID) {
				t.Errorf("error does not name the user: %v", err)
			}
			if got := readFile(t, out); string(got) != "previous" {
				t.Errorf("previous file changed to %q", got)
			}
			if diff := cmp.Diff([]string{"u.csv"}, filesIn(t, dir)); diff != "" {
				t.Errorf("files left (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunQuery(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := &fakeSource{users: awkwardUsers()}
	in := directory.Query{Filter: "startswith(displayName,'a')", Select: []string{"ignored"}, UserPrincipalNames: []string{"a@b"}}
	opts := Options{OutputPath: filepath.Join(dir, "u.csv"), Columns: []string{"mail", "authenticationEmail", "objectId"}}
	if _, err := Run(t.Context(), src, in, opts); err != nil {
		t.Fatal(err)
	}
	want := directory.Query{
		Select: []string{"id", "userPrincipalName", "mail"}, AuthMethods: true,
		Tracked: []string{"id", "userPrincipalName", "mail"},
		Filter:  in.Filter, UserPrincipalNames: in.UserPrincipalNames,
	}
	if diff := cmp.Diff(want, src.query); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
}

func TestRunUserErrors(t *testing.T) {
	t.Parallel()
	manyErrs := func(n int) []directory.UserError {
		var errs []directory.UserError
		for i := range n {
			errs = append(errs, directory.UserError{
				UserPrincipalName: fmt.Sprintf("m%05d@contoso.com", n-i), Operation: directory.OpLookup, Status: 404,
			})
		}
		return errs
	}
	tests := []struct {
		name        string
		errs        []directory.UserError
		fail        bool
		results     bool
		maxDetailed int
		wantFirst   int
	}{
		{name: "none, results file", results: true},
		{name: "some, results file", errs: awkwardErrors(), results: true, wantFirst: 4},
		{name: "some, no results file", errs: awkwardErrors(), wantFirst: 4},
		{name: "many, capped detail", errs: manyErrs(2500), results: true, wantFirst: 10},
		{name: "many, larger cap", errs: manyErrs(2500), maxDetailed: 40, wantFirst: 40},
		{name: "fail on user errors", errs: awkwardErrors(), results: true, fail: true, wantFirst: 4},
		{name: "fail on user errors without any", results: true, fail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out, results := filepath.Join(dir, "u.csv"), ""
			if err := os.WriteFile(out, []byte("previous"), 0o600); err != nil {
				t.Fatal(err)
			}
			if tt.results {
				results = filepath.Join(dir, "r.csv")
			}
			opts := Options{
				OutputPath: out, ResultsPath: results, FailOnUserErrors: tt.fail,
				MaxDetailedErrors: tt.maxDetailed, SortMemory: 4096,
			}
			res, err := Run(t.Context(), &fakeSource{users: awkwardUsers(), errs: tt.errs, workers: 2, batch: 3}, directory.Query{}, opts)
			wantFail := tt.fail && len(tt.errs) > 0
			switch {
			case wantFail && !errors.Is(err, ErrUserErrors):
				t.Fatalf("Run = %v, want ErrUserErrors", err)
			case wantFail && !strings.Contains(err.Error(), fmt.Sprint(len(tt.errs))):
				t.Errorf("error %q does not give the count", err)
			case !wantFail && err != nil:
				t.Fatalf("Run: %v", err)
			}
			if res.Errors != len(tt.errs) || len(res.FirstErrors) != tt.wantFirst {
				t.Errorf("Result: %d errors, %d detailed; want %d, %d", res.Errors, len(res.FirstErrors), len(tt.errs), tt.wantFirst)
			}
			csvWritten := string(readFile(t, out)) != "previous"
			if csvWritten == wantFail {
				t.Errorf("CSV written = %v with fail = %v", csvWritten, wantFail)
			}
			if !tt.results {
				return
			}
			records := parseCSV(t, readFile(t, results))
			if diff := cmp.Diff(resultsColumns(), records[0]); diff != "" {
				t.Errorf("results header (-want +got):\n%s", diff)
			}
			if len(records)-1 != len(tt.errs) {
				t.Fatalf("results file has %d rows, want %d", len(records)-1, len(tt.errs))
			}
			for i, e := range res.FirstErrors {
				if got := records[1+i]; got[0] != e.UserPrincipalName || got[1] != e.ObjectID || got[6] != e.RequestID {
					t.Errorf("FirstErrors[%d] = %+v, results row %q", i, e, got)
				}
			}
		})
	}
}

func TestRunFirstErrorsAreValues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res, err := Run(t.Context(), &fakeSource{errs: awkwardErrors()}, directory.Query{},
		Options{OutputPath: filepath.Join(dir, "u.csv"), EscapeFormulas: true})
	if err != nil {
		t.Fatal(err)
	}
	want := awkwardErrors()
	want = []directory.UserError{want[3], want[2], want[0], want[1]} // ("", id), formula, missing, o'brien
	if diff := cmp.Diff(want, res.FirstErrors); diff != "" {
		t.Errorf("FirstErrors (-want +got):\n%s", diff)
	}
	if got := string(readFile(t, filepath.Join(dir, "u.csv"))); got != strings.Join(DefaultColumns(), ",")+"\n" {
		t.Errorf("CSV without users = %q", got)
	}
}
