package tenant

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Churn changes a tenant while a client reads it: rounds of creates, soft
// and hard deletes, restores, renames and property updates, drawn from a
// seed, each logged as an Event. The same seed, tenant and sequence of
// rounds give the same events (but for their times), as long as nothing else
// changes the tenant meanwhile.
type Churn struct {
	t    *Tenant
	opts ChurnOptions

	cancel context.CancelFunc
	done   chan struct{} // closed when the round loop has ended

	mu          sync.Mutex // one round at a time; guards what follows
	r           rng
	tpl         *generator // draws the profiles of created users, and names
	softDeleted []string   // lower-cased ids in deleted items: restore candidates
	events      []Event
	err         error // first error of a round of the loop
	stopped     bool
}

// ChurnOptions say how fast and how a tenant changes.
type ChurnOptions struct {
	// Interval is the time between rounds of StartChurn's loop (a round
	// that overruns it delays the next); 0 runs no loop: only Step makes
	// rounds.
	Interval time.Duration
	// Events per round of each kind. Deletes are a mix of soft deletes
	// (about two in three) and hard deletes of live users; Restores bring
	// back soft-deleted users whose name is still free, as many as there are.
	Creates, Deletes, Renames, Updates, Restores int
	Seed                                         int64
}

// EventKind is what a change did.
type EventKind int

// The kinds of change.
const (
	EventCreated     EventKind = iota // a new user, live at once
	EventSoftDeleted                  // a live user moved to deleted items
	EventHardDeleted                  // a live user removed for good
	EventRestored                     // a soft-deleted user live again
	EventRenamed                      // a live user's userPrincipalName changed
	EventUpdated                      // other properties of a live user changed
)

