package report

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// expected is what a report must show, worked out from the CSV's records
// with none of the Builder's code: metric name -> number. rows holds every
// table row the page may show (table/row), so that a number under a name
// the oracle does not know fails the test even when it is 0.
type expected struct {
	metrics map[string]int
	rows    map[string]bool
	shares  map[string]string
}

// synthErrors are the per-user errors fed with the synthetic CSV.
func synthErrors() [][2]string {
	var errs [][2]string
	for i := range 23 {
		switch i % 4 {
		case 0, 1:
			errs = append(errs, [2]string{"authenticationMethods", "accessDenied"})
		case 2:
			errs = append(errs, [2]string{"lookup", "Request_ResourceNotFound"})
		default:
			errs = append(errs, [2]string{"lookup", ""})
		}
	}
	return errs
}

func expect(header []string, records [][]string, errs [][2]string, now time.Time) expected {
	e := expected{metrics: map[string]int{}, rows: map[string]bool{}, shares: map[string]string{}}
	col := func(rec []string, name string) string {
		i := slices.Index(header, name)
		if i < 0 {
			return ""
		}
		return rec[i]
	}
	depts := map[string]map[string]int{} // department -> segment key -> users
	for _, rec := range records {
		kind := "othertype"
		switch {
		case strings.EqualFold(col(rec, "userType"), "Member"):
			kind = "member"
		case strings.EqualFold(col(rec, "userType"), "Guest"):
			kind = "guest"
		}
		state := map[string]string{"True": "enabled", "False": "disabled"}[col(rec, "accountEnabled")]
		if state == "" {
			state = "unknown"
		}
		seg := kind + "-" + state
		count := func(table, row string) {
			e.rows[table+"/"+row] = true
			e.metrics[table+"/"+row+"/all"]++
			e.metrics[table+"/"+row+"/"+seg]++
		}
		e.metrics["accounts/"+kind+"/all"]++
		e.metrics["accounts/"+kind+"/"+state]++
		e.rows["accounts/"+kind] = true

		synced := col(rec, "onPremisesSyncEnabled") == "True"
		count("source", map[bool]string{true: "synced", false: "cloudonly"}[synced])
		age := oneOf(col(rec, "ageGroup"), "Minor", "NotAdult", "Adult")
		count("agegroup", age)
		consent := oneOf(col(rec, "consentProvidedForMinor"), "Granted", "Denied", "NotRequired")
		e.rows["minorconsent/"+age] = true
		e.metrics["minorconsent/"+age+"/all"]++
		e.metrics["minorconsent/"+age+"/"+consent]++
		legal := oneOf(col(rec, "legalAgeGroupClassification"), "MinorWithOutParentalConsent", "MinorWithParentalConsent", "MinorNoParentalConsentRequired", "NotAdult", "Adult")
		count("legalage", legal)

		if d := col(rec, "department"); d == "" {
			count("departments", "none")
		} else {
			if depts[d] == nil {
				depts[d] = map[string]int{}
			}
			depts[d][seg]++
		}

		noStrongAuth := false
		for _, flag := range []string{"isMfaRegistered", "isMfaCapable", "isPasswordlessCapable"} {
			v := map[string]string{"True": "yes", "False": "no", "": "notset"}[col(rec, flag)]
			count("mfa", flag+"-"+v)
			if flag == "isMfaCapable" && v == "no" {
				noStrongAuth = true
			}
		}
		seen := map[string]bool{}
		for _, m := range strings.Split(col(rec, "methodsRegistered"), ";") {
			if m != "" && !seen[m] {
				seen[m] = true
				count("methods", "method:"+m)
			}
		}
		if len(seen) == 0 {
			count("methods", "none")
		}
		none := true
		for _, c := range []string{"authenticationPhoneNumber", "authenticationAlternativePhoneNumber", "authenticationEmail"} {
			if col(rec, c) != "" {
				count("contact", c)
				none = false
			}
		}
		if none {
			count("contact", "none")
		}

		created := col(rec, "createdDateTime")
		last := bucket(col(rec, "signInActivity/lastSignInDateTime"), created, now)
		count("lastsignin", last)
		count("lastsuccess", bucket(col(rec, "signInActivity/lastSuccessfulSignInDateTime"), created, now))

		e.metrics["key/users"]++
		e.metrics["key/"+map[string]string{"member": "members", "guest": "guests"}[kind]]++
		e.metrics["key/"+map[string]string{"enabled": "enabled", "disabled": "disabled"}[state]]++
		e.metrics["key/"+map[bool]string{true: "synced", false: "cloudonly"}[synced]]++
		if legal == "MinorWithOutParentalConsent" {
			e.metrics["key/minors-without-consent"]++
		}
		if state == "enabled" {
			if noStrongAuth {
				e.metrics["key/not-mfa-capable"]++
			}
			if none {
				e.metrics["key/no-auth-contact"]++
			}
			if last == "over90" || last == "over365" {
				e.metrics["key/stale-90"]++
			}
			if last == "never" || last == "nevernew" {
				e.metrics["key/never-signed-in"]++
			}
		}
	}
	delete(e.metrics, "key/") // the users of neither kind or state

	e.expectDepartments(depts)
	e.expectAllRows()
	e.expectErrors(errs)
	e.metrics["rows"] = len(records)
	e.metrics["columns"] = len(header)
	e.metrics["key/errors"] = len(errs)
	e.metrics["errors"] = len(errs)
	for name, n := range e.metrics {
		if strings.HasPrefix(name, "key/") && name != "key/errors" {
			e.shares[name] = strconv.FormatFloat(100*float64(n)/float64(len(records)), 'f', 1, 64)
		}
	}
	return e
}

