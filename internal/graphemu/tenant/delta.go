package tenant

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// GET /users/delta. A round is either initial (every live user, in UPN
// order) or a change round (every user changed since the previous round's
// deltaLink, each in its latest state, in the order of its latest change).
// Pages carry a $skiptoken; the last page a $deltatoken whose round starts
// at the version the finished round began with, so nothing changed during a
// round is missed.

const deltaPageSize = 100

// ExpireDeltaTokens makes every outstanding delta token answer 410 Gone.
func (t *Tenant) ExpireDeltaTokens() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.deltaEpoch++
}

type deltaQuery struct {
	sel     []prop
	fields  []field
	context string
	selRaw  string
	filter  *boundFilter
	fRaw    string
}

// Delta answers GET /users/delta.
func (t *Tenant) Delta(q url.Values) (*Page, *Error) {
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
	switch {
	case given&oSkiptoken != 0:
		return t.deltaFromToken(raw[oSkiptoken], tokDeltaNext)
	case given&oDeltatoken != 0 && strings.EqualFold(raw[oDeltatoken], "latest"):
		dq, err := t.parseDeltaQuery(raw[oSelect], raw[oFilter])
		if err != nil {
			return nil, err
		}
		return t.deltaLinkPage(dq, &Page{Context: dq.context, Value: []byte("[]")}), nil
	case given&oDeltatoken != 0:
		return t.deltaFromToken(raw[oDeltatoken], tokDeltaLink)
	}
	dq, err := t.parseDeltaQuery(raw[oSelect], raw[oFilter])
	if err != nil {
		return nil, err
	}
	return t.deltaPage(dq, pageToken{initial: true, to: t.version})
}

func (t *Tenant) parseDeltaQuery(sel, filter string) (deltaQuery, *Error) {
	dq := deltaQuery{selRaw: sel, fRaw: filter}
	o := &queryOpts{cat: t.cat, raw: map[option]string{oSelect: sel}}
	if err := o.parseSelect(true); err != nil {
		return dq, err
	}
	dq.sel, dq.context = o.selection("users")
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

func (t *Tenant) deltaFromToken(s string, kind tokenKind) (*Page, *Error) {
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
	if err != nil || pt.kind != kind || pt.epoch != t.deltaEpoch || pt.to > t.version ||
		t.settings.now().Sub(time.Unix(pt.issued, 0)) > t.settings.deltaTTL {
		return nil, restart()
	}
	dq, e := t.parseDeltaQuery(pt.sel, pt.filter)
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
		return t.deltaLinkPage(dq, pg), nil
	}
	st.kind, st.sel, st.filter = tokDeltaNext, dq.selRaw, dq.fRaw
	st.epoch, st.issued = t.deltaEpoch, t.settings.now().Unix()
	pg.Next = url.Values{"$skiptoken": {t.sealToken(st)}}
	return pg, nil
}

func (t *Tenant) deltaLinkPage(dq deltaQuery, pg *Page) *Page {
	st := pageToken{kind: tokDeltaLink, to: t.version, sel: dq.selRaw, filter: dq.fRaw,
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
		if pg.Items == deltaPageSize || scanned == t.settings.scanLimit {
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
		if pg.Items == deltaPageSize {
			return b, true
		}
		le := t.log[i]
		st.lastVer = le.ver
		ch := t.changes[le.id]
		if ch.ver != le.ver {
			continue // reported at its latest change instead
		}
		b = t.appendChange(b, pg, dq, le.id, ch)
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

func (t *Tenant) appendChange(b []byte, pg *Page, dq deltaQuery, id string, ch change) []byte {
	var u User
	switch ch.kind {
	case chUpdated:
		c, ok := t.find(id)
		if !ok {
			return b
		}
		d := t.deriver()
		defer t.putDeriver(d)
		t.load(c, t.cat.selectionNeeds(dq.sel), &u, d)
	case chSoftDeleted:
		if e, ok := t.deleted[id]; ok {
			u = e.u
		} else {
			u.ID = id
		}
	default:
		u.ID = id
	}
	if dq.filter != nil && !dq.filter.pred(&evalCtx{u: &u, lowerUPN: strings.ToLower(u.UserPrincipalName)}) {
		return b
	}
	if ch.kind == chUpdated {
		return appendItem(b, pg, func(b []byte) []byte { return appendUser(b, &u, dq.fields, "") })
	}
	reason := "changed"
	if ch.kind == chHardDeleted {
		reason = "deleted"
	}
	return appendItem(b, pg, func(b []byte) []byte {
		b = append(b, `{"id":`...)
		b = appendString(b, u.ID)
		return append(b, `,"@removed":{"reason":"`+reason+`"}}`...)
	})
}
