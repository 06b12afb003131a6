package export

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// atomicFile writes a file that appears complete or not at all: the bytes go
// to a temporary file in the same folder (so that the rename cannot cross
// file systems), which is synced, closed and renamed over the target; the
// folder is synced so that the rename itself survives a crash. The SHA-256
// is computed as the bytes stream past, never by reading the file back.
type atomicFile struct {
	target string
	tmp    string
	f      *os.File
	w      *bufio.Writer
	sum    hash.Hash // nil unless created withChecksum
	lock   *os.File  // holds tmp's lock (lockTemp) until it is published or removed; nil when none

	closed    bool
	published bool
}

const outputBufferSize = 256 << 10

// createAtomic starts writing target; withChecksum computes the SHA-256 of
// what is written (which costs a pass over every byte, so only the file
// whose checksum is reported asks for it).
func createAtomic(target string, withChecksum bool) (*atomicFile, error) {
	dir := filepath.Dir(target)
	// os.CreateTemp creates the file with mode 0600 whatever mode a file
	// being replaced had: the rename replaces the inode, not its content.
	f, err := os.CreateTemp(dir, outputPattern)
	if err != nil {
		return nil, fmt.Errorf("cannot create a file in folder %q: %w", dir, err)
	}
	// Without the lock (a file system without flock), another export's
	// removeStale cannot take it either, and leaves the file alone.
	lock, _ := lockTemp(f.Name())
	a := &atomicFile{target: target, tmp: f.Name(), f: f, lock: lock}
	var w io.Writer = f
	if withChecksum {
		a.sum = sha256.New()
		w = hashingWriter{f: f, h: a.sum}
	}
	a.w = bufio.NewWriterSize(w, outputBufferSize)
	return a, nil
}

// hashingWriter feeds the hash with what reached the file, in the large
// chunks the buffer writes.
type hashingWriter struct {
	f *os.File
	h hash.Hash
}

func (w hashingWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	return n, err
}

// writeAll writes p, the error naming the target.
func (a *atomicFile) writeAll(p []byte) error {
	if _, err := a.w.Write(p); err != nil {
		return fmt.Errorf("writing %q: %w", a.target, err)
	}
	return nil
}

// prepare makes the temporary file durable: flushed, synced and closed.
func (a *atomicFile) prepare() error {
	if err := a.w.Flush(); err != nil {
		return fmt.Errorf("writing %q: %w", a.target, err)
	}
	if err := a.f.Sync(); err != nil {
		return fmt.Errorf("syncing %q: %w", a.target, err)
	}
	a.closed = true
	if err := a.f.Close(); err != nil {
		return fmt.Errorf("closing %q: %w", a.target, err)
	}
	return nil
}

// publish renames the prepared file over the target. The lock is held
// across the rename: until then the file is a live export's.
func (a *atomicFile) publish() error {
	if err := os.Rename(a.tmp, a.target); err != nil {
		return fmt.Errorf("replacing %q: %w", a.target, err)
	}
	a.published = true
	if err := a.unlock(); err != nil {
		return fmt.Errorf("%q was written but its lock could not be released: %w", a.target, err)
	}
	if err := syncDir(filepath.Dir(a.target)); err != nil {
		return fmt.Errorf("%q was written but its folder could not be synced: %w", a.target, err)
	}
	return nil
}

// checksum is the hex SHA-256 of every byte written, or "" for a file
// created without one.
func (a *atomicFile) checksum() string {
	if a.sum == nil {
		return ""
	}
	return hex.EncodeToString(a.sum.Sum(nil))
}

// discard removes the temporary file unless it was published; the target is
// left as it was.
func (a *atomicFile) discard() error {
	if a.published {
		return nil
	}
	var err error
	if !a.closed {
		a.closed = true
		err = a.f.Close()
	}
	if rerr := os.Remove(a.tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	if err = errors.Join(err, a.unlock()); err != nil {
		return fmt.Errorf("removing the temporary file %q: %w", a.tmp, err)
	}
	return nil
}

// unlock releases the temporary file's lock, once.
func (a *atomicFile) unlock() error {
	if a.lock == nil {
		return nil
	}
	err := a.lock.Close()
	a.lock = nil
	return err
}

// syncDir makes a rename in dir durable. Windows cannot open a folder for
// syncing, so there the rename is as durable as the file system makes it.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}
