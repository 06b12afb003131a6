package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

func writePrevious(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	//nolint:gosec // the point: a world-readable file the export must replace with a private one
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != want {
		t.Errorf("%s has mode %v, want %v", filepath.Base(path), fi.Mode().Perm(), want)
	}
}

func TestRunReplacesFileWithMode0600(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, results := filepath.Join(dir, "u.csv"), filepath.Join(dir, "r.csv")
	writePrevious(t, out, "previous")
	writePrevious(t, results, "previous")
	if _, err := Run(t.Context(), &fakeSource{users: awkwardUsers()}, directory.Query{},
		Options{OutputPath: out, ResultsPath: results}); err != nil {
		t.Fatal(err)
	}
	checkMode(t, out, 0o600)
	checkMode(t, results, 0o600)
	if string(readFile(t, out)) == "previous" || string(readFile(t, results)) == "previous" {
		t.Error("a file was not replaced")
	}
}

// cancelAfter is a source that reads everything and is then cancelled
// before the export writes: the files must still be left alone.
type cancelAfter struct {
	Source
	cancel context.CancelFunc
}

func (c cancelAfter) Users(ctx context.Context, q directory.Query, sink directory.Sink) error {
	err := c.Source.Users(ctx, q, sink)
	c.cancel()
	return err
}

type panicking struct{ Source }

func (p panicking) Users(ctx context.Context, q directory.Query, sink directory.Sink) error {
	if err := p.Source.Users(ctx, q, sink); err != nil {
		return err
	}
	panic("source bug")
}

