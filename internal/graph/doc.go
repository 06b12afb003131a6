// Package graph reads the directory from Microsoft Graph and delivers users
// to a directory.Sink.
//
// Its files are grouped by concern, the prefix naming the concern:
//
//   - api.go: the contract with the caller (Config, Client's reads, Error);
//     client*.go: building a Client, national clouds and endpoint
//     overrides, and the checks the provider applies at plan time;
//     credential/: the credential chain (its kinds, and the order they are
//     tried in, are credential.Kinds), which yields tokens.
//   - http_*.go: one Graph request: the kiota adapter with an explicit
//     middleware chain (without kiota's retry handler), the token cache
//     between it and the credential, the one retry policy, the page slots
//     that bound the pages held in memory, the URLs of every request, and
//     typed errors (*Error).
//   - read*.go: one call of Users, UsersTracked or Changes: its set-up and
//     tear-down, its progress log, and the recovery of its goroutines'
//     panics.
//   - list*.go: listing the users of a query over many nextLink chains at
//     once. The users are split into partitions by userPrincipalName (first
//     character, then pivot names, then code points for other scripts;
//     list_split.go), using $count probes that must add up before anything
//     is delivered; each partition is listed by one chain, or two that meet
//     in the middle (list_chain.go), and checked against Graph's count once
//     listed; a table of delivered ids (list_idtable.go) keeps every user
//     delivered once. list_single_chain.go is the one-chain listing other
//     tools do, the benchmark's reference.
//   - changes_*.go: the directory's change log (GET /users/delta), which
//     reconciles a listing with what changed while it ran, and tells the
//     next snapshot what changed since.
//   - registration.go: the authentication-method registration report, read
//     in one paced chain before the users are listed and joined to them by
//     object id.
//   - batch_*.go: $batch: the wire format, the per-user outcome of a step
//     and the gate that decides whether a failure is one user's or the
//     read's (batch_gate.go), the pacing of requests in flight to Graph's
//     throttling, and the two per-user reads sent through it: explicitly
//     named users, and authentication methods.
//
// Pages are decoded with encoding/json straight into directory.User and
// delivered as they arrive; nothing holds the whole directory.
//
// The retry policy (http_retry.go) is the only one: it waits before every
// retry of a Graph request, a $batch, an inner $batch request (re-queued
// rather than slept on) and a token request, honours Retry-After (fractions
// and HTTP dates included; one below the first backoff step counts as
// none), backs off exponentially with jitter otherwise, retries 429, 500,
// 502, 503, 504 and network failures, and stops when the next wait would
// pass the context's deadline. No library retries underneath it: the kiota
// middleware chain is built without kiota's RetryHandler, azcore's retries
// are off for every credential (MaxRetries -1) and MSAL's confidential
// clients have none, which the provider's fault matrix checks by counting
// requests at the emulator. Two exceptions are deliberate: the managed
// identity credential keeps azidentity's own retries, which know the
// instance metadata service's start-up answers (404, 410) that no Graph
// policy should; and kiota's adapter answers a continuous access evaluation
// claims challenge (a 401 naming claims) by sending the request once more
// with a token for those claims, which only it can do.
//
// Every goroutine the client starts runs through errgroup and recovered: a
// panic ends the read as an error instead of the provider's process.
//
// It speaks of Graph and Go, never of Terraform: errors about the
// configuration name Config and Credentials fields
// (*credential.FieldError), which the provider renders in its own words. It
// must not import Terraform packages or internal/export.
package graph
