package tenant

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// GET /users/delta. A round is either initial (every live user, in UPN
// order, with every selected property) or a change round (every user
// changed since the previous round's deltaLink, once, in the order of its
// latest change). In a change round a created or restored user carries
// every selected property; an updated one its id and only the selected
// properties its changes since the round's start touched (Graph promises
// "at least the updated properties"; this is what it sends with Prefer:
// return=minimal), all extensions of a type when one of them changed; and a
// user whose changes touched no selected property is left out (Graph tracks
// only what $select names). Removed users carry "@removed" with reason
// "changed" (in deleted items) or "deleted" (gone for good). Pages carry a
// $skiptoken; the last page a $deltatoken whose round starts at the version
// the finished round began with, so nothing changed during a round is
// missed (at worst it is reported twice).

// Delta page sizes: Graph pages users delta by 200 at most, and honours a
// smaller Prefer: odata.maxpagesize.
const (
	DefaultDeltaPageSize = 200
	MaxDeltaPageSize     = 200
)

// DeltaOptions are the request headers a delta page honours.
type DeltaOptions struct {
	// MaxPageSize is Prefer: odata.maxpagesize; 0 means Graph's default,
	// values above MaxDeltaPageSize mean MaxDeltaPageSize.
	MaxPageSize int
}

func (o DeltaOptions) pageSize() int {
	if o.MaxPageSize <= 0 {
		return DefaultDeltaPageSize
	}
	return min(o.MaxPageSize, MaxDeltaPageSize)
}

// ExpireDeltaTokens makes every outstanding delta token answer 410 Gone, as
// Graph does when it has to reset the sync state (maintenance, migration).
func (t *Tenant) ExpireDeltaTokens() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.deltaEpoch++
}

type deltaQuery struct {
	sel     []prop
	fields  []field
	track   propSet // changes to these make an updated user appear
	context string
	selRaw  string
	filter  *boundFilter
	fRaw    string
	size    int // page size
}

