package tenant

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// GenerateOptions describe a synthetic tenant. The same options always give
// the same tenant, byte for byte, whatever the scheduling.
type GenerateOptions struct {
	Seed   int64
	Users  int
	Domain string // default "contoso.onmicrosoft.com"
	// SharedPrefixShare in [0,1): that fraction of users get UPNs starting
	// with SharedPrefix, so partitioned listing meets one huge partition.
	SharedPrefixShare float64
	SharedPrefix      string // default "user"
}

const (
	defaultDomain = "contoso.onmicrosoft.com"
	maxGenerated  = math.MaxUint32 - 1
)

// generator derives user i of a synthetic tenant on demand from (seed, i).
// Nothing per user is stored but the sorted index: a million users would
// otherwise take gigabytes of small strings.
type generator struct {
	seed        uint64
	n           int
	domain      string
	share       float64
	prefix      string
	lowerPrefix string
	words       *wordLists
}

func newGenerator(opts GenerateOptions) (*generator, error) {
	if opts.Users < 0 || opts.Users > maxGenerated {
		return nil, fmt.Errorf("generate tenant: users %d out of range", opts.Users)
	}
	if opts.SharedPrefixShare < 0 || opts.SharedPrefixShare >= 1 || math.IsNaN(opts.SharedPrefixShare) {
		return nil, fmt.Errorf("generate tenant: shared prefix share %v not in [0,1)", opts.SharedPrefixShare)
	}
	g := &generator{
		seed:   seedBits(opts.Seed),
		n:      opts.Users,
		domain: opts.Domain,
		share:  opts.SharedPrefixShare,
		prefix: opts.SharedPrefix,
		words:  newWordLists(),
	}
	if g.domain == "" {
		g.domain = defaultDomain
	}
	if g.prefix == "" {
		g.prefix = "user"
	}
	if err := validateDomain(g.domain); err != nil {
		return nil, fmt.Errorf("generate tenant: %w", err)
	}
	if strings.ContainsAny(g.prefix, "@ ") || endsWithDigit(g.prefix) {
		// A trailing digit would let "user1"+"23" collide with "user12"+"3".
		return nil, fmt.Errorf("generate tenant: shared prefix %q must not contain '@' or spaces nor end with a digit", g.prefix)
	}
	g.lowerPrefix = strings.ToLower(g.prefix)
	return g, nil
}

// seedBits spreads the seed over 64 bits.
func seedBits(seed int64) uint64 {
	h := sha256.Sum256(binary.AppendVarint(nil, seed))
	return binary.LittleEndian.Uint64(h[:8])
}

func validateDomain(d string) error {
	if d == "" || strings.ContainsAny(d, "@ /#?") {
		return errors.New("invalid domain " + fmt.Sprintf("%q", d))
	}
	return nil
}

func endsWithDigit(s string) bool {
	return s != "" && s[len(s)-1] >= '0' && s[len(s)-1] <= '9'
}

// rng is splitmix64: tiny, fast and good enough for test data.
type rng struct{ s uint64 }

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// intn returns a value in [0,n).
func (r *rng) intn(n int) int { return below(r.next()>>11, n) }

// chance is true with probability p.
func (r *rng) chance(p float64) bool { return float64(r.next()>>11)/(1<<53) < p }

func pick[T any](r *rng, s []T) T { return s[r.intn(len(s))] }

// stream gives user i its own random stream for one derivation group, so each
// group can be derived alone and always yields the same values.
func (g *generator) stream(i uint32, grp group) rng {
	return rng{s: mix64(g.seed^0x5851f42d4c957f2d) ^ mix64(uint64(i)*0x9e3779b97f4a7c15+uint64(grp))}
}

// identity is what the UPN and the core properties derive from.
type identity struct {
	i         uint32
	script    *script
	given     name
	surname   name
	guest     bool
	shared    bool
	style     int
	first     string // unusual first character, if any
	guestHome string // guest's home domain
	noGiven   bool
	noSurname bool
}

// UPN local-part styles.
const (
	styleDotted  = iota // anna.muller12
	styleMixed          // Anna.Muller12
	styleInitial        // amuller12
	styleUnusual        // _anna.muller12, 7anna.muller12, ...
	styleNative         // élodie.müller12, иван.иванов12
)

