//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || windows)

package export

import (
	"io/fs"
	"os"
)

// lockTemp holds nothing where flock is missing.
func lockTemp(string) (*os.File, error) { return nil, nil }

// removeIfUnheld removes nothing where flock is missing: a live export's
// file could not be told from a stale one, and removing it would fail that
// export.
func removeIfUnheld(string, fs.FileInfo) (bool, error) { return false, nil }
