package export

import "github.com/aad-export/terraform-provider-aad/internal/directory"

// Columns of Graph's authentication-method registration report
// (/reports/authenticationMethods/userRegistrationDetails, v1.0), one row
// per user, listed in pages and joined to the users by object id: who is
// registered for MFA, at the speed of a listing rather than one call per
// user. The report needs AuditLog.Read.All and a P1 or P2 licence; its
// defaultMfaMethod exists only in the beta API, so it is no column here.
// The change log does not follow the report.

func registrationColumns() []column {
	return []column{
		registrationBool("isAdmin", func(r *directory.RegistrationDetails) *bool { return r.IsAdmin }),
		registrationBool("isMfaRegistered", func(r *directory.RegistrationDetails) *bool { return r.IsMfaRegistered }),
		registrationBool("isMfaCapable", func(r *directory.RegistrationDetails) *bool { return r.IsMfaCapable }),
		registrationBool("isPasswordlessCapable", func(r *directory.RegistrationDetails) *bool { return r.IsPasswordlessCapable }),
		registrationBool("isSsprRegistered", func(r *directory.RegistrationDetails) *bool { return r.IsSsprRegistered }),
		registrationBool("isSsprEnabled", func(r *directory.RegistrationDetails) *bool { return r.IsSsprEnabled }),
		registrationBool("isSsprCapable", func(r *directory.RegistrationDetails) *bool { return r.IsSsprCapable }),
		registrationBool("isSystemPreferredAuthenticationMethodEnabled", func(r *directory.RegistrationDetails) *bool {
			return r.IsSystemPreferredAuthenticationMethodEnabled
		}),
		registrationList("methodsRegistered", func(r *directory.RegistrationDetails) []string { return r.MethodsRegistered }),
		registrationList("systemPreferredAuthenticationMethods", func(r *directory.RegistrationDetails) []string {
			return r.SystemPreferredAuthenticationMethods
		}),
		registrationText("userPreferredMethodForSecondaryAuthentication", func(r *directory.RegistrationDetails) string {
			return r.UserPreferredMethodForSecondaryAuthentication
		}),
		// Named apart from the users' own date-times.
		registrationText("registrationLastUpdatedDateTime", func(r *directory.RegistrationDetails) string { return r.LastUpdatedDateTime }),
	}
}

func registration(c column) column {
	c.source, c.permission, c.licence, c.untracked = fromRegistration, PermAuditLog, LicenceP1, true
	return c
}

func registrationText(name string, f func(r *directory.RegistrationDetails) string) column {
	return registration(column{name: name, text: func(u *directory.User) string {
		if u.Registration == nil {
			return ""
		}
		return f(u.Registration)
	}})
}

func registrationBool(name string, f func(r *directory.RegistrationDetails) *bool) column {
	return registrationText(name, func(r *directory.RegistrationDetails) string { return boolText(f(r)) })
}

func registrationList(name string, f func(r *directory.RegistrationDetails) []string) column {
	return registration(column{name: name, appendTo: func(dst []byte, u *directory.User) []byte {
		if u.Registration == nil {
			return dst
		}
		return appendJoined(dst, f(u.Registration))
	}})
}