func (g *generator) identity(i uint32) identity {
	r := g.stream(i, gCore)
	id := identity{i: i}
	w := r.intn(100)
	for k, sw := range g.words.scriptWeights {
		if w < sw || k == len(g.words.scriptWeights)-1 {
			id.script = &g.words.scripts[k]
			break
		}
		w -= sw
	}
	id.given = pick(&r, id.script.given)
	id.surname = pick(&r, id.script.surname)
	id.noGiven = r.chance(0.04)
	id.noSurname = r.chance(0.04)
	shared := r.chance(g.share) // drawn always, so other draws don't depend on the share
	guest := r.chance(0.10)
	switch {
	case g.share > 0 && shared:
		id.shared = true
	case guest:
		id.guest = true
		id.guestHome = pick(&r, g.words.guestDomains)
		if r.chance(0.2) {
			id.style = styleMixed
		}
	default:
		s := r.intn(100)
		switch {
		case s < 45:
			id.style = styleDotted
		case s < 60:
			id.style = styleMixed
		case s < 75:
			id.style = styleInitial
		case s < 90:
			id.style = styleUnusual
			id.first = pick(&r, g.words.unusualFirst)
		default:
			id.style = styleNative
		}
	}
	return id
}

// asciiLocal is the person's ASCII mailbox name, unique by the trailing index.
func (id *identity) asciiLocal() string {
	return id.given.ascii + "." + strings.ReplaceAll(id.surname.ascii, " ", "") + utoa(id.i)
}

// upnLocal is the part of the UPN before '@'. Every style ends in the decimal
// user index after a non-digit (or, for guests, puts it before "_home#EXT#"),
// so UPNs are unique by construction, case-insensitively too.
func (g *generator) upnLocal(id *identity) string {
	switch {
	case id.shared:
		return g.prefix + utoa(id.i)
	case id.guest:
		local := id.asciiLocal()
		home := id.guestHome
		if id.style == styleMixed {
			local = capitalizeWords(local)
			home = capitalizeWords(home)
		}
		return local + "_" + home + "#EXT#"
	}
	switch id.style {
	case styleMixed:
		return capitalizeWords(id.asciiLocal())
	case styleInitial:
		return id.given.ascii[:1] + strings.ReplaceAll(id.surname.ascii, " ", "") + utoa(id.i)
	case styleUnusual:
		return id.first + id.asciiLocal()
	case styleNative:
		return strings.ToLower(strings.ReplaceAll(id.given.native, " ", "")) + "." +
			strings.ToLower(strings.ReplaceAll(id.surname.native, " ", "")) + utoa(id.i)
	}
	return id.asciiLocal()
}

// capitalizeWords upper-cases the first ASCII letter after each '.' or start.
func capitalizeWords(s string) string {
	b := []byte(s)
	up := true
	for i, c := range b {
		if up && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '.'
	}
	return string(b)
}

// idOf derives user i's object id: a version-4-shaped GUID whose last four
// bytes hold i masked by the rest, so the id leads back to i without a map.
func (g *generator) idOf(i uint32) [16]byte {
	var b [16]byte
	h := mix64(g.seed ^ mix64(uint64(i)+0x632be59bd9b4e019))
	binary.BigEndian.PutUint64(b[0:8], h)
	binary.BigEndian.PutUint64(b[8:16], mix64(h^0xd1b54a32d192ed03))
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	mask := low32(mix64(g.seed ^ binary.BigEndian.Uint64(b[0:8])))
	binary.BigEndian.PutUint32(b[12:16], i^mask)
	return b
}

// indexOfID inverts idOf; ok is false when the id is not one of ours.
func (g *generator) indexOfID(id string) (uint32, bool) {
	b, ok := parseGUID(id)
	if !ok {
		return 0, false
	}
	mask := low32(mix64(g.seed ^ binary.BigEndian.Uint64(b[0:8])))
	i := binary.BigEndian.Uint32(b[12:16]) ^ mask
	if int(i) >= g.n || g.idOf(i) != b {
		return 0, false
	}
	return i, true
}

func formatGUID(b [16]byte) string {
	var out [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j] = hexDigits[c>>4]
		out[j+1] = hexDigits[c&0xf]
		j += 2
	}
	return string(out[:])
}

func parseGUID(s string) ([16]byte, bool) {
	var b [16]byte
	if len(s) != 36 {
		return b, false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return b, false
			}
			i++
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return b, false
		}
		b[j] = hi<<4 | lo
		j++
		i += 2
	}
	return b, true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// randomGUID draws a GUID-shaped string from r (request ids and the like).
func randomGUID(r *rng) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], r.next())
	binary.BigEndian.PutUint64(b[8:16], r.next())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatGUID(b)
}

