// Package golden compares what a test produced with a golden file, or
// rewrites the file when the test runs with -update: one comparison and one
// failure message for the provider's, the export's and the emulator's golden
// files. Only tests import it.
package golden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Compare returns nil when got equals the file at path byte for byte. With
// update it writes got there instead (creating the folder), for a person to
// check in review.
func Compare(path string, got []byte, update bool) error {
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return err
		}
		return os.WriteFile(path, got, 0o600)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s differs from the golden file (run the test with -update after checking; - want, + got):\n%s",
			path, cmp.Diff(string(want), string(got)))
	}
	return nil
}

// Check is Compare for a test: a difference fails t.
func Check(tb testing.TB, path string, got []byte, update bool) {
	tb.Helper()
	if err := Compare(path, got, update); err != nil {
		tb.Error(err)
	}
}
