package tenant

import (
	"encoding/binary"
	"strconv"
)

// Deriving a user is the emulator's hot path (a 999-user page derives 999
// users), so a deriver builds every composed string of a user in one buffer
// and turns it into one string at the end, and reuses the backing of the
// user's slices and pointers from one user to the next. The User it fills is
// therefore valid only until the deriver's next user: callers that keep a
// user clone it first.
type deriver struct {
	buf    []byte
	pend   []pendingString
	strs   []string
	ids    [1]ObjectIdentity
	lics   [2]AssignedLicense
	phones [3]PhoneMethod
	org    EmployeeOrgData
	sign   SignInActivity
	ext    map[string]any
	yes    bool // true, for *bool fields
	no     bool
}

// pendingString is a field to point at buf[a:b] once the buffer is final.
type pendingString struct {
	dst  *string
	a, b int
}

func newDeriver() *deriver { return &deriver{yes: true} }

func (d *deriver) reset() {
	d.buf, d.pend, d.strs = d.buf[:0], d.pend[:0], d.strs[:0]
}

func (d *deriver) mark() int { return len(d.buf) }

// set makes dst the text appended since mark a.
func (d *deriver) set(dst *string, a int) {
	d.pend = append(d.pend, pendingString{dst: dst, a: a, b: len(d.buf)})
}

func (d *deriver) add(parts ...string) {
	for _, p := range parts {
		d.buf = append(d.buf, p...)
	}
}

// cat sets dst to the concatenation of parts.
func (d *deriver) cat(dst *string, parts ...string) {
	a := d.mark()
	d.add(parts...)
	d.set(dst, a)
}

func (d *deriver) addUint(v uint32) { d.buf = strconv.AppendUint(d.buf, uint64(v), 10) }

// addDigits appends n random digits.
func (d *deriver) addDigits(r *rng, n int) {
	v := r.next()
	for range n {
		if v == 0 {
			v = r.next()
		}
		d.buf = append(d.buf, byte('0'+v%10))
		v /= 10
	}
}

func (d *deriver) list(n int) []string {
	at := len(d.strs)
	for range n {
		d.strs = append(d.strs, "")
	}
	return d.strs[at : at+n : at+n]
}

func (d *deriver) boolean(v bool) *bool {
	if v {
		return &d.yes
	}
	return &d.no
}

// flush turns the buffer into one string and points the pending fields into it.
func (d *deriver) flush() {
	s := string(d.buf)
	for _, p := range d.pend {
		*p.dst = s[p.a:p.b]
	}
	d.reset()
}

// derive fills u with user i, deriving only the groups asked for (gCore is
// always derived: everything else builds on the identity).
func (g *generator) derive(i uint32, grp group, u *User, d *deriver) {
	*u = User{}
	d.reset()
	id := g.identity(i)
	c := g.deriveCore(&id, u, d)
	if grp&gProfile != 0 {
		g.deriveProfile(&id, u, d, c)
	}
	if grp&gOnPrem != 0 {
		g.deriveOnPrem(&id, u, d)
	}
	if grp&gAuth != 0 {
		g.deriveAuth(&id, u, d)
	}
	if grp&gActivity != 0 {
		g.deriveActivity(&id, u, d)
	}
	if grp&gExt != 0 {
		g.deriveExtensions(&id, u, d)
	}
	d.flush()
}

// appendASCIILocal appends the person's ASCII mailbox name, made unique by
// the trailing index.
func appendASCIILocal(b []byte, id *identity) []byte {
	b = append(b, id.given.ascii...)
	b = append(b, '.')
	b = append(b, id.surname.ascii...)
	return strconv.AppendUint(b, uint64(id.i), 10)
}

