// Package graphemu is a faithful local Microsoft Graph for tests, benchmarks
// and the demo: the Entra token endpoint (client secret, certificate
// assertion, App Service managed identity) and the v1.0 users, $count,
// getByIds, authentication-method, delta, registration-report and $batch
// endpoints, over TLS (HTTP/2) or plain HTTP, with Graph's error envelope,
// request ids, permissions, latency model, throttling, fault injection, and
// counters tests can read.
//
// GET /v1.0/reports/authenticationMethods/userRegistrationDetails needs
// AuditLog.Read.All (else 403 Authentication_MSGraphPermissionMissing) and
// the tenant's premium licence (tenant.SetPremiumLicense; else 403
// Authentication_RequestFromNonPremiumTenantOrB2CTenant). Graph throttles
// the reports apart from the directory: 5 requests per 10 s per app
// (Profile.ReportRequestLimit), no resource units. GET /v1.0/users/delta
// honours Prefer: odata.maxpagesize (up to 200) and answers
// Preference-Applied.
//
// A test gets a running emulator in one call:
//
//	srv, err := graphemu.Start(graphemu.Config{Tenant: ten}) // TLS on 127.0.0.1:0
//	...
//	t.Cleanup(srv.Close)
//
// and points a client at srv.URL() (Graph at srv.GraphURL(), tokens from
// srv.AuthorityHost() for scope srv.Scope(), TLS trusting srv.CA()).
// Links in answers (@odata.nextLink, @odata.context) are built from each
// request's Host, and a token is accepted only by the Graph it was asked
// for: ask for tokens and call Graph through the same host name.
//
// Every Graph request, and every request inside a $batch on its own, goes
// through one pipeline: route, injected faults (Server.Inject), the bearer
// token, the throttle (a token bucket of resource units per app and tenant,
// and of requests per app), the app's permissions, the query engine of
// graphemu/tenant, and the latency of the Profile.
//
// The directory itself and its query engine live in graphemu/tenant; this
// package is the HTTP service around it. The tenant may change while it is
// served (tenant.StartChurn), answer requests sent with ConsistencyLevel:
// eventual from a view that trails the directory (SetConsistencyLag; each
// $batch step by its own headers), and list users in object-id order
// (SetDefaultOrder). Package graphemu/emutest checks an export of such a
// directory against the events of its churn. It shares no code with the
// provider's Graph client (internal/graph) nor its SDKs, so that one cannot
// hide the other's mistakes.
package graphemu
