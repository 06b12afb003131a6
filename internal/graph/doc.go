// Package graph reads the directory from Microsoft Graph and delivers users
// to a directory.Sink.
//
// It owns the credentials (azidentity: certificate, secret, OIDC, managed
// identity, Azure CLI), national clouds and endpoint overrides, the
// msgraph-sdk-go request adapter with an explicit middleware chain (without
// kiota's retry handler), the one retry policy every request and $batch step
// goes through, typed errors (*Error), and three ways of reading users:
//
//   - listing, over many nextLink chains at once: the query's users are
//     split into partitions by userPrincipalName (first character, then
//     pivot names, then code points for other scripts), using $count probes
//     that must add up before anything is delivered, and each partition is
//     checked against Graph's count once listed;
//   - explicitly named users, looked up 20 to a $batch;
//   - authentication methods, one GET per user, 20 to a $batch, with the
//     number of batches in flight adapting to Graph's throttling.
//
// Pages are decoded with encoding/json straight into directory.User and
// delivered as they arrive; nothing holds the whole directory.
//
// The retry policy (retry.go) is the only one: it waits before every retry
// of a Graph request, a $batch, an inner $batch request (re-queued rather
// than slept on) and a token request, honours Retry-After (fractions and
// HTTP dates included; one below the first backoff step counts as none),
// backs off exponentially with jitter otherwise, retries 429, 500, 502, 503,
// 504 and network failures, and stops when the next wait would pass the
// context's deadline. No library
// retries underneath it: the kiota middleware chain is built without
// kiota's RetryHandler, azcore's retries are off for every credential
// (MaxRetries -1) and MSAL's confidential clients have none, which the
// provider's fault matrix checks by counting requests at the emulator. Two
// exceptions are deliberate: the managed identity credential keeps
// azidentity's own retries, which know the instance metadata service's
// start-up answers (404, 410) that no Graph policy should; and kiota's
// adapter answers a continuous access evaluation claims challenge (a 401
// naming claims) by sending the request once more with a token for those
// claims, which only it can do.
//
// It must not import Terraform packages or internal/export.
package graph