// appendUPNLocal appends the part of the UPN before '@'. Every style ends in
// the decimal user index after a non-digit (guests put it before
// "_home#EXT#"), so UPNs are unique by construction, case-insensitively too.
func (g *generator) appendUPNLocal(b []byte, id *identity) []byte {
	start := len(b)
	switch {
	case id.shared:
		b = append(b, g.prefix...)
		return strconv.AppendUint(b, uint64(id.i), 10)
	case id.guest:
		b = appendASCIILocal(b, id)
		b = append(b, '_')
		b = append(b, id.guestHome...)
		if id.style == styleMixed {
			capitalizeWords(b[start:])
		}
		return append(b, "#EXT#"...)
	}
	switch id.style {
	case styleMixed:
		b = appendASCIILocal(b, id)
		capitalizeWords(b[start:])
	case styleInitial:
		b = append(b, id.given.ascii[0])
		b = append(b, id.surname.ascii...)
		b = strconv.AppendUint(b, uint64(id.i), 10)
	case styleUnusual:
		b = append(b, id.first...)
		b = appendASCIILocal(b, id)
	case styleNative:
		b = append(b, id.given.lowerNative...)
		b = append(b, '.')
		b = append(b, id.surname.lowerNative...)
		b = strconv.AppendUint(b, uint64(id.i), 10)
	default:
		b = appendASCIILocal(b, id)
	}
	return b
}

// lowerASCII lower-cases ASCII letters in place.
func lowerASCII(b []byte) {
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c - 'A' + 'a'
		}
	}
}

// capitalizeWords upper-cases the first ASCII letter at the start and after
// each '.'.
func capitalizeWords(b []byte) {
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '.'
	}
}

// coreMarks locate core strings in the deriver's buffer, for the groups
// that repeat them.
type coreMarks struct {
	upn, local, mail [2]int
	hasMail          bool
}

func (g *generator) deriveCore(id *identity, u *User, d *deriver) coreMarks {
	var c coreMarks
	r := g.stream(id.i, gCore|0x80)
	a := d.mark()
	d.buf = appendGUID(d.buf, g.idOf(id.i))
	d.set(&u.ID, a)
	a = d.mark()
	d.buf = g.appendUPNLocal(d.buf, id)
	d.add("@", g.domain)
	d.set(&u.UserPrincipalName, a)
	c.upn = [2]int{a, d.mark()}
	if !id.noGiven {
		u.GivenName = id.given.native
	}
	if !id.noSurname {
		u.Surname = id.surname.native
	}
	deriveDisplayName(&r, id, &u.DisplayName, d)
	u.UserType = "Member"
	a = d.mark()
	if id.shared {
		d.add(g.prefix)
		d.addUint(id.i)
	} else {
		d.buf = appendASCIILocal(d.buf, id)
	}
	c.local = [2]int{a, d.mark()}
	if id.guest {
		g.deriveGuest(&r, id, u, d, &c)
	} else {
		g.deriveMember(&r, u, d, &c)
	}
	a = d.mark()
	b := g.idOf(id.i)
	d.add("S-1-12-1-")
	for k := range 4 {
		if k > 0 {
			d.add("-")
		}
		d.buf = strconv.AppendUint(d.buf, uint64(binary.LittleEndian.Uint32(b[4*k:4*k+4])), 10)
	}
	d.set(&u.SecurityIdentifier, a)
	return c
}

// again re-appends an earlier piece of the buffer and returns its mark.
func (d *deriver) again(a, b int) int {
	m := d.mark()
	d.buf = append(d.buf, d.buf[a:b]...)
	return m
}

func (g *generator) deriveGuest(r *rng, id *identity, u *User, d *deriver, c *coreMarks) {
	u.UserType = "Guest"
	a := d.again(c.local[0], c.local[1])
	d.add("@", id.guestHome)
	d.set(&u.Mail, a)
	c.mail, c.hasMail = [2]int{a, d.mark()}, true
	a = d.again(c.local[0], c.local[1])
	d.add("_", id.guestHome, "#EXT#")
	d.set(&u.MailNickname, a)
	u.CreationType = "Invitation"
	u.ExternalUserState = "Accepted"
	if r.chance(0.3) {
		u.ExternalUserState = "PendingAcceptance"
	}
	a = d.mark()
	d.buf = appendDateTime(d.buf, randomTime(r, 0))
	d.set(&u.ExternalUserStateChangeDateTime, a)
	u.ProxyAddresses = d.list(1)
	a = d.mark()
	d.add("SMTP:")
	d.again(c.mail[0], c.mail[1])
	d.set(&u.ProxyAddresses[0], a)
	u.OtherMails = d.list(1)
	d.set(&u.OtherMails[0], d.again(c.mail[0], c.mail[1]))
	d.ids[0] = ObjectIdentity{SignInType: "federated", Issuer: pick(r, []string{"ExternalAzureAD", "MicrosoftAccount", "mail"})}
	u.Identities = d.ids[:1:1]
}

