package export

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Names of this package's temporary files: os.CreateTemp puts a random
// decimal number where the * is. The output files (.tmp) are renamed into
// place or removed; the sort runs (.sort) are unlinked as soon as they are
// created where the system allows it.
const (
	tempPrefix    = ".aad-export-"
	outputSuffix  = ".tmp"
	spillSuffix   = ".sort"
	outputPattern = tempPrefix + "*" + outputSuffix
	spillPattern  = tempPrefix + "*" + spillSuffix
)

// staleAfter is how old a temporary file must be (since it was last
// written) before it may be taken for one a killed export left behind. A
// live export's file is told apart by its lock (lockTemp); the age covers
// the moment between creating a file and locking it.
const staleAfter = time.Minute

// removeStale removes from each folder the temporary files of exports that
// ended without their clean-up (killed, or a crash): they hold the
// personal data of a whole directory. A file is stale when it has this
// package's name, is a regular file, is older than staleAfter and is not
// held by a live export, in this process or another (removeIfUnheld). It
// returns the paths removed.
//
// It never fails the export that calls it: a file it cannot inspect or
// remove stays as it was, and a folder it cannot read is reported by the
// export's own first write into it.
func removeStale(now time.Time, dirs ...string) []string {
	var removed []string
	slices.Sort(dirs)
	for _, dir := range slices.Compact(dirs) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !isTempName(e.Name()) || !e.Type().IsRegular() {
				continue
			}
			fi, err := e.Info()
			if err != nil || now.Sub(fi.ModTime()) < staleAfter {
				continue
			}
			path := filepath.Join(dir, e.Name())
			if ok, err := removeIfUnheld(path, fi); ok && err == nil {
				removed = append(removed, path)
			}
		}
	}
	return removed
}

// isTempName reports whether name is one os.CreateTemp gives for this
// package's patterns: the prefix, decimal digits, a suffix. Anything else
// in the folder belongs to someone else.
func isTempName(name string) bool {
	rest, ok := strings.CutPrefix(name, tempPrefix)
	if !ok {
		return false
	}
	digits, ok := strings.CutSuffix(rest, outputSuffix)
	if !ok {
		if digits, ok = strings.CutSuffix(rest, spillSuffix); !ok {
			return false
		}
	}
	return digits != "" && strings.Trim(digits, "0123456789") == ""
}
