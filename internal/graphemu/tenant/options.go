package tenant

import (
	"crypto/sha256"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// System query options, by their lower-cased name without '$'. Graph accepts
// them with or without the '$' and in any case.
type option uint16

const (
	oSelect option = 1 << iota
	oTop
	oSkip
	oFilter
	oSearch
	oOrderby
	oCount
	oExpand
	oSkiptoken
	oDeltatoken
	oFormat
)

// optionNames lists the options with their names.
func optionNames() [11]struct {
	name string
	o    option
} {
	return [11]struct {
		name string
		o    option
	}{
		{"select", oSelect}, {"top", oTop}, {"skip", oSkip}, {"filter", oFilter}, {"search", oSearch},
		{"orderby", oOrderby}, {"count", oCount}, {"expand", oExpand}, {"skiptoken", oSkiptoken},
		{"deltatoken", oDeltatoken}, {"format", oFormat},
	}
}

// optionByName finds a system option by its name without '$', any case.
func optionByName(name string) (option, bool) {
	for _, n := range optionNames() {
		if strings.EqualFold(n.name, name) {
			return n.o, true
		}
	}
	return 0, false
}

func optionName(o option) string {
	for _, n := range optionNames() {
		if n.o == o {
			return n.name
		}
	}
	return "?"
}

// queryOpts is a parsed, checked query.
type queryOpts struct {
	cat       *catalog
	raw       map[option]string
	given     option
	sel       []prop // nil: the default set
	selNames  string // canonical names, comma-separated, for @odata.context
	top       int
	filter    *boundFilter
	search    *searchExpr
	view      viewKind
	ordered   bool // $orderby chose the view
	desc      bool
	count     bool
	skiptoken string
}

const (
	defaultPageSize = 100
	maxPageSize     = 999
	signInPageCap   = 120
	maxGetByIDs     = 1000
)

// readOptions collects the system options of q: duplicates and unknown
// $-options are errors; parameters without '$' that are not options are
// ignored, as Graph ignores them.
func readOptions(q url.Values) (map[option]string, option, *Error) {
	raw := map[option]string{}
	var given option
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		o, ok := optionByName(strings.TrimPrefix(k, "$"))
		if !ok {
			if strings.HasPrefix(k, "$") {
				return nil, 0, badRequest("Unrecognized query argument specified: '%s'.", k)
			}
			continue
		}
		if given&o != 0 || len(q[k]) > 1 {
			name := strings.TrimPrefix(k, "$")
			return nil, 0, badRequest("Query option '%s' was specified more than once, but it must be specified at most once.",
				strings.ToUpper(name[:1])+strings.ToLower(name[1:]))
		}
		given |= o
		raw[o] = q[k][0]
	}
	return raw, given, nil
}

// parseList parses the options of GET /users (and /users/$count when
// countSegment). advanced = ConsistencyLevel eventual and $count=true.
func parseList(cat *catalog, q url.Values, eventual, countSegment bool) (*queryOpts, *Error) {
	raw, given, err := readOptions(q)
	if err != nil {
		return nil, err
	}
	o := &queryOpts{cat: cat, raw: raw, given: given, top: defaultPageSize}
	if given&oSkip != 0 {
		return nil, badRequest("'$skip' is not supported by the service.")
	}
	if given&oDeltatoken != 0 {
		return nil, badRequest("Unrecognized query argument specified: '$deltatoken'.")
	}
	if given&oExpand != 0 {
		return nil, badRequest("Could not find a navigation property named '%s' on type 'Microsoft.DirectoryServices.User'.", raw[oExpand])
	}
	if err := o.parseTop(); err != nil {
		return nil, err
	}
	if err := o.parseSelect(true); err != nil {
		return nil, err
	}
	if err := o.parseCount(); err != nil {
		return nil, err
	}
	if err := o.parseFilterSearch(); err != nil {
		return nil, err
	}
	if err := o.parseOrderby(); err != nil {
		return nil, err
	}
	o.skiptoken = raw[oSkiptoken]
	if err := o.checkAdvanced(eventual, countSegment); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *queryOpts) parseTop() *Error {
	v, ok := o.raw[oTop]
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > maxPageSize {
		return unsupported("Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", v, maxPageSize)
	}
	o.top = n
	return nil
}

// parseSelect reads $select. On lists, single-user-only properties answer 501.
func (o *queryOpts) parseSelect(list bool) *Error {
	v, ok := o.raw[oSelect]
	if !ok || strings.TrimSpace(v) == "" {
		return nil
	}
	seen := map[prop]bool{}
	var names []string
	add := func(p prop) {
		if !seen[p] {
			seen[p] = true
			o.sel = append(o.sel, p)
			names = append(names, o.cat.props[p].name)
		}
	}
	for f := range strings.SplitSeq(v, ",") {
		f = strings.TrimSpace(f)
		if f == "*" {
			// Every v1.0 property a list returns; directory extensions
			// come back only when named.
			for p := range numProps {
				if !o.cat.props[p].singleUser {
					add(p)
				}
			}
			continue
		}
		p, known := o.cat.lookup(f)
		if !known {
			return unknownProperty(f)
		}
		if o.cat.props[p].singleUser && list {
			return notImplemented()
		}
		add(p)
	}
	o.selNames = strings.Join(names, ",")
	return nil
}

