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
// It must not import Terraform packages or internal/export.
package graph
