package tenant

import (
	"iter"
	"net/url"
)

// GenerateOptions configure a synthetic tenant.
type GenerateOptions struct {
	Seed              int64
	Users             int
	Domain            string
	SharedPrefixShare float64
	SharedPrefix      string
}

// Tenant is a directory.
type Tenant struct{ domain string }

func Generate(opts GenerateOptions) (*Tenant, error)   { return &Tenant{domain: opts.Domain}, nil }
func New(domain string, users []User) (*Tenant, error) { return &Tenant{domain: domain}, nil }

func (t *Tenant) Domain() string                                        { return t.domain }
func (t *Tenant) Len() int                                              { return 0 }
func (t *Tenant) Users() iter.Seq[User]                                 { return func(func(User) bool) {} }
func (t *Tenant) Lookup(key string) (User, bool)                        { return User{}, false }
func (t *Tenant) ListUsers(q url.Values, eventual bool) (*Page, *Error) { return nil, notImplemented() }
func (t *Tenant) CountUsers(q url.Values, eventual bool) (int, *Error)  { return 0, notImplemented() }
func (t *Tenant) GetUser(key string, q url.Values) (*Entity, *Error)    { return nil, notImplemented() }
func (t *Tenant) GetByIDs(body []byte, q url.Values) (*Page, *Error)    { return nil, notImplemented() }
func (t *Tenant) AuthMethods(key string, kind MethodKind, masked bool) (*Page, *Error) {
	return nil, notImplemented()
}
func (t *Tenant) Delta(q url.Values) (*Page, *Error)          { return nil, notImplemented() }
func (t *Tenant) Add(u User) error                            { return nil }
func (t *Tenant) Update(key string, change func(*User)) error { return nil }
func (t *Tenant) SoftDelete(key string) error                 { return nil }
func (t *Tenant) HardDelete(key string) error                 { return nil }
func (t *Tenant) Restore(key string) error                    { return nil }
func (t *Tenant) ExpirePageTokens()                           {}

// SelectsProperty reports whether the query's $select names the property.
func SelectsProperty(q url.Values, name string) bool { return false }

// NoQueryOptions answers 400 when an endpoint that takes no query options got some.
func NoQueryOptions(q url.Values) *Error { return nil }
