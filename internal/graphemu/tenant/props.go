package tenant

import (
	"net/url"
	"strings"
)

// prop identifies a property of the user resource.
type prop uint8

// Properties in the order of the v1.0 schema. The order matters only for the
// catalogue; responses follow the $select order.
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
	gCore     group = 1 << iota // identity, names, addresses of mail
	gProfile                    // job, location, phones, age, dates
	gOnPrem                     // on-premises synchronisation
	gAuth                       // authentication methods
	gActivity                   // sign-ins, licenses, password dates
	gAll      = gCore | gProfile | gOnPrem | gAuth | gActivity
)

// valueType is the OData type a $filter literal must have for a property.
type valueType uint8

const (
	tString valueType = iota
	tBool
	tDateTime
	tGUID
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

type propInfo struct {
	name       string
	group      group
	typ        valueType
	filter     support
	singleUser bool
}

// parseSupport reads a compact spec such as "eq=D in=D sw=D ge=A" (D default,
// A advanced); operators not named are unsupported.
func parseSupport(spec string) support {
	var s support
	for f := range strings.FieldsSeq(spec) {
		k, v, _ := strings.Cut(f, "=")
		lv := lvDefault
		if v == "A" {
			lv = lvAdvanced
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
		}
	}
	return s
}

// props is the catalogue, indexed by prop. Filter support follows Graph's
// table for directory objects (advanced queries), with the operators the
// project's GRAPH.md lists as working by default.
var props = func() [numProps]propInfo {
	var t [numProps]propInfo
	set := func(p prop, name string, g group, typ valueType, spec string) {
		t[p] = propInfo{name: name, group: g, typ: typ, filter: parseSupport(spec)}
	}
	set(pID, "id", gCore, tString, "eq=D in=D")
	set(pUserPrincipalName, "userPrincipalName", gCore, tString, "eq=D in=D sw=D le=D ge=A ew=A")
	set(pDisplayName, "displayName", gCore, tString, "eq=D in=D sw=D null=A")
	set(pGivenName, "givenName", gCore, tString, "eq=D in=D sw=D gele=D null=A")
	set(pSurname, "surname", gCore, tString, "eq=D in=D sw=D gele=D null=A")
	set(pMail, "mail", gCore, tString, "eq=D in=D sw=D gele=D ew=A null=A")
	set(pJobTitle, "jobTitle", gProfile, tString, "eq=D in=D gele=D null=A")
	set(pDepartment, "department", gProfile, tString, "eq=D in=D sw=D gele=D null=A")
	set(pUserType, "userType", gCore, tString, "eq=D in=D null=A")
	set(pAccountEnabled, "accountEnabled", gProfile, tBool, "eq=D in=D gele=A")
	set(pUsageLocation, "usageLocation", gProfile, tString, "eq=D in=D sw=D gele=D null=A")
	set(pStreetAddress, "streetAddress", gProfile, tString, "eq=A in=A sw=A gele=A null=A")
	set(pState, "state", gProfile, tString, "eq=D in=D sw=D gele=D null=A")
	set(pCountry, "country", gProfile, tString, "eq=D in=D sw=D gele=D null=A")
	set(pOfficeLocation, "officeLocation", gProfile, tString, "eq=A in=A sw=A gele=A null=A")
	set(pCity, "city", gProfile, tString, "eq=D in=D sw=D ge=A null=A")
	set(pPostalCode, "postalCode", gProfile, tString, "eq=A in=A sw=A gele=A null=A")
	set(pBusinessPhones, "businessPhones", gProfile, tCollection, "eq=D")
	set(pMobilePhone, "mobilePhone", gProfile, tString, "eq=A in=A sw=A gele=A null=A")
	set(pFaxNumber, "faxNumber", gProfile, tString, "")
	set(pOtherMails, "otherMails", gCore, tCollection, "eq=D in=D sw=D gele=D ew=A")
	set(pProxyAddresses, "proxyAddresses", gCore, tCollection, "eq=D sw=D gele=D ew=A")
	set(pIMAddresses, "imAddresses", gProfile, tCollection, "eq=D sw=D gele=D")
	set(pAgeGroup, "ageGroup", gProfile, tString, "eq=D in=D null=A")
	set(pConsentProvidedForMinor, "consentProvidedForMinor", gProfile, tString, "eq=D in=D null=A")
	set(pLegalAgeGroupClassification, "legalAgeGroupClassification", gProfile, tString, "")
	set(pCompanyName, "companyName", gProfile, tString, "eq=A in=A sw=A gele=A null=A")
	set(pEmployeeID, "employeeId", gProfile, tString, "eq=D in=D sw=D gele=A null=A")
	set(pEmployeeType, "employeeType", gProfile, tString, "eq=A in=A sw=A gele=A")
	set(pEmployeeHireDate, "employeeHireDate", gProfile, tDateTime, "eq=A in=A gele=A")
	set(pEmployeeLeaveDateTime, "employeeLeaveDateTime", gProfile, tDateTime, "eq=A in=A gele=A")
	set(pEmployeeOrgData, "employeeOrgData", gProfile, tComplex, "")
	set(pCreatedDateTime, "createdDateTime", gProfile, tDateTime, "eq=D in=A gele=D")
	set(pCreationType, "creationType", gCore, tString, "eq=D in=D null=A")
	set(pDeletedDateTime, "deletedDateTime", gCore, tDateTime, "eq=D in=A gele=D")
	set(pMailNickname, "mailNickname", gCore, tString, "eq=D in=D sw=D gele=D null=A")
	set(pOnPremisesSyncEnabled, "onPremisesSyncEnabled", gOnPrem, tBool, "eq=D in=D gele=A")
	set(pOnPremisesImmutableID, "onPremisesImmutableId", gOnPrem, tString, "eq=A in=A gele=A")
	set(pOnPremisesSamAccountName, "onPremisesSamAccountName", gOnPrem, tString, "eq=A in=A sw=A gele=A")
	set(pOnPremisesUserPrincipalName, "onPremisesUserPrincipalName", gOnPrem, tString, "eq=D in=D sw=D gele=D")
	set(pOnPremisesDomainName, "onPremisesDomainName", gOnPrem, tString, "")
	set(pOnPremisesDistinguishedName, "onPremisesDistinguishedName", gOnPrem, tString, "")
	set(pOnPremisesSecurityIdentifier, "onPremisesSecurityIdentifier", gOnPrem, tString, "eq=D in=D null=A")
	set(pOnPremisesLastSyncDateTime, "onPremisesLastSyncDateTime", gOnPrem, tDateTime, "eq=A in=A gele=A")
	set(pOnPremisesExtensionAttributes, "onPremisesExtensionAttributes", gOnPrem, tComplex, "")
	set(pOnPremisesProvisioningErrors, "onPremisesProvisioningErrors", 0, tNone, "")
	set(pPreferredLanguage, "preferredLanguage", gProfile, tString, "eq=A in=A sw=A gele=A null=A")
	set(pPreferredDataLocation, "preferredDataLocation", gProfile, tString, "")
	set(pShowInAddressList, "showInAddressList", gProfile, tBool, "eq=A in=A gele=A")
	set(pIsResourceAccount, "isResourceAccount", gProfile, tBool, "eq=D")
	set(pIsManagementRestricted, "isManagementRestricted", gProfile, tBool, "")
	set(pExternalUserState, "externalUserState", gCore, tString, "eq=D in=D")
	set(pExternalUserStateChangeDateTime, "externalUserStateChangeDateTime", gCore, tDateTime, "eq=D in=D gele=D")
	set(pLastPasswordChangeDateTime, "lastPasswordChangeDateTime", gActivity, tDateTime, "")
	set(pPasswordPolicies, "passwordPolicies", gProfile, tString, "eq=A null=A")
	set(pPasswordProfile, "passwordProfile", 0, tNone, "")
	set(pSecurityIdentifier, "securityIdentifier", gCore, tString, "eq=D in=D")
	set(pSignInSessionsValidFromDateTime, "signInSessionsValidFromDateTime", gActivity, tDateTime, "")
	set(pIdentities, "identities", gCore, tCollection, "")
	set(pAssignedLicenses, "assignedLicenses", gActivity, tCollection, "")
	set(pAssignedPlans, "assignedPlans", gActivity|gProfile, tCollection, "")
	set(pProvisionedPlans, "provisionedPlans", gActivity, tNone, "")
	set(pLicenseAssignmentStates, "licenseAssignmentStates", gActivity, tNone, "")
	set(pAuthorizationInfo, "authorizationInfo", gActivity, tNone, "")
	set(pCustomSecurityAttributes, "customSecurityAttributes", 0, tNone, "")
	set(pServiceProvisioningErrors, "serviceProvisioningErrors", 0, tNone, "")
	set(pSignInActivity, "signInActivity", gActivity, tComplex, "")
	for p, name := range map[prop]string{
		pAboutMe: "aboutMe", pBirthday: "birthday", pHireDate: "hireDate", pInterests: "interests",
		pMySite: "mySite", pPastProjects: "pastProjects", pPreferredName: "preferredName",
		pResponsibilities: "responsibilities", pSchools: "schools", pSkills: "skills",
		pMailboxSettings: "mailboxSettings",
	} {
		t[p] = propInfo{name: name, typ: tNone, singleUser: true}
	}
	return t
}()

// subProp is a property of a complex value or of a collection element that
// $filter can reach (signInActivity/lastSignInDateTime, identities/any(c:c/issuer ...)).
type subProp struct {
	parent prop
	name   string
	typ    valueType
	filter support
}

var subProps = func() []subProp {
	s := []subProp{
		{pSignInActivity, "lastSignInDateTime", tDateTime, parseSupport("eq=D gele=D")},
		{pSignInActivity, "lastNonInteractiveSignInDateTime", tDateTime, parseSupport("eq=D gele=D")},
		{pSignInActivity, "lastSuccessfulSignInDateTime", tDateTime, parseSupport("eq=D gele=D")},
		{pEmployeeOrgData, "division", tString, parseSupport("eq=A in=A gele=A")},
		{pEmployeeOrgData, "costCenter", tString, parseSupport("eq=A in=A gele=A")},
		{pIdentities, "issuer", tString, parseSupport("eq=D")},
		{pIdentities, "issuerAssignedId", tString, parseSupport("eq=D")},
		{pIdentities, "signInType", tString, parseSupport("eq=D")},
		{pAssignedLicenses, "skuId", tGUID, parseSupport("eq=D")},
		{pAssignedPlans, "servicePlanId", tGUID, parseSupport("eq=D")},
		{pAssignedPlans, "capabilityStatus", tString, parseSupport("eq=D")},
	}
	for i := range 15 {
		s = append(s, subProp{pOnPremisesExtensionAttributes, extensionAttributeName(i), tString, parseSupport("eq=A in=A gele=A")})
	}
	return s
}()

func extensionAttributeName(i int) string {
	return "extensionAttribute" + itoa(i+1)
}

// lookupProp finds a property by name, case-insensitively as Graph does.
func lookupProp(name string) (prop, bool) {
	for p := range numProps {
		if strings.EqualFold(props[p].name, name) {
			return p, true
		}
	}
	return 0, false
}

func lookupSubProp(parent prop, name string) (int, bool) {
	for i, s := range subProps {
		if s.parent == parent && strings.EqualFold(s.name, name) {
			return i, true
		}
	}
	return 0, false
}

// defaultSelect is what GET /users returns without $select, in Graph's order.
var defaultSelect = []prop{
	pBusinessPhones, pDisplayName, pGivenName, pJobTitle, pMail, pMobilePhone,
	pOfficeLocation, pPreferredLanguage, pSurname, pUserPrincipalName, pID,
}

// Property names the HTTP layer needs for permission checks.
const (
	// PropSignInActivity needs AuditLog.Read.All in addition to User.Read.All.
	PropSignInActivity = "signInActivity"
)

// SingleUserOnlyProperties are the properties Graph returns only when reading
// one user; selecting them on a list answers 501 NotImplemented.
func SingleUserOnlyProperties() []string {
	var out []string
	for p := range numProps {
		if props[p].singleUser {
			out = append(out, props[p].name)
		}
	}
	return out
}

// ListProperties are the property names a list can $select, in schema order.
func ListProperties() []string {
	var out []string
	for p := range numProps {
		if !props[p].singleUser {
			out = append(out, props[p].name)
		}
	}
	return out
}

// SelectsProperty reports whether the query reads the named property: names
// it in $select, or, for signInActivity, filters on it (Graph checks the
// audit-log permission either way). Option and property names are matched
// case-insensitively, "$select" and "select" alike.
func SelectsProperty(q url.Values, name string) bool {
	for k, vs := range q {
		opt := strings.ToLower(strings.TrimPrefix(k, "$"))
		for _, v := range vs {
			switch opt {
			case "select":
				for f := range strings.SplitSeq(v, ",") {
					if strings.EqualFold(strings.TrimSpace(f), name) {
						return true
					}
				}
			case "filter":
				if strings.Contains(strings.ToLower(v), strings.ToLower(name)) {
					return true
				}
			}
		}
	}
	return false
}
