// Package export is the pure core of the users export: the column catalogue,
// user -> CSV row, CSV cell encoding and formula escaping, the deterministic
// row order (with bounded memory), the atomic output file and its SHA-256, and
// the results file of per-user errors.
//
// It reads users from a Source (internal/graph implements one over Microsoft
// Graph) and must not import Terraform or Microsoft Graph packages, nor
// internal/graph: the only vocabulary it shares with readers is
// internal/directory.
package export
