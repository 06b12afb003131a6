package tenant

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"
)

// defaultScanLimit bounds the users one page may examine, so a filter that
// matches little answers each page promptly (possibly empty, with a
// nextLink, as Graph may) instead of scanning the whole directory at once.
const defaultScanLimit = 20000

// SetScanLimit changes how many users one page may examine (n >= 1).
func (t *Tenant) SetScanLimit(n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.settings.scanLimit = max(n, 1)
}

// SetPageTokenLifetime makes $skiptokens expire after d (0: never), answering
// 400 Directory_ExpiredPageToken like Graph.
func (t *Tenant) SetPageTokenLifetime(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.settings.pageTTL = d
}

// SetDeltaTokenLifetime makes delta tokens expire after d (default 7 days),
// answering 400 syncStateNotFound, as Graph does for directory objects.
func (t *Tenant) SetDeltaTokenLifetime(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.settings.deltaTTL = d
}

// SetClock replaces the clock used for token ages and deletion times.
func (t *Tenant) SetClock(now func() time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.settings.now = now
}

// ExpirePageTokens makes every outstanding $skiptoken of a list answer 400
// Directory_ExpiredPageToken.
func (t *Tenant) ExpirePageTokens() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pageEpoch++
}

// ListUsers answers GET /users.
func (t *Tenant) ListUsers(q url.Values, eventual bool) (*Page, *Error) {
	o, err := parseList(t.cat, q, eventual, false)
	if err != nil {
		return nil, err
	}
	if eventual {
		t.catchUp()
	}
	t.mu.RLock()
	locked := true
	defer func() {
		if locked {
			t.mu.RUnlock()
		}
	}()
	if !o.ordered && t.settings.order == OrderID {
		o.view = vID
	}
	st := t.readState(eventual)
	after, err := t.cursor(o, q)
	if err != nil {
		return nil, err
	}
	sel, ctx := o.selection("users")
	pg := &Page{Context: ctx}
	ps := t.pageSpecOf(st, o, sel)
	var last cand
	var more bool
	var picked []cand
	if ps.match == nil {
		// The index alone decides who is on the page: note the users
		// under the lock, derive and write them after it, so that a long
		// page does not hold back the directory's writers (and, behind
		// them, every other reader).
		picked, last, more = t.pick(st, ps, after)
	} else {
		last, more = t.fillPage(st, pg, ps, after)
	}
	if more {
		pt := pageToken{kind: tokPage, epoch: t.pageEpoch, fp: fingerprint(q), view: o.view, desc: o.desc,
			key: t.keyOf(o.view, last), issued: t.settings.now().Unix()}
		pg.Next = withToken(q, "$skiptoken", t.sealToken(pt))
	}
	if o.count && eventual && o.skiptoken == "" {
		pg.Count, pg.HasCount = t.count(st, o), true
	}
	if ps.match == nil {
		t.mu.RUnlock()
		locked = false
		t.writePage(pg, ps, picked)
	}
	return pg, nil
}

// cursor returns where the page starts: after the key its $skiptoken
// carries, or nil on a first page.
func (t *Tenant) cursor(o *queryOpts, q url.Values) (*sortKey, *Error) {
	if o.skiptoken == "" {
		return nil, nil
	}
	pt, err := t.checkPageToken(o, q)
	if err != nil {
		return nil, err
	}
	return &pt.key, nil
}

// pageSpecOf is the page the query asks for in st: its size (capped when
// it reads sign-in activity) and the spans an id filter narrows it to.
func (t *Tenant) pageSpecOf(st *state, o *queryOpts, sel []prop) *pageSpec {
	limit := o.top
	if o.readsSignIn() {
		limit = min(limit, signInPageCap)
	}
	ps := t.listSpec(o, sel, limit)
	if o.filter != nil && o.filter.ids != nil {
		ps.spans = intersectSpans(ps.spans, t.idSpans(st, o.filter.ids))
	}
	return ps
}

