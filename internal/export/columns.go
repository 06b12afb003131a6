package export

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultColumns returns the 26 columns of the portal's "Download users", in
// the portal's order.
func DefaultColumns() []string { return newCatalogue().defaults }

// ValidateColumns checks a column list: not empty, no duplicates, every name
// known. The error names the offending entries and lists the valid names.
// Names are case-sensitive, as Graph's are; a near miss is reported with the
// name that was probably meant.
func ValidateColumns(names []string) error {
	return newCatalogue().validate(names)
}

// maxColumns bounds a column list: the catalogue's columns and a few hundred
// extension attributes (Graph's own limit is 100 per application) fit
// far below it, and the changes report encodes a column's index in 16 bits.
const maxColumns = 4096

func (c *catalogue) validate(names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("no columns given: list at least one of the valid column names: %s",
			strings.Join(c.names, ", "))
	}
	if len(names) > maxColumns {
		return fmt.Errorf("%d columns given: at most %d", len(names), maxColumns)
	}
	var problems []string
	seen := make(map[string]bool, len(names))
	reported := make(map[string]bool)
	for _, n := range names {
		_, known := c.column(n)
		switch {
		case reported[n]:
		case !known:
			problems = append(problems, c.unknown(n))
			reported[n] = true
		case seen[n]:
			problems = append(problems, "duplicated column "+strconv.Quote(n))
			reported[n] = true
		}
		seen[n] = true
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("invalid columns: %s; valid column names (case-sensitive): %s",
		strings.Join(problems, ", "), strings.Join(c.names, ", "))
}

// AuthColumns returns the names, among names, of the columns that need the
// authentication-methods API (and so its permission).
func AuthColumns(names []string) []string {
	return columnsWhere(names, func(c *column) bool { return c.needsAuthMethods() })
}

// ColumnsNeeding returns the names, among names, of the columns that need
// the application permission perm (PermAuthMethods, PermAuditLog).
func ColumnsNeeding(names []string, perm string) []string {
	return columnsWhere(names, func(c *column) bool { return c.permission == perm })
}

// LicensedColumns returns the names, among names, of the columns that need
// a licence beyond the directory's own (LicenceP1).
func LicensedColumns(names []string) []string {
	return columnsWhere(names, func(c *column) bool { return c.licence != "" })
}

// RegistrationColumns returns the names, among names, of the columns read
// from the registration report (AuditLog.Read.All and a P1 or P2 licence).
func RegistrationColumns(names []string) []string {
	return columnsWhere(names, func(c *column) bool { return c.source == fromRegistration })
}

func columnsWhere(names []string, keep func(c *column) bool) []string {
	cat := newCatalogue()
	var out []string
	for _, n := range names {
		if c, ok := cat.column(n); ok && keep(c) {
			out = append(out, n)
		}
	}
	return out
}

func (c *catalogue) unknown(name string) string {
	msg := "unknown column " + strconv.Quote(name)
	if s := c.suggest(name); s != "" {
		msg += " (did you mean " + strconv.Quote(s) + "?)"
	}
	return msg
}

// suggestColumn returns the valid name closest to name: one that differs only
// in case, else one within a small edit distance, else "".
func (c *catalogue) suggest(name string) string {
	for _, n := range c.names {
		if strings.EqualFold(n, name) {
			return n
		}
	}
	lower := strings.ToLower(name)
	best, bestDist := "", min(2, len([]rune(name))/3)
	for _, n := range c.names {
		if d := editDistance(lower, strings.ToLower(n), bestDist); d <= bestDist && (best == "" || d < bestDist) {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b in runes, or
// limit+1 when it exceeds limit (names far apart are not worth finishing).
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
