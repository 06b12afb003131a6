package tenant

import "net/url"

// Page is one page of a collection answer.
type Page struct {
	Context  string // what follows "$metadata#" in @odata.context, e.g. "users(id,displayName)"
	Value    []byte // the JSON array of this page's items, "[...]"
	Items    int    // items in Value (the latency model charges per item)
	Count    int    // @odata.count, when HasCount (first page only)
	HasCount bool
	Next     url.Values // query for @odata.nextLink: original options + opaque $skiptoken; nil on the last page
	Delta    url.Values // delta only: query for @odata.deltaLink (last page)
}

// Entity is a single object. JSON is the object without @odata.context: the
// HTTP layer splices "@odata.context" in front.
type Entity struct {
	Context string
	JSON    []byte
}

// MethodKind says which authentication-methods collection to list.
type MethodKind int

// The authentication-methods collections.
const (
	AllMethods   MethodKind = iota // /users/{id}/authentication/methods
	PhoneMethods                   // /users/{id}/authentication/phoneMethods
	EmailMethods                   // /users/{id}/authentication/emailMethods
)
