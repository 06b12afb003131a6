package tenant

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"
)

// Errors the mutations return (wrapped with the key they concern).
var (
	ErrNotFound = errors.New("user not found")
	ErrConflict = errors.New("user conflicts with an existing one")
	ErrInvalid  = errors.New("invalid user")
)

// Tenant is one directory: an immutable generated base (derived on demand)
// plus an overlay of users added or changed since, with the history delta
// queries need. All methods are safe for concurrent use.
type Tenant struct {
	domain string
	cat    *catalog
	bufs   sync.Pool  // page buffers
	ders   sync.Pool  // derivers
	gen    *generator // nil when the tenant was built from explicit users
	base   baseIndex
	key    [32]byte // HMAC key of page and delta tokens

	dnOnce sync.Once
	dn     dnIndex // base users by displayName, built on first use

	idOnce sync.Once
	ids    idIndex // base users by id, built on first use

	mu      sync.RWMutex
	cur     state             // what standard requests see
	lag     *lagged           // what eventual requests see, when lagging
	live    map[string]*entry // live overlay users by lower-cased id
	byUPN   map[string]*entry // live overlay users by lower-cased UPN
	deleted map[string]*entry // soft-deleted users by lower-cased id
	idSeq   uint64            // ids filled in for users given without one

	version    uint64            // bumped by every mutation
	changes    map[string]change // latest change per lower-cased id
	log        []logEntry        // every change, in version order
	deltaEpoch uint32            // bumped by ExpireDeltaTokens
	pageEpoch  uint32            // bumped by ExpirePageTokens
	settings   settings
}

// settings are the tunables; see the Set methods.
type settings struct {
	scanLimit int
	pageTTL   time.Duration
	deltaTTL  time.Duration
	now       func() time.Time
	order     Order // of lists without $orderby
	fewByID   int   // see defaultFewByID
	noPremium bool  // the tenant holds no Entra ID P1/P2 licence
}

// entry is an overlay user with its precomputed sort keys.
type entry struct {
	u        User
	lowerID  string
	lowerUPN string
	lowerDN  string
}

func newEntry(u User) *entry {
	return &entry{u: u, lowerID: strings.ToLower(u.ID), lowerUPN: strings.ToLower(u.UserPrincipalName), lowerDN: strings.ToLower(u.DisplayName)}
}

// Generate builds a synthetic tenant; see GenerateOptions.
func Generate(opts GenerateOptions) (*Tenant, error) {
	g, err := newGenerator(opts)
	if err != nil {
		return nil, err
	}
	b, err := buildBase(g)
	if err != nil {
		return nil, fmt.Errorf("generate tenant: %w", err)
	}
	t := newTenant(g.domain, fmt.Sprintf("generated/%d/%d", opts.Seed, opts.Users))
	t.gen, t.base = g, b
	t.cur.shadow = make([]uint64, (b.n+63)/64)
	t.cur.nLive = b.n
	return t, nil
}

// New builds a tenant from explicit users (tests). Ids and UPNs must be unique
// case-insensitively; a missing id is filled in deterministically.
func New(domain string, users []User) (*Tenant, error) {
	if domain == "" {
		domain = defaultDomain
	}
	if err := validateDomain(domain); err != nil {
		return nil, fmt.Errorf("new tenant: %w", err)
	}
	t := newTenant(domain, "explicit")
	if err := t.cat.registerExtensionsOf(users); err != nil {
		return nil, fmt.Errorf("new tenant: %w", err)
	}
	for i := range users {
		u := &users[i]
		e, err := t.prepare(u.clone())
		if err != nil {
			return nil, fmt.Errorf("new tenant: %w", err)
		}
		if _, dup := t.live[e.lowerID]; dup {
			return nil, fmt.Errorf("new tenant: id %q: %w", u.ID, ErrConflict)
		}
		if _, dup := t.byUPN[e.lowerUPN]; dup {
			return nil, fmt.Errorf("new tenant: userPrincipalName %q: %w", u.UserPrincipalName, ErrConflict)
		}
		t.live[e.lowerID], t.byUPN[e.lowerUPN] = e, e
		t.cur.ordUPN = append(t.cur.ordUPN, e)
	}
	st := &t.cur
	st.ordDN, st.ordID = slices.Clone(st.ordUPN), slices.Clone(st.ordUPN)
	for _, v := range []viewKind{vUPN, vDN, vID} {
		slices.SortFunc(st.overlay(v), func(a, b *entry) int { return cmpKey(entryKey(v, a), entryKey(v, b)) })
	}
	st.nLive = len(st.ordUPN)
	return t, nil
}

func newTenant(domain, salt string) *Tenant {
	t := &Tenant{
		domain:  domain,
		cat:     newTenantCatalog(),
		live:    map[string]*entry{},
		byUPN:   map[string]*entry{},
		deleted: map[string]*entry{},
		changes: map[string]change{},
		settings: settings{
			scanLimit: defaultScanLimit,
			fewByID:   defaultFewByID,
			deltaTTL:  7 * 24 * time.Hour,
			now:       time.Now,
		},
	}
	t.key = sha256.Sum256([]byte("graphemu tenant token key\x00" + domain + "\x00" + salt))
	return t
}

// Domain is the tenant's initial domain.
func (t *Tenant) Domain() string { return t.domain }

// Len is the number of live (not deleted) users.
func (t *Tenant) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.cur.nLive
}

