package tenant

// User is one directory user: every property the v1.0 GET /users list can
// return, plus the user's authentication methods. An empty string is a null
// scalar, a nil pointer a null boolean or complex value, a nil slice an empty
// collection.
//
// Some read-only properties are not stored but follow from others, as they do
// in Entra ID: licenseAssignmentStates, assignedPlans and provisionedPlans
// follow from AssignedLicenses; passwordProfile and customSecurityAttributes
// always read as null (Graph never returns passwords, and custom attributes
// need a permission apps exporting users do not hold); the provisioning error
// collections are always empty in a synthetic tenant.
type User struct {
	ID                string
	UserPrincipalName string

	DisplayName string
	GivenName   string
	Surname     string
	Mail        string
	JobTitle    string
	Department  string
	UserType    string // "Member" or "Guest"

	AccountEnabled *bool

	UsageLocation  string
	StreetAddress  string
	State          string
	Country        string
	OfficeLocation string
	City           string
	PostalCode     string
	BusinessPhones []string
	MobilePhone    string
	FaxNumber      string
	OtherMails     []string
	ProxyAddresses []string
	IMAddresses    []string

	AgeGroup                    string // "", Minor, NotAdult, Adult
	ConsentProvidedForMinor     string // "", Granted, Denied, NotRequired
	LegalAgeGroupClassification string

	CompanyName           string
	EmployeeID            string
	EmployeeType          string
	EmployeeHireDate      string
	EmployeeLeaveDateTime string
	EmployeeOrgData       *EmployeeOrgData

	CreatedDateTime string
	CreationType    string
	DeletedDateTime string
	MailNickname    string

	OnPremisesSyncEnabled         *bool
	OnPremisesImmutableID         string
	OnPremisesSamAccountName      string
	OnPremisesUserPrincipalName   string
	OnPremisesDomainName          string
	OnPremisesDistinguishedName   string
	OnPremisesSecurityIdentifier  string
	OnPremisesLastSyncDateTime    string
	OnPremisesExtensionAttributes ExtensionAttributes

	PreferredLanguage      string
	PreferredDataLocation  string
	ShowInAddressList      *bool
	IsResourceAccount      *bool
	IsManagementRestricted *bool

	ExternalUserState               string // "", PendingAcceptance, Accepted
	ExternalUserStateChangeDateTime string

	LastPasswordChangeDateTime      string
	PasswordPolicies                string
	SecurityIdentifier              string
	SignInSessionsValidFromDateTime string

	Identities         []ObjectIdentity
	AssignedLicenses   []AssignedLicense
	CertificateUserIDs []string // authorizationInfo.certificateUserIds
	SignInActivity     *SignInActivity

	// Authentication methods (served by /users/{id}/authentication/...).
	Phones []PhoneMethod // at most one per Type
	Email  string        // email authentication method address, "" = none

	// Extensions are directory extension values by extension name
	// (extension_<app id without dashes>_<name>): a string, an int, a bool
	// or a []string, as the extension's type says. The standard extensions
	// (ExtensionCostCentre, ...) are registered in every tenant; New
	// registers the others its users carry. nil, "" and empty collections
	// are unset values.
	Extensions map[string]any

	// Registration is the user's row of the authentication-methods
	// registration report; nil derives it from the user (see
	// Registration).
	Registration *Registration
}

// PhoneMethod is a phone authentication method. Type is "mobile",
// "alternateMobile" or "office"; Number is "+CC NNNN[xEXT]".
type PhoneMethod struct{ Type, Number string }

// Phone types, as Graph spells them.
const (
	PhoneMobile          = "mobile"
	PhoneAlternateMobile = "alternateMobile"
	PhoneOffice          = "office"
)

// ExtensionAttributes are onPremisesExtensionAttributes extensionAttribute1..15
// (index 0 is extensionAttribute1).
type ExtensionAttributes [15]string

// ObjectIdentity is one entry of the identities collection.
type ObjectIdentity struct {
	SignInType       string
	Issuer           string
	IssuerAssignedID string
}

// AssignedLicense is one entry of assignedLicenses.
type AssignedLicense struct {
	SKUID         string
	DisabledPlans []string
}

// EmployeeOrgData is the employeeOrgData complex value.
type EmployeeOrgData struct {
	Division   string
	CostCenter string
}

// SignInActivity is the signInActivity complex value (needs AuditLog.Read.All).
type SignInActivity struct {
	LastSignInDateTime                string
	LastSignInRequestID               string
	LastNonInteractiveSignInDateTime  string
	LastNonInteractiveSignInRequestID string
	LastSuccessfulSignInDateTime      string
	LastSuccessfulSignInRequestID     string
}

// clone returns a deep copy, so callers can never alias the tenant's state.
func (u User) clone() User {
	c := u
	c.BusinessPhones = cloneStrings(u.BusinessPhones)
	c.OtherMails = cloneStrings(u.OtherMails)
	c.ProxyAddresses = cloneStrings(u.ProxyAddresses)
	c.IMAddresses = cloneStrings(u.IMAddresses)
	c.CertificateUserIDs = cloneStrings(u.CertificateUserIDs)
	c.AccountEnabled = cloneBool(u.AccountEnabled)
	c.OnPremisesSyncEnabled = cloneBool(u.OnPremisesSyncEnabled)
	c.ShowInAddressList = cloneBool(u.ShowInAddressList)
	c.IsResourceAccount = cloneBool(u.IsResourceAccount)
	c.IsManagementRestricted = cloneBool(u.IsManagementRestricted)
	if u.EmployeeOrgData != nil {
		d := *u.EmployeeOrgData
		c.EmployeeOrgData = &d
	}
	if u.SignInActivity != nil {
		s := *u.SignInActivity
		c.SignInActivity = &s
	}
	if u.Identities != nil {
		c.Identities = append([]ObjectIdentity(nil), u.Identities...)
	}
	if u.AssignedLicenses != nil {
		c.AssignedLicenses = make([]AssignedLicense, len(u.AssignedLicenses))
		for i, l := range u.AssignedLicenses {
			c.AssignedLicenses[i] = AssignedLicense{SKUID: l.SKUID, DisabledPlans: cloneStrings(l.DisabledPlans)}
		}
	}
	if u.Phones != nil {
		c.Phones = append([]PhoneMethod(nil), u.Phones...)
	}
	c.Extensions = cloneExtensions(u.Extensions)
	if u.Registration != nil {
		r := u.Registration.clone()
		c.Registration = &r
	}
	return c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

func cloneBool(b *bool) *bool {
	if b == nil {
		return nil
	}
	v := *b
	return &v
}
