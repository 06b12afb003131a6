package credential

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Setup is what building a credential needs besides Credentials.
type Setup struct {
	// AuthorityHost is the Entra authority, e.g. https://login.microsoftonline.com/.
	AuthorityHost string

	// InstanceDiscovery is false for authority hosts that are not
	// Microsoft's (a proxy, the emulator): azidentity must not ask
	// Microsoft about them.
	InstanceDiscovery bool

	// HTTPClient carries token requests (tests trust a local CA through
	// it); nil = azcore's default.
	HTTPClient *http.Client
}

// clientOptions are the azcore options every credential shares. Retries are
// off: token requests fail into the Graph client's one retry policy instead
// of being retried twice, by azcore and again by the caller.
func (s Setup) clientOptions() azcore.ClientOptions {
	opts := azcore.ClientOptions{
		Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: s.AuthorityHost},
		Retry: policy.RetryOptions{MaxRetries: -1},
	}
	// Only a non-nil client: a nil *http.Client stored in the Transporter
	// interface is not a nil interface, and azcore would call through it.
	if s.HTTPClient != nil {
		opts.Transport = s.HTTPClient
	}
	return opts
}

// New resolves c (Resolve), validates it and builds the credential of its
// first enabled kind (Kinds). It reports the kind, so that the caller knows
// how that credential caches and fails. It sends no request.
func New(c Credentials, s Setup) (azcore.TokenCredential, ID, error) {
	c, err := Resolve(c)
	if err != nil {
		return nil, "", err
	}
	kind, err := Select(c)
	if err != nil {
		return nil, "", err
	}
	cred, err := kind.build(c, s)
	if err != nil {
		return nil, "", fmt.Errorf("%s credential: %w", kind.ID, err)
	}
	return cred, kind.ID, nil
}

// requireApp checks the ids an app registration credential needs.
func requireApp(c Credentials) error {
	return errors.Join(requireGUID("TenantID", c.TenantID, ""), requireGUID("ClientID", c.ClientID, ""))
}

// requireGUID checks an id that must be a GUID; what the id is for, if said,
// goes in the message. The error never quotes a value that is not one:
// client ids and secrets sit side by side, and a secret pasted into the
// wrong one must not be printed back.
func requireGUID(field, v, of string) error {
	what := "must be a GUID"
	if of != "" {
		what += " (" + of + ")"
	}
	switch {
	case IsGUID(v):
		return nil
	case v == "":
		return &FieldError{Field: field, Problem: what + ", and is not set", Unset: true}
	}
	return fieldError(field, what+"; the value set is not one (it is not shown, in case it is a secret set in the wrong place)")
}

func secretCredential(c Credentials, s Setup) (azcore.TokenCredential, error) {
	if err := requireApp(c); err != nil {
		return nil, err
	}
	return azidentity.NewClientSecretCredential(c.TenantID, c.ClientID, c.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{
			ClientOptions:            s.clientOptions(),
			DisableInstanceDiscovery: !s.InstanceDiscovery,
		})
}

func certificateCredential(c Credentials, s Setup) (azcore.TokenCredential, error) {
	if err := requireApp(c); err != nil {
		return nil, err
	}
	if len(c.ClientCertificate) > 0 && c.ClientCertificatePath != "" {
		return nil, fieldError("ClientCertificate", "or {ClientCertificatePath}: set one, not both")
	}
	data, field := c.ClientCertificate, "ClientCertificate"
	if c.ClientCertificatePath != "" {
		field = "ClientCertificatePath"
		var err error
		if data, err = os.ReadFile(c.ClientCertificatePath); err != nil {
			return nil, &FieldError{Field: "ClientCertificatePath", Problem: "cannot be read", Err: err}
		}
	}
	var password []byte
	if c.ClientCertificatePassword != "" {
		password = []byte(c.ClientCertificatePassword)
	}
	certs, key, err := azidentity.ParseCertificates(data, password)
	if err != nil {
		// The parser's message names the format problem, never the password.
		return nil, &FieldError{Field: field, Problem: "is not a PKCS#12 or PEM certificate with its key (wrong {ClientCertificatePassword}?)", Err: err}
	}
	return azidentity.NewClientCertificateCredential(c.TenantID, c.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions:            s.clientOptions(),
			DisableInstanceDiscovery: !s.InstanceDiscovery,
		})
}

func oidcCredential(c Credentials, s Setup) (azcore.TokenCredential, error) {
	if err := requireApp(c); err != nil {
		return nil, err
	}
	return newAssertionCredential(c, s)
}

// cliCredential uses the Azure CLI's login. Its absence is found now rather
// than at the first request.
func cliCredential(c Credentials) (azcore.TokenCredential, error) {
	if c.TenantID != "" {
		if err := requireGUID("TenantID", c.TenantID, ""); err != nil {
			return nil, err
		}
	}
	if _, err := exec.LookPath("az"); err != nil {
		return nil, fmt.Errorf("%w: the Azure CLI (az) is not on PATH", ErrNoCredential)
	}
	return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: c.TenantID})
}