// pick notes the users of a page whose spans decide it alone (no filter to
// evaluate): up to the page's size, in the view's order, from the cursor.
// It returns the last user noted and whether users remain beyond it.
// Callers hold t.mu.
func (t *Tenant) pick(st *state, ps *pageSpec, after *sortKey) ([]cand, cand, bool) {
	picked := make([]cand, 0, ps.limit)
	var last cand
	more := t.scan(st, ps.view, ps.desc, ps.spans, after, func(c cand) bool {
		if len(picked) == ps.limit {
			return false
		}
		picked = append(picked, c)
		last = c
		return true
	})
	return picked, last, more
}

// writePage derives and writes picked users into pg. It needs no lock: a
// generated user is derived from the immutable base, and an overlay entry
// is never changed once listed.
func (t *Tenant) writePage(pg *Page, ps *pageSpec, picked []cand) {
	bp := t.getBuf()
	b := (*bp)[:0]
	b = append(b, '[')
	var u User
	d := t.deriver()
	defer t.putDeriver(d)
	for _, c := range picked {
		t.load(c, ps.needs, &u, d)
		b = appendItem(b, pg, func(b []byte) []byte { return ps.emit(b, &u) })
	}
	b = append(b, ']')
	pg.Value = bytes.Clone(b)
	*bp = b
	t.bufs.Put(bp)
}

func (t *Tenant) checkPageToken(o *queryOpts, q url.Values) (pageToken, *Error) {
	pt, err := t.openToken(o.skiptoken)
	if err != nil || pt.kind != tokPage || pt.fp != fingerprint(q) || pt.view != o.view || pt.desc != o.desc {
		return pt, invalidSkipToken()
	}
	if pt.epoch != t.pageEpoch {
		return pt, expiredPageToken()
	}
	if ttl := t.settings.pageTTL; ttl > 0 && t.settings.now().Sub(time.Unix(pt.issued, 0)) > ttl {
		return pt, expiredPageToken()
	}
	return pt, nil
}

// idSpans are the names of the users with these ids in a state: a filter
// limited to ids scans only them (the filter is still evaluated on each).
// Callers hold t.mu.
func (t *Tenant) idSpans(st *state, ids []string) []span {
	var s []span
	for _, id := range ids {
		if c, ok := t.findIDIn(st, id); ok {
			s = append(s, pointSpan(t.lowerUPNOf(c))...)
		}
	}
	return normalize(s)
}

// findIDIn finds a live user by lower-cased id in a state (the current one,
// or the lagged one eventual requests read). Callers hold t.mu.
func (t *Tenant) findIDIn(st *state, id string) (cand, bool) {
	i, found := slices.BinarySearchFunc(st.ordID, id, func(e *entry, id string) int { return strings.Compare(e.lowerID, id) })
	if found {
		return cand{pos: -1, e: st.ordID[i]}, true
	}
	if t.gen == nil {
		return cand{}, false
	}
	if gi, ok := t.gen.indexOfID(id); ok {
		if pos := int(t.base.inv[gi]); !st.shadowed(pos) {
			return cand{k: pos, pos: pos}, true
		}
	}
	return cand{}, false
}

// pageSpec says how to fill one page of a listing: the order, the UPN spans
// to scan, what to derive of each user, which users match, how to write
// one, and how many a page holds.
type pageSpec struct {
	view  viewKind
	desc  bool
	spans []span
	needs group
	match func(c cand, u *User) bool // nil: every user of the spans
	emit  func(b []byte, u *User) []byte
	limit int
}

