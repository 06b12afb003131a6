// Package provider is the Terraform glue of the aad provider: schemas,
// configuration -> plain Go options, errors -> diagnostics, results -> state.
// It holds no Microsoft Graph or CSV logic: internal/graph reads the directory
// and internal/export writes the files.
package provider
