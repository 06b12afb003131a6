package tenant

import (
	"fmt"
	"strings"
)

// Mutations change the overlay under the write lock and record each change
// for delta queries. A generated user that changes moves into the overlay
// and its base slot is shadowed.

type changeKind uint8

const (
	chUpdated     changeKind = iota // added, updated or restored
	chSoftDeleted                   // in deleted items: "@removed" reason "changed"
	chHardDeleted                   // gone: "@removed" reason "deleted"
)

// change is a user's latest change.
type change struct {
	ver  uint64
	kind changeKind
	idx  int // its entry in the log
}

// logEntry is one change. A delta round reports a user once, at its latest
// change, with what all its changes since the round's start did: the chain
// of a user's entries (prev) holds that.
type logEntry struct {
	ver  uint64
	id   string  // lower-cased
	prev int     // the user's previous entry in the log, -1 for none
	full bool    // created or restored: reported with every selected property
	set  propSet // an update's changed properties
}

func (t *Tenant) record(lowerID string, kind changeKind, set propSet, full bool) {
	t.version++
	prev := -1
	if ch, ok := t.changes[lowerID]; ok {
		prev = ch.idx
	}
	t.changes[lowerID] = change{ver: t.version, kind: kind, idx: len(t.log)}
	t.log = append(t.log, logEntry{ver: t.version, id: lowerID, prev: prev, full: full, set: set})
}

// Add adds a user (an id is filled in when missing).
func (t *Tenant) Add(u User) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.add(u)
	return err
}

func (t *Tenant) add(u User) (*entry, error) {
	u = u.clone()
	u.DeletedDateTime = ""
	e, err := t.prepare(u)
	if err != nil {
		return nil, fmt.Errorf("add user: %w", err)
	}
	if t.idTaken(e.lowerID) {
		return nil, fmt.Errorf("add user: id %q: %w", e.u.ID, ErrConflict)
	}
	return e, t.goLive(e, "add user")
}

// goLive lists an added or restored user, whose UPN must be free; op names
// the mutation in the error.
func (t *Tenant) goLive(e *entry, op string) error {
	if _, taken := t.find(e.lowerUPN); taken {
		return fmt.Errorf("%s: userPrincipalName %q: %w", op, e.u.UserPrincipalName, ErrConflict)
	}
	t.insert(e)
	t.record(e.lowerID, chUpdated, propSet{}, true)
	return nil
}

// idTaken reports whether any user, live or deleted, generated or added, has
// held the id.
func (t *Tenant) idTaken(lowerID string) bool {
	if _, ok := t.live[lowerID]; ok {
		return true
	}
	if _, ok := t.deleted[lowerID]; ok {
		return true
	}
	if _, ok := t.changes[lowerID]; ok {
		return true
	}
	if t.gen != nil {
		if _, ok := t.gen.indexOfID(lowerID); ok {
			return true
		}
	}
	return false
}

// Update changes a live user in place. The id cannot change; a new UPN must
// be free.
func (t *Tenant) Update(key string, change func(*User)) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _, err := t.update(key, change)
	return err
}

// update returns the user's UPN before the change and its new entry.
func (t *Tenant) update(key string, change func(*User)) (string, *entry, error) {
	c, u, err := t.liveCopy(key, "update user")
	if err != nil {
		return "", nil, err
	}
	id, oldUPN, before := u.ID, u.UserPrincipalName, u.clone()
	change(&u)
	u = u.clone() // change may have handed in slices and maps the caller keeps
	if !strings.EqualFold(u.ID, id) {
		return "", nil, fmt.Errorf("update user %q: the id cannot change: %w", key, ErrInvalid)
	}
	u.ID, u.DeletedDateTime = id, ""
	e, err := t.prepare(u)
	if err != nil {
		return "", nil, fmt.Errorf("update user %q: %w", key, err)
	}
	if other, ok := t.find(e.lowerUPN); ok && !sameCand(other, c) {
		return "", nil, fmt.Errorf("update user %q: userPrincipalName %q: %w", key, u.UserPrincipalName, ErrConflict)
	}
	t.remove(c)
	t.insert(e)
	t.record(e.lowerID, chUpdated, t.cat.changed(&before, &e.u), false)
	return oldUPN, e, nil
}

