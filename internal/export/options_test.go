package export

// Tests' shorthands for what Run does with its options.

// validate checks the options as Run does before reading anything: the
// columns, the line ending, the limits and the paths (which it looks up on
// the file system, so the folders must exist when it is called).
func (o Options) validate() error {
	_, err := newPlan(o)
	return err
}

// validColumnNames returns every column name Columns accepts, sorted.
func validColumnNames() []string { return newCatalogue().names }
