package tenant

import (
	"hash/fnv"
	"strings"
	"time"
)

// Registration is a user's row of the authentication-methods registration
// report (v1.0 userRegistrationDetails), without what comes from the user
// itself (id, userPrincipalName, userDisplayName, userType).
type Registration struct {
	IsAdmin               bool
	IsMfaRegistered       bool
	IsMfaCapable          bool
	IsPasswordlessCapable bool
	IsSsprRegistered      bool
	IsSsprEnabled         bool
	IsSsprCapable         bool
	// IsSystemPreferredEnabled is isSystemPreferredAuthenticationMethodEnabled.
	IsSystemPreferredEnabled bool
	MethodsRegistered        []string // mobilePhone, email, microsoftAuthenticatorPush, fido2, ...
	// SystemPreferredMethods is systemPreferredAuthenticationMethods: push,
	// oath, sms, voiceMobile, voiceAlternateMobile, voiceOffice, ...
	SystemPreferredMethods []string
	// UserPreferredMethod is userPreferredMethodForSecondaryAuthentication:
	// push, oath, sms, voiceMobile, voiceAlternateMobile, voiceOffice or none.
	UserPreferredMethod string
	LastUpdatedDateTime string // "2024-05-01T10:11:12.1234567Z"
}

func (r Registration) clone() Registration {
	r.MethodsRegistered = cloneStrings(r.MethodsRegistered)
	r.SystemPreferredMethods = cloneStrings(r.SystemPreferredMethods)
	return r
}

// Method names of methodsRegistered, in the order rows list them.
const (
	regMobilePhone          = "mobilePhone"
	regAlternateMobilePhone = "alternateMobilePhone"
	regOfficePhone          = "officePhone"
	regEmail                = "email"
	regAuthenticatorPush    = "microsoftAuthenticatorPush"
	regSoftwareOTP          = "softwareOneTimePasscode"
	regPasswordless         = "microsoftAuthenticatorPasswordless"
	regFido2                = "fido2"
	regHello                = "windowsHelloForBusiness"
	regPasskey              = "passKeyDeviceBound"
	regTAP                  = "temporaryAccessPass"
)

// RegistrationOf is the user's registration row: User.Registration when
// set, otherwise derived from the user. The derivation is consistent with
// the user's authentication methods (a mobile phone method is mobilePhone
// registered, an email method email, ...) and draws the methods the
// emulator does not serve (the Authenticator app, FIDO2 keys, Windows
// Hello, passkeys, temporary access passes) and the policy flags from a
// hash of the object id, so the row follows the user through renames and
// changes with its phone and email methods. Guests are never admins nor
// enabled for self-service password reset.
func RegistrationOf(u *User) Registration {
	if u.Registration != nil {
		return u.Registration.clone()
	}
	return deriveRegistration(u)
}

// regDraws are the random parts of a derived row, all drawn in one fixed
// order so that each stays put whatever the others are.
type regDraws struct {
	push, otp, passwordless, fido2, hello, passkey, tap bool
	mfaPolicy, ssprPolicy, admin, systemPreferred       bool
	voice                                               bool // prefers a call to a text on the mobile phone
	updated                                             uint64
}

func drawRegistration(u *User, guest bool) regDraws {
	h := fnv.New64a()
	_, _ = h.Write([]byte(strings.ToLower(u.ID))) // a hash.Hash never fails to write
	r := rng{s: h.Sum64()}
	member := func(p float64) bool { return r.chance(p) && !guest }
	pushShare := 0.55
	if guest {
		pushShare = 0.1 // a guest's Authenticator usually belongs to its home tenant
	}
	d := regDraws{
		push:            r.chance(pushShare),
		otp:             r.chance(0.3),
		passwordless:    r.chance(0.1),
		fido2:           member(0.04),
		hello:           member(0.12),
		passkey:         member(0.03),
		tap:             member(0.02),
		mfaPolicy:       r.chance(0.95),
		ssprPolicy:      member(0.8),
		admin:           member(0.02),
		systemPreferred: r.chance(0.9),
		voice:           r.chance(0.3),
		updated:         r.next(),
	}
	d.otp = d.otp && d.push // one-time codes and passwordless sign-in come with the Authenticator app
	d.passwordless = d.passwordless && d.push
	return d
}