func TestRunLeavesPreviousFilesOnFailure(t *testing.T) {
	t.Parallel()
	errGraph := errors.New("graph: 503 serviceNotAvailable")
	users := append(awkwardUsers(), generatedUsers(2000, 3)...)
	tests := []struct {
		name    string
		source  func(cancel context.CancelFunc) Source
		wantErr error
		fail    bool
	}{
		{
			name: "cancelled mid-read",
			source: func(cancel context.CancelFunc) Source {
				return &fakeSource{users: users, errs: awkwardErrors(), batch: 100, workers: 3,
					beforeBatch: func(_ context.Context, i int) error {
						if i == 5 {
							cancel()
						}
						return nil
					}}
			},
			wantErr: context.Canceled,
		},
		{
			name: "source fails mid-read",
			source: func(context.CancelFunc) Source {
				return &fakeSource{users: users, errs: awkwardErrors(), batch: 100, workers: 3,
					beforeBatch: func(_ context.Context, i int) error {
						if i == 5 {
							return errGraph
						}
						return nil
					}}
			},
			wantErr: errGraph,
		},
		{
			name: "cancelled after the read",
			source: func(cancel context.CancelFunc) Source {
				return cancelAfter{&fakeSource{users: users, errs: awkwardErrors(), batch: 100, workers: 2}, cancel}
			},
			wantErr: context.Canceled,
		},
		{
			name: "source panics",
			source: func(context.CancelFunc) Source {
				return panicking{&fakeSource{users: users, errs: awkwardErrors(), batch: 100, workers: 2}}
			},
		},
		{
			name: "duplicate user",
			source: func(context.CancelFunc) Source {
				return &fakeSource{users: append(slices.Clone(users), users[7]), batch: 100, workers: 2}
			},
			wantErr: ErrDuplicateUser,
		},
		{
			name: "fail on user errors",
			source: func(context.CancelFunc) Source {
				return &fakeSource{users: users, errs: awkwardErrors(), batch: 100, workers: 2}
			},
			wantErr: ErrUserErrors,
			fail:    true,
		},
	}
	for _, tt := range tests {
		for _, sortMemory := range []int64{0, 8 << 10} {
			t.Run(fmt.Sprintf("%s/sortMemory=%d", tt.name, sortMemory), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				out, results := filepath.Join(dir, "u.csv"), filepath.Join(dir, "r.csv")
				writePrevious(t, out, "previous users")
				writePrevious(t, results, "previous results")
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				opts := Options{OutputPath: out, ResultsPath: results, SortMemory: sortMemory, FailOnUserErrors: tt.fail}

				var err error
				panicked := func() (p any) {
					defer func() { p = recover() }()
					_, err = Run(ctx, tt.source(cancel), directory.Query{}, opts)
					return nil
				}()
				switch {
				case tt.wantErr == nil && panicked == nil:
					t.Fatalf("Run = %v, want the panic to go through", err)
				case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
					t.Fatalf("Run = %v, want %v", err, tt.wantErr)
				}
				if got := string(readFile(t, out)); got != "previous users" {
					t.Errorf("CSV changed to %q", got)
				}
				checkMode(t, out, 0o644)
				if got := string(readFile(t, results)); got == "previous results" && tt.fail {
					t.Error("the results file was not written although only per-user errors failed the export")
				} else if got != "previous results" && !tt.fail {
					t.Errorf("results file changed to %q", got)
				}
				if diff := cmp.Diff([]string{"r.csv", "u.csv"}, filesIn(t, dir)); diff != "" {
					t.Errorf("files left (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// The CSV and the results file cannot be published as one atomic step: the
// CSV, the main artefact, goes first, and when the results file then cannot
// replace its target (here a folder that appeared during the read) the error
// says the CSV was already replaced.
func TestRunPublishesTheCSVFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, results := filepath.Join(dir, "u.csv"), filepath.Join(dir, "r.csv")
	writePrevious(t, out, "previous users")
	src := sourceFunc(func(ctx context.Context, q directory.Query, sink directory.Sink) error {
		if err := os.Mkdir(results, 0o700); err != nil {
			return err
		}
		return (&fakeSource{users: awkwardUsers()}).Users(ctx, q, sink)
	})
	_, err := Run(t.Context(), src, directory.Query{}, Options{OutputPath: out, ResultsPath: results})
	if err == nil {
		t.Fatal("Run succeeded although the results file could not be published")
	}
	for _, want := range []string{fmt.Sprintf("%q was already replaced", out), fmt.Sprintf("replacing %q", results)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Run = %v, want it to say %s", err, want)
		}
	}
	if got := string(readFile(t, out)); !strings.HasPrefix(got, "userPrincipalName,") {
		t.Errorf("the CSV was not replaced: %q", got)
	}
	checkMode(t, out, 0o600)
	if fi, err := os.Stat(results); err != nil || !fi.IsDir() {
		t.Errorf("the results path changed: %v, %v", fi, err)
	}
	if diff := cmp.Diff([]string{"r.csv", "u.csv"}, filesIn(t, dir)); diff != "" {
		t.Errorf("files left (-want +got):\n%s", diff)
	}
}

func TestSinkRefusesLateDeliveries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var kept directory.Sink
	src := sourceFunc(func(_ context.Context, _ directory.Query, sink directory.Sink) error {
		kept = sink
		return nil
	})
	if _, err := Run(t.Context(), src, directory.Query{}, Options{OutputPath: filepath.Join(dir, "u.csv")}); err != nil {
		t.Fatal(err)
	}
	if err := kept.Users(t.Context(), awkwardUsers()); err == nil {
		t.Error("the sink accepted users after the export ended")
	}
	kept.UserError(t.Context(), awkwardErrors()[0]) // must not panic
}

type sourceFunc func(ctx context.Context, q directory.Query, sink directory.Sink) error

func (f sourceFunc) Users(ctx context.Context, q directory.Query, sink directory.Sink) error {
	return f(ctx, q, sink)
}

func TestRunValidatesPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.csv")
	writePrevious(t, existing, "x")
	link := filepath.Join(dir, "link.csv")
	if err := os.Link(existing, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name             string
		output, results  string
		want             string
		notOnWindowsOnly bool
	}{
		{name: "empty output", output: "", want: "output path is empty"},
		{name: "missing folder", output: filepath.Join(dir, "nope", "u.csv"), want: "does not exist"},
		{name: "output is a folder", output: dir, want: "is a folder"},
		{name: "parent is a file", output: filepath.Join(existing, "u.csv"), want: "is not a folder"},
		{name: "results in missing folder", output: filepath.Join(dir, "u.csv"), results: filepath.Join(dir, "nope", "r.csv"), want: "results path"},
		{name: "same path", output: filepath.Join(dir, "u.csv"), results: filepath.Join(dir, "u.csv"), want: "same file"},
		{name: "same path spelt differently", output: filepath.Join(dir, "u.csv"), results: dir + "/sub/../u.csv", want: "same file"},
		{name: "same file through a link", output: existing, results: link, want: "same file"},
		{name: "same path in another case", output: filepath.Join(dir, "Users.csv"), results: filepath.Join(dir, "users.csv"), want: "same file"},
		{name: "not a regular file", output: os.DevNull, want: "not a regular file", notOnWindowsOnly: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.notOnWindowsOnly && runtime.GOOS == "windows" {
				t.Skip("no device files")
			}
			called := false
			src := sourceFunc(func(context.Context, directory.Query, directory.Sink) error {
				called = true
				return nil
			})
			_, err := Run(t.Context(), src, directory.Query{}, Options{OutputPath: tt.output, ResultsPath: tt.results})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run = %v, want an error saying %q", err, tt.want)
			}
			if called {
				t.Error("the directory was read before the paths were checked")
			}
			if err := (Options{OutputPath: tt.output, ResultsPath: tt.results}).validate(); err == nil {
				t.Error("Options.validate accepted the paths")
			}
		})
	}
}

func TestSamePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.csv")
	writePrevious(t, existing, "x")
	link := filepath.Join(dir, "link.csv")
	if err := os.Link(existing, link); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.csv")
	writePrevious(t, other, "x")
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"identical", filepath.Join(dir, "u.csv"), filepath.Join(dir, "u.csv"), true},
		{"spelt differently", filepath.Join(dir, "u.csv"), dir + "/sub/../u.csv", true},
		{"relative and absolute", "u.csv", filepath.Join(wd, "u.csv"), true},
		{"case differs, neither exists", filepath.Join(dir, "Users.csv"), filepath.Join(dir, "users.csv"), true},
		{"case differs in the folder", filepath.Join(dir, "u.csv"), filepath.Join(strings.ToUpper(dir), "u.csv"), true},
		{"link to the same file", existing, link, true},
		{"two existing files", existing, other, false},
		{"two new names", filepath.Join(dir, "u.csv"), filepath.Join(dir, "r.csv"), false},
		{"one existing, one new", existing, filepath.Join(dir, "r.csv"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := SamePath(tt.a, tt.b); got != tt.want {
				t.Errorf("SamePath(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if got := SamePath(tt.b, tt.a); got != tt.want {
				t.Errorf("SamePath(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
			}
		})
	}
}

func TestValidateOptions(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "u.csv")
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"valid", Options{OutputPath: out}, ""},
		{"line ending", Options{OutputPath: out, LineEnding: "CRLF"}, `unknown line ending "CRLF"`},
		{"columns", Options{OutputPath: out, Columns: []string{"Mail"}}, `did you mean "mail"`},
		{"empty columns", Options{OutputPath: out, Columns: []string{}}, "no columns"},
		{"negative sort memory", Options{OutputPath: out, SortMemory: -1}, "negative"},
		{"negative detail", Options{OutputPath: out, MaxDetailedErrors: -1}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.opts.validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("validate = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// An unwritable folder is reported before the directory is read. root
// ignores permissions, so as root the folder is made immutable instead.
func TestRunUnwritableFolder(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX permissions")
	}
	dir := filepath.Join(t.TempDir(), "locked")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	lock(t, dir)
	called := false
	src := sourceFunc(func(context.Context, directory.Query, directory.Sink) error {
		called = true
		return nil
	})
	_, err := Run(t.Context(), src, directory.Query{}, Options{OutputPath: filepath.Join(dir, "u.csv")})
	if err == nil || !strings.Contains(err.Error(), "cannot create a file in folder") {
		t.Fatalf("Run = %v, want an error saying the folder is not writable", err)
	}
	if called {
		t.Error("the directory was read before the folder was found unwritable")
	}
}

func lock(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o500); err != nil { //nolint:gosec // a folder the owner cannot write to
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o700) }) //nolint:gosec // the test's own folder, back to writable for removal
		return
	}
	ctx := context.WithoutCancel(t.Context())                                                   // the cleanup runs after t.Context is done
	if out, err := exec.CommandContext(ctx, "chattr", "+i", dir).CombinedOutput(); err != nil { //nolint:gosec // dir is the test's own folder
		t.Skipf("running as root and cannot make the folder immutable: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.CommandContext(ctx, "chattr", "-i", dir).Run() }) //nolint:gosec // dir is the test's own folder
}
