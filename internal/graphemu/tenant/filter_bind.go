package tenant

import (
	"cmp"
	"strconv"
	"strings"
	"time"
)

// A bound filter: Graph's support rules checked, types checked, compiled to
// a predicate, and analysed into UPN spans for the index.

// evalCtx is what a predicate looks at.
type evalCtx struct {
	u        *User
	lowerUPN string
	reg      *Registration // the user's report row, once a report filter reads it
}

// row is the user's row of the registration report, derived once.
func (c *evalCtx) row() *regRow {
	if c.reg == nil {
		r := RegistrationOf(c.u)
		c.reg = &r
	}
	return &regRow{u: c.u, r: c.reg}
}

type pred func(*evalCtx) bool

// boundFilter is a checked and compiled $filter.
type boundFilter struct {
	src      *node
	pred     pred
	needs    group
	advanced *Error   // the first construct that needs advanced query parameters
	spans    []span   // a superset of the UPNs that can match
	exact    bool     // spans are exactly the matching set
	ids      []string // lower-cased: only users with these ids can match; nil = any
	signIn   bool     // reads signInActivity (a 120-item page cap and a permission)
}

// lambdaEnv is the current element of an any()/all() lambda.
type lambdaEnv struct {
	str   string
	ident *ObjectIdentity
	lic   *AssignedLicense
	plan  *planState
}

type binder struct {
	cat    *catalog
	f      *boundFilter
	lambda string    // variable name inside a lambda
	elem   prop      // collection the lambda ranges over
	env    lambdaEnv // evaluated element (shared: predicates are not reentrant per ctx)
}

// bindFilter parses and checks a $filter. Graph's answers: unknown property
// 400 Request_BadRequest, a property or operator Graph cannot filter 400
// Request_UnsupportedQuery; what needs advanced query parameters is recorded
// in .advanced for the caller to enforce.
func bindFilter(cat *catalog, src string) (*boundFilter, *Error) {
	n, err := parseFilter(src)
	if err != nil {
		return nil, badRequest("Invalid filter clause: %s", err.Error())
	}
	f := &boundFilter{src: n}
	b := &binder{cat: cat, f: f}
	p, e := b.bind(n)
	if e != nil {
		return nil, e
	}
	f.pred = p
	f.spans, f.exact = planSpans(n)
	f.ids = planIDs(n)
	return f, nil
}

func (b *binder) needAdvanced(e *Error) {
	if b.f.advanced == nil {
		b.f.advanced = e
	}
}

func (b *binder) bind(n *node) (pred, *Error) {
	switch n.kind {
	case nAnd, nOr:
		return bindBoth(n, b.bind)
	case nNot:
		b.needAdvanced(advancedOperator("not"))
		x, err := b.bind(n.l)
		if err != nil {
			return nil, err
		}
		return func(c *evalCtx) bool { return !x(c) }, nil
	case nAny:
		return b.bindLambda(n)
	}
	return b.bindLeaf(n)
}

// bindBoth binds the operands of an and or an or, and joins them.
func bindBoth(n *node, bind func(*node) (pred, *Error)) (pred, *Error) {
	l, err := bind(n.l)
	if err != nil {
		return nil, err
	}
	r, err := bind(n.r)
	if err != nil {
		return nil, err
	}
	if n.kind == nAnd {
		return func(c *evalCtx) bool { return l(c) && r(c) }, nil
	}
	return func(c *evalCtx) bool { return l(c) || r(c) }, nil
}

// target is what a leaf's path resolves to.
type target struct {
	name    string // for messages
	typ     valueType
	filter  support
	getStr  func(*evalCtx, *lambdaEnv) (string, bool) // value, set
	getBool func(*evalCtx, *lambdaEnv) *bool
	coll    prop // for /$count
	count   bool
	isUPN   bool
}

