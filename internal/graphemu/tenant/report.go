package tenant

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// GET /reports/authenticationMethods/userRegistrationDetails: one row per
// live user (RegistrationOf), read from the directory as it is, paged like
// a list: $top (default 100, at most 999), a $skiptoken that is a cursor
// over the live directory (users that exist throughout appear once), and
// $select, $filter (see report_filter.go) and $orderby (userPrincipalName
// or userDisplayName, asc or desc). Without $orderby rows come in the
// tenant's default order (SetDefaultOrder), which Graph does not promise.
// Graph documents no page size for the report: these are assumptions.

// Report page sizes.
const (
	DefaultReportPageSize = 100
	MaxReportPageSize     = 999
)

// reportSet is the report's path, and its @odata.context without $select.
const reportSet = "reports/authenticationMethods/userRegistrationDetails"

// SetPremiumLicense says whether the tenant holds a Microsoft Entra ID P1 or
// P2 licence (the default); without one the registration report answers
// 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant.
func (t *Tenant) SetPremiumLicense(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.settings.noPremium = !on
}

// The licence refusal, as Graph's reports answer it.
const (
	CodeNonPremiumTenant = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
	msgNonPremiumTenant  = "Neither tenant is B2C or tenant doesn't have premium license"
)

// reportQuery is a parsed report request.
type reportQuery struct {
	props     []*regProp // to write, in order
	context   string
	top       int
	filter    *boundFilter
	view      viewKind
	ordered   bool
	desc      bool
	skiptoken string
}

// UserRegistrationDetails answers the registration report.
func (t *Tenant) UserRegistrationDetails(q url.Values) (*Page, *Error) {
	rq, err := parseReportQuery(q)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.settings.noPremium {
		return nil, &Error{Status: http.StatusForbidden, Code: CodeNonPremiumTenant, Message: msgNonPremiumTenant}
	}
	if !rq.ordered && t.settings.order == OrderID {
		rq.view = vID
	}
	var after *sortKey
	if rq.skiptoken != "" {
		pt, err := t.openToken(rq.skiptoken)
		if err != nil || pt.kind != tokReport || pt.fp != fingerprint(q) || pt.view != rq.view || pt.desc != rq.desc {
			return nil, reportBadRequest("Invalid Skip Token")
		}
		after = &pt.key
	}
	pg := &Page{Context: rq.context, Value: []byte("[]")}
	if rq.top == 0 {
		return pg, nil
	}
	last, more := t.fillPage(&t.cur, pg, rq.spec(), after)
	if more {
		pt := pageToken{kind: tokReport, fp: fingerprint(q), view: rq.view, desc: rq.desc,
			key: t.keyOf(rq.view, last), issued: t.settings.now().Unix()}
		pg.Next = withToken(q, "$skiptoken", t.sealToken(pt))
	}
	return pg, nil
}

// spec is the page spec of a report request: an exact UPN filter is
// decided by the index, anything else by the rows.
func (rq *reportQuery) spec() *pageSpec {
	ps := &pageSpec{view: rq.view, desc: rq.desc, spans: allSpans(), limit: rq.top, needs: gCore | gProfile | gAuth}
	if f := rq.filter; f != nil {
		ps.spans = f.spans
		if !f.exact {
			ps.match = func(_ cand, u *User) bool { return f.pred(&evalCtx{u: u}) }
		}
	}
	props := rq.props
	ps.emit = func(b []byte, u *User) []byte {
		r := RegistrationOf(u)
		return appendRow(b, &regRow{u: u, r: &r}, props)
	}
	return ps
}

func parseReportQuery(q url.Values) (*reportQuery, *Error) {
	raw, given, err := readOptions(q)
	if err != nil {
		return nil, reportBadRequest("%s", err.Message)
	}
	for _, o := range []option{oSkip, oSearch, oCount, oExpand, oDeltatoken} {
		if given&o != 0 {
			name := optionName(o)
			return nil, notAllowed("Query option '"+strings.ToUpper(name[:1])+name[1:]+"'", "AllowedQueryOptions")
		}
	}
	props := regProps()
	rq := &reportQuery{top: DefaultReportPageSize, skiptoken: raw[oSkiptoken]}
	if err := rq.parseTop(raw[oTop], given&oTop != 0); err != nil {
		return nil, err
	}
	if err := rq.parseSelect(props, raw[oSelect]); err != nil {
		return nil, err
	}
	if f := raw[oFilter]; strings.TrimSpace(f) != "" {
		if rq.filter, err = bindReportFilter(props, f); err != nil {
			return nil, err
		}
	}
	if err := rq.parseOrderby(props, raw[oOrderby]); err != nil {
		return nil, err
	}
	return rq, nil
}

func (rq *reportQuery) parseTop(v string, given bool) *Error {
	if !given {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	switch {
	case err != nil || n < 0:
		return reportBadRequest("The query specified in the URI is not valid. Invalid value '%s' for $top query option found. "+
			"The $top query option requires a non-negative integer value.", v)
	case n > MaxReportPageSize:
		return reportBadRequest("The query specified in the URI is not valid. The limit of '%d' for Top query has been exceeded. "+
			"The value from the incoming request is '%d'.", MaxReportPageSize, n)
	}
	rq.top = n
	return nil
}

func (rq *reportQuery) parseSelect(props []regProp, v string) *Error {
	if strings.TrimSpace(v) == "" {
		for i := range props {
			rq.props = append(rq.props, &props[i])
		}
		rq.context = reportSet
		return nil
	}
	var names []string
	for f := range strings.SplitSeq(v, ",") {
		f = strings.TrimSpace(f)
		p, ok := lookupRegProp(props, f)
		if !ok {
			return unknownRegProperty(f)
		}
		rq.props = append(rq.props, p)
		names = append(names, p.name)
	}
	rq.context = reportSet + "(" + strings.Join(names, ",") + ")"
	return nil
}

func (rq *reportQuery) parseOrderby(props []regProp, v string) *Error {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	if strings.Contains(v, ",") {
		return reportBadRequest("The query specified in the URI is not valid. The number of clauses in $orderby query option exceeded " +
			"the maximum number allowed. The maximum number of $orderby clauses allowed is 1.")
	}
	fields := strings.Fields(v)
	if len(fields) > 2 || len(fields) == 2 && !strings.EqualFold(fields[1], "asc") && !strings.EqualFold(fields[1], "desc") {
		return reportBadRequest("The query specified in the URI is not valid. Syntax error in $orderby '%s'.", v)
	}
	p, ok := lookupRegProp(props, fields[0])
	switch {
	case !ok:
		return unknownRegProperty(fields[0])
	case !p.orderBy:
		return notAllowed("Order by '"+p.name+"'", "AllowedOrderByProperties")
	case p.name == "userPrincipalName":
		rq.view = vUPN
	default:
		rq.view = vDN
	}
	rq.ordered = true
	rq.desc = len(fields) == 2 && strings.EqualFold(fields[1], "desc")
	return nil
}
