package tenant

// field is one selected property, ready to encode: its `"name":` key, its
// encoder, and (directory extensions) whether a user has no value, which
// leaves the property out.
type field struct {
	p      prop
	key    string
	enc    func([]byte, *User) []byte
	absent func(*User) bool
}

func (c *catalog) fields(sel []prop) []field {
	out := make([]field, len(sel))
	for i, p := range sel {
		out[i] = field{p: p, key: `"` + c.props[p].name + `":`, enc: c.props[p].enc, absent: c.props[p].absent}
	}
	return out
}

// appendUser appends one user as a JSON object with the given fields in the
// given order. prefix is spliced in first (e.g. an "@odata.type" member).
func appendUser(b []byte, u *User, fields []field, prefix string) []byte {
	b = append(b, '{')
	b = append(b, prefix...)
	first := prefix == ""
	for i := range fields {
		f := &fields[i]
		if f.absent != nil && f.absent(u) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, f.key...)
		b = f.enc(b, u)
	}
	return append(b, '}')
}

func appendIdentities(b []byte, ids []ObjectIdentity) []byte {
	b = append(b, '[')
	for i := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"signInType":`...)
		b = appendNullableString(b, ids[i].SignInType)
		b = append(b, `,"issuer":`...)
		b = appendNullableString(b, ids[i].Issuer)
		b = append(b, `,"issuerAssignedId":`...)
		b = appendNullableString(b, ids[i].IssuerAssignedID)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendLicenses(b []byte, ls []AssignedLicense) []byte {
	b = append(b, '[')
	for i := range ls {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"disabledPlans":`...)
		b = appendStrings(b, ls[i].DisabledPlans)
		b = append(b, `,"skuId":`...)
		b = appendNullableString(b, ls[i].SKUID)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendAssignedPlans(b []byte, u *User, skus []sku) []byte {
	b = append(b, '[')
	for i, pl := range assignedPlans(u, skus) {
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

func appendProvisionedPlans(b []byte, u *User, skus []sku) []byte {
	b = append(b, '[')
	for i, pl := range assignedPlans(u, skus) {
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
	for i := range u.AssignedLicenses {
		l := &u.AssignedLicenses[i]
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

func appendOrgData(b []byte, d *EmployeeOrgData) []byte {
	if d == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"division":`...)
	b = appendNullableString(b, d.Division)
	b = append(b, `,"costCenter":`...)
	b = appendNullableString(b, d.CostCenter)
	return append(b, '}')
}

func appendExtensionAttributes(b []byte, a *ExtensionAttributes) []byte {
	b = append(b, '{')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `"extensionAttribute`...)
		b = append(b, itoa(i+1)...)
		b = append(b, `":`...)
		b = appendNullableString(b, v)
	}
	return append(b, '}')
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

// planState is one assignedPlans / provisionedPlans entry, which Entra
// derives from the assigned licenses.
type planState struct {
	id, service, status string
}

func assignedPlans(u *User, skus []sku) []planState {
	var out []planState
	for _, l := range u.AssignedLicenses {
		s := findSKU(skus, l.SKUID)
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
