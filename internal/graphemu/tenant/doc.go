// Package tenant is the emulator's directory: users (generated
// deterministically from a seed and a size, or given explicitly), their
// authentication methods, directory extension values and rows of the
// authentication-methods registration report, changes for delta queries,
// and the query engine that answers list, get, count, getByIds, delta and
// registration-report requests the way Microsoft Graph does ($select, $top,
// $skiptoken, $filter, $search, $orderby, $count and the ConsistencyLevel
// rules), including Graph's error codes and messages.
//
// Directory extensions (extension_<app id without dashes>_<name>: String,
// Integer, Boolean or String collection) are returned only when $select
// names them, left out of users without a value, and filtered with eq (ne
// and eq null as advanced queries, any() on collections). Every tenant
// registers the standard ones (ExtensionCostCentre, ExtensionBadgeNumber,
// ExtensionIsContractor, ExtensionSkills, on ExtensionAppID), which a share
// of generated users carry; New registers the others its users carry.
//
// The registration report (UserRegistrationDetails) has one row per live
// user, derived from the user (RegistrationOf) consistently with its
// authentication methods, or given (User.Registration); it needs the
// tenant's premium licence (SetPremiumLicense).
//
// A generated user is never stored: it is derived on demand from the seed and
// its index, and only a sorted index of lower-cased UPNs is kept (about 30
// bytes a user), plus an overlay of the users added or changed since. Filters
// on userPrincipalName become ranges of that index, so partitioned listing of
// a million users does not scan. Page tokens carry the last sort key scanned,
// so changes between pages never skip or repeat an unchanged user. All methods
// are safe for concurrent use.
//
// Delta rounds (Delta) report each changed user once: created and restored
// users with every selected property, updated users with their id and only
// the selected properties their changes touched (every extension of a
// type when one changed), removed users with "@removed" reason changed
// (deleted items) or deleted; changes to properties $select does not name
// report nothing. Pages hold 200 users at most (Prefer: odata.maxpagesize
// asks for fewer); a delta token older than its lifetime answers 400
// syncStateNotFound, one the tenant stopped honouring (ExpireDeltaTokens)
// 410 Gone.
//
// The directory can move while a client reads it, as a real one does: a
// Churn (StartChurn) creates, deletes, restores, renames and updates users
// in rounds drawn from a seed, with new names landing all over the name
// space, and logs every change as an Event; Snapshot is the state a log
// starts from. SetConsistencyLag makes requests sent with ConsistencyLevel:
// eventual see the directory as it was a while ago, and SetDefaultOrder
// lists users without $orderby in object-id order instead of by
// userPrincipalName, an order Graph never promises.
//
// It knows nothing of HTTP, tokens, throttling or latency: package graphemu
// does. It must not import any other package of this module.
package tenant