// String names the kind.
func (k EventKind) String() string {
	switch k {
	case EventCreated:
		return "created"
	case EventSoftDeleted:
		return "soft-deleted"
	case EventHardDeleted:
		return "hard-deleted"
	case EventRestored:
		return "restored"
	case EventRenamed:
		return "renamed"
	case EventUpdated:
		return "updated"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one change. OldUPN is the name before it (empty for creates and
// restores), NewUPN the name after it (empty for deletes); an update has
// both, the same.
type Event struct {
	Seq    uint64 // 1, 2, ... in the order the changes were made
	At     time.Time
	Kind   EventKind
	ID     string // the object id
	OldUPN string
	NewUPN string
}

// ErrChurnStopped is what Step answers after Stop.
var ErrChurnStopped = errors.New("churn stopped")

// StartChurn starts changing t: one round every opts.Interval, in a
// goroutine, until Stop or until ctx is done. Users already in deleted items
// are candidates for restores.
func StartChurn(ctx context.Context, t *Tenant, opts ChurnOptions) *Churn {
	c := &Churn{t: t, opts: opts, done: make(chan struct{}), r: rng{s: seedBits(opts.Seed)}}
	c.tpl = templateGenerator(t.domain, opts.Seed)
	t.mu.RLock()
	c.softDeleted = slices.Sorted(maps.Keys(t.deleted))
	t.mu.RUnlock()
	ctx, c.cancel = context.WithCancel(ctx)
	if opts.Interval <= 0 {
		close(c.done)
		return c
	}
	go c.loop(ctx)
	return c
}

// templateGenerator draws the profiles and names of created users. It holds
// no users: only its derivation is used. The domain is the tenant's, which
// was validated when the tenant was made.
func templateGenerator(domain string, seed int64) *generator {
	return &generator{
		seed:        seedBits(seed) ^ 0x636875726e, // apart from a tenant generated with the same seed
		n:           maxGenerated,
		domain:      domain,
		prefix:      "user",
		mailRouting: strings.TrimSuffix(domain, ".onmicrosoft.com") + ".mail.onmicrosoft.com",
		extShare:    DefaultExtensionShare,
		words:       newWordLists(),
	}
}

func (c *Churn) loop(ctx context.Context) {
	defer close(c.done)
	tick := time.NewTicker(c.opts.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := c.Step(); err != nil {
			if !errors.Is(err, ErrChurnStopped) {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
			}
			return
		}
	}
}

// Step runs one round now and returns when it is done. The kinds of a round
// come in an order drawn from the seed; an event that has no candidate (no
// live user to delete, no restorable user) is left out.
func (c *Churn) Step() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return ErrChurnStopped
	}
	var plan []EventKind
	for _, k := range []struct {
		kind EventKind
		n    int
	}{
		{EventCreated, c.opts.Creates}, {EventSoftDeleted, c.opts.Deletes}, {EventRenamed, c.opts.Renames},
		{EventUpdated, c.opts.Updates}, {EventRestored, c.opts.Restores},
	} {
		for range max(k.n, 0) {
			plan = append(plan, k.kind)
		}
	}
	for i := len(plan) - 1; i > 0; i-- {
		j := c.r.intn(i + 1)
		plan[i], plan[j] = plan[j], plan[i]
	}
	for _, k := range plan {
		if err := c.one(k); err != nil {
			return fmt.Errorf("churn round: %s: %w", k, err)
		}
	}
	return nil
}

// one makes one change of a kind (EventSoftDeleted stands for any delete)
// under the tenant's lock, and logs it.
func (c *Churn) one(k EventKind) error {
	t := c.t
	t.mu.Lock()
	defer t.mu.Unlock()
	var ev Event
	var ok bool
	var err error
	switch k {
	case EventCreated:
		ev, ok, err = c.create()
	case EventSoftDeleted:
		ev, ok, err = c.delete()
	case EventRenamed:
		ev, ok, err = c.rename()
	case EventUpdated:
		ev, ok, err = c.update()
	case EventRestored:
		ev, ok, err = c.restoreOne()
	}
	if err != nil || !ok {
		return err
	}
	ev.Seq, ev.At = uint64(len(c.events))+1, t.settings.now()
	c.events = append(c.events, ev)
	return nil
}

// Stop ends the loop (waiting for a round under way), makes later Steps
// fail, and returns the whole log. It may be called more than once.
func (c *Churn) Stop() []Event {
	c.cancel()
	<-c.done
	c.mu.Lock()
	c.stopped = true
	c.mu.Unlock()
	return c.Events()
}

// Events is a copy of the log so far.
func (c *Churn) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// Err is the error that ended the loop, if a round failed.
func (c *Churn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// maxTries bounds the draws of a change whose name or candidate is taken.
const maxTries = 32

func (c *Churn) create() (Event, bool, error) {
	t := c.t
	for range maxTries {
		nm := c.newName()
		u := c.templateUser(nm)
		e, err := t.add(u)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return Event{}, false, err
		}
		return Event{Kind: EventCreated, ID: e.u.ID, NewUPN: e.u.UserPrincipalName}, true, nil
	}
	return Event{}, false, nil
}

// templateUser is a new user with a full profile drawn from the template
// generator, under a new name. Callers hold c.t.mu.
func (c *Churn) templateUser(nm newName) User {
	var u User
	d := newDeriver()
	c.tpl.derive(u32(c.r.intn(maxGenerated)), gAll, &u, d)
	u = u.clone()
	u.ID, u.UserPrincipalName = "", nm.upn(c.t.domain)
	u.GivenName, u.Surname, u.DisplayName = nm.given, nm.surname, nm.display
	u.Mail, u.ProxyAddresses, u.SignInActivity = "", nil, nil
	u.CreatedDateTime = c.t.settings.now().UTC().Format("2006-01-02T15:04:05Z")
	return u
}

func (c *Churn) delete() (Event, bool, error) {
	t := c.t
	key, ok := c.pickLiveID()
	if !ok {
		return Event{}, false, nil
	}
	if c.r.chance(1.0 / 3) {
		id, upn, err := t.hardDelete(key)
		return Event{Kind: EventHardDeleted, ID: id, OldUPN: upn}, err == nil, err
	}
	e, err := t.softDelete(key)
	if err != nil {
		return Event{}, false, err
	}
	c.softDeleted = append(c.softDeleted, e.lowerID)
	return Event{Kind: EventSoftDeleted, ID: e.u.ID, OldUPN: e.u.UserPrincipalName}, true, nil
}

func (c *Churn) rename() (Event, bool, error) {
	t := c.t
	key, ok := c.pickLiveID()
	if !ok {
		return Event{}, false, nil
	}
	for range maxTries {
		upn := c.newName().upn(t.domain)
		old, e, err := t.update(key, func(u *User) { u.UserPrincipalName = upn })
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return Event{}, false, err
		}
		return Event{Kind: EventRenamed, ID: e.u.ID, OldUPN: old, NewUPN: e.u.UserPrincipalName}, true, nil
	}
	return Event{}, false, nil
}

