package tenant

// Typed access to user properties by prop, for $filter, $search and the
// encoder. Switches, not reflection: these run once per user per page.

func stringProp(u *User, p prop) string {
	switch p {
	case pID:
		return u.ID
	case pUserPrincipalName:
		return u.UserPrincipalName
	case pDisplayName:
		return u.DisplayName
	case pGivenName:
		return u.GivenName
	case pSurname:
		return u.Surname
	case pMail:
		return u.Mail
	case pJobTitle:
		return u.JobTitle
	case pDepartment:
		return u.Department
	case pUserType:
		return u.UserType
	case pUsageLocation:
		return u.UsageLocation
	case pStreetAddress:
		return u.StreetAddress
	case pState:
		return u.State
	case pCountry:
		return u.Country
	case pOfficeLocation:
		return u.OfficeLocation
	case pCity:
		return u.City
	case pPostalCode:
		return u.PostalCode
	case pMobilePhone:
		return u.MobilePhone
	case pFaxNumber:
		return u.FaxNumber
	case pAgeGroup:
		return u.AgeGroup
	case pConsentProvidedForMinor:
		return u.ConsentProvidedForMinor
	case pLegalAgeGroupClassification:
		return u.LegalAgeGroupClassification
	case pCompanyName:
		return u.CompanyName
	case pEmployeeID:
		return u.EmployeeID
	case pEmployeeType:
		return u.EmployeeType
	case pEmployeeHireDate:
		return u.EmployeeHireDate
	case pEmployeeLeaveDateTime:
		return u.EmployeeLeaveDateTime
	case pCreatedDateTime:
		return u.CreatedDateTime
	case pCreationType:
		return u.CreationType
	case pDeletedDateTime:
		return u.DeletedDateTime
	case pMailNickname:
		return u.MailNickname
	case pOnPremisesImmutableID:
		return u.OnPremisesImmutableID
	case pOnPremisesSamAccountName:
		return u.OnPremisesSamAccountName
	case pOnPremisesUserPrincipalName:
		return u.OnPremisesUserPrincipalName
	case pOnPremisesDomainName:
		return u.OnPremisesDomainName
	case pOnPremisesDistinguishedName:
		return u.OnPremisesDistinguishedName
	case pOnPremisesSecurityIdentifier:
		return u.OnPremisesSecurityIdentifier
	case pOnPremisesLastSyncDateTime:
		return u.OnPremisesLastSyncDateTime
	case pPreferredLanguage:
		return u.PreferredLanguage
	case pPreferredDataLocation:
		return u.PreferredDataLocation
	case pExternalUserState:
		return u.ExternalUserState
	case pExternalUserStateChangeDateTime:
		return u.ExternalUserStateChangeDateTime
	case pLastPasswordChangeDateTime:
		return u.LastPasswordChangeDateTime
	case pPasswordPolicies:
		return u.PasswordPolicies
	case pSecurityIdentifier:
		return u.SecurityIdentifier
	case pSignInSessionsValidFromDateTime:
		return u.SignInSessionsValidFromDateTime
	}
	return ""
}

func boolProp(u *User, p prop) *bool {
	switch p {
	case pAccountEnabled:
		return u.AccountEnabled
	case pOnPremisesSyncEnabled:
		return u.OnPremisesSyncEnabled
	case pShowInAddressList:
		return u.ShowInAddressList
	case pIsResourceAccount:
		return u.IsResourceAccount
	case pIsManagementRestricted:
		return u.IsManagementRestricted
	}
	return nil
}

func stringsProp(u *User, p prop) []string {
	switch p {
	case pBusinessPhones:
		return u.BusinessPhones
	case pOtherMails:
		return u.OtherMails
	case pProxyAddresses:
		return u.ProxyAddresses
	case pIMAddresses:
		return u.IMAddresses
	}
	return nil
}

func collectionLen(u *User, p prop) int {
	switch p {
	case pIdentities:
		return len(u.Identities)
	case pAssignedLicenses:
		return len(u.AssignedLicenses)
	case pAssignedPlans:
		return len(assignedPlans(u))
	}
	return len(stringsProp(u, p))
}

// subGetter reads a sub-property of a single-valued complex property.
func subGetter(p prop, name string) func(*evalCtx, *lambdaEnv) (string, bool) {
	get := func(u *User) string {
		switch p {
		case pSignInActivity:
			if a := u.SignInActivity; a != nil {
				switch name {
				case "lastSignInDateTime":
					return a.LastSignInDateTime
				case "lastNonInteractiveSignInDateTime":
					return a.LastNonInteractiveSignInDateTime
				case "lastSuccessfulSignInDateTime":
					return a.LastSuccessfulSignInDateTime
				}
			}
		case pEmployeeOrgData:
			if d := u.EmployeeOrgData; d != nil {
				if name == "division" {
					return d.Division
				}
				return d.CostCenter
			}
		case pOnPremisesExtensionAttributes:
			for i := range 15 {
				if extensionAttributeName(i) == name {
					return u.OnPremisesExtensionAttributes[i]
				}
			}
		}
		return ""
	}
	return func(c *evalCtx, _ *lambdaEnv) (string, bool) { s := get(c.u); return s, s != "" }
}

// elementGetter reads a sub-property of the current lambda element.
func elementGetter(p prop, name string) func(*evalCtx, *lambdaEnv) (string, bool) {
	return func(_ *evalCtx, env *lambdaEnv) (string, bool) {
		var s string
		switch p {
		case pIdentities:
			switch name {
			case "issuer":
				s = env.ident.Issuer
			case "issuerAssignedId":
				s = env.ident.IssuerAssignedID
			default:
				s = env.ident.SignInType
			}
		case pAssignedLicenses:
			s = env.lic.SKUID
		case pAssignedPlans:
			if name == "servicePlanId" {
				s = env.plan.id
			} else {
				s = env.plan.status
			}
		}
		return s, s != ""
	}
}

// planState is one assignedPlans / provisionedPlans entry, which Entra
// derives from the assigned licenses.
type planState struct {
	id, service, status string
}

func assignedPlans(u *User) []planState {
	var out []planState
	for _, l := range u.AssignedLicenses {
		s := findSKU(l.SKUID)
		if s == nil {
			continue
		}
		for _, pl := range s.plans {
			status := "Enabled"
			for _, d := range l.DisabledPlans {
				if d == pl.id {
					status = "Deleted"
				}
			}
			out = append(out, planState{id: pl.id, service: pl.service, status: status})
		}
	}
	return out
}
