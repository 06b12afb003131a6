package tenant

// Order is the order of GET /users pages when the request has no $orderby.
// Graph documents none; it often shows lower-cased userPrincipalName order,
// which a client must not rely on.
type Order int

// The default listing orders.
const (
	OrderUPN Order = iota // lower-cased userPrincipalName (the default)
	OrderID               // object id
)

// String names the order as the graphemu program's -order flag does.
func (o Order) String() string {
	if o == OrderID {
		return "id"
	}
	return "upn"
}

// ParseOrder reads "upn" or "id".
func ParseOrder(s string) (Order, bool) {
	switch s {
	case "upn":
		return OrderUPN, true
	case "id":
		return OrderID, true
	}
	return OrderUPN, false
}

// SetDefaultOrder sets the order of lists without $orderby. In either order
// a $skiptoken is a cursor: the next page continues after the last user the
// previous one scanned, in the directory as it is then, so users created,
// deleted or renamed between pages never make an unchanged user repeat or go
// missing. An explicit $orderby keeps its own order. Changing the order
// invalidates the page tokens of lists without $orderby.
func (t *Tenant) SetDefaultOrder(o Order) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.settings.order = o
}
