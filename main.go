// Command terraform-provider-aad serves the aad Terraform provider, which
// exports Entra ID users to CSV files through Microsoft Graph.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/aad-export/terraform-provider-aad/internal/provider"
)

// version and commit are set by the release build (goreleaser) and by `make
// build` through -ldflags. The version reaches Terraform (and Graph's logs,
// in the User-Agent); the commit says which source a binary came from.
var (
	version = "dev"
	commit  = "unknown" //nolint:gochecknoglobals // set by the linker, like version
)

func main() {
	var debug, showVersion bool
	flag.BoolVar(&debug, "debug", false, "start the provider in debug mode, for debuggers such as delve")
	flag.BoolVar(&showVersion, "version", false, "print the version and the commit it was built from, then exit")
	flag.Parse()

	if showVersion {
		fmt.Printf("terraform-provider-aad %s (commit %s)\n", version, commit)
		return
	}
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         provider.RegistryAddress,
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
