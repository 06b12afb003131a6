package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// resolvePaths checks the output and results paths before anything is read
// from the directory, so that a typo costs seconds, not a whole export, and
// returns them absolute and clean. Whether the folder is writable is proved
// by creating the temporary files, right after.
func resolvePaths(output, results string) (out, res string, err error) {
	if output == "" {
		return "", "", errors.New("the output path is empty")
	}
	if out, err = checkTarget("output", output); err != nil {
		return "", "", err
	}
	if results == "" {
		return out, "", nil
	}
	if res, err = checkTarget("results", results); err != nil {
		return "", "", err
	}
	if SamePath(out, res) {
		return "", "", fmt.Errorf("the results path %q and the output path %q are the same file, or differ only in case (one file on macOS and Windows): give each its own name", res, out)
	}
	return out, res, nil
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