func (c *Churn) update() (Event, bool, error) {
	t := c.t
	key, ok := c.pickLiveID()
	if !ok {
		return Event{}, false, nil
	}
	w := c.tpl.words
	change := c.r.intn(5)
	nm, _, _ := c.person(&w.scripts[c.r.intn(len(w.scripts))])
	display := nm.display
	dept, title := pick(&c.r, w.departments), pick(&c.r, w.jobTitles)
	phone := fmt.Sprintf("+1 425 555 %04d", c.r.intn(10000))
	_, e, err := t.update(key, func(u *User) {
		switch change {
		case 0:
			u.Department = dept
		case 1:
			u.JobTitle = title
		case 2:
			u.DisplayName = display
		case 3:
			u.AccountEnabled = ptrBool(u.AccountEnabled == nil || !*u.AccountEnabled)
		default:
			u.MobilePhone = phone
		}
	})
	if err != nil {
		return Event{}, false, err
	}
	upn := e.u.UserPrincipalName
	return Event{Kind: EventUpdated, ID: e.u.ID, OldUPN: upn, NewUPN: upn}, true, nil
}

func ptrBool(v bool) *bool { return &v }

// restoreOne restores a soft-deleted user whose name is free, dropping
// candidates that are no longer in deleted items.
func (c *Churn) restoreOne() (Event, bool, error) {
	t := c.t
	for range maxTries {
		if len(c.softDeleted) == 0 {
			return Event{}, false, nil
		}
		i := c.r.intn(len(c.softDeleted))
		id := c.softDeleted[i]
		d, ok := t.deleted[id]
		if !ok {
			c.dropCandidate(i)
			continue
		}
		if _, taken := t.find(d.lowerUPN); taken {
			continue
		}
		e, err := t.restore(id)
		if err != nil {
			return Event{}, false, err
		}
		c.dropCandidate(i)
		return Event{Kind: EventRestored, ID: e.u.ID, NewUPN: e.u.UserPrincipalName}, true, nil
	}
	return Event{}, false, nil
}

func (c *Churn) dropCandidate(i int) {
	last := len(c.softDeleted) - 1
	c.softDeleted[i] = c.softDeleted[last]
	c.softDeleted = c.softDeleted[:last]
}

// pickLive draws a live user, about uniformly. Callers hold c.t.mu.
func (c *Churn) pickLive() (cand, bool) {
	t := c.t
	st := &t.cur
	if st.nLive == 0 {
		return cand{}, false
	}
	nb, no := t.base.n, len(st.ordUPN)
	for range maxTries {
		r := c.r.intn(nb + no)
		if r >= nb {
			return cand{pos: -1, e: st.ordUPN[r-nb]}, true
		}
		if !st.shadowed(r) {
			return cand{k: r, pos: r}, true
		}
	}
	if no > 0 {
		return cand{pos: -1, e: st.ordUPN[c.r.intn(no)]}, true
	}
	// Nearly every base user is gone: walk to the next one left.
	start := c.r.intn(nb)
	for k := range nb {
		if pos := (start + k) % nb; !st.shadowed(pos) {
			return cand{k: pos, pos: pos}, true
		}
	}
	return cand{}, false
}

// pickLiveID draws a live user's lower-cased id. Callers hold c.t.mu.
func (c *Churn) pickLiveID() (string, bool) {
	cd, ok := c.pickLive()
	if !ok {
		return "", false
	}
	return c.t.lowerIDOf(cd), true
}

// lowerUPNOf is a live user's lower-cased UPN.
func (t *Tenant) lowerUPNOf(c cand) string {
	if c.e != nil {
		return c.e.lowerUPN
	}
	return t.base.fullKey(c.pos)
}
