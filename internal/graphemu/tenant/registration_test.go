package tenant

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Every row agrees with the user's authentication methods and with itself:
// phone and email methods are registered methods, capability needs
// registration, guests are neither admins nor enabled for self-service
// password reset, the preferred methods are among the registered ones.
func TestRegistrationConsistency(t *testing.T) {
	t.Parallel()
	tn := generated(t, 3000, 0)
	for u := range tn.Users() {
		r := RegistrationOf(&u)
		has := func(m string) bool { return slices.Contains(r.MethodsRegistered, m) }
		for _, ph := range []struct{ typ, method string }{
			{PhoneMobile, regMobilePhone}, {PhoneAlternateMobile, regAlternateMobilePhone}, {PhoneOffice, regOfficePhone},
		} {
			if slices.ContainsFunc(u.Phones, func(p PhoneMethod) bool { return p.Type == ph.typ }) != has(ph.method) {
				t.Fatalf("%s: phones %v, methods %v", u.ID, u.Phones, r.MethodsRegistered)
			}
		}
		guest := u.UserType == "Guest"
		strong := len(u.Phones) > 0 || has(regAuthenticatorPush) || has(regFido2) || has(regHello) || has(regPasskey)
		switch {
		case (u.Email != "") != has(regEmail):
			t.Fatalf("%s: email %q, methods %v", u.ID, u.Email, r.MethodsRegistered)
		case r.IsMfaRegistered != strong, r.IsMfaCapable && !r.IsMfaRegistered, r.IsSsprCapable && (!r.IsSsprRegistered || !r.IsSsprEnabled):
			t.Fatalf("%s: inconsistent row %+v", u.ID, r)
		case guest && (r.IsAdmin || r.IsSsprEnabled):
			t.Fatalf("guest %s: %+v", u.ID, r)
		case !r.IsMfaRegistered && (r.UserPreferredMethod != "none" || len(r.SystemPreferredMethods) > 0),
			len(r.SystemPreferredMethods) > 1:
			t.Fatalf("%s: preferred methods of %+v", u.ID, r)
		}
		updated, err := time.Parse(time.RFC3339Nano, r.LastUpdatedDateTime)
		created, _ := time.Parse(time.RFC3339, u.CreatedDateTime)
		if err != nil || updated.Before(created) || len(r.LastUpdatedDateTime) != len("2024-05-01T10:11:12.1234567Z") {
			t.Fatalf("%s: lastUpdatedDateTime %q (created %s): %v", u.ID, r.LastUpdatedDateTime, u.CreatedDateTime, err)
		}
	}
}

// The shares of a generated tenant, as the report's consumers would chart
// them. MFA registration is high because most generated users have a phone
// method, which counts as one.
func TestRegistrationShares(t *testing.T) {
	t.Parallel()
	tn := generated(t, 5000, 0)
	var n, mfa, admin, passwordless, sspr float64
	for u := range tn.Users() {
		r := RegistrationOf(&u)
		n++
		mfa += b2f(r.IsMfaRegistered)
		admin += b2f(r.IsAdmin)
		passwordless += b2f(r.IsPasswordlessCapable)
		sspr += b2f(r.IsSsprCapable)
	}
	for _, s := range []struct {
		name     string
		share    float64
		low, max float64
	}{{"MFA registered", mfa / n, 0.9, 0.97}, {"admins", admin / n, 0.005, 0.04}, {"passwordless", passwordless / n, 0.1, 0.35}, {"SSPR capable", sspr / n, 0.55, 0.85}} {
		if s.share < s.low || s.share > s.max {
			t.Errorf("%s: %.3f of users, want %.2f..%.2f", s.name, s.share, s.low, s.max)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// A row follows its user: the same after a rename, without the methods the
// user no longer has; an explicit row wins.
func TestRegistrationFollowsUser(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	u, _ := tn.Lookup(guid(1))
	before := RegistrationOf(&u)
	mustDo(t, tn.Update(guid(1), func(u *User) { u.UserPrincipalName = "renamed@contoso.onmicrosoft.com" }))
	u, _ = tn.Lookup(guid(1))
	if after := RegistrationOf(&u); !slices.Equal(after.MethodsRegistered, before.MethodsRegistered) || after.LastUpdatedDateTime != before.LastUpdatedDateTime {
		t.Errorf("a rename changed the row: %+v -> %+v", before, after)
	}
	mustDo(t, tn.Update(guid(1), func(u *User) { u.Phones, u.Email = nil, "" }))
	u, _ = tn.Lookup(guid(1))
	if r := RegistrationOf(&u); slices.ContainsFunc(r.MethodsRegistered, func(m string) bool { return strings.HasSuffix(m, "Phone") || m == regEmail }) {
		t.Errorf("methods without phones and email: %v", r.MethodsRegistered)
	}
	explicit := Registration{IsAdmin: true, MethodsRegistered: []string{regFido2}, UserPreferredMethod: "none"}
	mustDo(t, tn.Update(guid(1), func(u *User) { u.Registration = &explicit }))
	explicit.MethodsRegistered[0] = "changed by the caller"
	u, _ = tn.Lookup(guid(1))
	if r := RegistrationOf(&u); !r.IsAdmin || !slices.Equal(r.MethodsRegistered, []string{regFido2}) {
		t.Errorf("explicit row %+v", r)
	}
}