func (b *binder) resolve(path []string) (target, *Error) {
	if b.lambda != "" && strings.EqualFold(path[0], b.lambda) {
		return b.resolveElement(path)
	}
	p, ok := b.cat.lookup(path[0])
	if !ok {
		return target{}, unknownProperty(path[0])
	}
	info := &b.cat.props[p]
	if info.singleUser {
		return target{}, notImplemented()
	}
	if len(path) == 1 {
		b.f.needs |= info.group
		if p == pSignInActivity {
			b.f.signIn = true
		}
		return b.propTarget(p), nil
	}
	if len(path) == 2 && path[1] == "$count" && info.typ == tCollection {
		b.f.needs |= info.group
		return target{name: info.name, typ: tCollection, coll: p, count: true}, nil
	}
	if len(path) != 2 || info.typ != tComplex {
		return target{}, unsupportedProperty(info.name)
	}
	s, ok := b.cat.lookupSub(p, path[1])
	if !ok {
		return target{}, unknownProperty(path[1])
	}
	b.f.needs |= info.group
	if p == pSignInActivity {
		b.f.signIn = true
	}
	return target{name: info.name, typ: s.typ, filter: s.filter, getStr: s.get}, nil
}

func (b *binder) propTarget(p prop) target {
	info := &b.cat.props[p]
	t := target{name: info.name, typ: info.typ, filter: info.filter, isUPN: p == pUserPrincipalName}
	switch {
	case info.boolean != nil:
		get := info.boolean
		t.getBool = func(c *evalCtx, _ *lambdaEnv) *bool { return get(c.u) }
	case p == pUserPrincipalName:
		t.getStr = func(c *evalCtx, _ *lambdaEnv) (string, bool) { return c.lowerUPN, true }
	case info.str != nil:
		get := info.str
		t.getStr = func(c *evalCtx, _ *lambdaEnv) (string, bool) { s := get(c.u); return s, s != "" }
	}
	return t
}

func (b *binder) resolveElement(path []string) (target, *Error) {
	info := &b.cat.props[b.elem]
	if len(path) == 1 {
		if info.strs == nil || info.typ != tCollection { // elements of string collections only
			return target{}, unsupportedProperty(info.name)
		}
		return target{name: info.name, typ: tString, filter: info.filter,
			getStr: func(_ *evalCtx, env *lambdaEnv) (string, bool) { return env.str, true }}, nil
	}
	if len(path) != 2 {
		return target{}, unsupportedProperty(info.name)
	}
	s, ok := b.cat.lookupSub(b.elem, path[1])
	if !ok {
		return target{}, unknownProperty(path[1])
	}
	return target{name: info.name, typ: s.typ, filter: s.filter, getStr: s.get}, nil
}

func (b *binder) bindLambda(n *node) (pred, *Error) {
	if b.lambda != "" {
		return nil, unsupported("Unsupported Query.")
	}
	p, ok := b.cat.lookup(n.path[0])
	if !ok {
		return nil, unknownProperty(n.path[0])
	}
	info := &b.cat.props[p]
	if len(n.path) != 1 || info.typ != tCollection {
		return nil, unsupportedProperty(info.name)
	}
	if n.op == "all" {
		return nil, unsupported("Unsupported Query.")
	}
	b.f.needs |= info.group
	inner := &binder{cat: b.cat, f: b.f, lambda: n.lambda, elem: p}
	body, err := inner.bind(n.body)
	if err != nil {
		return nil, err
	}
	env, cat := &inner.env, b.cat
	return func(c *evalCtx) bool { return cat.anyElement(c.u, p, env, func() bool { return body(c) }) }, nil
}

// anyElement sets env to each element of the collection in turn.
func (c *catalog) anyElement(u *User, p prop, env *lambdaEnv, body func() bool) bool {
	switch p {
	case pIdentities:
		for k := range u.Identities {
			env.ident = &u.Identities[k]
			if body() {
				return true
			}
		}
	case pAssignedLicenses:
		for k := range u.AssignedLicenses {
			env.lic = &u.AssignedLicenses[k]
			if body() {
				return true
			}
		}
	case pAssignedPlans:
		for _, pl := range assignedPlans(u, c.skus) {
			env.plan = &pl
			if body() {
				return true
			}
		}
	default:
		for _, s := range c.props[p].strs(u) {
			env.str = s
			if body() {
				return true
			}
		}
	}
	return false
}

