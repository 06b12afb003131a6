package export

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// fakeDirectory is a Tracker over a directory kept in memory, with a change
// log: every mutation bumps the version and records the user it touched.
// Links are "v<version>"; a link older than expiredBefore is expired.
type fakeDirectory struct {
	mu            sync.Mutex
	users         map[string]directory.User // by id
	version       int
	touched       map[string]int // id -> version of its latest change
	expiredBefore int
	filter        func(directory.User) bool // the query's filter, as Graph would apply it; nil = all
	changesCalls  int
}

func newFakeDirectory(users []directory.User) *fakeDirectory {
	d := &fakeDirectory{users: map[string]directory.User{}, touched: map[string]int{}}
	for i := range users {
		d.users[users[i].ID] = users[i]
	}
	return d
}

func (d *fakeDirectory) set(u directory.User) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	d.users[u.ID] = u
	d.touched[u.ID] = d.version
}

func (d *fakeDirectory) remove(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	delete(d.users, id)
	d.touched[id] = d.version
}

func (d *fakeDirectory) member(u directory.User) bool { return d.filter == nil || d.filter(u) }

func (d *fakeDirectory) snapshot(q directory.Query) ([]directory.User, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []directory.User
	for id := range d.users {
		if u := d.users[id]; d.member(u) {
			out = append(out, selectOnly(u, q))
		}
	}
	return out, "v" + strconv.Itoa(d.version)
}

func (d *fakeDirectory) Users(ctx context.Context, q directory.Query, sink directory.Sink) error {
	_, err := d.UsersTracked(ctx, q, sink)
	return err
}

func (d *fakeDirectory) UsersTracked(ctx context.Context, q directory.Query, sink directory.Sink) (string, error) {
	users, link := d.snapshot(q)
	src := &fakeSource{users: users, batch: 7, workers: 3, seed: uint64(len(users))}
	return link, src.Users(ctx, q, sink)
}

func (d *fakeDirectory) Changes(ctx context.Context, q directory.Query, link string, recheck []string, sink directory.Sink) (string, error) {
	d.mu.Lock()
	d.changesCalls++
	from, err := strconv.Atoi(strings.TrimPrefix(link, "v"))
	if err != nil || from < d.expiredBefore {
		d.mu.Unlock()
		return "", fmt.Errorf("link %q: %w", link, directory.ErrChangeLogExpired)
	}
	ids := slices.Clone(recheck)
	for id, v := range d.touched {
		if v > from {
			ids = append(ids, id)
		}
	}
	var current []directory.User
	for _, id := range ids {
		if u, ok := d.users[id]; ok && d.member(u) {
			current = append(current, selectOnly(u, q))
		}
	}
	next := "v" + strconv.Itoa(d.version)
	d.mu.Unlock()
	slices.Sort(ids)
	if err := sink.Replace(ctx, ids, current); err != nil {
		return "", err
	}
	return next, nil
}

// churn makes n random changes: renames (anywhere in the name space),
// property changes, creations, deletions and restores.
func (d *fakeDirectory) churn(rng *rand.Rand, n int, deleted *[]directory.User) {
	for i := range n {
		d.mu.Lock()
		ids := make([]string, 0, len(d.users))
		for id := range d.users {
			ids = append(ids, id)
		}
		d.mu.Unlock()
		slices.Sort(ids)
		pick := func() directory.User {
			d.mu.Lock()
			defer d.mu.Unlock()
			return d.users[ids[rng.IntN(len(ids))]]
		}
		switch rng.IntN(6) {
		case 0:
			u := pick()
			u.UserPrincipalName = fmt.Sprintf("%s.renamed%d@contoso.com", []string{"aaa", "Zed", "-dash", "'-q", "mid"}[rng.IntN(5)], rng.IntN(1e6))
			d.set(u)
		case 1, 2:
			u := pick()
			u.JobTitle = []string{"", "Engineer", "=cmd", "Line\nBreak", "Manager, Ops"}[rng.IntN(5)]
			u.Department = fmt.Sprintf("Dept %d", rng.IntN(4))
			d.set(u)
		case 3:
			u := generatedUsers(1, rng.Uint64())[0]
			u.ID = fmt.Sprintf("%08x-1111-4000-8000-%012x", rng.Uint32(), i)
			u.Department = fmt.Sprintf("Dept %d", rng.IntN(4))
			d.set(u)
		case 4:
			u := pick()
			*deleted = append(*deleted, u)
			d.remove(u.ID)
		default:
			if len(*deleted) > 0 {
				u := (*deleted)[len(*deleted)-1]
				*deleted = (*deleted)[:len(*deleted)-1]
				d.set(u)
			}
		}
	}
}

