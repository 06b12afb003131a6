// Package graph reads the directory from Microsoft Graph: credentials
// (azidentity), national clouds and endpoint overrides, the msgraph-sdk-go
// request adapter with an explicit middleware chain, one retry policy, typed
// errors, paging, partitioned parallel listing with a completeness check,
// batched lookups of explicitly selected users and of authentication methods,
// paced to Graph's throttle budget.
//
// It delivers users to a directory.Sink and must not import Terraform packages
// or internal/export.
package graph
