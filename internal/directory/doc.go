// Package directory holds the plain Go vocabulary shared by the code that reads
// the directory (internal/graph) and the code that writes the export
// (internal/export): a user record as Microsoft Graph lists it, its
// authentication methods, a per-user failure, the query that selects users, and
// the sink users are delivered to.
//
// It is a leaf: it imports only the standard library, so that neither side has
// to import the other.
package directory