// level check: returns an error when unsupported, records advanced needs.
func (b *binder) check(t target, lv level, op string) *Error {
	switch lv {
	case lvNone:
		return unsupportedProperty(t.name)
	case lvAdvanced:
		switch op {
		case "endsWith", "ne", "not":
			b.needAdvanced(advancedOperator(op))
		default:
			b.needAdvanced(unsupportedProperty(t.name))
		}
	}
	return nil
}

func (b *binder) bindLeaf(n *node) (pred, *Error) {
	t, err := b.resolve(n.path)
	if err != nil {
		return nil, err
	}
	if t.count {
		return b.bindCount(n, t)
	}
	if t.typ == tCollection || t.typ == tComplex || t.typ == tNone {
		return nil, unsupportedProperty(t.name)
	}
	switch n.kind {
	case nCall:
		return b.bindCall(n, t, &b.env)
	case nIn:
		return b.bindIn(n, t)
	}
	if err := b.checkComparison(n, t); err != nil {
		return nil, err
	}
	return b.compare(t, n.op, n.lit, &b.env)
}

func (b *binder) bindIn(n *node, t target) (pred, *Error) {
	if err := b.check(t, t.filter.in, "in"); err != nil {
		return nil, err
	}
	preds := make([]pred, 0, len(n.list))
	for _, l := range n.list {
		p, err := b.compare(t, "eq", l, &b.env)
		if err != nil {
			return nil, err
		}
		preds = append(preds, p)
	}
	return func(c *evalCtx) bool {
		for _, p := range preds {
			if p(c) {
				return true
			}
		}
		return false
	}, nil
}

// checkComparison applies the support rules of eq, ne, ge and le. "eq null"
// is an advanced query wherever eq is supported.
func (b *binder) checkComparison(n *node, t target) *Error {
	switch n.op {
	case "eq", "ne":
		if err := b.check(t, t.filter.eq, "eq"); err != nil {
			return err
		}
		if n.lit.kind == lNull {
			b.needAdvanced(unsupportedProperty(t.name))
		}
		if n.op == "ne" {
			b.needAdvanced(advancedOperator("ne"))
		}
		return nil
	case "ge":
		return b.check(t, t.filter.ge, "ge")
	case "le":
		return b.check(t, t.filter.le, "le")
	}
	return unsupported("Unsupported Query.") // gt, lt, has: not on directory objects
}

func (b *binder) bindCall(n *node, t target, env *lambdaEnv) (pred, *Error) {
	var lv level
	switch n.op {
	case "startsWith":
		lv = t.filter.startsWith
	case "endsWith":
		lv = t.filter.endsWith
	default:
		return nil, unsupported("Unsupported Query.")
	}
	if err := b.check(t, lv, n.op); err != nil {
		return nil, err
	}
	if t.typ != tString || n.lit.kind != lString {
		return nil, incompatible(t.typ, n.lit, n.op)
	}
	want := strings.ToLower(n.lit.text)
	get := t.getStr
	if n.op == "startsWith" {
		return func(c *evalCtx) bool { s, ok := get(c, env); return ok && strings.HasPrefix(foldString(s), want) }, nil
	}
	return func(c *evalCtx) bool { s, ok := get(c, env); return ok && strings.HasSuffix(foldString(s), want) }, nil
}

func (b *binder) bindCount(n *node, t target) (pred, *Error) {
	b.needAdvanced(unsupportedProperty(t.name))
	if n.kind != nCmp || n.lit.kind != lNumber {
		return nil, unsupported("Unsupported Query.")
	}
	want, err := strconv.Atoi(n.lit.text)
	if err != nil {
		return nil, badRequest("Invalid filter clause: invalid number '%s'.", n.lit.text)
	}
	op, coll, cat := n.op, t.coll, b.cat
	return func(c *evalCtx) bool {
		got := cat.collectionLen(c.u, coll)
		switch op {
		case "eq":
			return got == want
		case "ne":
			return got != want
		case "ge":
			return got >= want
		case "le":
			return got <= want
		}
		return false
	}, nil
}