// regMethods are a user's methods as the report sees them.
type regMethods struct {
	regDraws
	phone [3]bool // mobile, alternate mobile, office
	email bool
}

func methodsOf(u *User, d regDraws) regMethods {
	m := regMethods{regDraws: d, email: u.Email != ""}
	for _, p := range u.Phones {
		for k, po := range phoneOrder() {
			m.phone[k] = m.phone[k] || p.Type == po.typ
		}
	}
	return m
}

func (m *regMethods) anyPhone() bool { return m.phone[0] || m.phone[1] || m.phone[2] }

func (m *regMethods) passwordlessCapable() bool {
	return m.passwordless || m.fido2 || m.hello || m.passkey
}

func (m *regMethods) mfa() bool { return m.anyPhone() || m.push || m.passwordlessCapable() }

func (m *regMethods) sspr() bool { return m.anyPhone() || m.email || m.push }

// names are methodsRegistered, in the order rows list them.
func (m *regMethods) names() []string {
	var out []string
	for _, x := range []struct {
		on   bool
		name string
	}{
		{m.phone[0], regMobilePhone}, {m.phone[1], regAlternateMobilePhone}, {m.phone[2], regOfficePhone},
		{m.email, regEmail}, {m.push, regAuthenticatorPush}, {m.otp, regSoftwareOTP},
		{m.passwordless, regPasswordless}, {m.fido2, regFido2}, {m.hello, regHello},
		{m.passkey, regPasskey}, {m.tap, regTAP},
	} {
		if x.on {
			out = append(out, x.name)
		}
	}
	return out
}

func deriveRegistration(u *User) Registration {
	m := methodsOf(u, drawRegistration(u, strings.EqualFold(u.UserType, "Guest")))
	r := Registration{
		IsAdmin:                  m.admin,
		IsMfaRegistered:          m.mfa(),
		IsMfaCapable:             m.mfa() && m.mfaPolicy,
		IsPasswordlessCapable:    m.passwordlessCapable() && m.mfaPolicy,
		IsSsprRegistered:         m.sspr(),
		IsSsprEnabled:            m.ssprPolicy,
		IsSsprCapable:            m.sspr() && m.ssprPolicy,
		IsSystemPreferredEnabled: m.systemPreferred,
		MethodsRegistered:        m.names(),
		UserPreferredMethod:      "none",
		LastUpdatedDateTime:      registrationUpdated(u, m.updated),
	}
	if preferred := secondFactors(m.phone, m.regDraws); len(preferred) > 0 {
		r.UserPreferredMethod = preferred[0]
		r.SystemPreferredMethods = preferred[:1]
	}
	return r
}

// secondFactors are the user's second factors, strongest first, as
// userDefaultAuthenticationMethod values.
func secondFactors(phone [3]bool, d regDraws) []string {
	var out []string
	if d.push {
		out = append(out, "push")
	}
	if d.otp {
		out = append(out, "oath")
	}
	switch {
	case phone[0] && d.voice:
		out = append(out, "voiceMobile")
	case phone[0]:
		out = append(out, "sms")
	}
	if phone[1] {
		out = append(out, "voiceAlternateMobile")
	}
	if phone[2] {
		out = append(out, "voiceOffice")
	}
	return out
}

// registrationUpdated is when the row was last updated: a moment between
// the user's creation (or the start of the generator's epoch) and the end of
// it, with Graph's seven fractional digits; the creation itself for users
// created after the epoch (by a churn).
func registrationUpdated(u *User, draw uint64) string {
	from := int64(epochStart)
	if t, err := time.Parse(time.RFC3339, u.CreatedDateTime); err == nil {
		from = max(t.Unix(), from)
	}
	at := from
	if from < epochEnd {
		at += below64(draw, epochEnd-from)
	}
	b := appendDateTime(nil, at)
	b = b[:len(b)-1] // the 'Z'
	b = append(b, '.')
	b = appendPadded(b, int(draw%10_000_000), 7)
	return string(append(b, 'Z'))
}
