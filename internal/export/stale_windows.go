//go:build windows

package export

import (
	"io/fs"
	"os"
)

// lockTemp holds nothing on Windows: a file another handle has open cannot
// be removed there (Go opens files without FILE_SHARE_DELETE), which is
// what keeps removeStale off a live export's file. A second handle would
// also keep the export's own rename from replacing the target.
func lockTemp(string) (*os.File, error) { return nil, nil }

// removeIfUnheld tries to remove the file; Windows refuses while a live
// export has it open.
func removeIfUnheld(path string, _ fs.FileInfo) (bool, error) {
	if err := os.Remove(path); err != nil {
		return false, err
	}
	return true, nil
}
