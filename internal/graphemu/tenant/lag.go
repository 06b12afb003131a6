package tenant

import "time"

// Eventual consistency. Graph answers requests sent with ConsistencyLevel:
// eventual (advanced queries, $search, $count) from an index that trails the
// directory. With a lag d, the tenant keeps a second state that trails the
// current one by d: every change to the current state is queued with its
// time and applied to the lagged state once it is d old. Entries are shared
// and the base is immutable, so the lagged state costs its overlay slices,
// one shadow bitmap (n/8 bytes) and the changes of the last d.

// MaxConsistencyLag bounds SetConsistencyLag.
const MaxConsistencyLag = 30 * time.Second

// stateOp is one change to a state: insert an overlay entry, or remove a
// live user (a base position or an overlay entry).
type stateOp struct {
	at  time.Time
	ins bool
	c   cand
}

func (s *state) apply(op stateOp) {
	if op.ins {
		s.insert(op.c.e)
		return
	}
	s.remove(op.c)
}

// lagged is the state eventual requests see, and the changes it has yet to
// take.
type lagged struct {
	d       time.Duration
	st      *state
	pending []stateOp // oldest first
}

// SetConsistencyLag makes every answer to a request sent with
// ConsistencyLevel: eventual (lists, their next pages, @odata.count and
// /users/$count) reflect the directory as it was d ago; other requests
// (standard lists, GET /users/{id}, getByIds, delta) see it as it is. d is
// clamped to [0, MaxConsistencyLag]; 0 (the default) turns the lag off.
// When the lag is turned on, the lagged view starts from the directory as it
// is then; lengthening a lag already on does not take back changes the
// lagged view has already taken.
func (t *Tenant) SetConsistencyLag(d time.Duration) {
	d = min(max(d, 0), MaxConsistencyLag)
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case d == 0:
		t.lag = nil
	case t.lag == nil:
		t.lag = &lagged{d: d, st: t.cur.clone()}
	default:
		t.lag.d = d
		t.advanceLag(t.settings.now())
	}
}

// ConsistencyLag is the lag SetConsistencyLag set.
func (t *Tenant) ConsistencyLag() time.Duration {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.lag == nil {
		return 0
	}
	return t.lag.d
}

// apply changes the current state and queues the change for the lagged
// one. Callers hold t.mu for writing.
func (t *Tenant) apply(op stateOp) {
	t.cur.apply(op)
	if t.lag == nil {
		return
	}
	op.at = t.settings.now()
	t.lag.pending = append(t.lag.pending, op)
	t.advanceLag(op.at)
}

// advanceLag applies the queued changes that are at least d old at now.
// Callers hold t.mu for writing.
func (t *Tenant) advanceLag(now time.Time) {
	l := t.lag
	n := 0
	for n < len(l.pending) && !l.pending[n].at.After(now.Add(-l.d)) {
		l.st.apply(l.pending[n])
		n++
	}
	if n == 0 {
		return
	}
	clear(l.pending[:n]) // drop the references to entries
	l.pending = l.pending[n:]
	if len(l.pending) == 0 {
		l.pending = nil // let the backing array go
	}
}

// lagDue reports whether the lagged state has changes to take. Callers hold
// t.mu.
func (t *Tenant) lagDue() bool {
	l := t.lag
	return l != nil && len(l.pending) > 0 && !l.pending[0].at.After(t.settings.now().Add(-l.d))
}

// catchUp brings the lagged state up to date before an eventual request
// reads it; it takes the write lock only when there is something to apply.
func (t *Tenant) catchUp() {
	t.mu.RLock()
	due := t.lagDue()
	t.mu.RUnlock()
	if !due {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.lag != nil {
		t.advanceLag(t.settings.now())
	}
}

// readState is the state a request reads: the lagged one for eventual
// requests while a lag is set. Eventual callers call catchUp before taking
// t.mu, and hold t.mu while they use the state.
func (t *Tenant) readState(eventual bool) *state {
	if eventual && t.lag != nil {
		return t.lag.st
	}
	return &t.cur
}
