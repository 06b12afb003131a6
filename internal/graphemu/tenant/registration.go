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
	h.Write([]byte(strings.ToLower(u.ID)))
	r := rng{s: h.Sum64()}
	member := func(p float64) bool { return r.chance(p) && !guest }
	pushShare := 0.55
	if guest {
		pushShare = 0.1 // a guest's Authenticator usually belongs to its home tenant
	}
	return regDraws{
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
}

func deriveRegistration(u *User) Registration {
	guest := strings.EqualFold(u.UserType, "Guest")
	d := drawRegistration(u, guest)
	var phone [3]bool // mobile, alternate mobile, office
	for _, p := range u.Phones {
		for k, po := range phoneOrder() {
			phone[k] = phone[k] || p.Type == po.typ
		}
	}
	d.otp = d.otp && d.push // the Authenticator app shows one-time codes too
	d.passwordless = d.passwordless && d.push
	var m []string
	add := func(on bool, name string) {
		if on {
			m = append(m, name)
		}
	}
	add(phone[0], regMobilePhone)
	add(phone[1], regAlternateMobilePhone)
	add(phone[2], regOfficePhone)
	add(u.Email != "", regEmail)
	add(d.push, regAuthenticatorPush)
	add(d.otp, regSoftwareOTP)
	add(d.passwordless, regPasswordless)
	add(d.fido2, regFido2)
	add(d.hello, regHello)
	add(d.passkey, regPasskey)
	add(d.tap, regTAP)
	passwordless := d.passwordless || d.fido2 || d.hello || d.passkey
	mfa := phone[0] || phone[1] || phone[2] || d.push || d.otp || passwordless
	sspr := phone[0] || phone[1] || phone[2] || u.Email != "" || d.push || d.otp
	r := Registration{
		IsAdmin:                  d.admin,
		IsMfaRegistered:          mfa,
		IsMfaCapable:             mfa && d.mfaPolicy,
		IsPasswordlessCapable:    passwordless && d.mfaPolicy,
		IsSsprRegistered:         sspr,
		IsSsprEnabled:            d.ssprPolicy,
		IsSsprCapable:            sspr && d.ssprPolicy,
		IsSystemPreferredEnabled: d.systemPreferred,
		MethodsRegistered:        m,
		UserPreferredMethod:      "none",
		LastUpdatedDateTime:      registrationUpdated(u, d.updated),
	}
	if preferred := secondFactors(phone, d); len(preferred) > 0 {
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
