package tenant

import (
	"net/url"
	"strconv"
	"strings"
)

// prop identifies a property of the user resource.
type prop uint8

// Properties in the order of the v1.0 schema. The order matters only for the
// catalogue and "$select=*"; responses follow the $select order.
const (
	pID prop = iota
	pUserPrincipalName
	pDisplayName
	pGivenName
	pSurname
	pMail
	pJobTitle
	pDepartment
	pUserType
	pAccountEnabled
	pUsageLocation
	pStreetAddress
	pState
	pCountry
	pOfficeLocation
	pCity
	pPostalCode
	pBusinessPhones
	pMobilePhone
	pFaxNumber
	pOtherMails
	pProxyAddresses
	pIMAddresses
	pAgeGroup
	pConsentProvidedForMinor
	pLegalAgeGroupClassification
	pCompanyName
	pEmployeeID
	pEmployeeType
	pEmployeeHireDate
	pEmployeeLeaveDateTime
	pEmployeeOrgData
	pCreatedDateTime
	pCreationType
	pDeletedDateTime
	pMailNickname
	pOnPremisesSyncEnabled
	pOnPremisesImmutableID
	pOnPremisesSamAccountName
	pOnPremisesUserPrincipalName
	pOnPremisesDomainName
	pOnPremisesDistinguishedName
	pOnPremisesSecurityIdentifier
	pOnPremisesLastSyncDateTime
	pOnPremisesExtensionAttributes
	pOnPremisesProvisioningErrors
	pPreferredLanguage
	pPreferredDataLocation
	pShowInAddressList
	pIsResourceAccount
	pIsManagementRestricted
	pExternalUserState
	pExternalUserStateChangeDateTime
	pLastPasswordChangeDateTime
	pPasswordPolicies
	pPasswordProfile
	pSecurityIdentifier
	pSignInSessionsValidFromDateTime
	pIdentities
	pAssignedLicenses
	pAssignedPlans
	pProvisionedPlans
	pLicenseAssignmentStates
	pAuthorizationInfo
	pCustomSecurityAttributes
	pServiceProvisioningErrors
	pSignInActivity
	// Single-user-only properties: a list answers 501 when they are selected.
	pAboutMe
	pBirthday
	pHireDate
	pInterests
	pMySite
	pPastProjects
	pPreferredName
	pResponsibilities
	pSchools
	pSkills
	pMailboxSettings
	numProps
)

// group is a set of derivation groups: a generated user is derived piecewise,
// so a query derives only what it reads.
type group uint8

const (
	gCore     group = 1 << iota // identity, names, mail addresses
	gProfile                    // job, location, phones, age, dates
	gOnPrem                     // on-premises synchronisation
	gAuth                       // authentication methods
	gActivity                   // sign-ins, licenses, password dates
	gExt                        // directory extension values
	gAll      = gCore | gProfile | gOnPrem | gAuth | gActivity | gExt
)

// valueType is the OData type a $filter literal must have for a property.
type valueType uint8

const (
	tString valueType = iota
	tBool
	tDateTime
	tGUID
	tInt        // an Edm.Int32 (integer directory extensions)
	tCollection // a collection: filtered only through any() or /$count
	tComplex    // filtered only through a sub-property
	tNone       // not filterable in any way
)

// level is how a $filter operator is supported on a property.
type level uint8

const (
	lvNone     level = iota // Graph rejects it
	lvAdvanced              // needs ConsistencyLevel: eventual and $count=true
	lvDefault               // works without them
)

// support lists the $filter support of one property (or collection element,
// for any()). ne and not follow eq: advanced whenever eq is supported at all.
type support struct {
	eq, in, startsWith, endsWith, ge, le, null level
}

// propInfo describes a property: how to read it for $filter and $search and
// how to encode it.
type propInfo struct {
	name       string
	group      group
	typ        valueType
	filter     support
	singleUser bool
	str        func(*User) string   // scalar strings and date-times
	boolean    func(*User) *bool    // booleans
	strs       func(*User) []string // string collections
	enc        func([]byte, *User) []byte
	// Directory extensions only: their data type, and whether a user has
	// no value (Graph then leaves the property out of the object).
	ext    *ExtensionType
	absent func(*User) bool
}

// subProp is a property of a complex value or of a collection element that
// $filter can reach (signInActivity/lastSignInDateTime, identities/any(c:c/issuer ...)).
type subProp struct {
	parent prop
	name   string
	typ    valueType
	filter support
	get    func(*evalCtx, *lambdaEnv) (string, bool)
}