func (g *generator) deriveMember(r *rng, u *User, d *deriver, c *coreMarks) {
	d.set(&u.MailNickname, c.local[0])
	if !r.chance(0.12) {
		a := d.again(c.local[0], c.local[1])
		d.add("@", g.domain)
		d.set(&u.Mail, a)
		c.mail, c.hasMail = [2]int{a, d.mark()}, true
		u.ProxyAddresses = d.list(2)
		a = d.mark()
		d.add("SMTP:")
		d.again(c.mail[0], c.mail[1])
		d.set(&u.ProxyAddresses[0], a)
		a = d.mark()
		d.add("smtp:")
		d.again(c.local[0], c.local[1])
		d.add("@", g.mailRouting)
		d.set(&u.ProxyAddresses[1], a)
	}
	d.ids[0] = ObjectIdentity{SignInType: "userPrincipalName", Issuer: g.domain}
	d.pend = append(d.pend, pendingString{dst: &d.ids[0].IssuerAssignedID, a: c.upn[0], b: c.upn[1]})
	u.Identities = d.ids[:1:1]
	g.deriveOtherMails(r, u, d, c.local[0], c.local[1])
}

func (g *generator) deriveOtherMails(r *rng, u *User, d *deriver, local, localEnd int) {
	var n int
	switch k := r.intn(100); {
	case k < 55:
		return
	case k < 85:
		n = 1
	case k < 95:
		n = 2
	default:
		n = 3
	}
	u.OtherMails = d.list(n)
	domains := g.words.otherMailDomains
	first := r.intn(len(domains))
	for j := range n {
		a := d.again(local, localEnd)
		d.add("@", domains[(first+j)%len(domains)])
		d.set(&u.OtherMails[j], a)
	}
}

// deriveDisplayName spells the name the way its script does, with a few
// shapes that trouble CSV consumers: "Surname, Given", quotes, a leading
// space, formula-like starts.
func deriveDisplayName(r *rng, id *identity, dst *string, d *deriver) {
	g, s := id.given.native, id.surname.native
	if id.script.familyFirst {
		d.cat(dst, s, g)
		return
	}
	switch k := r.intn(100); {
	case k < 4:
		d.cat(dst, s, ", ", g)
	case k < 6:
		d.cat(dst, g, ` "`, id.given.ascii, `" `, s)
	case k < 8:
		d.cat(dst, " ", g, " ", s)
	case k < 9:
		d.cat(dst, "=", g, "+", s)
	case k < 10:
		d.cat(dst, "@", g, " ", s)
	default:
		d.cat(dst, g, " ", s)
	}
}

func (g *generator) deriveProfile(id *identity, u *User, d *deriver, c coreMarks) {
	r := g.stream(id.i, gProfile)
	u.AccountEnabled = d.boolean(!r.chance(0.08))
	if !r.chance(0.15) {
		u.JobTitle = pick(&r, g.words.jobTitles)
	}
	if !r.chance(0.10) {
		u.Department = pick(&r, g.words.departments)
	}
	if r.chance(0.6) {
		u.CompanyName = pick(&r, g.words.companies)
	}
	g.deriveLocation(&r, u, d, c)
	deriveAge(&r, u)
	g.deriveEmployment(&r, u, d)
	a := d.mark()
	d.buf = appendDateTime(d.buf, epochStart+below64(r.next(), epochEnd-epochStart-86400*30))
	d.set(&u.CreatedDateTime, a)
	if r.chance(0.7) {
		u.PreferredLanguage = id.script.language
	}
	if r.chance(0.05) {
		u.PreferredDataLocation = "EUR"
	}
	if r.chance(0.05) {
		u.ShowInAddressList = d.boolean(false)
	}
	switch k := r.intn(100); {
	case k < 20:
		u.PasswordPolicies = "DisablePasswordExpiration"
	case k < 23:
		u.PasswordPolicies = "DisablePasswordExpiration, DisableStrongPassword"
	}
}

