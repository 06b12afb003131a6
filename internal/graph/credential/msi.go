package credential

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// imdsEndpoint is where azidentity asks the instance metadata service for a
// token when no other managed identity source is configured.
const imdsEndpoint = "http://169.254.169.254/metadata/identity/oauth2/token"

func msiCredential(c Credentials, s Setup) (azcore.TokenCredential, error) {
	opts := &azidentity.ManagedIdentityCredentialOptions{}
	// azidentity retries the metadata service in its own way (it answers
	// 404/410 while starting), so its defaults stay for this credential.
	opts.Cloud = s.clientOptions().Cloud
	if s.HTTPClient != nil {
		opts.Transport = s.HTTPClient
	}
	if c.ClientID != "" {
		if err := requireGUID("ClientID", c.ClientID, "of a user-assigned identity"); err != nil {
			return nil, err
		}
		opts.ID = azidentity.ClientID(c.ClientID)
	}
	if c.MSIEndpoint != "" {
		target, err := parseMSIEndpoint(c.MSIEndpoint)
		if err != nil {
			return nil, err
		}
		opts.Transport = &http.Client{Transport: &msiRedirect{target: target, next: transportOf(s.HTTPClient)}}
	}
	return azidentity.NewManagedIdentityCredential(opts)
}

// CheckMSIEndpoint checks a managed identity endpoint override
// (Credentials.MSIEndpoint) as New does: an absolute URL, https, or plain
// http to a loopback or link-local address. "" (no override) is valid.
func CheckMSIEndpoint(raw string) error {
	if raw == "" {
		return nil
	}
	_, err := parseMSIEndpoint(raw)
	return err
}

// parseMSIEndpoint validates an MSIEndpoint override. Managed identity
// endpoints are plain http on the host itself (link-local or loopback).
// Errors show at most the scheme and host of the value.
func parseMSIEndpoint(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fieldError("MSIEndpoint", "is not an absolute URL such as "+imdsEndpoint)
	}
	ip := net.ParseIP(u.Hostname())
	local := IsLoopbackHost(u.Hostname()) || (ip != nil && (ip.IsLoopback() || ip.IsLinkLocalUnicast()))
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && local:
	default:
		return nil, fieldError("MSIEndpoint", u.Scheme+"://"+u.Host+" must use https, or http to a loopback or link-local address")
	}
	return u, nil
}

// msiRedirect sends the metadata service's token requests to an overridden
// endpoint, keeping their query (resource, client_id, api-version): azidentity
// has no option for the endpoint and reads it only from process-wide
// environment variables, which a library must not set.
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

// IsLoopbackHost reports whether host is one the Graph auth provider treats
// as local (it sends tokens over plain http to these names only), and so
// may be reached in clear.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}
