package tenant

import (
	"fmt"
	"net/http"
	"strings"
)

// $filter on the registration report: eq on the booleans, userType and
// userPreferredMethodForSecondaryAuthentication; eq and startsWith on
// userPrincipalName and userDisplayName (case-insensitive); any(x: x eq
// '...') on methodsRegistered and systemPreferredAuthenticationMethods;
// joined with and, or and parentheses. The report is served by another
// OData service than the directory: its refusals read as ASP.NET OData's
// query validation does, with code BadRequest.

// CodeReportBadRequest is the code of the report's 400 answers.
const CodeReportBadRequest = "BadRequest"

func reportBadRequest(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeReportBadRequest, Message: fmt.Sprintf(format, args...)}
}

// notAllowed is ASP.NET OData's refusal of an operator, function or option
// its validation settings leave out.
func notAllowed(what, setting string) *Error {
	return reportBadRequest("The query specified in the URI is not valid. %s is not allowed. "+
		"To allow it, set the '%s' property on EnableQueryAttribute or QueryValidationSettings.", what, setting)
}

// asReport gives a refusal of the directory's filter checks the report's
// code.
func asReport(e *Error) *Error {
	e.Code = CodeReportBadRequest
	return e
}

func cannotFilter(name string) *Error {
	return reportBadRequest("The query specified in the URI is not valid. The property '%s' cannot be used in the $filter query option.", name)
}

func unknownRegProperty(name string) *Error {
	return reportBadRequest("Could not find a property named '%s' on type 'microsoft.graph.userRegistrationDetails'.", name)
}

// bindReportFilter checks and compiles a report $filter; its UPN spans
// let the index find the rows of a userPrincipalName partition.
func bindReportFilter(props []regProp, src string) (*boundFilter, *Error) {
	n, err := parseFilter(src)
	if err != nil {
		return nil, reportBadRequest("The query specified in the URI is not valid. %s", err.Error())
	}
	p, e := bindReportNode(props, n)
	if e != nil {
		return nil, e
	}
	f := &boundFilter{src: n, pred: p}
	f.spans, f.exact = planSpans(n)
	return f, nil
}

func bindReportNode(props []regProp, n *node) (pred, *Error) {
	switch n.kind {
	case nAnd, nOr:
		return bindBoth(n, func(n *node) (pred, *Error) { return bindReportNode(props, n) })
	case nNot:
		return nil, notAllowed("Logical operator 'Not'", "AllowedLogicalOperators")
	case nIn:
		return nil, notAllowed("Logical operator 'In'", "AllowedLogicalOperators")
	}
	p, err := regFilterTarget(props, n.path)
	if err != nil {
		return nil, err
	}
	switch n.kind {
	case nAny:
		return bindReportAny(p, n)
	case nCall:
		return bindReportCall(p, n)
	}
	return bindReportCmp(p, n)
}

func regFilterTarget(props []regProp, path []string) (*regProp, *Error) {
	p, ok := lookupRegProp(props, path[0])
	switch {
	case !ok:
		return nil, unknownRegProperty(path[0])
	case len(path) > 1:
		return nil, cannotFilter(p.name)
	}
	return p, nil
}

// operatorName is OData's name of a comparison operator.
func operatorName(op string) string {
	switch op {
	case "ne":
		return "NotEqual"
	case "ge":
		return "GreaterThanOrEqual"
	case "le":
		return "LessThanOrEqual"
	case "gt":
		return "GreaterThan"
	case "lt":
		return "LessThan"
	}
	return "Equal"
}

func bindReportCmp(p *regProp, n *node) (pred, *Error) {
	if n.op != "eq" {
		return nil, notAllowed("Logical operator '"+operatorName(n.op)+"'", "AllowedLogicalOperators")
	}
	switch p.filter {
	case rfBool:
		if n.lit.kind != lBool {
			return nil, asReport(incompatible(tBool, n.lit, "eq"))
		}
		want, get := n.lit.text == "true", p.boolean
		return func(c *evalCtx) bool { return get(c.row()) == want }, nil
	case rfText, rfEnum:
		if n.lit.kind != lString && n.lit.kind != lNull {
			return nil, asReport(incompatible(tString, n.lit, "eq"))
		}
		want, get := strings.ToLower(n.lit.text), p.str
		if n.lit.kind == lNull {
			return func(c *evalCtx) bool { return get(c.row()) == "" }, nil
		}
		return func(c *evalCtx) bool { return foldString(get(c.row())) == want }, nil
	case rfCollection:
		return nil, reportBadRequest("A binary operator with incompatible types was detected. "+
			"Found operand types 'Collection(Edm.String)' and '%s' for operator kind 'Equal'.", litEdmType(n.lit))
	}
	return nil, cannotFilter(p.name)
}

func bindReportCall(p *regProp, n *node) (pred, *Error) {
	if n.op != "startsWith" {
		return nil, notAllowed("Function '"+strings.ToLower(n.op)+"'", "AllowedFunctions")
	}
	if p.filter != rfText {
		return nil, cannotFilter(p.name)
	}
	if n.lit.kind != lString {
		return nil, asReport(incompatible(tString, n.lit, n.op))
	}
	want, get := strings.ToLower(n.lit.text), p.str
	return func(c *evalCtx) bool { return strings.HasPrefix(foldString(get(c.row())), want) }, nil
}

// bindReportAny compiles coll/any(x: x eq 'a' or x eq 'b' ...).
func bindReportAny(p *regProp, n *node) (pred, *Error) {
	if n.op != "any" {
		return nil, notAllowed("Function 'all'", "AllowedFunctions")
	}
	if p.filter != rfCollection {
		return nil, cannotFilter(p.name)
	}
	var wants []string
	var collect func(*node) *Error
	collect = func(b *node) *Error {
		switch {
		case b.kind == nOr:
			if err := collect(b.l); err != nil {
				return err
			}
			return collect(b.r)
		case b.kind != nCmp || len(b.path) != 1 || b.path[0] != n.lambda:
			return cannotFilter(p.name)
		case b.op != "eq":
			return notAllowed("Logical operator '"+operatorName(b.op)+"'", "AllowedLogicalOperators")
		case b.lit.kind != lString:
			return asReport(incompatible(tString, b.lit, "eq"))
		}
		wants = append(wants, strings.ToLower(b.lit.text))
		return nil
	}
	if err := collect(n.body); err != nil {
		return nil, err
	}
	get := p.strs
	return func(c *evalCtx) bool {
		for _, v := range get(c.row()) {
			for _, w := range wants {
				if foldString(v) == w {
					return true
				}
			}
		}
		return false
	}, nil
}
