// Command graphemu runs the emulated Microsoft Graph and Entra token endpoint
// of package graphemu as a program, for the demo, the benchmark and manual
// runs:
//
//	go run ./internal/cmd/graphemu --users 10000 --env-file .graphemu.env
//
// It generates a tenant, prints its Graph URL, token URL, tenant id, client
// id and secret and the CA file, writes them as shell-sourceable KEY='VALUE'
// lines to --env-file once it is ready to serve (atomically, so a script may
// poll for the file), and serves until SIGINT or SIGTERM, then shuts down
// gracefully and removes the files it created. To pass the values on to
// child processes, source the file with exporting on:
//
//	set -a; . .graphemu.env; set +a
//
// The file names AAD_EMULATOR_URL (and _GRAPH_URL, _TOKEN_URL), the
// provider's AAD_GRAPH_ENDPOINT and AAD_AUTHORITY_HOST, ARM_TENANT_ID,
// ARM_CLIENT_ID, ARM_CLIENT_SECRET and SSL_CERT_FILE (and IDENTITY_ENDPOINT
// and IDENTITY_HEADER with --managed-identity).
//
// With --counters-endpoint it also serves its counters (requests by endpoint
// and status, 429s, resource units, ...) as JSON at /_emulator/counters: GET
// reads them, POST reads and resets them. That path is the emulator's own,
// outside Graph's; the env file then names it AAD_EMULATOR_COUNTERS_URL.
// Beside it, GET /_emulator/snapshot answers every live user's object id and
// userPrincipalName with the number of churn events the snapshot reflects,
// and GET /_emulator/events?after=N the churn's events since, so that a
// harness can check an export of the churning directory. POST
// /_emulator/churn?events=N&seed=S makes N changes at once (a quarter each
// creates, deletes, renames, and updates, drawn from S, default --seed) and
// answers how many of each it made: the same burst on the same directory
// makes the same changes, so a harness can measure what a snapshot costs
// after a known amount of change.
//
// The directory can move while it is read, as a real one does: with
// --churn-interval and the --churn-creates, --churn-deletes,
// --churn-renames, --churn-updates and --churn-restores counts it changes
// users in rounds drawn from --churn-seed (default --seed), and at exit it
// says how many changes of each kind it made:
//
//	go run ./internal/cmd/graphemu --users 100000 --churn-interval 1s --churn-renames 20 --churn-creates 5 --churn-deletes 5
//
// --consistency-lag 10s makes requests with ConsistencyLevel: eventual
// (advanced queries, $search, $count) see the directory as it was that long
// ago (at most 30s), while other requests see it as it is. --order id lists
// GET /users without $orderby in object-id order instead of by lower-cased
// userPrincipalName: Graph documents no order, and a client must not need
// one.
//
// The registration report (GET /v1.0/reports/authenticationMethods/
// userRegistrationDetails) needs a premium licence, which the tenant holds
// unless --premium-license=false, for demos of Graph's 403
// Authentication_RequestFromNonPremiumTenantOrB2CTenant. --extension-share
// sets the share of users with values for the standard directory
// extensions (tenant.ExtensionCostCentre, ...).
//
// It imports nothing of this module but the emulator.
package main