// catalog is the user resource's schema as the query engine knows it: the
// properties of v1.0 (prop values below numProps), then the tenant's
// directory extensions. It is built once per tenant, extensions included,
// and read-only afterwards.
type catalog struct {
	props    []propInfo
	subs     []subProp
	byName   map[string]prop // lower-cased name
	defaults []prop          // GET /users without $select, in Graph's order
	skus     []sku
	yes, no  bool // what boolean extensions point at
}

// parseSupport reads a compact spec such as "eq=D in=D sw=D ge=A" (D default,
// A advanced; gele sets ge and le); operators not named are unsupported. The
// specs are the catalogue's static table: a misspelt one is a bug that would
// silently make Graph's rules wrong, so it panics when the catalogue is built
// (which every test does).
func parseSupport(spec string) support {
	var s support
	for f := range strings.FieldsSeq(spec) {
		k, v, _ := strings.Cut(f, "=")
		var lv level
		switch v {
		case "D":
			lv = lvDefault
		case "A":
			lv = lvAdvanced
		default:
			panic("tenant: filter support " + strconv.Quote(f) + ": the level must be D or A")
		}
		switch k {
		case "eq":
			s.eq = lv
		case "in":
			s.in = lv
		case "sw":
			s.startsWith = lv
		case "ew":
			s.endsWith = lv
		case "ge":
			s.ge = lv
		case "le":
			s.le = lv
		case "null":
			s.null = lv
		case "gele":
			s.ge, s.le = lv, lv
		default:
			panic("tenant: filter support " + strconv.Quote(f) + ": unknown operator")
		}
	}
	return s
}

func newCatalog() *catalog {
	c := &catalog{props: make([]propInfo, numProps), byName: map[string]prop{}, skus: newSKUs(), yes: true}
	c.scalars()
	c.moreScalars()
	c.booleans()
	c.collections()
	c.complexes()
	c.singleUserOnly()
	for p := range numProps {
		c.byName[strings.ToLower(c.props[p].name)] = p
	}
	c.defaults = []prop{
		pBusinessPhones, pDisplayName, pGivenName, pJobTitle, pMail, pMobilePhone,
		pOfficeLocation, pPreferredLanguage, pSurname, pUserPrincipalName, pID,
	}
	c.subProps()
	return c
}

// newTenantCatalog is a tenant's catalogue: v1.0 and the standard
// extensions.
func newTenantCatalog() *catalog {
	c := newCatalog()
	for _, x := range standardExtensions() {
		if err := c.registerExtension(x.name, x.typ); err != nil {
			panic("tenant: standard extension: " + err.Error()) // a constant misspelt: every test builds a tenant
		}
	}
	return c
}

// str registers a string or date-time property. Filter support follows
// Graph's table for directory objects (advanced queries), with the operators
// the project's GRAPH.md lists as working by default.
func (c *catalog) str(p prop, name string, g group, typ valueType, spec string, get func(*User) string) {
	c.props[p] = propInfo{name: name, group: g, typ: typ, filter: parseSupport(spec), str: get,
		enc: func(b []byte, u *User) []byte { return appendNullableString(b, get(u)) }}
}

