package report

// enum counts the users of each documented value of one column, per
// segment. Values are compared ignoring ASCII case (Graph's casing of
// legalAgeGroupClassification varies); an empty cell is "not set", anything
// else "other".
type enum struct {
	col    int      // the column's index, -1 when it was not exported
	values []string // the documented values, in the order the report lists them
	counts []bySegment
}

// The positions after the documented values in enum.counts.
func (e *enum) notSet() int { return len(e.values) }
func (e *enum) other() int  { return len(e.values) + 1 }

func newEnum(col int, values ...string) enum {
	return enum{col: col, values: values, counts: make([]bySegment, len(values)+2)}
}

// index returns the position of v's count.
func (e *enum) index(v []byte) int {
	if len(v) == 0 {
		return e.notSet()
	}
	for i, want := range e.values {
		if equalFold(v, want) {
			return i
		}
	}
	return e.other()
}

func (e *enum) add(cells [][]byte, s segment) {
	if e.col < 0 {
		return
	}
	e.counts[e.index(cell(cells, e.col))][s]++
}

func (e *enum) exported() bool { return e.col >= 0 }

// cell returns the cell at i, or nil when the column was not exported (i < 0)
// or the row is short.
func cell(cells [][]byte, i int) []byte {
	if i < 0 || i >= len(cells) {
		return nil
	}
	return cells[i]
}
