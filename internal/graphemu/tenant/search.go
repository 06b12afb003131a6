package tenant

import (
	"strings"
	"unicode"
)

// $search on directory objects: quoted "property:term" clauses joined by
// upper-case AND / OR (AND binds tighter). A clause matches when every word
// of the term is a prefix of some word of the property's value, words being
// split at non-alphanumerics and at lower-to-upper case changes, as Graph's
// tokenised search does.

type searchClause struct {
	str   func(*User) string   // scalar property, or
	strs  func(*User) []string // collection property
	terms []string
}

// searchExpr is a disjunction of conjunctions of clauses.
type searchExpr struct {
	or    [][]searchClause
	needs group
}

func parseSearch(cat *catalog, s string) (*searchExpr, *Error) {
	x := &searchExpr{}
	var and []searchClause
	rest := strings.TrimSpace(s)
	expectClause := true
	for rest != "" {
		if expectClause {
			c, g, n, err := parseSearchClause(cat, rest)
			if err != nil {
				return nil, err
			}
			and = append(and, c)
			x.needs |= g
			rest = strings.TrimSpace(rest[n:])
			expectClause = false
			continue
		}
		op, after, _ := strings.Cut(rest, " ")
		switch op {
		case "AND":
		case "OR":
			x.or = append(x.or, and)
			and = nil
		default:
			return nil, badRequest("Syntax error: '%s' is not valid in $search '%s'; join quoted clauses with AND or OR.", op, s)
		}
		rest = strings.TrimSpace(after)
		expectClause = true
	}
	if expectClause {
		return nil, badRequest("Syntax error: $search '%s' must be quoted \"property:value\" clauses.", s)
	}
	x.or = append(x.or, and)
	return x, nil
}

func parseSearchClause(cat *catalog, s string) (searchClause, group, int, *Error) {
	if s[0] != '"' {
		return searchClause{}, 0, 0, badRequest("Syntax error: $search clause '%s' must be quoted.", s)
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return searchClause{}, 0, 0, badRequest("Syntax error: unterminated quote in $search '%s'.", s)
	}
	body := s[1 : 1+end]
	name, term, ok := strings.Cut(body, ":")
	if !ok {
		return searchClause{}, 0, 0, unsupported("Invalid $search clause '%s': use \"property:value\".", body)
	}
	p, known := cat.lookup(strings.TrimSpace(name))
	if !known || !searchable(p) {
		return searchClause{}, 0, 0, unsupported("Unsupported or invalid query search clause specified for property '%s' of resource 'User'.", strings.TrimSpace(name))
	}
	info := &cat.props[p]
	return searchClause{str: info.str, strs: info.strs, terms: searchWords(term)}, info.group, end + 2, nil
}

// searchWords splits text into lower-cased words.
func searchWords(s string) []string {
	var out []string
	var cur []rune
	var prev rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
		prev = r
	}
	flush()
	return out
}

func (x *searchExpr) match(u *User) bool {
	for _, and := range x.or {
		ok := true
		for _, c := range and {
			if !c.match(u) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c searchClause) match(u *User) bool {
	if c.strs != nil {
		for _, v := range c.strs(u) {
			if wordsMatch(c.terms, searchWords(v)) {
				return true
			}
		}
		return false
	}
	v := c.str(u)
	return v != "" && wordsMatch(c.terms, searchWords(v))
}

func wordsMatch(terms, words []string) bool {
	for _, t := range terms {
		found := false
		for _, w := range words {
			if strings.HasPrefix(w, t) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
