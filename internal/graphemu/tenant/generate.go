package tenant

import (
	"crypto/sha256"
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
	// ExtensionShare in [0,1] is the share of users that carry values for
	// the standard directory extensions (ExtensionCostCentre, ...); 0 means
	// DefaultExtensionShare, a negative share none.
	ExtensionShare float64
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
	mailRouting string // the tenant's mail routing domain, for proxyAddresses
	extShare    float64
	words       *wordLists
}

func newGenerator(opts GenerateOptions) (*generator, error) {
	if opts.Users < 0 || opts.Users > maxGenerated {
		return nil, fmt.Errorf("generate tenant: users %d out of range", opts.Users)
	}
	if opts.SharedPrefixShare < 0 || opts.SharedPrefixShare >= 1 || math.IsNaN(opts.SharedPrefixShare) {
		return nil, fmt.Errorf("generate tenant: shared prefix share %v not in [0,1)", opts.SharedPrefixShare)
	}
	if opts.ExtensionShare > 1 || math.IsNaN(opts.ExtensionShare) {
		return nil, fmt.Errorf("generate tenant: extension share %v above 1", opts.ExtensionShare)
	}
	g := &generator{
		seed:     seedBits(opts.Seed),
		n:        opts.Users,
		domain:   opts.Domain,
		share:    opts.SharedPrefixShare,
		prefix:   opts.SharedPrefix,
		extShare: max(opts.ExtensionShare, 0),
		words:    newWordLists(),
	}
	if opts.ExtensionShare == 0 {
		g.extShare = DefaultExtensionShare
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
	g.mailRouting = strings.TrimSuffix(g.domain, ".onmicrosoft.com") + ".mail.onmicrosoft.com"
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

func formatGUID(b [16]byte) string { return string(appendGUID(nil, b)) }

// appendGUID appends b in the 8-4-4-4-12 lower-case hex form.
func appendGUID(out []byte, b [16]byte) []byte {
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return out
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

// randomGUID draws a GUID-shaped value from r (request ids and the like).
func randomGUID(r *rng) [16]byte {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], r.next())
	binary.BigEndian.PutUint64(b[8:16], r.next())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return b
}

// Dates are drawn between 2015-01-01 and 2025-06-01 (Unix seconds).
const (
	epochStart = 1420070400
	epochEnd   = 1748736000
)

// randomTime draws Unix seconds between from (at the earliest epochStart)
// and epochEnd.
func randomTime(r *rng, from int64) int64 {
	from = max(from, epochStart)
	return from + below64(r.next(), epochEnd-from)
}

// appendDateTime writes Unix seconds as Graph does: 2024-01-10T08:00:00Z.
func appendDateTime(b []byte, sec int64) []byte {
	days, rem := sec/86400, sec%86400
	y, m, d := civil(days)
	b = appendPadded(b, y, 4)
	b = append(b, '-')
	b = appendPadded(b, m, 2)
	b = append(b, '-')
	b = appendPadded(b, d, 2)
	b = append(b, 'T')
	b = appendPadded(b, int(rem/3600), 2)
	b = append(b, ':')
	b = appendPadded(b, int(rem%3600/60), 2)
	b = append(b, ':')
	b = appendPadded(b, int(rem%60), 2)
	return append(b, 'Z')
}

func appendPadded(b []byte, v, width int) []byte {
	var d [8]byte
	for k := width - 1; k >= 0; k-- {
		d[k] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:width]...)
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