// listSpec is the page spec of GET /users.
func (t *Tenant) listSpec(o *queryOpts, sel []prop, limit int) *pageSpec {
	ps := &pageSpec{view: o.view, desc: o.desc, spans: allSpans(), limit: limit}
	skipEval := o.filter == nil
	if o.filter != nil {
		ps.spans, skipEval = o.filter.spans, o.filter.exact
	}
	ps.needs = o.needs(sel)
	if skipEval {
		// An exact span filter is decided by the index: derive only what
		// the response and the search read.
		ps.needs = t.cat.selectionNeeds(sel) | o.searchNeeds()
	}
	if !skipEval || o.search != nil {
		ps.match = func(c cand, u *User) bool { return t.matches(o, c, u) }
	}
	fields := t.cat.fields(sel)
	ps.emit = func(b []byte, u *User) []byte { return appendUser(b, u, fields, "") }
	return ps
}

// fillPage scans a state from the cursor, writing the matching users into
// pg until the page is full or the scan budget is spent. It returns the
// last user scanned and whether users remain beyond it. Callers hold t.mu.
func (t *Tenant) fillPage(st *state, pg *Page, ps *pageSpec, after *sortKey) (cand, bool) {
	bp := t.getBuf()
	b := (*bp)[:0]
	b = append(b, '[')
	var u User
	var last cand
	d := t.deriver()
	defer t.putDeriver(d)
	scanned := 0
	more := t.scan(st, ps.view, ps.desc, ps.spans, after, func(c cand) bool {
		if pg.Items == ps.limit || scanned == t.settings.scanLimit {
			return false
		}
		scanned++
		last = c
		t.load(c, ps.needs, &u, d)
		if ps.match != nil && !ps.match(c, &u) {
			return true
		}
		if pg.Items > 0 {
			b = append(b, ',')
		}
		b = ps.emit(b, &u)
		pg.Items++
		return true
	})
	b = append(b, ']')
	pg.Value = bytes.Clone(b)
	*bp = b
	t.bufs.Put(bp)
	return last, more
}

func (c *catalog) selectionNeeds(sel []prop) group {
	g := gCore
	for _, p := range sel {
		g |= c.props[p].group
	}
	return g
}

// getBuf takes a page buffer from the pool; Page.Value is copied out of it.
func (t *Tenant) getBuf() *[]byte {
	if bp, ok := t.bufs.Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, 0, 64<<10)
	return &b
}

func (o *queryOpts) searchNeeds() group {
	if o.search == nil {
		return 0
	}
	return o.search.needs
}

// matches evaluates the filter and search on a loaded user.
func (t *Tenant) matches(o *queryOpts, c cand, u *User) bool {
	if o.filter != nil {
		ctx := evalCtx{u: u, lowerUPN: t.lowerUPN(c, u)}
		if !o.filter.pred(&ctx) {
			return false
		}
	}
	return o.search == nil || o.search.match(u)
}

func (t *Tenant) lowerUPN(c cand, u *User) string {
	if c.e != nil {
		return c.e.lowerUPN
	}
	return strings.ToLower(u.UserPrincipalName)
}

// count is @odata.count and /users/$count in a state: from the index when
// the filter is exactly a set of UPN spans, by scanning otherwise. Callers
// hold t.mu.
func (t *Tenant) count(st *state, o *queryOpts) int {
	if o.filter == nil && o.search == nil {
		return st.nLive
	}
	if o.search == nil && o.filter.exact {
		return t.countSpans(st, o.filter.spans)
	}
	needs := o.needs(nil)
	n := 0
	var u User
	d := t.deriver()
	defer t.putDeriver(d)
	t.scan(st, vUPN, false, o.filter.scanSpans(), nil, func(c cand) bool {
		t.load(c, needs, &u, d)
		if t.matches(o, c, &u) {
			n++
		}
		return true
	})
	return n
}

// scanSpans is where a scan for the filter must look: everywhere without one.
func (f *boundFilter) scanSpans() []span {
	if f == nil {
		return allSpans()
	}
	return f.spans
}

// CountUsers answers GET /users/$count (a number, served as text/plain).
func (t *Tenant) CountUsers(q url.Values, eventual bool) (int, *Error) {
	if !eventual {
		return 0, badRequest("$count is not currently supported.")
	}
	o, err := parseList(t.cat, q, eventual, true)
	if err != nil {
		return 0, err
	}
	t.catchUp()
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.count(t.readState(true), o), nil
}