func (c *catalog) scalars() {
	c.str(pID, "id", gCore, tString, "eq=D in=D", func(u *User) string { return u.ID })
	c.str(pUserPrincipalName, "userPrincipalName", gCore, tString, "eq=D in=D sw=D le=D ge=A ew=A", func(u *User) string { return u.UserPrincipalName })
	c.str(pDisplayName, "displayName", gCore, tString, "eq=D in=D sw=D null=A", func(u *User) string { return u.DisplayName })
	c.str(pGivenName, "givenName", gCore, tString, "eq=D in=D sw=D gele=D null=A", func(u *User) string { return u.GivenName })
	c.str(pSurname, "surname", gCore, tString, "eq=D in=D sw=D gele=D null=A", func(u *User) string { return u.Surname })
	c.str(pMail, "mail", gCore, tString, "eq=D in=D sw=D gele=D ew=A null=A", func(u *User) string { return u.Mail })
	c.str(pJobTitle, "jobTitle", gProfile, tString, "eq=D in=D gele=D null=A", func(u *User) string { return u.JobTitle })
	c.str(pDepartment, "department", gProfile, tString, "eq=D in=D sw=D gele=D null=A", func(u *User) string { return u.Department })
	c.str(pUserType, "userType", gCore, tString, "eq=D in=D null=A", func(u *User) string { return u.UserType })
	c.str(pUsageLocation, "usageLocation", gProfile, tString, "eq=D in=D sw=D gele=D null=A", func(u *User) string { return u.UsageLocation })
	c.str(pStreetAddress, "streetAddress", gProfile, tString, "eq=A in=A sw=A gele=A null=A", func(u *User) string { return u.StreetAddress })
	c.str(pState, "state", gProfile, tString, "eq=D in=D sw=D gele=D null=A", func(u *User) string { return u.State })
	c.str(pCountry, "country", gProfile, tString, "eq=D in=D sw=D gele=D null=A", func(u *User) string { return u.Country })
	c.str(pOfficeLocation, "officeLocation", gProfile, tString, "eq=A in=A sw=A gele=A null=A", func(u *User) string { return u.OfficeLocation })
	c.str(pCity, "city", gProfile, tString, "eq=D in=D sw=D ge=A null=A", func(u *User) string { return u.City })
	c.str(pPostalCode, "postalCode", gProfile, tString, "eq=A in=A sw=A gele=A null=A", func(u *User) string { return u.PostalCode })
	c.str(pMobilePhone, "mobilePhone", gProfile, tString, "eq=A in=A sw=A gele=A null=A", func(u *User) string { return u.MobilePhone })
	c.str(pFaxNumber, "faxNumber", gProfile, tString, "", func(u *User) string { return u.FaxNumber })
	c.str(pAgeGroup, "ageGroup", gProfile, tString, "eq=D in=D null=A", func(u *User) string { return u.AgeGroup })
	c.str(pConsentProvidedForMinor, "consentProvidedForMinor", gProfile, tString, "eq=D in=D null=A", func(u *User) string { return u.ConsentProvidedForMinor })
	c.str(pLegalAgeGroupClassification, "legalAgeGroupClassification", gProfile, tString, "", func(u *User) string { return u.LegalAgeGroupClassification })
	c.str(pCompanyName, "companyName", gProfile, tString, "eq=A in=A sw=A gele=A null=A", func(u *User) string { return u.CompanyName })
	c.str(pEmployeeID, "employeeId", gProfile, tString, "eq=D in=D sw=D gele=A null=A", func(u *User) string { return u.EmployeeID })
	c.str(pEmployeeType, "employeeType", gProfile, tString, "eq=A in=A sw=A gele=A", func(u *User) string { return u.EmployeeType })
	c.str(pEmployeeHireDate, "employeeHireDate", gProfile, tDateTime, "eq=A in=A gele=A", func(u *User) string { return u.EmployeeHireDate })
	c.str(pEmployeeLeaveDateTime, "employeeLeaveDateTime", gProfile, tDateTime, "eq=A in=A gele=A", func(u *User) string { return u.EmployeeLeaveDateTime })
	c.str(pCreatedDateTime, "createdDateTime", gProfile, tDateTime, "eq=D in=A gele=D", func(u *User) string { return u.CreatedDateTime })
	c.str(pCreationType, "creationType", gCore, tString, "eq=D in=D null=A", func(u *User) string { return u.CreationType })
	c.str(pDeletedDateTime, "deletedDateTime", gCore, tDateTime, "eq=D in=A gele=D", func(u *User) string { return u.DeletedDateTime })
	c.str(pMailNickname, "mailNickname", gCore, tString, "eq=D in=D sw=D gele=D null=A", func(u *User) string { return u.MailNickname })
}

