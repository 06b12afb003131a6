package tenant

// appendUser appends one user as a JSON object with the given properties in
// the given order. prefix is spliced in first (e.g. an "@odata.type" member).
func appendUser(b []byte, u *User, sel []prop, prefix string) []byte {
	b = append(b, '{')
	b = append(b, prefix...)
	for i, p := range sel {
		if i > 0 || prefix != "" {
			b = append(b, ',')
		}
		b = appendKey(b, props[p].name)
		b = appendValue(b, u, p)
	}
	return append(b, '}')
}

func appendValue(b []byte, u *User, p prop) []byte {
	switch props[p].typ {
	case tString, tDateTime:
		return appendNullableString(b, stringProp(u, p))
	case tBool:
		return appendBoolPtr(b, boolProp(u, p))
	}
	switch p {
	case pBusinessPhones, pOtherMails, pProxyAddresses, pIMAddresses:
		return appendStrings(b, stringsProp(u, p))
	case pIdentities:
		return appendIdentities(b, u.Identities)
	case pAssignedLicenses:
		return appendLicenses(b, u.AssignedLicenses)
	case pAssignedPlans:
		return appendAssignedPlans(b, u)
	case pProvisionedPlans:
		return appendProvisionedPlans(b, u)
	case pLicenseAssignmentStates:
		return appendLicenseStates(b, u)
	case pAuthorizationInfo:
		b = append(b, `{"certificateUserIds":`...)
		return append(appendStrings(b, u.CertificateUserIDs), '}')
	case pEmployeeOrgData:
		if u.EmployeeOrgData == nil {
			return append(b, "null"...)
		}
		b = append(b, `{"division":`...)
		b = appendNullableString(b, u.EmployeeOrgData.Division)
		b = append(b, `,"costCenter":`...)
		b = appendNullableString(b, u.EmployeeOrgData.CostCenter)
		return append(b, '}')
	case pOnPremisesExtensionAttributes:
		b = append(b, '{')
		for i, v := range u.OnPremisesExtensionAttributes {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKey(b, extensionAttributeName(i))
			b = appendNullableString(b, v)
		}
		return append(b, '}')
	case pSignInActivity:
		return appendSignInActivity(b, u.SignInActivity)
	case pOnPremisesProvisioningErrors, pServiceProvisioningErrors,
		pInterests, pPastProjects, pResponsibilities, pSchools, pSkills:
		return append(b, "[]"...)
	}
	return append(b, "null"...)
}

func appendIdentities(b []byte, ids []ObjectIdentity) []byte {
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"signInType":`...)
		b = appendNullableString(b, id.SignInType)
		b = append(b, `,"issuer":`...)
		b = appendNullableString(b, id.Issuer)
		b = append(b, `,"issuerAssignedId":`...)
		b = appendNullableString(b, id.IssuerAssignedID)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendLicenses(b []byte, ls []AssignedLicense) []byte {
	b = append(b, '[')
	for i, l := range ls {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"disabledPlans":`...)
		b = appendStrings(b, l.DisabledPlans)
		b = append(b, `,"skuId":`...)
		b = appendNullableString(b, l.SKUID)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendAssignedPlans(b []byte, u *User) []byte {
	b = append(b, '[')
	for i, pl := range assignedPlans(u) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"assignedDateTime":`...)
		b = appendNullableString(b, u.CreatedDateTime)
		b = append(b, `,"capabilityStatus":`...)
		b = appendString(b, pl.status)
		b = append(b, `,"service":`...)
		b = appendString(b, pl.service)
		b = append(b, `,"servicePlanId":`...)
		b = appendString(b, pl.id)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendProvisionedPlans(b []byte, u *User) []byte {
	b = append(b, '[')
	for i, pl := range assignedPlans(u) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"capabilityStatus":`...)
		b = appendString(b, pl.status)
		b = append(b, `,"provisioningStatus":"Success","service":`...)
		b = appendString(b, pl.service)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendLicenseStates(b []byte, u *User) []byte {
	b = append(b, '[')
	for i, l := range u.AssignedLicenses {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"assignedByGroup":null,"disabledPlans":`...)
		b = appendStrings(b, l.DisabledPlans)
		b = append(b, `,"error":"None","lastUpdatedDateTime":`...)
		b = appendNullableString(b, u.CreatedDateTime)
		b = append(b, `,"skuId":`...)
		b = appendNullableString(b, l.SKUID)
		b = append(b, `,"state":"Active"}`...)
	}
	return append(b, ']')
}

func appendSignInActivity(b []byte, a *SignInActivity) []byte {
	if a == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"lastSignInDateTime":`...)
	b = appendNullableString(b, a.LastSignInDateTime)
	b = append(b, `,"lastSignInRequestId":`...)
	b = appendNullableString(b, a.LastSignInRequestID)
	b = append(b, `,"lastNonInteractiveSignInDateTime":`...)
	b = appendNullableString(b, a.LastNonInteractiveSignInDateTime)
	b = append(b, `,"lastNonInteractiveSignInRequestId":`...)
	b = appendNullableString(b, a.LastNonInteractiveSignInRequestID)
	b = append(b, `,"lastSuccessfulSignInDateTime":`...)
	b = appendNullableString(b, a.LastSuccessfulSignInDateTime)
	b = append(b, `,"lastSuccessfulSignInRequestId":`...)
	b = appendNullableString(b, a.LastSuccessfulSignInRequestID)
	return append(b, '}')
}