func incompatible(typ valueType, l literal, op string) *Error {
	kind := map[string]string{"eq": "Equal", "ne": "NotEqual", "ge": "GreaterThanOrEqual", "le": "LessThanOrEqual"}[op]
	if kind == "" {
		return badRequest("Invalid filter clause: the function '%s' expects a string literal.", op)
	}
	return badRequest("A binary operator with incompatible types was detected. Found operand types '%s' and '%s' for operator kind '%s'.",
		edmType(typ), litEdmType(l), kind)
}

func edmType(t valueType) string {
	switch t {
	case tBool:
		return "Edm.Boolean"
	case tDateTime:
		return "Edm.DateTimeOffset"
	case tGUID:
		return "Edm.Guid"
	case tInt:
		return "Edm.Int32"
	}
	return "Edm.String"
}

func litEdmType(l literal) string {
	switch l.kind {
	case lNumber:
		return "Edm.Int32"
	case lBool:
		return "Edm.Boolean"
	case lGUID:
		return "Edm.Guid"
	case lDate:
		return "Edm.Date"
	case lDateTime:
		return "Edm.DateTimeOffset"
	}
	return "Edm.String"
}

// compare compiles "target op literal" for eq, ne, ge, le.
func (b *binder) compare(t target, op string, l literal, env *lambdaEnv) (pred, *Error) {
	if l.kind == lNull {
		return nullCompare(t, op, env)
	}
	switch t.typ {
	case tBool:
		if l.kind != lBool {
			return nil, incompatible(t.typ, l, op)
		}
		want, get := l.text == "true", t.getBool
		return func(c *evalCtx) bool {
			v := get(c, env)
			return v != nil && ordered(op, cmpBool(*v, want)) || v == nil && op == "ne"
		}, nil
	case tDateTime:
		want, ok := literalTime(l)
		if !ok {
			return nil, incompatible(t.typ, l, op)
		}
		return comparing(t, op, env, func(s string) (int, bool) {
			v, err := time.Parse(time.RFC3339Nano, s)
			return v.Compare(want), err == nil
		}), nil
	case tInt:
		want, err := strconv.ParseInt(l.text, 10, 64)
		if l.kind != lNumber || err != nil {
			return nil, incompatible(t.typ, l, op)
		}
		return comparing(t, op, env, func(s string) (int, bool) {
			v, err := strconv.ParseInt(s, 10, 64)
			return cmp.Compare(v, want), err == nil
		}), nil
	case tGUID:
		if l.kind != lGUID {
			return nil, incompatible(t.typ, l, op)
		}
	default:
		if l.kind != lString {
			return nil, incompatible(t.typ, l, op)
		}
	}
	want := strings.ToLower(l.text)
	return comparing(t, op, env, func(s string) (int, bool) { return strings.Compare(foldString(s), want), true }), nil
}

// comparing compiles "target op literal" for a target read as text: an
// unset value matches only ne; cmpTo compares a value with the literal
// (false: the value is not comparable).
func comparing(t target, op string, env *lambdaEnv, cmpTo func(string) (int, bool)) pred {
	get := t.getStr
	return func(c *evalCtx) bool {
		s, set := get(c, env)
		if !set {
			return op == "ne"
		}
		n, ok := cmpTo(s)
		return ok && ordered(op, n)
	}
}

func nullCompare(t target, op string, env *lambdaEnv) (pred, *Error) {
	if op != "eq" && op != "ne" {
		return nil, unsupported("Unsupported Query.")
	}
	isNull := func(c *evalCtx) bool {
		if t.getBool != nil {
			return t.getBool(c, env) == nil
		}
		_, set := t.getStr(c, env)
		return !set
	}
	if op == "eq" {
		return isNull, nil
	}
	return func(c *evalCtx) bool { return !isNull(c) }, nil
}

