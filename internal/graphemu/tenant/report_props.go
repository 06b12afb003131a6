package tenant

import (
	"strconv"
	"strings"
)

// The properties of userRegistrationDetails (v1.0: defaultMfaMethod is
// beta-only), in the order Graph writes a row, and what $filter and
// $orderby may do with each (the resource's documentation, plus isAdmin and
// userType, which Graph answers filters on).

// regRow is what a row is written from.
type regRow struct {
	u *User
	r *Registration
}

// regFilter is how $filter may use a report property.
type regFilter uint8

const (
	rfNone       regFilter = iota
	rfBool                 // eq true|false
	rfText                 // eq, startsWith; case-insensitive
	rfEnum                 // eq; case-insensitive
	rfCollection           // any(x: x eq '...')
)

type regProp struct {
	name    string
	filter  regFilter
	orderBy bool
	enc     func([]byte, *regRow) []byte
	str     func(*regRow) string   // rfText, rfEnum
	boolean func(*regRow) bool     // rfBool
	strs    func(*regRow) []string // rfCollection
}

func regBool(name string, get func(*Registration) bool) regProp {
	return regProp{name: name, filter: rfBool, boolean: func(r *regRow) bool { return get(r.r) },
		enc: func(b []byte, r *regRow) []byte { return strconv.AppendBool(b, get(r.r)) }}
}

func regText(name string, filter regFilter, orderBy bool, get func(*regRow) string) regProp {
	return regProp{name: name, filter: filter, orderBy: orderBy, str: get,
		enc: func(b []byte, r *regRow) []byte { return appendNullableString(b, get(r)) }}
}

func regList(name string, get func(*Registration) []string) regProp {
	return regProp{name: name, filter: rfCollection, strs: func(r *regRow) []string { return get(r.r) },
		enc: func(b []byte, r *regRow) []byte { return appendStrings(b, get(r.r)) }}
}

// regProps lists the report's properties in row order.
func regProps() []regProp {
	return []regProp{
		regText("id", rfNone, false, func(r *regRow) string { return r.u.ID }),
		regText("userPrincipalName", rfText, true, func(r *regRow) string { return r.u.UserPrincipalName }),
		regText("userDisplayName", rfText, true, func(r *regRow) string { return r.u.DisplayName }),
		regBool("isAdmin", func(r *Registration) bool { return r.IsAdmin }),
		regBool("isSsprRegistered", func(r *Registration) bool { return r.IsSsprRegistered }),
		regBool("isSsprEnabled", func(r *Registration) bool { return r.IsSsprEnabled }),
		regBool("isSsprCapable", func(r *Registration) bool { return r.IsSsprCapable }),
		regBool("isMfaRegistered", func(r *Registration) bool { return r.IsMfaRegistered }),
		regBool("isMfaCapable", func(r *Registration) bool { return r.IsMfaCapable }),
		regBool("isPasswordlessCapable", func(r *Registration) bool { return r.IsPasswordlessCapable }),
		regText("lastUpdatedDateTime", rfNone, false, func(r *regRow) string { return r.r.LastUpdatedDateTime }),
		regList("methodsRegistered", func(r *Registration) []string { return r.MethodsRegistered }),
		regBool("isSystemPreferredAuthenticationMethodEnabled", func(r *Registration) bool { return r.IsSystemPreferredEnabled }),
		regList("systemPreferredAuthenticationMethods", func(r *Registration) []string { return r.SystemPreferredMethods }),
		regText("userPreferredMethodForSecondaryAuthentication", rfEnum, false, func(r *regRow) string { return r.r.UserPreferredMethod }),
		regText("userType", rfEnum, false, func(r *regRow) string { return strings.ToLower(r.u.UserType) }),
	}
}

// lookupRegProp finds a report property by name, case-insensitively.
func lookupRegProp(props []regProp, name string) (*regProp, bool) {
	for i := range props {
		if strings.EqualFold(props[i].name, name) {
			return &props[i], true
		}
	}
	return nil, false
}

// appendRow writes a row with the given properties.
func appendRow(b []byte, r *regRow, props []*regProp) []byte {
	b = append(b, '{')
	for i, p := range props {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, p.name)
		b = append(b, ':')
		b = p.enc(b, r)
	}
	return append(b, '}')
}