// deriveLocation sets the address, office and phone numbers of a country.
func (g *generator) deriveLocation(r *rng, u *User, d *deriver, c coreMarks) {
	loc := pick(r, g.words.locations)
	if !r.chance(0.2) {
		u.Country, u.UsageLocation, u.State, u.City, u.PostalCode = loc.country, loc.usage, loc.state, loc.city, loc.postal
		u.StreetAddress = pick(r, loc.streets)
		u.OfficeLocation = pick(r, g.words.offices)
	} else if r.chance(0.5) {
		u.UsageLocation = loc.usage
	}
	if r.chance(0.65) {
		u.BusinessPhones = d.list(1)
		a := d.mark()
		addBusinessPhone(r, loc.phoneCC, d)
		d.set(&u.BusinessPhones[0], a)
	}
	if r.chance(0.5) {
		d.setPhone(&u.MobilePhone, r, loc.phoneCC, 10, 0)
	}
	if r.chance(0.05) {
		d.setPhone(&u.FaxNumber, r, loc.phoneCC, 9, 0)
	}
	if r.chance(0.1) && c.hasMail {
		u.IMAddresses = d.list(1)
		a := d.mark()
		d.add("sip:")
		d.again(c.mail[0], c.mail[1])
		lowerASCII(d.buf[a:])
		d.set(&u.IMAddresses[0], a)
	}
}

// addPhone appends a number in Graph's "+CC NNNN[xEXT]" shape: n random
// digits, then "x" and ext more when ext > 0.
func (d *deriver) addPhone(r *rng, cc string, n, ext int) {
	d.add("+", cc, " ")
	d.addDigits(r, n)
	if ext > 0 {
		d.add("x")
		d.addDigits(r, ext)
	}
}

// setPhone sets dst to a number made by addPhone.
func (d *deriver) setPhone(dst *string, r *rng, cc string, n, ext int) {
	a := d.mark()
	d.addPhone(r, cc, n, ext)
	d.set(dst, a)
}

// addBusinessPhone writes a desk number in one of the shapes real tenants
// hold, including ones that begin with '+' and must not be mistaken for
// formulas.
func addBusinessPhone(r *rng, cc string, d *deriver) {
	switch r.intn(4) {
	case 0:
		d.add("+", cc, " (")
		d.addDigits(r, 3)
		d.add(") ")
		d.addDigits(r, 3)
		d.add("-")
		d.addDigits(r, 4)
		d.add(" x")
		d.addDigits(r, 2)
	case 1:
		d.add("+", cc, " ")
		d.addDigits(r, 3)
		d.add(" ")
		d.addDigits(r, 3)
		d.add(" ")
		d.addDigits(r, 4)
	case 2:
		d.addPhone(r, cc, 9, 0)
	default:
		d.add("(")
		d.addDigits(r, 3)
		d.add(") ")
		d.addDigits(r, 3)
		d.add("-")
		d.addDigits(r, 4)
	}
}

