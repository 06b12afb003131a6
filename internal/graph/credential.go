package graph

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// credentialKind names a way of obtaining tokens, in the order New tries
// them (the azuread provider's order).
type credentialKind string

const (
	kindCertificate credentialKind = "client certificate"
	kindSecret      credentialKind = "client secret"
	kindOIDC        credentialKind = "OIDC federated token"
	kindMSI         credentialKind = "managed identity"
	kindCLI         credentialKind = "Azure CLI"
)

// credentialHelp lists every way to configure a credential, for the error a
// configuration without one gets.
const credentialHelp = `configure one of (tried in this order):
  - client certificate: tenant_id, client_id and client_certificate_path or client_certificate (base64), with client_certificate_password if it has one (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_CERTIFICATE_PATH, ARM_CLIENT_CERTIFICATE, ARM_CLIENT_CERTIFICATE_PASSWORD)
  - client secret: tenant_id, client_id and client_secret (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET)
  - OIDC: use_oidc = true, tenant_id, client_id and one of oidc_token, oidc_token_file_path, or oidc_request_url with oidc_request_token (ARM_USE_OIDC, ARM_OIDC_TOKEN, ARM_OIDC_TOKEN_FILE_PATH, ARM_OIDC_REQUEST_URL and ARM_OIDC_REQUEST_TOKEN, or GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN)
  - managed identity: use_msi = true, with client_id for a user-assigned identity and msi_endpoint to override the endpoint (ARM_USE_MSI, ARM_CLIENT_ID, ARM_MSI_ENDPOINT)
  - Azure CLI: use_cli = true after "az login" (ARM_USE_CLI)`

// selectKind picks the first configured way of obtaining tokens.
func selectKind(c Credentials) (credentialKind, error) {
	switch {
	case len(c.ClientCertificate) > 0 || c.ClientCertificatePath != "":
		return kindCertificate, nil
	case c.ClientSecret != "":
		return kindSecret, nil
	case c.UseOIDC:
		return kindOIDC, nil
	case c.UseMSI:
		return kindMSI, nil
	case c.UseCLI:
		return kindCLI, nil
	}
	return "", fmt.Errorf("%w for Microsoft Graph; %s", ErrNoCredential, credentialHelp)
}

// credentialSetup is what building a credential needs besides Credentials.
type credentialSetup struct {
	ep         endpoints
	httpClient *http.Client // carries token requests (tests trust a local CA through it)
}

// clientOptions are the azcore options every credential shares. Retries are
// off: token requests fail into the client's one retry policy instead of
// being retried twice, by azcore and again by us.
func (s credentialSetup) clientOptions() azcore.ClientOptions {
	opts := azcore.ClientOptions{
		Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: s.ep.authority.String()},
		Retry: policy.RetryOptions{MaxRetries: -1},
	}
	// Only a non-nil client: a nil *http.Client stored in the Transporter
	// interface is not a nil interface, and azcore would call through it.
	if s.httpClient != nil {
		opts.Transport = s.httpClient
	}
	return opts
}

// newCredential validates c and builds the credential of its first
// configured kind. It reports the kind so the token source knows how that
// credential caches.
func newCredential(c Credentials, s credentialSetup) (azcore.TokenCredential, credentialKind, error) {
	kind, err := selectKind(c)
	if err != nil {
		return nil, "", err
	}
	var cred azcore.TokenCredential
	switch kind {
	case kindCertificate:
		cred, err = certificateCredential(c, s)
	case kindSecret:
		cred, err = secretCredential(c, s)
	case kindOIDC:
		cred, err = oidcCredential(c, s)
	case kindMSI:
		cred, err = msiCredential(c, s)
	case kindCLI:
		cred, err = cliCredential(c)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s credential: %w", kind, err)
	}
	return cred, kind, nil
}

// requireApp checks the ids an app registration credential needs.
func requireApp(c Credentials) error {
	return errors.Join(requireGUID("tenant_id", "ARM_TENANT_ID", c.TenantID), requireGUID("client_id", "ARM_CLIENT_ID", c.ClientID))
}

// requireGUID checks an id that must be a GUID. The error never quotes a
// value that is not one: ARM_CLIENT_ID and ARM_CLIENT_SECRET sit side by
// side, and a secret pasted into the wrong one must not be printed back.
func requireGUID(attr, hint, v string) error {
	switch {
	case IsGUID(v):
		return nil
	case v == "":
		return fmt.Errorf("%s must be a GUID (%s), and is not set", attr, hint)
	}
	return fmt.Errorf("%s must be a GUID (%s); the value set is not one (it is not shown, in case it is a secret set in the wrong place)", attr, hint)
}