func (c *catalog) moreScalars() {
	c.str(pOnPremisesImmutableID, "onPremisesImmutableId", gOnPrem, tString, "eq=A in=A gele=A", func(u *User) string { return u.OnPremisesImmutableID })
	c.str(pOnPremisesSamAccountName, "onPremisesSamAccountName", gOnPrem, tString, "eq=A in=A sw=A gele=A", func(u *User) string { return u.OnPremisesSamAccountName })
	c.str(pOnPremisesUserPrincipalName, "onPremisesUserPrincipalName", gOnPrem, tString, "eq=D in=D sw=D gele=D", func(u *User) string { return u.OnPremisesUserPrincipalName })
	c.str(pOnPremisesDomainName, "onPremisesDomainName", gOnPrem, tString, "", func(u *User) string { return u.OnPremisesDomainName })
	c.str(pOnPremisesDistinguishedName, "onPremisesDistinguishedName", gOnPrem, tString, "", func(u *User) string { return u.OnPremisesDistinguishedName })
	c.str(pOnPremisesSecurityIdentifier, "onPremisesSecurityIdentifier", gOnPrem, tString, "eq=D in=D null=A", func(u *User) string { return u.OnPremisesSecurityIdentifier })
	c.str(pOnPremisesLastSyncDateTime, "onPremisesLastSyncDateTime", gOnPrem, tDateTime, "eq=A in=A gele=A", func(u *User) string { return u.OnPremisesLastSyncDateTime })
	c.str(pPreferredLanguage, "preferredLanguage", gProfile, tString, "eq=A in=A sw=A gele=A null=A", func(u *User) string { return u.PreferredLanguage })
	c.str(pPreferredDataLocation, "preferredDataLocation", gProfile, tString, "", func(u *User) string { return u.PreferredDataLocation })
	c.str(pExternalUserState, "externalUserState", gCore, tString, "eq=D in=D", func(u *User) string { return u.ExternalUserState })
	c.str(pExternalUserStateChangeDateTime, "externalUserStateChangeDateTime", gCore, tDateTime, "eq=D in=D gele=D", func(u *User) string { return u.ExternalUserStateChangeDateTime })
	c.str(pLastPasswordChangeDateTime, "lastPasswordChangeDateTime", gActivity, tDateTime, "", func(u *User) string { return u.LastPasswordChangeDateTime })
	c.str(pPasswordPolicies, "passwordPolicies", gProfile, tString, "eq=A null=A", func(u *User) string { return u.PasswordPolicies })
	c.str(pSecurityIdentifier, "securityIdentifier", gCore, tString, "eq=D in=D", func(u *User) string { return u.SecurityIdentifier })
	c.str(pSignInSessionsValidFromDateTime, "signInSessionsValidFromDateTime", gActivity, tDateTime, "", func(u *User) string { return u.SignInSessionsValidFromDateTime })
}

func (c *catalog) boolean(p prop, name string, g group, spec string, get func(*User) *bool) {
	c.props[p] = propInfo{name: name, group: g, typ: tBool, filter: parseSupport(spec), boolean: get,
		enc: func(b []byte, u *User) []byte { return appendBoolPtr(b, get(u)) }}
}

func (c *catalog) booleans() {
	c.boolean(pAccountEnabled, "accountEnabled", gProfile, "eq=D in=D gele=A", func(u *User) *bool { return u.AccountEnabled })
	c.boolean(pOnPremisesSyncEnabled, "onPremisesSyncEnabled", gOnPrem, "eq=D in=D gele=A", func(u *User) *bool { return u.OnPremisesSyncEnabled })
	c.boolean(pShowInAddressList, "showInAddressList", gProfile, "eq=A in=A gele=A", func(u *User) *bool { return u.ShowInAddressList })
	c.boolean(pIsResourceAccount, "isResourceAccount", gProfile, "eq=D", func(u *User) *bool { return u.IsResourceAccount })
	c.boolean(pIsManagementRestricted, "isManagementRestricted", gProfile, "", func(u *User) *bool { return u.IsManagementRestricted })
}

func (c *catalog) list(p prop, name string, g group, spec string, get func(*User) []string) {
	c.props[p] = propInfo{name: name, group: g, typ: tCollection, filter: parseSupport(spec), strs: get,
		enc: func(b []byte, u *User) []byte { return appendStrings(b, get(u)) }}
}

func (c *catalog) collections() {
	c.list(pBusinessPhones, "businessPhones", gProfile, "eq=D", func(u *User) []string { return u.BusinessPhones })
	c.list(pOtherMails, "otherMails", gCore, "eq=D in=D sw=D gele=D ew=A", func(u *User) []string { return u.OtherMails })
	c.list(pProxyAddresses, "proxyAddresses", gCore, "eq=D sw=D gele=D ew=A", func(u *User) []string { return u.ProxyAddresses })
	c.list(pIMAddresses, "imAddresses", gProfile, "eq=D sw=D gele=D", func(u *User) []string { return u.IMAddresses })
	c.list(pAuthorizationInfo, "authorizationInfo", gActivity, "", func(u *User) []string { return u.CertificateUserIDs })
	c.props[pAuthorizationInfo].typ = tNone
	c.props[pAuthorizationInfo].enc = func(b []byte, u *User) []byte {
		b = append(b, `{"certificateUserIds":`...)
		return append(appendStrings(b, u.CertificateUserIDs), '}')
	}
}