// deriveAge sets the age-group trio consistently; legal classifications use
// both casings of "MinorWithOutParentalConsent" Graph has been seen to return.
func deriveAge(r *rng, u *User) {
	switch k := r.intn(100); {
	case k < 60:
	case k < 85:
		u.AgeGroup, u.LegalAgeGroupClassification = "Adult", "Adult"
	case k < 92:
		u.AgeGroup, u.LegalAgeGroupClassification = "NotAdult", "NotAdult"
	default:
		u.AgeGroup = "Minor"
		switch r.intn(4) {
		case 0:
			u.ConsentProvidedForMinor, u.LegalAgeGroupClassification = "Granted", "MinorWithParentalConsent"
		case 1:
			u.ConsentProvidedForMinor, u.LegalAgeGroupClassification = "Denied", "MinorWithOutParentalConsent"
		case 2:
			u.ConsentProvidedForMinor, u.LegalAgeGroupClassification = "NotRequired", "MinorNoParentalConsentRequired"
		default:
			u.LegalAgeGroupClassification = "MinorWithoutParentalConsent"
		}
	}
}

func (g *generator) deriveEmployment(r *rng, u *User, d *deriver) {
	if r.chance(0.5) {
		a := d.mark()
		d.add("E")
		d.addDigits(r, 6)
		d.set(&u.EmployeeID, a)
	}
	if r.chance(0.5) {
		u.EmployeeType = pick(r, g.words.employeeTypes)
	}
	if r.chance(0.4) {
		a := d.mark()
		d.buf = appendDateTime(d.buf, randomTime(r, 0))
		d.set(&u.EmployeeHireDate, a)
	}
	if r.chance(0.03) {
		a := d.mark()
		d.buf = appendDateTime(d.buf, randomTime(r, epochEnd-86400*365))
		d.set(&u.EmployeeLeaveDateTime, a)
	}
	if r.chance(0.3) {
		d.org = EmployeeOrgData{Division: pick(r, g.words.divisions)}
		a := d.mark()
		d.add("CC-")
		d.addDigits(r, 4)
		d.set(&d.org.CostCenter, a)
		u.EmployeeOrgData = &d.org
	}
}

func (g *generator) deriveOnPrem(id *identity, u *User, d *deriver) {
	r := g.stream(id.i, gOnPrem)
	if id.guest || !r.chance(0.3) {
		return
	}
	u.OnPremisesSyncEnabled = d.boolean(true)
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[0:8], r.next())
	binary.BigEndian.PutUint64(raw[8:16], r.next())
	a := d.mark()
	d.buf = appendBase64(d.buf, raw[:])
	d.set(&u.OnPremisesImmutableID, a)
	a = d.mark()
	d.buf = append(d.buf, id.given.ascii[0])
	d.add(id.surname.ascii)
	d.addUint(id.i)
	if n := d.mark() - a; n > 20 {
		d.buf = append(d.buf[:a], d.buf[a+n-20:a+n]...)
	}
	d.set(&u.OnPremisesSamAccountName, a)
	u.OnPremisesDomainName = "corp.contoso.com"
	a = d.mark()
	d.buf = appendASCIILocal(d.buf, id)
	d.add("@corp.contoso.com")
	d.set(&u.OnPremisesUserPrincipalName, a)
	a = d.mark()
	d.add("CN=", id.surname.native, `\, `, id.given.native, ",OU=Users,DC=corp,DC=contoso,DC=com")
	d.set(&u.OnPremisesDistinguishedName, a)
	a = d.mark()
	d.add("S-1-5-21-1004336348-1177238915-682003330-")
	d.buf = strconv.AppendUint(d.buf, uint64(id.i)+1000, 10)
	d.set(&u.OnPremisesSecurityIdentifier, a)
	a = d.mark()
	d.buf = appendDateTime(d.buf, randomTime(&r, epochEnd-86400*7))
	d.set(&u.OnPremisesLastSyncDateTime, a)
	a = d.mark()
	d.add("CC")
	d.addDigits(&r, 4)
	d.set(&u.OnPremisesExtensionAttributes[0], a)
	if r.chance(0.3) {
		u.OnPremisesExtensionAttributes[1] = "Building 7, Floor 3"
	}
	if r.chance(0.02) {
		u.OnPremisesExtensionAttributes[14] = "=1+2"
	}
}

