package report

// This file is the contract between the report and the export that feeds it.

// Feed is what an export hands a report while it writes the CSV: every row,
// in the CSV's order, and every per-user error. Builder implements it; the
// export holds a Feed so that a test can watch what it is given.
type Feed interface {
	// Row takes one row's cells in column order, as the CSV holds them
	// before quoting: formula-escaped text (a cell may begin with a ' the
	// escaping added), booleans True or False, collections joined with ';',
	// date-times in ISO 8601 as Graph sends them, and an empty cell for
	// null. The cells are read during the call and not kept.
	Row(cells [][]byte)
	// UserError takes the operation and Graph error code of one per-user
	// error (a row of the results file).
	UserError(operation, code string)
}

var _ Feed = (*Builder)(nil)

// Snapshot is what the report says about the export it summarises, beyond
// its rows: the columns, the rows and errors counted, and the time the ages
// are measured from are the Builder's own.
type Snapshot struct {
	TenantID string
	Cloud    string // public, usgovernment, dod, china
	// Selection says which users the export asked for, for example "all
	// users", "filter: accountEnabled eq true", "search: ..." or "12 listed
	// users".
	Selection string
	SHA256    string // hex SHA-256 of the CSV
}