// oneOf is v as one of the documented values (ignoring case), or notset or
// other.
func oneOf(v string, values ...string) string {
	if v == "" {
		return "notset"
	}
	for _, want := range values {
		if strings.EqualFold(v, want) {
			return want
		}
	}
	return "other"
}

func bucket(v, created string, now time.Time) string {
	if v == "" {
		if c, err := time.Parse(time.RFC3339Nano, created); err == nil && now.Sub(c) <= 30*24*time.Hour {
			return "nevernew"
		}
		return "never"
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return "unreadable"
	}
	switch days := now.Sub(t); {
	case days > 365*24*time.Hour:
		return "over365"
	case days > 90*24*time.Hour:
		return "over90"
	case days > 30*24*time.Hour:
		return "over30"
	}
	return "recent"
}

// expectDepartments: the 25 largest by name (ties by name), the rest as one.
func (e *expected) expectDepartments(depts map[string]map[string]int) {
	total := func(d string) int {
		n := 0
		for _, v := range depts[d] {
			n += v
		}
		return n
	}
	names := make([]string, 0, len(depts))
	for d := range depts {
		names = append(names, d)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(total(b), total(a)), strings.Compare(a, b)) })
	for i, d := range names {
		row := "other"
		if i < 25 {
			row = "dept:" + d
		}
		e.rows["departments/"+row] = true
		for seg, n := range depts[d] {
			e.metrics["departments/"+row+"/all"] += n
			e.metrics["departments/"+row+"/"+seg] += n
		}
	}
	e.metrics["departments/distinct"] = len(names)
	e.metrics["departments/listed"] = min(len(names), 25)
	e.metrics["departments/grouped"] = max(0, len(names)-25)
}

// expectAllRows declares the rows each table may show with no users.
func (e *expected) expectAllRows() {
	for _, r := range []string{
		"accounts/member", "accounts/guest", "accounts/othertype", "source/synced", "source/cloudonly",
		"methods/none", "departments/none", "contact/none",
		"contact/authenticationPhoneNumber", "contact/authenticationAlternativePhoneNumber", "contact/authenticationEmail",
	} {
		e.rows[r] = true
	}
	for _, v := range []string{"Minor", "NotAdult", "Adult", "notset", "other"} {
		e.rows["agegroup/"+v] = true
		e.rows["minorconsent/"+v] = true
	}
	for _, v := range []string{"MinorWithOutParentalConsent", "MinorWithParentalConsent", "MinorNoParentalConsentRequired", "NotAdult", "Adult", "notset", "other"} {
		e.rows["legalage/"+v] = true
	}
	for _, f := range []string{"isMfaRegistered", "isMfaCapable", "isPasswordlessCapable"} {
		for _, v := range []string{"yes", "no", "notset", "other"} {
			e.rows["mfa/"+f+"-"+v] = true
		}
	}
	for _, t := range []string{"lastsignin", "lastsuccess"} {
		for _, b := range []string{"recent", "over30", "over90", "over365", "never", "nevernew", "unreadable"} {
			e.rows[t+"/"+b] = true
		}
	}
}

func (e *expected) expectErrors(errs [][2]string) {
	for _, er := range errs {
		code := er[1]
		if code == "" {
			code = "(none)"
		}
		row := "error:" + er[0] + ":" + code
		e.rows["errors/"+row] = true
		e.metrics["errors/"+row+"/count"]++
	}
}

// known reports whether the page may show a number under metric: a key
// figure or fact the oracle counted, or a cell of a row it knows.
func (e *expected) known(metric string) bool {
	if _, ok := e.metrics[metric]; ok {
		return true
	}
	i := strings.LastIndexByte(metric, '/')
	return i > 0 && e.rows[metric[:i]]
}
