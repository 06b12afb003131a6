package export

import (
	"encoding/json"
	"slices"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// column is one CSV column and every fact about it: its header name, where
// its cell comes from (a property of the user list, the
// authentication-methods API, or the registration report), how a user
// becomes its cell, and what reading it takes (a permission, a licence, a
// smaller page) or leaves out (the change log does not follow it). The
// export's request, validation, diagnostics and documentation all read
// these facts from here. Exactly one of text and appendTo is set: text for
// cells that are a value Graph sent as is (no copy), appendTo for cells
// assembled from parts.
type column struct {
	name     string
	property string // the user property to $select ("" when source is not the list)
	source   source
	text     func(u *directory.User) string
	appendTo func(dst []byte, u *directory.User) []byte

	permission string // the application permission it needs beyond User.Read.All
	licence    string // the licence the tenant needs for it
	pageSize   int    // the page size Graph allows when it is selected (0 = 999)
	untracked  bool   // the directory's change log does not follow it
}

// source says where a column's cell comes from.
type source int

const (
	fromList         source = iota // GET /users, $select
	fromAuthMethods                // GET /users/{id}/authentication/methods, one call per user
	fromRegistration               // GET /reports/authenticationMethods/userRegistrationDetails
)

// Permissions and licences columns need, as Graph and Entra name them.
const (
	PermAuthMethods = "UserAuthenticationMethod.Read.All"
	PermAuditLog    = "AuditLog.Read.All"
	LicenceP1       = "Microsoft Entra ID P1 or P2"
)

// needsAuthMethods reports whether the cell comes from the authentication
// methods API rather than from the user list.
func (c *column) needsAuthMethods() bool { return c.source == fromAuthMethods }

// signInPageSize is Graph's page size when signInActivity is selected.
const signInPageSize = 120

// catalogue is the one place that knows the columns. It is built when
// needed (a few microseconds, never per user) rather than kept in a package
// variable, so that nothing can change it behind a running export.
type catalogue struct {
	byName   map[string]*column
	defaults []string // the portal's columns, in its order
	names    []string // every valid name, sorted (extension attributes aside)
}

func newCatalogue() *catalogue {
	portal := portalColumns()
	all := slices.Concat(portal, graphColumns(), nestedColumns(), registrationColumns())
	c := &catalogue{byName: make(map[string]*column, len(all))}
	for i := range all {
		col := &all[i]
		if _, dup := c.byName[col.name]; dup {
			panic("export: column " + col.name + " defined twice")
		}
		c.byName[col.name] = col
		c.names = append(c.names, col.name)
	}
	// The portal's columns come first in all, so their names head c.names
	// until it is sorted.
	c.defaults = slices.Clone(c.names[:len(portal)])
	slices.Sort(c.names)
	return c
}

// column finds a column by name: one of the catalogue's, or a directory
// extension attribute, which any application may define.
func (c *catalogue) column(name string) (*column, bool) {
	if col, ok := c.byName[name]; ok {
		return col, true
	}
	if isExtensionName(name) {
		col := extensionColumn(name)
		return &col, true
	}
	return nil, false
}

// lookup resolves validated names to their columns.
func (c *catalogue) lookup(names []string) []*column {
	cols := make([]*column, len(names))
	for i, n := range names {
		cols[i], _ = c.column(n)
	}
	return cols
}

func textColumn(name, property string, f func(u *directory.User) string) column {
	return column{name: name, property: property, text: f}
}

func boolColumn(name string, f func(u *directory.User) *bool) column {
	return column{name: name, property: name, text: func(u *directory.User) string { return boolText(f(u)) }}
}

func joinedColumn(name, property string, f func(u *directory.User) []string) column {
	return column{name: name, property: property, appendTo: func(dst []byte, u *directory.User) []byte {
		return appendJoined(dst, f(u))
	}}
}

func jsonColumn(name string, f func(u *directory.User) json.RawMessage) column {
	return column{name: name, property: name, appendTo: func(dst []byte, u *directory.User) []byte {
		return appendCompactJSON(dst, f(u))
	}}
}

func authColumn(name string, f func(a *directory.AuthMethods) string) column {
	c := textColumn(name, "", func(u *directory.User) string {
		if u.Auth == nil {
			return ""
		}
		return f(u.Auth)
	})
	c.source, c.permission, c.untracked = fromAuthMethods, PermAuthMethods, true
	return c
}

// portalColumns are the 26 columns of the portal's "Download users", in its
// order, with their Graph sources.
func portalColumns() []column {
	return []column{
		textColumn("userPrincipalName", "userPrincipalName", func(u *directory.User) string { return u.UserPrincipalName }),
		textColumn("displayName", "displayName", func(u *directory.User) string { return u.DisplayName }),
		textColumn("surname", "surname", func(u *directory.User) string { return u.Surname }),
		textColumn("mail", "mail", func(u *directory.User) string { return u.Mail }),
		textColumn("givenName", "givenName", func(u *directory.User) string { return u.GivenName }),
		textColumn("objectId", "id", func(u *directory.User) string { return u.ID }),
		textColumn("userType", "userType", func(u *directory.User) string { return u.UserType }),
		textColumn("jobTitle", "jobTitle", func(u *directory.User) string { return u.JobTitle }),
		textColumn("department", "department", func(u *directory.User) string { return u.Department }),
		boolColumn("accountEnabled", func(u *directory.User) *bool { return u.AccountEnabled }),
		textColumn("usageLocation", "usageLocation", func(u *directory.User) string { return u.UsageLocation }),
		textColumn("streetAddress", "streetAddress", func(u *directory.User) string { return u.StreetAddress }),
		textColumn("state", "state", func(u *directory.User) string { return u.State }),
		textColumn("country", "country", func(u *directory.User) string { return u.Country }),
		textColumn("physicalDeliveryOfficeName", "officeLocation", func(u *directory.User) string { return u.OfficeLocation }),
		textColumn("city", "city", func(u *directory.User) string { return u.City }),
		textColumn("postalCode", "postalCode", func(u *directory.User) string { return u.PostalCode }),
		textColumn("telephoneNumber", "businessPhones", func(u *directory.User) string { return first(u.BusinessPhones) }),
		textColumn("mobile", "mobilePhone", func(u *directory.User) string { return u.MobilePhone }),
		authColumn("authenticationPhoneNumber", func(a *directory.AuthMethods) string { return a.MobilePhone }),
		authColumn("authenticationAlternativePhoneNumber", func(a *directory.AuthMethods) string { return a.AlternateMobilePhone }),
		authColumn("authenticationEmail", func(a *directory.AuthMethods) string { return a.Email }),
		joinedColumn("alternateEmailAddress", "otherMails", func(u *directory.User) []string { return u.OtherMails }),
		textColumn("ageGroup", "ageGroup", func(u *directory.User) string { return u.AgeGroup }),
		textColumn("consentProvidedForMinor", "consentProvidedForMinor", func(u *directory.User) string { return u.ConsentProvidedForMinor }),
		textColumn("legalAgeGroupClassification", "legalAgeGroupClassification", func(u *directory.User) string { return u.LegalAgeGroupClassification }),
	}
}

// graphColumns are the user properties the portal does not name, or names
// differently, under their Graph names.
func graphColumns() []column {
	return append(graphTextColumns(), graphOtherColumns()...)
}

func graphText(name string, f func(u *directory.User) string) column {
	return textColumn(name, name, f)
}

func graphTextColumns() []column {
	return []column{
		graphText("id", func(u *directory.User) string { return u.ID }),
		graphText("companyName", func(u *directory.User) string { return u.CompanyName }),
		graphText("createdDateTime", func(u *directory.User) string { return u.CreatedDateTime }),
		graphText("creationType", func(u *directory.User) string { return u.CreationType }),
		graphText("deletedDateTime", func(u *directory.User) string { return u.DeletedDateTime }),
		graphText("employeeHireDate", func(u *directory.User) string { return u.EmployeeHireDate }),
		graphText("employeeId", func(u *directory.User) string { return u.EmployeeID }),
		graphText("employeeLeaveDateTime", func(u *directory.User) string { return u.EmployeeLeaveDateTime }),
		graphText("employeeType", func(u *directory.User) string { return u.EmployeeType }),
		graphText("externalUserState", func(u *directory.User) string { return u.ExternalUserState }),
		graphText("externalUserStateChangeDateTime", func(u *directory.User) string { return u.ExternalUserStateChangeDateTime }),
		graphText("faxNumber", func(u *directory.User) string { return u.FaxNumber }),
		graphText("lastPasswordChangeDateTime", func(u *directory.User) string { return u.LastPasswordChangeDateTime }),
		graphText("mailNickname", func(u *directory.User) string { return u.MailNickname }),
		graphText("mobilePhone", func(u *directory.User) string { return u.MobilePhone }),
		graphText("officeLocation", func(u *directory.User) string { return u.OfficeLocation }),
		graphText("onPremisesDistinguishedName", func(u *directory.User) string { return u.OnPremisesDistinguishedName }),
		graphText("onPremisesDomainName", func(u *directory.User) string { return u.OnPremisesDomainName }),
		graphText("onPremisesImmutableId", func(u *directory.User) string { return u.OnPremisesImmutableID }),
		graphText("onPremisesLastSyncDateTime", func(u *directory.User) string { return u.OnPremisesLastSyncDateTime }),
		graphText("onPremisesSamAccountName", func(u *directory.User) string { return u.OnPremisesSamAccountName }),
		graphText("onPremisesSecurityIdentifier", func(u *directory.User) string { return u.OnPremisesSecurityIdentifier }),
		graphText("onPremisesUserPrincipalName", func(u *directory.User) string { return u.OnPremisesUserPrincipalName }),
		graphText("passwordPolicies", func(u *directory.User) string { return u.PasswordPolicies }),
		graphText("preferredDataLocation", func(u *directory.User) string { return u.PreferredDataLocation }),
		graphText("preferredLanguage", func(u *directory.User) string { return u.PreferredLanguage }),
		graphText("securityIdentifier", func(u *directory.User) string { return u.SecurityIdentifier }),
		graphText("signInSessionsValidFromDateTime", func(u *directory.User) string { return u.SignInSessionsValidFromDateTime }),
	}
}

func graphOtherColumns() []column {
	return []column{
		boolColumn("isManagementRestricted", func(u *directory.User) *bool { return u.IsManagementRestricted }),
		boolColumn("isResourceAccount", func(u *directory.User) *bool { return u.IsResourceAccount }),
		boolColumn("onPremisesSyncEnabled", func(u *directory.User) *bool { return u.OnPremisesSyncEnabled }),
		boolColumn("showInAddressList", func(u *directory.User) *bool { return u.ShowInAddressList }),

		joinedColumn("businessPhones", "businessPhones", func(u *directory.User) []string { return u.BusinessPhones }),
		joinedColumn("imAddresses", "imAddresses", func(u *directory.User) []string { return u.IMAddresses }),
		joinedColumn("otherMails", "otherMails", func(u *directory.User) []string { return u.OtherMails }),
		joinedColumn("proxyAddresses", "proxyAddresses", func(u *directory.User) []string { return u.ProxyAddresses }),

		jsonColumn("assignedLicenses", func(u *directory.User) json.RawMessage { return u.AssignedLicenses }),
		jsonColumn("assignedPlans", func(u *directory.User) json.RawMessage { return u.AssignedPlans }),
		jsonColumn("authorizationInfo", func(u *directory.User) json.RawMessage { return u.AuthorizationInfo }),
		jsonColumn("customSecurityAttributes", func(u *directory.User) json.RawMessage { return u.CustomSecurityAttributes }),
		jsonColumn("employeeOrgData", func(u *directory.User) json.RawMessage { return u.EmployeeOrgData }),
		jsonColumn("identities", func(u *directory.User) json.RawMessage { return u.Identities }),
		jsonColumn("licenseAssignmentStates", func(u *directory.User) json.RawMessage { return u.LicenseAssignmentStates }),
		jsonColumn("onPremisesExtensionAttributes", func(u *directory.User) json.RawMessage { return u.OnPremisesExtensionAttributes }),
		jsonColumn("onPremisesProvisioningErrors", func(u *directory.User) json.RawMessage { return u.OnPremisesProvisioningErrors }),
		jsonColumn("passwordProfile", func(u *directory.User) json.RawMessage { return u.PasswordProfile }),
		jsonColumn("provisionedPlans", func(u *directory.User) json.RawMessage { return u.ProvisionedPlans }),
		jsonColumn("serviceProvisioningErrors", func(u *directory.User) json.RawMessage { return u.ServiceProvisioningErrors }),
		signIn(jsonColumn("signInActivity", func(u *directory.User) json.RawMessage { return u.SignInActivity })),
	}
}

// signIn marks a column read from signInActivity: Graph needs AuditLog.Read.All
// and a P1 or P2 licence for it, answers pages of 120, and the change log
// does not follow it (it changes at every sign-in).
func signIn(c column) column {
	c.permission, c.licence, c.pageSize, c.untracked = PermAuditLog, LicenceP1, signInPageSize, true
	return c
}