// GetUser answers GET /users/{id | userPrincipalName}; $select is honoured
// (single-user-only properties read as null or empty), other options ignored.
func (t *Tenant) GetUser(key string, q url.Values) (*Entity, *Error) {
	raw, given, err := readOptions(q)
	if err != nil {
		return nil, err
	}
	o := &queryOpts{cat: t.cat, raw: raw, given: given}
	if err := o.parseSelect(false); err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	c, ok := t.find(key)
	if !ok {
		return nil, NotFound(key)
	}
	sel, ctx := o.selection("users")
	var u User
	d := t.deriver()
	defer t.putDeriver(d)
	t.load(c, o.needs(sel), &u, d)
	return &Entity{Context: ctx + "/$entity", JSON: appendUser(nil, &u, t.cat.fields(sel), "")}, nil
}

// directoryObjectType reports whether getByIds accepts the type name, and
// whether it includes users.
func directoryObjectType(name string) (known, users bool) {
	switch strings.TrimPrefix(strings.ToLower(name), "microsoft.graph.") {
	case "user", "directoryobject":
		return true, true
	case "group", "device", "application", "serviceprincipal", "orgcontact", "directoryrole", "administrativeunit":
		return true, false
	}
	return false, false
}

const userODataType = `"@odata.type":"#microsoft.graph.user"`

// GetByIDs answers POST /directoryObjects/getByIds: up to 1000 ids, missing
// ones omitted, each item typed with "@odata.type". $select is honoured.
func (t *Tenant) GetByIDs(body []byte, q url.Values) (*Page, *Error) {
	raw, given, err := readOptions(q)
	if err != nil {
		return nil, err
	}
	if given&^(oSelect|oFormat) != 0 {
		return nil, badRequest("The following query options are not supported by this request method or cannot be applied to the requested resource: $filter,$expand,$orderby,$count,$search,$skiptoken,$skip,$top")
	}
	o := &queryOpts{cat: t.cat, raw: raw, given: given}
	if err := o.parseSelect(true); err != nil {
		return nil, err
	}
	var req struct {
		IDs   []string `json:"ids"`
		Types []string `json:"types"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, badRequest("Invalid request body: %s", err.Error())
	}
	if len(req.IDs) > maxGetByIDs {
		return nil, badRequest("Number of included identifiers cannot exceed '%d'.", maxGetByIDs)
	}
	wantUsers := len(req.Types) == 0
	for _, ty := range req.Types {
		known, users := directoryObjectType(ty)
		if !known {
			return nil, badRequest("Invalid type specified: '%s'.", ty)
		}
		wantUsers = wantUsers || users
	}
	for _, id := range req.IDs {
		if _, ok := parseGUID(id); !ok {
			return nil, badRequest("Invalid GUID specified.")
		}
	}
	sel, ctx := o.selection("directoryObjects")
	pg := &Page{Context: ctx}
	b := []byte{'['}
	if wantUsers {
		b = t.appendByIDs(b, pg, req.IDs, o, sel)
	}
	b = append(b, ']')
	pg.Value = b
	return pg, nil
}

func (t *Tenant) appendByIDs(b []byte, pg *Page, ids []string, o *queryOpts, sel []prop) []byte {
	t.mu.RLock()
	defer t.mu.RUnlock()
	seen := map[string]bool{}
	fields := t.cat.fields(sel)
	d := t.deriver()
	defer t.putDeriver(d)
	var u User
	for _, id := range ids {
		lid := strings.ToLower(id)
		if seen[lid] {
			continue
		}
		seen[lid] = true
		c, ok := t.find(lid)
		if !ok {
			continue
		}
		if pg.Items > 0 {
			b = append(b, ',')
		}
		t.load(c, o.needs(sel), &u, d)
		b = appendUser(b, &u, fields, userODataType)
		pg.Items++
	}
	return b
}
