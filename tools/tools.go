//go:build generate

// Package tools pins the project's tooling in a module of its own, so that
// its dependencies never reach the provider's go.mod: tfplugindocs here,
// goreleaser as a tool directive of go.mod (go tool goreleaser).
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)

// Format the examples, which the documentation embeds.
//go:generate terraform fmt -recursive ../examples/

// Generate the documentation from the schemas' MarkdownDescriptions, the
// examples and templates/ (the provider page and the guides), then check
// what the registry checks of it (front matter, file names, sizes).
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name aad --rendered-provider-name aad
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs validate --provider-dir .. --provider-name aad
