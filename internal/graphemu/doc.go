// Package graphemu is a faithful local Microsoft Graph for tests, benchmarks
// and the demo: the token endpoint (client secret and certificate assertion),
// the v1.0 users, $count, getByIds, authentication-method, $batch and delta
// endpoints over HTTP or TLS, with Graph's error envelope, permissions,
// latency model, throttling and fault injection, and counters tests can read.
//
// The directory itself and its query engine live in graphemu/tenant; this
// package is the HTTP service around it. It shares no code with the provider's
// Graph client (internal/graph), so that one cannot hide the other's mistakes.
package graphemu
