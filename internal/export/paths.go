package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// target is one file an export writes: what it is called in errors, and
// where it goes.
type target struct {
	label string
	path  *string // resolved in place: absolute and clean
}

// resolveTargets checks the paths of the files an export writes before
// anything is read from the directory, so that a typo costs seconds, not a
// whole export, and makes them absolute and clean. Empty paths (files not
// asked for) are skipped, except the first (the CSV). No two may name the
// same file. Whether the folders are writable is proved by creating the
// temporary files, right after.
func resolveTargets(targets ...target) error {
	if *targets[0].path == "" {
		return fmt.Errorf("the %s path is empty", targets[0].label)
	}
	var done []target
	for _, t := range targets {
		if *t.path == "" {
			continue
		}
		abs, err := checkTarget(t.label, *t.path)
		if err != nil {
			return err
		}
		*t.path = abs
		for _, o := range done {
			if SamePath(abs, *o.path) {
				return fmt.Errorf("the %s path %q and the %s path %q are the same file, or differ only in case (one file on macOS and Windows): give each its own name",
					t.label, abs, o.label, *o.path)
			}
		}
		done = append(done, t)
	}
	return nil
}

func checkTarget(label, path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("%s path %q: %w", label, path, err)
	}
	dir := filepath.Dir(abs)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%s path %q: folder %q does not exist", label, path, dir)
	case err != nil:
		return "", fmt.Errorf("%s path %q: %w", label, path, err)
	case !fi.IsDir():
		return "", fmt.Errorf("%s path %q: %q is not a folder", label, path, dir)
	}
	fi, err = os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return abs, nil
	case err != nil:
		return "", fmt.Errorf("%s path %q: %w", label, path, err)
	case fi.IsDir():
		return "", fmt.Errorf("%s path %q is a folder: give the name of a file inside it", label, path)
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("%s path %q exists and is not a regular file", label, path)
	}
	return abs, nil
}

// SamePath reports whether a and b may name the same file, so that writing
// one would replace the other. It errs on the side of "yes": the paths are
// compared cleaned and absolute, ignoring case, because on a case-insensitive
// file system (macOS, Windows) "Users.csv" and "users.csv" are one file even
// before either exists; refusing them on Linux too costs only a rename. Two
// existing names for one file (a link) are the same file too.
func SamePath(a, b string) bool {
	if strings.EqualFold(absClean(a), absClean(b)) {
		return true
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false
	}
	return os.SameFile(fa, fb)
}

// absClean is path absolute and clean, or only clean when the working
// directory cannot be found.
func absClean(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}
