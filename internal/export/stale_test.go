package export

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// writeAged writes a file last modified age ago.
func writeAged(t *testing.T, path string, age time.Duration) {
	t.Helper()
	if err := os.WriteFile(path, []byte("userPrincipalName,displayName\nadele@contoso.com,Adele\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	setAge(t, path, age)
}

func setAge(t *testing.T, path string, age time.Duration) {
	t.Helper()
	at := time.Now().Add(-age)
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

// blockedExport runs an export into dir whose source waits until release is
// closed, and returns once its temporary output file exists, with the path
// of that file and a channel that gets the export's error.
func blockedExport(t *testing.T, dir string, release <-chan struct{}) (tmp string, done <-chan error) {
	t.Helper()
	started := make(chan struct{})
	src := sourceFunc(func(ctx context.Context, q directory.Query, sink directory.Sink) error {
		close(started)
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return (&fakeSource{users: awkwardUsers()}).Users(ctx, q, sink)
	})
	before := tempsIn(t, dir)
	errs := make(chan error, 1)
	go func() {
		_, err := Run(t.Context(), src, directory.Query{}, Options{OutputPath: filepath.Join(dir, "live.csv")})
		errs <- err
	}()
	select {
	case <-started:
	case err := <-errs:
		t.Fatalf("the export that should stay live ended: %v", err)
	}
	created := slices.DeleteFunc(tempsIn(t, dir), func(p string) bool { return slices.Contains(before, p) })
	if len(created) != 1 {
		t.Fatalf("the live export has temporary files %q, want one", created)
	}
	return created[0], errs
}

func tempsIn(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, outputPattern))
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// An export first removes the temporary files that earlier exports, killed
// before their clean-up, left in its folders; it keeps those of an export
// still under way, fresh ones, and everything that is not this package's.
func TestRunRemovesStaleTemporaries(t *testing.T) {
	t.Parallel()
	dir, resultsDir := t.TempDir(), t.TempDir()
	// First the export that stays live: it would clean up what follows.
	release := make(chan struct{})
	liveTmp, liveDone := blockedExport(t, dir, release)
	setAge(t, liveTmp, time.Hour)

	stale := []string{
		filepath.Join(dir, ".aad-export-1234567.tmp"),
		filepath.Join(dir, ".aad-export-42.sort"),
		filepath.Join(resultsDir, ".aad-export-7654321.tmp"),
	}
	for _, p := range stale {
		writeAged(t, p, 2*time.Minute)
	}
	foreign := []string{"notes.tmp", ".aad-export-notes.tmp", ".aad-export-.tmp", "x.aad-export-1.tmp", ".aad-export-9.tmp.bak", ".aad-export-99.csv"}
	for _, name := range foreign {
		writeAged(t, filepath.Join(dir, name), time.Hour)
	}
	fresh := filepath.Join(dir, ".aad-export-55.tmp")
	writeAged(t, fresh, 10*time.Second)
	if err := os.Mkdir(filepath.Join(dir, ".aad-export-66.tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(t.TempDir(), "precious.csv")
	writeAged(t, elsewhere, time.Hour)
	if err := os.Symlink(elsewhere, filepath.Join(dir, ".aad-export-77.tmp")); err != nil && runtime.GOOS != "windows" {
		t.Fatal(err)
	}

	res, err := Run(t.Context(), &fakeSource{users: awkwardUsers()}, directory.Query{},
		Options{OutputPath: filepath.Join(dir, "users.csv"), ResultsPath: filepath.Join(resultsDir, "results.csv")})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(stale)
	slices.Sort(res.RemovedTemporaries)
	if diff := cmp.Diff(stale, res.RemovedTemporaries); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	for _, p := range stale {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("stale %s is still there (%v)", filepath.Base(p), err)
		}
	}
	kept := append([]string{liveTmp, fresh, elsewhere, filepath.Join(dir, ".aad-export-66.tmp")}, prefixed(dir, foreign)...)
	for _, p := range kept {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	close(release)
	if err := <-liveDone; err != nil {
		t.Fatalf("the export that was live when the other started failed: %v", err)
	}
	if got := string(readFile(t, filepath.Join(dir, "live.csv"))); !strings.HasPrefix(got, "userPrincipalName,") {
		t.Errorf("the live export wrote %q", got)
	}
}

func prefixed(dir string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(dir, n)
	}
	return out
}

// holdEnv names the file the helper process holds, as a live export of
// another process would.
const holdEnv = "AAD_EXPORT_TEST_HOLD"

// TestHoldTemporary is not a test: run by TestStaleTemporaryOfAnotherProcess
// in a child process, it holds a temporary file open and locked until its
// standard input closes.
func TestHoldTemporary(t *testing.T) {
	t.Parallel()
	path := os.Getenv(holdEnv)
	if path == "" {
		t.Skip("a helper process of TestStaleTemporaryOfAnotherProcess")
	}
	f, err := os.Open(path) //nolint:gosec // the file the parent test made for this helper
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	lock, err := lockTemp(path)
	if err != nil {
		t.Fatal(err)
	}
	if lock != nil {
		defer func() { _ = lock.Close() }()
	}
	fmt.Println("holding")
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// A temporary file another process holds is left alone, however old; once
// that process is gone, it is stale and removed.
func TestStaleTemporaryOfAnotherProcess(t *testing.T) {
	t.Parallel()
	switch runtime.GOOS {
	case "darwin", "dragonfly", "freebsd", "linux", "netbsd", "openbsd", "windows":
	default:
		t.Skip("no way to tell a live export's file here: none is removed")
	}
	dir := t.TempDir()
	held := filepath.Join(dir, ".aad-export-31337.tmp")
	writeAged(t, held, time.Hour)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHoldTemporary$") //nolint:gosec // the test binary itself
	cmd.Env = append(os.Environ(), holdEnv+"="+held)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "holding\n" {
		t.Fatalf("the helper process said %q, %v", line, err)
	}
	if removed := removeStale(time.Now(), dir); len(removed) != 0 {
		t.Errorf("removed %q, which another process holds", removed)
	}
	if err := stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the helper process: %v", err)
	}
	if removed := removeStale(time.Now(), dir); !slices.Equal(removed, []string{held}) {
		t.Errorf("removed %q once the other process was gone, want %q", removed, held)
	}
}

func TestIsTempName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		".aad-export-1.tmp": true, ".aad-export-4294967295.sort": true,
		".aad-export-.tmp": false, ".aad-export-1a.tmp": false, ".aad-export-1.tmp.csv": false,
		"aad-export-1.tmp": false, ".aad-export-1.csv": false, ".aad-export-1": false, "users.csv": false,
	} {
		if got := isTempName(name); got != want {
			t.Errorf("isTempName(%q) = %v, want %v", name, got, want)
		}
	}
}
