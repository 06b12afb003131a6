package directory

import "encoding/json"

// User is one user as GET /v1.0/users returns it with $select. Only the
// selected properties are filled in; a property Graph returned as null, or did
// not return, is the zero value (empty string, nil pointer or nil slice), which
// the export writes as an empty cell.
//
// The field set is every property of the v1.0 user resource that the list
// endpoint can return. Single-user-only properties (aboutMe, birthday, ...) and
// navigation properties are deliberately absent: Graph rejects them on a list.
//
// Complex values are kept as the raw JSON Graph sent, because the export writes
// them verbatim and nothing here needs to look inside them.
type User struct {
	ID                string `json:"id"`
	UserPrincipalName string `json:"userPrincipalName"`

	// Scalar strings, date-times included (Graph sends ISO 8601 text).
	AgeGroup                        string `json:"ageGroup"`
	City                            string `json:"city"`
	CompanyName                     string `json:"companyName"`
	ConsentProvidedForMinor         string `json:"consentProvidedForMinor"`
	Country                         string `json:"country"`
	CreatedDateTime                 string `json:"createdDateTime"`
	CreationType                    string `json:"creationType"`
	DeletedDateTime                 string `json:"deletedDateTime"`
	Department                      string `json:"department"`
	DisplayName                     string `json:"displayName"`
	EmployeeHireDate                string `json:"employeeHireDate"`
	EmployeeID                      string `json:"employeeId"`
	EmployeeLeaveDateTime           string `json:"employeeLeaveDateTime"`
	EmployeeType                    string `json:"employeeType"`
	ExternalUserState               string `json:"externalUserState"`
	ExternalUserStateChangeDateTime string `json:"externalUserStateChangeDateTime"`
	FaxNumber                       string `json:"faxNumber"`
	GivenName                       string `json:"givenName"`
	JobTitle                        string `json:"jobTitle"`
	LastPasswordChangeDateTime      string `json:"lastPasswordChangeDateTime"`
	LegalAgeGroupClassification     string `json:"legalAgeGroupClassification"`
	Mail                            string `json:"mail"`
	MailNickname                    string `json:"mailNickname"`
	MobilePhone                     string `json:"mobilePhone"`
	OfficeLocation                  string `json:"officeLocation"`
	OnPremisesDistinguishedName     string `json:"onPremisesDistinguishedName"`
	OnPremisesDomainName            string `json:"onPremisesDomainName"`
	OnPremisesImmutableID           string `json:"onPremisesImmutableId"`
	OnPremisesLastSyncDateTime      string `json:"onPremisesLastSyncDateTime"`
	OnPremisesSamAccountName        string `json:"onPremisesSamAccountName"`
	OnPremisesSecurityIdentifier    string `json:"onPremisesSecurityIdentifier"`
	OnPremisesUserPrincipalName     string `json:"onPremisesUserPrincipalName"`
	PasswordPolicies                string `json:"passwordPolicies"`
	PostalCode                      string `json:"postalCode"`
	PreferredDataLocation           string `json:"preferredDataLocation"`
	PreferredLanguage               string `json:"preferredLanguage"`
	SecurityIdentifier              string `json:"securityIdentifier"`
	SignInSessionsValidFromDateTime string `json:"signInSessionsValidFromDateTime"`
	State                           string `json:"state"`
	StreetAddress                   string `json:"streetAddress"`
	Surname                         string `json:"surname"`
	UsageLocation                   string `json:"usageLocation"`
	UserType                        string `json:"userType"`

	// Booleans: nil when Graph returned null.
	AccountEnabled         *bool `json:"accountEnabled"`
	IsManagementRestricted *bool `json:"isManagementRestricted"`
	IsResourceAccount      *bool `json:"isResourceAccount"`
	OnPremisesSyncEnabled  *bool `json:"onPremisesSyncEnabled"`
	ShowInAddressList      *bool `json:"showInAddressList"`

	// String collections.
	BusinessPhones []string `json:"businessPhones"`
	IMAddresses    []string `json:"imAddresses"`
	OtherMails     []string `json:"otherMails"`
	ProxyAddresses []string `json:"proxyAddresses"`

	// Complex values, verbatim.
	AssignedLicenses              json.RawMessage `json:"assignedLicenses"`
	AssignedPlans                 json.RawMessage `json:"assignedPlans"`
	AuthorizationInfo             json.RawMessage `json:"authorizationInfo"`
	CustomSecurityAttributes      json.RawMessage `json:"customSecurityAttributes"`
	EmployeeOrgData               json.RawMessage `json:"employeeOrgData"`
	Identities                    json.RawMessage `json:"identities"`
	LicenseAssignmentStates       json.RawMessage `json:"licenseAssignmentStates"`
	OnPremisesExtensionAttributes json.RawMessage `json:"onPremisesExtensionAttributes"`
	OnPremisesProvisioningErrors  json.RawMessage `json:"onPremisesProvisioningErrors"`
	PasswordProfile               json.RawMessage `json:"passwordProfile"`
	ProvisionedPlans              json.RawMessage `json:"provisionedPlans"`
	ServiceProvisioningErrors     json.RawMessage `json:"serviceProvisioningErrors"`
	SignInActivity                json.RawMessage `json:"signInActivity"`

	// Extensions holds the directory extension attributes the query
	// selected (extension_<appId>_<name>), as Graph sent them; absent ones
	// are not in the map.
	Extensions map[string]json.RawMessage `json:"-"`

	// Auth holds the user's authentication methods when the query asked for
	// them (Query.AuthMethods); it comes from a separate Graph call per user.
	Auth *AuthMethods `json:"-"`

	// Registration holds the user's row of Graph's authentication-method
	// registration report when the query asked for it (Query.Registration);
	// nil when the report has no row for the user (created since).
	Registration *RegistrationDetails `json:"-"`
}

// RegistrationDetails is a user's row of GET
// /reports/authenticationMethods/userRegistrationDetails (v1.0), as Graph
// sends it: booleans nil when null, date-times as text.
type RegistrationDetails struct {
	IsAdmin                                       *bool    `json:"isAdmin"`
	IsMfaRegistered                               *bool    `json:"isMfaRegistered"`
	IsMfaCapable                                  *bool    `json:"isMfaCapable"`
	IsPasswordlessCapable                         *bool    `json:"isPasswordlessCapable"`
	IsSsprRegistered                              *bool    `json:"isSsprRegistered"`
	IsSsprEnabled                                 *bool    `json:"isSsprEnabled"`
	IsSsprCapable                                 *bool    `json:"isSsprCapable"`
	IsSystemPreferredAuthenticationMethodEnabled  *bool    `json:"isSystemPreferredAuthenticationMethodEnabled"`
	MethodsRegistered                             []string `json:"methodsRegistered"`
	SystemPreferredAuthenticationMethods          []string `json:"systemPreferredAuthenticationMethods"`
	UserPreferredMethodForSecondaryAuthentication string   `json:"userPreferredMethodForSecondaryAuthentication"`
	LastUpdatedDateTime                           string   `json:"lastUpdatedDateTime"`
}

// AuthMethods are the authentication methods of one user that the portal's
// columns show, as /users/{id}/authentication/methods reports them. Empty
// means "not registered". An "office" phone method has no column, so it is
// not kept.
type AuthMethods struct {
	MobilePhone          string // phoneAuthenticationMethod with phoneType "mobile"
	AlternateMobilePhone string // phoneType "alternateMobile"
	Email                string // emailAuthenticationMethod emailAddress
}
