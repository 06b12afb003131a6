package directory

import (
	"context"
	"errors"
	"fmt"
)

// ErrChangeLogExpired says a link to the directory's change log is too old
// to follow: the reader must list the directory again.
var ErrChangeLogExpired = errors.New("the directory's change log expired")

// Query says which users to read and what to read of each.
//
// Exactly one way of choosing users applies: the explicit lists
// (UserPrincipalNames and/or ObjectIDs, the portal's tick-box selection), or
// Filter and/or Search, or, when all are empty, every user.
type Query struct {
	// Select lists the Graph property names to $select. It always holds "id"
	// and "userPrincipalName": the export sorts by them.
	Select []string

	// AuthMethods asks for each user's authentication methods (User.Auth).
	AuthMethods bool

	// Registration asks for each user's authentication-method registration
	// details (User.Registration), from Graph's registration report.
	Registration bool

	// PageSize is the $top of list pages: 0 for Graph's largest (999).
	// Some properties make Graph answer smaller pages (signInActivity: 120).
	PageSize int

	// Tracked lists the selected properties the directory's change log
	// follows: a change to one of them makes a user changed. nil = Select.
	Tracked []string

	// Filter is a raw OData $filter and Search a raw $search, passed to Graph
	// as given.
	Filter string
	Search string

	// UserPrincipalNames and ObjectIDs select users one by one. A name or id
	// that does not resolve is a UserError, not a failure of the export.
	UserPrincipalNames []string
	ObjectIDs          []string
}

// Explicit reports whether the query names its users one by one.
func (q Query) Explicit() bool {
	return len(q.UserPrincipalNames) > 0 || len(q.ObjectIDs) > 0
}

// Sink receives what a read of the directory produces. Implementations must be
// safe for concurrent use: readers deliver from many goroutines at once.
type Sink interface {
	// Users takes a batch of users. The callee must not keep the slice after
	// it returns (the caller may reuse it); it may keep the User values. A
	// non-nil error aborts the read and is returned by it.
	Users(ctx context.Context, users []User) error

	// UserError records a failure that concerns one user only; the read goes
	// on.
	UserError(ctx context.Context, e UserError)

	// Replace reconciles the read with changes made to the directory while
	// it ran: whatever was delivered before for the users with these object
	// ids is void, and current holds those of them that still belong to the
	// query, as read after the change (possibly none: a user deleted, or no
	// longer matching the filter). A later Replace naming the same id
	// supersedes an earlier one; a later Users delivery of a named id is
	// stale (the listing read it before the change) and is dropped. The same ownership rules as Users apply to
	// both slices.
	Replace(ctx context.Context, ids []string, current []User) error
}

// Operations a UserError can name.
const (
	OpLookup      = "lookupUser"               // resolving an explicitly selected user
	OpAuthMethods = "getAuthenticationMethods" // reading a user's authentication methods
)

// UserError is a failure that concerns one user: the row of the results file.
type UserError struct {
	UserPrincipalName string
	ObjectID          string
	Operation         string // one of the Op constants
	Status            int    // HTTP status Graph answered with (0 when none)
	Code              string // Graph's error code, e.g. Request_ResourceNotFound
	Message           string // Graph's error message
	RequestID         string // Graph's request-id, for a support case
}

// Subject names the user the error is about, for messages.
func (e UserError) Subject() string {
	switch {
	case e.UserPrincipalName != "" && e.ObjectID != "":
		return fmt.Sprintf("%s (%s)", e.UserPrincipalName, e.ObjectID)
	case e.UserPrincipalName != "":
		return e.UserPrincipalName
	default:
		return e.ObjectID
	}
}
