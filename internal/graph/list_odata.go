package graph

import "strings"

// odataString renders s as an OData string literal. A quote inside is
// doubled, so no value (a user principal name, a prefix) can end the literal
// and inject filter syntax.
func odataString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// startsWithUPN is the filter clause selecting users whose
// userPrincipalName begins with prefix (Graph compares case-insensitively).
func startsWithUPN(prefix string) string {
	return "startsWith(userPrincipalName," + odataString(prefix) + ")"
}

// andFilters joins filter expressions with "and", parenthesising each so
// that an "or" inside one (a user's filter) cannot bind across the join.
// Empty expressions are skipped.
func andFilters(exprs ...string) string {
	var parts []string
	for _, e := range exprs {
		if strings.TrimSpace(e) != "" {
			parts = append(parts, e)
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" and ")
		}
		b.WriteString("(")
		b.WriteString(p)
		b.WriteString(")")
	}
	return b.String()
}

// joinOr and joinAnd join self-contained clauses (calls, comparisons,
// not(...)), which need no parentheses of their own.
func joinOr(clauses []string) string  { return strings.Join(clauses, " or ") }
func joinAnd(clauses []string) string { return strings.Join(clauses, " and ") }
