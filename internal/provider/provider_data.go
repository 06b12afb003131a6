package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graph"
)

// providerData is what Configure hands the data sources: the Graph client,
// or the names of the provider arguments that were not known yet.
type providerData struct {
	client             *graph.Client
	tenantID, clientID string                                // for diagnostics that say what to do, and manifests
	cloud, version     string                                // for manifests
	mask               func(context.Context) context.Context // see maskSecrets
	unknown            []string                              // provider arguments unknown at plan time
	claims             *pathClaims                           // the files this walk's exports write
}

// provenance is what a snapshot's manifest records of where it came from.
func (p *providerData) provenance() export.Provenance {
	return export.Provenance{ProviderVersion: p.version, TenantID: p.tenantID, Cloud: p.cloud, ClientID: p.clientID}
}

// notConfigured reports whether Read must stop because the provider could
// not be configured, and says why. Provider arguments unknown at plan time
// end here only when Terraform cannot defer: when it can, Configure defers
// and the framework answers every read as deferred without calling Read.
func (p *providerData) notConfigured(resp *datasource.ReadResponse) bool {
	switch {
	case p == nil:
		resp.Diagnostics.AddError("Provider not configured",
			"The aad provider was not configured before the data source was read. This is a bug in the provider.")
		return true
	case len(p.unknown) == 0:
		return false
	default:
		resp.Diagnostics.AddError("Provider configuration not known yet", fmt.Sprintf(
			"The aad provider's %s depend on values that are known only after apply, so the export cannot run now. "+
				"Apply the resources they come from first (terraform apply -target=...), or set them from known values or environment variables.",
			strings.Join(p.unknown, ", ")))
		return true
	}
}

// filesTaken claims the export's files for the rest of the walk (see
// pathClaims). It reports whether another export of the walk writes one of
// them, and says so.
func (p *providerData) filesTaken(opts export.Options, resp *datasource.ReadResponse) bool {
	err := p.claims.claim(exportClaims(opts)...)
	if err != nil {
		resp.Diagnostics.AddError("File written twice in one run", err.Error())
		return true
	}
	return false
}

// maskSecrets returns what makes every log line logged through a context
// (the provider's and the Graph client's) mask the configured secrets and
// anything shaped like a bearer token, should one ever reach a message or a
// field. Configure applies it to the context the Graph client's logger falls
// back on, and each read to its own context.
func maskSecrets(secrets []string) func(context.Context) context.Context {
	jwt := regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`)
	secrets = slices.Clone(secrets)
	return func(ctx context.Context) context.Context {
		ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "authorization", "Authorization", "access_token", "client_secret", "client_assertion")
		ctx = tflog.MaskAllFieldValuesRegexes(ctx, jwt)
		ctx = tflog.MaskMessageRegexes(ctx, jwt)
		if len(secrets) > 0 {
			ctx = tflog.MaskAllFieldValuesStrings(ctx, secrets...)
			ctx = tflog.MaskMessageStrings(ctx, secrets...)
		}
		return ctx
	}
}

// failureContext gathers what error diagnostics need to say what to do.
func (p *providerData) failureContext(q directory.Query, opts export.Options, timeout time.Duration) failureContext {
	return failureContext{
		tenantID:    p.tenantID,
		clientID:    p.clientID,
		columns:     opts.Columns,
		filter:      q.Filter,
		search:      q.Search,
		resultsPath: opts.ResultsPath,
		timeout:     timeout,
	}
}