func (c *catalog) composite(p prop, name string, g group, typ valueType, enc func([]byte, *User) []byte) {
	c.props[p] = propInfo{name: name, group: g, typ: typ, enc: enc}
}

func (c *catalog) complexes() {
	constant := func(v string) func([]byte, *User) []byte {
		return func(b []byte, _ *User) []byte { return append(b, v...) }
	}
	c.composite(pIdentities, "identities", gCore, tCollection, func(b []byte, u *User) []byte { return appendIdentities(b, u.Identities) })
	c.composite(pAssignedLicenses, "assignedLicenses", gActivity, tCollection, func(b []byte, u *User) []byte { return appendLicenses(b, u.AssignedLicenses) })
	c.composite(pAssignedPlans, "assignedPlans", gActivity|gProfile, tCollection, func(b []byte, u *User) []byte { return appendAssignedPlans(b, u, c.skus) })
	c.composite(pProvisionedPlans, "provisionedPlans", gActivity, tNone, func(b []byte, u *User) []byte { return appendProvisionedPlans(b, u, c.skus) })
	c.composite(pLicenseAssignmentStates, "licenseAssignmentStates", gActivity|gProfile, tNone, appendLicenseStates)
	c.composite(pEmployeeOrgData, "employeeOrgData", gProfile, tComplex, func(b []byte, u *User) []byte { return appendOrgData(b, u.EmployeeOrgData) })
	c.composite(pOnPremisesExtensionAttributes, "onPremisesExtensionAttributes", gOnPrem, tComplex, func(b []byte, u *User) []byte {
		return appendExtensionAttributes(b, &u.OnPremisesExtensionAttributes)
	})
	c.composite(pSignInActivity, "signInActivity", gActivity, tComplex, func(b []byte, u *User) []byte { return appendSignInActivity(b, u.SignInActivity) })
	// Graph never returns passwords, custom security attributes need a
	// permission exporting apps do not hold, and a synthetic tenant has no
	// provisioning errors.
	c.composite(pPasswordProfile, "passwordProfile", 0, tNone, constant("null"))
	c.composite(pCustomSecurityAttributes, "customSecurityAttributes", 0, tNone, constant("null"))
	c.composite(pOnPremisesProvisioningErrors, "onPremisesProvisioningErrors", 0, tNone, constant("[]"))
	c.composite(pServiceProvisioningErrors, "serviceProvisioningErrors", 0, tNone, constant("[]"))
}

// singleUserOnly registers the properties only GET /users/{id} returns;
// this directory holds no values for them.
func (c *catalog) singleUserOnly() {
	for _, s := range []struct {
		p     prop
		name  string
		empty string
	}{
		{pAboutMe, "aboutMe", "null"}, {pBirthday, "birthday", "null"}, {pHireDate, "hireDate", "null"},
		{pInterests, "interests", "[]"}, {pMySite, "mySite", "null"}, {pPastProjects, "pastProjects", "[]"},
		{pPreferredName, "preferredName", "null"}, {pResponsibilities, "responsibilities", "[]"},
		{pSchools, "schools", "[]"}, {pSkills, "skills", "[]"}, {pMailboxSettings, "mailboxSettings", "null"},
	} {
		empty := s.empty
		c.props[s.p] = propInfo{name: s.name, typ: tNone, singleUser: true,
			enc: func(b []byte, _ *User) []byte { return append(b, empty...) }}
	}
}