// After any sequence of changes, an incremental snapshot is the bytes of a
// full export of the directory at that point, filtered or not, with the
// formula guard on or off: the path taken does not show in the result.
func TestIncrementalEqualsFull(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		filter func(directory.User) bool
		escape bool
		crlf   bool
	}{
		{name: "all users", escape: true},
		{name: "filtered", filter: func(u directory.User) bool { return u.Department != "Dept 1" }, escape: true},
		{name: "unescaped, crlf", crlf: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(len(tt.name)), 5)) //nolint:gosec // test data
			users := append(generatedUsers(600, 8), awkwardUsers()...)
			for i := range users {
				users[i].Department = fmt.Sprintf("Dept %d", i%4)
			}
			dir := newFakeDirectory(users)
			dir.filter = tt.filter
			folder := t.TempDir()
			opts := Options{OutputPath: filepath.Join(folder, "inc.csv"), EscapeFormulas: tt.escape, Incremental: true,
				Columns:     []string{"userPrincipalName", "objectId", "displayName", "jobTitle", "department", "accountEnabled", "alternateEmailAddress"},
				ChangesPath: filepath.Join(folder, "changes.csv"), SortMemory: 2 << 10}
			if tt.crlf {
				opts.LineEnding = CRLF
			}
			full := opts
			full.OutputPath, full.Incremental, full.ChangesPath, full.ManifestPath = filepath.Join(folder, "full.csv"), false, "", ""
			var deleted []directory.User
			for round := range 8 {
				if round > 0 {
					dir.churn(rng, 1+rng.IntN(40), &deleted)
				}
				res, err := Run(t.Context(), dir, directory.Query{}, opts)
				if err != nil {
					t.Fatalf("round %d: incremental Run: %v", round, err)
				}
				want := ModeIncremental
				if round == 0 {
					want = ModeFull
				}
				if res.Mode != want || len(res.Warnings) > 0 && round > 0 {
					t.Fatalf("round %d: mode %s (%s), warnings %v; want %s", round, res.Mode, res.FullBecause, res.Warnings, want)
				}
				fullRes, err := Run(t.Context(), dir, directory.Query{}, full)
				if err != nil {
					t.Fatalf("round %d: full Run: %v", round, err)
				}
				if got, want := readFile(t, opts.OutputPath), readFile(t, full.OutputPath); !bytes.Equal(got, want) {
					t.Fatalf("round %d: the incremental snapshot differs from a full export:\n%s", round, cmp.Diff(string(want), string(got)))
				}
				if res.SHA256 != fullRes.SHA256 || res.Users != fullRes.Users {
					t.Fatalf("round %d: Result %d users %s, full %d users %s", round, res.Users, res.SHA256, fullRes.Users, fullRes.SHA256)
				}
			}
		})
	}
}