func appendBase64(b, raw []byte) []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for len(raw) >= 3 {
		v := uint(raw[0])<<16 | uint(raw[1])<<8 | uint(raw[2])
		b = append(b, alphabet[v>>18&63], alphabet[v>>12&63], alphabet[v>>6&63], alphabet[v&63])
		raw = raw[3:]
	}
	switch len(raw) {
	case 1:
		v := uint(raw[0]) << 16
		b = append(b, alphabet[v>>18&63], alphabet[v>>12&63], '=', '=')
	case 2:
		v := uint(raw[0])<<16 | uint(raw[1])<<8
		b = append(b, alphabet[v>>18&63], alphabet[v>>12&63], alphabet[v>>6&63], '=')
	}
	return b
}

func (g *generator) deriveAuth(id *identity, u *User, d *deriver) {
	r := g.stream(id.i, gAuth)
	cc := pick(&r, g.words.locations).phoneCC
	phone := func(k int, typ string, n, ext int) {
		d.phones[k].Type = typ
		d.setPhone(&d.phones[k].Number, &r, cc, n, ext)
	}
	switch k := r.intn(100); {
	case k < 15: // no phone method
	case k < 25: // all three
		phone(0, PhoneMobile, 10, 0)
		phone(1, PhoneAlternateMobile, 10, 0)
		phone(2, PhoneOffice, 9, 3)
		u.Phones = d.phones[:3:3]
	case k < 45:
		phone(0, PhoneMobile, 10, 0)
		phone(1, PhoneAlternateMobile, 10, 0)
		u.Phones = d.phones[:2:2]
	case k < 50:
		phone(0, PhoneOffice, 9, 0)
		u.Phones = d.phones[:1:1]
	default:
		phone(0, PhoneMobile, 10, 0)
		u.Phones = d.phones[:1:1]
	}
	if r.chance(0.35) {
		a := d.mark()
		d.buf = appendASCIILocal(d.buf, id)
		d.add("@", pick(&r, g.words.otherMailDomains))
		d.set(&u.Email, a)
	}
}

func (g *generator) deriveActivity(id *identity, u *User, d *deriver) {
	r := g.stream(id.i, gActivity)
	a := d.mark()
	d.buf = appendDateTime(d.buf, randomTime(&r, epochStart))
	d.set(&u.LastPasswordChangeDateTime, a)
	d.set(&u.SignInSessionsValidFromDateTime, a)
	if r.chance(0.8) {
		s := &d.sign
		a := d.mark()
		d.buf = appendDateTime(d.buf, randomTime(&r, epochEnd-86400*90))
		d.set(&s.LastSignInDateTime, a)
		d.set(&s.LastNonInteractiveSignInDateTime, a)
		d.set(&s.LastSuccessfulSignInDateTime, a)
		for _, dst := range []*string{&s.LastSignInRequestID, &s.LastNonInteractiveSignInRequestID, &s.LastSuccessfulSignInRequestID} {
			a := d.mark()
			d.buf = appendGUID(d.buf, randomGUID(&r))
			d.set(dst, a)
		}
		u.SignInActivity = s
	}
	g.deriveLicenses(&r, u, d)
	if r.chance(0.03) {
		u.CertificateUserIDs = d.list(1)
		a := d.mark()
		d.add("X509:<PN>")
		d.buf = appendASCIILocal(d.buf, id)
		d.add("@", g.domain)
		d.set(&u.CertificateUserIDs[0], a)
	}
}

func (g *generator) deriveLicenses(r *rng, u *User, d *deriver) {
	if !r.chance(0.75) {
		return
	}
	skus := g.words.skus
	s := &skus[r.intn(len(skus))]
	d.lics[0] = AssignedLicense{SKUID: s.id}
	if r.chance(0.2) && len(s.plans) > 1 {
		d.lics[0].DisabledPlans = d.list(1)
		d.lics[0].DisabledPlans[0] = s.plans[len(s.plans)-1].id
	}
	u.AssignedLicenses = d.lics[:1:1]
	if r.chance(0.2) && s.id != skus[2].id {
		d.lics[1] = AssignedLicense{SKUID: skus[2].id}
		u.AssignedLicenses = d.lics[:2:2]
	}
}