func ordered(op string, c int) bool {
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "ge":
		return c >= 0
	case "le":
		return c <= 0
	}
	return false
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func literalTime(l literal) (time.Time, bool) {
	switch l.kind {
	case lDateTime:
		v, err := time.Parse(time.RFC3339Nano, l.text)
		if err != nil {
			v, err = time.Parse("2006-01-02T15:04Z07:00", l.text)
		}
		return v, err == nil
	case lDate:
		v, err := time.Parse(time.DateOnly, l.text)
		return v, err == nil
	}
	return time.Time{}, false
}

// foldString lower-cases for Graph's case-insensitive comparisons; it does
// not allocate when s has no upper-case letters.
func foldString(s string) string { return strings.ToLower(s) }

// planSpans computes UPN spans that hold every match, and whether they hold
// only matches. Only UPN comparisons narrow; anything else spans everything.
func planSpans(n *node) ([]span, bool) {
	switch n.kind {
	case nAnd:
		ls, le := planSpans(n.l)
		rs, re := planSpans(n.r)
		return intersectSpans(ls, rs), le && re
	case nOr:
		ls, le := planSpans(n.l)
		rs, re := planSpans(n.r)
		return unionSpans(ls, rs), le && re
	case nNot:
		s, exact := planSpans(n.l)
		if !exact {
			return allSpans(), false
		}
		return complementSpans(s), true
	}
	return planUPN(n)
}

// planIDs finds the object ids a filter is limited to by an "id eq" or
// "id in" in its top-level conjunction, as Graph's directory looks users up
// by id rather than scanning; nil when it has none.
func planIDs(n *node) []string {
	switch n.kind {
	case nAnd:
		if ids := planIDs(n.l); ids != nil {
			return ids
		}
		return planIDs(n.r)
	case nCmp, nIn:
		if len(n.path) != 1 || !strings.EqualFold(n.path[0], "id") {
			return nil
		}
	default:
		return nil
	}
	if n.kind == nCmp {
		if n.op != "eq" || n.lit.kind == lNull {
			return nil
		}
		return []string{strings.ToLower(n.lit.text)}
	}
	ids := make([]string, 0, len(n.list))
	for _, l := range n.list {
		ids = append(ids, strings.ToLower(l.text))
	}
	return ids
}

// planUPN plans a leaf: only comparisons of userPrincipalName narrow.
func planUPN(n *node) ([]span, bool) {
	if len(n.path) != 1 || !strings.EqualFold(n.path[0], "userPrincipalName") {
		return allSpans(), false
	}
	switch n.kind {
	case nCall:
		if n.op == "startsWith" {
			return prefixSpan(strings.ToLower(n.lit.text)), true
		}
	case nIn:
		var s []span
		for _, l := range n.list {
			s = append(s, pointSpan(strings.ToLower(l.text))...)
		}
		return normalize(s), true
	case nCmp:
		return planUPNComparison(n)
	}
	return allSpans(), false
}

func planUPNComparison(n *node) ([]span, bool) {
	v := strings.ToLower(n.lit.text)
	switch {
	case n.lit.kind == lNull && n.op == "eq":
		return nil, true // a UPN is never null
	case n.lit.kind == lNull:
		return allSpans(), true
	case n.op == "eq":
		return pointSpan(v), true
	case n.op == "ne":
		return complementSpans(pointSpan(v)), true
	case n.op == "le":
		return leSpan(v), true
	case n.op == "ge":
		return geSpan(v), true
	}
	return allSpans(), false
}

func (c *catalog) collectionLen(u *User, p prop) int {
	switch p {
	case pIdentities:
		return len(u.Identities)
	case pAssignedLicenses:
		return len(u.AssignedLicenses)
	case pAssignedPlans:
		return len(assignedPlans(u, c.skus))
	}
	return len(c.props[p].strs(u))
}