func sameCand(a, b cand) bool { return a.e == b.e && a.pos == b.pos }

// liveCopy finds a live user and returns it with a copy of all its
// properties, for a mutation to change; op names the mutation in the error.
func (t *Tenant) liveCopy(key, op string) (cand, User, error) {
	c, ok := t.find(key)
	if !ok {
		return cand{}, User{}, fmt.Errorf("%s %q: %w", op, key, ErrNotFound)
	}
	var u User
	t.load(c, gAll, &u, newDeriver())
	return c, u.clone(), nil
}

// SoftDelete moves a live user to deleted items.
func (t *Tenant) SoftDelete(key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.softDelete(key)
	return err
}

// softDelete returns the user as it now is in deleted items.
func (t *Tenant) softDelete(key string) (*entry, error) {
	c, u, err := t.liveCopy(key, "delete user")
	if err != nil {
		return nil, err
	}
	t.remove(c)
	u.DeletedDateTime = t.settings.now().UTC().Format("2006-01-02T15:04:05Z")
	e := newEntry(u)
	t.deleted[e.lowerID] = e
	t.record(e.lowerID, chSoftDeleted, propSet{}, false)
	return e, nil
}

// HardDelete removes a live or soft-deleted user for good.
func (t *Tenant) HardDelete(key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _, err := t.hardDelete(key)
	return err
}

// hardDelete returns the user's id and UPN.
func (t *Tenant) hardDelete(key string) (id, upn string, err error) {
	if c, ok := t.find(key); ok {
		var u User
		t.load(c, gCore, &u, newDeriver())
		id, upn = u.ID, u.UserPrincipalName
		t.remove(c)
		t.record(strings.ToLower(id), chHardDeleted, propSet{}, false)
		return id, upn, nil
	}
	e, ok := t.findDeleted(key)
	if !ok {
		return "", "", fmt.Errorf("delete user %q permanently: %w", key, ErrNotFound)
	}
	delete(t.deleted, e.lowerID)
	t.record(e.lowerID, chHardDeleted, propSet{}, false)
	return e.u.ID, e.u.UserPrincipalName, nil
}

// Restore brings a soft-deleted user back; its UPN must still be free.
func (t *Tenant) Restore(key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.restore(key)
	return err
}

// restore returns the restored user's entry. The entry in deleted items is
// not reused: listed entries are shared with the lagged state and never
// change.
func (t *Tenant) restore(key string) (*entry, error) {
	d, ok := t.findDeleted(key)
	if !ok {
		return nil, fmt.Errorf("restore user %q: %w", key, ErrNotFound)
	}
	u := d.u
	u.DeletedDateTime = ""
	e := newEntry(u)
	if err := t.goLive(e, fmt.Sprintf("restore user %q", key)); err != nil {
		return nil, err
	}
	delete(t.deleted, e.lowerID)
	return e, nil
}

func (t *Tenant) findDeleted(key string) (*entry, bool) {
	lower := strings.ToLower(key)
	if e, ok := t.deleted[lower]; ok {
		return e, true
	}
	for _, e := range t.deleted {
		if e.lowerUPN == lower {
			return e, true
		}
	}
	return nil, false
}

// insert lists a user in the overlay.
func (t *Tenant) insert(e *entry) {
	t.live[e.lowerID], t.byUPN[e.lowerUPN] = e, e
	t.apply(stateOp{ins: true, c: cand{pos: -1, e: e}})
}

// remove takes a live user out of the listing.
func (t *Tenant) remove(c cand) {
	if c.e != nil {
		delete(t.live, c.e.lowerID)
		delete(t.byUPN, c.e.lowerUPN)
	}
	t.apply(stateOp{c: c})
}