func (o *queryOpts) parseCount() *Error {
	v, ok := o.raw[oCount]
	if !ok {
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		o.count = true
	case "false":
	default:
		return badRequest("The value '%s' is not valid for $count: use true or false.", v)
	}
	return nil
}

func (o *queryOpts) parseFilterSearch() *Error {
	if v, ok := o.raw[oFilter]; ok && strings.TrimSpace(v) != "" {
		f, err := bindFilter(o.cat, v)
		if err != nil {
			return err
		}
		o.filter = f
	}
	if v, ok := o.raw[oSearch]; ok && strings.TrimSpace(v) != "" {
		s, err := parseSearch(o.cat, v)
		if err != nil {
			return err
		}
		o.search = s
	}
	return nil
}

func (o *queryOpts) parseOrderby() *Error {
	v, ok := o.raw[oOrderby]
	if !ok || strings.TrimSpace(v) == "" {
		return nil
	}
	if strings.Contains(v, ",") {
		return unsupported("Sorting on more than one property is not supported.")
	}
	fields := strings.Fields(v)
	if len(fields) > 2 {
		return badRequest("Invalid $orderby clause '%s'.", v)
	}
	if len(fields) == 2 {
		switch strings.ToLower(fields[1]) {
		case "asc":
		case "desc":
			o.desc = true
		default:
			return badRequest("Invalid $orderby clause '%s'.", v)
		}
	}
	p, known := o.cat.lookup(fields[0])
	switch {
	case !known:
		return unknownProperty(fields[0])
	case p == pDisplayName:
		o.view = vDN
	case p == pUserPrincipalName:
		o.view = vUPN
	default:
		return unsupported("Unsupported sort property '%s' for 'User'.", o.cat.props[p].name)
	}
	o.ordered = true
	return nil
}

// checkAdvanced enforces the advanced-query rules.
func (o *queryOpts) checkAdvanced(eventual, countSegment bool) *Error {
	advanced := eventual && (o.count || countSegment)
	if o.filter != nil && o.filter.advanced != nil && !advanced {
		return o.filter.advanced
	}
	if o.search != nil && !eventual {
		return unsupported("Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'")
	}
	if o.given&oOrderby != 0 && o.filter != nil && !advanced {
		return unsupported("Sorting not supported for current query.")
	}
	return nil
}

// selection is the properties to encode and the @odata.context of the set.
func (o *queryOpts) selection(set string) ([]prop, string) {
	if o.sel == nil {
		return o.cat.defaults, set
	}
	return o.sel, set + "(" + o.selNames + ")"
}

func (o *queryOpts) readsSignIn() bool {
	return slices.Contains(o.sel, pSignInActivity) || (o.filter != nil && o.filter.signIn)
}

func (o *queryOpts) needs(sel []prop) group {
	g := o.cat.selectionNeeds(sel)
	if o.filter != nil {
		g |= o.filter.needs
	}
	if o.search != nil {
		g |= o.search.needs
	}
	return g
}

// fingerprint identifies a query's options apart from its page token, so a
// token replayed with other options is refused.
func fingerprint(q url.Values) [8]byte {
	var parts []string
	for k, vs := range q {
		n := strings.ToLower(strings.TrimPrefix(k, "$"))
		if n == "skiptoken" || n == "deltatoken" {
			continue
		}
		parts = append(parts, n+"="+strings.Join(vs, "\x01"))
	}
	slices.Sort(parts)
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var fp [8]byte
	copy(fp[:], h[:8])
	return fp
}

// withToken copies q, replacing any page or delta token by name=token.
func withToken(q url.Values, name, token string) url.Values {
	out := url.Values{}
	for k, vs := range q {
		n := strings.ToLower(strings.TrimPrefix(k, "$"))
		if n == "skiptoken" || n == "deltatoken" {
			continue
		}
		out[k] = slices.Clone(vs)
	}
	out.Set(name, token)
	return out
}

// NoQueryOptions answers Graph's 400 when an endpoint that takes no OData
// query options (the authentication-methods lists) got some.
func NoQueryOptions(q url.Values) *Error {
	for k := range q {
		if _, ok := optionByName(strings.TrimPrefix(k, "$")); ok || strings.HasPrefix(k, "$") {
			return badRequest("Query option '%s' is not supported on this request.", k)
		}
	}
	return nil
}
