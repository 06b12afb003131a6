// Package tenant is the emulator's directory: users (generated
// deterministically from a seed and a size, or given explicitly), their
// authentication methods, changes for delta queries, and the query engine that
// answers list, get, count, getByIds and delta requests the way Microsoft Graph
// does ($select, $top, $skiptoken, $filter, $search, $orderby, $count and the
// ConsistencyLevel rules), including Graph's error codes and messages.
//
// It knows nothing of HTTP, tokens, throttling or latency: package graphemu
// does. It must not import any other package of this module.
package tenant
