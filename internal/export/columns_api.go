package export

import "errors"

// DefaultColumns returns the 26 columns of the portal's "Download users", in
// the portal's order.
func DefaultColumns() []string { return nil }

// ValidColumnNames returns every column name Columns accepts, sorted.
func ValidColumnNames() []string { return nil }

// ValidateColumns checks a column list: not empty, no duplicates, every name
// known. The error names the offending entries and lists the valid names.
func ValidateColumns(names []string) error {
	return errors.New("export.ValidateColumns: not implemented yet")
}

// AuthColumns returns the names, among names, of the columns that need the
// authentication-methods API (and so its permission).
func AuthColumns(names []string) []string { return nil }
