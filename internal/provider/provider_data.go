package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
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

// configuredData is the provider's data as a data source's or resource's
// Configure receives it (what names which of the two, for the error).
func configuredData(v any, what string, diags *diag.Diagnostics) *providerData {
	data, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", "The aad_users_export "+what+" was configured by another provider. This is a bug in the provider.")
	}
	return data
}

// provenance is what a snapshot's manifest records of where it came from.
func (p *providerData) provenance() export.Provenance {
	return export.Provenance{ProviderVersion: p.version, TenantID: p.tenantID, Cloud: p.cloud, ClientID: p.clientID}
}

// notConfigured reports whether Read must stop because the provider could
// not be configured, and says why. Provider arguments unknown at plan time
// end here only when Terraform cannot defer: when it can, Configure defers
// and the framework answers every read as deferred without calling Read.
func (p *providerData) notConfigured(diags *diag.Diagnostics) bool {
	switch {
	case p == nil:
		diags.AddError("Provider not configured",
			"The aad provider was not configured before aad_users_export was read or applied. This is a bug in the provider.")
		return true
	case len(p.unknown) == 0:
		return false
	default:
		diags.AddError("Provider configuration not known yet", fmt.Sprintf(
			"The aad provider's %s depend on values that are known only after apply, so the export cannot run now. "+
				"Apply the resources they come from first (terraform apply -target=...), or set them from known values or environment variables.",
			strings.Join(p.unknown, ", ")))
		return true
	}
}

// filesTaken claims the export's files for the rest of the walk (see
// pathClaims). It reports whether another export of the walk writes one of
// them, and says so.
func (p *providerData) filesTaken(opts export.Options, diags *diag.Diagnostics) bool {
	err := p.claims.claim(exportClaims(opts)...)
	if err != nil {
		diags.AddError("File written twice in one run", err.Error())
		return true
	}
	return false
}

// export runs one export of aad_users_export, data source or resource:
// the configuration's options, the provider's client (with the export's
// concurrency), the warnings that come before (a federated token expiring
// too soon) and after (per-user errors, a snapshot not built as asked),
// an interrupt or the timeout ending it. ok is false when it did not
// write the files; diags says why.
func (p *providerData) export(ctx context.Context, args exportArgs, timeout time.Duration, diags *diag.Diagnostics) (export.Options, export.Result, bool) {
	q, opts, d := args.request()
	diags.Append(d...)
	if diags.HasError() || p.notConfigured(diags) || p.filesTaken(opts, diags) {
		return opts, export.Result{}, false
	}
	// Shares the provider's credential, tokens and connections; a null
	// concurrency keeps the provider's.
	client := p.client.WithConcurrency(int(args.Concurrency.ValueInt64()))
	diags.Append(federatedTokenWarning(client, time.Now(), timeout)...)

	ctx, stop := interruptible(ctx)
	defer stop()
	ctx, cancel := context.WithTimeout(p.mask(ctx), timeout)
	defer cancel()
	opts.Provenance = p.provenance()
	tflog.Info(ctx, "exporting users", args.logFields(opts))
	res, err := export.Run(ctx, client, q, opts)
	diags.Append(userErrorWarnings(res, opts)...)
	diags.Append(snapshotWarnings(res)...)
	if err != nil {
		diags.Append(exportError(ctx, err, p.failureContext(q, opts, timeout)))
		return opts, res, false
	}
	logResult(ctx, res)
	return opts, res, true
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
