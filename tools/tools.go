//go:build generate

// Package tools pins the documentation tooling in a module of its own, so
// that its dependencies never reach the provider's go.mod.
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)

// Format the examples, which the documentation embeds.
//go:generate terraform fmt -recursive ../examples/

// Generate the documentation from the schemas' MarkdownDescriptions and the examples.
//go:generate go run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate --provider-dir .. --provider-name aad --rendered-provider-name aad
