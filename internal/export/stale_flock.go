//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// lockTemp holds an exclusive advisory lock on the temporary file at path
// for as long as the returned file is open: removeStale takes a locked
// file for a live export's. flock locks belong to an open file, not to a
// process, so they also keep apart two exports of one process (two data
// sources writing into one folder). A separate descriptor holds it because
// the file itself is closed before it is renamed into place.
func lockTemp(path string) (*os.File, error) {
	f, err := os.Open(path) //nolint:gosec // path is the temporary file this export just created
	if err != nil {
		return nil, err
	}
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return nil, errors.Join(fmt.Errorf("locking %q: %w", path, err), f.Close())
	}
	return f, nil
}

// removeIfUnheld removes the file at path (described by fi) when no export
// holds its lock. It takes the lock itself first, so that no export can
// start holding the file meanwhile, and checks that the file it locked is
// still the one at path.
func removeIfUnheld(path string, fi fs.FileInfo) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }() // read-only, and only locked: nothing to lose
	if err := flock(f, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false, nil // a live export holds it
	}
	if locked, err := f.Stat(); err != nil || !os.SameFile(locked, fi) {
		return false, err
	}
	return true, os.Remove(path)
}

func flock(f *os.File, how int) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = syscall.Flock(int(fd), how) }); err != nil {
		return err
	}
	return ferr
}