// Dates are drawn between 2015-01-01 and 2025-06-01 (Unix seconds).
const (
	epochStart = 1420070400
	epochEnd   = 1748736000
)

func randomDate(r *rng, from int64) string {
	if from < epochStart {
		from = epochStart
	}
	span := epochEnd - from
	if span <= 0 {
		return formatDateTime(from)
	}
	return formatDateTime(from + below64(r.next(), span))
}

// formatDateTime writes Unix seconds as Graph does: 2024-01-10T08:00:00Z.
func formatDateTime(sec int64) string {
	days := sec / 86400
	rem := sec % 86400
	y, m, d := civil(days)
	var b [20]byte
	put := func(at, v, width int) {
		for k := width - 1; k >= 0; k-- {
			b[at+k] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, m, 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = 'T'
	put(11, int(rem/3600), 2)
	b[13] = ':'
	put(14, int(rem%3600/60), 2)
	b[16] = ':'
	put(17, int(rem%60), 2)
	b[19] = 'Z'
	return string(b[:])
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm), avoiding time.Time on the hot path.
func civil(days int64) (y, m, d int) {
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mm > 12 {
		mm -= 12
	}
	if mm <= 2 {
		yy++
	}
	return int(yy), int(mm), int(dd)
}

func boolPtr(v bool) *bool { return &v }

// derive fills u with user i, deriving only the groups asked for (gCore is
// always derived: everything else builds on the identity).
func (g *generator) derive(i uint32, grp group, u *User) {
	*u = User{}
	id := g.identity(i)
	g.deriveCore(&id, u)
	if grp&gProfile != 0 {
		g.deriveProfile(&id, u)
	}
	if grp&gOnPrem != 0 {
		g.deriveOnPrem(&id, u)
	}
	if grp&gAuth != 0 {
		g.deriveAuth(&id, u)
	}
	if grp&gActivity != 0 {
		g.deriveActivity(&id, u)
	}
}

func (g *generator) deriveCore(id *identity, u *User) {
	r := g.stream(id.i, gCore|0x80)
	u.ID = formatGUID(g.idOf(id.i))
	u.UserPrincipalName = g.upnLocal(id) + "@" + g.domain
	if !id.noGiven {
		u.GivenName = id.given.native
	}
	if !id.noSurname {
		u.Surname = id.surname.native
	}
	u.DisplayName = displayName(&r, id)
	u.UserType = "Member"
	local := id.asciiLocal()
	if id.shared {
		local = g.prefix + utoa(id.i)
	}
	if id.guest {
		u.UserType = "Guest"
		u.Mail = local + "@" + id.guestHome
		u.MailNickname = local + "_" + id.guestHome + "#EXT#"
		u.CreationType = "Invitation"
		u.ExternalUserState = "Accepted"
		if r.chance(0.3) {
			u.ExternalUserState = "PendingAcceptance"
		}
		u.ExternalUserStateChangeDateTime = randomDate(&r, 0)
		u.ProxyAddresses = []string{"SMTP:" + u.Mail}
		u.OtherMails = []string{u.Mail}
		u.Identities = []ObjectIdentity{{SignInType: "federated", Issuer: pick(&r, []string{"ExternalAzureAD", "MicrosoftAccount", "mail"})}}
	} else {
		u.MailNickname = local
		if !r.chance(0.12) {
			u.Mail = local + "@" + g.domain
			u.ProxyAddresses = []string{"SMTP:" + u.Mail, "smtp:" + local + "@" + strings.TrimSuffix(g.domain, ".onmicrosoft.com") + ".mail.onmicrosoft.com"}
		}
		u.Identities = []ObjectIdentity{{SignInType: "userPrincipalName", Issuer: g.domain, IssuerAssignedID: u.UserPrincipalName}}
		u.OtherMails = otherMails(&r, local, g.words.otherMailDomains)
	}
	b := g.idOf(id.i)
	u.SecurityIdentifier = fmt.Sprintf("S-1-12-1-%d-%d-%d-%d",
		binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint32(b[4:8]),
		binary.LittleEndian.Uint32(b[8:12]), binary.LittleEndian.Uint32(b[12:16]))
}

func displayName(r *rng, id *identity) string {
	g, s := id.given.native, id.surname.native
	if id.script.familyFirst {
		return s + g
	}
	switch k := r.intn(100); {
	case k < 4:
		return s + ", " + g
	case k < 6:
		return g + ` "` + id.given.ascii + `" ` + s
	case k < 8:
		return " " + g + " " + s
	case k < 9:
		return "=" + g + "+" + s
	case k < 10:
		return "@" + g + " " + s
	}
	return g + " " + s
}

func otherMails(r *rng, local string, domains []string) []string {
	var n int
	switch k := r.intn(100); {
	case k < 55:
		return nil
	case k < 85:
		n = 1
	case k < 95:
		n = 2
	default:
		n = 3
	}
	out := make([]string, n)
	for j := range out {
		out[j] = local + "@" + domains[(r.intn(len(domains))+j)%len(domains)]
	}
	return out
}

func (g *generator) deriveProfile(id *identity, u *User) {
	r := g.stream(id.i, gProfile)
	u.AccountEnabled = boolPtr(!r.chance(0.08))
	if !r.chance(0.15) {
		u.JobTitle = pick(&r, g.words.jobTitles)
	}
	if !r.chance(0.10) {
		u.Department = pick(&r, g.words.departments)
	}
	if r.chance(0.6) {
		u.CompanyName = pick(&r, g.words.companies)
	}
	g.deriveLocation(&r, u)
	deriveAge(&r, u)
	g.deriveEmployment(&r, u)
	created := epochStart + below64(r.next(), epochEnd-epochStart-86400*30)
	u.CreatedDateTime = formatDateTime(created)
	if r.chance(0.7) {
		u.PreferredLanguage = id.script.language
	}
	if r.chance(0.05) {
		u.PreferredDataLocation = "EUR"
	}
	if r.chance(0.05) {
		u.ShowInAddressList = boolPtr(false)
	}
	switch k := r.intn(100); {
	case k < 20:
		u.PasswordPolicies = "DisablePasswordExpiration"
	case k < 23:
		u.PasswordPolicies = "DisablePasswordExpiration, DisableStrongPassword"
	}
}

// deriveLocation sets the address, office and phone numbers of a country.
func (g *generator) deriveLocation(r *rng, u *User) {
	loc := pick(r, g.words.locations)
	if !r.chance(0.2) {
		u.Country, u.UsageLocation, u.State, u.City, u.PostalCode = loc.country, loc.usage, loc.state, loc.city, loc.postal
		u.StreetAddress = pick(r, loc.streets)
		u.OfficeLocation = pick(r, g.words.offices)
	} else if r.chance(0.5) {
		u.UsageLocation = loc.usage
	}
	if r.chance(0.65) {
		u.BusinessPhones = []string{businessPhone(r, loc.phoneCC)}
	}
	if r.chance(0.5) {
		u.MobilePhone = "+" + loc.phoneCC + " " + digits(r, 10)
	}
	if r.chance(0.05) {
		u.FaxNumber = "+" + loc.phoneCC + " " + digits(r, 9)
	}
	if r.chance(0.1) && u.Mail != "" {
		u.IMAddresses = []string{"sip:" + strings.ToLower(u.Mail)}
	}
}

// businessPhone formats a desk number in one of the shapes real tenants hold,
// including ones that begin with '+' and must not be mistaken for formulas.
func businessPhone(r *rng, cc string) string {
	switch r.intn(4) {
	case 0:
		return "+" + cc + " (" + digits(r, 3) + ") " + digits(r, 3) + "-" + digits(r, 4) + " x" + digits(r, 2)
	case 1:
		return "+" + cc + " " + digits(r, 3) + " " + digits(r, 3) + " " + digits(r, 4)
	case 2:
		return "+" + cc + " " + digits(r, 9)
	}
	return "(" + digits(r, 3) + ") " + digits(r, 3) + "-" + digits(r, 4)
}

func digits(r *rng, n int) string {
	b := make([]byte, n)
	v := r.next()
	for k := range b {
		if v == 0 {
			v = r.next()
		}
		b[k] = byte('0' + v%10)
		v /= 10
	}
	return string(b)
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

func (g *generator) deriveEmployment(r *rng, u *User) {
	if r.chance(0.5) {
		u.EmployeeID = "E" + digits(r, 6)
	}
	if r.chance(0.5) {
		u.EmployeeType = pick(r, g.words.employeeTypes)
	}
	if r.chance(0.4) {
		u.EmployeeHireDate = randomDate(r, 0)
	}
	if r.chance(0.03) {
		u.EmployeeLeaveDateTime = randomDate(r, epochEnd-86400*365)
	}
	if r.chance(0.3) {
		u.EmployeeOrgData = &EmployeeOrgData{Division: pick(r, g.words.divisions), CostCenter: "CC-" + digits(r, 4)}
	}
}

func (g *generator) deriveOnPrem(id *identity, u *User) {
	r := g.stream(id.i, gOnPrem)
	if id.guest || !r.chance(0.3) {
		return
	}
	u.OnPremisesSyncEnabled = boolPtr(true)
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[0:8], r.next())
	binary.BigEndian.PutUint64(raw[8:16], r.next())
	u.OnPremisesImmutableID = base64.StdEncoding.EncodeToString(raw[:])
	sam := id.given.ascii[:1] + strings.ReplaceAll(id.surname.ascii, " ", "") + utoa(id.i)
	if len(sam) > 20 {
		sam = sam[len(sam)-20:]
	}
	u.OnPremisesSamAccountName = sam
	u.OnPremisesDomainName = "corp.contoso.com"
	u.OnPremisesUserPrincipalName = id.asciiLocal() + "@corp.contoso.com"
	u.OnPremisesDistinguishedName = "CN=" + strings.ReplaceAll(id.surname.native, ",", `\,`) + `\, ` + id.given.native +
		",OU=Users,DC=corp,DC=contoso,DC=com"
	u.OnPremisesSecurityIdentifier = fmt.Sprintf("S-1-5-21-1004336348-1177238915-682003330-%d", 1000+id.i)
	u.OnPremisesLastSyncDateTime = randomDate(&r, epochEnd-86400*7)
	u.OnPremisesExtensionAttributes[0] = "CC" + digits(&r, 4)
	if r.chance(0.3) {
		u.OnPremisesExtensionAttributes[1] = "Building 7, Floor 3"
	}
	if r.chance(0.02) {
		u.OnPremisesExtensionAttributes[14] = "=1+2"
	}
}

func (g *generator) deriveAuth(id *identity, u *User) {
	r := g.stream(id.i, gAuth)
	cc := pick(&r, g.words.locations).phoneCC
	switch k := r.intn(100); {
	case k < 15: // no phone method
	case k < 25: // all three
		u.Phones = []PhoneMethod{
			{PhoneMobile, "+" + cc + " " + digits(&r, 10)},
			{PhoneAlternateMobile, "+" + cc + " " + digits(&r, 10)},
			{PhoneOffice, "+" + cc + " " + digits(&r, 9) + "x" + digits(&r, 3)},
		}
	case k < 45:
		u.Phones = []PhoneMethod{{PhoneMobile, "+" + cc + " " + digits(&r, 10)}, {PhoneAlternateMobile, "+" + cc + " " + digits(&r, 10)}}
	case k < 50:
		u.Phones = []PhoneMethod{{PhoneOffice, "+" + cc + " " + digits(&r, 9)}}
	default:
		u.Phones = []PhoneMethod{{PhoneMobile, "+" + cc + " " + digits(&r, 10)}}
	}
	if r.chance(0.35) {
		u.Email = id.asciiLocal() + "@" + pick(&r, g.words.otherMailDomains)
	}
}

func (g *generator) deriveActivity(id *identity, u *User) {
	r := g.stream(id.i, gActivity)
	u.LastPasswordChangeDateTime = randomDate(&r, epochStart)
	u.SignInSessionsValidFromDateTime = u.LastPasswordChangeDateTime
	if r.chance(0.8) {
		last := randomDate(&r, epochEnd-86400*90)
		u.SignInActivity = &SignInActivity{
			LastSignInDateTime:                last,
			LastSignInRequestID:               randomGUID(&r),
			LastNonInteractiveSignInDateTime:  last,
			LastNonInteractiveSignInRequestID: randomGUID(&r),
			LastSuccessfulSignInDateTime:      last,
			LastSuccessfulSignInRequestID:     randomGUID(&r),
		}
	}
	if r.chance(0.75) {
		skus := g.words.skus
		s := &skus[r.intn(len(skus))]
		l := AssignedLicense{SKUID: s.id}
		if r.chance(0.2) && len(s.plans) > 1 {
			l.DisabledPlans = []string{s.plans[len(s.plans)-1].id}
		}
		u.AssignedLicenses = []AssignedLicense{l}
		if r.chance(0.2) {
			u.AssignedLicenses = append(u.AssignedLicenses, AssignedLicense{SKUID: skus[2].id})
			if s.id == skus[2].id {
				u.AssignedLicenses = u.AssignedLicenses[:1]
			}
		}
	}
	if r.chance(0.03) {
		u.CertificateUserIDs = []string{"X509:<PN>" + id.asciiLocal() + "@" + g.domain}
	}
}