// Delta answers GET /users/delta.
func (t *Tenant) Delta(q url.Values, opts DeltaOptions) (*Page, *Error) {
	raw, given, err := readOptions(q)
	if err != nil {
		return nil, err
	}
	for _, o := range []option{oTop, oOrderby, oSkip, oSearch, oCount, oExpand} {
		if given&o != 0 {
			return nil, unsupported("The query option '$%s' is not supported with delta queries.", optionName(o))
		}
	}
	if given&oSkiptoken != 0 && given&oDeltatoken != 0 {
		return nil, badRequest("A delta request takes either $skiptoken or $deltatoken, not both.")
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	size := opts.pageSize()
	switch {
	case given&oSkiptoken != 0:
		return t.deltaFromToken(raw[oSkiptoken], tokDeltaNext, size)
	case given&oDeltatoken != 0 && strings.EqualFold(raw[oDeltatoken], "latest"):
		dq, err := t.parseDeltaQuery(raw[oSelect], raw[oFilter], size)
		if err != nil {
			return nil, err
		}
		return t.deltaLinkPage(dq, &Page{Context: dq.context, Value: []byte("[]")}, t.version), nil
	case given&oDeltatoken != 0:
		return t.deltaFromToken(raw[oDeltatoken], tokDeltaLink, size)
	}
	dq, err := t.parseDeltaQuery(raw[oSelect], raw[oFilter], size)
	if err != nil {
		return nil, err
	}
	return t.deltaPage(dq, pageToken{initial: true, to: t.version})
}

func (t *Tenant) parseDeltaQuery(sel, filter string, size int) (deltaQuery, *Error) {
	dq := deltaQuery{selRaw: sel, fRaw: filter, size: size, track: t.cat.allProps()}
	o := &queryOpts{cat: t.cat, raw: map[option]string{oSelect: sel}}
	if err := o.parseSelect(true); err != nil {
		return dq, err
	}
	dq.sel, dq.context = o.selection("users")
	if o.sel != nil {
		dq.track = setOf(o.sel)
	}
	if !slices.Contains(dq.sel, pID) {
		dq.sel = append(slices.Clone(dq.sel), pID)
	}
	dq.fields = t.cat.fields(dq.sel)
	if strings.TrimSpace(filter) != "" {
		f, err := bindFilter(t.cat, filter)
		if err != nil {
			return dq, err
		}
		if !idOnly(f.src) {
			return dq, unsupported("Delta queries support $filter only on id (id eq '...' joined with or).")
		}
		dq.filter = f
	}
	return dq, nil
}

// idOnly accepts "id eq '...'" clauses joined by or, and id in (...).
func idOnly(n *node) bool {
	switch n.kind {
	case nOr:
		return idOnly(n.l) && idOnly(n.r)
	case nCmp:
		return n.op == "eq" && len(n.path) == 1 && strings.EqualFold(n.path[0], "id")
	case nIn:
		return len(n.path) == 1 && strings.EqualFold(n.path[0], "id")
	}
	return false
}

// deltaFromToken continues a round ($skiptoken) or starts the next one
// ($deltatoken). A token older than the delta token lifetime answers Graph's
// 400 syncStateNotFound; one the tenant no longer honours (ExpireDeltaTokens,
// or not one of its own) 410 Gone with the query to restart from.
func (t *Tenant) deltaFromToken(s string, kind tokenKind, size int) (*Page, *Error) {
	pt, err := t.openToken(s)
	restart := func() *Error {
		loc := url.Values{}
		if err == nil && pt.sel != "" {
			loc.Set("$select", pt.sel)
		}
		if err == nil && pt.filter != "" {
			loc.Set("$filter", pt.filter)
		}
		return &Error{Status: http.StatusGone, Code: CodeResyncRequired,
			Message: "The delta token is no longer valid, and the app must reset the sync state.", Location: loc}
	}
	if err != nil || pt.kind != kind || pt.epoch != t.deltaEpoch || pt.to > t.version {
		return nil, restart()
	}
	if t.settings.now().Sub(time.Unix(pt.issued, 0)) > t.settings.deltaTTL {
		return nil, syncStateNotFound()
	}
	dq, e := t.parseDeltaQuery(pt.sel, pt.filter, size)
	if e != nil {
		return nil, restart()
	}
	if kind == tokDeltaLink {
		return t.deltaPage(dq, pageToken{from: pt.to, to: t.version})
	}
	return t.deltaPage(dq, pt)
}

// deltaPage serves one page of a round described by st.
func (t *Tenant) deltaPage(dq deltaQuery, st pageToken) (*Page, *Error) {
	pg := &Page{Context: dq.context}
	b := []byte{'['}
	var more bool
	if st.initial {
		b, more = t.deltaInitial(dq, &st, pg, b)
	} else {
		b, more = t.deltaChanges(dq, &st, pg, b)
	}
	b = append(b, ']')
	pg.Value = b
	if !more {
		return t.deltaLinkPage(dq, pg, st.to), nil
	}
	st.kind, st.sel, st.filter = tokDeltaNext, dq.selRaw, dq.fRaw
	st.epoch, st.issued = t.deltaEpoch, t.settings.now().Unix()
	pg.Next = url.Values{"$skiptoken": {t.sealToken(st)}}
	return pg, nil
}

// deltaLinkPage ends a round whose next one reports the changes after
// version to.
func (t *Tenant) deltaLinkPage(dq deltaQuery, pg *Page, to uint64) *Page {
	st := pageToken{kind: tokDeltaLink, to: to, sel: dq.selRaw, filter: dq.fRaw,
		epoch: t.deltaEpoch, issued: t.settings.now().Unix()}
	pg.Delta = url.Values{"$deltatoken": {t.sealToken(st)}}
	return pg
}

func (t *Tenant) deltaInitial(dq deltaQuery, st *pageToken, pg *Page, b []byte) ([]byte, bool) {
	var after *sortKey
	if st.key.upn != "" {
		after = &st.key
	}
	var u User
	d := t.deriver()
	defer t.putDeriver(d)
	scanned := 0
	needs := t.cat.selectionNeeds(dq.sel)
	more := t.scan(&t.cur, vUPN, false, allSpans(), after, func(c cand) bool {
		if pg.Items == dq.size || scanned == t.settings.scanLimit {
			return false
		}
		scanned++
		st.key = t.keyOf(vUPN, c)
		t.load(c, needs, &u, d)
		if dq.filter != nil && !dq.filter.pred(&evalCtx{u: &u, lowerUPN: t.lowerUPN(c, &u)}) {
			return true
		}
		b = appendItem(b, pg, func(b []byte) []byte { return appendUser(b, &u, dq.fields, "") })
		return true
	})
	return b, more
}

func appendItem(b []byte, pg *Page, item func([]byte) []byte) []byte {
	if pg.Items > 0 {
		b = append(b, ',')
	}
	pg.Items++
	return item(b)
}

func (t *Tenant) deltaChanges(dq deltaQuery, st *pageToken, pg *Page, b []byte) ([]byte, bool) {
	start := max(st.from, st.lastVer)
	i, _ := slices.BinarySearchFunc(t.log, start+1, func(e logEntry, v uint64) int { return cmpUint(e.ver, v) })
	for ; i < len(t.log) && t.log[i].ver <= st.to; i++ {
		if pg.Items == dq.size {
			return b, true
		}
		le := t.log[i]
		st.lastVer = le.ver
		ch := t.changes[le.id]
		if ch.ver != le.ver {
			continue // reported at its latest change instead
		}
		b = t.appendChange(b, pg, dq, ch, st.from)
	}
	return b, false
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// changedSince is what a user's changes after version from, up to its
// latest one (log entry i), did: the properties they changed, and whether
// one of them created or restored the user.
func (t *Tenant) changedSince(i int, from uint64) (set propSet, full bool) {
	for ; i >= 0 && t.log[i].ver > from; i = t.log[i].prev {
		set = set.union(t.log[i].set)
		full = full || t.log[i].full
	}
	return set, full
}

func (t *Tenant) appendChange(b []byte, pg *Page, dq deltaQuery, ch change, from uint64) []byte {
	id := t.log[ch.idx].id
	if ch.kind != chUpdated {
		return t.appendRemoved(b, pg, dq, id, ch.kind)
	}
	fields := dq.fields
	if set, full := t.changedSince(ch.idx, from); !full {
		set = t.cat.sameTypeExtensions(set)
		if !set.intersects(dq.track) {
			return b // nothing it tracks changed
		}
		fields = changedFields(dq.fields, set)
	}
	c, ok := t.find(id)
	if !ok {
		return b
	}
	var u User
	d := t.deriver()
	defer t.putDeriver(d)
	t.load(c, t.cat.selectionNeeds(dq.sel), &u, d)
	if dq.filter != nil && !dq.filter.pred(&evalCtx{u: &u, lowerUPN: t.lowerUPN(c, &u)}) {
		return b
	}
	return appendItem(b, pg, func(b []byte) []byte { return appendUser(b, &u, fields, "") })
}

// changedFields are the fields of a changed user's item: its id, and the
// selected properties that changed, null when cleared (extensions too,
// which other answers leave out when unset).
func changedFields(all []field, set propSet) []field {
	var out []field
	for _, f := range all {
		if f.p == pID || set.has(f.p) {
			f.absent = nil
			out = append(out, f)
		}
	}
	return out
}

func (t *Tenant) appendRemoved(b []byte, pg *Page, dq deltaQuery, lowerID string, kind changeKind) []byte {
	u := User{ID: lowerID}
	if e, ok := t.deleted[lowerID]; ok && kind == chSoftDeleted {
		u = e.u
	}
	if dq.filter != nil && !dq.filter.pred(&evalCtx{u: &u, lowerUPN: strings.ToLower(u.UserPrincipalName)}) {
		return b
	}
	reason := "changed"
	if kind == chHardDeleted {
		reason = "deleted"
	}
	return appendItem(b, pg, func(b []byte) []byte {
		b = append(b, `{"id":`...)
		b = appendString(b, u.ID)
		return append(b, `,"@removed":{"reason":"`+reason+`"}}`...)
	})
}
