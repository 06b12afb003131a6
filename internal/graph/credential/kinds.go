package credential

import (
	"fmt"
	"reflect"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// ID names a way of obtaining tokens.
type ID string

// The ways of obtaining tokens; Kinds gives their order.
const (
	Certificate ID = "client certificate"
	Secret      ID = "client secret"
	OIDC        ID = "OIDC federated token"
	MSI         ID = "managed identity"
	CLI         ID = "Azure CLI"
)

// A Requirement is met by any one of its alternatives; an alternative is
// fields set together.
type Requirement [][]string

// Kind is a way of obtaining tokens, described by the Credentials fields it
// reads (their names, for callers to render in their own words).
type Kind struct {
	ID ID

	// Enable are the fields any one of which, set, selects this kind, if
	// no kind before it is selected.
	Enable []string

	// Needs must all be met; Optional may be set too.
	Needs    []Requirement
	Optional []string

	// Note is what else the kind needs, or where else its values come
	// from; fields in braces, as in FieldError.Problem.
	Note string

	build func(Credentials, Setup) (azcore.TokenCredential, error)
}

// Kinds lists the ways of obtaining tokens in the order they are tried (the
// azuread provider's order). The first one enabled is used and must be
// complete: New does not fall through to the next.
func Kinds() []Kind {
	app := []Requirement{{{"TenantID"}}, {{"ClientID"}, {"ClientIDFilePath"}}}
	return []Kind{
		{
			ID: Certificate, Enable: []string{"ClientCertificatePath", "ClientCertificate"},
			Needs:    append(app, Requirement{{"ClientCertificatePath"}, {"ClientCertificate"}}),
			Optional: []string{"ClientCertificatePassword"},
			build:    certificateCredential,
		},
		{
			ID: Secret, Enable: []string{"ClientSecret", "ClientSecretFilePath"},
			Needs: append(app, Requirement{{"ClientSecret"}, {"ClientSecretFilePath"}}),
			build: secretCredential,
		},
		{
			ID: OIDC, Enable: []string{"UseOIDC", "UseAKSWorkloadIdentity"},
			Needs: append(app, Requirement{{"OIDCToken"}, {"OIDCTokenFilePath"}, {"OIDCRequestURL", "OIDCRequestToken"}}),
			Note: "with {UseAKSWorkloadIdentity}, the token file and ids come from " + EnvFederatedTokenFile + ", " +
				EnvClientID + " and " + EnvTenantID + " as AKS sets them",
			build: oidcCredential,
		},
		{
			ID: MSI, Enable: []string{"UseMSI"},
			Optional: []string{"ClientID", "MSIEndpoint"},
			build:    msiCredential,
		},
		{
			ID: CLI, Enable: []string{"UseCLI"},
			Optional: []string{"TenantID"},
			Note:     `signed in with "az login"`,
			build:    func(c Credentials, _ Setup) (azcore.TokenCredential, error) { return cliCredential(c) },
		},
	}
}

// Select returns the first kind c enables, or ErrNoCredential.
func Select(c Credentials) (Kind, error) {
	v := reflect.ValueOf(c)
	for _, k := range Kinds() {
		for _, f := range k.Enable {
			if !v.FieldByName(f).IsZero() {
				return k, nil
			}
		}
	}
	return Kind{}, fmt.Errorf("%w for Microsoft Graph", ErrNoCredential)
}