// Lookup finds a live user by id or UPN, case-insensitively.
func (t *Tenant) Lookup(key string) (User, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	c, ok := t.find(key)
	if !ok {
		return User{}, false
	}
	var u User
	t.load(c, gAll, &u, newDeriver())
	return u.clone(), true
}

// Users yields the live users in lower-cased UPN order, whatever the
// default order of lists. It
// reads in chunks and never holds the lock while yielding, so the caller may
// mutate the tenant meanwhile: users are then seen as of when their chunk
// was read, and none is yielded twice.
func (t *Tenant) Users() iter.Seq[User] {
	return func(yield func(User) bool) {
		var after *sortKey
		for {
			chunk, last := t.usersChunk(after, 256)
			for i := range chunk {
				if !yield(chunk[i]) {
					return
				}
			}
			if last == nil {
				return
			}
			after = last
		}
	}
}

func (t *Tenant) usersChunk(after *sortKey, n int) ([]User, *sortKey) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []User
	var last *sortKey
	more := false
	d := newDeriver()
	t.scan(&t.cur, vUPN, false, allSpans(), after, func(c cand) bool {
		if len(out) == n {
			more = true
			return false
		}
		var u User
		t.load(c, gAll, &u, d)
		out = append(out, u.clone())
		k := t.keyOf(vUPN, c)
		last = &k
		return true
	})
	if !more {
		last = nil
	}
	return out, last
}

// cand is a user met by a scan: a base position, or an overlay entry.
type cand struct {
	k   int // index in the view (base only)
	pos int // base position, -1 for overlay entries
	e   *entry
}

// find resolves an id or UPN to a live user. Callers hold t.mu.
func (t *Tenant) find(key string) (cand, bool) {
	lower := strings.ToLower(key)
	if e, ok := t.live[lower]; ok {
		return cand{pos: -1, e: e}, true
	}
	if e, ok := t.byUPN[lower]; ok {
		return cand{pos: -1, e: e}, true
	}
	if t.gen == nil {
		return cand{}, false
	}
	if i, ok := t.gen.indexOfID(lower); ok {
		pos := int(t.base.inv[i])
		if !t.cur.shadowed(pos) {
			return cand{k: pos, pos: pos}, true
		}
		return cand{}, false
	}
	if pos, ok := t.base.findExact(lower); ok && !t.cur.shadowed(pos) {
		return cand{k: pos, pos: pos}, true
	}
	return cand{}, false
}

// load fills u with the candidate's user (groups say what a generated user
// needs derived). Overlay users are copied shallowly: callers must not keep
// or mutate them beyond the lock.
func (t *Tenant) load(c cand, grp group, u *User, d *deriver) {
	if c.e != nil {
		*u = c.e.u
		return
	}
	t.gen.derive(t.base.order[c.pos], grp, u, d)
}

// deriver takes a deriver from the pool. Users it derives are valid until
// putDeriver: callers finish with them (or clone them) first.
func (t *Tenant) deriver() *deriver {
	if d, ok := t.ders.Get().(*deriver); ok {
		return d
	}
	return newDeriver()
}

func (t *Tenant) putDeriver(d *deriver) {
	d.reset()
	t.ders.Put(d)
}

// prepare validates a user given from outside and fills in a missing id.
func (t *Tenant) prepare(u User) (*entry, error) {
	if strings.TrimSpace(u.UserPrincipalName) == "" || !strings.Contains(u.UserPrincipalName, "@") {
		return nil, fmt.Errorf("userPrincipalName %q: %w", u.UserPrincipalName, ErrInvalid)
	}
	if u.ID == "" {
		u.ID = t.fillID(u.UserPrincipalName)
	}
	if strings.ContainsAny(u.ID, "/?#") || strings.TrimSpace(u.ID) == "" {
		return nil, fmt.Errorf("id %q: %w", u.ID, ErrInvalid)
	}
	ext, err := t.cat.normalizeExtensions(u.Extensions)
	if err != nil {
		return nil, fmt.Errorf("user %q: %w", u.UserPrincipalName, err)
	}
	u.Extensions = ext
	seen := map[string]bool{}
	for i := range u.Phones {
		p := &u.Phones[i]
		switch p.Type {
		case PhoneMobile, PhoneAlternateMobile, PhoneOffice:
		default:
			return nil, fmt.Errorf("user %q: phone type %q: %w", u.UserPrincipalName, p.Type, ErrInvalid)
		}
		if seen[p.Type] {
			return nil, fmt.Errorf("user %q: two %s phones: %w", u.UserPrincipalName, p.Type, ErrInvalid)
		}
		seen[p.Type] = true
		if !validPhone(p.Number) {
			return nil, fmt.Errorf("user %q: phone number %q is not \"+CC NNNN[xEXT]\": %w", u.UserPrincipalName, p.Number, ErrInvalid)
		}
	}
	return newEntry(u), nil
}

// fillID derives an id from the UPN and a sequence number, so the same
// sequence of calls always yields the same ids.
func (t *Tenant) fillID(upn string) string {
	t.idSeq++
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d", t.domain, strings.ToLower(upn), t.idSeq)))
	var b [16]byte
	copy(b[:], h[:16])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatGUID(b)
}

// validPhone checks "+CC NNNN[xEXT]".
func validPhone(s string) bool {
	cc, rest, ok := strings.Cut(s, " ")
	if !ok || len(cc) < 2 || cc[0] != '+' || !allDigits(cc[1:]) {
		return false
	}
	num, ext, hasExt := strings.Cut(rest, "x")
	return allDigits(num) && (!hasExt || allDigits(ext))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