func (c *catalog) subProps() {
	user := func(parent prop, name string, typ valueType, spec string, get func(*User) string) {
		c.subs = append(c.subs, subProp{parent: parent, name: name, typ: typ, filter: parseSupport(spec),
			get: func(x *evalCtx, _ *lambdaEnv) (string, bool) { s := get(x.u); return s, s != "" }})
	}
	elem := func(parent prop, name string, typ valueType, get func(*lambdaEnv) string) {
		c.subs = append(c.subs, subProp{parent: parent, name: name, typ: typ, filter: parseSupport("eq=D"),
			get: func(_ *evalCtx, e *lambdaEnv) (string, bool) { s := get(e); return s, s != "" }})
	}
	signIn := func(get func(*SignInActivity) string) func(*User) string {
		return func(u *User) string {
			if u.SignInActivity == nil {
				return ""
			}
			return get(u.SignInActivity)
		}
	}
	org := func(get func(*EmployeeOrgData) string) func(*User) string {
		return func(u *User) string {
			if u.EmployeeOrgData == nil {
				return ""
			}
			return get(u.EmployeeOrgData)
		}
	}
	user(pSignInActivity, "lastSignInDateTime", tDateTime, "eq=D gele=D", signIn(func(a *SignInActivity) string { return a.LastSignInDateTime }))
	user(pSignInActivity, "lastNonInteractiveSignInDateTime", tDateTime, "eq=D gele=D", signIn(func(a *SignInActivity) string { return a.LastNonInteractiveSignInDateTime }))
	user(pSignInActivity, "lastSuccessfulSignInDateTime", tDateTime, "eq=D gele=D", signIn(func(a *SignInActivity) string { return a.LastSuccessfulSignInDateTime }))
	user(pEmployeeOrgData, "division", tString, "eq=A in=A gele=A", org(func(d *EmployeeOrgData) string { return d.Division }))
	user(pEmployeeOrgData, "costCenter", tString, "eq=A in=A gele=A", org(func(d *EmployeeOrgData) string { return d.CostCenter }))
	for i := range len(ExtensionAttributes{}) {
		user(pOnPremisesExtensionAttributes, extensionAttributeName(i), tString, "eq=A in=A gele=A",
			func(u *User) string { return u.OnPremisesExtensionAttributes[i] })
	}
	elem(pIdentities, "issuer", tString, func(e *lambdaEnv) string { return e.ident.Issuer })
	elem(pIdentities, "issuerAssignedId", tString, func(e *lambdaEnv) string { return e.ident.IssuerAssignedID })
	elem(pIdentities, "signInType", tString, func(e *lambdaEnv) string { return e.ident.SignInType })
	elem(pAssignedLicenses, "skuId", tGUID, func(e *lambdaEnv) string { return e.lic.SKUID })
	elem(pAssignedPlans, "servicePlanId", tGUID, func(e *lambdaEnv) string { return e.plan.id })
	elem(pAssignedPlans, "capabilityStatus", tString, func(e *lambdaEnv) string { return e.plan.status })
}

func extensionAttributeName(i int) string { return "extensionAttribute" + itoa(i+1) }

// lookup finds a property by name, case-insensitively as Graph does.
func (c *catalog) lookup(name string) (prop, bool) {
	p, ok := c.byName[strings.ToLower(name)]
	return p, ok
}

func (c *catalog) lookupSub(parent prop, name string) (subProp, bool) {
	for _, s := range c.subs {
		if s.parent == parent && strings.EqualFold(s.name, name) {
			return s, true
		}
	}
	return subProp{}, false
}

// searchable reports whether $search may name the property.
func searchable(p prop) bool {
	switch p {
	case pDisplayName, pMail, pUserPrincipalName, pGivenName, pSurname, pMailNickname, pOtherMails, pProxyAddresses:
		return true
	}
	return false
}

// PropSignInActivity is the property that needs AuditLog.Read.All in
// addition to User.Read.All.
const PropSignInActivity = "signInActivity"

// ListProperties are the property names of v1.0 a list can $select, in
// schema order (directory extensions are the tenant's own).
func ListProperties() []string {
	c := newCatalog()
	var out []string
	for p := range numProps {
		if !c.props[p].singleUser {
			out = append(out, c.props[p].name)
		}
	}
	return out
}

// SelectsProperty reports whether the query reads the named property: names
// it in $select, or, for a filter, on any path segment (Graph checks the
// audit-log permission for signInActivity either way). Option and property
// names are matched case-insensitively, "$select" and "select" alike.
func SelectsProperty(q url.Values, name string) bool {
	for k, vs := range q {
		opt := strings.ToLower(strings.TrimPrefix(k, "$"))
		for _, v := range vs {
			switch opt {
			case "select":
				for f := range strings.SplitSeq(v, ",") {
					if f = strings.TrimSpace(f); strings.EqualFold(f, name) || f == "*" {
						return true
					}
				}
			case "filter":
				if n, err := parseFilter(v); err == nil && n.mentions(name) {
					return true
				}
			}
		}
	}
	return false
}

// mentions reports whether a filter's paths name the property.
func (n *node) mentions(name string) bool {
	if n == nil {
		return false
	}
	if len(n.path) > 0 && strings.EqualFold(n.path[0], name) {
		return true
	}
	return n.l.mentions(name) || n.r.mentions(name) || n.body.mentions(name)
}