func secretCredential(c Credentials, s credentialSetup) (azcore.TokenCredential, error) {
	if err := requireApp(c); err != nil {
		return nil, err
	}
	return azidentity.NewClientSecretCredential(c.TenantID, c.ClientID, c.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{
			ClientOptions:            s.clientOptions(),
			DisableInstanceDiscovery: !s.ep.instanceDiscovery,
		})
}

func certificateCredential(c Credentials, s credentialSetup) (azcore.TokenCredential, error) {
	if err := requireApp(c); err != nil {
		return nil, err
	}
	if len(c.ClientCertificate) > 0 && c.ClientCertificatePath != "" {
		return nil, errors.New("set client_certificate or client_certificate_path, not both")
	}
	data := c.ClientCertificate
	if c.ClientCertificatePath != "" {
		var err error
		if data, err = os.ReadFile(c.ClientCertificatePath); err != nil {
			return nil, fmt.Errorf("reading client_certificate_path: %w", err)
		}
	}
	var password []byte
	if c.ClientCertificatePassword != "" {
		password = []byte(c.ClientCertificatePassword)
	}
	certs, key, err := azidentity.ParseCertificates(data, password)
	if err != nil {
		// The parser's message names the format problem, never the password.
		return nil, fmt.Errorf("parsing the PKCS#12 or PEM certificate (wrong client_certificate_password?): %w", err)
	}
	return azidentity.NewClientCertificateCredential(c.TenantID, c.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions:            s.clientOptions(),
			DisableInstanceDiscovery: !s.ep.instanceDiscovery,
		})
}

func oidcCredential(c Credentials, s credentialSetup) (azcore.TokenCredential, error) {
	if err := requireApp(c); err != nil {
		return nil, err
	}
	return newAssertionCredential(c, s)
}

// imdsEndpoint is where azidentity asks the instance metadata service for a
// token when no other managed identity source is configured.
const imdsEndpoint = "http://169.254.169.254/metadata/identity/oauth2/token"

func msiCredential(c Credentials, s credentialSetup) (azcore.TokenCredential, error) {
	opts := &azidentity.ManagedIdentityCredentialOptions{}
	// azidentity retries the metadata service in its own way (it answers
	// 404/410 while starting), so its defaults stay for this credential.
	opts.Cloud = s.clientOptions().Cloud
	if s.httpClient != nil {
		opts.Transport = s.httpClient
	}
	if c.ClientID != "" {
		if err := requireGUID("client_id", "of a user-assigned identity", c.ClientID); err != nil {
			return nil, err
		}
		opts.ID = azidentity.ClientID(c.ClientID)
	}
	if c.MSIEndpoint != "" {
		target, err := parseMSIEndpoint(c.MSIEndpoint)
		if err != nil {
			return nil, err
		}
		opts.Transport = &http.Client{Transport: &msiRedirect{target: target, next: transportOf(s.httpClient)}}
	}
	return azidentity.NewManagedIdentityCredential(opts)
}

// parseMSIEndpoint validates an msi_endpoint override. Managed identity
// endpoints are plain http on the host itself (link-local or loopback).
// Errors show at most the scheme and host of the value.
func parseMSIEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, errors.New("msi_endpoint is not an absolute URL such as http://169.254.169.254/metadata/identity/oauth2/token")
	}
	ip := net.ParseIP(u.Hostname())
	local := isLoopbackHost(u.Hostname()) || (ip != nil && (ip.IsLoopback() || ip.IsLinkLocalUnicast()))
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && local:
	default:
		return nil, fmt.Errorf("msi_endpoint %s://%s must use https, or http to a loopback or link-local address", u.Scheme, u.Host)
	}
	return u, nil
}

// msiRedirect sends the metadata service's token requests to an overridden
// endpoint, keeping their query (resource, client_id, api-version): azidentity
// has no option for the endpoint and reads it only from process-wide
// environment variables, which a provider must not set.
type msiRedirect struct {
	target *url.URL
	next   http.RoundTripper
}

func (m *msiRedirect) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.String(), imdsEndpoint) {
		r = r.Clone(r.Context())
		q := r.URL.RawQuery
		r.URL = &url.URL{Scheme: m.target.Scheme, Host: m.target.Host, Path: m.target.Path, RawQuery: q}
		r.Host = m.target.Host
	}
	return m.next.RoundTrip(r)
}

func transportOf(c *http.Client) http.RoundTripper {
	if c != nil && c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// cliCredential uses the Azure CLI's login. Its absence is found now rather
// than at the first request, with the list of other ways to authenticate.
func cliCredential(c Credentials) (azcore.TokenCredential, error) {
	if c.TenantID != "" {
		if err := requireGUID("tenant_id", "ARM_TENANT_ID", c.TenantID); err != nil {
			return nil, err
		}
	}
	if _, err := exec.LookPath("az"); err != nil {
		return nil, fmt.Errorf("%w: the Azure CLI (az) is not on PATH; %s", ErrNoCredential, credentialHelp)
	}
	return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: c.TenantID})
}
