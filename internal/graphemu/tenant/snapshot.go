package tenant

// Snapshot maps the lower-cased object id of every live user to its
// userPrincipalName, as of one instant (taken under the read lock, so
// consistent with the events of a Churn). It derives every generated user's
// UPN, O(n): it is for checks, not for serving.
func (t *Tenant) Snapshot() map[string]string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make(map[string]string, t.cur.nLive)
	for pos := range t.base.n {
		if t.cur.shadowed(pos) {
			continue
		}
		i := t.base.order[pos]
		out[formatGUID(t.gen.idOf(i))] = t.gen.upnOf(i)
	}
	for _, e := range t.cur.ordUPN {
		out[e.lowerID] = e.u.UserPrincipalName
	}
	return out
}

// upnOf is generated user i's userPrincipalName, as derive spells it.
func (g *generator) upnOf(i uint32) string {
	id := g.identity(i)
	b := g.appendUPNLocal(nil, &id)
	b = append(b, '@')
	return string(append(b, g.domain...))
}