// The changes report says what changed, user by user and cell by cell,
// sorted like the CSV; the counts agree with it.
func TestChangesReport(t *testing.T) {
	t.Parallel()
	users := awkwardUsers()
	dir := newFakeDirectory(users)
	folder := t.TempDir()
	opts := Options{OutputPath: filepath.Join(folder, "u.csv"), EscapeFormulas: true, Incremental: true,
		ChangesPath: filepath.Join(folder, "changes.csv"),
		Columns:     []string{"userPrincipalName", "objectId", "displayName", "jobTitle", "accountEnabled"}}
	first, err := Run(t.Context(), dir, directory.Query{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if first.Added != len(users) || first.Removed != 0 || first.Changed != 0 {
		t.Errorf("first snapshot: %d added, %d removed, %d changed; want every user added", first.Added, first.Removed, first.Changed)
	}
	renamed := users[0]
	renamed.UserPrincipalName = "zara@contoso.com"
	renamed.JobTitle = "=Lead"
	dir.set(renamed)
	changed := users[2]
	changed.AccountEnabled = ptr(true)
	dir.set(changed)
	dir.remove(users[3].ID)
	added := directory.User{ID: "00000000-0000-0000-0000-0000000000aa", UserPrincipalName: "new@contoso.com", DisplayName: "New, Person"}
	dir.set(added)
	touchedOnly := users[4]
	dir.set(touchedOnly) // a change that changed nothing the columns show

	res, err := Run(t.Context(), dir, directory.Query{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != ModeIncremental || res.Added != 1 || res.Removed != 1 || res.Changed != 2 {
		t.Errorf("mode %s, %d added, %d removed, %d changed; want incremental, 1, 1, 2", res.Mode, res.Added, res.Removed, res.Changed)
	}
	checkGolden(t, "changes.csv", readFile(t, opts.ChangesPath))
}

// A snapshot falls back to a full one, with a warning saying why, when the
// previous one cannot be built on; and needs no warning when the
// configuration asks for a full one.
func TestIncrementalFallsBack(t *testing.T) {
	t.Parallel()
	cols := []string{"userPrincipalName", "objectId", "displayName"}
	tests := []struct {
		name     string
		breakIt  func(t *testing.T, dir *fakeDirectory, opts *Options)
		want     string // in FullBecause
		fellBack bool
	}{
		{name: "the CSV was edited", breakIt: func(t *testing.T, _ *fakeDirectory, opts *Options) {
			t.Helper()
			appendTo(t, opts.OutputPath, "extra,row,here\n")
		}, want: "no longer the file its manifest describes", fellBack: true},
		{name: "the CSV is gone", breakIt: func(t *testing.T, _ *fakeDirectory, opts *Options) {
			t.Helper()
			if err := os.Remove(opts.OutputPath); err != nil {
				t.Fatal(err)
			}
		}, want: "is gone", fellBack: true},
		{name: "the columns changed", breakIt: func(_ *testing.T, _ *fakeDirectory, opts *Options) {
			opts.Columns = append(slices.Clone(opts.Columns), "jobTitle")
		}, want: "columns differ", fellBack: true},
		{name: "another tenant", breakIt: func(_ *testing.T, _ *fakeDirectory, opts *Options) {
			opts.Provenance.TenantID = "11111111-2222-3333-4444-555555555555"
		}, want: "another tenant", fellBack: true},
		{name: "the manifest is not JSON", breakIt: func(t *testing.T, _ *fakeDirectory, opts *Options) {
			t.Helper()
			if err := os.WriteFile(opts.OutputPath+".manifest.json", []byte("{"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, want: "does not parse", fellBack: true},
		{name: "the change log expired", breakIt: func(_ *testing.T, dir *fakeDirectory, _ *Options) {
			u := awkwardUsers()[1]
			u.DisplayName = "Changed"
			dir.set(u)
			dir.expiredBefore = dir.version
		}, want: "expired", fellBack: true},
		{name: "authentication columns read again", breakIt: func(_ *testing.T, _ *fakeDirectory, opts *Options) {
			opts.Columns = append(slices.Clone(opts.Columns), "authenticationEmail")
			opts.ManifestPath = opts.OutputPath + ".auth.json"
		}, want: "auth_methods_refresh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := newFakeDirectory(awkwardUsers())
			folder := t.TempDir()
			opts := Options{OutputPath: filepath.Join(folder, "u.csv"), EscapeFormulas: true, Incremental: true, Columns: cols,
				Provenance: Provenance{TenantID: "7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012", Cloud: "public"}}
			if _, err := Run(t.Context(), dir, directory.Query{}, opts); err != nil {
				t.Fatal(err)
			}
			tt.breakIt(t, dir, &opts)
			res, err := Run(t.Context(), dir, directory.Query{}, opts)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.Mode != ModeFull || !strings.Contains(res.FullBecause, tt.want) || res.FellBack != tt.fellBack {
				t.Errorf("mode %s because %q (fell back %v); want full because %q (fell back %v)", res.Mode, res.FullBecause, res.FellBack, tt.want, tt.fellBack)
			}
			if tt.fellBack != (len(res.Warnings) > 0) {
				t.Errorf("warnings %q", res.Warnings)
			}
			// The full snapshot is a good base again.
			again, err := Run(t.Context(), dir, directory.Query{}, opts)
			if err != nil || (again.Mode != ModeIncremental && tt.fellBack) {
				t.Errorf("the next snapshot: %v, mode %s (%s)", err, again.Mode, again.FullBecause)
			}
		})
	}
}

// The manifest is the snapshot's evidence, with no secret in it, mode 0600.
func TestManifest(t *testing.T) {
	t.Parallel()
	dir := newFakeDirectory(awkwardUsers())
	folder := t.TempDir()
	opts := Options{OutputPath: filepath.Join(folder, "u.csv"), ResultsPath: filepath.Join(folder, "r.csv"),
		EscapeFormulas: true, ManifestPath: filepath.Join(folder, "m.json"),
		Provenance: Provenance{ProviderVersion: "1.2.3", TenantID: "t", Cloud: "public", ClientID: "c"}}
	res, err := Run(t.Context(), dir, directory.Query{Filter: "accountEnabled eq true"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	data := readFile(t, opts.ManifestPath)
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.SHA256 != res.SHA256 || m.Users != res.Users || m.ProviderVersion != "1.2.3" || m.ClientID != "c" ||
		m.Selection.Filter != "accountEnabled eq true" || m.DeltaLink == "" || m.ResultsSHA256 == "" ||
		m.StartedAt.IsZero() || m.FinishedAt.Before(m.StartedAt) || m.Mode != ModeFull {
		t.Errorf("manifest %s", data)
	}
	fi, err := os.Stat(opts.ManifestPath)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("manifest mode %v, %v", fi.Mode(), err)
	}
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// The compliance report is written beside the CSV, 0600, and describes the
// same snapshot: its checksum, its rows and its per-user errors.
func TestReportWritten(t *testing.T) {
	t.Parallel()
	folder := t.TempDir()
	opts := Options{OutputPath: filepath.Join(folder, "u.csv"), ReportPath: filepath.Join(folder, "report.html"), EscapeFormulas: true,
		Provenance: Provenance{TenantID: "7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012", Cloud: "public"}}
	src := &fakeSource{users: awkwardUsers(), errs: awkwardErrors(), batch: 3, workers: 2}
	res, err := Run(t.Context(), src, directory.Query{Filter: "accountEnabled eq true"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	page := string(readFile(t, opts.ReportPath))
	for _, want := range []string{res.SHA256, "7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012", "filter: accountEnabled eq true",
		`data-metric="rows">` + strconv.Itoa(res.Users) + "<", "Request_ResourceNotFound"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report does not show %q", want)
		}
	}
	if fi, err := os.Stat(opts.ReportPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("report mode %v, %v", fi.Mode(), err)
	}
}
