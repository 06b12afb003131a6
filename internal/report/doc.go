// Package report turns the rows of one users export into one self-contained
// HTML page for compliance reviewers: who is in the directory (members and
// guests, enabled and disabled, cloud-only and synced, minors and their
// consent), how the users sit in departments, who can sign in without strong
// authentication, which accounts are stale, and which users could not be
// exported.
//
// A Builder takes the rows one at a time, as the export writes them, and
// keeps only counters: fixed arrays for the known values and capped tables
// for free text (departments, method names, error codes), so its memory does
// not grow with the directory and Row allocates nothing once a value has been
// seen. Render then writes the page: inline SVG charts, each beside a table of
// its numbers, a print stylesheet for A4, no script, and nothing loaded from
// anywhere. Every value that comes from the directory is escaped.
//
// It imports only the standard library: the export core (internal/export)
// feeds it through Feed, and it must not know Terraform, Microsoft Graph, or
// the export itself.
package report
